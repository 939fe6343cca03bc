/* run_report.c: the summary, the JSON report and the JUnit XML of reclaim-apply. */
#include <stdio.h>
#include <string.h>

#include "fsutil.h"
#include "junit.h"
#include "run_report.h"
#include "source.h"
#include "units.h"

static int add_str(cJSON *o, const char *k, const char *v)
{
	return cJSON_AddStringToObject(o, k, v ? v : "") != NULL;
}

static int add_num(cJSON *o, const char *k, int64_t v)
{
	return cJSON_AddNumberToObject(o, k, (double)v) != NULL;
}

static int add_time(cJSON *o, const char *k, int64_t t)
{
	char buf[32];
	return add_str(o, k, rc_format_time(t, buf, sizeof(buf)));
}

static const char *item_name(const struct rc_plan_item *it)
{
	return it->name && *it->name ? it->name : "";
}

cJSON *ra_report_json(const struct rc_plan *p, const struct ra_run *run,
		      const struct ra_report_ctx *ctx, struct rc_err *err)
{
	cJSON *doc = cJSON_CreateObject(), *totals, *items;
	size_t i;
	int ok;

	if (!doc)
		goto nomem;
	ok = add_str(doc, "report", "reclaim-apply") && add_num(doc, "version", 1) &&
	     add_str(doc, "tool_version", RC_VERSION) && add_str(doc, "plan", ctx->plan_path) &&
	     add_str(doc, "plan_digest", p->digest) &&
	     add_str(doc, "journal", ctx->journal_path && !ctx->dry_run ? ctx->journal_path : "") &&
	     add_str(doc, "engine_id", ctx->engine_id) &&
	     cJSON_AddBoolToObject(doc, "dry_run", ctx->dry_run) &&
	     add_time(doc, "started_at", run->started_at) &&
	     add_time(doc, "finished_at", run->finished_at) &&
	     add_num(doc, "exit_code", ctx->exit_code);
	if (!ok)
		goto nomem;
	if (!(totals = cJSON_AddObjectToObject(doc, "totals")) ||
	    !add_num(totals, "items", (int64_t)run->n))
		goto nomem;
	for (i = 0; i < RA_OUTCOME_COUNT; i++)
		if (!add_num(totals, ra_outcome_name((enum ra_outcome)i), (int64_t)run->count[i]))
			goto nomem;
	if (!add_num(totals, "bytes_freed", run->bytes_freed) ||
	    !add_num(totals, "bytes_would_free", run->bytes_would_free))
		goto nomem;
	if (!(items = cJSON_AddArrayToObject(doc, "items")))
		goto nomem;
	for (i = 0; i < run->n; i++) {
		const struct ra_result *r = &run->results[i];
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddItemToArray(items, o))
			goto nomem_item;
		ok = add_str(o, "id", r->item->id) &&
		     add_str(o, "kind", rc_kind_name(r->item->kind)) &&
		     add_str(o, "object", r->item->object) &&
		     add_str(o, "name", item_name(r->item)) &&
		     add_str(o, "outcome", ra_outcome_name(r->outcome)) &&
		     add_str(o, "reason", r->reason) && add_num(o, "bytes_freed", r->bytes_freed) &&
		     add_num(o, "duration_ms", r->duration_ms);
		if (!ok)
			goto nomem;
		continue;
	nomem_item:
		cJSON_Delete(o);
		goto nomem;
	}
	return doc;
nomem:
	cJSON_Delete(doc);
	rc_err_nomem(err);
	return NULL;
}

