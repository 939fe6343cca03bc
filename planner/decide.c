/* decide.c: turns the inventory's objects and a policy into plan items.
 *
 * Generic over sources: what is specific to a source arrives as attributes
 * of its objects (inventory.h), computed next to the source. Nothing here
 * is quadratic in the number of objects: ranks come from one sort, sizes
 * from another. */
#include <ctype.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "decide.h"
#include "hex.h"
#include "jcs.h"
#include "source.h"
#include "units.h"

#define REASON_MAX 512
#define REPO_MAX 512 /* a repository longer than this is compared truncated */

enum verdict { V_NONE = 0, V_CANDIDATE, V_PROTECTED };

struct decision {
	enum verdict v;
	const char *rule; /* borrowed: a rule name or a static protection name */
	char *reason; /* owned, exactly its length (set_reason): at 20k objects
			 a buffer each was 10 MiB; NULL none yet */
	int reason_lost; /* set_reason ran out of memory */
	int64_t last_used; /* evidence of use, the reference for ages */
	const struct rp_rule *claim; /* first rule whose selectors match, NULL */
	int passed_over; /* a rule of its kind passed it over as reserved */
	int inherited_in_use; /* kept because a descendant is in use */
	int firm; /* kept by a protection (users, the source's own, refs,
		     labels, tag patterns), not by a rule or a default */
	int64_t rank; /* keep_last rank (1 = newest), 0 when not ranked */
	const char *rank_repo; /* the repository of that rank */
};

struct state {
	const struct rp_policy *pol;
	int64_t now;
	const struct rc_object *o;
	size_t n;
	struct decision *d;
	char **repos; /* owned: the ranked repositories, rank_repo points here */
	size_t n_repos;
};

static void fmt_age(int64_t secs, char *out, size_t outsz)
{
	rc_format_duration(secs < 0 ? 0 : secs, out, outsz);
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* ---- matching helpers ----------------------------------------------------- */

/* "repo:tag" -> pointer to the tag part, or NULL when there is none. */
static const char *tag_part(const char *ref)
{
	const char *colon = strrchr(ref, ':');
	const char *slash = strrchr(ref, '/');

	if (!colon || (slash && slash > colon))
		return NULL;
	return colon + 1;
}

/* Copies the repository of "repo:tag" or "repo@digest" into out. */
static void repo_part(const char *ref, char *out, size_t outsz)
{
	const char *at = strchr(ref, '@');
	const char *t = at ? NULL : tag_part(ref);
	size_t n = at ? (size_t)(at - ref) : t ? (size_t)(t - 1 - ref) : strlen(ref);

	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, ref, n);
	out[n] = '\0';
}

static int label_protection(const struct rp_policy *pol, const struct rc_labels *labels,
			    char *reason, size_t rsz)
{
	size_t i;

	for (i = 0; i < pol->protect.labels.n; i++) {
		const char *spec = pol->protect.labels.v[i];
		const char *eq = strchr(spec, '=');
		char key[256];
		size_t kl = eq ? (size_t)(eq - spec) : strlen(spec);
		const char *val;

		if (kl >= sizeof(key))
			continue;
		memcpy(key, spec, kl);
		key[kl] = '\0';
		val = rc_labels_get(labels, key);
		if (!val || (eq && strcmp(val, eq + 1) != 0))
			continue;
		if (val[0] || eq)
			snprintf(reason, rsz, "label %s=%s", key, val);
		else
			snprintf(reason, rsz, "label %s", key);
		return 1;
	}
	return 0;
}

static int tag_protection(const struct rp_policy *pol, const struct rc_strv *tags, char *reason,
			  size_t rsz)
{
	size_t i, j;

	for (i = 0; i < tags->n; i++)
		for (j = 0; j < pol->protect.tags.n; j++) {
			const char *pat = pol->protect.tags.v[j];
			const char *subject = tags->v[i];
			if (!strchr(pat, ':')) {
				subject = tag_part(tags->v[i]);
				if (!subject)
					continue;
			}
			if (fnmatch(pat, subject, 0) == 0) {
				snprintf(reason, rsz, "tag '%s' matches keep pattern '%s'",
					 tags->v[i], pat);
				return 1;
			}
		}
	return 0;
}

/* protect.tags_regex: EREs that the whole tag must match. */
static int tag_regex_protection(const struct rp_policy *pol, const struct rc_strv *tags,
				char *reason, size_t rsz)
{
	size_t i, j;

	for (i = 0; i < tags->n; i++) {
		const char *t = tag_part(tags->v[i]);
		for (j = 0; t && j < pol->protect.tags_regex.n; j++)
			if (regexec(&pol->protect.tags_re[j], t, 0, NULL, 0) == 0) {
				snprintf(reason, rsz, "tag '%s' matches keep regex '%s'",
					 tags->v[i], pol->protect.tags_regex.v[j]);
				return 1;
			}
	}
	return 0;
}

/* Does ref name an object with this ID (full, without "sha256:", or a hex
 * prefix of at least 12 digits)? */
static int ref_matches_id(const char *ref, const char *id)
{
	const char *hid = strncmp(id, "sha256:", 7) == 0 ? id + 7 : id;
	const char *href = strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref;
	size_t n = strlen(href);

	if (strcmp(ref, id) == 0)
		return 1;
	return n >= 12 && rc_is_hex(href, n) && strncmp(hid, href, n) == 0;
}

/* An object with members is not named by its refs: they are its members'
 * names, and protect those (a manifest's tags). */
