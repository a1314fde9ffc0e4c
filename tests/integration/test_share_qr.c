/* --qr, read back by a real scanner: the half-block drawing on stdout and
 * the SVG on a listing page are turned into PBM images and decoded with
 * zbarimg (zbar-tools), which must give the URL printed for other
 * machines. Without --qr a listing has no QR element. Skipped where
 * zbarimg is missing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define FULL "\xe2\x96\x88"
#define UPPER "\xe2\x96\x80"
#define LOWER "\xe2\x96\x84"
#define PIXELS 4 /* per module */
#define MARGIN 8 /* light pixels around the image */
#define MAX_SIDE 200

static struct fixture fx;

struct image {
	int w, h;
	unsigned char dark[MAX_SIDE][MAX_SIDE];
};

static int group_setup(void **state)
{
	(void)state;
	return fixture_standard_site(&fx);
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_destroy(&fx);
	return 0;
}

static bool have_zbarimg(void)
{
	const char *const argv[] = {"sh", "-c", "command -v zbarimg", NULL};
	struct run_result r;
	bool ok = harness_run(argv, NULL, HARNESS_WAIT_MS, &r) == 0 && r.exit_code == 0;
	run_result_free(&r);
	return ok;
}

/* The modules as a plain PBM, scaled up with a light margin; zbarimg's
 * answer (--raw: the data alone). */
static char *decode(const struct image *img)
{
	char path[sizeof(fx.parent) + 16];
	snprintf(path, sizeof(path), "%s/qr.pbm", fx.parent);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	int w = img->w * PIXELS + 2 * MARGIN, h = img->h * PIXELS + 2 * MARGIN;
	fprintf(f, "P1\n%d %d\n", w, h);
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			int mx = (x - MARGIN) / PIXELS, my = (y - MARGIN) / PIXELS;
			bool in = x >= MARGIN && y >= MARGIN && mx < img->w && my < img->h;
			fputs(in && img->dark[my][mx] ? "1 " : "0 ", f);
		}
		fputc('\n', f);
	}
	assert_int_equal(fclose(f), 0);
	const char *const argv[] = {"zbarimg", "-q", "--raw", path, NULL};
	struct run_result r;
	assert_int_equal(harness_run(argv, NULL, 20000, &r), 0);
	if (r.exit_code != 0)
		fail_msg("zbarimg exited %d: %s", r.exit_code, r.err.data ? r.err.data : "");
	char *out = strdup(r.out.data ? r.out.data : "");
	run_result_free(&r);
	return out;
}

/* Lines of half blocks back into modules: a drawn block is light. */
static void image_from_terminal(const char *text, struct image *img)
{
	memset(img, 0, sizeof(*img));
	for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
		if (strncmp(line, FULL, 3) != 0 && strncmp(line, UPPER, 3) != 0 &&
		    strncmp(line, LOWER, 3) != 0 && *line != ' ') {
			assert_non_null(strchr(line, '\n'));
			continue; /* the start-up line and URLs */
		}
		int x = 0;
		const char *p = line;
		for (; *p != '\n'; x++) {
			assert_true(x < MAX_SIDE && img->h + 1 < MAX_SIDE);
			bool top_light = strncmp(p, FULL, 3) == 0 || strncmp(p, UPPER, 3) == 0;
			bool bottom_light = strncmp(p, FULL, 3) == 0 || strncmp(p, LOWER, 3) == 0;
			img->dark[img->h][x] = !top_light;
			img->dark[img->h + 1][x] = !bottom_light;
			p += *p == ' ' ? 1 : 3;
		}
		img->w = x;
		img->h += 2;
	}
}

/* The SVG's path ("Mx yhNv1h-Nz" runs) back into modules. */
static void image_from_svg(const char *html, struct image *img)
{
	memset(img, 0, sizeof(*img));
	const char *svg = strstr(html, "<svg ");
	assert_non_null(svg);
	assert_int_equal(sscanf(strstr(svg, "viewBox=\"0 0 "), "viewBox=\"0 0 %d %d\"", &img->w,
				&img->h),
			 2);
	assert_true(img->w < MAX_SIDE && img->h < MAX_SIDE);
	const char *p = strstr(svg, "<path d=\"");
	assert_non_null(p);
	for (p += 9; *p == 'M';) {
		int x, y, run, used;
		assert_int_equal(sscanf(p, "M%d %dh%dv1h-%*dz%n", &x, &y, &run, &used), 3);
		assert_true(x + run <= img->w && y < img->h);
		for (int i = 0; i < run; i++)
			img->dark[y][x + i] = 1;
		p += used;
	}
}

