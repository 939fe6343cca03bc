/* fsutil.h: whole-file reads with a size cap, and atomic file writes.
 *
 * The path "-" means standard output for rc_write_file_atomic and standard
 * input for rc_read_file; writes to "-" are not atomic (a pipe cannot be). */
#ifndef RC_FSUTIL_H
#define RC_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"

/* Replaces path with data[0..len) so that a reader sees either the old file
 * or the complete new one: writes a temp file ".<name>.tmp.XXXXXX" in the
 * same directory, fsyncs it, gives it `mode` less the umask (as open(2)
 * would), renames it over path and fsyncs the directory. On failure before
 * the rename the temp file is removed, path is untouched, and -1 is returned
 * with RC_ERR_IO (sys_errno set) naming the path. If only the final directory
 * fsync fails, the new content is in place but may not survive a crash, and
 * -1 is still returned. An empty path is RC_ERR_USAGE. */
int rc_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct rc_err *err);

/* The two halves of rc_write_file_atomic, for runs that write several files
 * and must leave all old ones untouched when any new one cannot be written:
 * stage every file, then commit them all.
 *
 * rc_stage_file writes and fsyncs the temp file next to path (mode less the
 * umask) and returns its name in *tmp_out (owned; free it). path must not be
 * "-". On failure nothing is left behind and *tmp_out is NULL.
 * rc_commit_file renames tmp over path and fsyncs the directory; when the
 * rename fails the temp file is removed. To abandon a staged file, unlink
 * tmp. */
int rc_stage_file(const char *path, const void *data, size_t len, mode_t mode, char **tmp_out,
		  struct rc_err *err);
int rc_commit_file(const char *tmp, const char *path, struct rc_err *err);

/* Content too large to hold in memory at once is produced by a fill
 * function, which passes it piecewise to put(put_ctx, ...). rc_stage_fill
 * stages it as rc_stage_file does; rc_write_fill writes it to standard
 * output when path is "-", and atomically to path otherwise. Writes are
 * buffered. A fill that fails leaves nothing behind. */
typedef int (*rc_fill_fn)(void *ctx, rc_put_fn put, void *put_ctx, struct rc_err *err);
int rc_stage_fill(const char *path, mode_t mode, rc_fill_fn fill, void *ctx, char **tmp_out,
		  struct rc_err *err);
int rc_write_fill(const char *path, mode_t mode, rc_fill_fn fill, void *ctx, struct rc_err *err);
/* Writes all of data[0..len) to fd, resuming after short writes and EINTR.
 * Returns 0, or -1 with errno set (no err: callers name the file). */
int rc_write_all(int fd, const void *data, size_t len);

/* Reads the whole of path into out, which this function initialises (any old
 * content is not freed: pass an unused or freed buffer). Refuses, with
 * RC_ERR_IO and sys_errno EFBIG, a file larger than max bytes ("'p' is larger
 * than the N byte limit") without reading it all. On success out->data is
 * NUL-terminated and owned by the caller (rc_buf_release). On failure out is
 * left empty. */
int rc_read_file(const char *path, size_t max, struct rc_buf *out, struct rc_err *err);

/* Checks, before any work is done, that rc_write_file_atomic(path) can
 * succeed as far as the file system tells now, so a bad output path is found
 * before, not after, what the output reports on. "-" always passes. path
 * must not name a directory or an existing file that is not a regular file
 * (RC_ERR_IO), and its directory must exist and be writable by this process
 * (RC_ERR_IO with sys_errno: ENOENT, ENOTDIR, EACCES...). An empty path, or
 * one ending in '/', is RC_ERR_USAGE. Nothing is created. */
int rc_check_output_path(const char *path, struct rc_err *err);

#endif
