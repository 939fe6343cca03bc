/* apply.c: plan-level refusals, then each item: re-check, journal, delete. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "log.h"
#include "engine/recheck.h"
#include "units.h"

static const char *const outcome_names[RA_OUTCOME_COUNT] = {
    "deleted", "already-absent", "already-done",  "changed",
    "failed",  "would-delete",	 "not-attempted",
};

const char *ra_outcome_name(enum ra_outcome o)
{
	return (unsigned)o < RA_OUTCOME_COUNT ? outcome_names[o] : "unknown";
}

void ra_run_init(struct ra_run *run)
{
	memset(run, 0, sizeof(*run));
}

void ra_run_free(struct ra_run *run)
{
	if (!run)
		return;
	free(run->results);
	memset(run, 0, sizeof(*run));
}

int ra_verify_expiry(const struct rc_plan *p, int64_t now, struct rc_err *err)
{
	char exp[32], cur[32];

	if (now >= p->expires_at)
		return rc_err_set(err, RC_ERR_REFUSED,
				  "plan expired at %s (now %s): make a new plan",
				  rc_format_time(p->expires_at, exp, sizeof(exp)),
				  rc_format_time(now, cur, sizeof(cur)));
	return 0;
}

int ra_verify_approval(const struct rc_plan *p, const char *approve, int auto_approve,
		       struct rc_err *err)
{
	char safe[128];

	if (!approve) {
		if (auto_approve)
			return 0;
		return rc_err_set(err, RC_ERR_REFUSED, "plan %s is not approved", p->digest);
	}
	/* A digest given alongside --auto-approve must still match. */
	if (strcmp(approve, p->digest) != 0) {
		rc_sanitize(safe, sizeof(safe), approve);
		return rc_err_set(err, RC_ERR_REFUSED,
				  "approved digest '%s' does not match the plan's %s: the plan "
				  "is not the one that was approved",
				  safe, p->digest);
	}
	return 0;
}

static const struct rc_plan_source *find_source(const struct rc_plan *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_sources; i++)
		if (p->sources[i].name && name && strcmp(p->sources[i].name, name) == 0)
			return &p->sources[i];
	return NULL;
}

const struct rc_plan_source *ra_plan_engine_source(const struct rc_plan *p, struct rc_err *err)
{
	const struct rc_plan_source *eng = NULL;
	size_t i;

	for (i = 0; i < p->n_candidates; i++) {
		const struct rc_plan_item *it = &p->candidates[i];
		const struct rc_plan_source *s = find_source(p, it->source);
		char a[256], b[128], c[128];

		if (!s) {
			rc_sanitize(a, sizeof(a), it->id);
			rc_sanitize(b, sizeof(b), it->source);
			rc_err_set(err, RC_ERR_REFUSED, "item '%s' names an unknown source '%s'", a,
				   b);
			return NULL;
		}
		if (!s->type || strcmp(s->type, "engine") != 0) {
			rc_sanitize(a, sizeof(a), it->id);
			rc_sanitize(b, sizeof(b), s->name);
			rc_sanitize(c, sizeof(c), s->type ? s->type : "?");
			rc_err_set(err, RC_ERR_REFUSED,
				   "item '%s' is from source '%s' of type '%s', which this "
				   "reclaim-apply cannot apply",
				   a, b, c);
			return NULL;
		}
		if (eng && eng != s) {
			rc_sanitize(b, sizeof(b), eng->name);
			rc_sanitize(c, sizeof(c), s->name);
			rc_err_set(err, RC_ERR_REFUSED,
				   "plan has candidates from more than one engine ('%s' and "
				   "'%s'): apply one engine per plan",
				   b, c);
			return NULL;
		}
		eng = s;
	}
	if (!eng) {
		/* No candidates: still identify the engine when the plan names one. */
		for (i = 0; i < p->n_sources; i++)
			if (p->sources[i].type && strcmp(p->sources[i].type, "engine") == 0)
				return &p->sources[i];
		rc_err_clear(err);
	}
	return eng;
}

