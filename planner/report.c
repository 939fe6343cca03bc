/* report.c: JUnit XML and the human summary of a plan. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "junit.h"
#include "report.h"
#include "source.h"
#include "units.h"

static int junit_item(struct rc_junit *j, const struct rc_plan_item *it, int candidate,
		      struct rc_err *err)
{
	struct rc_junit_case c;
	struct rc_buf msg = RC_BUF_INIT, out = RC_BUF_INIT, cls = RC_BUF_INIT;
	char sz[32], rc_[32];
	int rc = -1;

	rc_buf_init(&msg, 0);
	rc_buf_init(&out, 0);
	rc_buf_init(&cls, 0);
	memset(&c, 0, sizeof(c));
	rc_human_size(it->size > 0 ? it->size : 0, sz, sizeof(sz));
	rc_human_size(it->reclaimable > 0 ? it->reclaimable : 0, rc_, sizeof(rc_));
	if (rc_buf_printf(&cls, err, "%s.%s", it->source, rc_kind_name(it->kind)) < 0)
		goto out;
	if (candidate) {
		if (rc_buf_printf(&msg, err, "would delete: %s", it->reason) < 0 ||
		    rc_buf_printf(&out, err, "rule: %s\nreason: %s\nsize: %s\nreclaimable: %s\n",
				  it->rule, it->reason, sz, rc_) < 0)
			goto out;
		c.result = RC_JUNIT_FAIL;
		c.type = "candidate";
		c.message = msg.data;
	} else {
		if (rc_buf_printf(&out, err, "kept by %s: %s\n", it->rule, it->reason) < 0)
			goto out;
		c.result = RC_JUNIT_PASS;
	}
	c.name = it->id;
	c.classname = cls.data;
	c.system_out = out.data;
	rc = rc_junit_add(j, &c, err);
out:
	rc_buf_release(&msg);
	rc_buf_release(&out);
	rc_buf_release(&cls);
	return rc;
}

int rp_junit_render(const struct rc_plan *p, struct rc_buf *out, struct rc_err *err)
{
	struct rc_junit *j = rc_junit_new("reclaim-plan");
	size_t s, i;
	int rc = -1;

	if (!j)
		return rc_err_nomem(err);
	for (s = 0; s < p->n_sources; s++) {
		const char *name = p->sources[s].name ? p->sources[s].name : "";
		if (rc_junit_suite(j, name, err) < 0)
			goto out;
		for (i = 0; i < p->n_candidates; i++)
			if (strcmp(p->candidates[i].source, name) == 0 &&
			    junit_item(j, &p->candidates[i], 1, err) < 0)
				goto out;
		for (i = 0; i < p->n_protected; i++)
			if (strcmp(p->protected_items[i].source, name) == 0 &&
			    junit_item(j, &p->protected_items[i], 0, err) < 0)
				goto out;
	}
	rc = rc_junit_render(j, out, err);
out:
	rc_junit_free(j);
	return rc;
}

/* ---- human summary --------------------------------------------------------- */

/* The OBJECT column: what reclaim-apply deletes, never a name. A volume's
 * identity is its name, printed whole; IDs as docker prints them, 12 hex
 * digits without "sha256:" (the plan and the CSV hold the full ID). */
static void object_column(const struct rc_plan_item *it, char *out, size_t outsz)
{
	const char *o = it->object ? it->object : "";
	char raw[300];

	if (strncmp(o, "sha256:", 7) == 0)
		o += 7;
	snprintf(raw, sizeof(raw), "%.*s", it->kind == RC_KIND_VOLUME ? 255 : 12, o);
	rc_sanitize(out, outsz, raw);
}

/* The NAME column: the human name, "-" when there is none or when it is the
 * object itself (volumes), "<none>" for an untagged image. */
static void display_name(const struct rc_plan_item *it, char *out, size_t outsz)
{
	const char *n = it->name ? it->name : "";

	if (!n[0] || (it->object && strcmp(n, it->object) == 0))
		n = it->kind == RC_KIND_IMAGE ? "<none>" : "-";
	rc_sanitize(out, outsz, n);
	if (strlen(out) > 40 && outsz > 41)
		memcpy(out + 37, "...", 4);
}

