/* cache.c: the content-addressed cache of cache.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "fsutil.h"
#include "sha256.h"

#define MAGIC "reclaim-cache 1 "
#define MAGIC_LEN (sizeof(MAGIC) - 1)
/* magic, check, space, media type, newline */
#define HEADER_MAX (MAGIC_LEN + RC_SHA256_HEX_LEN + 1 + RC_CACHE_MEDIA_TYPE_MAX + 1)

struct rc_cache {
	char *dir;
	int had_entries;
	char *failure; /* the first store failure */
	struct rc_cache_stats st;
};

int rc_cache_default_dir(char **out, struct rc_err *err)
{
	const char *x = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	*out = NULL;
	/* the XDG spec: a relative XDG_CACHE_HOME is invalid and ignored */
	if (x && x[0] == '/')
		*out = rc_asprintf(err, "%s/reclaim", x);
	else if (home && home[0] == '/')
		*out = rc_asprintf(err, "%s/.cache/reclaim", home);
	else
		return rc_err_set(err, RC_ERR_USAGE,
				  "no cache directory: neither XDG_CACHE_HOME nor HOME is set");
	return *out ? 0 : -1;
}

/* mkdir -p with mode 0700 for what it creates. */
static int mkdirs(const char *path, struct rc_err *err)
{
	char *p = strdup(path);
	int ret = 0;

	if (!p)
		return rc_err_nomem(err);
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char was = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			ret = rc_err_sys(err, errno, "cannot create cache directory '%s'", p);
			break;
		}
		if (!was)
			break;
		*s = '/';
	}
	free(p);
	return ret;
}

/* 0 when path is a directory of this user that no one else may write, and
 * not a symbolic link: nobody else can then place or swap what reclaim
 * writes there (a link to another directory would have entries written
 * wherever it points). -1 with err (RC_ERR_IO) when not. */
static int private_dir(const char *path, struct rc_err *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return rc_err_sys(err, errno, "cannot use cache directory '%s'", path);
	if (S_ISLNK(st.st_mode))
		return rc_err_set(err, RC_ERR_IO,
				  "cannot use cache directory '%s': it is a symbolic link", path);
	if (!S_ISDIR(st.st_mode))
		return rc_err_sys(err, ENOTDIR, "cannot use cache directory '%s'", path);
	if (st.st_uid != geteuid())
		return rc_err_set(err, RC_ERR_IO,
				  "cannot use cache directory '%s': owned by uid %lu, not by this "
				  "user (uid %lu)",
				  path, (unsigned long)st.st_uid, (unsigned long)geteuid());
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return rc_err_set(err, RC_ERR_IO,
				  "cannot use cache directory '%s': others may write it (mode "
				  "%04o); chmod go-w it",
				  path, (unsigned)(st.st_mode & 07777));
	return 0;
}

static int any_entry(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d)))
		found = e->d_name[0] != '.';
	closedir(d);
	return found;
}

struct rc_cache *rc_cache_open(const char *dir, struct rc_err *err)
{
	struct rc_cache *c = NULL;
	char *sub = NULL;

	if (!dir || !*dir) {
		rc_err_set(err, RC_ERR_USAGE, "empty cache directory name");
		return NULL;
	}
	if (!(sub = rc_asprintf(err, "%s/sha256", dir)))
		return NULL;
	if (mkdirs(sub, err) < 0)
		goto fail;
	if (private_dir(sub, err) < 0)
		goto fail;
	if (access(sub, W_OK | X_OK) < 0) {
		rc_err_sys(err, errno, "cannot write cache directory '%s'", sub);
		goto fail;
	}
	if (!(c = calloc(1, sizeof(*c))) || !(c->dir = strdup(dir))) {
		rc_err_nomem(err);
		goto fail;
	}
	c->had_entries = any_entry(sub);
	free(sub);
	return c;
fail:
	free(sub);
	rc_cache_free(c);
	return NULL;
}

void rc_cache_free(struct rc_cache *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c->failure);
	free(c);
}

const char *rc_cache_dir(const struct rc_cache *c)
{
	return c->dir;
}

int rc_cache_had_entries(const struct rc_cache *c)
{
	return c->had_entries;
}

const char *rc_cache_failure(const struct rc_cache *c)
{
	return c->failure;
}

