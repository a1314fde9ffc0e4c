/* Unit tests for qr: the terminal drawing and the SVG both read back into
 * exactly the module matrix libqrencode made (quiet zones included), the
 * drawing fits an 80x24 terminal for the longest URL we print, and the
 * label is escaped. Decoding with a real scanner is in
 * tests/integration/test_share_qr.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netif.h"
#include "qr.h"

#define FULL "\xe2\x96\x88"
#define UPPER "\xe2\x96\x80"
#define LOWER "\xe2\x96\x84"

/* One terminal cell at *p: sets the two modules it shows (1: dark),
 * advances p; -1 for anything else. */
static int read_cell(const char **p, int *top_dark, int *bottom_dark)
{
	if (**p == ' ') {
		*top_dark = *bottom_dark = 1;
		(*p)++;
		return 0;
	}
	if (strncmp(*p, FULL, 3) == 0)
		*top_dark = *bottom_dark = 0;
	else if (strncmp(*p, UPPER, 3) == 0)
		*top_dark = 0, *bottom_dark = 1;
	else if (strncmp(*p, LOWER, 3) == 0)
		*top_dark = 1, *bottom_dark = 0;
	else
		return -1;
	*p += 3;
	return 0;
}

static void check_terminal(const struct qr *q)
{
	struct buf b;
	buf_init(&b);
	qr_render_terminal(q, &b);
	buf_append(&b, "", 1);
	assert_true(buf_ok(&b));
	int side = q->width + 2 * QR_TERMINAL_QUIET;
	int lines = 0;
	const char *p = b.data;
	for (int y = 0; y < side; y += 2, lines++) {
		for (int x = 0; x < side; x++) {
			int top, bottom;
			assert_int_equal(read_cell(&p, &top, &bottom), 0);
			int mx = x - QR_TERMINAL_QUIET, my = y - QR_TERMINAL_QUIET;
			assert_int_equal(top, qr_dark(q, mx, my));
			assert_int_equal(bottom, y + 1 < side && qr_dark(q, mx, my + 1));
		}
		assert_int_equal(*p++, '\n');
	}
	assert_int_equal(*p, '\0');
	assert_true(side <= 80);
	assert_true(lines <= 23); /* and a line for the prompt */
	buf_free(&b);
}

/* The path's "Mx yhNv1h-Nz" runs back into a matrix. */
static void check_svg(const struct qr *q, const char *label, const char *escaped)
{
	struct buf b;
	buf_init(&b);
	qr_render_svg(q, label, &b);
	buf_append(&b, "", 1);
	assert_true(buf_ok(&b));
	assert_non_null(strstr(b.data, escaped));
	int side = q->width + 2 * QR_SVG_QUIET;
	char want[64];
	snprintf(want, sizeof(want), "viewBox=\"0 0 %d %d\"", side, side);
	assert_non_null(strstr(b.data, want));
	unsigned char *m = calloc((size_t)side * (size_t)side, 1);
	assert_non_null(m);
	const char *p = strstr(b.data, "<path d=\"");
	assert_non_null(p);
	p += 9;
	while (*p == 'M') {
		int x, y, run, back, used;
		assert_int_equal(sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &run, &back, &used), 4);
		assert_int_equal(run, back);
		for (int i = 0; i < run; i++) {
			assert_true(x + i < side && y < side);
			m[y * side + x + i] = 1;
		}
		p += used;
	}
	assert_int_equal(*p, '"');
	for (int y = 0; y < side; y++)
		for (int x = 0; x < side; x++)
			assert_int_equal(m[y * side + x],
					 qr_dark(q, x - QR_SVG_QUIET, y - QR_SVG_QUIET));
	free(m);
	buf_free(&b);
}

static void test_short_url(void **state)
{
	(void)state;
	struct qr q;
	assert_int_equal(qr_encode("http://192.168.1.20:8000/", &q), 0);
	assert_true(q.width >= 21 && (q.width - 21) % 4 == 0);
	/* finder patterns: the corners are dark, the separator light */
	assert_true(qr_dark(&q, 0, 0) && qr_dark(&q, q.width - 1, 0) && qr_dark(&q, 0, q.width - 1));
	assert_false(qr_dark(&q, 7, 7) || qr_dark(&q, -1, 0) || qr_dark(&q, q.width, 0));
	check_terminal(&q);
	check_svg(&q, "http://192.168.1.20:8000/", "<title>http://192.168.1.20:8000/</title>");
	qr_free(&q);
	assert_null(q.modules);
}

static void test_longest_url_fits(void **state)
{
	(void)state;
	char url[NETIF_URL_MAX];
	snprintf(url, sizeof(url), "https://[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535/");
	struct qr q;
	assert_int_equal(qr_encode(url, &q), 0);
	check_terminal(&q);
	qr_free(&q);
}

static void test_label_escaped(void **state)
{
	(void)state;
	struct qr q;
	assert_int_equal(qr_encode("x", &q), 0);
	check_svg(&q, "<a&b>", "<title>&lt;a&amp;b&gt;</title>");
	qr_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_url),
		cmocka_unit_test(test_longest_url_fits),
		cmocka_unit_test(test_label_escaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
