/* log.h: diagnostics and progress, always on stderr.
 *
 * main() sets the program name and level once. Library code may log at
 * debug/verbose level but never prints errors: it returns them. Progress
 * lines are drawn only when stderr is a TTY and the level is not quiet. */
#ifndef RC_LOG_H
#define RC_LOG_H

#include <stddef.h>
#include <stdint.h>

enum rc_log_level { RC_LOG_QUIET = 0, RC_LOG_NORMAL = 1, RC_LOG_VERBOSE = 2, RC_LOG_DEBUG = 3 };

void rc_log_init(const char *prog, enum rc_log_level level);
enum rc_log_level rc_log_level(void);
const char *rc_log_prog(void);

/* "prog: error: msg" on stderr. For main() only. */
void rc_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: warning: msg", unless quiet. */
void rc_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: msg" when level >= RC_LOG_VERBOSE. */
void rc_log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rc_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Progress "what: done/total" redrawn in place on a TTY; no-op otherwise.
 * total 0 means unknown. Redrawn at most RC_PROGRESS_PER_S times a second,
 * but always when done reaches total. rc_progress_done() clears the line;
 * every log line above clears it first, so no other output shares it. */
#define RC_PROGRESS_PER_S 4
void rc_progress(const char *what, size_t done, size_t total);
void rc_progress_done(void);

/* Where a source's scan is, for its progress line. */
struct rc_scan_progress {
	const char *what; /* the source, e.g. "registry http://127.0.0.1:5000" */
	size_t repos_done, repos_total;
	size_t tags; /* tags read so far */
	size_t requests; /* requests sent so far */
	int64_t elapsed_ns; /* since the scan began */
};

/* "WHAT: 3/10 repositories, 120 tags, 45 req/s" (the source sanitised and
 * cut to 48 characters so that the line fits a terminal) into out; returns
 * out. req/s is requests over elapsed, whole. */
char *rc_progress_scan_format(const struct rc_scan_progress *p, char *out, size_t outsz);
/* Draws it as rc_progress does (a TTY, not quiet, at most a few times a
 * second, always when every repository is done). */
void rc_progress_scan(const struct rc_scan_progress *p);

#endif
