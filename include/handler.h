/* handler: a parsed request → a response plan (struct response). It
 * opens files beneath the root and reads directories, but never touches
 * the socket. */
#ifndef HTTPD_LITE_HANDLER_H
#define HTTPD_LITE_HANDLER_H

#include "config.h"
#include "request.h"
#include "response.h"
#include "root.h"

struct handler_ctx {
	const struct config *cfg;
	struct root root; /* the served directory, opened once at start-up */
};

/* Fill resp (already response_init'ed) for a complete request. */
void handler_handle(const struct handler_ctx *ctx, const struct request *req,
		    struct response *resp);

#endif
