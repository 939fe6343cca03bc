/* fuzz_journal: the executor's journal loader (ra_journal_load) on a file
 * holding the input, then what a rerun does with it: begin (which cuts a
 * torn last line), one more outcome, close, and load again. The second load
 * must see every record the first one did, plus the new one, and no torn
 * line. The plan digest of the seeds' headers is DIGEST. */
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "fuzz.h"
#include "journal.h"

#define DIGEST "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ITEM "engine/image/sha256:1111111111111111111111111111111111111111111111111111111111111111"

static char dir[64];

static void cleanup(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/journal", dir);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;
	char path[128];
	size_t records;
	FILE *f;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s", "/tmp/rc-fuzz-journal.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
	}
	snprintf(path, sizeof(path), "%s/journal", dir);
	f = fopen(path, "w");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	if (ra_journal_load(path, DIGEST, &j, &err) < 0)
		return 0;
	ra_journal_done(j, ITEM);
	ra_journal_steps(j, ITEM, "untag");
	records = ra_journal_records(j);
	if (ra_journal_begin(j, 0, &err) == 0 &&
	    ra_journal_outcome(j, ITEM, "failed", "fuzz", &err) == 0 &&
	    ra_journal_close(j, &err) == 0) {
		ra_journal_free(j);
		j = NULL;
		RC_FUZZ_CHECK(ra_journal_load(path, DIGEST, &j, &err) == 0,
			      "a journal this tool appended to does not load");
		RC_FUZZ_CHECK(ra_journal_records(j) == (records ? records : 1) + 1,
			      "reloading a journal lost or gained records");
		RC_FUZZ_CHECK(!ra_journal_had_torn_tail(j), "a begun journal kept its torn tail");
		RC_FUZZ_CHECK(ra_journal_last_outcome(j, ITEM) &&
				  strcmp(ra_journal_last_outcome(j, ITEM), "failed") == 0,
			      "the last outcome appended is not the one loaded");
	}
	ra_journal_free(j);
	return 0;
}
