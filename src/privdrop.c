/* privdrop.c: see privdrop.h.
 *
 * Order matters. Everything that reads /etc (the user and its groups,
 * the time zone) is looked up first, while it is still reachable; then
 * chroot, which needs root; then the groups, the gid and last the uid,
 * since each step needs the privilege the next one gives up. Dropping
 * the uid as root sets the real, effective and saved ids at once, so it
 * cannot be undone; setuid(0) failing afterwards proves it. */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

struct privdrop_target {
	const char *name;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
};

static void lookup_groups(struct privdrop_target *t)
{
	int n = 0;
	getgrouplist(t->name, t->gid, NULL, &n); /* -1: n is the count */
	if (n < 1)
		n = 1;
	t->groups = calloc((size_t)n, sizeof(*t->groups));
	if (!t->groups)
		log_die(EXIT_RUNTIME, "out of memory for the groups of '%s'", t->name);
	if (getgrouplist(t->name, t->gid, t->groups, &n) < 0)
		log_die(EXIT_RUNTIME, "cannot list the groups of '%s'", t->name);
	t->ngroups = n;
}

static void lookup_user(const char *name, struct privdrop_target *t)
{
	errno = 0;
	const struct passwd *pw = getpwnam(name);
	if (!pw)
		log_die(EXIT_USAGE, "unknown user '%s' for --user", name);
	if (pw->pw_uid == 0)
		log_die(EXIT_USAGE, "--user %s is root: nothing would be dropped", name);
	t->name = name;
	t->uid = pw->pw_uid;
	t->gid = pw->pw_gid;
	lookup_groups(t);
}

static void enter_chroot(int root_fd)
{
	if (fchdir(root_fd) < 0)
		log_die(EXIT_RUNTIME, "fchdir to the served directory:");
	if (chroot(".") < 0)
		log_die(EXIT_RUNTIME, "chroot:");
	if (chdir("/") < 0)
		log_die(EXIT_RUNTIME, "chdir / in the chroot:");
}

static void become(const struct privdrop_target *t)
{
	if (setgroups((size_t)t->ngroups, t->groups) < 0)
		log_die(EXIT_RUNTIME, "setgroups for '%s':", t->name);
	if (setgid(t->gid) < 0)
		log_die(EXIT_RUNTIME, "setgid %d:", (int)t->gid);
	if (setuid(t->uid) < 0)
		log_die(EXIT_RUNTIME, "setuid %d:", (int)t->uid);
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		log_die(EXIT_RUNTIME, "root can still be regained after --user %s", t->name);
}

void privdrop_apply(const struct config *cfg, int root_fd)
{
	if (!cfg->chroot && !cfg->user)
		return;
	if (geteuid() != 0)
		log_die(EXIT_USAGE, "%s needs root (running as uid %d)",
			cfg->chroot ? "--chroot" : "--user", (int)geteuid());
	struct privdrop_target t = {.name = NULL};
	if (cfg->user)
		lookup_user(cfg->user, &t);
	tzset(); /* /etc/localtime is read now or never: log times */
	if (cfg->chroot)
		enter_chroot(root_fd);
	if (cfg->user)
		become(&t);
	else
		log_warn("--chroot without --user: a process still root can leave a chroot");
	free(t.groups);
}
