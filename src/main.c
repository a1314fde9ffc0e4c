/* httpd-lite: serve a directory over HTTP, one forked child per client.
 * main only wires the pieces together; see server.c for the parent and
 * conn.c for a child. */
#include "config.h"
#include "listener.h"
#include "response.h"
#include "server.h"

int main(int argc, char **argv)
{
	/* Static: it lives as long as the process, and what config_parse
	 * allocated for it (the --header list) stays reachable to the end. */
	static struct config cfg;
	config_parse(&cfg, argc, argv);
	response_configure(&cfg);
	if (cfg.inetd)
		return server_serve_inetd(&cfg);
	struct listener l;
	listener_open(&cfg, &l);
	return server_run(&cfg, &l);
}
