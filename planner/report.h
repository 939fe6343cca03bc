/* report.h: the planner's outputs besides the plan JSON: CSV (csv.c),
 * JUnit XML and the human summary (report.c). docs/outputs.md describes the
 * formats. All writers take a sealed plan. */
#ifndef RP_REPORT_H
#define RP_REPORT_H

#include <stdio.h>

#include "buf.h"
#include "err.h"
#include "plan.h"

/* The CSV document (header row, one row per candidate with action "delete",
 * then one per protected object with action "keep"), fields quoted by
 * libcsv. Appends to out, which the caller initialised. */
int rp_csv_render(const struct rc_plan *p, struct rc_buf *out, struct rc_err *err);
/* Renders and writes path atomically (mode 0666 less the umask; "-" is stdout). */
int rp_csv_write(const struct rc_plan *p, const char *path, struct rc_err *err);

/* The JUnit XML document: one testsuite per source, one testcase per item;
 * a candidate is a <failure type="candidate">, a protected object passes with
 * its reason in <system-out>. Appends to out. */
int rp_junit_render(const struct rc_plan *p, struct rc_buf *out, struct rc_err *err);

enum rp_summary_mode { RP_SUMMARY_NORMAL = 0, RP_SUMMARY_VERBOSE, RP_SUMMARY_QUIET };

/* Prints the human summary of a sealed plan to f: the candidate table, the
 * totals (freed now by engines, freed after registry GC), the digest and the
 * reclaim-apply command for plan_path (NULL: not saved; "-": stdout).
 * VERBOSE also lists the protected objects; QUIET prints only the digest.
 * Server-supplied text is sanitised. */
void rp_summary_print(FILE *f, const struct rc_plan *p, const char *plan_path,
		      enum rp_summary_mode mode);

#endif