static int ref_protection(const struct rp_policy *pol, const struct rc_object *o, char *reason,
			  size_t rsz)
{
	int names = !o->n_members;
	size_t i;

	for (i = 0; i < pol->protect.refs.n; i++) {
		const char *ref = pol->protect.refs.v[i];
		if ((o->ref_id && ref_matches_id(ref, o->ref_id)) ||
		    (names && o->name && o->name[0] && !strcmp(ref, o->name)) ||
		    (names && rc_strv_has(&o->refs, ref)) || rc_strv_has(o->digests, ref) ||
		    rc_strv_has(o->aliases, ref)) {
			snprintf(reason, rsz, "ref '%s' is protected", ref);
			return 1;
		}
	}
	return 0;
}

/* What goes before "age" and "rank" in reasons: the source's time they
 * measure ("updatedAt "), when the object names one. */
static void basis_prefix(const struct rc_object *o, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s%s", o->age_basis ? o->age_basis : "", o->age_basis ? " " : "");
}

/* The same before "rank": rank_basis when the object ranks on another time. */
static void rank_prefix(const struct rc_object *o, char *out, size_t outsz)
{
	if (o->rank_basis)
		snprintf(out, outsz, "%s ", o->rank_basis);
	else
		basis_prefix(o, out, outsz);
}

/* min_age protection; last_used 0 means unknown and is protected. */
static int min_age_protection(const struct rp_policy *pol, int64_t now, int64_t last_used,
			      const char *basis, char *reason, size_t rsz)
{
	char a[32], m[32];

	if (pol->protect.min_age <= 0)
		return 0;
	rp_format_duration_exact(pol->protect.min_age, m, sizeof(m));
	if (last_used <= 0) {
		snprintf(reason, rsz, "%sage unknown, min-age %s", basis, m);
		return 1;
	}
	if (now - last_used >= pol->protect.min_age)
		return 0;
	fmt_age(now - last_used, a, sizeof(a));
	snprintf(reason, rsz, "younger than min-age %s (%sage %s)", m, basis, a);
	return 1;
}

/* ---- rule selectors ---------------------------------------------------------- */

/* A rule's sources name the object's source or its type. */
static int source_matches(const struct rp_rule *r, const struct rc_object *o)
{
	size_t i;

	if (!r->sources.n)
		return 1;
	for (i = 0; i < r->sources.n; i++)
		if (strcmp(r->sources.v[i], o->source) == 0 ||
		    (o->source_type && strcmp(r->sources.v[i], o->source_type) == 0))
			return 1;
	return 0;
}

/* A rule without kinds selects every kind but those holding data, and but
 * those only a rule naming their kind or source selects. */
static int kind_matches(const struct rp_rule *r, const struct rc_object *o)
{
	if (!r->kinds)
		return !(o->flags & RC_OBJ_DATA) && (!(o->flags & RC_OBJ_OPT_IN) || r->sources.n);
	return (r->kinds & RP_KIND_BIT(o->kind)) != 0;
}

static int tag_selectors(const struct rp_rule *r, const struct rc_object *o)
{
	const struct rc_strv *tags = &o->refs;
	size_t i, j;

	if (r->tagged == RP_TAGGED_YES && !tags->n)
		return 0;
	if (r->tagged == RP_TAGGED_NO && tags->n)
		return 0;
	if (r->repositories.n) {
		size_t n_repos = 0;
		const struct rc_strv *lists[2] = {tags, o->digests};
		int l;
		for (l = 0; l < 2; l++)
			for (i = 0; lists[l] && i < lists[l]->n; i++) {
				char repo[REPO_MAX];
				int ok = 0;
				repo_part(lists[l]->v[i], repo, sizeof(repo));
				n_repos++;
				for (j = 0; j < r->repositories.n && !ok; j++)
					ok = fnmatch(r->repositories.v[j], repo, 0) == 0;
				if (!ok)
					return 0;
			}
		if (!n_repos)
			return 0;
	}
	if (r->tag_include) {
		if (!tags->n)
			return 0;
		for (i = 0; i < tags->n; i++) {
			const char *t = tag_part(tags->v[i]);
			if (!t || regexec(&r->include_re, t, 0, NULL, 0) != 0)
				return 0;
		}
	}
	if (r->tag_exclude)
		for (i = 0; i < tags->n; i++) {
			const char *t = tag_part(tags->v[i]);
			if (t && regexec(&r->exclude_re, t, 0, NULL, 0) == 0)
				return 0;
		}
	return 1;
}

/* The first rule whose selectors match o, and whether a rule of its source
 * and kind passed it over because it is reserved. */
static void claim(const struct rp_policy *pol, const struct rc_object *o, struct decision *d)
{
	size_t k;

	if (o->n_members) /* decided by its members (close_sets) */
		return;
	for (k = 0; k < pol->n_rules; k++) {
		const struct rp_rule *r = &pol->rules[k];
		if (!source_matches(r, o) || !kind_matches(r, o))
			continue;
		if ((o->flags & RC_OBJ_UNTAGGED_RULE) && !o->refs.n && r->tagged != RP_TAGGED_NO)
			continue;
		if ((o->flags & RC_OBJ_RESERVED) && !rp_rule_takes_all(r, o->kind)) {
			d->passed_over = 1;
			continue;
		}
		if (o->state &&
		    !((r->states ? r->states : RP_STATE_STOPPED) & rp_state_bit(o->state)))
			continue;
		if ((o->flags & RC_OBJ_TAGS) && !tag_selectors(r, o))
			continue;
		d->claim = r;
		return;
	}
}

