/* junit.h: a small JUnit XML report writer (libxml2 xmlTextWriter).
 *
 * Layout: <testsuites name tests failures skipped errors time> holding one
 * <testsuite name tests failures skipped errors time> per suite, each holding
 * <testcase name classname time> with at most one of <failure message type>,
 * <error message type> or <skipped message>, and an optional <system-out>.
 * Suite and top-level counts are computed from the cases. Cases are kept in
 * memory (strings are copied) and written in the order added.
 *
 * Text is made XML-safe: characters XML 1.0 forbids (controls other than tab,
 * newline and carriage return) and bytes that are not valid UTF-8 become '?';
 * <, >, & and quotes are escaped by libxml2. */
#ifndef RC_JUNIT_H
#define RC_JUNIT_H

#include "buf.h"
#include "err.h"

enum rc_junit_result {
	RC_JUNIT_PASS = 0,
	RC_JUNIT_FAIL, /* <failure> */
	RC_JUNIT_SKIP, /* <skipped> */
	RC_JUNIT_ERROR, /* <error> */
};

struct rc_junit_case {
	const char *name; /* required */
	const char *classname; /* NULL: the suite name */
	double time; /* seconds */
	enum rc_junit_result result;
	const char *message; /* failure/error/skip message; may be NULL */
	const char *type; /* failure/error type attribute; may be NULL */
	const char *system_out; /* may be NULL */
};

struct rc_junit;

/* Returns a new empty report whose <testsuites> carries name (may be NULL),
 * or NULL when out of memory. */
struct rc_junit *rc_junit_new(const char *name);
void rc_junit_free(struct rc_junit *j);

/* Starts a new suite; later cases go into it. Returns 0 or -1 (NOMEM). */
int rc_junit_suite(struct rc_junit *j, const char *name, struct rc_err *err);

/* Adds a copy of c to the current suite (one named after the report, or
 * "reclaim", is started if none was). -1 with RC_ERR_INTERNAL when c->name is
 * NULL, RC_ERR_NOMEM when out of memory. */
int rc_junit_add(struct rc_junit *j, const struct rc_junit_case *c, struct rc_err *err);

/* Appends the XML document (UTF-8, with declaration, indented) to out. */
int rc_junit_render(const struct rc_junit *j, struct rc_buf *out, struct rc_err *err);

/* Renders and writes atomically to path (mode 0666 less the umask; "-" is stdout). */
int rc_junit_write(const struct rc_junit *j, const char *path, struct rc_err *err);

#endif
