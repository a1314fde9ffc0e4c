/* encoding: content-coding negotiation (RFC 9110 12.5.3). Which codings
 * a client accepts, and which content types are worth compressing.
 * Pure: the handler decides what exists on disk. */
#ifndef HTTPD_LITE_ENCODING_H
#define HTTPD_LITE_ENCODING_H

#include <stdbool.h>

/* Weights in thousandths: q=0.5 is 500; 0 means "not acceptable". */
struct encoding_accept {
	unsigned br;
	unsigned gzip;
};

/* From an Accept-Encoding value (NULL: the header is absent). Codings
 * are case-insensitive, "x-gzip" is gzip, "*" covers codings not named,
 * q=0 refuses. An absent header accepts nothing but identity: RFC 9110
 * would allow any coding, but clients that send nothing (curl without
 * --compressed, scripts) cannot decode one. Malformed elements are
 * skipped. */
void encoding_parse_accept(const char *value, struct encoding_accept *acc);

/* The text types --compress gzips on the fly: html, css, js, json, svg,
 * txt, xml, md (parameters such as charset ignored). */
bool encoding_compressible(const char *content_type);

#endif
