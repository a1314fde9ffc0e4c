#include "root.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ROOT_OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

int root_open(const struct root *r, const char *rel)
{
	struct open_how how = {
		.flags = ROOT_OPEN_FLAGS,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	const char *name = *rel ? rel : ".";
	long fd;
	do
		fd = syscall(SYS_openat2, r->fd, name, &how, sizeof(how));
	while (fd < 0 && errno == EINTR);
	return (int)fd;
}
