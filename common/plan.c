/* plan.c: the plan model, its JSON form, canonical digest and loader. The
 * wire format is specified in docs/plan-format.md and docs/plan.schema.json. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fsutil.h"
#include "jcs.h"
#include "plan.h"
#include "schema.h"
#include "sha256.h"
#include "source.h"
#include "units.h"

#ifndef RC_VERSION
#define RC_VERSION "unknown"
#endif

static const char *const kind_names[RC_KIND_COUNT] = {
    "container", "image", "volume", "network", "build-cache", "tag", "manifest"};

const char *rc_kind_name(enum rc_kind k)
{
	if ((unsigned)k < RC_KIND_COUNT)
		return kind_names[k];
	return "unknown";
}

int rc_kind_parse(const char *s)
{
	for (int i = 0; s && i < RC_KIND_COUNT; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

/* ---- model ---------------------------------------------------------------- */

void rc_plan_init(struct rc_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->version = RC_PLAN_VERSION;
}

void rc_plan_item_release(struct rc_plan_item *it)
{
	if (!it)
		return;
	free(it->id);
	free(it->source);
	free(it->object);
	free(it->name);
	rc_strv_release(&it->refs);
	free(it->rule);
	free(it->reason);
	rc_strv_release(&it->pre.tags);
	rc_strv_release(&it->pre.users_in_plan);
	free(it->pre.started_at);
	free(it->pre.finished_at);
	free(it->pre.digest);
	free(it->pre.pulled_at);
	memset(it, 0, sizeof(*it));
}

static void source_release(struct rc_plan_source *s)
{
	free(s->name);
	free(s->type);
	free(s->endpoint);
	cJSON_Delete(s->identity);
	memset(s, 0, sizeof(*s));
}

void rc_plan_release(struct rc_plan *p)
{
	if (!p)
		return;
	free(p->tool_version);
	cJSON_Delete(p->policy);
	free(p->policy_digest);
	for (size_t i = 0; i < p->n_sources; i++)
		source_release(&p->sources[i]);
	free(p->sources);
	for (size_t i = 0; i < p->n_candidates; i++)
		rc_plan_item_release(&p->candidates[i]);
	free(p->candidates);
	for (size_t i = 0; i < p->n_protected; i++)
		rc_plan_item_release(&p->protected_items[i]);
	free(p->protected_items);
	free(p->digest);
	rc_plan_init(p);
}

/* Makes room for element n of *arr. Capacity is implied by n: 8, then powers
 * of two, so appends stay amortised O(1) without a capacity field. */
static int reserve(void *arr, size_t n, size_t elsz, struct rc_err *err)
{
	void **pp = arr;
	size_t cap;
	void *q;

	if (n == 0)
		cap = 8;
	else if (n >= 8 && (n & (n - 1)) == 0)
		cap = n * 2;
	else
		return 0;
	if (cap > SIZE_MAX / elsz)
		return rc_err_nomem(err);
	q = realloc(*pp, cap * elsz);
	if (!q)
		return rc_err_nomem(err);
	*pp = q;
	return 0;
}

static int add_item(struct rc_plan_item **arr, size_t *n, struct rc_plan_item *it,
		    struct rc_err *err)
{
	if (reserve(arr, *n, sizeof(**arr), err) < 0)
		return -1;
	(*arr)[(*n)++] = *it;
	memset(it, 0, sizeof(*it));
	return 0;
}

int rc_plan_add_candidate(struct rc_plan *p, struct rc_plan_item *it, struct rc_err *err)
{
	return add_item(&p->candidates, &p->n_candidates, it, err);
}

int rc_plan_add_protected(struct rc_plan *p, struct rc_plan_item *it, struct rc_err *err)
{
	return add_item(&p->protected_items, &p->n_protected, it, err);
}

int rc_plan_add_source(struct rc_plan *p, struct rc_plan_source *src, struct rc_err *err)
{
	if (reserve(&p->sources, p->n_sources, sizeof(*p->sources), err) < 0)
		return -1;
	p->sources[p->n_sources++] = *src;
	memset(src, 0, sizeof(*src));
	return 0;
}