/* ---- ranking ----------------------------------------------------------------- */

struct rank_ent {
	const char *repo; /* into s->repos */
	int64_t last_used; /* what ranks: rank_time, or last_used */
	int64_t tie; /* rank_tie, between equal rank times */
	const char *id;
	size_t obj;
};

static int cmp_rank(const void *pa, const void *pb)
{
	const struct rank_ent *a = pa, *b = pb;
	int c = strcmp(a->repo, b->repo);

	if (c)
		return c;
	if (a->last_used != b->last_used)
		return a->last_used > b->last_used ? -1 : 1;
	if (a->tie != b->tie)
		return a->tie > b->tie ? -1 : 1;
	if ((c = strcmp(a->id, b->id)))
		return c;
	return a->obj < b->obj ? -1 : a->obj > b->obj;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Ranks, per repository, the objects each keep_last rule claims: one sort
 * by repository and recency, then one walk counting per rule. */
/* Tagged, claimed by a keep_last rule, and not a follower's tag. */
static int rankable(const struct rc_object *o, const struct decision *d)
{
	return (o->flags & RC_OBJ_TAGS) && !(o->flags & RC_OBJ_UNRANKED) && d->claim &&
	       d->claim->keep_last > 0;
}

static int rank(struct state *s, struct rc_err *err)
{
	struct rank_ent *ents = NULL;
	size_t n = 0, i, j, start, *count = NULL;
	const char **last = NULL; /* per rule: the identity ranked last */
	int rc = -1;

	for (i = 0; i < s->n; i++)
		if (rankable(&s->o[i], &s->d[i]))
			n += s->o[i].refs.n;
	if (!n)
		return 0;
	ents = calloc(n, sizeof(*ents));
	s->repos = calloc(n, sizeof(*s->repos));
	count = calloc(s->pol->n_rules + 1, sizeof(*count));
	last = calloc(s->pol->n_rules + 1, sizeof(*last));
	if (!ents || !s->repos || !count || !last) {
		rc_err_nomem(err);
		goto out;
	}
	n = 0;
	for (i = 0; i < s->n; i++) {
		const struct rc_object *o = &s->o[i];
		size_t first = s->n_repos;
		if (!rankable(o, &s->d[i]))
			continue;
		/* each of its repositories once */
		for (j = 0; j < o->refs.n; j++) {
			char repo[REPO_MAX];
			repo_part(o->refs.v[j], repo, sizeof(repo));
			if (!(s->repos[s->n_repos] = strdup(repo))) {
				rc_err_nomem(err);
				goto out;
			}
			s->n_repos++;
		}
		qsort(s->repos + first, s->n_repos - first, sizeof(char *), cmp_str);
		for (j = first; j < s->n_repos; j++) {
			if (j > first && strcmp(s->repos[j], ents[n - 1].repo) == 0)
				continue;
			ents[n].repo = s->repos[j];
			ents[n].last_used = o->rank_time ? o->rank_time : s->d[i].last_used;
			ents[n].tie = o->rank_time ? o->rank_tie : 0;
			ents[n].id = o->rank_id ? o->rank_id : o->object;
			ents[n].obj = i;
			n++;
		}
	}
	qsort(ents, n, sizeof(*ents), cmp_rank);
	/* ranks are per rule and repository: count within runs of one repo, per
	 * rule; objects that share a rank identity (adjacent) share a rank */
	for (start = 0; start < n; start = j) {
		for (j = start; j < n && strcmp(ents[j].repo, ents[start].repo) == 0; j++) {
			struct decision *d = &s->d[ents[j].obj];
			size_t ri = (size_t)(d->claim - s->pol->rules);
			int64_t r;
			if (!last[ri] || strcmp(last[ri], ents[j].id) != 0) {
				count[ri]++;
				last[ri] = ents[j].id;
			}
			r = (int64_t)count[ri];
			if (d->rank == 0 || r < d->rank) {
				d->rank = r;
				d->rank_repo = ents[j].repo;
			}
		}
		for (j = start; j < n && strcmp(ents[j].repo, ents[start].repo) == 0; j++) {
			count[s->d[ents[j].obj].claim - s->pol->rules] = 0;
			last[s->d[ents[j].obj].claim - s->pol->rules] = NULL;
		}
	}
	rc = 0;
out:
	free(ents);
	free(count);
	free(last);
	return rc;
}

/* ---- applying a rule's conditions ------------------------------------------ */

/* The reason so far, "" when none. */
static const char *reason_of(const struct decision *d)
{
	return d->reason ? d->reason : "";
}

/* Replaces d's reason (which the arguments may name) by the formatted text,
 * cut at REASON_MAX - 1 bytes, any byte of a character split by a cut (here
 * or in a %.Ns) made '?'. Out of memory, d->reason_lost is set, which
 * emit reports. */
__attribute__((format(printf, 2, 3))) static void set_reason(struct decision *d, const char *f,
							     ...)
{
	char buf[REASON_MAX];
	va_list ap;
	char *copy;

	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	/* a bound may cut a character (a label's value) in half */
	rc_utf8_repair(buf);
	copy = strdup(buf);
	free(d->reason);
	d->reason = copy;
	if (!copy)
		d->reason_lost = 1;
}

/* Appends to d's reason, within the same bound. */
__attribute__((format(printf, 2, 3))) static void append(struct decision *d, const char *f, ...)
{
	char buf[REASON_MAX];
	size_t len;
	va_list ap;

	len = (size_t)snprintf(buf, sizeof(buf), "%s", reason_of(d));
	if (len + 1 >= sizeof(buf))
		return;
	va_start(ap, f);
	vsnprintf(buf + len, sizeof(buf) - len, f, ap);
	va_end(ap);
	set_reason(d, "%s", buf);
}

/* Fills d for an object the rule claims. `what` begins the reason of a
 * candidate (e.g. "dangling, unused"); with RC_OBJ_AGE_IN_WHAT it is "WHAT
 * AGE agoTAIL" and an older_than rule says "WHAT AGE ago > LIMITTAIL". */
static void apply_conditions(const struct state *s, const struct rp_rule *r,
			     const struct rc_object *o, const char *what, struct decision *d)
{
	char a[32], lim[32], b[64], rb[64];
	int64_t age = s->now - d->last_used;

	d->rule = r->name;
	basis_prefix(o, b, sizeof(b));
	rank_prefix(o, rb, sizeof(rb));
	fmt_age(age, a, sizeof(a));
	if (r->not_pulled_for >= 0) {
		char p[32];
		if (o->last_pulled <= 0) {
			d->v = V_PROTECTED;
			set_reason(d, "%s",
				 o->no_pull_time ? o->no_pull_time : "pull time unknown");
			return;
		}
		if (s->now - o->last_pulled <= r->not_pulled_for) {
			fmt_age(s->now - o->last_pulled, p, sizeof(p));
			rp_format_duration_exact(r->not_pulled_for, lim, sizeof(lim));
			d->v = V_PROTECTED;
			set_reason(d, "%s %s ago <= %s",
				   o->flags & RC_OBJ_NEVER_PULLED ? "never pulled, pushed"
								  : "pulled",
				   p, lim);
			return;
		}
	}
	if (r->older_than >= 0) {
		rp_format_duration_exact(r->older_than, lim, sizeof(lim));
		if (d->last_used <= 0) {
			d->v = V_PROTECTED;
			set_reason(d, "%sage unknown, rule wants > %s", b, lim);
			return;
		}
		if (age <= r->older_than) {
			d->v = V_PROTECTED;
			set_reason(d, "%sage %s <= %s", b, a, lim);
			return;
		}
	}
	if (r->keep_last > 0 && d->rank > 0 && d->rank <= r->keep_last) {
		d->v = V_PROTECTED;
		set_reason(d, "%srank %" PRId64 " <= keep %" PRId64 " in '%.255s'", rb, d->rank,
			   r->keep_last, d->rank_repo);
		return;
	}
	d->v = V_CANDIDATE;
	if (o->flags & RC_OBJ_AGE_IN_WHAT) {
		/* "exited 3d ago, age 3d > 2d" reads twice: say it once */
		if (r->older_than >= 0)
			set_reason(d, "%s %s ago > %s%s", what, a, lim,
				 o->what_tail ? o->what_tail : "");
		else
			set_reason(d, "%s %s ago%s", what, a,
				 o->what_tail ? o->what_tail : "");
	} else {
		set_reason(d, "%s", what);
		if (r->older_than >= 0)
			append(d, "%s%sage %s > %s", *reason_of(d) ? ", " : "", b, a, lim);
	}
	if (r->not_pulled_for >= 0) {
		char p[32];
		fmt_age(s->now - o->last_pulled, p, sizeof(p));
		rp_format_duration_exact(r->not_pulled_for, lim, sizeof(lim));
		append(d, "%snot pulled for %s > %s%s", *reason_of(d) ? ", " : "", p, lim,
		       o->flags & RC_OBJ_NEVER_PULLED ? " (never pulled: counted from its push)"
						      : "");
	}
	if (r->keep_last > 0 && d->rank > 0)
		append(d, "%s%srank %" PRId64 " > keep %" PRId64, *reason_of(d) ? ", " : "", rb,
		       d->rank, r->keep_last);
}

static void protect(struct decision *d, const char *rule, const char *reason)
{
	d->v = V_PROTECTED;
	d->rule = rule;
	set_reason(d, "%s", reason);
}

/* A protection rather than a rule's or a default's keep. */
static void protect_firm(struct decision *d, const char *rule, const char *reason)
{
	protect(d, rule, reason);
	d->firm = 1;
}

/* ---- deciding ------------------------------------------------------------------ */

/* Decides object i; its users are decided already. */
static void decide_one(struct state *s, size_t i)
{
	const struct rc_object *o = &s->o[i];
	struct decision *d = &s->d[i];
	char why[REASON_MAX], basis[64];
	size_t k;

	/* the first user that stays keeps it, then the source's own reasons */
	for (k = 0; k < o->n_users; k++)
		if (s->d[o->users[k].user].v != V_CANDIDATE) {
			protect_firm(d, "in-use", o->users[k].reason);
			return;
		}
	if (o->protect_rule) {
		protect_firm(d, o->protect_rule, o->protect_reason ? o->protect_reason : "");
		return;
	}
	if (ref_protection(s->pol, o, why, sizeof(why))) {
		protect_firm(d, "keep-ref", why);
		return;
	}
	if (o->labels && label_protection(s->pol, o->labels, why, sizeof(why))) {
		protect_firm(d, "keep-label", why);
		return;
	}
	if ((o->flags & RC_OBJ_TAGS) && !o->n_members &&
	    (tag_protection(s->pol, &o->refs, why, sizeof(why)) ||
	     tag_regex_protection(s->pol, &o->refs, why, sizeof(why)))) {
		protect_firm(d, "keep-tag", why);
		return;
	}
	if (o->n_members || o->n_holders) /* its set decides (close_sets) */
		return;
	basis_prefix(o, basis, sizeof(basis));
	if (min_age_protection(s->pol, s->now, d->last_used, basis, why, sizeof(why))) {
		protect(d, "min-age", why);
		return;
	}
	if (!d->claim) {
		const char *r = d->passed_over && o->passed_over ? o->passed_over : o->unclaimed;
		protect(d, "no-rule", r ? r : "no rule selects it");
		return;
	}
	apply_conditions(s, d->claim, o,
			 o->n_users && o->what_users ? o->what_users
			 : o->what		     ? o->what
						     : "",
			 d);
}

/* What a kept object is built on is kept: walk until nothing changes (as
 * many rounds as the longest chain of parents). */
static void keep_parents(struct state *s)
{
	size_t i;
	int changed;

	do {
		changed = 0;
		for (i = 0; i < s->n; i++) {
			const struct rc_object *o = &s->o[i];
			struct decision *d = &s->d[i], *pd;
			char why[REASON_MAX];
			int in_use;

			if (d->v != V_PROTECTED || o->parent < 0)
				continue;
			pd = &s->d[o->parent];
			in_use = d->inherited_in_use || strcmp(d->rule, "in-use") == 0;
			/* in use beats every other reason; kept only beats candidate */
			if (pd->v == V_PROTECTED && (!in_use || strcmp(pd->rule, "in-use") == 0))
				continue;
			snprintf(why, sizeof(why), "parent of %s %s '%s'",
				 in_use ? "in-use" : "kept", rc_kind_name((enum rc_kind)o->kind),
				 o->label ? o->label : o->object);
			protect(pd, in_use ? "in-use" : "parent", why);
			pd->inherited_in_use = in_use;
			changed = 1;
		}
	} while (changed);
}

/* ---- closed sets --------------------------------------------------------------- */

static const char *label_of(const struct rc_object *o)
{
	return o->label ? o->label : o->object;
}


/* "tag 'a'", "tags 'a' and 'b'", "tags 'a', 'b', 'c', 'd', 'e' and 3 more". */
static void list_members(const struct state *s, const struct rc_object *o, char *out, size_t outsz)
{
	size_t k, shown = o->n_members > 5 ? 5 : o->n_members, len;

	snprintf(out, outsz, "%s%s", rc_kind_name((enum rc_kind)s->o[o->members[0]].kind),
		 o->n_members > 1 ? "s" : "");
	for (k = 0; k < shown; k++) {
		const char *sep = k == 0 ? " " : k + 1 == o->n_members ? " and " : ", ";
		len = strlen(out);
		snprintf(out + len, outsz - len, "%s'%s'", sep, label_of(&s->o[o->members[k]]));
	}
	if (shown < o->n_members) {
		len = strlen(out);
		snprintf(out + len, outsz - len, " and %zu more", o->n_members - shown);
	}
}

/* The reasons of collateral (rp_item_is_collateral reads them): a held
 * object's first clause ends so, a member's reason begins so. */
#define HELD_TAIL ", which this plan deletes"
#define MEMBER_HEAD "goes with "

int rp_item_is_collateral(const struct rc_plan_item *it)
{
	const char *r = it && it->reason ? it->reason : "";
	size_t n = strcspn(r, ";"), t = strlen(HELD_TAIL);

	if (!strncmp(r, MEMBER_HEAD, strlen(MEMBER_HEAD)))
		return 1;
	return n >= t && !strncmp(r + n - t, HELD_TAIL, t);
}

/* Decides an object with members or holders; its holders are settled and
 * its members decided. */
static void settle(struct state *s, size_t i)
{
	const struct rc_object *o = &s->o[i];
	struct decision *d = &s->d[i];
	const char *kind = rc_kind_name((enum rc_kind)o->kind);
	const char *rel = o->held_as ? o->held_as : "part";
	char why[REASON_MAX], list[REASON_MAX];
	long kept = -1;
	size_t k;

	if (d->v == V_NONE)
		for (k = 0; k < o->n_holders; k++) {
			const struct rc_object *h = &s->o[o->holders[k]];
			if (s->d[o->holders[k]].v == V_CANDIDATE)
				continue;
			snprintf(why, sizeof(why), "%s of kept %s '%s'", rel,
				 rc_kind_name((enum rc_kind)h->kind), label_of(h));
			protect(d, "graph", why);
			break;
		}
	/* what keeps it keeps its members */
	if (d->v == V_PROTECTED) {
		for (k = 0; k < o->n_members; k++) {
			struct decision *md = &s->d[o->members[k]];
			if (md->v != V_CANDIDATE)
				continue;
			snprintf(why, sizeof(why), "%s '%.200s' stays: %.280s", kind, label_of(o),
				 reason_of(d));
			protect(md, d->rule, why);
		}
		return;
	}
	/* every holder goes, or it has none: a kept member keeps it, but for a
	 * follower only a protected one does */
	for (k = 0; k < o->n_members && kept < 0; k++) {
		const struct decision *md = &s->d[o->members[k]];
		if (md->v != V_CANDIDATE &&
		    (!(o->flags & RC_OBJ_FOLLOWS) || !o->n_holders || md->firm))
			kept = (long)o->members[k];
	}
	if (kept >= 0) {
		const struct rc_object *m = &s->o[kept];
		const char *mkind = rc_kind_name((enum rc_kind)m->kind);
		snprintf(why, sizeof(why), "%s '%.200s' stays: %.280s", mkind, label_of(m),
			 reason_of(&s->d[kept]));
		protect(d, s->d[kept].rule, why);
		d->firm = s->d[kept].firm;
		for (k = 0; k < o->n_members; k++)
			if (s->d[o->members[k]].v == V_CANDIDATE)
				append(&s->d[o->members[k]],
				       "; only the %s goes: %s '%s' stays for %s '%s'",
				       rc_kind_name((enum rc_kind)s->o[o->members[k]].kind), kind,
				       label_of(o), mkind, label_of(m));
		return;
	}
	d->v = V_CANDIDATE;
	if (o->n_holders) {
		const struct rc_object *h = &s->o[o->holders[0]];
		d->rule = s->d[o->holders[0]].rule;
		set_reason(d, "%s of %s '%s'" HELD_TAIL, rel, rc_kind_name((enum rc_kind)h->kind),
			   label_of(h));
		if (o->n_members) {
			list_members(s, o, list, sizeof(list));
			append(d, "; deleting it also removes %s", list);
		}
	} else {
		d->rule = s->d[o->members[0]].rule;
		list_members(s, o, list, sizeof(list));
		set_reason(d, "deleting '%.200s' also removes %.270s, %s",
			 label_of(o), list, o->n_members > 1 ? "all candidates" : "a candidate");
	}
	for (k = 0; k < o->n_members; k++) {
		struct decision *md = &s->d[o->members[k]];
		if (md->v == V_CANDIDATE) {
			append(md, "; goes with %s '%s', deleted before it", kind, label_of(o));
			continue;
		}
		md->v = V_CANDIDATE;
		md->rule = d->rule;
		md->firm = 0;
		set_reason(md, MEMBER_HEAD "%s '%.200s': %.280s", kind, label_of(o), reason_of(d));
	}
}

/* Deletion sets are closed (docs/design.md, "Closed sets"): objects with
 * members or holders are settled once their holders are, so as many rounds
 * as the longest chain of holders. What a cycle leaves is kept. */
static int close_sets(struct state *s, struct rc_err *err)
{
	unsigned char *done = calloc(s->n + 1, 1);
	size_t i, k, left = 0;
	int progress = 1;

	if (!done)
		return rc_err_nomem(err);
	for (i = 0; i < s->n; i++) {
		if (s->o[i].n_members || s->o[i].n_holders)
			left++;
		else
			done[i] = 1;
	}
	while (left && progress) {
		progress = 0;
		for (i = 0; i < s->n; i++) {
			if (done[i])
				continue;
			for (k = 0; k < s->o[i].n_holders && done[s->o[i].holders[k]]; k++)
				;
			if (k < s->o[i].n_holders)
				continue;
			settle(s, i);
			done[i] = 1;
			left--;
			progress = 1;
		}
	}
	for (i = 0; left && i < s->n; i++)
		if (!done[i]) {
			if (s->d[i].v == V_NONE)
				protect(&s->d[i], "graph", "in a cycle of references");
			settle(s, i);
		}
	free(done);
	return 0;
}

/* ---- sizes ----------------------------------------------------------------- */

struct part_ref {
	const char *key;
	int64_t size;
	size_t obj;
};

static int cmp_part(const void *pa, const void *pb)
{
	const struct part_ref *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);

	if (c)
		return c;
	return a->obj < b->obj ? -1 : a->obj > b->obj;
}

