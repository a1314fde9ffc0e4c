/* qr: QR codes of the URL to open on another machine (--qr). libqrencode
 * makes the module matrix; drawing it is ours, for the terminal and for
 * listing pages, so both show the very same modules. */
#include "qr.h"

#include <dlfcn.h>
#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

/* libqrencode is opened for the one encoding at start-up and closed
 * again: linked, it and libpthread were ten more mappings in the parent
 * for every fork to copy. */
#define QR_LIBQRENCODE "libqrencode.so.4"

struct qr_lib {
	void *handle;
	__typeof__(QRcode_encodeString8bit) *encode;
	__typeof__(QRcode_free) *free;
};

static int qr_lib_open(struct qr_lib *lib)
{
	lib->handle = dlopen(QR_LIBQRENCODE, RTLD_NOW | RTLD_LOCAL);
	if (!lib->handle) {
		errno = ELIBACC;
		return -1;
	}
	/* POSIX: a function pointer is stored through a void * (dlsym(3)) */
	*(void **)&lib->encode = dlsym(lib->handle, "QRcode_encodeString8bit");
	*(void **)&lib->free = dlsym(lib->handle, "QRcode_free");
	if (lib->encode && lib->free)
		return 0;
	dlclose(lib->handle);
	errno = ELIBACC;
	return -1;
}

/* The modules of c, copied out of libqrencode's memory. */
static int qr_copy(const QRcode *c, struct qr *q)
{
	size_t n = (size_t)c->width * (size_t)c->width;
	q->modules = malloc(n);
	if (!q->modules) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		q->modules[i] = c->data[i] & 1; /* the low bit: dark */
	q->width = c->width;
	return 0;
}

int qr_encode(const char *text, struct qr *q)
{
	*q = (struct qr){0, NULL};
	struct qr_lib lib;
	if (qr_lib_open(&lib) < 0)
		return -1;
	/* M: a code a phone reads off a screen at an angle; a URL is short. */
	QRcode *c = lib.encode(text, 0, QR_ECLEVEL_M);
	int rc = c ? qr_copy(c, q) : -1;
	int err = errno;
	if (c)
		lib.free(c);
	dlclose(lib.handle);
	errno = err;
	return rc;
}

bool qr_dark(const struct qr *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return false;
	return q->modules[(size_t)y * (size_t)q->width + (size_t)x] != 0;
}

/* Light modules are drawn: the upper, the lower, both or neither. */
static const char *qr_cell(bool top_light, bool bottom_light)
{
	if (top_light && bottom_light)
		return "\xe2\x96\x88"; /* U+2588 FULL BLOCK */
	if (top_light)
		return "\xe2\x96\x80"; /* U+2580 UPPER HALF BLOCK */
	if (bottom_light)
		return "\xe2\x96\x84"; /* U+2584 LOWER HALF BLOCK */
	return " ";
}

void qr_render_terminal(const struct qr *q, struct buf *out)
{
	int lo = -QR_TERMINAL_QUIET, hi = q->width + QR_TERMINAL_QUIET;
	for (int y = lo; y < hi; y += 2) {
		for (int x = lo; x < hi; x++) {
			bool bottom_light = y + 1 >= hi || !qr_dark(q, x, y + 1);
			buf_append_str(out, qr_cell(!qr_dark(q, x, y), bottom_light));
		}
		buf_append_str(out, "\n");
	}
}

void qr_render_svg(const struct qr *q, const char *label, struct buf *out)
{
	int side = q->width + 2 * QR_SVG_QUIET;
	buf_printf(out,
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		   "width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\" role=\"img\">"
		   "<title>",
		   side, side, side * 5, side * 5);
	buf_append_html(out, label, strlen(label), false);
	buf_printf(out, "</title><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path d=\"", side,
		   side);
	/* one rectangle per run of dark modules in a row: a third the bytes */
	for (int y = 0; y < q->width; y++) {
		for (int x = 0; x < q->width;) {
			int run = 0;
			while (x + run < q->width && qr_dark(q, x + run, y))
				run++;
			if (run)
				buf_printf(out, "M%d %dh%dv1h-%dz", x + QR_SVG_QUIET, y + QR_SVG_QUIET,
					   run, run);
			x += run ? run : 1;
		}
	}
	buf_append_str(out, "\" fill=\"#000\"/></svg>");
}

void qr_free(struct qr *q)
{
	free(q->modules);
	*q = (struct qr){0, NULL};
}