const char *rc_plan_source_str(const struct rc_plan_source *src, const char *key)
{
	const cJSON *v = src ? cJSON_GetObjectItemCaseSensitive(src->identity, key) : NULL;

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const struct rc_plan_source *find_source(const struct rc_plan *p, const char *name)
{
	for (size_t i = 0; name && i < p->n_sources; i++)
		if (p->sources[i].name && strcmp(p->sources[i].name, name) == 0)
			return &p->sources[i];
	return NULL;
}

void rc_plan_summarise(struct rc_plan *p)
{
	struct rc_plan_summary *s = &p->summary;

	memset(s, 0, sizeof(*s));
	s->candidates = p->n_candidates;
	s->protected_count = p->n_protected;
	for (size_t i = 0; i < p->n_candidates; i++) {
		const struct rc_plan_item *it = &p->candidates[i];
		const struct rc_plan_source *src = find_source(p, it->source);
		int64_t b = it->reclaimable > 0 ? it->reclaimable : 0;

		if ((unsigned)it->kind >= RC_KIND_COUNT)
			continue;
		s->count_by_kind[it->kind]++;
		s->bytes_by_kind[it->kind] = rc_size_add(s->bytes_by_kind[it->kind], b);
		/* Engines free space at once; registries only after their GC. */
		if (!src || !rc_source_find(src->type) || rc_source_find(src->type)->frees_at_once)
			s->bytes_freed_now = rc_size_add(s->bytes_freed_now, b);
		else
			s->bytes_freed_after_gc = rc_size_add(s->bytes_freed_after_gc, b);
	}
}

/* ---- to JSON ------------------------------------------------------------- */

static int add_int(cJSON *obj, const char *key, int64_t v, struct rc_err *err)
{
	cJSON *n;
	char lit[32];

	if (v > RC_MAX_EXACT_INT || v < -RC_MAX_EXACT_INT)
		return rc_err_set(err, RC_ERR_PLAN,
				  "'%s' value %" PRId64
				  " is beyond 2^53-1 and cannot be written exactly",
				  key, v);
	if (v >= -2147483647LL && v <= 2147483647LL) {
		n = cJSON_CreateNumber((double)v);
	} else {
		/* cJSON would print large doubles as 1e+15; a Raw keeps digits. */
		snprintf(lit, sizeof(lit), "%" PRId64, v);
		n = cJSON_CreateRaw(lit);
	}
	if (!n || !cJSON_AddItemToObject(obj, key, n)) {
		cJSON_Delete(n);
		return rc_err_nomem(err);
	}
	return 0;
}

static int add_str(cJSON *obj, const char *key, const char *v, struct rc_err *err)
{
	if (!cJSON_AddStringToObject(obj, key, v ? v : ""))
		return rc_err_nomem(err);
	return 0;
}

static int add_time(cJSON *obj, const char *key, int64_t t, int nullable, struct rc_err *err)
{
	char buf[64];

	if (nullable && t <= 0) {
		if (!cJSON_AddNullToObject(obj, key))
			return rc_err_nomem(err);
		return 0;
	}
	return add_str(obj, key, rc_format_time(t, buf, sizeof(buf)), err);
}

static int add_strv(cJSON *obj, const char *key, const struct rc_strv *v, struct rc_err *err)
{
	cJSON *a = cJSON_AddArrayToObject(obj, key);

	if (!a)
		return rc_err_nomem(err);
	for (size_t i = 0; i < v->n; i++) {
		cJSON *s = cJSON_CreateString(v->v[i] ? v->v[i] : "");
		if (!s || !cJSON_AddItemToArray(a, s)) {
			cJSON_Delete(s);
			return rc_err_nomem(err);
		}
	}
	return 0;
}

static int nonempty(const char *s)
{
	return s && *s;
}

/* Version 2: each kind records its own preconditions, and only those. */
static int add_preconditions(cJSON *pre, const struct rc_plan_item *it, struct rc_err *err)
{
	switch (it->kind) {
	case RC_KIND_CONTAINER:
		if ((it->pre.started_at && add_str(pre, "started_at", it->pre.started_at, err) < 0) ||
		    (it->pre.finished_at && add_str(pre, "finished_at", it->pre.finished_at, err) < 0))
			return -1;
		return 0;
	case RC_KIND_IMAGE:
		if (add_strv(pre, "tags", &it->pre.tags, err) < 0 ||
		    add_strv(pre, "users_in_plan", &it->pre.users_in_plan, err) < 0)
			return -1;
		return 0;
	case RC_KIND_BUILD_CACHE:
		if (it->pre.usage_count >= 0 && add_int(pre, "usage_count", it->pre.usage_count, err) < 0)
			return -1;
		return 0;
	case RC_KIND_TAG:
		if (it->pre.pulled_at && add_str(pre, "pulled_at", it->pre.pulled_at, err) < 0)
			return -1;
		return add_str(pre, "digest", it->pre.digest, err);
	case RC_KIND_MANIFEST:
		if (it->pre.pulled_at && add_str(pre, "pulled_at", it->pre.pulled_at, err) < 0)
			return -1;
		return add_strv(pre, "tags", &it->pre.tags, err);
	default:
		return 0;
	}
}

/* The kinds summary.by_kind lists: version 1, the engine's five; version 2,
 * exactly those the plan's source types can hold. */
static void summary_kinds(const struct rc_plan *p, int version, int want[RC_KIND_COUNT])
{
	size_t i, k;

	memset(want, 0, sizeof(int) * RC_KIND_COUNT);
	if (version < 2) {
		for (k = 0; k <= RC_KIND_BUILD_CACHE; k++)
			want[k] = 1;
		return;
	}
	for (i = 0; i < p->n_sources; i++) {
		const struct rc_source_ops *ops = rc_source_find(p->sources[i].type);
		for (k = 0; ops && k < ops->n_kinds; k++)
			want[ops->kinds[k]] = 1;
	}
}

static int item_to_json(const struct rc_plan_item *it, int version, int candidate,
			const char *where, size_t index, cJSON *arr, struct rc_err *err)
{
	struct rc_buf id = RC_BUF_INIT;
	cJSON *o = cJSON_CreateObject(), *pre;
	int rc = -1;

	rc_buf_init(&id, 0);
	if (!o || !cJSON_AddItemToArray(arr, o)) {
		cJSON_Delete(o);
		return rc_err_nomem(err);
	}
	if ((unsigned)it->kind >= RC_KIND_COUNT || !nonempty(it->source) || !nonempty(it->object) ||
	    !nonempty(it->rule)) {
		rc_err_set(err, RC_ERR_PLAN, "%s[%zu]: item needs a kind, source, object and rule",
			   where, index);
		goto out;
	}
	if (rc_buf_printf(&id, err, "%s/%s/%s", it->source, rc_kind_name(it->kind), it->object) < 0)
		goto out;
	if (it->id && strcmp(it->id, id.data) != 0) {
		rc_err_set(err, RC_ERR_PLAN, "%s[%zu]: item id '%s' is not '%s'", where, index,
			   it->id, id.data);
		goto out;
	}
	if (add_str(o, "id", id.data, err) < 0 || add_str(o, "source", it->source, err) < 0 ||
	    add_str(o, "kind", rc_kind_name(it->kind), err) < 0 ||
	    add_str(o, "object", it->object, err) < 0 || add_str(o, "name", it->name, err) < 0 ||
	    add_strv(o, "refs", &it->refs, err) < 0 || add_int(o, "size", it->size, err) < 0 ||
	    add_int(o, "reclaimable", it->reclaimable, err) < 0 ||
	    add_time(o, "created_at", it->created, 1, err) < 0 ||
	    add_time(o, "last_used_at", it->last_used, 1, err) < 0 ||
	    add_str(o, "rule", it->rule, err) < 0 || add_str(o, "reason", it->reason, err) < 0)
		goto out;
	if (candidate) {
		pre = cJSON_AddObjectToObject(o, "preconditions");
		if (!pre) {
			rc_err_nomem(err);
			goto out;
		}
		if (version >= 2) {
			if (add_preconditions(pre, it, err) < 0)
				goto out;
		} else if (add_strv(pre, "tags", &it->pre.tags, err) < 0 ||
		    add_strv(pre, "users_in_plan", &it->pre.users_in_plan, err) < 0 ||
		    (it->pre.started_at && add_str(pre, "started_at", it->pre.started_at, err) < 0) ||
		    (it->pre.finished_at &&
		     add_str(pre, "finished_at", it->pre.finished_at, err) < 0) ||
		    (it->kind == RC_KIND_BUILD_CACHE && it->pre.usage_count >= 0 &&
		     add_int(pre, "usage_count", it->pre.usage_count, err) < 0))
			goto out;
	}
	rc = 0;
out:
	rc_buf_release(&id);
	return rc;
}

static int plan_version(const struct rc_plan *p)
{
	return p->version ? p->version : RC_PLAN_VERSION;
}

/* The document without its item lists and digest: every member before
 * "candidates", in the documented order. The items are written one at a
 * time (write_items), so that a plan of 100k items never exists as one
 * cJSON tree. */
static cJSON *plan_skeleton(const struct rc_plan *p, struct rc_err *err)
{
	cJSON *root = cJSON_CreateObject(), *o, *a, *bk, *policy = NULL;
	char *pdigest = NULL;
	struct rc_plan_summary sum;
	int version = plan_version(p), want[RC_KIND_COUNT];

	if (!root)
		goto nomem;
	if (version < RC_PLAN_VERSION_MIN || version > RC_PLAN_VERSION) {
		rc_err_set(err, RC_ERR_PLAN, "cannot write plan version %d", version);
		goto fail;
	}
	if (add_str(root, "format", RC_PLAN_FORMAT, err) < 0 ||
	    add_int(root, "version", version, err) < 0)
		goto fail;
	o = cJSON_AddObjectToObject(root, "tool");
	if (!o)
		goto nomem;
	if (add_str(o, "name", "reclaim", err) < 0 ||
	    add_str(o, "version", nonempty(p->tool_version) ? p->tool_version : RC_VERSION, err) <
		0 ||
	    add_time(root, "created_at", p->created_at, 0, err) < 0 ||
	    add_time(root, "expires_at", p->expires_at, 0, err) < 0)
		goto fail;

	policy = p->policy ? cJSON_Duplicate(p->policy, 1) : cJSON_CreateObject();
	if (!policy)
		goto nomem;
	if (!cJSON_IsObject(policy)) {
		cJSON_Delete(policy);
		rc_err_set(err, RC_ERR_PLAN, "the plan's policy is not a JSON object");
		goto fail;
	}
	if (!cJSON_AddItemToObject(root, "policy", policy)) {
		cJSON_Delete(policy);
		goto nomem;
	}
	if (p->policy_digest) {
		if (!rc_digest_valid(p->policy_digest)) {
			rc_err_set(err, RC_ERR_PLAN, "policy digest '%s' is not sha256:<64 hex>",
				   p->policy_digest);
			goto fail;
		}
		if (add_str(root, "policy_digest", p->policy_digest, err) < 0)
			goto fail;
	} else {
		pdigest = rc_json_digest(policy, err);
		if (!pdigest || add_str(root, "policy_digest", pdigest, err) < 0)
			goto fail;
	}

	a = cJSON_AddArrayToObject(root, "sources");
	if (!a)
		goto nomem;
	for (size_t i = 0; i < p->n_sources; i++) {
		const struct rc_plan_source *s = &p->sources[i];
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			goto nomem;
		}
		if (version >= 2) {
			cJSON *id = s->identity ? cJSON_Duplicate(s->identity, 1)
						: cJSON_CreateObject();
			if (add_str(o, "name", s->name, err) < 0 ||
			    add_str(o, "type", s->type, err) < 0 ||
			    add_str(o, "endpoint", s->endpoint, err) < 0 ||
			    add_time(o, "scanned_at", s->scanned_at, 0, err) < 0) {
				cJSON_Delete(id);
				goto fail;
			}
			if (!id || !cJSON_AddItemToObject(o, "identity", id)) {
				cJSON_Delete(id);
				goto nomem;
			}
			continue;
		}
		/* version 1: an engine's identity in flat members */
		if (add_str(o, "name", s->name, err) < 0 || add_str(o, "type", s->type, err) < 0 ||
		    add_str(o, "endpoint", s->endpoint, err) < 0 ||
		    add_str(o, "engine_id", rc_plan_source_str(s, "id"), err) < 0 ||
		    add_str(o, "engine_name", rc_plan_source_str(s, "name"), err) < 0 ||
		    add_str(o, "api_version", rc_plan_source_str(s, "api_version"), err) < 0 ||
		    add_time(o, "scanned_at", s->scanned_at, 0, err) < 0 ||
		    (rc_plan_source_str(s, "clock") &&
		     add_str(o, "engine_time", rc_plan_source_str(s, "clock"), err) < 0))
			goto fail;
	}

	/* Counts always describe the items actually written; byte totals are
	 * the caller's (rc_plan_summarise, or the planner's own figures). */
	{
		struct rc_plan tmp = *p;
		rc_plan_summarise(&tmp);
		sum = p->summary;
		sum.candidates = tmp.summary.candidates;
		sum.protected_count = tmp.summary.protected_count;
		memcpy(sum.count_by_kind, tmp.summary.count_by_kind, sizeof(sum.count_by_kind));
	}
	o = cJSON_AddObjectToObject(root, "summary");
	if (!o)
		goto nomem;
	if (add_int(o, "candidates", (int64_t)sum.candidates, err) < 0 ||
	    add_int(o, "protected", (int64_t)sum.protected_count, err) < 0 ||
	    add_int(o, "bytes_freed_now", sum.bytes_freed_now, err) < 0 ||
	    add_int(o, "bytes_freed_after_gc", sum.bytes_freed_after_gc, err) < 0)
		goto fail;
	bk = cJSON_AddObjectToObject(o, "by_kind");
	if (!bk)
		goto nomem;
	summary_kinds(p, version, want);
	for (int k = 0; k < RC_KIND_COUNT; k++) {
		cJSON *ko;
		if (!want[k])
			continue;
		ko = cJSON_AddObjectToObject(bk, kind_names[k]);
		if (!ko)
			goto nomem;
		if (add_int(ko, "count", (int64_t)sum.count_by_kind[k], err) < 0 ||
		    add_int(ko, "bytes", sum.bytes_by_kind[k], err) < 0)
			goto fail;
	}

	free(pdigest);
	return root;
nomem:
	rc_err_nomem(err);
fail:
	free(pdigest);
	cJSON_Delete(root);
	return NULL;
}

