/* negotiate: what the client accepts (RFC 9110 12.5), from its Accept and
 * Accept-Encoding headers, with one reading of weights for both:
 *
 *   #( name [ params ] )   params = *( OWS ";" OWS token "=" value )
 *   weight = "q=" qvalue   qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
 *
 * An element whose weight is malformed (q=abc, q=1.5, q=0.0001) is
 * skipped, as if the client had not sent it. Pure: the handler decides
 * what exists on disk. */
#ifndef HTTPD_LITE_NEGOTIATE_H
#define HTTPD_LITE_NEGOTIATE_H

#include <stdbool.h>

/* Weights are in thousandths: q=0.5 is 500; 0 means "not acceptable". */
#define NEGOTIATE_Q_MAX 1000

/* The weight an Accept header value gives to the media type named
 * exactly (no wildcards; parameters other than q ignored); -1 when the
 * header does not name it. */
int negotiate_media_weight(const char *accept, const char *type);

struct negotiate_encodings {
	unsigned br;
	unsigned gzip;
};

/* From an Accept-Encoding value (NULL: the header is absent). Codings
 * are case-insensitive, "x-gzip" is gzip, "*" covers codings not named,
 * q=0 refuses. An absent header accepts nothing but identity: RFC 9110
 * would allow any coding, but clients that send nothing (curl without
 * --compressed, scripts) cannot decode one. Elements with parameters
 * other than q are malformed here and skipped. */
void negotiate_encodings(const char *value, struct negotiate_encodings *acc);

/* The text types --compress gzips on the fly: html, css, js, json, svg,
 * txt, xml, md (parameters such as charset ignored). */
bool negotiate_compressible(const char *content_type);

#endif