static void print_table(FILE *f, const struct rc_plan_item *items, size_t n, int kept)
{
	size_t i;

	fprintf(f, "%-12s %-12s %-40s %-9s %-11s %-20s %s\n", "KIND", "OBJECT", "NAME", "SIZE",
		kept ? "" : "RECLAIMABLE", kept ? "PROTECTION" : "RULE", "REASON");
	for (i = 0; i < n; i++) {
		const struct rc_plan_item *it = &items[i];
		char obj[320], name[512], sz[32], rc[32], rule[128], reason[512];

		object_column(it, obj, sizeof(obj));
		display_name(it, name, sizeof(name));
		if (it->size >= 0)
			rc_human_size(it->size, sz, sizeof(sz));
		else
			snprintf(sz, sizeof(sz), "?");
		rc_human_size(it->reclaimable > 0 ? it->reclaimable : 0, rc, sizeof(rc));
		rc_sanitize(rule, sizeof(rule), it->rule ? it->rule : "");
		rc_sanitize(reason, sizeof(reason), it->reason ? it->reason : "");
		fprintf(f, "%-12s %-12s %-40s %-9s %-11s %-20s %s\n", rc_kind_name(it->kind), obj,
			name, sz, kept ? "" : rc, rule, reason);
	}
}

/* The table of the source an item is from, NULL when unknown. */
static const struct rc_source_ops *item_ops(const struct rc_plan *p, const struct rc_plan_item *it)
{
	size_t s;

	for (s = 0; s < p->n_sources; s++)
		if (p->sources[s].name && it->source && !strcmp(p->sources[s].name, it->source))
			return rc_source_find(p->sources[s].type);
	return NULL;
}

/* One candidate of a source that frees space only at its GC, by repository. */
struct repo_row {
	const char *source;
	char repo[256];
	int kind;
	int collateral;
	int64_t bytes;
};

static int cmp_repo_row(const void *pa, const void *pb)
{
	const struct repo_row *a = pa, *b = pb;
	int c = strcmp(a->source, b->source);

	return c ? c : strcmp(a->repo, b->repo);
}

/* Registry and DTR candidates grouped by repository: tags, manifests, the
 * collateral among them (rp_item_is_collateral: index children, referrers,
 * tags that go with a manifest) and the bytes they free after GC (the sum
 * of the items' figures: blobs shared between two deleted manifests count
 * in both, unlike the plan's total). Nothing for a plan without such
 * candidates. */
static void print_by_repository(FILE *f, const struct rc_plan *p)
{
	struct repo_row *rows = calloc(p->n_candidates + 1, sizeof(*rows));
	size_t n = 0, i, j;

	if (!rows)
		return;
	for (i = 0; i < p->n_candidates; i++) {
		const struct rc_plan_item *it = &p->candidates[i];
		const struct rc_source_ops *ops = item_ops(p, it);
		const char *obj = it->object ? it->object : "", *end;

		if (!ops || ops->frees_at_once ||
		    (it->kind != RC_KIND_MANIFEST && it->kind != RC_KIND_TAG))
			continue;
		end = it->kind == RC_KIND_MANIFEST ? strchr(obj, '@') : strrchr(obj, ':');
		if (!end)
			continue;
		rows[n].source = it->source;
		rc_sanitize(rows[n].repo, sizeof(rows[n].repo), obj);
		if ((size_t)(end - obj) < sizeof(rows[n].repo))
			rows[n].repo[end - obj] = '\0';
		rows[n].kind = it->kind;
		rows[n].collateral = rp_item_is_collateral(it);
		/* a registry's tag frees nothing of its own (its manifest
		 * holds the bytes); a DTR's tag carries what it frees */
		rows[n].bytes = it->reclaimable > 0 ? it->reclaimable : 0;
		n++;
	}
	if (n) {
		qsort(rows, n, sizeof(*rows), cmp_repo_row);
		fprintf(f, "\nBy repository (bytes free after the registry's GC):\n");
		fprintf(f, "%-28s %-40s %6s %9s %10s %11s\n", "SOURCE", "REPOSITORY", "TAGS",
			"MANIFESTS", "COLLATERAL", "AFTER GC");
	}
	for (i = 0; i < n; i = j) {
		size_t tags = 0, mans = 0, coll = 0;
		int64_t bytes = 0;
		char src[64], sz[32];

		for (j = i; j < n && !cmp_repo_row(&rows[i], &rows[j]); j++) {
			tags += rows[j].kind == RC_KIND_TAG;
			mans += rows[j].kind == RC_KIND_MANIFEST;
			coll += (size_t)rows[j].collateral;
			bytes += rows[j].bytes;
		}
		rc_sanitize(src, sizeof(src), rows[i].source);
		fprintf(f, "%-28s %-40s %6zu %9zu %10zu %11s\n", src, rows[i].repo, tags, mans,
			coll, rc_human_size(bytes, sz, sizeof(sz)));
	}
	free(rows);
}

void rp_summary_print(FILE *f, const struct rc_plan *p, const char *plan_path,
		      enum rp_summary_mode mode)
{
	char now[32], gc[32], t[32];
	size_t s;
	int k, first = 1, dtr = 0, reg = 0, harbor = 0;