/* One item as a JSON object of its own. */
static cJSON *item_json(const struct rc_plan_item *it, int version, int candidate,
			const char *where, size_t index, struct rc_err *err)
{
	cJSON *arr = cJSON_CreateArray(), *o = NULL;

	if (!arr) {
		rc_err_nomem(err);
		return NULL;
	}
	if (item_to_json(it, version, candidate, where, index, arr, err) == 0)
		o = cJSON_DetachItemFromArray(arr, 0);
	cJSON_Delete(arr);
	return o;
}

cJSON *rc_plan_to_json(const struct rc_plan *p, int with_digest, struct rc_err *err)
{
	cJSON *root = plan_skeleton(p, err), *a;
	int version = plan_version(p);

	if (!root)
		return NULL;
	a = cJSON_AddArrayToObject(root, "candidates");
	if (!a)
		goto nomem;
	for (size_t i = 0; i < p->n_candidates; i++)
		if (item_to_json(&p->candidates[i], version, 1, "candidates", i, a, err) < 0)
			goto fail;
	a = cJSON_AddArrayToObject(root, "protected");
	if (!a)
		goto nomem;
	for (size_t i = 0; i < p->n_protected; i++)
		if (item_to_json(&p->protected_items[i], version, 0, "protected", i, a, err) < 0)
			goto fail;

	if (with_digest) {
		if (!rc_digest_valid(p->digest)) {
			rc_err_set(err, RC_ERR_INTERNAL, "plan is not sealed: no valid digest");
			goto fail;
		}
		if (add_str(root, "digest", p->digest, err) < 0)
			goto fail;
	}
	return root;
nomem:
	rc_err_nomem(err);
fail:
	cJSON_Delete(root);
	return NULL;
}

char *rc_json_digest(const cJSON *json, struct rc_err *err)
{
	struct rc_buf canon = RC_BUF_INIT;
	char *d = NULL;

	rc_buf_init(&canon, 0);
	if (rc_jcs_serialize(json, &canon, err) == 0)
		d = rc_sha256_digest(canon.data, canon.len, err);
	rc_buf_release(&canon);
	return d;
}

static int plan_parse(const char *text, size_t len, int strict, struct rc_plan *p,
		      struct rc_err *err);