/* Parts shared between objects (docs/sizes.md): a part is freed when every
 * object holding it is a candidate; an object frees alone the freed parts
 * no other object holds; a kind's total counts each freed part once. */
static int part_sizes(struct state *s, int64_t *reclaim, int64_t *by_kind, struct rc_err *err)
{
	struct part_ref *refs = NULL;
	size_t n = 0, i, j, k, start;

	for (i = 0; i < s->n; i++)
		n += s->o[i].n_parts;
	if (!n)
		return 0;
	refs = calloc(n, sizeof(*refs));
	if (!refs)
		return rc_err_nomem(err);
	n = 0;
	for (i = 0; i < s->n; i++)
		for (k = 0; k < s->o[i].n_parts; k++) {
			refs[n].key = s->o[i].parts[k].key;
			refs[n].size = s->o[i].parts[k].size;
			refs[n].obj = i;
			n++;
		}
	qsort(refs, n, sizeof(*refs), cmp_part);
	for (start = 0; start < n; start = j) {
		int kept = 0;
		size_t holders = 0;
		for (j = start; j < n && strcmp(refs[j].key, refs[start].key) == 0; j++) {
			if (s->d[refs[j].obj].v != V_CANDIDATE)
				kept = 1;
			if (j == start || refs[j].obj != refs[j - 1].obj)
				holders++;
		}
		if (kept)
			continue;
		by_kind[s->o[refs[start].obj].kind] =
		    rc_size_add(by_kind[s->o[refs[start].obj].kind], refs[start].size);
		if (holders == 1)
			reclaim[refs[start].obj] =
			    rc_size_add(reclaim[refs[start].obj], refs[start].size);
	}
	free(refs);
	return 0;
}