void rc_cache_stats(const struct rc_cache *c, struct rc_cache_stats *out)
{
	*out = c->st;
}

/* "<dir>/sha256/ab" and "<dir>/sha256/ab/<hex>". The digest is checked
 * first: nothing but 64 hex digits ever becomes part of a path. */
static int entry_paths(const struct rc_cache *c, const char *digest, char **subdir, char **file,
		       struct rc_err *err)
{
	const char *hex = digest + strlen(RC_DIGEST_PREFIX);

	*subdir = *file = NULL;
	if (!rc_digest_valid(digest))
		return rc_err_set(err, RC_ERR_USAGE, "invalid digest for the cache");
	if (!(*subdir = rc_asprintf(err, "%s/sha256/%.2s", c->dir, hex)))
		return -1;
	if (!(*file = rc_asprintf(err, "%s/%s", *subdir, hex))) {
		free(*subdir);
		*subdir = NULL;
		return -1;
	}
	return 0;
}

static int media_type_ok(const char *mt)
{
	size_t n = 0;

	for (; mt[n]; n++)
		if ((unsigned char)mt[n] < 0x20 || (unsigned char)mt[n] > 0x7e)
			return 0;
	return n <= RC_CACHE_MEDIA_TYPE_MAX;
}

/* The header check: sha256 of "<digest> <media type>". */
static int header_check(const char *digest, const char *mt, char out[RC_SHA256_HEX_LEN + 1],
			struct rc_err *err)
{
	char buf[RC_DIGEST_LEN + 1 + RC_CACHE_MEDIA_TYPE_MAX + 1];
	int n = snprintf(buf, sizeof(buf), "%s %s", digest, mt);

	return rc_sha256_hex(buf, (size_t)n, out, err);
}

/* Reads the regular file at path, at most max bytes, without following a
 * symbolic link or blocking on a FIFO. 1 read, 0 absent or unusable. */
static int read_entry(const char *path, size_t max, struct rc_buf *out, struct rc_err *err)
{
	struct stat st;
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max)
		goto out;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if (out->len + (size_t)n > max)
			goto out; /* grew while read */
		if (rc_buf_append(out, chunk, (size_t)n, err) < 0) {
			ret = -1;
			goto out;
		}
	}
	ret = 1;
out:
	close(fd);
	if (ret != 1)
		rc_buf_reset(out);
	return ret;
}

/* Splits a read entry: 1 with the body at *body and the media type copied
 * into mt, when the header is well formed and its check matches; 0 if not. */
static int parse_entry(const char *digest, const struct rc_buf *raw, const char **body,
		       size_t *body_len, char *mt, size_t mtsz, struct rc_err *err)
{
	const char *p = raw->data, *nl, *check;
	char want[RC_SHA256_HEX_LEN + 1];
	size_t mlen;

	if (raw->len < MAGIC_LEN + RC_SHA256_HEX_LEN + 2 || memcmp(p, MAGIC, MAGIC_LEN))
		return 0;
	nl = memchr(p, '\n', raw->len < HEADER_MAX ? raw->len : HEADER_MAX);
	if (!nl)
		return 0;
	check = p + MAGIC_LEN;
	if (check[RC_SHA256_HEX_LEN] != ' ')
		return 0;
	mlen = (size_t)(nl - (check + RC_SHA256_HEX_LEN + 1));
	if (mlen >= mtsz)
		return 0;
	memcpy(mt, check + RC_SHA256_HEX_LEN + 1, mlen);
	mt[mlen] = '\0';
	if (!media_type_ok(mt))
		return 0;
	if (header_check(digest, mt, want, err) < 0)
		return -1;
	if (memcmp(want, check, RC_SHA256_HEX_LEN))
		return 0;
	*body = nl + 1;
	*body_len = raw->len - (size_t)(nl + 1 - p);
	return 1;
}

int rc_cache_load(struct rc_cache *c, const char *digest, struct rc_buf *out, char **media_type,
		  struct rc_err *err)
{
	struct rc_buf raw = RC_BUF_INIT;
	char *subdir = NULL, *file = NULL, mt[RC_CACHE_MEDIA_TYPE_MAX + 1];
	char hex[RC_SHA256_HEX_LEN + 1];
	const char *body = NULL;
	size_t blen = 0;
	int r, ret = -1;

