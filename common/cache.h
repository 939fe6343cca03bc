/* cache.h: an on-disk, content-addressed cache of small immutable objects
 * (registry manifests and config blobs), keyed by their sha256 digest.
 *
 * Layout under the cache directory (docs/registry.md, "The cache"):
 *
 *   <dir>/sha256/<first 2 hex>/<64 hex>
 *
 * Each entry is one file, mode 0600 (directories 0700):
 *
 *   "reclaim-cache 1 <check> <media type>\n" <the object's bytes>
 *
 * where <check> is the lower-case hex sha256 of "<digest> <media type>",
 * so a damaged header is found, and the bytes must hash to the digest the
 * file is named by. Every load checks both; an entry that fails either, is
 * short, too large or not a regular file is removed and counted as
 * dropped, and the caller fetches the object again. Entries are written to
 * a temporary file and renamed into place, so a reader never sees half of
 * one; they are not fsynced: an entry a crash truncated fails its check and
 * is fetched again.
 *
 * A cache is used by one thread at a time. Separate processes may share a
 * directory: the rename makes concurrent stores of one digest harmless. */
#ifndef RC_CACHE_H
#define RC_CACHE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Objects larger than this are not cached (the registry client's manifest
 * cap; configs are smaller still). */
#define RC_CACHE_ENTRY_MAX ((size_t)4 << 20)
/* A media type longer than this is stored as empty. */
#define RC_CACHE_MEDIA_TYPE_MAX 255

struct rc_cache_stats {
	size_t hits; /* loads that returned a verified entry */
	size_t misses; /* loads that found nothing usable (dropped included) */
	size_t stored; /* entries written */
	size_t dropped; /* entries removed because they failed a check */
};

struct rc_cache;

/* The default directory: $XDG_CACHE_HOME/reclaim when XDG_CACHE_HOME is an
 * absolute path, else $HOME/.cache/reclaim. *out is owned. -1 with
 * RC_ERR_USAGE when neither is usable (no HOME). */
int rc_cache_default_dir(char **out, struct rc_err *err);

/* Opens the cache in dir, creating dir (and missing parents, 0700) and
 * <dir>/sha256, and checks that it can be written. NULL with err
 * (RC_ERR_IO, or RC_ERR_USAGE for an empty dir) otherwise: callers go on
 * without a cache. */
struct rc_cache *rc_cache_open(const char *dir, struct rc_err *err);
void rc_cache_free(struct rc_cache *c);

const char *rc_cache_dir(const struct rc_cache *c);

/* 1 when the directory held at least one entry when it was opened: a scan
 * with an empty cache skips asking which objects it already has. */
int rc_cache_had_entries(const struct rc_cache *c);

/* Loads the object named digest. 1: out (initialised here, owned) holds its
 * verified bytes and *media_type (owned, "" when none was stored, may be
 * NULL to ignore it) what it was stored with. 0: not cached, or dropped for
 * failing a check; out is empty, *media_type NULL. -1 with RC_ERR_USAGE when
 * digest is not "sha256:<64 lower-case hex>" (nothing touches the disk), or
 * RC_ERR_NOMEM. */
int rc_cache_load(struct rc_cache *c, const char *digest, struct rc_buf *out, char **media_type,
		  struct rc_err *err);

/* Stores data[0..len) under digest with media_type (NULL: none; control
 * characters or more than RC_CACHE_MEDIA_TYPE_MAX bytes: stored as none).
 * The bytes must hash to digest: a mismatch is RC_ERR_PROTOCOL and nothing
 * is written. An object over RC_CACHE_ENTRY_MAX is skipped (0). -1 with
 * RC_ERR_IO when the entry cannot be written; nothing partial is left, the
 * message is kept for rc_cache_failure, and every later store is skipped
 * (0): a cache that cannot be written is not tried 10,000 times. */
int rc_cache_store(struct rc_cache *c, const char *digest, const void *data, size_t len,
		   const char *media_type, struct rc_err *err);

/* The first store failure's message, or NULL: for one warning at the end. */
const char *rc_cache_failure(const struct rc_cache *c);

void rc_cache_stats(const struct rc_cache *c, struct rc_cache_stats *out);

#endif
