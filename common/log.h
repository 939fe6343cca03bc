/* log.h: diagnostics and progress, always on stderr.
 *
 * main() sets the program name and level once. Library code may log at
 * debug/verbose level but never prints errors: it returns them. Progress
 * lines are drawn only when stderr is a TTY and the level is not quiet. */
#ifndef RC_LOG_H
#define RC_LOG_H

#include <stddef.h>

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
 * total 0 means unknown. rc_progress_done() clears the line. */
void rc_progress(const char *what, size_t done, size_t total);
void rc_progress_done(void);

#endif
