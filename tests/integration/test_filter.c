/* The filter box on listings: the page carries one inline script and
 * fetches nothing; its SHA-256 is the one published for a
 * Content-Security-Policy (held to openssl), and with that policy given by
 * --header the page still says so in its head. Where chromium is
 * installed, a 10,000-entry listing is filtered in a real browser (an
 * iframe of the listing, driven by a page served next to it): typing
 * narrows to the matching rows, case-insensitively, clearing brings
 * them all back, "/" focuses the box. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "listing.h"

#define MANY 10000

static struct fixture fx;

static const char check_page[] =
	"<!DOCTYPE html><html><body><pre id=out>pending</pre>"
	"<iframe id=f src=\"/many/\"></iframe><script>"
	"document.getElementById('f').onload=function(){"
	"var d=this.contentDocument,i=d.querySelector('input.filter'),"
	"o=document.getElementById('out');if(!i){o.textContent='no input';return}"
	"function shown(){return [].filter.call(d.querySelectorAll('tbody tr'),"
	"function(r){return r.style.display!='none'}).length}"
	"i.value='FILE0999';i.dispatchEvent(new Event('input'));var a=shown();"
	"d.dispatchEvent(new KeyboardEvent('keydown',{key:'/'}));"
	"var f=d.activeElement===i;i.value='';i.dispatchEvent(new Event('input'));"
	"o.textContent='RESULT filtered='+a+' cleared='+shown()+' focus='+f+' END'};"
	"</script></body></html>";

static int group_setup(void **state)
{
	(void)state;
	if (fixture_create(&fx) < 0 || fixture_write_str(&fx, "check.html", check_page) < 0 ||
	    fixture_write_str(&fx, "many/base", "") < 0)
		return -1;
	char base[600], rel[32], name[600];
	fixture_path(&fx, "many/base", base, sizeof(base));
	/* hard links: names are what matters, not inodes */
	for (int i = 1; i < MANY; i++) {
		snprintf(rel, sizeof(rel), "many/file%05d.txt", i);
		if (link(base, fixture_path(&fx, rel, name, sizeof(name))) < 0)
			return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_destroy(&fx);
	return 0;
}

static char *run_out(const char *cmd, int *exit_code)
{
	const char *const argv[] = {"sh", "-c", cmd, NULL};
	struct run_result r;
	assert_int_equal(harness_run(argv, fx.parent, 60000, &r), 0);
	*exit_code = r.exit_code;
	char *out = strdup(r.out.data ? r.out.data : "");
	run_result_free(&r);
	return out;
}

static void script_hash_and_csp(void **state)
{
	(void)state;
	struct test_server s;
	const char *args[] = {
		"-q", "--header",
		"Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; "
		"script-src 'sha256-" LISTING_FILTER_SCRIPT_SHA256 "'",
		NULL};
	assert_int_equal(harness_start(&s, fx.root, args), 0);
	struct http_reply r;
	assert_rc_ok(client_get(s.port, "/", &r));
	assert_int_equal(r.status, 200);
	assert_header_match(&r, "Content-Security-Policy", "script-src 'sha256-");
	const char *open = strstr(r.body, "<script>");
	assert_non_null(open);
	open += 8;
	const char *close = strstr(open, "</script>");
	assert_non_null(close);
	char path[600];
	snprintf(path, sizeof(path), "%s/script.js", fx.parent);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(open, 1, (size_t)(close - open), f), (size_t)(close - open));
	assert_int_equal(fclose(f), 0);
	int rc;
	char *hash = run_out("openssl dgst -sha256 -binary script.js | base64", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(hash, LISTING_FILTER_SCRIPT_SHA256 "\n");
	free(hash);
	reply_free(&r);
	assert_int_equal(harness_stop(&s), 0);
}

static void filters_ten_thousand_in_chromium(void **state)
{
	(void)state;
	int rc;
	free(run_out("command -v chromium", &rc));
	if (rc != 0)
		skip();
	struct test_server s;
	const char *args[] = {"-q", NULL};
	assert_int_equal(harness_start(&s, fx.root, args), 0);
	char cmd[800];
	snprintf(cmd, sizeof(cmd),
		 "timeout 90 chromium --headless --no-sandbox --disable-gpu "
		 "--user-data-dir=%s/chromium --virtual-time-budget=20000 --dump-dom "
		 "http://127.0.0.1:%d/check.html 2>/dev/null",
		 fx.parent, s.port);
	char *dom = run_out(cmd, &rc);
	/* the parent row is never hidden: 10 matches and it */
	if (!strstr(dom, "RESULT filtered=11 cleared=10001 focus=true END"))
		fail_msg("chromium said: %.300s", strstr(dom, "<pre") ? strstr(dom, "<pre") : dom);
	free(dom);
	assert_int_equal(harness_stop(&s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(script_hash_and_csp),
		cmocka_unit_test(filters_ten_thousand_in_chromium),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
