#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

int rc_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Splits path into its directory ("." when none) and base name. */
static int split_path(const char *path, struct rc_buf *dir, const char **base, struct rc_err *err)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*base = path;
		return rc_buf_puts(dir, ".", err);
	}
	*base = slash + 1;
	if (slash == path)
		return rc_buf_puts(dir, "/", err);
	return rc_buf_append(dir, path, (size_t)(slash - path), err);
}

/* The process umask. umask(2) can only be read by setting it; the binaries
 * that write files do so from one thread, so the brief change is unseen. */
static mode_t current_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}

/* A buffered writer to fd: the put_ctx of a fill function. */
struct fdout {
	int fd;
	const char *name; /* how errors name it: "'path'", "to standard output" */
	char buf[65536];
	size_t n;
};

static int fdout_flush(struct fdout *o, struct rc_err *err)
{
	if (o->n && rc_write_all(o->fd, o->buf, o->n) < 0)
		return rc_err_sys(err, errno, "cannot write %s", o->name);
	o->n = 0;
	return 0;
}

static int fdout_put(void *ctx, const char *data, size_t len, struct rc_err *err)
{
	struct fdout *o = ctx;

	if (len > sizeof(o->buf) - o->n && fdout_flush(o, err) < 0)
		return -1;
	if (len >= sizeof(o->buf)) {
		if (rc_write_all(o->fd, data, len) < 0)
			return rc_err_sys(err, errno, "cannot write %s", o->name);
		return 0;
	}
	memcpy(o->buf + o->n, data, len);
	o->n += len;
	return 0;
}

static int fill_fd(int fd, const char *name, rc_fill_fn fill, void *ctx, struct rc_err *err)
{
	struct fdout *o = malloc(sizeof(*o));
	int rc;

	if (!o)
		return rc_err_nomem(err);
	o->fd = fd;
	o->name = name;
	o->n = 0;
	rc = fill(ctx, fdout_put, o, err) < 0 || fdout_flush(o, err) < 0 ? -1 : 0;
	free(o);
	return rc;
}

struct bytes {
	const void *data;
	size_t len;
};

static int put_bytes(void *ctx, rc_put_fn put, void *put_ctx, struct rc_err *err)
{
	const struct bytes *b = ctx;

	return put(put_ctx, b->data, b->len, err);
}

int rc_stage_file(const char *path, const void *data, size_t len, mode_t mode, char **tmp_out,
		  struct rc_err *err)
{
	struct bytes b = {data, len};

	return rc_stage_fill(path, mode, put_bytes, &b, tmp_out, err);
}

int rc_stage_fill(const char *path, mode_t mode, rc_fill_fn fill, void *ctx, char **tmp_out,
		  struct rc_err *err)
{
	struct rc_buf dir = RC_BUF_INIT, tmp = RC_BUF_INIT;
	const char *base = NULL;
	int fd = -1, rc = -1, made = 0;

	*tmp_out = NULL;
	if (!path || !*path)
		return rc_err_set(err, RC_ERR_USAGE, "no output file name given");
	if (strcmp(path, "-") == 0)
		return rc_err_set(err, RC_ERR_INTERNAL, "cannot stage standard output");
	rc_buf_init(&dir, 0);
	rc_buf_init(&tmp, 0);
	if (split_path(path, &dir, &base, err) < 0)
		goto out;
	if (!*base) {
		rc_err_set(err, RC_ERR_USAGE, "cannot write '%s': it names a directory", path);
		goto out;
	}
	if (rc_buf_printf(&tmp, err, "%s/.%s.tmp.XXXXXX", dir.data, base) < 0)
		goto out;
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		rc_err_sys(err, errno, "cannot create a temporary file next to '%s'", path);
		goto out;
	}
	made = 1;
	{
		char *name = rc_asprintf(err, "'%s'", tmp.data);
		int r = name ? fill_fd(fd, name, fill, ctx, err) : -1;

		free(name);
		if (r < 0)
			goto out;
	}
	/* mkstemp makes 0600; give the file the mode open(2) would have */
	if (fchmod(fd, mode & ~current_umask()) < 0) {
		rc_err_sys(err, errno, "cannot set the mode of '%s'", tmp.data);
		goto out;
	}
	if (fsync(fd) < 0) {
		rc_err_sys(err, errno, "cannot flush '%s' to disk", tmp.data);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc_err_sys(err, errno, "cannot close '%s'", tmp.data);
		goto out;
	}
	fd = -1;
	*tmp_out = rc_buf_detach(&tmp);
	if (!*tmp_out) {
		rc_err_nomem(err);
		goto out;
	}
	made = 0;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (made)
		unlink(tmp.data);
	rc_buf_release(&tmp);
	rc_buf_release(&dir);
	return rc;
}

