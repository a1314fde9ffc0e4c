/* qr: a URL as a QR code (libqrencode), drawn for a terminal with
 * half-block characters and as an inline SVG for listing pages. */
#ifndef HTTPD_LITE_QR_H
#define HTTPD_LITE_QR_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Light modules around the code in the terminal drawing: two, not the
 * standard four, so that a long IPv6 URL still fits 80x24; scanners read
 * it. The SVG keeps four. */
#define QR_TERMINAL_QUIET 2
#define QR_SVG_QUIET 4

struct qr {
	int width;               /* modules per side */
	unsigned char *modules;  /* width * width, row by row; 1: dark */
};

/* Encode text (8-bit, error correction level M); 0, or -1 with errno. */
int qr_encode(const char *text, struct qr *q);

/* Whether the module at (x, y) is dark; outside the code: light. */
bool qr_dark(const struct qr *q, int x, int y);

/* For a terminal with light text on a dark background (as qrencode -t
 * UTF8): each character is two module rows, light modules drawn with
 * the foreground ('█', '▀', '▄'), dark ones left as spaces, and a quiet
 * zone of QR_TERMINAL_QUIET all round. Lines end in '\n'. */
void qr_render_terminal(const struct qr *q, struct buf *out);

/* <svg> of the code, dark modules as one path on a white square with a
 * quiet zone of QR_SVG_QUIET; label (HTML-escaped) as its title. */
void qr_render_svg(const struct qr *q, const char *label, struct buf *out);

void qr_free(struct qr *q);

#endif
