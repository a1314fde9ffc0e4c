/* utf8: is it valid UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF)? For the JSON listing's names and archive
 * member names, which are file names: bytes, UTF-8 when valid. */
#ifndef HTTPD_LITE_UTF8_H
#define HTTPD_LITE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid sequence at s (1 to 4), or 0; left >= 1. */
size_t utf8_seq_len(const unsigned char *s, size_t left);

/* The whole NUL-terminated string. */
bool utf8_valid(const char *s);

#endif