int ra_report_write(const char *path, const struct rc_plan *p, const struct ra_run *run,
		    const struct ra_report_ctx *ctx, struct rc_err *err)
{
	cJSON *doc = ra_report_json(p, run, ctx, err);
	struct rc_buf out = RC_BUF_INIT;
	char *s;
	int rc = -1;

	if (!doc)
		return -1;
	rc_buf_init(&out, 0);
	s = cJSON_Print(doc);
	if (!s) {
		rc_err_nomem(err);
		goto out;
	}
	if (rc_buf_puts(&out, s, err) < 0 || rc_buf_puts(&out, "\n", err) < 0)
		goto out;
	rc = rc_write_file_atomic(path, out.data, out.len, 0666, err);
	if (rc < 0)
		rc_err_prefix(err, "cannot write the report");
out:
	cJSON_free(s);
	rc_buf_release(&out);
	cJSON_Delete(doc);
	return rc;
}

int ra_junit_write(const char *path, const struct rc_plan *p, const struct ra_run *run,
		   struct rc_err *err)
{
	struct rc_junit *ju = rc_junit_new("reclaim-apply");
	const char *suite = NULL;
	size_t i;
	int rc = -1;

	if (!ju)
		return rc_err_nomem(err);
	(void)p;
	for (i = 0; i < run->n; i++) {
		const struct ra_result *r = &run->results[i];
		struct rc_junit_case c;
		char cls[64];

		if (!suite || strcmp(suite, r->item->source) != 0) {
			suite = r->item->source;
			if (rc_junit_suite(ju, suite, err) < 0)
				goto out;
		}
		memset(&c, 0, sizeof(c));
		snprintf(cls, sizeof(cls), "%s.%s", r->item->source, rc_kind_name(r->item->kind));
		c.name = r->item->id;
		c.classname = cls;
		c.time = (double)r->duration_ms / 1000.0;
		c.system_out = ra_outcome_name(r->outcome);
		switch (r->outcome) {
		case RA_CHANGED:
		case RA_NOT_ATTEMPTED:
			c.result = RC_JUNIT_SKIP;
			c.message = r->reason;
			break;
		case RA_FAILED:
			c.result = RC_JUNIT_FAIL;
			c.message = r->reason;
			c.type = "failed";
			break;
		default:
			c.result = RC_JUNIT_PASS;
			break;
		}
		if (rc_junit_add(ju, &c, err) < 0)
			goto out;
	}
	rc = rc_junit_write(ju, path, err);
	if (rc < 0)
		rc_err_prefix(err, "cannot write the JUnit report");
out:
	rc_junit_free(ju);
	return rc;
}

/* The type's table of the source an item comes from, NULL when unknown. */
static const struct rc_source_ops *item_ops(const struct rc_plan *p, const struct rc_plan_item *it)
{
	size_t i;

	for (i = 0; i < p->n_sources; i++)
		if (p->sources[i].name && it->source && strcmp(p->sources[i].name, it->source) == 0)
			return rc_source_find(p->sources[i].type);
	return NULL;
}

/* "image 0123456789ab (app:old)": the kind and the object in its source
 * type's short form, then the human name when it is another. */
static int describe(struct rc_buf *out, const struct rc_plan *p, const struct rc_plan_item *it,
		    struct rc_err *err)
{
	const struct rc_source_ops *ops = item_ops(p, it);
	char name[256], label[320];

	if (ops && ops->object_label)
		ops->object_label(it, label, sizeof(label));
	else
		rc_sanitize(label, sizeof(label), it->object ? it->object : "");
	rc_sanitize(name, sizeof(name), item_name(it));
	if (rc_buf_printf(out, err, "%s %s", rc_kind_name(it->kind), label) < 0)
		return -1;
	if (name[0] && strcmp(name, it->object) != 0)
		return rc_buf_printf(out, err, " (%s)", name);
	return 0;
}

static int list_outcome(struct rc_buf *out, const struct rc_plan *p, const struct ra_run *run,
			enum ra_outcome o, const char *title, struct rc_err *err)
{
	size_t i;

