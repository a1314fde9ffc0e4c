/* handler: a parsed request → a response plan (struct response). It
 * opens files beneath the root and reads directories, but never touches
 * the socket. */
#ifndef HTTPD_LITE_HANDLER_H
#define HTTPD_LITE_HANDLER_H

#include "request.h"
#include "response.h"
#include "site.h"

/* Fill resp (already response_init'ed) for a complete request. */
void handler_handle(const struct site *site, const struct request *req,
		    struct response *resp);

#endif