	rc_buf_init(out, RC_CACHE_ENTRY_MAX);
	if (media_type)
		*media_type = NULL;
	if (entry_paths(c, digest, &subdir, &file, err) < 0)
		return -1;
	rc_buf_init(&raw, 0);
	r = read_entry(file, RC_CACHE_ENTRY_MAX + HEADER_MAX, &raw, err);
	if (r < 0)
		goto out;
	if (r == 0) {
		struct stat st;
		/* absent is a miss; anything else there is damage */
		if (lstat(file, &st) == 0)
			goto drop;
		c->st.misses++;
		ret = 0;
		goto out;
	}
	r = parse_entry(digest, &raw, &body, &blen, mt, sizeof(mt), err);
	if (r < 0)
		goto out;
	if (r == 0 || blen > RC_CACHE_ENTRY_MAX)
		goto drop;
	if (rc_sha256_hex(body, blen, hex, err) < 0)
		goto out;
	if (strcmp(hex, digest + strlen(RC_DIGEST_PREFIX)))
		goto drop;
	if (rc_buf_append(out, body, blen, err) < 0)
		goto out;
	if (media_type && !(*media_type = strdup(mt))) {
		rc_err_nomem(err);
		goto out;
	}
	c->st.hits++;
	ret = 1;
	goto out;
drop:
	unlink(file);
	c->st.dropped++;
	c->st.misses++;
	ret = 0;
out:
	if (ret != 1)
		rc_buf_release(out);
	rc_buf_release(&raw);
	free(subdir);
	free(file);
	return ret;
}

int rc_cache_store(struct rc_cache *c, const char *digest, const void *data, size_t len,
		   const char *media_type, struct rc_err *err)
{
	char *subdir = NULL, *file = NULL, *tmp = NULL;
	char check[RC_SHA256_HEX_LEN + 1], hex[RC_SHA256_HEX_LEN + 1];
	struct rc_buf hdr = RC_BUF_INIT;
	const char *mt = media_type && media_type_ok(media_type) ? media_type : "";
	int fd = -1, ret = -1;

	if (entry_paths(c, digest, &subdir, &file, err) < 0)
		return -1;
	if (len > RC_CACHE_ENTRY_MAX || c->failure) {
		ret = 0;
		goto out;
	}
	/* never store a lie: the bytes must be what the name says */
	if (rc_sha256_hex(data, len, hex, err) < 0)
		goto out;
	if (strcmp(hex, digest + strlen(RC_DIGEST_PREFIX))) {
		rc_err_set(err, RC_ERR_PROTOCOL,
			   "refusing to cache '%s': the bytes hash to sha256:%s", digest, hex);
		goto out;
	}
	rc_buf_init(&hdr, 0);
	if (header_check(digest, mt, check, err) < 0 ||
	    rc_buf_printf(&hdr, err, MAGIC "%s %s\n", check, mt) < 0)
		goto out;
	if (mkdir(subdir, 0700) < 0 && errno != EEXIST) {
		rc_err_sys(err, errno, "cannot create cache directory '%s'", subdir);
		goto io_fail;
	}
	if (private_dir(subdir, err) < 0)
		goto io_fail;
	if (!(tmp = rc_asprintf(err, "%s/.tmp.XXXXXX", subdir)))
		goto out;
	/* mkstemp creates the file 0600 */
	if ((fd = mkstemp(tmp)) < 0) {
		rc_err_sys(err, errno, "cannot create a cache entry in '%s'", subdir);
		free(tmp);
		tmp = NULL;
		goto io_fail;
	}
	if (rc_write_all(fd, hdr.data, hdr.len) < 0 || rc_write_all(fd, data, len) < 0) {
		rc_err_sys(err, errno, "cannot write cache entry '%s'", tmp);
		goto io_fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc_err_sys(err, errno, "cannot write cache entry '%s'", tmp);
		goto io_fail;
	}
	fd = -1;
	if (rename(tmp, file) < 0) {
		rc_err_sys(err, errno, "cannot rename '%s' to '%s'", tmp, file);
		goto io_fail;
	}
	free(tmp);
	tmp = NULL;
	c->st.stored++;
	ret = 0;
	goto out;
io_fail:
	if (!c->failure)
		c->failure = strdup(err && err->msg[0] ? err->msg : "cannot write a cache entry");
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	rc_buf_release(&hdr);
	free(subdir);
	free(file);
	return ret;
}