static int lexical_check(const char *text, size_t len, struct rc_err *err);
static int check_duplicates(const cJSON *j, struct rc_err *err);
static int parse_item(const cJSON *o, const char *where, size_t index, int candidate,
		      int strict, const struct rc_plan *p, struct rc_plan_item *it,
		      struct rc_err *err);

/* ---- streaming ------------------------------------------------------------
 * A plan is hashed, checked and written one item at a time: at 20k registry
 * tags the whole document as a cJSON tree, its canonical form and its text
 * were ~100 MiB (docs/benchmarks.md). Each item is still built and printed
 * by cJSON, so the output is byte for byte what cJSON_Print of the whole
 * document gives (a unit test compares the two). */

static int put_str(rc_put_fn put, void *ctx, const char *s, struct rc_err *err)
{
	return put(ctx, s, strlen(s), err);
}

/* The two item lists, in the order the document holds them. */
struct item_list {
	const char *name;
	const struct rc_plan_item *items;
	size_t n;
	int candidate;
};

static void item_lists(const struct rc_plan *p, struct item_list l[2])
{
	l[0] = (struct item_list){"candidates", p->candidates, p->n_candidates, 1};
	l[1] = (struct item_list){"protected", p->protected_items, p->n_protected, 0};
}

/* The canonical form (RFC 8785) of a list: "[" items joined by "," "]". */
static int hash_list(const struct item_list *l, int version, struct rc_sha256 *h,
		     struct rc_err *err)
{
	struct rc_buf canon = RC_BUF_INIT;
	int rc = -1;

	rc_buf_init(&canon, 0);
	if (rc_sha256_update(h, "[", 1, err) < 0)
		goto out;
	for (size_t i = 0; i < l->n; i++) {
		cJSON *o = item_json(&l->items[i], version, l->candidate, l->name, i, err);
		int r;

		if (!o)
			goto out;
		rc_buf_reset(&canon);
		r = rc_jcs_serialize(o, &canon, err);
		cJSON_Delete(o);
		if (r < 0 || (i && rc_sha256_update(h, ",", 1, err) < 0) ||
		    rc_sha256_update(h, canon.data, canon.len, err) < 0)
			goto out;
	}
	rc = rc_sha256_update(h, "]", 1, err);
out:
	rc_buf_release(&canon);
	return rc;
}

static int cmp_key(const void *a, const void *b)
{
	return rc_jcs_keycmp(*(const char *const *)a, *(const char *const *)b);
}

/* sha256 of the canonical form of the document without "digest": the
 * skeleton's members and the two lists, sorted by name as RFC 8785 sorts
 * them. Member names are the writer's own, plain ASCII, written as is. */
static char *plan_digest(const struct rc_plan *p, const cJSON *skel, struct rc_err *err)
{
	struct item_list lists[2];
	const char *names[32];
	struct rc_buf canon = RC_BUF_INIT;
	struct rc_sha256 h;
	const cJSON *c;
	size_t n = 0, i;
	char *d = NULL;

	item_lists(p, lists);
	names[n++] = lists[0].name;
	names[n++] = lists[1].name;
	for (c = skel->child; c; c = c->next) {
		if (n == sizeof(names) / sizeof(names[0])) {
			rc_err_set(err, RC_ERR_INTERNAL, "plan has too many members");
			return NULL;
		}
		names[n++] = c->string;
	}
	qsort(names, n, sizeof(names[0]), cmp_key);
	rc_buf_init(&canon, 0);
	if (rc_sha256_begin(&h, err) < 0)
		goto out;
	if (rc_sha256_update(&h, "{", 1, err) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		const struct item_list *l = NULL;

		rc_buf_reset(&canon);
		if ((i && rc_buf_puts(&canon, ",", err) < 0) ||
		    rc_buf_printf(&canon, err, "\"%s\":", names[i]) < 0)
			goto out;
		if (names[i] == lists[0].name || names[i] == lists[1].name)
			l = names[i] == lists[0].name ? &lists[0] : &lists[1];
		else if (rc_jcs_serialize(cJSON_GetObjectItemCaseSensitive(skel, names[i]),
					  &canon, err) < 0)
			goto out;
		if (rc_sha256_update(&h, canon.data, canon.len, err) < 0 ||
		    (l && hash_list(l, plan_version(p), &h, err) < 0))
			goto out;
	}
	if (rc_sha256_update(&h, "}", 1, err) < 0)
		goto out;
	d = rc_sha256_end(&h, err);
out:
	rc_sha256_abort(&h);
	rc_buf_release(&canon);
	return d;
}

/* cJSON_Print of a value printed at the top, as the whole document's
 * cJSON_Print would print it `depth` levels down: every line after the first
 * gains depth tabs (strings never hold a raw newline). Frees text. */
static int put_nested(char *text, int depth, rc_put_fn put, void *ctx, struct rc_err *err)
{
	static const char tabs[] = "\t\t\t\t";
	char *line = text, *nl;
	int rc = -1;

	if (!text)
		return rc_err_nomem(err);
	while ((nl = strchr(line, '\n'))) {
		if (put(ctx, line, (size_t)(nl - line) + 1, err) < 0 ||
		    put(ctx, tabs, (size_t)depth, err) < 0)
			goto out;
		line = nl + 1;
	}
	rc = put_str(put, ctx, line, err);
out:
	free(text);
	return rc;
}

/* The document as cJSON_Print writes it, then a newline. */
static int render(const struct rc_plan *p, const cJSON *skel, const char *digest, rc_put_fn put,
		  void *ctx, struct rc_err *err)
{
	struct item_list lists[2];
	const cJSON *c;

	item_lists(p, lists);
	if (put_str(put, ctx, "{\n", err) < 0)
		return -1;
	for (c = skel->child; c; c = c->next)
		if (put_str(put, ctx, "\t\"", err) < 0 || put_str(put, ctx, c->string, err) < 0 ||
		    put_str(put, ctx, "\":\t", err) < 0 ||
		    put_nested(cJSON_Print(c), 1, put, ctx, err) < 0 ||
		    put_str(put, ctx, ",\n", err) < 0)
			return -1;
	for (int k = 0; k < 2; k++) {
		const struct item_list *l = &lists[k];

		if (put_str(put, ctx, "\t\"", err) < 0 || put_str(put, ctx, l->name, err) < 0 ||
		    put_str(put, ctx, "\":\t[", err) < 0)
			return -1;
		for (size_t i = 0; i < l->n; i++) {
			cJSON *o = item_json(&l->items[i], plan_version(p), l->candidate, l->name,
					     i, err);
			char *text;

			if (!o)
				return -1;
			text = cJSON_Print(o);
			cJSON_Delete(o);
			if ((i && put_str(put, ctx, ", ", err) < 0) ||
			    put_nested(text, 2, put, ctx, err) < 0)
				return -1;
		}
		if (put_str(put, ctx, "],\n", err) < 0)
			return -1;
	}
	if (put_str(put, ctx, "\t\"digest\":\t\"", err) < 0 || put_str(put, ctx, digest, err) < 0 ||
	    put_str(put, ctx, "\"\n}\n", err) < 0)
		return -1;
	return 0;
}