/* Two lines of full blocks: the QR code's top and bottom quiet zones. */
static bool qr_printed(const struct test_server *s)
{
	int full_lines = 0;
	for (const char *l = s->out.data; l && *l; l = strchr(l, '\n') + 1) {
		const char *nl = strchr(l, '\n');
		if (!nl)
			break;
		const char *p = l;
		while (p < nl && strncmp(p, FULL, 3) == 0)
			p += 3;
		full_lines += p == nl && p > l;
	}
	return full_lines >= 2;
}

static int start_qr(struct test_server *s, const char *extra)
{
	const char *argv[] = {"httpd-lite", "-b", "127.0.0.1", "-p", "0", "-d", fx.root, "-q",
			      extra, NULL};
	if (harness_spawn(s, argv, NULL) < 0)
		return -1;
	for (int waited = 0; waited < HARNESS_WAIT_MS && !qr_printed(s); waited += 20)
		harness_pump(20);
	int port = 0;
	if (!qr_printed(s) ||
	    sscanf(s->out.data, "Serving HTTP on 127.0.0.1 port %d ", &port) != 1)
		return -1;
	s->port = port;
	return port;
}

static void terminal_code_decodes_to_the_url(void **state)
{
	(void)state;
	if (!have_zbarimg())
		skip();
	struct test_server s;
	int port = start_qr(&s, "--qr");
	assert_true(port > 0);
	char want[64];
	snprintf(want, sizeof(want), "http://127.0.0.1:%d/\n", port);
	static struct image img;
	image_from_terminal(s.out.data, &img);
	assert_true(img.w > 20 && img.w <= 80);
	assert_true(img.h / 2 <= 23);
	char *got = decode(&img);
	assert_string_equal(got, want);
	free(got);
	assert_int_equal(harness_stop(&s), 0);
}

static void listing_code_decodes_to_the_url(void **state)
{
	(void)state;
	if (!have_zbarimg())
		skip();
	struct test_server s;
	int port = start_qr(&s, "--qr");
	assert_true(port > 0);
	struct http_reply r;
	assert_rc_ok(client_get(port, "/dir/", &r));
	assert_int_equal(r.status, 200);
	char want[64];
	snprintf(want, sizeof(want), "http://127.0.0.1:%d/", port);
	char link[160];
	snprintf(link, sizeof(link), "<a href=\"%s\">%s</a></details>", want, want);
	assert_contains(r.body, r.body_len, "<details class=\"qr\"><summary>QR code</summary><svg ");
	assert_contains(r.body, r.body_len, link);
	static struct image img;
	image_from_svg(r.body, &img);
	char *got = decode(&img);
	strcat(want, "\n");
	assert_string_equal(got, want);
	free(got);
	reply_free(&r);
	assert_int_equal(harness_stop(&s), 0);
}

static void without_qr_no_code(void **state)
{
	(void)state;
	struct test_server s;
	const char *argv[] = {"httpd-lite", "-b", "127.0.0.1", "-p", "0", "-d", fx.root, "-q", NULL};
	assert_int_equal(harness_spawn(&s, argv, NULL), 0);
	/* the start-up line and the one URL */
	for (int waited = 0; waited < HARNESS_WAIT_MS && !(s.out.data && strstr(s.out.data, "/\n"));
	     waited += 20)
		harness_pump(20);
	int port = 0;
	assert_int_equal(sscanf(s.out.data, "Serving HTTP on 127.0.0.1 port %d ", &port), 1);
	s.port = port;
	struct http_reply r;
	assert_rc_ok(client_get(port, "/dir/", &r));
	assert_int_equal(r.status, 200);
	assert_false(harness_contains(r.body, r.body_len, "<svg"));
	assert_false(harness_contains(r.body, r.body_len, "details"));
	reply_free(&r);
	assert_null(strstr(s.out.data, FULL));
	assert_int_equal(harness_stop(&s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(terminal_code_decodes_to_the_url),
		cmocka_unit_test(listing_code_decodes_to_the_url),
		cmocka_unit_test(without_qr_no_code),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
