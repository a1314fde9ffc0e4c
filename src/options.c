/* options.c: see options.h. */
#include "options.h"

#include <string.h>

#include "http.h"

/* Access-Control-Request-Headers is echoed only when it is a plain list
 * of field names: nothing else of the request goes into our head. */
#define CORS_HEADERS_MAX 1024

static bool is_field_name_list(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > CORS_HEADERS_MAX)
		return false;
	for (; *s; s++)
		if (!http_is_tchar((unsigned char)*s) && !strchr(", \t", *s))
			return false;
	return true;
}

bool options_answer(const struct config *cfg, const struct request *req, struct path *p,
		    struct response *resp)
{
	if (strcmp(req->method, "OPTIONS") != 0)
		return false;
	enum path_status ps = PATH_OK;
	if (strcmp(req->target, "*") != 0)
		ps = path_from_target(req->target, req->msg.target_len, p);
	if (ps != PATH_OK) {
		response_set_error(resp, path_status_http(ps), NULL);
		return true;
	}
	resp->status = HTTP_NO_CONTENT;
	resp->allow = cfg->upload ? RESPONSE_ALLOW_UPLOAD : RESPONSE_ALLOW;
	if (!cfg->cors)
		return true;
	resp->cors_preflight = true;
	const char *h = request_header(req, "Access-Control-Request-Headers");
	if (h && is_field_name_list(h))
		resp->cors_request_headers = h; /* the request outlives the response */
	return true;
}
