/* response: exact bytes on the wire, read back through a socketpair:
 * error pages, HEAD and 304, file bodies, redirects, Content-Range,
 * multipart/byteranges, ETag, Vary, Allow, CORS, --header and --cache.
 * Range bodies come from a memfd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "io.h"
#include "response.h"

static int sv[2];

/* A cleartext io on the test's end of the socketpair. */
static struct io *io_on(int fd)
{
	static struct io io;
	io_init_socket(&io, fd);
	return &io;
}

static const char file_data[] = "0123456789abcdefghijklmnopqrstuvwxyz";
#define FILE_LEN (sizeof(file_data) - 1)

static struct response_extras extras;

static void configure(bool cors, long cache, const char **extra, unsigned n)
{
	struct config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.cors = cors;
	cfg.cache_seconds = cache;
	cfg.extra_headers = extra;
	cfg.n_extra_headers = n;
	response_extras_free(&extras);
	response_extras_build(&extras, &cfg);
}

static int setup(void **state)
{
	(void)state;
	configure(false, -1, NULL, 0);
	return socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
}

static int teardown(void **state)
{
	(void)state;
	configure(false, -1, NULL, 0);
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* Everything the response wrote, NUL-terminated (caller frees). */
static char *drain(size_t *len)
{
	shutdown(sv[0], SHUT_WR);
	size_t cap = 1 << 16, n = 0;
	char *out = malloc(cap + 1);
	assert_non_null(out);
	for (;;) {
		ssize_t r = read(sv[1], out + n, cap - n);
		assert_true(r >= 0);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
	*len = n;
	return out;
}

static const char *body_of(const char *wire)
{
	const char *p = strstr(wire, "\r\n\r\n");
	assert_non_null(p);
	return p + 4;
}

static int memfile(void)
{
	int fd = memfd_create("response-test", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, file_data, FILE_LEN), (ssize_t)FILE_LEN);
	return fd;
}

static void file_response(struct response *r)
{
	response_init(r);
	r->status = HTTP_OK;
	r->content_type = "text/plain";
	r->file_fd = memfile();
	r->file_offset = 0;
	r->file_length = (off_t)FILE_LEN;
	r->range_size = FILE_LEN;
}

/* The head without Date, which changes. */
static const char *head_without_date(char *wire)
{
	char *d = strstr(wire, "Date: ");
	assert_non_null(d);
	char *eol = strstr(d, "\r\n");
	memmove(d, eol + 2, strlen(eol + 2) + 1);
	return wire;
}

static const char expected_404_body[] =
	"<!DOCTYPE HTML>\n"
	"<html lang=\"en\">\n"
	"    <head>\n"
	"        <meta charset=\"utf-8\">\n"
	"        <title>Error response</title>\n"
	"    </head>\n"
	"    <body>\n"
	"        <h1>Error response</h1>\n"
	"        <p>Error code: 404</p>\n"
	"        <p>Message: File not found.</p>\n"
	"        <p>Error code explanation: 404 - Nothing matches the given URI.</p>\n"
	"    </body>\n"
	"</html>\n";

static void test_error_page_python_shape(void **state)
{
	(void)state;
	struct response r;
	response_init(&r);
	response_set_error(&r, HTTP_NOT_FOUND, "File not found");
	r.close = true;
	assert_int_equal(response_send(io_on(sv[0]), &r, NULL), (long long)strlen(expected_404_body));
	response_release(&r);
	size_t len;
	char *wire = drain(&len);
	assert_memory_equal(wire, "HTTP/1.1 404 Not Found\r\nServer: httpd-lite/", 43);
	assert_non_null(strstr(wire, "\r\nContent-Type: text/html;charset=utf-8\r\n"));
	char cl[64];
	snprintf(cl, sizeof(cl), "\r\nContent-Length: %zu\r\n", strlen(expected_404_body));
	assert_non_null(strstr(wire, cl));
	assert_non_null(strstr(wire, "\r\nConnection: close\r\n"));
	assert_non_null(strstr(wire, "\r\nDate: "));
	assert_string_equal(body_of(wire), expected_404_body);
	free(wire);
}

static void test_error_message_is_escaped(void **state)
{
	(void)state;
	struct response r;
	response_init(&r);
	response_set_error(&r, HTTP_NOT_IMPLEMENTED, "Unsupported method ('<script>')");
	assert_non_null(strstr(r.body.data, "Message: Unsupported method ('&lt;script&gt;')."));
	assert_null(strstr(r.body.data, "<script>"));
	response_release(&r);
}

static void test_head_sends_no_body(void **state)
{
	(void)state;
	struct response r;
	response_init(&r);
	response_set_error(&r, HTTP_NOT_FOUND, NULL);
	r.head_only = true;
	size_t body_len = r.body.len;
	assert_int_equal(response_send(io_on(sv[0]), &r, NULL), 0);
	response_release(&r);
	size_t len;
	char *wire = drain(&len);
	assert_string_equal(body_of(wire), "");
	char cl[64];
	snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", body_len);
	assert_non_null(strstr(wire, cl));
	free(wire);
}

static void test_304_has_no_length_or_body(void **state)
{
	(void)state;
	struct response r;
	response_init(&r);
	r.status = HTTP_NOT_MODIFIED;
	r.last_modified = 784111777;
	assert_int_equal(response_send(io_on(sv[0]), &r, NULL), 0);
	response_release(&r);
	size_t len;
	char *wire = drain(&len);
	assert_null(strstr(wire, "Content-Length"));
	assert_non_null(strstr(wire, "\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"));
	assert_string_equal(body_of(wire), "");
	free(wire);
}

static void test_file_body_exact(void **state)
{
	(void)state;
	char path[] = "/tmp/httpd-lite-resp-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	const char data[] = "0123456789abcdef";
	assert_int_equal(write(fd, data, 16), 16);
	struct response r;
	response_init(&r);
	r.status = HTTP_OK;
	r.content_type = "text/plain";
	r.file_fd = fd;
	r.file_offset = 4;
	r.file_length = 8;
	assert_int_equal(response_send(io_on(sv[0]), &r, NULL), 8);
	response_release(&r);
	size_t len;
	char *wire = drain(&len);
	assert_non_null(strstr(wire, "\r\nContent-Length: 8\r\n"));
	assert_non_null(strstr(wire, "\r\nContent-Type: text/plain\r\n"));
	assert_string_equal(body_of(wire), "456789ab");
	free(wire);
}

static void test_file_shorter_than_promised_fails(void **state)
{
	(void)state;
	char path[] = "/tmp/httpd-lite-resp-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, "abc", 3), 3);
	struct response r;
	response_init(&r);
	r.status = HTTP_OK;
	r.file_fd = fd;
	r.file_length = 10; /* the file "shrank" after fstat */
	assert_int_equal(response_send(io_on(sv[0]), &r, NULL), -1);
	response_release(&r);
}

static void test_location_and_retry_after(void **state)
{
	(void)state;
	struct response r;
	response_init(&r);
	r.status = HTTP_MOVED_PERMANENTLY;
	buf_append_str(&r.location, "/dir/?q=1");
	r.retry_after = 7;
	r.keep_alive_header = true;
	response_send(io_on(sv[0]), &r, NULL);
	response_release(&r);
	size_t len;
	char *wire = drain(&len);
	assert_non_null(strstr(wire, "HTTP/1.1 301 Moved Permanently\r\n"));
	assert_non_null(strstr(wire, "\r\nLocation: /dir/?q=1\r\n"));
	assert_non_null(strstr(wire, "\r\nRetry-After: 7\r\n"));
	assert_non_null(strstr(wire, "\r\nConnection: keep-alive\r\n"));
	assert_non_null(strstr(wire, "\r\nContent-Length: 0\r\n"));
	free(wire);
}

static void test_single_range(void **state)
{
	struct response r;
	struct range rg = {10, 15};
	size_t len;

	(void)state;
	file_response(&r);
	strcpy(r.etag, "\"e-1\"");
	r.accept_ranges = true;
	response_set_single_range(&r, &rg);
	assert_int_equal(r.status, HTTP_PARTIAL_CONTENT);
	assert_int_equal(response_send(io_on(sv[0]), &r, &extras), 6);
	char *wire = drain(&len);
	assert_string_equal(head_without_date(wire),
			    "HTTP/1.1 206 Partial Content\r\n"
			    "Server: httpd-lite/" HTTPD_LITE_VERSION "\r\n"
			    "Content-Type: text/plain\r\n"
			    "Content-Length: 6\r\n"
			    "ETag: \"e-1\"\r\n"
			    "Accept-Ranges: bytes\r\n"
			    "Content-Range: bytes 10-15/36\r\n"
			    "\r\n"
			    "abcdef");
	free(wire);
	response_release(&r);
}

static void test_multipart_exact_bytes(void **state)
{
	struct response r;
	struct range_set set = {{{0, 1}, {34, 35}}, 2};
	size_t len;
	char want[1024];

	(void)state;
	file_response(&r);
	assert_int_equal(response_set_multipart(&r, &set), 0);
	assert_int_equal(strlen(r.boundary), 32);
	uint64_t body = response_body_length(&r);
	assert_int_equal(response_send(io_on(sv[0]), &r, &extras), (long long)body);
	char *wire = drain(&len);
	snprintf(want, sizeof(want),
		 "HTTP/1.1 206 Partial Content\r\n"
		 "Server: httpd-lite/" HTTPD_LITE_VERSION "\r\n"
		 "Content-Type: multipart/byteranges; boundary=%s\r\n"
		 "Content-Length: %llu\r\n"
		 "\r\n"
		 "\r\n--%s\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/36\r\n\r\n01"
		 "\r\n--%s\r\nContent-Type: text/plain\r\nContent-Range: bytes 34-35/36\r\n\r\nyz"
		 "\r\n--%s--\r\n",
		 r.boundary, (unsigned long long)body, r.boundary, r.boundary, r.boundary);
	assert_string_equal(head_without_date(wire), want);
	const char *b = strstr(want, "\r\n\r\n") + 4;
	assert_int_equal(strlen(b), body); /* Content-Length counts it all */
	free(wire);
	response_release(&r);
}

static void test_multipart_head_only(void **state)
{
	struct response r;
	struct range_set set = {{{0, 1}, {3, 3}, {5, 9}}, 3};
	size_t len;

	(void)state;
	file_response(&r);
	r.head_only = true;
	assert_int_equal(response_set_multipart(&r, &set), 0);
	assert_int_equal(response_send(io_on(sv[0]), &r, &extras), 0);
	char *wire = drain(&len);
	assert_non_null(strstr(wire, "multipart/byteranges"));
	assert_string_equal(wire + len - 4, "\r\n\r\n"); /* no body */
	free(wire);
	response_release(&r);
}

static void test_boundaries_differ(void **state)
{
	struct response a, b;
	struct range_set set = {{{0, 1}, {3, 3}}, 2};

	(void)state;
	file_response(&a);
	file_response(&b);
	assert_int_equal(response_set_multipart(&a, &set), 0);
	assert_int_equal(response_set_multipart(&b, &set), 0);
	assert_string_not_equal(a.boundary, b.boundary);
	response_release(&a);
	response_release(&b);
}

/* A file shorter than the plan: the send fails (the caller closes). */
static void test_multipart_short_file_fails(void **state)
{
	struct response r;
	struct range_set set = {{{0, 1}, {30, 35}}, 2};

	(void)state;
	file_response(&r);
	assert_int_equal(response_set_multipart(&r, &set), 0);
	assert_int_equal(ftruncate(r.file_fd, 20), 0);
	assert_int_equal(response_send(io_on(sv[0]), &r, &extras), -1);
	response_release(&r);
}

static void test_unsatisfied_and_not_modified(void **state)
{
	struct response r;
	size_t len;

	(void)state;
	response_init(&r);
	response_set_error(&r, HTTP_RANGE_NOT_SATISFIABLE, NULL);
	r.unsatisfied_range = true;
	r.range_size = 36;
	assert_true(response_send(io_on(sv[0]), &r, &extras) > 0);
	response_release(&r);
	response_init(&r);
	r.status = HTTP_NOT_MODIFIED;
	strcpy(r.etag, "\"e-1\"");
	r.last_modified = 1000000000;
	r.vary_encoding = true;
	assert_int_equal(response_send(io_on(sv[0]), &r, &extras), 0);
	response_release(&r);
	char *wire = drain(&len);
	assert_non_null(strstr(wire, "HTTP/1.1 416 Range Not Satisfiable\r\n"));
	assert_non_null(strstr(wire, "\r\nContent-Range: bytes */36\r\n"));
	char *nm = strstr(wire, "HTTP/1.1 304 Not Modified\r\n");
	assert_non_null(nm);
	assert_string_equal(head_without_date(nm),
			    "HTTP/1.1 304 Not Modified\r\n"
			    "Server: httpd-lite/" HTTPD_LITE_VERSION "\r\n"
			    "Last-Modified: Sun, 09 Sep 2001 01:46:40 GMT\r\n"
			    "ETag: \"e-1\"\r\n"
			    "Vary: Accept-Encoding\r\n"
			    "\r\n");
	free(wire);
}

static void test_405_has_allow(void **state)
{
	struct response r;
	size_t len;

	(void)state;
	response_init(&r);
	r.etag[0] = 'x'; /* a planned file representation is dropped */
	response_set_error(&r, HTTP_METHOD_NOT_ALLOWED, NULL);
	assert_true(response_send(io_on(sv[0]), &r, &extras) > 0);
	response_release(&r);
	char *wire = drain(&len);
	assert_non_null(strstr(wire, "\r\nAllow: GET, HEAD, OPTIONS\r\n"));
	assert_null(strstr(wire, "ETag"));
	free(wire);
}

static void test_configured_headers(void **state)
{
	static const char *extra[] = {"X-One:1", "X-Two: \t two words"};
	struct response r;
	size_t len;

	(void)state;
	configure(true, 60, extra, 2);
	response_init(&r);
	response_set_error(&r, HTTP_NOT_FOUND, NULL); /* errors: no Cache-Control */
	assert_true(response_send(io_on(sv[0]), &r, &extras) > 0);
	response_release(&r);
	response_init(&r);
	r.status = HTTP_NO_CONTENT;
	r.allow = RESPONSE_ALLOW;
	r.cors_preflight = true;
	r.cors_request_headers = "range";
	assert_int_equal(response_send(io_on(sv[0]), &r, &extras), 0);
	response_release(&r);
	char *wire = drain(&len);
	char *second = strstr(wire, "HTTP/1.1 204");
	assert_non_null(second);
	second[-1] = '\0'; /* split the two responses */
	assert_null(strstr(wire, "Cache-Control"));
	assert_non_null(strstr(wire, "\r\nAccess-Control-Allow-Origin: *\r\n"));
	assert_non_null(strstr(wire, "\r\nX-One: 1\r\nX-Two: two words\r\n\r\n<!DOCTYPE"));
	assert_string_equal(head_without_date(second),
			    "HTTP/1.1 204 No Content\r\n"
			    "Server: httpd-lite/" HTTPD_LITE_VERSION "\r\n"
			    "Cache-Control: max-age=60\r\n"
			    "Allow: GET, HEAD, OPTIONS\r\n"
			    "Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n"
			    "Access-Control-Max-Age: 86400\r\n"
			    "Access-Control-Allow-Headers: range\r\n"
			    "Access-Control-Allow-Origin: *\r\n"
			    "Access-Control-Expose-Headers: Content-Range, Accept-Ranges, ETag, "
			    "Content-Encoding\r\n"
			    "X-One: 1\r\n"
			    "X-Two: two words\r\n"
			    "\r\n");
	free(wire);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_error_page_python_shape),
		T(test_error_message_is_escaped),
		T(test_head_sends_no_body),
		T(test_304_has_no_length_or_body),
		T(test_file_body_exact),
		T(test_file_shorter_than_promised_fails),
		T(test_location_and_retry_after),
		T(test_single_range),
		T(test_multipart_exact_bytes),
		T(test_multipart_head_only),
		T(test_boundaries_differ),
		T(test_multipart_short_file_fails),
		T(test_unsatisfied_and_not_modified),
		T(test_405_has_allow),
		T(test_configured_headers),
	};
	return cmocka_run_group_tests_name("response", tests, NULL, NULL);
}