int ra_verify_engine(const struct rc_plan_source *src, const struct rc_engine_info *info,
		     struct rc_err *err)
{
	char id[160], name[160], pid[160], pname[160], ep[256];
	const char *want_id = rc_plan_source_str(src, "id");
	const char *want_name = rc_plan_source_str(src, "name");

	rc_sanitize(pname, sizeof(pname), want_name ? want_name : "");
	if (!want_id || !*want_id) {
		rc_sanitize(pid, sizeof(pid), src->name ? src->name : "");
		return rc_err_set(err, RC_ERR_REFUSED, "plan source '%s' records no engine ID",
				  pid);
	}
	if (!info->id || strcmp(info->id, want_id) != 0) {
		rc_sanitize(pid, sizeof(pid), want_id);
		rc_sanitize(id, sizeof(id), info->id ? info->id : "");
		rc_sanitize(name, sizeof(name), info->name ? info->name : "");
		rc_sanitize(ep, sizeof(ep), info->endpoint ? info->endpoint : "?");
		return rc_err_set(err, RC_ERR_REFUSED,
				  "wrong target: the plan is for engine '%s' (ID %s), but '%s' "
				  "is engine '%s' (ID %s)",
				  pname, pid, ep, name, id);
	}
	return 0;
}

int ra_build_cache_id_ok(const char *id)
{
	size_t n;

	if (!id || !*id)
		return 0;
	for (n = 0; id[n]; n++) {
		if (n >= 255 || !((id[n] >= 'a' && id[n] <= 'z') || (id[n] >= '0' && id[n] <= '9')))
			return 0;
	}
	return 1;
}

enum ra_outcome ra_prune_outcome(const char *body, size_t len, const char *id, char *reason,
				 size_t reasonsz)
{
	cJSON *o = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "CachesDeleted"), *e;
	struct rc_buf others = RC_BUF_INIT;
	struct rc_err err = RC_ERR_INIT;
	enum ra_outcome res = RA_FAILED;
	size_t n_others = 0;
	int found = 0;

	reason[0] = '\0';
	rc_buf_init(&others, 0);
	if (!cJSON_IsObject(o) || (list && !cJSON_IsNull(list) && !cJSON_IsArray(list))) {
		snprintf(reason, reasonsz, "unexpected answer to the build prune: not a result");
		goto out;
	}
	cJSON_ArrayForEach(e, list)
	{
		char safe[96];

		if (cJSON_IsString(e) && strcmp(e->valuestring, id) == 0) {
			found = 1;
			continue;
		}
		rc_sanitize(safe, sizeof(safe), cJSON_IsString(e) ? e->valuestring : "?");
		if (n_others < 8)
			rc_buf_printf(&others, &err, "%s'%s'", n_others ? ", " : "", safe);
		n_others++;
	}
	if (n_others) {
		snprintf(reason, reasonsz,
			 "the daemon's id filter also pruned %zu build cache record(s) not in the "
			 "plan: %.300s%s",
			 n_others, others.data ? others.data : "", n_others > 8 ? ", ..." : "");
	} else if (!found) {
		res = RA_CHANGED;
		snprintf(reason, reasonsz, "the daemon did not prune the record");
	} else {
		res = RA_DELETED;
	}
out:
	rc_buf_free(&others);
	cJSON_Delete(o);
	return res;
}

