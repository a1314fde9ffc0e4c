/* Helpers shared by the static-host suites (404 page, --spa,
 * --clean-urls, --isolate): one request with chosen headers, and a
 * server run that must refuse its command line. Include after cmocka.h
 * and harness.h. */
#ifndef HTTPD_LITE_TEST_STATIC_HOST_H
#define HTTPD_LITE_TEST_STATIC_HOST_H

#include <stdio.h>
#include <string.h>

/* client_request, failing the test when no reply came; the status. */
static inline int sh_request(int port, const char *method, const char *target,
			     const char *headers, struct http_reply *r)
{
	int rc = client_request(port, method, target, headers, r);
	if (rc != CLIENT_OK)
		fail_msg("%s %s: %s", method, target, client_rc_name(rc));
	return r->status;
}

/* GET with headers: status must be want, body exactly body (NULL: any). */
static inline void sh_expect(int port, const char *target, const char *headers, int want,
			     const char *body, struct http_reply *r)
{
	if (sh_request(port, "GET", target, headers, r) != want)
		fail_msg("GET %s: %d, want %d", target, r->status, want);
	if (body)
		assert_body_str(r, body);
}

/* The server refuses args: exit 2 at once, one stderr line holding needle. */
static inline void sh_expect_refused(const char *const args[], const char *needle)
{
	struct run_result rr;
	assert_int_equal(harness_run_server(args, NULL, HARNESS_WAIT_MS, &rr), 0);
	if (rr.timed_out || rr.exit_code != 2)
		fail_msg("exit %d (timed out %d), want 2; stderr: %s", rr.exit_code, rr.timed_out,
			 rr.err.data ? rr.err.data : "");
	assert_contains(rr.err.data, rr.err.len, needle);
	assert_int_equal(rr.out.len, 0);
	run_result_free(&rr);
}

#endif