int rc_commit_file(const char *tmp, const char *path, struct rc_err *err)
{
	struct rc_buf dir = RC_BUF_INIT;
	const char *base = NULL;
	int dfd = -1, rc = -1;

	rc_buf_init(&dir, 0);
	if (rename(tmp, path) < 0) {
		rc_err_sys(err, errno, "cannot rename '%s' to '%s'", tmp, path);
		unlink(tmp);
		goto out;
	}
	if (split_path(path, &dir, &base, err) < 0)
		goto out;
	/* Make the rename itself durable. */
	dfd = open(dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		rc_err_sys(err, errno, "cannot flush directory '%s' after writing '%s'", dir.data,
			   path);
		goto out;
	}
	rc = 0;
out:
	if (dfd >= 0)
		close(dfd);
	rc_buf_release(&dir);
	return rc;
}

int rc_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct rc_err *err)
{
	struct bytes b = {data, len};

	return rc_write_fill(path, mode, put_bytes, &b, err);
}

int rc_write_fill(const char *path, mode_t mode, rc_fill_fn fill, void *ctx, struct rc_err *err)
{
	char *tmp = NULL;
	int rc;

	if (path && strcmp(path, "-") == 0)
		return fill_fd(STDOUT_FILENO, "to standard output", fill, ctx, err);
	if (rc_stage_fill(path, mode, fill, ctx, &tmp, err) < 0)
		return -1;
	rc = rc_commit_file(tmp, path, err);
	free(tmp);
	return rc;
}

int rc_read_file(const char *path, size_t max, struct rc_buf *out, struct rc_err *err)
{
	int fd = -1, rc = -1, is_stdin = 0;
	struct stat st;
	char chunk[65536];
	const char *name = path;

	rc_buf_init(out, max ? max + 1 : 0);
	if (!path || !*path)
		return rc_err_set(err, RC_ERR_USAGE, "no input file name given");
	if (strcmp(path, "-") == 0) {
		is_stdin = 1;
		fd = STDIN_FILENO;
		name = "standard input";
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return rc_err_sys(err, errno, "cannot open '%s'", path);
	}
	if (fstat(fd, &st) < 0) {
		rc_err_sys(err, errno, "cannot stat '%s'", name);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc_err_sys(err, EISDIR, "cannot read '%s'", name);
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > (uintmax_t)max)
		goto too_big;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc_err_sys(err, errno, "cannot read '%s'", name);
			goto out;
		}
		if (n == 0)
			break;
		/* The file may grow between fstat and read, or be a pipe. */
		if ((size_t)n > max - out->len)
			goto too_big;
		if (rc_buf_append(out, chunk, (size_t)n, err) < 0)
			goto out;
	}
	rc = 0;
	goto out;
too_big:
	rc_err_sys(err, EFBIG, "'%s' is larger than the %zu byte limit", name, max);
out:
	if (fd >= 0 && !is_stdin)
		close(fd);
	if (rc < 0)
		rc_buf_release(out);
	return rc;
}

int rc_check_output_path(const char *path, struct rc_err *err)
{
	struct rc_buf dir = RC_BUF_INIT;
	const char *base = NULL;
	struct stat st;
	int rc = -1;

	if (!path || !*path)
		return rc_err_set(err, RC_ERR_USAGE, "no output file name given");
	if (strcmp(path, "-") == 0)
		return 0;
	rc_buf_init(&dir, 0);
	if (split_path(path, &dir, &base, err) < 0)
		goto out;
	if (!*base) {
		rc_err_set(err, RC_ERR_USAGE, "cannot write '%s': it names a directory", path);
		goto out;
	}
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			rc_err_sys(err, EISDIR, "cannot write '%s'", path);
			goto out;
		}
		/* A FIFO or a device would be replaced by the rename, not
		 * written to. */
		if (!S_ISREG(st.st_mode)) {
			rc_err_set(err, RC_ERR_IO, "cannot write '%s': not a regular file", path);
			goto out;
		}
	} else if (errno != ENOENT) {
		rc_err_sys(err, errno, "cannot write '%s'", path);
		goto out;
	}
	if (stat(dir.data, &st) < 0) {
		rc_err_sys(err, errno, "cannot write '%s': directory '%s'", path, dir.data);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc_err_sys(err, ENOTDIR, "cannot write '%s': '%s'", path, dir.data);
		goto out;
	}
	if (access(dir.data, W_OK | X_OK) < 0) {
		rc_err_sys(err, errno, "cannot write '%s': directory '%s'", path, dir.data);
		goto out;
	}
	rc = 0;
out:
	rc_buf_release(&dir);
	return rc;
}
