/* apply.c: plan-level refusals, then each item through its source's table:
 * re-check, journal, delete. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "log.h"
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

void ra_run_release(struct ra_run *run)
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

/* The entry of srcs for plan source name, NULL when none. */
static struct ra_source *find_open(const struct ra_sources *srcs, const char *name)
{
	size_t i;

	for (i = 0; name && i < srcs->n; i++)
		if (srcs->v[i].planned->name && strcmp(srcs->v[i].planned->name, name) == 0)
			return &srcs->v[i];
	return NULL;
}

static int sources_add(struct ra_sources *out, const struct rc_plan_source *s,
		       const struct rc_source_ops *ops, struct rc_err *err)
{
	struct ra_source *nv = realloc(out->v, (out->n + 1) * sizeof(*nv));

	if (!nv)
		return rc_err_nomem(err);
	out->v = nv;
	out->v[out->n].planned = s;
	out->v[out->n].ops = ops;
	out->v[out->n].s = NULL;
	out->v[out->n].hung = NULL;
	out->n++;
	return 0;
}

int ra_plan_sources(const struct rc_plan *p, struct ra_sources *out, struct rc_err *err)
{
	size_t i, k;

	out->v = NULL;
	out->n = 0;
	for (i = 0; i < p->n_candidates; i++) {
		const struct rc_plan_item *it = &p->candidates[i];
		const struct rc_plan_source *s = find_source(p, it->source);
		const struct rc_source_ops *ops = s ? rc_source_find(s->type) : NULL;
		char a[256], b[128], c[128];

		if (!s) {
			rc_sanitize(a, sizeof(a), it->id);
			rc_sanitize(b, sizeof(b), it->source);
			return rc_err_set(err, RC_ERR_REFUSED, "item '%s' names an unknown source '%s'",
					  a, b);
		}
		if (!ops || !ops->open) { /* a type known to plans, not yet to apply */
			rc_sanitize(a, sizeof(a), it->id);
			rc_sanitize(b, sizeof(b), s->name);
			rc_sanitize(c, sizeof(c), s->type ? s->type : "?");
			return rc_err_set(err, RC_ERR_REFUSED,
					  "item '%s' is from source '%s' of type '%s', which this "
					  "reclaim-apply cannot apply",
					  a, b, c);
		}
		if (find_open(out, s->name))
			continue;
		/* The command line reaches one source of each type, unless the
		 * plan says where each is (a registry's url). */
		for (k = 0; !ops->located_by_plan && k < out->n; k++) {
			if (out->v[k].ops != ops)
				continue;
			rc_sanitize(a, sizeof(a), ops->type);
			rc_sanitize(b, sizeof(b), out->v[k].planned->name);
			rc_sanitize(c, sizeof(c), s->name);
			return rc_err_set(err, RC_ERR_REFUSED,
					  "plan has candidates from more than one %s ('%s' and "
					  "'%s'): apply one %s per plan",
					  a, b, c, a);
		}
		if (sources_add(out, s, ops, err) < 0)
			return -1;
	}
	/* No candidates: still verify the source the plan names. */
	for (i = 0; !p->n_candidates && i < p->n_sources; i++) {
		const struct rc_source_ops *ops = rc_source_find(p->sources[i].type);

		if (ops && ops->open)
			return sources_add(out, &p->sources[i], ops, err);
	}
	return 0;
}

void ra_sources_release(struct ra_sources *srcs)
{
	size_t i;

	if (!srcs)
		return;
	for (i = 0; i < srcs->n; i++) {
		if (srcs->v[i].s)
			srcs->v[i].ops->free(srcs->v[i].s);
		free(srcs->v[i].hung);
	}
	free(srcs->v);
	srcs->v = NULL;
	srcs->n = 0;
}

static int env_step(void *arg, const struct rc_plan_item *it, const char *event,
		    const char *value, struct rc_err *err)
{
	struct ra_journal *j = arg;

	if (!j)
		return rc_err_set(err, RC_ERR_INTERNAL, "a journal is required");
	return ra_journal_step(j, it->id, event, value, err);
}

static const struct rc_strv *env_steps_done(void *arg, const struct rc_plan_item *it,
					    const char *event)
{
	return ra_journal_steps(arg, it->id, event);
}

