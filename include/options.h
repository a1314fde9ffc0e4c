/* options: the answer to OPTIONS, and with --cors to a browser's CORS
 * preflight. Pure: nothing here opens a file. */
#ifndef HTTPD_LITE_OPTIONS_H
#define HTTPD_LITE_OPTIONS_H

#include <stdbool.h>

#include "config.h"
#include "path.h"
#include "request.h"
#include "response.h"

/* OPTIONS on "*" or any path that parses: 204 with Allow; with --cors,
 * also the answer to a preflight. The handler asks before
 * authentication, because a browser's preflight never carries
 * credentials, and nothing here says whether a file exists. false: not
 * an OPTIONS request (resp untouched). */
bool options_answer(const struct config *cfg, const struct request *req, struct path *p,
		    struct response *resp);

#endif
