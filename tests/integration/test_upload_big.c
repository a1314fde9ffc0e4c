/* Integration (slow, a few seconds): a 2 GiB PUT streamed from a
 * generator arrives byte-exact, and the child receiving it keeps a flat
 * memory footprint (VmRSS sampled from /proc every 64 MiB). The file goes
 * to a tmpfs mounted for the test when we may mount one (no disk wear),
 * else to the fixture's directory. Prints the throughput seen, asserts
 * nothing about speed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define BIG_TOTAL (2ULL << 30)
#define BLOCK (1u << 20)
#define SAMPLE_EVERY (64u << 20)
/* Flat: the child may grow by page tables and buffers, not by the body. */
#define RSS_GROWTH_MAX_KB (8 * 1024)

static struct fixture fx;
static struct test_server srv;
static bool mounted;

static int setup(void **state)
{
	char p[PATH_MAX];
	(void)state;
	if (fixture_create(&fx) < 0 || fixture_mkdir(&fx, "in") < 0)
		return -1;
	mounted = mount("tmpfs", fixture_path(&fx, "in", p, sizeof(p)), "tmpfs",
			MS_NOSUID | MS_NODEV, "size=2200m,mode=0755") == 0;
	const char *args[] = {"--upload", "--max-upload", "3000000000", "-q", NULL};
	return harness_start(&srv, fx.root, args);
}

static int teardown(void **state)
{
	char p[PATH_MAX];
	(void)state;
	harness_close_clients();
	int rc = harness_stop(&srv) == 0 ? 0 : -1;
	if (mounted && umount2(fixture_path(&fx, "in", p, sizeof(p)), 0) < 0)
		umount2(p, MNT_DETACH);
	mounted = false;
	fixture_destroy(&fx);
	return rc;
}

/* Block i of the body: one random MiB with i in its first bytes. */
static void make_block(char *block, const char *base, uint64_t i)
{
	memcpy(block, base, BLOCK);
	memcpy(block, &i, sizeof(i));
}

static pid_t only_child(pid_t parent)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	FILE *f = fopen(p, "r");
	int pid = -1;
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = -1;
		fclose(f);
	}
	return pid;
}

static long rss_kb(pid_t pid)
{
	char p[64], line[256];
	long kb = -1;
	snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void verify_file(const char *base)
{
	char p[PATH_MAX];
	char *want = malloc(BLOCK), *got = malloc(BLOCK);
	assert_non_null(want);
	assert_non_null(got);
	FILE *f = fopen(fixture_path(&fx, "in/big.bin", p, sizeof(p)), "rb");
	assert_non_null(f);
	for (uint64_t i = 0; i < BIG_TOTAL / BLOCK; i++) {
		make_block(want, base, i);
		assert_int_equal(fread(got, 1, BLOCK, f), BLOCK);
		if (memcmp(got, want, BLOCK) != 0)
			fail_msg("block %llu differs", (unsigned long long)i);
	}
	assert_int_equal(fgetc(f), EOF);
	fclose(f);
	free(want);
	free(got);
}

static void two_gib_upload_flat_memory(void **state)
{
	struct client c;
	struct http_reply r;
	char head[256];
	char *base = malloc(BLOCK), *block = malloc(BLOCK);
	long first = -1, peak = -1;
	struct timespec t0;
	(void)state;
	assert_non_null(base);
	assert_non_null(block);
	harness_fill(base, BLOCK, 77);
	snprintf(head, sizeof(head),
		 "PUT /in/big.bin HTTP/1.1\r\nHost: t\r\nContent-Length: %llu\r\n"
		 "Connection: close\r\n\r\n", BIG_TOTAL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_rc_ok(client_connect(&c, srv.port));
	assert_rc_ok(client_send_str(&c, head));
	for (uint64_t i = 0; i < BIG_TOTAL / BLOCK; i++) {
		make_block(block, base, i);
		assert_rc_ok(client_send(&c, block, BLOCK));
		if (((i + 1) * BLOCK) % SAMPLE_EVERY == 0) {
			pid_t child = only_child(srv.pid);
			long kb = child > 0 ? rss_kb(child) : -1;
			assert_true(kb > 0);
			if (first < 0)
				first = kb;
			if (kb > peak)
				peak = kb;
		}
	}
	assert_rc_ok(client_read_reply(&c, &r, false));
	double secs = seconds_since(&t0);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	client_close(&c);
	printf("2 GiB PUT to %s: %.1f s, %.0f MB/s; child VmRSS %ld kB at 64 MiB, peak %ld kB\n",
	       mounted ? "tmpfs" : "disk", secs, (double)BIG_TOTAL / secs / 1e6, first, peak);
	assert_true(peak - first <= RSS_GROWTH_MAX_KB);
	verify_file(base);
	free(base);
	free(block);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(two_gib_upload_flat_memory, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