void ra_apply_env_init(struct rc_apply_env *env, struct ra_journal *j, const struct ra_opts *o)
{
	memset(env, 0, sizeof(*env));
	env->dry_run = o->dry_run;
	env->step = env_step;
	env->steps_done = env_steps_done;
	env->arg = j;
	env->crash_before_last_step = o->crash_before_last_step;
	env->crash_after_batch_sent = o->crash_after_batch_sent;
}

enum ra_outcome ra_outcome_of_check(enum rc_check c)
{
	switch (c) {
	case RC_CHECK_OK:
		return RA_DELETED;
	case RC_CHECK_ABSENT:
		return RA_ALREADY_ABSENT;
	default:
		return RA_CHANGED;
	}
}

enum ra_outcome ra_outcome_of_removal(enum rc_removal r)
{
	switch (r) {
	case RC_REMOVED:
		return RA_DELETED;
	case RC_REMOVAL_ABSENT:
		return RA_ALREADY_ABSENT;
	case RC_REMOVAL_CHANGED:
		return RA_CHANGED;
	default:
		return RA_FAILED;
	}
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

/* Re-check, then (unless a dry run) the intent. 1: the item may be deleted
 * now (its intent is journaled); 0: r holds its outcome; -1 when the
 * journal cannot be written. */
static int check_item(const struct rc_plan_item *it, struct ra_source *src, struct ra_journal *j,
		      const struct ra_opts *o, long *n_intents, struct ra_result *r,
		      struct rc_err *err)
{
	struct rc_err cerr = RC_ERR_INIT;
	enum rc_check check;

