/* bench/journal.c: how long reclaim-apply takes to load the journal of a
 * large plan and look every item up, as a rerun after a crash does.
 *
 *   make bench-journal                 # 100,000 items
 *   build/bench/journal 25000          # another size
 *
 * It writes a journal with N items to a temp dir (an intent and an outcome
 * each, an untag line for every tenth, and a second run's lines for every
 * seventh, so "last outcome wins" is exercised), then times ra_journal_load
 * and N calls of ra_journal_done. Prints one line of figures; the count of
 * done items is a checksum that must not change between versions. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "journal.h"

#define DIGEST "sha256:0000000000000000000000000000000000000000000000000000000000000000"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void item_id(char *dst, size_t dstsz, size_t i)
{
	/* the form and length of a real image item's id */
	snprintf(dst, dstsz, "engine/image/sha256:%064zx", i * 2654435761u);
}

static int write_journal(FILE *f, size_t n)
{
	static const char *const outcomes[] = {"deleted", "already-absent", "changed", "failed"};
	char id[128];
	size_t i;

	fprintf(f, "{\"journal\":\"reclaim\",\"version\":1,\"plan_digest\":\"%s\"}\n", DIGEST);
	for (i = 0; i < n; i++) {
		item_id(id, sizeof(id), i);
		fprintf(f, "{\"item\":\"%s\",\"event\":\"intent\"}\n", id);
		if (i % 10 == 0)
			fprintf(f, "{\"item\":\"%s\",\"event\":\"untag\",\"ref\":\"app:%zu\"}\n",
				id, i);
		fprintf(
		    f,
		    "{\"item\":\"%s\",\"event\":\"outcome\",\"outcome\":\"%s\",\"reason\":\"\"}\n",
		    id, outcomes[i % 4]);
	}
	/* a rerun: every seventh item again, now deleted */
	for (i = 0; i < n; i += 7) {
		item_id(id, sizeof(id), i);
		fprintf(f, "{\"item\":\"%s\",\"event\":\"intent\"}\n", id);
		fprintf(f,
			"{\"item\":\"%s\",\"event\":\"outcome\",\"outcome\":\"deleted\",\"reason\":"
			"\"\"}\n",
			id);
	}
	return ferror(f) ? -1 : 0;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/rc-bench-journal.XXXXXX";
	char path[sizeof(dir) + 16];
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;
	struct rusage ru;
	struct stat st;
	size_t n = 100000, i, done = 0;
	double t0, t1, t2;
	char id[128];
	FILE *f;
	int rc = 1;

	if (argc > 1) {
		char *end;
		errno = 0;
		long long v = strtoll(argv[1], &end, 10);
		if (errno || *end || v < 1) {
			fprintf(stderr, "usage: journal [ITEMS]\n");
			return 2;
		}
		n = (size_t)v;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/journal", dir);
	f = fopen(path, "w");
	if (!f || write_journal(f, n) < 0 || fclose(f) != 0) {
		perror(path);
		goto out;
	}
	if (stat(path, &st) < 0) {
		perror(path);
		goto out;
	}
	t0 = now();
	if (ra_journal_load(path, DIGEST, &j, &err) < 0) {
		fprintf(stderr, "journal: error: %s\n", err.msg);
		goto out;
	}
	t1 = now();
	for (i = 0; i < n; i++) {
		item_id(id, sizeof(id), i);
		done += (size_t)ra_journal_done(j, id);
	}
	t2 = now();
	getrusage(RUSAGE_SELF, &ru);
	printf("journal: %zu items, %zu records, %.1f MiB: load %.3f s, %zu lookups %.3f s, "
	       "%zu done, peak RSS %.1f MiB\n",
	       n, ra_journal_records(j), (double)st.st_size / (1 << 20), t1 - t0, n, t2 - t1, done,
	       (double)ru.ru_maxrss / 1024);
	rc = 0;
out:
	ra_journal_free(j);
	unlink(path);
	rmdir(dir);
	return rc;
}
