/* fuzz_cache_entry: a cache entry file as it may be found on disk, damaged
 * or crafted (cache.h): written as the entry of one digest and loaded. A
 * load either returns exactly the bytes that hash to the digest or drops
 * the file; it never crashes or returns anything else. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "fsutil.h"
#include "sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the digest of the empty object: an input "reclaim-cache 1 <check> \n"
 * with the right check loads, so the whole parser is reachable */
#define DIGEST "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static char dir[64], path[256];
static struct rc_cache *c;

/* removes what the first input made: the entry and three directories */
static void cleanup(void)
{
	char p[256];

	unlink(path);
	snprintf(p, sizeof(p), "%s/sha256/e3", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/sha256", dir);
	rmdir(p);
	rmdir(dir);
	rc_cache_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	char *mt = NULL;

	if (!c) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_cache.XXXXXX");
		if (!mkdtemp(dir) || !(c = rc_cache_open(dir, &err)))
			abort();
		atexit(cleanup);
		rc_cache_store(c, DIGEST, "", 0, NULL, &err); /* makes the directory */
		snprintf(path, sizeof(path), "%s/sha256/e3/%s", dir, &DIGEST[7]);
	}
	if (rc_write_file_atomic(path, data, size, 0600, &err) < 0)
		abort();
	if (rc_cache_load(c, DIGEST, &b, &mt, &err) == 1 && b.len != 0)
		abort(); /* only the empty object hashes to this digest */
	rc_buf_release(&b);
	free(mt);
	return 0;
}
