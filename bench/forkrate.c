/* forkrate.c — the fork-per-connection ceiling: how many
 * fork() + _exit() + waitpid() rounds this machine does per second.
 *
 * Built with the server's own compiler flags (make bench), so the
 * parent's memory map is of the same kind as httpd-lite's: a small
 * dynamically linked C program. A server that forks once per
 * connection cannot accept connections faster than this.
 *
 * usage: forkrate [SECONDS]     (default 2; prints "forks_per_sec N")
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int reap(pid_t pid)
{
	int status;
	for (;;) {
		pid_t r = waitpid(pid, &status, 0);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR) {
			perror("forkrate: waitpid");
			return -1;
		}
	}
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? strtod(argv[1], NULL) : 2.0;
	if (!(seconds > 0 && seconds <= 600)) {
		fprintf(stderr, "usage: forkrate [SECONDS (0-600]]\n");
		return 2;
	}
	double start = now_s(), end = start + seconds, t = start;
	unsigned long forks = 0;
	while (t < end) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("forkrate: fork");
			return 1;
		}
		if (pid == 0)
			_exit(0);
		if (reap(pid) < 0)
			return 1;
		forks++;
		t = now_s();
	}
	printf("forks_per_sec %.0f\n", (double)forks / (t - start));
	return 0;
}