enum ra_outcome ra_delete_status(enum rc_kind kind, long status, const char *msg, char *reason,
				 size_t reasonsz)
{
	reason[0] = '\0';
	if (status == 404)
		return RA_ALREADY_ABSENT;
	/* In use or referenced: the daemon knows better than the plan. Never
	 * retried with force. A network that gained a container after the
	 * re-check is refused with 403 (409 on some versions). */
	if (status == 409 ||
	    (kind == RC_KIND_NETWORK && status == 403 && msg && strcasestr(msg, "active endpoint"))) {
		snprintf(reason, reasonsz, "daemon refused: %.400s", msg ? msg : "");
		return RA_CHANGED;
	}
	snprintf(reason, reasonsz, "HTTP %ld: %.400s", status, msg ? msg : "");
	return RA_FAILED;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The HTTP layer retries only GET, HEAD and DELETE. A build prune filtered
 * on one exact record ID is idempotent too, so it is retried here on
 * transport errors and 5xx. *retried is set when an attempt was repeated
 * after a transport error: the lost attempt may have pruned the record. */
static int prune_request(struct rc_engine *e, const char *vpath, struct rc_http_resp *resp,
			 int *retried, struct rc_err *err)
{
	long wait = 200;
	int attempt;

	*retried = 0;
	for (attempt = 1;; attempt++) {
		rc_err_clear(err);
		if (rc_http_request(rc_engine_http(e), "POST", vpath, NULL, NULL, 0, resp, err) < 0) {
			/* a prune that timed out was sent: never wait for it twice */
			if (err->kind != RC_ERR_CONNECT || err->sys_errno == ETIMEDOUT ||
			    attempt >= RA_PRUNE_ATTEMPTS)
				return -1;
			*retried = 1;
		} else if (resp->status < 500 || attempt >= RA_PRUNE_ATTEMPTS) {
			return 0;
		}
		rc_log_debug("build prune '%s' failed, retrying in %ld ms", vpath, wait);
		sleep_ms(wait);
		wait *= 2;
	}
}

void ra_delete(struct rc_engine *e, const struct rc_plan_item *it, enum ra_outcome *outcome,
	       char *reason, size_t reasonsz)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_http_resp resp;
	char path[2048], vpath[2304], msg[RA_REASON_MAX];
	int retried = 0, rc;

	reason[0] = '\0';
	*outcome = RA_FAILED;
	rc_http_resp_init(&resp);
	if (!rc_engine_object_safe(it->object)) {
		snprintf(reason, reasonsz, "unsafe object identity");
		goto out;
	}
	switch (it->kind) {
	case RC_KIND_CONTAINER:
	case RC_KIND_IMAGE:
	case RC_KIND_VOLUME:
	case RC_KIND_NETWORK:
		/* noprune: untagged parents are not in the plan, so they stay. */
		snprintf(path, sizeof(path), "%s%s%s", rc_engine_object_root(it->kind), it->object,
			 it->kind == RC_KIND_IMAGE ? "?noprune=1" : "");
		break;
	case RC_KIND_BUILD_CACHE: {
		char filt[512], enc[1536];
		/* The filter is a regular expression to the daemon: only a
		 * plain [a-z0-9]+ ID is certain to mean itself. */
		if (!ra_build_cache_id_ok(it->object)) {
			snprintf(reason, reasonsz,
				 "build cache ID is not [a-z0-9]+: not sent as a prune filter");
			goto out;
		}
		snprintf(filt, sizeof(filt), "{\"id\":[\"%s\"]}", it->object);
		rc_engine_pct_encode(filt, enc, sizeof(enc));
		snprintf(path, sizeof(path), "/build/prune?all=1&filters=%s", enc);
		break;
	}
	default:
		snprintf(reason, reasonsz, "unknown kind");
		goto out;
	}
	rc_engine_path(e, path, vpath, sizeof(vpath));
	if (it->kind == RC_KIND_BUILD_CACHE)
		rc = prune_request(e, vpath, &resp, &retried, &err);
	else
		rc = rc_http_request(rc_engine_http(e), "DELETE", vpath, NULL, NULL, 0, &resp, &err);
	if (rc < 0) {
		rc_sanitize(reason, reasonsz, err.msg);
		goto out;
	}
	if (resp.status >= 200 && resp.status <= 299) {
		if (it->kind != RC_KIND_BUILD_CACHE) {
			*outcome = RA_DELETED;
			goto out;
		}
		*outcome = ra_prune_outcome(resp.body.data, resp.body.len, it->object, reason,
					    reasonsz);
		if (*outcome == RA_CHANGED && retried) {
			/* A lost attempt may have pruned it: absent is done. */
			enum rc_check check;
			char r[RA_REASON_MAX];

			struct rc_engine_check_ctx ctx;

			memset(&ctx, 0, sizeof(ctx));
			ctx.e = e;
			if (rc_engine_recheck(&ctx, it, NULL, &check, r, sizeof(r), &err) == 0 &&
			    check == RC_CHECK_ABSENT) {
				*outcome = RA_ALREADY_ABSENT;
				reason[0] = '\0';
			}
		}
		goto out;
	}
	rc_engine_daemon_message(&resp.body, resp.status, msg, sizeof(msg));
	*outcome = ra_delete_status(it->kind, resp.status, msg, reason, reasonsz);
out:
	rc_http_resp_release(&resp);
}