/* Each item through the reader's item rules, one at a time: its text must
 * pass the lexical check, parse, name no member twice, conform to the
 * schema's item definition and read back as an item. */
static int check_items(const struct rc_plan *p, const char *schema_text, struct rc_err *err)
{
	struct item_list lists[2];
	struct rc_schema *v = NULL;
	cJSON *schema = cJSON_Parse(schema_text);
	int rc = -1, version = plan_version(p);

	item_lists(p, lists);
	if (!schema)
		return rc_err_set(err, RC_ERR_INTERNAL, "the embedded plan schema does not parse");
	if (!(v = rc_schema_open(schema, RC_ERR_PLAN, err)))
		goto out;
	for (int k = 0; k < 2; k++) {
		const struct item_list *l = &lists[k];
		const char *def = l->candidate ? "#/definitions/candidate"
					       : "#/definitions/protected_item";

		for (size_t i = 0; i < l->n; i++) {
			cJSON *o = item_json(&l->items[i], version, l->candidate, l->name, i, err);
			cJSON *back = NULL;
			struct rc_plan_item it;
			char *text = NULL, path[64];
			int r = -1;

			memset(&it, 0, sizeof(it));
			snprintf(path, sizeof(path), "plan.%s[%zu]", l->name, i);
			if (!o)
				goto out;
			text = cJSON_PrintUnformatted(o);
			cJSON_Delete(o);
			if (!text)
				rc_err_nomem(err);
			else if (lexical_check(text, strlen(text), err) < 0)
				;
			else if (!(back = cJSON_Parse(text)))
				rc_err_set(err, RC_ERR_PLAN, "%s: not valid JSON", path);
			else if (check_duplicates(back, err) == 0 &&
				 rc_schema_check(v, def, back, path, err) == 0 &&
				 parse_item(back, l->name, i, l->candidate, 0, p, &it, err) == 0)
				r = 0;
			rc_plan_item_release(&it);
			cJSON_Delete(back);
			free(text);
			if (r < 0)
				goto out;
		}
	}
	rc = 0;
out:
	rc_schema_close(v);
	cJSON_Delete(schema);
	return rc;
}

static int check_unique_ids(const struct rc_plan *p, struct rc_err *err);

/* Whatever the writer produces must load: the plan without its items runs
 * through the whole reader, then each item through the reader's item rules,
 * then the ids must be unique. The loader's exact-identity rule is left out:
 * the planner writes what a source reports, and rc_plan_load, which
 * reclaim-apply uses before putting identities into API paths, refuses a
 * malformed one. */