/* ---- emitting items ---------------------------------------------------------- */

struct user_ref {
	const char *object;
	size_t idx;
};

static int cmp_user_ref(const void *pa, const void *pb)
{
	const struct user_ref *a = pa, *b = pb;
	int c = strcmp(a->object, b->object);

	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* preconditions.users_in_plan: its users' identities, sorted. */
static int users_in_plan(const struct state *s, const struct rc_object *o, struct rc_strv *dst,
			 struct rc_err *err)
{
	struct user_ref *u;
	size_t k;
	int rc = 0;

	if (!o->n_users)
		return 0;
	if (!(u = calloc(o->n_users, sizeof(*u))))
		return rc_err_nomem(err);
	for (k = 0; k < o->n_users; k++) {
		u[k].object = s->o[o->users[k].user].object;
		u[k].idx = o->users[k].user;
	}
	qsort(u, o->n_users, sizeof(*u), cmp_user_ref);
	for (k = 0; k < o->n_users && rc == 0; k++)
		rc = rc_strv_push(dst, u[k].object, err);
	free(u);
	return rc;
}

/* A candidate of a source that records pulls (RC_OBJ_PULL_PRECOND) records
 * the pull time read, whatever rule chose it: a pull is a use, and apply
 * re-checks that it was not pulled since planning (docs/apply.md). */
static int records_pull(const struct rc_object *o)
{
	return (o->flags & RC_OBJ_PULL_PRECOND) && o->pulled_at;
}

static int emit_item(struct state *s, struct rc_plan *plan, size_t i, int64_t reclaimable,
		     struct rc_err *err)
{
	const struct rc_object *o = &s->o[i];
	struct decision *d = &s->d[i];
	struct rc_plan_item it;
	struct rc_buf id = RC_BUF_INIT;
	int cand = d->v == V_CANDIDATE;
	int rc;

	memset(&it, 0, sizeof(it));
	rc_buf_init(&id, 0);
	if (rc_buf_printf(&id, err, "%s/%s/%s", o->source, rc_kind_name((enum rc_kind)o->kind),
			  o->object) < 0) {
		rc_buf_release(&id);
		return -1;
	}
	it.id = rc_buf_detach(&id);
	it.source = strdup(o->source);
	it.kind = (enum rc_kind)o->kind;
	it.object = strdup(o->object);
	it.name = strdup(o->name ? o->name : "");
	it.rule = strdup(d->rule ? d->rule : "");
	/* the item takes the reason over */
	it.reason = d->reason_lost ? NULL : d->reason ? d->reason : strdup("");
	if (d->reason_lost)
		free(d->reason); /* a later set_reason's, not the whole reason */
	d->reason = NULL;
	it.size = o->size;
	it.reclaimable = cand ? reclaimable : 0;
	it.created = o->created;
	it.last_used = d->last_used;
	if (!it.id || !it.source || !it.object || !it.name || !it.rule || !it.reason) {
		rc_err_nomem(err);
		goto fail;
	}
	if (rc_strv_push_all(&it.refs, &o->refs, err) < 0)
		goto fail;
	if (cand &&
	    (((o->flags & RC_OBJ_TAGS) && rc_strv_push_all(&it.pre.tags, &o->refs, err) < 0) ||
	     ((o->flags & RC_OBJ_USERS_PRECOND) &&
	      users_in_plan(s, o, &it.pre.users_in_plan, err) < 0)))
		goto fail;
	it.pre.usage_count = cand ? o->usage_count : -1;
	/* the pull time a rule read: apply re-checks it (Harbor) */
	if (cand && records_pull(o) && !(it.pre.pulled_at = strdup(o->pulled_at))) {
		rc_err_nomem(err);
		goto fail;
	}
	if (cand && o->digest && !(it.pre.digest = strdup(o->digest))) {
		rc_err_nomem(err);
		goto fail;
	}
	if (cand && ((o->started_at && !(it.pre.started_at = strdup(o->started_at))) ||
		     (o->finished_at && !(it.pre.finished_at = strdup(o->finished_at))))) {
		rc_err_nomem(err);
		goto fail;
	}
	rc = cand ? rc_plan_add_candidate(plan, &it, err) : rc_plan_add_protected(plan, &it, err);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	rc_plan_item_release(&it);
	return -1;
}

/* Emission order: by kind, in the order of the source types' tables
 * (rc_source_kind_order); candidates of a kind by descending level
 * (children before parents); then by identity. */
struct order {
	const struct rc_object *o;
	size_t idx;
	size_t level;
	size_t kind;
};

static int cmp_order(const void *pa, const void *pb)
{
	const struct order *a = pa, *b = pb;
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->level != b->level)
		return a->level > b->level ? -1 : 1;
	if ((c = strcmp(a->o->object, b->o->object)))
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int emit(struct state *s, struct rc_plan *plan, enum verdict want,
		const int64_t *reclaim, struct rc_err *err)
{
	struct order *ord;
	size_t n = 0, i;
	int rc = -1;

	ord = calloc(s->n + 1, sizeof(*ord));
	if (!ord)
		return rc_err_nomem(err);
	for (i = 0; i < s->n; i++)
		if (s->d[i].v == want && (unsigned)s->o[i].kind < RC_KIND_COUNT) {
			ord[n].o = &s->o[i];
			ord[n].idx = i;
			ord[n].level = want == V_CANDIDATE ? s->o[i].level : 0;
			ord[n].kind = rc_source_kind_order(s->o[i].source_type, s->o[i].kind);
			n++;
		}
	qsort(ord, n, sizeof(*ord), cmp_order);
	for (i = 0; i < n; i++) {
		size_t k = ord[i].idx;
		if (emit_item(s, plan, k,
			      (s->o[k].flags & RC_OBJ_PARTS) ? reclaim[k] : s->o[k].reclaimable,
			      err) < 0)
			goto out;
	}
	rc = 0;
out:
	free(ord);
	return rc;
}

int rp_decide(const struct rc_inventory *inv, const struct rp_policy *pol, int64_t now,
	      struct rc_plan *plan, struct rc_err *err)
{
	struct state s;
	int64_t *reclaim = NULL, by_kind[RC_KIND_COUNT] = {0};
	int parts_kind[RC_KIND_COUNT] = {0}, later[RC_KIND_COUNT] = {0};
	size_t i, k;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	s.pol = pol;
	s.now = now;
	s.o = inv->objects;
	s.n = inv->n_objects;
	s.d = calloc(s.n + 1, sizeof(*s.d));
	reclaim = calloc(s.n + 1, sizeof(*reclaim));
	if (!s.d || !reclaim) {
		rc_err_nomem(err);
		goto out;
	}
	for (i = 0; i < s.n; i++) {
		const struct rc_object *o = &s.o[i];
		for (k = 0; k < o->n_users; k++)
			if (o->users[k].user >= s.n || s.o[o->users[k].user].n_users) {
				rc_err_set(err, RC_ERR_INTERNAL,
					   "object '%s' has a user that is out of range or has "
					   "users itself",
					   o->object);
				goto out;
			}
		if (o->parent >= (long)s.n) {
			rc_err_set(err, RC_ERR_INTERNAL, "object '%s' has a parent out of range",
				   o->object);
			goto out;
		}
		s.d[i].last_used = o->last_used;
		if (o->flags & RC_OBJ_USED_NOW)
			s.d[i].last_used = max64(s.d[i].last_used, now);
		claim(pol, o, &s.d[i]);
	}
	if (rank(&s, err) < 0)
		goto out;
	/* users first: what they use depends on whether they stay */
	for (i = 0; i < s.n; i++)
		if (!s.o[i].n_users)
			decide_one(&s, i);
	for (i = 0; i < s.n; i++)
		if (s.o[i].n_users)
			decide_one(&s, i);
	keep_parents(&s);
	if (close_sets(&s, err) < 0 || part_sizes(&s, reclaim, by_kind, err) < 0)
		goto out;
	for (i = 0; i < s.n; i++)
		if (s.d[i].v == V_CANDIDATE && s.o[i].note)
			append(&s.d[i], "; %s", s.o[i].note);

	if (emit(&s, plan, V_CANDIDATE, reclaim, err) < 0 ||
	    emit(&s, plan, V_PROTECTED, reclaim, err) < 0)
		goto out;

	rc_plan_summarise(plan);
	/* Parts are shared: the set frees each once, which the sum of the
	 * objects' own bytes does not capture. A kind's bytes are freed now or
	 * after the source's garbage collection, as its type says. */
	for (i = 0; i < s.n; i++) {
		const struct rc_source_ops *ops = rc_source_find(s.o[i].source_type);
		if ((unsigned)s.o[i].kind >= RC_KIND_COUNT)
			continue;
		if (s.o[i].flags & RC_OBJ_PARTS)
			parts_kind[s.o[i].kind] = 1;
		if (ops && !ops->frees_at_once)
			later[s.o[i].kind] = 1;
	}
	plan->summary.bytes_freed_now = 0;
	plan->summary.bytes_freed_after_gc = 0;
	for (k = 0; k < RC_KIND_COUNT; k++) {
		if (parts_kind[k])
			plan->summary.bytes_by_kind[k] = by_kind[k];
		if (later[k])
			plan->summary.bytes_freed_after_gc = rc_size_add(
			    plan->summary.bytes_freed_after_gc, plan->summary.bytes_by_kind[k]);
		else
			plan->summary.bytes_freed_now = rc_size_add(plan->summary.bytes_freed_now,
								    plan->summary.bytes_by_kind[k]);
	}
	rc = 0;
out:
	for (i = 0; i < s.n_repos; i++)
		free(s.repos[i]);
	free(s.repos);
	for (i = 0; s.d && i < s.n; i++)
		free(s.d[i].reason);
	free(s.d);
	free(reclaim);
	return rc;
}

int rp_plan_build(const struct rc_inventory *inv, const struct rp_policy *pol, int64_t now,
		  int64_t ttl, struct rc_plan *plan, struct rc_err *err)
{
	size_t i, k;

	plan->version = RC_PLAN_VERSION;
	plan->created_at = now;
	plan->expires_at = now + ttl;
	if (!(plan->tool_version = strdup(RC_VERSION)))
		return rc_err_nomem(err);
	if (!(plan->policy = rp_policy_to_json(pol, err)))
		return -1;
	if (!(plan->policy_digest = rc_json_digest(plan->policy, err)))
		return rc_err_prefix(err, "cannot digest the effective policy");
	for (i = 0; i < inv->n_sources; i++) {
		const struct rc_inventory_source *is = &inv->sources[i];
		struct rc_plan_source src;
		int ok;

		memset(&src, 0, sizeof(src));
		src.name = strdup(is->name);
		src.type = strdup(is->type);
		src.endpoint = strdup(is->endpoint);
		src.scanned_at = now;
		src.identity = cJSON_CreateObject();
		ok = src.name && src.type && src.endpoint && src.identity;
		for (k = 0; ok && k < is->identity.n; k++)
			ok = cJSON_AddStringToObject(src.identity, is->identity.v[k].key,
						     is->identity.v[k].value) != NULL;
		if (!ok)
			rc_err_nomem(err);
		if (!ok || rc_plan_add_source(plan, &src, err) < 0) {
			free(src.name);
			free(src.type);
			free(src.endpoint);
			cJSON_Delete(src.identity);
			return -1;
		}
	}
	if (rp_decide(inv, pol, now, plan, err) < 0)
		return -1;
	return rc_plan_seal(plan, err);
}