	if (!run->count[o])
		return 0;
	if (rc_buf_printf(out, err, "%s:\n", title) < 0)
		return -1;
	for (i = 0; i < run->n; i++) {
		const struct ra_result *r = &run->results[i];
		if (r->outcome != o)
			continue;
		if (rc_buf_puts(out, "  ", err) < 0 || describe(out, p, r->item, err) < 0 ||
		    rc_buf_printf(out, err, ": %s\n", r->reason) < 0)
			return -1;
	}
	return 0;
}

int ra_summary_text(const struct rc_plan *p, const struct ra_run *run,
		    const struct ra_report_ctx *ctx, struct rc_buf *out, struct rc_err *err)
{
	char hs[32];
	size_t i;

	if (rc_buf_printf(out, err, "%splan %s: %zu item%s\n", ctx->dry_run ? "dry run: " : "",
			  p->digest, run->n, run->n == 1 ? "" : "s") < 0)
		return -1;
	for (i = 0; i < RA_OUTCOME_COUNT; i++) {
		if (!run->count[i])
			continue;
		if (rc_buf_printf(out, err, "  %-15s %zu\n", ra_outcome_name((enum ra_outcome)i),
				  run->count[i]) < 0)
			return -1;
	}
	if (ctx->dry_run) {
		if (rc_buf_printf(out, err, "would reclaim %s\n",
				  rc_human_size(run->bytes_would_free, hs, sizeof(hs))) < 0)
			return -1;
	} else if (rc_buf_printf(out, err, "reclaimed %s\n",
				 rc_human_size(run->bytes_freed, hs, sizeof(hs))) < 0) {
		return -1;
	}
	if (list_outcome(out, p, run, RA_CHANGED, "changed since the plan (skipped, not deleted)",
			 err) < 0 ||
	    list_outcome(out, p, run, RA_FAILED, "failed", err) < 0 ||
	    list_outcome(out, p, run, RA_NOT_ATTEMPTED, "not attempted", err) < 0)
		return -1;
	return 0;
}

int ra_plan_overview_text(const struct rc_plan *p, const char *plan_path, struct rc_buf *out,
			  struct rc_err *err)
{
	char hs[32], t[32];
	size_t i;

	if (rc_buf_printf(out, err, "plan %s\n", p->digest) < 0 ||
	    rc_buf_printf(out, err, "expires %s\n", rc_format_time(p->expires_at, t, sizeof(t))) <
		0)
		return -1;
	for (i = 0; i < p->n_sources; i++) {
		const struct rc_source_ops *ops = rc_source_find(p->sources[i].type);
		char src[128], title[512];

		rc_sanitize(src, sizeof(src), p->sources[i].name);
		if (ops && ops->source_title)
			ops->source_title(&p->sources[i], title, sizeof(title));
		else
			rc_sanitize(title, sizeof(title),
				    p->sources[i].type ? p->sources[i].type : "?");
		if (rc_buf_printf(out, err, "source %s: %s\n", src, title) < 0)
			return -1;
	}
	if (rc_buf_printf(out, err, "%zu candidate%s, reclaimable %s:\n", p->n_candidates,
			  p->n_candidates == 1 ? "" : "s",
			  rc_human_size(p->summary.bytes_freed_now, hs, sizeof(hs))) < 0)
		return -1;
	for (i = 0; i < p->n_candidates; i++) {
		const struct rc_plan_item *it = &p->candidates[i];
		char reason[256];

		rc_sanitize(reason, sizeof(reason), it->reason);
		if (rc_buf_puts(out, "  ", err) < 0 || describe(out, p, it, err) < 0 ||
		    rc_buf_printf(
			out, err, "  %s  %s\n",
			rc_human_size(it->reclaimable > 0 ? it->reclaimable : 0, hs, sizeof(hs)),
			reason) < 0)
			return -1;
	}
	if (rc_buf_printf(out, err, "to apply it after review:\n  reclaim-apply --approve %s ",
			  p->digest) < 0 ||
	    rc_buf_shell_quote(out, plan_path, err) < 0 || rc_buf_puts(out, "\n", err) < 0)
		return -1;
	return 0;
}