	if (mode == RP_SUMMARY_QUIET) {
		fprintf(f, "%s\n", p->digest ? p->digest : "");
		return;
	}
	for (s = 0; s < p->n_sources; s++) {
		const struct rc_plan_source *src = &p->sources[s];
		char name[256], ep[256];
		const char *api = rc_plan_source_str(src, "api_version");
		const struct rc_source_ops *ops = rc_source_find(src->type);
		if (!api && ops && ops->source_title) {
			char title[300];
			ops->source_title(src, title, sizeof(title));
			fprintf(f, "Scanned %s, %s\n", title,
				rc_format_time(src->scanned_at, t, sizeof(t)));
			dtr |= strcmp(src->type, "dtr") == 0;
			reg |= strcmp(src->type, "registry") == 0;
			harbor |= strcmp(src->type, "harbor") == 0;
			continue;
		}
		rc_sanitize(name, sizeof(name),
			    rc_plan_source_str(src, "name") ? rc_plan_source_str(src, "name") : "");
		rc_sanitize(ep, sizeof(ep), src->endpoint ? src->endpoint : "");
		fprintf(f, "Scanned %s '%s' at %s (API %s), %s\n", src->type ? src->type : "source",
			name, ep, api ? api : "?", rc_format_time(src->scanned_at, t, sizeof(t)));
	}
	fputc('\n', f);
	if (p->n_candidates) {
		print_table(f, p->candidates, p->n_candidates, 0);
		print_by_repository(f, p);
	} else {
		fprintf(f, "Nothing to delete.\n");
	}
	if (mode == RP_SUMMARY_VERBOSE && p->n_protected) {
		fprintf(f, "\nProtected:\n");
		print_table(f, p->protected_items, p->n_protected, 1);
	}
	fprintf(f, "\n%zu candidate%s (", p->summary.candidates,
		p->summary.candidates == 1 ? "" : "s");
	for (k = 0; k < RC_KIND_COUNT; k++) {
		if (!p->summary.count_by_kind[k])
			continue;
		size_t n = p->summary.count_by_kind[k];
		fprintf(f, "%s%zu %s%s", first ? "" : ", ", n,
			k == RC_KIND_BUILD_CACHE ? "build-cache record"
						 : rc_kind_name((enum rc_kind)k),
			n == 1 ? "" : "s");
		first = 0;
	}
	fprintf(f, "%s), %zu protected%s\n", first ? "none" : "", p->summary.protected_count,
		mode == RP_SUMMARY_VERBOSE ? "" : " (-v lists them)");
	fprintf(f, "Freed now (engine):        %s\n",
		rc_human_size(p->summary.bytes_freed_now, now, sizeof(now)));
	fprintf(f, "Freed after registry GC:   %s\n",
		rc_human_size(p->summary.bytes_freed_after_gc, gc, sizeof(gc)));
	if (p->summary.bytes_freed_after_gc > 0 && reg)
		fprintf(f, "  (a registry frees space only at its garbage collection; for\n"
			   "  distribution: make it read-only, then run\n"
			   "  'registry garbage-collect CONFIG')\n");
	if (p->summary.bytes_freed_after_gc > 0 && dtr)
		fprintf(f, "  (a DTR frees them when its online garbage collection job next\n"
			   "  runs: System > Garbage collection, or its schedule)\n");
	if (p->summary.bytes_freed_after_gc > 0 && harbor)
		fprintf(f, "  (Harbor frees space only when its garbage collection runs:\n"
			   "  Administration > Clean Up, its schedule, or reclaim-apply\n"
			   "  --trigger-gc; sizes are Harbor's per-artifact figures, an\n"
			   "  upper bound: see docs/harbor.md)\n");
	fprintf(f, "Plan digest: %s\n", p->digest ? p->digest : "");
	fprintf(f, "Expires:     %s\n", rc_format_time(p->expires_at, t, sizeof(t)));
	if (!p->n_candidates)
		return;
	if (!plan_path)
		fprintf(f, "\nThe plan was not saved; run again with -o plan.json to review and "
			   "apply it.\n");
	else if (strcmp(plan_path, "-") == 0)
		fprintf(f,
			"\nTo apply, save the plan written to stdout and run:\n"
			"  reclaim-apply --approve %s PLAN.json\n",
			p->digest);
	else {
		struct rc_buf q = RC_BUF_INIT;

		rc_buf_init(&q, 0);
		if (rc_buf_shell_quote(&q, plan_path, NULL) < 0)
			rc_buf_reset(&q);
		fprintf(f, "\nTo apply exactly this plan, run:\n  reclaim-apply --approve %s %s\n",
			p->digest, q.data);
		rc_buf_release(&q);
	}
}
