/* response: exact bytes on the wire, read back through a socketpair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "response.h"

static int sv[2];

/* A cleartext io on the test's end of the socketpair. */
static struct io *io_on(int fd)
{
	static struct io io;
	io_init_socket(&io, fd);
	return &io;
}

static int setup(void **state)
{
	(void)state;
	return socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
}

static int teardown(void **state)
{
	(void)state;
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
	};
	return cmocka_run_group_tests_name("response", tests, NULL, NULL);
}
