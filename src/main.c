/* httpd-lite: serve a directory over HTTP, one forked child per client.
 * main only wires the pieces together; see server.c for the parent and
 * conn.c for a child. */
#include "config.h"
#include "inetd.h"
#include "listener.h"
#include "server.h"
#include "site.h"
#include "upload.h"

int main(int argc, char **argv)
{
	/* Static: they live as long as the process, and what config_parse
	 * allocated (the --header list) stays reachable to the end. */
	static struct config cfg;
	static struct site site;
	config_parse(&cfg, argc, argv);
	site_open(&site, &cfg);
	if (cfg.inetd)
		return inetd_serve(&site);
	struct listener l;
	listener_open(&cfg, &l);
	upload_warn_if_exposed(&cfg, &l.addr);
	return server_run(&site, &l);
}