	r->outcome = RA_FAILED;
	if (j && ra_journal_done(j, it->id)) {
		r->outcome = RA_ALREADY_DONE;
		snprintf(r->reason, sizeof(r->reason), "journal records it %s",
			 ra_journal_last_outcome(j, it->id));
		return 0;
	}
	if (src->hung) {
		r->outcome = RA_NOT_ATTEMPTED;
		snprintf(r->reason, sizeof(r->reason),
			 "not attempted: an earlier re-check of its source timed out (%.300s); a "
			 "rerun goes on",
			 src->hung);
		return 0;
	}
	if (src->ops->recheck(src->s, it, &check, r->reason, sizeof(r->reason), &cerr) < 0) {
		r->outcome = RA_FAILED;
		snprintf(r->reason, sizeof(r->reason), "re-check failed: %.400s", cerr.msg);
		/* a source that no longer answers is not asked again */
		if (cerr.kind == RC_ERR_CONNECT && cerr.sys_errno == ETIMEDOUT)
			src->hung = strdup(cerr.msg[0] ? cerr.msg : "timed out");
		return 0;
	}
	if (check != RC_CHECK_OK) {
		r->outcome = ra_outcome_of_check(check);
		return 0;
	}
	if (o->dry_run) {
		r->outcome = RA_WOULD_DELETE;
		return 0;
	}
	if (ra_journal_intent(j, it->id, err) < 0) {
		snprintf(r->reason, sizeof(r->reason), "not attempted: %.400s", err->msg);
		return -1;
	}
	if (o->crash_after_intent && ++*n_intents == o->crash_after_intent)
		raise(SIGKILL);
	return 1;
}

/* The end of an item whose outcome r holds: what it freed, the crash hook,
 * the outcome line. -1 when the journal cannot be written. */
static int record_item(const struct rc_plan_item *it, struct ra_journal *j, const struct ra_opts *o,
		       long *n_deletes, struct ra_result *r, struct rc_err *err)
{
	const char *jo = journal_outcome(r->outcome);

	if (r->outcome == RA_DELETED) {
		r->bytes_freed = it->reclaimable > 0 ? it->reclaimable : 0;
		if (o->crash_after_deletes && ++*n_deletes == o->crash_after_deletes)
			raise(SIGKILL);
	}
	if (!o->dry_run && jo && ra_journal_outcome(j, it->id, jo, r->reason, err) < 0)
		return -1;
	return 0;
}

/* Re-check, then (unless a dry run) intent, delete, outcome. Returns -1 only
 * when the journal cannot be written. */
static int apply_item(const struct rc_plan_item *it, struct ra_source *src, struct ra_journal *j,
		      const struct ra_opts *o, long *n_deletes, long *n_intents,
		      struct ra_result *r, struct rc_err *err)
{
	enum rc_removal removal;
	int rc = check_item(it, src, j, o, n_intents, r, err);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return record_item(it, j, o, n_deletes, r, err);
	if (src->ops->remove(src->s, it, &removal, r->reason, sizeof(r->reason), err) < 0) {
		/* a step could not be journaled, so it was not made */
		r->outcome = RA_FAILED;
		snprintf(r->reason, sizeof(r->reason), "stopped before a step: %.400s", err->msg);
		return -1;
	}
	r->outcome = ra_outcome_of_removal(removal);
	return record_item(it, j, o, n_deletes, r, err);
}

/* Counts item r's outcome into run; then, unless the run is stopping
 * (settle 0), tells its source when it is gone for good, and notes a
 * failure for --fail-fast. -1 when the source cannot take it. */
static int account(struct ra_run *run, struct ra_result *r, int64_t t0, struct ra_source *src,
		   const struct ra_opts *o, int settle, int *stop, struct rc_err *err)
{
	const struct rc_plan_item *it = r->item;

	r->duration_ms = mono_ms() - t0;
	run->count[r->outcome]++;
	if (r->outcome == RA_DELETED)
		run->bytes_freed += r->bytes_freed;
	if (!settle)
		return 0;
	if (r->outcome == RA_WOULD_DELETE && it->reclaimable > 0)
		run->bytes_would_free += it->reclaimable;
	/* gone for good: no longer a user of later items */
	if ((r->outcome == RA_DELETED || r->outcome == RA_ALREADY_ABSENT ||
	     r->outcome == RA_ALREADY_DONE || r->outcome == RA_WOULD_DELETE) &&
	    src->ops->settled && src->ops->settled(src->s, it, err) < 0)
		return -1;
	if (r->outcome == RA_FAILED && o->fail_fast)
		*stop = 1;
	rc_log_verbose("%s: %s%s%s", it->id, ra_outcome_name(r->outcome), r->reason[0] ? ": " : "",
		       r->reason);
	return 0;
}

static void not_attempted(struct ra_result *r, const char *why)
{
	r->outcome = RA_NOT_ATTEMPTED;
	snprintf(r->reason, sizeof(r->reason), "not attempted: %s", why);
}

/* The k items of plan p from `first` on, one batch of source src
 * (batch_span): each re-checked in plan order and its intent journaled,
 * the journal flushed, then the deletes of those that may go sent together
 * (remove_batch), then their outcomes. Returns -1 as apply_item. */
struct batch {
	const struct rc_plan_item **its; /* the items whose deletes are sent */
	size_t *at; /* each one's index in the plan */
	char **reasons;
	enum rc_removal *res;
	int64_t *t0; /* per item of the batch */
	size_t n;
};

static void batch_free(struct batch *b)
{
	free(b->its);
	free(b->at);
	free(b->reasons);
	free(b->res);
	free(b->t0);
}

static int apply_batch(const struct rc_plan *p, size_t first, size_t k, struct ra_source *src,
		       struct ra_journal *j, const struct ra_opts *o, long *n_deletes,
		       long *n_intents, struct ra_run *run, int *stop, struct rc_err *err)
{
	struct batch b = {0};
	size_t i, x;
	int rc = 0;

	b.its = calloc(k, sizeof(*b.its));
	b.at = calloc(k, sizeof(*b.at));
	b.reasons = calloc(k, sizeof(*b.reasons));
	b.res = calloc(k, sizeof(*b.res));
	b.t0 = calloc(k, sizeof(*b.t0));
	if (!b.its || !b.at || !b.reasons || !b.res || !b.t0) {
		batch_free(&b);
		return rc_err_nomem(err);
	}
	for (i = 0; i < k && rc == 0; i++) {
		const struct rc_plan_item *it = &p->candidates[first + i];
		struct ra_result *r = &run->results[first + i];
		int c;

		r->item = it;
		run->n = first + i + 1;
		rc_progress("applying", first + i, p->n_candidates);
		b.t0[i] = mono_ms();
		if (*stop) {
			not_attempted(r, "--fail-fast after a failure");
			rc = account(run, r, b.t0[i], src, o, 1, stop, err);
			continue;
		}
		c = check_item(it, src, j, o, n_intents, r, err);
		if (c == 1) {
			b.its[b.n] = it;
			b.at[b.n] = first + i;
			b.reasons[b.n] = r->reason;
			b.n++;
			continue;
		}
		if (c == 0 && record_item(it, j, o, n_deletes, r, err) < 0)
			c = -1;
		if (c < 0) {
			account(run, r, b.t0[i], src, o, 0, stop, err);
			rc = -1;
			break;
		}
		rc = account(run, r, b.t0[i], src, o, 1, stop, err);
	}
	/* the intents are on disk before any delete is sent */
	if (rc == 0 && b.n && ra_journal_sync(j, err) < 0)
		rc = -1;
	if (rc < 0) {
		for (x = 0; x < b.n; x++) {
			struct ra_result *r = &run->results[b.at[x]];

			not_attempted(r, "the run stopped before the batch's deletes");
			account(run, r, b.t0[b.at[x] - first], src, o, 0, stop, err);
		}
		batch_free(&b);
		return -1;
	}
	if (b.n && src->ops->remove_batch(src->s, b.its, b.n, b.res, b.reasons,
					  sizeof(run->results[0].reason), err) < 0) {
		/* a step could not be journaled, so no delete was sent */
		for (x = 0; x < b.n; x++) {
			struct ra_result *r = &run->results[b.at[x]];

			r->outcome = RA_FAILED;
			snprintf(r->reason, sizeof(r->reason), "stopped before a step: %.400s",
				 err->msg);
			account(run, r, b.t0[b.at[x] - first], src, o, 0, stop, err);
		}
		batch_free(&b);
		return -1;
	}
	for (x = 0; x < b.n && rc == 0; x++) {
		struct ra_result *r = &run->results[b.at[x]];
		int64_t t0 = b.t0[b.at[x] - first];

		r->outcome = ra_outcome_of_removal(b.res[x]);
		if (record_item(b.its[x], j, o, n_deletes, r, err) < 0) {
			account(run, r, t0, src, o, 0, stop, err);
			rc = -1;
			/* the later ones were sent, their outcomes are not
			 * journaled: a rerun re-checks them */
			while (++x < b.n)
				account(run, &run->results[b.at[x]], b.t0[b.at[x] - first], src, o,
					0, stop, err);
			break;
		}
		rc = account(run, r, t0, src, o, 1, stop, err);
	}
	batch_free(&b);
	return rc;
}

int ra_apply(const struct rc_plan *p, const struct ra_sources *srcs, struct ra_journal *j,
	     const struct ra_opts *o, struct ra_run *run, struct rc_err *err)
{
	long n_deletes = 0, n_intents = 0;
	int stop = 0, rc = 0;
	size_t i = 0, k;

	if (!o->dry_run && !j)
		return rc_err_set(err, RC_ERR_INTERNAL, "a journal is required");
	run->results = calloc(p->n_candidates ? p->n_candidates : 1, sizeof(*run->results));
	if (!run->results)
		return rc_err_nomem(err);
	run->started_at = (int64_t)time(NULL);
	while (i < p->n_candidates) {
		const struct rc_plan_item *it = &p->candidates[i];
		struct ra_source *src = find_open(srcs, it->source);
		struct ra_result *r = &run->results[i];
		int64_t t0 = mono_ms();

		if (!src || !src->s) {
			rc = rc_err_set(err, RC_ERR_INTERNAL, "source of item '%s' is not open",
					it->id);
			break;
		}
		/* a batch starts at an item to re-check (a rerun of a finished
		 * run asks the source nothing) */
		k = 1;
		if (!stop && !o->dry_run && src->ops->batch_span && src->ops->remove_batch &&
		    !ra_journal_done(j, it->id))
			k = src->ops->batch_span(src->s, it, p->n_candidates - i);
		/* a batch is of one source */
		for (size_t m = 1; m < k && m < p->n_candidates - i; m++)
			if (find_open(srcs, p->candidates[i + m].source) != src) {
				k = m;
				break;
			}
		if (k > 1 && k <= p->n_candidates - i) {
			if ((rc = apply_batch(p, i, k, src, j, o, &n_deletes, &n_intents, run,
					      &stop, err)) < 0)
				break;
			i += k;
			continue;
		}
		r->item = it;
		run->n = i + 1;
		rc_progress("applying", i, p->n_candidates);
		if (stop) {
			not_attempted(r, "--fail-fast after a failure");
		} else if (apply_item(it, src, j, o, &n_deletes, &n_intents, r, err) < 0) {
			/* The journal failed: account for this item, then stop. */
			account(run, r, t0, src, o, 0, &stop, err);
			rc = -1;
			break;
		}
		if ((rc = account(run, r, t0, src, o, 1, &stop, err)) < 0)
			break;
		i++;
	}
	rc_progress_done();
	run->finished_at = (int64_t)time(NULL);
	return rc;
}
