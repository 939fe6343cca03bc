/* run_report.h: what reclaim-apply tells people and pipelines.
 *
 * The human texts are built into a buffer; main() prints them (library code
 * never writes to stdout). The JSON report and JUnit XML are written
 * atomically. Formats are documented in docs/apply.md. */
#ifndef RA_RUN_REPORT_H
#define RA_RUN_REPORT_H

#include <cjson/cJSON.h>

#include "apply.h"
#include "buf.h"
#include "err.h"
#include "plan.h"

struct ra_report_ctx {
	const char *plan_path;
	const char *journal_path; /* NULL in a dry run without a journal */
	const char *engine_id; /* as reached; may be NULL */
	int dry_run;
	int exit_code;
};

/* The JSON report: {"report":"reclaim-apply","version":1,"tool_version",
 * "plan","plan_digest","journal" ("" in a dry
 * run),"engine_id","dry_run","started_at","finished_at","exit_code",
 * "totals":{...},"items":[{"id","kind","object","name","outcome","reason",
 * "bytes_freed","duration_ms"}]}. Owned; NULL with err when out of memory. */
cJSON *ra_report_json(const struct rc_plan *p, const struct ra_run *run,
		      const struct ra_report_ctx *ctx, struct rc_err *err);
int ra_report_write(const char *path, const struct rc_plan *p, const struct ra_run *run,
		    const struct ra_report_ctx *ctx, struct rc_err *err);

/* JUnit XML: one suite per source, one case per item. deleted,
 * already-absent, already-done and would-delete pass; changed and
 * not-attempted are skipped with the reason; failed is a failure. */
int ra_junit_write(const char *path, const struct rc_plan *p, const struct ra_run *run,
		   struct rc_err *err);

/* The end-of-run summary: counts per outcome, bytes reclaimed (human
 * units), then changed and failed items with their reasons. */
int ra_summary_text(const struct rc_plan *p, const struct ra_run *run,
		    const struct ra_report_ctx *ctx, struct rc_buf *out, struct rc_err *err);

/* What an unapproved plan would do, and the exact command that approves it. */
int ra_plan_overview_text(const struct rc_plan *p, const char *plan_path, struct rc_buf *out,
			  struct rc_err *err);

#endif