static int check_loads(const struct rc_plan *p, struct rc_err *err)
{
	struct rc_plan shell = *p, back, ids;
	struct rc_buf text = RC_BUF_INIT;
	cJSON *skel = NULL;
	size_t i, n = p->n_candidates + p->n_protected;
	int rc = -1;

	rc_plan_init(&back);
	rc_plan_init(&ids);
	rc_buf_init(&text, 0);
	shell.candidates = shell.protected_items = NULL;
	shell.n_candidates = shell.n_protected = 0;
	shell.digest = NULL;
	if (!(skel = plan_skeleton(&shell, err)) || !(shell.digest = plan_digest(&shell, skel, err)) ||
	    render(&shell, skel, shell.digest, rc_buf_put, &text, err) < 0 ||
	    plan_parse(text.data, text.len, 0, &back, err) < 0)
		goto out;
	if (check_items(p, plan_version(p) == 1 ? rc_plan_schema_v1_json : rc_plan_schema_json,
			err) < 0)
		goto out;
	/* the ids as written, for the reader's uniqueness rule */
	if (n && !(ids.candidates = calloc(n, sizeof(*ids.candidates)))) {
		rc_err_nomem(err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct rc_plan_item *it = i < p->n_candidates
						    ? &p->candidates[i]
						    : &p->protected_items[i - p->n_candidates];

		ids.n_candidates++;
		if (!(ids.candidates[i].id = rc_asprintf(err, "%s/%s/%s", it->source,
							 rc_kind_name(it->kind), it->object)))
			goto out;
	}
	rc = check_unique_ids(&ids, err);
out:
	rc_plan_release(&ids);
	rc_plan_release(&back);
	rc_buf_release(&text);
	cJSON_Delete(skel);
	free(shell.digest);
	return rc;
}

int rc_plan_seal(struct rc_plan *p, struct rc_err *err)
{
	cJSON *empty = NULL, *skel = NULL;
	char *pd = NULL;
	int rc = -1;

	free(p->digest);
	p->digest = NULL;
	if (!p->policy) {
		empty = cJSON_CreateObject();
		if (!empty)
			return rc_err_nomem(err);
	}
	pd = rc_json_digest(p->policy ? p->policy : empty, err);
	if (!pd)
		goto out;
	free(p->policy_digest);
	p->policy_digest = pd;
	if (!(skel = plan_skeleton(p, err)) || !(p->digest = plan_digest(p, skel, err)))
		goto out;
	if (check_loads(p, err) < 0) {
		free(p->digest);
		p->digest = NULL;
		rc_err_prefix(err, "the plan would not load");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(skel);
	cJSON_Delete(empty);
	return rc;
}

/* A put that refuses to pass more than RC_PLAN_MAX_BYTES in all: the
 * loader refuses a larger file, so it must not be written. */
struct capped {
	rc_put_fn put;
	void *ctx;
	size_t n;
};

static int capped_put(void *ctx, const char *data, size_t len, struct rc_err *err)
{
	struct capped *c = ctx;

	if (len > RC_PLAN_MAX_BYTES - c->n)
		return rc_err_set(err, RC_ERR_PLAN,
				  "the plan is over the %zu MiB a plan file may hold, which "
				  "reclaim-apply would refuse: plan fewer objects at a time",
				  RC_PLAN_MAX_BYTES >> 20);
	c->n += len;
	return c->put(c->ctx, data, len, err);
}

int rc_plan_render_to(const struct rc_plan *p, rc_put_fn put, void *ctx, struct rc_err *err)
{
	struct capped cap = {put, ctx, 0};
	cJSON *skel = NULL;
	char *d = NULL;
	int rc = -1;

	if (!rc_digest_valid(p->digest))
		return rc_err_set(err, RC_ERR_INTERNAL, "cannot render a plan that is not sealed");
	if (!(skel = plan_skeleton(p, err)) || !(d = plan_digest(p, skel, err)))
		goto out;
	if (strcmp(d, p->digest) != 0) {
		rc_err_set(err, RC_ERR_INTERNAL, "plan changed after it was sealed (%s, now %s)",
			   p->digest, d);
		goto out;
	}
	rc = render(p, skel, d, capped_put, &cap, err);
out:
	free(d);
	cJSON_Delete(skel);
	return rc;
}

char *rc_plan_render(const struct rc_plan *p, struct rc_err *err)
{
	struct rc_buf text = RC_BUF_INIT;

	rc_buf_init(&text, 0);
	if (rc_plan_render_to(p, rc_buf_put, &text, err) < 0) {
		rc_buf_release(&text);
		return NULL;
	}
	return rc_buf_detach(&text);
}

static int fill_plan_text(void *ctx, rc_put_fn put, void *put_ctx, struct rc_err *err)
{
	return rc_plan_render_to(ctx, put, put_ctx, err);
}

int rc_plan_write(struct rc_plan *p, const char *path, struct rc_err *err)
{
	if (rc_plan_seal(p, err) < 0)
		return -1;
	if (rc_write_fill(path, 0666, fill_plan_text, p, err) < 0)
		return rc_err_prefix(err, "cannot write plan");
	return 0;
}

/* ---- parse --------------------------------------------------------------- */

/* cJSON keeps numbers as doubles and turns "\u0000" into an early end of
 * string. Both would make our view of the plan differ from a third party's,
 * so refuse them before parsing: every number must be an integer literal,
 * and no string may hold U+0000. */
static int lexical_check(const char *text, size_t len, struct rc_err *err)
{
	size_t i = 0;

	while (i < len) {
		char c = text[i];
		if (c == '"') {
			for (i++; i < len && text[i] != '"'; i++) {
				if (text[i] != '\\')
					continue;
				if (i + 5 < len && text[i + 1] == 'u' && text[i + 2] == '0' &&
				    text[i + 3] == '0' && text[i + 4] == '0' && text[i + 5] == '0')
					return rc_err_set(
					    err, RC_ERR_PLAN,
					    "plan holds \\u0000 in a string at byte %zu", i);
				i++; /* skip the escaped character */
			}
			i++;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t start = i;
			int frac = 0;
			for (; i < len &&
			       (strchr("+-.eE", text[i]) || (text[i] >= '0' && text[i] <= '9'));
			     i++)
				frac |= text[i] == '.' || text[i] == 'e' || text[i] == 'E';
			if (frac) {
				char tok[40];
				size_t n =
				    i - start < sizeof(tok) - 1 ? i - start : sizeof(tok) - 1;
				memcpy(tok, text + start, n);
				tok[n] = '\0';
				return rc_err_set(err, RC_ERR_PLAN,
						  "number '%s' at byte %zu is not an integer", tok,
						  start);
			}
		} else {
			i++;
		}
	}
	return 0;
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Refuses an object that names a member twice, anywhere in the tree: cJSON
 * keeps both and finds the first, other readers the last. */
static int check_duplicates(const cJSON *j, struct rc_err *err)
{
	const cJSON *c;
	const char **names = NULL;
	size_t n = 0, i;
	int rc = 0;

	for (c = j->child; c; c = c->next) {
		if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && check_duplicates(c, err) < 0)
			return -1;
		n++;
	}
	if (!cJSON_IsObject(j) || n < 2)
		return 0;
	names = calloc(n, sizeof(*names));
	if (!names)
		return rc_err_nomem(err);
	i = 0;
	for (c = j->child; c; c = c->next)
		names[i++] = c->string ? c->string : "";
	qsort(names, n, sizeof(*names), cmp_str_ptr);
	for (i = 1; i < n; i++) {
		if (strcmp(names[i - 1], names[i]) == 0) {
			char clean[128];
			rc_sanitize(clean, sizeof(clean), names[i]);
			rc = rc_err_set(err, RC_ERR_PLAN,
					"plan names member '%s' twice in one object", clean);
			break;
		}
	}
	free(names);
	return rc;
}

static const cJSON *member(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static int dup_str(const cJSON *o, const char *key, char **out, struct rc_err *err)
{
	const cJSON *s = member(o, key);

	*out = strdup(cJSON_IsString(s) ? s->valuestring : "");
	if (!*out)
		return rc_err_nomem(err);
	return 0;
}

/* An optional string member: NULL when absent. */
static int opt_str(const cJSON *o, const char *key, char **out, struct rc_err *err)
{
	const cJSON *s = member(o, key);

	*out = NULL;
	if (!cJSON_IsString(s))
		return 0;
	if (!(*out = strdup(s->valuestring)))
		return rc_err_nomem(err);
	return 0;
}

/* A version 1 engine source keeps its identity in flat members; the model
 * holds it the way version 2 writes it. */
static int v1_identity(const cJSON *src, cJSON **out, struct rc_err *err)
{
	static const char *const map[][2] = {
	    {"engine_id", "id"}, {"engine_name", "name"},
	    {"api_version", "api_version"}, {"engine_time", "clock"}};
	size_t i;

	if (!(*out = cJSON_CreateObject()))
		return rc_err_nomem(err);
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const cJSON *v = member(src, map[i][0]);
		if (cJSON_IsString(v) && !cJSON_AddStringToObject(*out, map[i][1], v->valuestring))
			return rc_err_nomem(err);
	}
	return 0;
}

/* Schema validation has already made these integers within +-(2^53-1). */
static int64_t get_int(const cJSON *o, const char *key)
{
	const cJSON *n = member(o, key);

	return cJSON_IsNumber(n) ? (int64_t)n->valuedouble : 0;
}

static int get_time(const cJSON *o, const char *key, const char *path, int64_t *t,
		    struct rc_err *err)
{
	const cJSON *s = member(o, key);
	struct rc_err sub = RC_ERR_INIT;

	*t = 0;
	if (cJSON_IsNull(s))
		return 0;
	if (!cJSON_IsString(s) || rc_parse_time(s->valuestring, t, &sub) < 0)
		return rc_err_set(err, RC_ERR_PLAN, "%s.%s: not a valid time: %s", path, key,
				  sub.msg);
	return 0;
}

static int get_strv(const cJSON *o, const char *key, struct rc_strv *v, struct rc_err *err)
{
	const cJSON *a = member(o, key), *c;

	v->v = NULL;
	v->n = 0;
	cJSON_ArrayForEach(c, a)
	{
		if (rc_strv_push(v, c->valuestring, err) < 0)
			return -1;
	}
	return 0;
}

static int holds_kind(const struct rc_source_ops *ops, enum rc_kind k)
{
	size_t i;

	for (i = 0; i < ops->n_kinds; i++)
		if (ops->kinds[i] == k)
			return 1;
	return 0;
}

/* strict (rc_plan_load): the item must also pass its source type's
 * check_item (exact identities, names that agree with them). */
static int parse_item(const cJSON *o, const char *where, size_t index, int candidate,
		      int strict, const struct rc_plan *p, struct rc_plan_item *it,
		      struct rc_err *err)
{
	const struct rc_plan_source *src;
	const struct rc_source_ops *ops;
	char path[64];
	struct rc_buf id = RC_BUF_INIT;
	int rc = -1;

	snprintf(path, sizeof(path), "plan.%s[%zu]", where, index);
	rc_buf_init(&id, 0);
	if (dup_str(o, "id", &it->id, err) < 0 || dup_str(o, "source", &it->source, err) < 0 ||
	    dup_str(o, "object", &it->object, err) < 0 || dup_str(o, "name", &it->name, err) < 0 ||
	    dup_str(o, "rule", &it->rule, err) < 0 || dup_str(o, "reason", &it->reason, err) < 0 ||
	    get_strv(o, "refs", &it->refs, err) < 0)
		goto out;
	it->kind = (enum rc_kind)rc_kind_parse(member(o, "kind")->valuestring);
	it->size = get_int(o, "size");
	it->reclaimable = get_int(o, "reclaimable");
	if (get_time(o, "created_at", path, &it->created, err) < 0 ||
	    get_time(o, "last_used_at", path, &it->last_used, err) < 0)
		goto out;
	if (candidate) {
		/* version 2's schema admits each kind's own members only */
		const cJSON *pre = member(o, "preconditions");
		if (get_strv(pre, "tags", &it->pre.tags, err) < 0 ||
		    get_strv(pre, "users_in_plan", &it->pre.users_in_plan, err) < 0 ||
		    opt_str(pre, "started_at", &it->pre.started_at, err) < 0 ||
		    opt_str(pre, "finished_at", &it->pre.finished_at, err) < 0 ||
		    opt_str(pre, "digest", &it->pre.digest, err) < 0 ||
		    opt_str(pre, "pulled_at", &it->pre.pulled_at, err) < 0)
			goto out;
		it->pre.usage_count = member(pre, "usage_count") ? get_int(pre, "usage_count") : -1;
		/* evidence belongs to one kind each: elsewhere it would mean nothing */
		if ((it->kind != RC_KIND_CONTAINER && (it->pre.started_at || it->pre.finished_at)) ||
		    (it->kind != RC_KIND_BUILD_CACHE && it->pre.usage_count >= 0)) {
			rc_err_set(err, RC_ERR_PLAN,
				   "%s.preconditions: evidence that does not belong to a %s", path,
				   rc_kind_name(it->kind));
			goto out;
		}
	}
	if (!(src = find_source(p, it->source))) {
		char clean[128];
		rc_sanitize(clean, sizeof(clean), it->source);
		rc_err_set(err, RC_ERR_PLAN, "%s.source: '%s' is not one of the plan's sources",
			   path, clean);
		goto out;
	}
	ops = rc_source_find(src->type);
	if (ops && !holds_kind(ops, it->kind)) {
		rc_err_set(err, RC_ERR_PLAN, "%s.kind: a source of type '%s' holds no %s", path,
			   ops->type, rc_kind_name(it->kind));
		goto out;
	}
	/* The rest is the source type's: exact identities, names and refs. */
	if (strict && !ops) {
		char clean[128];
		rc_sanitize(clean, sizeof(clean), src->type);
		rc_err_set(err, RC_ERR_PLAN, "%s: this reclaim knows no source type '%s'", path,
			   clean);
		goto out;
	}
	if (strict && ops->check_item && ops->check_item(it, candidate, path, err) < 0)
		goto out;
	if (rc_buf_printf(&id, err, "%s/%s/%s", it->source, rc_kind_name(it->kind), it->object) < 0)
		goto out;
	if (strcmp(id.data, it->id) != 0) {
		char clean[256];
		rc_sanitize(clean, sizeof(clean), it->id);
		rc_err_set(err, RC_ERR_PLAN, "%s.id: '%s' is not \"<source>/<kind>/<object>\"",
			   path, clean);
		goto out;
	}
	rc = 0;
out:
	rc_buf_release(&id);
	return rc;
}

static int parse_items(const cJSON *arr, const char *where, int candidate, int strict,
		       struct rc_plan *p, struct rc_plan_item **items, size_t *n,
		       struct rc_err *err)
{
	int count = cJSON_GetArraySize(arr);
	const cJSON *c;

	*items = NULL;
	*n = 0;
	if (count <= 0)
		return 0;
	*items = calloc((size_t)count, sizeof(**items));
	if (!*items)
		return rc_err_nomem(err);
	cJSON_ArrayForEach(c, arr)
	{
		/* Count first so rc_plan_release releases a half-filled item. */
		(*n)++;
		if (parse_item(c, where, *n - 1, candidate, strict, p, &(*items)[*n - 1], err) <
		    0)
			return -1;
	}
	return 0;
}

static int check_unique_ids(const struct rc_plan *p, struct rc_err *err)
{
	size_t n = p->n_candidates + p->n_protected, i;
	const char **ids;
	int rc = 0;

	if (n < 2)
		return 0;
	ids = calloc(n, sizeof(*ids));
	if (!ids)
		return rc_err_nomem(err);
	for (i = 0; i < p->n_candidates; i++)
		ids[i] = p->candidates[i].id;
	for (i = 0; i < p->n_protected; i++)
		ids[p->n_candidates + i] = p->protected_items[i].id;
	qsort(ids, n, sizeof(*ids), cmp_str_ptr);
	for (i = 1; i < n; i++) {
		if (strcmp(ids[i - 1], ids[i]) == 0) {
			char clean[256];
			rc_sanitize(clean, sizeof(clean), ids[i]);
			rc = rc_err_set(err, RC_ERR_PLAN, "plan lists item '%s' more than once",
					clean);
			break;
		}
	}
	free(ids);
	return rc;
}

static int fill_plan(const cJSON *root, int strict, struct rc_plan *p, struct rc_err *err)
{
	const cJSON *sources = member(root, "sources"), *summary = member(root, "summary");
	const cJSON *c, *bk;
	char *pd = NULL;
	int n, want[RC_KIND_COUNT];

	p->version = (int)get_int(root, "version");
	if (dup_str(member(root, "tool"), "version", &p->tool_version, err) < 0 ||
	    dup_str(root, "policy_digest", &p->policy_digest, err) < 0 ||
	    dup_str(root, "digest", &p->digest, err) < 0 ||
	    get_time(root, "created_at", "plan", &p->created_at, err) < 0 ||
	    get_time(root, "expires_at", "plan", &p->expires_at, err) < 0)
		return -1;
	p->policy = cJSON_Duplicate(member(root, "policy"), 1);
	if (!p->policy)
		return rc_err_nomem(err);
	pd = rc_json_digest(p->policy, err);
	if (!pd)
		return rc_err_prefix(err, "plan.policy");
	if (strcmp(pd, p->policy_digest) != 0) {
		rc_err_set(err, RC_ERR_PLAN,
			   "plan.policy_digest: says %s, the inline policy hashes to %s",
			   p->policy_digest, pd);
		free(pd);
		return -1;
	}
	free(pd);

	n = cJSON_GetArraySize(sources);
	p->sources = calloc((size_t)n, sizeof(*p->sources));
	if (!p->sources)
		return rc_err_nomem(err);
	cJSON_ArrayForEach(c, sources)
	{
		struct rc_plan_source *s = &p->sources[p->n_sources];
		char path[64];

		snprintf(path, sizeof(path), "plan.sources[%zu]", p->n_sources);
		p->n_sources++;
		if (dup_str(c, "name", &s->name, err) < 0 ||
		    dup_str(c, "type", &s->type, err) < 0 ||
		    dup_str(c, "endpoint", &s->endpoint, err) < 0 ||
		    get_time(c, "scanned_at", path, &s->scanned_at, err) < 0)
			return -1;
		if (p->version >= 2) {
			if (!(s->identity = cJSON_Duplicate(member(c, "identity"), 1)))
				return rc_err_nomem(err);
		} else if (v1_identity(c, &s->identity, err) < 0) {
			return -1;
		}
		for (size_t i = 0; i + 1 < p->n_sources; i++)
			if (strcmp(p->sources[i].name, s->name) == 0)
				return rc_err_set(err, RC_ERR_PLAN,
						  "%s.name: source '%s' is listed twice", path,
						  s->name);
	}

	if (parse_items(member(root, "candidates"), "candidates", 1, strict, p, &p->candidates,
			&p->n_candidates, err) < 0 ||
	    parse_items(member(root, "protected"), "protected", 0, strict, p,
			&p->protected_items, &p->n_protected, err) < 0 ||
	    check_unique_ids(p, err) < 0)
		return -1;

	p->summary.candidates = (size_t)get_int(summary, "candidates");
	p->summary.protected_count = (size_t)get_int(summary, "protected");
	p->summary.bytes_freed_now = get_int(summary, "bytes_freed_now");
	p->summary.bytes_freed_after_gc = get_int(summary, "bytes_freed_after_gc");
	bk = member(summary, "by_kind");
	summary_kinds(p, p->version, want);
	for (int k = 0; k < RC_KIND_COUNT; k++) {
		const cJSON *ko = member(bk, kind_names[k]);
		if (!ko != !want[k])
			return rc_err_set(err, RC_ERR_PLAN,
					  "plan.summary.by_kind: %s '%s', which the plan's "
					  "sources %s",
					  ko ? "lists" : "lacks", kind_names[k],
					  ko ? "cannot hold" : "can hold");
		p->summary.count_by_kind[k] = (size_t)get_int(ko, "count");
		p->summary.bytes_by_kind[k] = get_int(ko, "bytes");
	}
	if (p->summary.candidates != p->n_candidates ||
	    p->summary.protected_count != p->n_protected)
		return rc_err_set(err, RC_ERR_PLAN,
				  "plan.summary: counts %zu candidates and %zu protected, the "
				  "lists hold %zu and %zu",
				  p->summary.candidates, p->summary.protected_count,
				  p->n_candidates, p->n_protected);
	{
		struct rc_plan tmp = *p;
		rc_plan_summarise(&tmp);
		for (int k = 0; k < RC_KIND_COUNT; k++)
			if (tmp.summary.count_by_kind[k] != p->summary.count_by_kind[k])
				return rc_err_set(err, RC_ERR_PLAN,
						  "plan.summary.by_kind.%s.count: says %zu, the "
						  "candidates hold %zu",
						  kind_names[k], p->summary.count_by_kind[k],
						  tmp.summary.count_by_kind[k]);
	}
	return 0;
}

int rc_plan_parse(const char *text, size_t len, struct rc_plan *p, struct rc_err *err)
{
	return plan_parse(text, len, 0, p, err);
}

static int plan_parse(const char *text, size_t len, int strict, struct rc_plan *p,
		      struct rc_err *err)
{
	cJSON *root = NULL, *schema = NULL, *claimed = NULL;
	const cJSON *fmt, *ver;
	const char *end = NULL;
	char *actual = NULL;
	int rc = -1;

	rc_plan_init(p);
	if (!text || len == 0)
		return rc_err_set(err, RC_ERR_PLAN, "plan is empty");
	if (lexical_check(text, len, err) < 0)
		return -1;
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root) {
		size_t at = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
		return rc_err_set(err, RC_ERR_PLAN,
				  "plan is not valid JSON (error near byte %zu of %zu; truncated, "
				  "malformed or nested too deeply)",
				  at, len);
	}
	for (; end && end < text + len; end++)
		if (!isspace((unsigned char)*end)) {
			rc_err_set(err, RC_ERR_PLAN,
				   "plan has data after the JSON document at byte %zu",
				   (size_t)(end - text));
			goto out;
		}
	if (!cJSON_IsObject(root)) {
		rc_err_set(err, RC_ERR_PLAN, "plan: expected a JSON object");
		goto out;
	}
	if (check_duplicates(root, err) < 0)
		goto out;
	fmt = member(root, "format");
	if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, RC_PLAN_FORMAT) != 0) {
		rc_err_set(err, RC_ERR_PLAN, "not a reclaim plan: \"format\" is not \"%s\"",
			   RC_PLAN_FORMAT);
		goto out;
	}
	ver = member(root, "version");
	if (cJSON_IsNumber(ver) &&
	    (ver->valuedouble < RC_PLAN_VERSION_MIN || ver->valuedouble > RC_PLAN_VERSION ||
	     ver->valuedouble != (int)ver->valuedouble)) {
		rc_err_set(err, RC_ERR_PLAN,
			   "unsupported plan version %.17g (this reclaim reads versions %d to %d)",
			   ver->valuedouble, RC_PLAN_VERSION_MIN, RC_PLAN_VERSION);
		goto out;
	}
	/* A version 1 plan may be in review across an upgrade: it is read, shown
	 * and applied by its own schema. */
	schema = cJSON_Parse(cJSON_IsNumber(ver) && ver->valuedouble == 1 ? rc_plan_schema_v1_json
									    : rc_plan_schema_json);
	if (!schema) {
		rc_err_set(err, RC_ERR_INTERNAL, "the embedded plan schema does not parse");
		goto out;
	}
	if (rc_schema_validate(schema, root, "plan", RC_ERR_PLAN, err) < 0)
		goto out;

	claimed = cJSON_DetachItemFromObjectCaseSensitive(root, "digest");
	actual = rc_json_digest(root, err);
	if (!actual)
		goto out;
	if (strcmp(actual, claimed->valuestring) != 0) {
		rc_err_set(err, RC_ERR_TAMPERED,
			   "plan digest mismatch: file says %s, content hashes to %s",
			   claimed->valuestring, actual);
		goto out;
	}
	if (!cJSON_AddItemToObject(root, "digest", claimed)) {
		rc_err_nomem(err);
		goto out;
	}
	claimed = NULL;
	if (fill_plan(root, strict, p, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		rc_plan_release(p);
	free(actual);
	cJSON_Delete(claimed);
	cJSON_Delete(schema);
	cJSON_Delete(root);
	return rc;
}

int rc_plan_load(const char *path, struct rc_plan *p, struct rc_err *err)
{
	struct rc_buf text = RC_BUF_INIT;
	int rc;

	rc_plan_init(p);
	if (rc_read_file(path, RC_PLAN_MAX_BYTES, &text, err) < 0)
		return rc_err_prefix(err, "cannot load plan");
	/* A plan file is what reclaim-apply acts on: its objects must be exact
	 * identities (exact_identity), which rc_plan_parse does not insist on
	 * for plans built in memory from whatever an engine reported. */
	rc = plan_parse(text.data, text.len, 1, p, err);
	if (rc < 0)
		rc_err_prefix(err, "cannot load plan '%s'", path);
	rc_buf_release(&text);
	return rc;
}