int ra_exit_status(const struct ra_run *run, int fail_on_changed)
{
	if (run->count[RA_FAILED])
		return RA_EXIT_FAILED;
	if (fail_on_changed && run->count[RA_CHANGED])
		return RA_EXIT_CHANGED;
	return RA_EXIT_OK;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int gone_add(struct rc_strv *gone, const char *id, struct rc_err *err)
{
	char **nv = realloc(gone->v, (gone->n + 1) * sizeof(*nv));

	if (!nv)
		return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
	gone->v = nv;
	if (!(gone->v[gone->n] = strdup(id)))
		return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
	gone->n++;
	return 0;
}

/* The journal's spelling of outcomes it records. */
static const char *journal_outcome(enum ra_outcome o)
{
	switch (o) {
	case RA_DELETED:
	case RA_ALREADY_ABSENT:
	case RA_CHANGED:
	case RA_FAILED:
		return ra_outcome_name(o);
	default:
		return NULL;
	}
}

/* 1 when tag names image `object` now, 0 when it names another or none,
 * -1 with err when the engine could not be asked. */
static int tag_points_here(struct rc_engine *e, const char *tag, const char *object,
			   struct rc_err *err)
{
	cJSON *img = NULL;
	const cJSON *id;
	char path[640];
	int got, here;

	snprintf(path, sizeof(path), "/images/%s/json", tag);
	got = rc_engine_get_json(e, path, &img, err);
	if (got != 0)
		return got < 0 ? -1 : 0;
	id = cJSON_GetObjectItemCaseSensitive(img, "Id");
	here = cJSON_IsString(id) && strcmp(id->valuestring, object) == 0;
	cJSON_Delete(img);
	return here;
}

/* An image with several tags cannot be deleted by ID without force (the
 * daemon answers 409), so it goes the way `docker rmi a:1 a:2` goes: every
 * tag but the last is removed by name, each journaled first, then the
 * caller deletes the image by ID, which takes the last tag with it. Each tag
 * is confirmed to name this image just before its untag, so a tag moved to
 * another image since the re-check is never touched. Sets *outcome to
 * RA_DELETED to go on, else to the item's outcome. Returns -1 only when the
 * journal cannot be written. */
static int untag_extra(struct rc_engine *e, struct ra_journal *j, const struct rc_plan_item *it,
		       enum ra_outcome *outcome, char *reason, size_t reasonsz,
		       struct rc_err *err)
{
	size_t k;

	*outcome = RA_DELETED;
	for (k = 0; k + 1 < it->pre.tags.n; k++) {
		const char *tag = it->pre.tags.v[k];
		const struct rc_strv *done = ra_journal_untagged(j, it->id);
		struct rc_err terr = RC_ERR_INIT;
		struct rc_http_resp resp;
		char path[640], vpath[768], msg[RA_REASON_MAX], safe[256];
		int here, was_done = 0, rc;
		size_t i;

		rc_sanitize(safe, sizeof(safe), tag);
		for (i = 0; done && i < done->n; i++)
			if (strcmp(done->v[i], tag) == 0)
				was_done = 1;
		if (!rc_engine_ref_safe(tag)) {
			*outcome = RA_FAILED;
			snprintf(reason, reasonsz, "tag '%s' cannot be sent in a request path", safe);
			return 0;
		}
		here = tag_points_here(e, tag, it->object, &terr);
		if (here < 0) {
			*outcome = RA_FAILED;
			rc_sanitize(reason, reasonsz, terr.msg);
			return 0;
		}
		if (!here) {
			if (was_done)
				continue; /* removed by this apply before a crash */
			*outcome = RA_CHANGED;
			snprintf(reason, reasonsz, "tag '%s' no longer points to this image", safe);
			return 0;
		}
		if (!was_done && ra_journal_untag(j, it->id, tag, err) < 0)
			return -1;
		snprintf(path, sizeof(path), "/images/%s?noprune=1", tag);
		rc_engine_path(e, path, vpath, sizeof(vpath));
		rc_http_resp_init(&resp);
		rc = rc_http_request(rc_engine_http(e), "DELETE", vpath, NULL, NULL, 0, &resp, &terr);
		if (rc < 0) {
			*outcome = RA_FAILED;
			rc_sanitize(reason, reasonsz, terr.msg);
		} else if (resp.status == 404 || (resp.status >= 200 && resp.status <= 299)) {
			rc = 1;
		} else {
			rc_engine_daemon_message(&resp.body, resp.status, msg, sizeof(msg));
			*outcome = ra_delete_status(RC_KIND_IMAGE, resp.status, msg, reason, reasonsz);
			if (*outcome != RA_FAILED && *outcome != RA_CHANGED)
				*outcome = RA_FAILED;
		}
		rc_http_resp_release(&resp);
		if (rc != 1) {
			char more[RA_REASON_MAX];
			snprintf(more, sizeof(more), "%s", reason);
			snprintf(reason, reasonsz, "cannot untag '%.200s': %.280s", safe, more);
			return 0;
		}
	}
	return 0;
}

/* Re-check, then (unless a dry run) intent, delete, outcome. Returns -1 only
 * when the journal cannot be written. */
static int apply_item(const struct rc_plan_item *it, struct rc_engine_check_ctx *ctx,
		      struct ra_journal *j, const struct ra_opts *o, long *n_deletes,
		      long *n_intents, struct ra_result *r, struct rc_err *err)
{
	struct rc_err cerr = RC_ERR_INIT;
	struct rc_engine *e = ctx->e;
	enum rc_check check;
	const char *jo;

	r->outcome = RA_FAILED;
	if (j && ra_journal_done(j, it->id)) {
		r->outcome = RA_ALREADY_DONE;
		snprintf(r->reason, sizeof(r->reason), "journal records it %s",
			 ra_journal_last_outcome(j, it->id));
		return 0;
	}
	if (rc_engine_recheck(ctx, it, j ? ra_journal_untagged(j, it->id) : NULL, &check, r->reason,
		       sizeof(r->reason), &cerr) < 0) {
		r->outcome = RA_FAILED;
		snprintf(r->reason, sizeof(r->reason), "re-check failed: %.400s", cerr.msg);
	} else if (check == RC_CHECK_ABSENT) {
		r->outcome = RA_ALREADY_ABSENT;
	} else if (check == RC_CHECK_CHANGED) {
		r->outcome = RA_CHANGED;
	} else if (o->dry_run) {
		r->outcome = RA_WOULD_DELETE;
		return 0;
	} else {
		if (ra_journal_intent(j, it->id, err) < 0) {
			snprintf(r->reason, sizeof(r->reason), "not attempted: %.400s", err->msg);
			return -1;
		}
		if (o->crash_after_intent && ++*n_intents == o->crash_after_intent)
			raise(SIGKILL);
		r->outcome = RA_DELETED;
		if (it->kind == RC_KIND_IMAGE && it->pre.tags.n > 1 &&
		    untag_extra(e, j, it, &r->outcome, r->reason, sizeof(r->reason), err) < 0)
			return -1;
		if (o->crash_after_untag && r->outcome == RA_DELETED && it->pre.tags.n > 1)
			raise(SIGKILL);
		if (r->outcome == RA_DELETED)
			ra_delete(e, it, &r->outcome, r->reason, sizeof(r->reason));
		if (r->outcome == RA_DELETED) {
			r->bytes_freed = it->reclaimable > 0 ? it->reclaimable : 0;
			if (o->crash_after_deletes && ++*n_deletes == o->crash_after_deletes)
				raise(SIGKILL);
		}
	}
	jo = journal_outcome(r->outcome);
	if (!o->dry_run && jo && ra_journal_outcome(j, it->id, jo, r->reason, err) < 0)
		return -1;
	return 0;
}

int64_t ra_plan_since_ns(const struct rc_plan_source *src)
{
	struct rc_err terr = RC_ERR_INIT;
	int64_t sec = 0, out = 0;
	long ns = 0;

	const char *clock = rc_plan_source_str(src, "clock");

	if (clock && rc_parse_time_ns(clock, &sec, &ns, &terr) == 0 &&
	    sec > 0 && rc_time_ns(sec, ns, &out) == 0)
		return out;
	sec = src ? src->scanned_at - RA_OLD_PLAN_SKEW_S : 0;
	if (sec <= 0)
		return 0;
	/* A plan time past 2262 cannot be compared in nanoseconds: judge from the
	 * epoch, so that any use at all counts as "since planning". */
	return rc_time_ns(sec, 0, &out) == 0 ? out : 1;
}

int ra_apply(const struct rc_plan *p, struct rc_engine *e, struct ra_journal *j,
	     const struct ra_opts *o, struct ra_run *run, struct rc_err *err)
{
	struct rc_strv gone = {NULL, 0};
	struct rc_engine_check_ctx ctx;
	long n_deletes = 0, n_intents = 0;
	int stop = 0, rc = 0;
	size_t i;

	if (!o->dry_run && !j)
		return rc_err_set(err, RC_ERR_INTERNAL, "a journal is required");
	run->results = calloc(p->n_candidates ? p->n_candidates : 1, sizeof(*run->results));
	if (!run->results)
		return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
	memset(&ctx, 0, sizeof(ctx));
	ctx.e = e;
	ctx.gone = &gone;
	ctx.since_ns = o->since_ns;
	ctx.clock_offset_ns = o->clock_offset_ns;
	if (p->n_candidates && !(ctx.ev = rc_engine_events_new(o->since_ns)))
		return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
	run->started_at = (int64_t)time(NULL);
	for (i = 0; i < p->n_candidates; i++) {
		const struct rc_plan_item *it = &p->candidates[i];
		struct ra_result *r = &run->results[i];
		int64_t t0 = mono_ms();

		r->item = it;
		run->n = i + 1;
		rc_progress("applying", i, p->n_candidates);
		if (stop) {
			r->outcome = RA_NOT_ATTEMPTED;
			snprintf(r->reason, sizeof(r->reason),
				 "not attempted: --fail-fast after a failure");
		} else if (apply_item(it, &ctx, j, o, &n_deletes, &n_intents, r, err) < 0) {
			/* The journal failed: account for this item, then stop. */
			r->duration_ms = mono_ms() - t0;
			run->count[r->outcome]++;
			if (r->outcome == RA_DELETED)
				run->bytes_freed += r->bytes_freed;
			rc = -1;
			break;
		}
		r->duration_ms = mono_ms() - t0;
		run->count[r->outcome]++;
		if (r->outcome == RA_DELETED)
			run->bytes_freed += r->bytes_freed;
		if (r->outcome == RA_WOULD_DELETE && it->reclaimable > 0)
			run->bytes_would_free += it->reclaimable;
		if (it->kind == RC_KIND_CONTAINER &&
		    (r->outcome == RA_DELETED || r->outcome == RA_ALREADY_ABSENT ||
		     r->outcome == RA_ALREADY_DONE || r->outcome == RA_WOULD_DELETE) &&
		    gone_add(&gone, it->object, err) < 0) {
			rc = -1;
			break;
		}
		if (r->outcome == RA_FAILED && o->fail_fast)
			stop = 1;
		rc_log_verbose("%s: %s%s%s", it->id, ra_outcome_name(r->outcome),
			       r->reason[0] ? ": " : "", r->reason);
	}
	rc_progress_done();
	run->finished_at = (int64_t)time(NULL);
	rc_strv_free(&gone);
	rc_engine_check_ctx_release(&ctx);
	rc_engine_events_free(ctx.ev);
	return rc;
}
