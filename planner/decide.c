/* decide.c: turns an engine inventory and a policy into plan items. */
#include <ctype.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "decide.h"
#include "layers.h"
#include "sha256.h"
#include "units.h"

#define REASON_MAX 512

enum verdict { V_NONE = 0, V_CANDIDATE, V_PROTECTED };

struct decision {
	enum verdict v;
	const char *rule; /* borrowed: a rule name or a static protection name */
	char reason[REASON_MAX];
	int64_t last_used; /* evidence of use, the reference for ages */
};

/* Per-image facts computed once. */
struct img_info {
	size_t *users; /* container indexes, sorted by container ID */
	size_t n_users;
	struct rc_strv tags; /* sorted copy, not owned strings (borrowed pointers) */
	int depth; /* ancestors present in the inventory */
	long parent; /* index of the parent image, -1 */
	int inherited_in_use; /* kept because a descendant is in use */
	const struct rp_rule *rule; /* first rule whose selectors match, NULL */
	int64_t rank; /* keep_last rank (1 = newest), 0 when not ranked */
	char rank_repo[256];
	char **chain; /* chain IDs, one per layer */
};

struct state {
	const struct rc_inventory *inv;
	const struct rp_policy *pol;
	int64_t now;
	struct decision *cd, *id, *vd, *nd, *bd;
	struct img_info *ii;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void fmt_age(int64_t secs, char *out, size_t outsz)
{
	rc_format_duration(secs < 0 ? 0 : secs, out, outsz);
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int stopped_state(const char *s)
{
	return rp_state_bit(s) != 0;
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

static int is_hex(const char *s)
{
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return 0;
	return 1;
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
	return n >= 12 && is_hex(href) && strncmp(hid, href, n) == 0;
}

static int ref_protection(const struct rp_policy *pol, const char *id, const char *name,
			  const struct rc_strv *a, const struct rc_strv *b, char *reason,
			  size_t rsz)
{
	size_t i, j;

	for (i = 0; i < pol->protect.refs.n; i++) {
		const char *ref = pol->protect.refs.v[i];
		int hit =
		    (id && ref_matches_id(ref, id)) || (name && name[0] && !strcmp(ref, name));
		for (j = 0; !hit && a && j < a->n; j++)
			hit = strcmp(ref, a->v[j]) == 0;
		for (j = 0; !hit && b && j < b->n; j++)
			hit = strcmp(ref, b->v[j]) == 0;
		if (hit) {
			snprintf(reason, rsz, "ref '%s' is protected", ref);
			return 1;
		}
	}
	return 0;
}

/* min_age protection; last_used 0 means unknown and is protected. */
static int min_age_protection(const struct rp_policy *pol, int64_t now, int64_t last_used,
			      char *reason, size_t rsz)
{
	char a[32], m[32];

	if (pol->protect.min_age <= 0)
		return 0;
	rp_format_duration_exact(pol->protect.min_age, m, sizeof(m));
	if (last_used <= 0) {
		snprintf(reason, rsz, "age unknown, min-age %s", m);
		return 1;
	}
	if (now - last_used >= pol->protect.min_age)
		return 0;
	fmt_age(now - last_used, a, sizeof(a));
	snprintf(reason, rsz, "younger than min-age %s (age %s)", m, a);
	return 1;
}

static int source_matches(const struct rp_rule *r)
{
	size_t i;

	if (!r->sources.n)
		return 1;
	for (i = 0; i < r->sources.n; i++)
		if (strcmp(r->sources.v[i], RP_SOURCE_ENGINE) == 0)
			return 1;
	return 0;
}

static int kind_matches(const struct rp_rule *r, enum rc_kind k)
{
	if (!r->kinds)
		return k != RC_KIND_VOLUME;
	return (r->kinds & RP_KIND_BIT(k)) != 0;
}

static int image_selectors(const struct rp_rule *r, const struct rc_image *img,
			   const struct rc_strv *tags)
{
	size_t i, j;

	if (r->tagged == RP_TAGGED_YES && !tags->n)
		return 0;
	if (r->tagged == RP_TAGGED_NO && tags->n)
		return 0;
	if (r->repositories.n) {
		size_t n_repos = 0;
		const struct rc_strv *lists[2] = {tags, &img->repo_digests};
		int l;
		for (l = 0; l < 2; l++)
			for (i = 0; i < lists[l]->n; i++) {
				char repo[512];
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

/* The build-cache record types buildkit's default prune leaves alone. */
static int cache_private(const struct rc_build_cache *bc)
{
	if (bc->shared)
		return 0;
	return !bc->type || (strcmp(bc->type, "internal") && strcmp(bc->type, "frontend"));
}

/* ---- applying a rule's conditions ------------------------------------------ */

/* Fills d for an object the rule claims. `what` begins the reason of a
 * candidate (e.g. "dangling, unused"). */
static void apply_conditions(const struct rp_rule *r, int64_t now, const char *what,
			     const struct img_info *ii, struct decision *d)
{
	char a[32], lim[32];
	int64_t age = now - d->last_used;
	size_t len;

	d->rule = r->name;
	if (r->not_pulled_for >= 0) {
		d->v = V_PROTECTED;
		snprintf(d->reason, sizeof(d->reason),
			 "pull time unknown on the engine (not_pulled_for needs a registry "
			 "source)");
		return;
	}
	if (r->older_than >= 0) {
		fmt_age(age, a, sizeof(a));
		rp_format_duration_exact(r->older_than, lim, sizeof(lim));
		if (d->last_used <= 0) {
			d->v = V_PROTECTED;
			snprintf(d->reason, sizeof(d->reason), "age unknown, rule wants > %s", lim);
			return;
		}
		if (age <= r->older_than) {
			d->v = V_PROTECTED;
			snprintf(d->reason, sizeof(d->reason), "age %s <= %s", a, lim);
			return;
		}
	}
	if (r->keep_last > 0 && ii && ii->rank > 0 && ii->rank <= r->keep_last) {
		d->v = V_PROTECTED;
		snprintf(d->reason, sizeof(d->reason),
			 "rank %" PRId64 " <= keep %" PRId64 " in '%s'", ii->rank, r->keep_last,
			 ii->rank_repo);
		return;
	}
	d->v = V_CANDIDATE;
	snprintf(d->reason, sizeof(d->reason), "%s", what);
	len = strlen(d->reason);
	if (r->older_than >= 0 && len < sizeof(d->reason))
		snprintf(d->reason + len, sizeof(d->reason) - len, "%sage %s > %s", len ? ", " : "",
			 a, lim);
	len = strlen(d->reason);
	if (r->keep_last > 0 && ii && ii->rank > 0 && len < sizeof(d->reason))
		snprintf(d->reason + len, sizeof(d->reason) - len,
			 "%srank %" PRId64 " > keep %" PRId64, len ? ", " : "", ii->rank,
			 r->keep_last);
}

static void protect(struct decision *d, const char *rule, const char *reason)
{
	d->v = V_PROTECTED;
	d->rule = rule;
	snprintf(d->reason, sizeof(d->reason), "%s", reason);
}

/* Shared protections of refs, labels and min-age. Returns 1 when protected. */
static int common_protections(const struct state *s, struct decision *d, const char *id,
			      const char *name, const struct rc_strv *a, const struct rc_strv *b,
			      const struct rc_labels *labels)
{
	char why[REASON_MAX];

	if (ref_protection(s->pol, id, name, a, b, why, sizeof(why))) {
		protect(d, "keep-ref", why);
		return 1;
	}
	if (labels && label_protection(s->pol, labels, why, sizeof(why))) {
		protect(d, "keep-label", why);
		return 1;
	}
	return 0;
}

/* ---- containers ----------------------------------------------------------- */

static void decide_containers(struct state *s)
{
	const struct rc_inventory *inv = s->inv;
	size_t i, k;

	for (i = 0; i < inv->n_containers; i++) {
		const struct rc_container *c = &inv->containers[i];
		struct decision *d = &s->cd[i];
		struct rc_strv names = {NULL, 0};
		char *nm = c->name;
		char what[REASON_MAX], a[32];

		d->last_used = c->finished_at > 0 ? c->finished_at : c->created;
		if (!c->state || !stopped_state(c->state)) {
			d->last_used = s->now;
			protect(d, "running", c->state && c->state[0] ? c->state : "state unknown");
			continue;
		}
		names.v = &nm;
		names.n = c->name ? 1 : 0;
		if (common_protections(s, d, c->id, c->name, &names, NULL, &c->labels))
			continue;
		if (min_age_protection(s->pol, s->now, d->last_used, what, sizeof(what))) {
			protect(d, "min-age", what);
			continue;
		}
		fmt_age(s->now - d->last_used, a, sizeof(a));
		if (strcmp(c->state, "created") == 0 && c->finished_at <= 0)
			snprintf(what, sizeof(what), "created %s ago, never started", a);
		else
			snprintf(what, sizeof(what), "%s %s ago", c->state, a);
		for (k = 0; k < s->pol->n_rules; k++) {
			const struct rp_rule *r = &s->pol->rules[k];
			unsigned st = r->states ? r->states : RP_STATE_STOPPED;
			if (!source_matches(r) || !kind_matches(r, RC_KIND_CONTAINER) ||
			    !(st & rp_state_bit(c->state)))
				continue;
			apply_conditions(r, s->now, what, NULL, d);
			/* "exited 3d ago, age 3d > 2d" reads twice: say it once */
			if (d->v == V_CANDIDATE && r->older_than >= 0) {
				char lim[32];
				rp_format_duration_exact(r->older_than, lim, sizeof(lim));
				if (strcmp(c->state, "created") == 0 && c->finished_at <= 0)
					snprintf(d->reason, sizeof(d->reason),
						 "created %s ago > %s, never started", a, lim);
				else
					snprintf(d->reason, sizeof(d->reason), "%s %s ago > %s",
						 c->state, a, lim);
			}
			break;
		}
		if (d->v == V_NONE)
			protect(d, "no-rule", "no rule selects it");
	}
}

/* ---- images --------------------------------------------------------------- */

static const char *image_label(const struct rc_image *img, const struct img_info *ii, char *buf,
			       size_t bsz)
{
	if (ii->tags.n)
		return ii->tags.v[0];
	snprintf(buf, bsz, "%.12s", strncmp(img->id, "sha256:", 7) == 0 ? img->id + 7 : img->id);
	return buf;
}

struct rank_ent {
	const char *repo; /* borrowed until the strings are freed */
	char *owned;
	int64_t last_used;
	const char *id;
	size_t img;
};

static int cmp_rank(const void *pa, const void *pb)
{
	const struct rank_ent *a = pa, *b = pb;
	int c = strcmp(a->repo, b->repo);

	if (c)
		return c;
	if (a->last_used != b->last_used)
		return a->last_used > b->last_used ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* Ranks, per repository, the images each keep_last rule claims. */
static int rank_images(struct state *s, struct rc_err *err)
{
	const struct rc_inventory *inv = s->inv;
	struct rank_ent *ents = NULL;
	size_t n = 0, cap = 0, i, j, start;
	int rc = -1;

	for (i = 0; i < inv->n_images; i++) {
		const struct img_info *ii = &s->ii[i];
		if (!ii->rule || ii->rule->keep_last <= 0)
			continue;
		for (j = 0; j < ii->tags.n; j++) {
			char repo[512];
			size_t k;
			int dup = 0;
			repo_part(ii->tags.v[j], repo, sizeof(repo));
			for (k = 0; k < j && !dup; k++) {
				char other[512];
				repo_part(ii->tags.v[k], other, sizeof(other));
				dup = strcmp(repo, other) == 0;
			}
			if (dup)
				continue;
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 64;
				struct rank_ent *ne = realloc(ents, nc * sizeof(*ne));
				if (!ne) {
					rc_err_set(err, RC_ERR_NOMEM, "out of memory");
					goto out;
				}
				ents = ne;
				cap = nc;
			}
			ents[n].owned = strdup(repo);
			if (!ents[n].owned) {
				rc_err_set(err, RC_ERR_NOMEM, "out of memory");
				goto out;
			}
			ents[n].repo = ents[n].owned;
			ents[n].last_used = s->id[i].last_used;
			ents[n].id = inv->images[i].id;
			ents[n].img = i;
			n++;
		}
	}
	if (n)
		qsort(ents, n, sizeof(*ents), cmp_rank);
	/* ranks are per rule and repository: count within runs of one repo, per rule */
	for (start = 0; start < n; start = j) {
		for (j = start; j < n && strcmp(ents[j].repo, ents[start].repo) == 0; j++)
			;
		for (i = start; i < j; i++) {
			const struct rp_rule *r = s->ii[ents[i].img].rule;
			struct img_info *ii = &s->ii[ents[i].img];
			int64_t rank = 1;
			size_t k;
			for (k = start; k < i; k++)
				if (s->ii[ents[k].img].rule == r)
					rank++;
			if (ii->rank == 0 || rank < ii->rank) {
				ii->rank = rank;
				snprintf(ii->rank_repo, sizeof(ii->rank_repo), "%s", ents[i].repo);
			}
		}
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(ents[i].owned);
	free(ents);
	return rc;
}

/* 0 running, 1 paused/restarting/removing, 2 stopped: the most telling user first. */
static int liveness(const struct rc_container *c)
{
	if (c->state && strcmp(c->state, "running") == 0)
		return 0;
	return c->state && stopped_state(c->state) ? 2 : 1;
}

/* The first staying user: the liveliest, then by name. */
static const struct rc_container *first_staying_user(const struct state *s, size_t img)
{
	const struct rc_container *best = NULL;
	size_t k;

	for (k = 0; k < s->ii[img].n_users; k++) {
		size_t ci = s->ii[img].users[k];
		const struct rc_container *c = &s->inv->containers[ci];
		if (s->cd[ci].v == V_CANDIDATE)
			continue;
		if (!best || liveness(c) < liveness(best) ||
		    (liveness(c) == liveness(best) &&
		     strcmp(c->name ? c->name : "", best->name ? best->name : "") < 0))
			best = c;
	}
	return best;
}

static int image_facts(struct state *s, struct rc_err *err)
{
	const struct rc_inventory *inv = s->inv;
	size_t i, j, k;

	for (i = 0; i < inv->n_images; i++) {
		const struct rc_image *img = &inv->images[i];
		struct img_info *ii = &s->ii[i];
		const char *p;
		int guard;

		ii->parent = -1;
		if (img->repo_tags.n) {
			ii->tags.v = calloc(img->repo_tags.n, sizeof(char *));
			if (!ii->tags.v)
				return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
			memcpy(ii->tags.v, img->repo_tags.v, img->repo_tags.n * sizeof(char *));
			ii->tags.n = img->repo_tags.n;
			qsort(ii->tags.v, ii->tags.n, sizeof(char *), cmp_str);
		}
		s->id[i].last_used = max64(img->created, img->last_tag_time);
		for (k = 0; k < inv->n_containers; k++) {
			const struct rc_container *c = &inv->containers[k];
			if (!c->image_id || strcmp(c->image_id, img->id) != 0)
				continue;
			size_t *nu = realloc(ii->users, (ii->n_users + 1) * sizeof(*nu));
			if (!nu)
				return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
			ii->users = nu;
			ii->users[ii->n_users++] = k;
			s->id[i].last_used = max64(s->id[i].last_used, c->created);
			s->id[i].last_used = max64(s->id[i].last_used, c->finished_at);
			if (c->state && !stopped_state(c->state))
				s->id[i].last_used = max64(s->id[i].last_used, s->now);
		}
		/* users in container ID order */
		for (j = 1; j < ii->n_users; j++)
			for (k = j; k > 0 && strcmp(inv->containers[ii->users[k - 1]].id,
						    inv->containers[ii->users[k]].id) > 0;
			     k--) {
				size_t t = ii->users[k];
				ii->users[k] = ii->users[k - 1];
				ii->users[k - 1] = t;
			}
		if (img->parent_id && img->parent_id[0]) {
			for (k = 0; k < inv->n_images; k++)
				if (k != i && strcmp(inv->images[k].id, img->parent_id) == 0) {
					ii->parent = (long)k;
					break;
				}
		}
		/* depth, bounded against a hostile parent cycle */
		p = img->parent_id;
		for (guard = 0; p && p[0] && guard < (int)inv->n_images; guard++) {
			const struct rc_image *par = rc_inventory_image(inv, p);
			if (!par)
				break;
			ii->depth++;
			p = par->parent_id;
		}
		/* chain IDs */
		if (img->layers.n) {
			ii->chain = calloc(img->layers.n, sizeof(char *));
			if (!ii->chain)
				return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
			for (k = 0; k < img->layers.n; k++) {
				ii->chain[k] =
				    rc_chain_id(k ? ii->chain[k - 1] : NULL, img->layers.v[k], err);
				if (!ii->chain[k])
					return -1;
			}
		}
		for (k = 0; k < s->pol->n_rules; k++) {
			const struct rp_rule *r = &s->pol->rules[k];
			if (source_matches(r) && kind_matches(r, RC_KIND_IMAGE) &&
			    image_selectors(r, img, &ii->tags)) {
				ii->rule = r;
				break;
			}
		}
	}
	return 0;
}

static void decide_images(struct state *s)
{
	const struct rc_inventory *inv = s->inv;
	size_t i;
	int changed;

	for (i = 0; i < inv->n_images; i++) {
		const struct rc_image *img = &inv->images[i];
		struct img_info *ii = &s->ii[i];
		struct decision *d = &s->id[i];
		const struct rc_container *u = first_staying_user(s, i);
		char why[REASON_MAX], what[REASON_MAX];
		int dangling = ii->tags.n == 0;

		if (u) {
			snprintf(why, sizeof(why), "in use by %s container '%s'",
				 u->state && u->state[0] ? u->state : "a",
				 u->name ? u->name : u->id);
			protect(d, "in-use", why);
			continue;
		}
		/* the engine counts more users than the container list showed:
		 * one was created after the list was read */
		if (img->containers > 0 && (size_t)img->containers > ii->n_users) {
			snprintf(why, sizeof(why), "in use by %lld container(s) per the engine",
				 (long long)img->containers);
			protect(d, "in-use", why);
			continue;
		}
		if (common_protections(s, d, img->id, NULL, &ii->tags, &img->repo_digests,
				       &img->labels))
			continue;
		if (tag_protection(s->pol, &ii->tags, why, sizeof(why))) {
			protect(d, "keep-tag", why);
			continue;
		}
		if (min_age_protection(s->pol, s->now, d->last_used, why, sizeof(why))) {
			protect(d, "min-age", why);
			continue;
		}
		if (!ii->rule) {
			protect(d, "no-rule",
				dangling
				    ? "no rule selects it (dangling)"
				    : "no rule selects it (tagged; --images=unused to include)");
			continue;
		}
		snprintf(what, sizeof(what), "%s%s", dangling ? "dangling, unused" : "unused",
			 ii->n_users ? ", only used by containers in this plan" : "");
		apply_conditions(ii->rule, s->now, what, ii, d);
	}

	/* Parents of kept images are kept: walk until nothing changes. */
	do {
		changed = 0;
		for (i = 0; i < inv->n_images; i++) {
			struct img_info *ii = &s->ii[i];
			struct decision *pd;
			char why[REASON_MAX], nb[32];
			int in_use;

			if (s->id[i].v != V_PROTECTED || ii->parent < 0)
				continue;
			pd = &s->id[ii->parent];
			in_use = ii->inherited_in_use || strcmp(s->id[i].rule, "in-use") == 0;
			/* in use beats every other reason; kept only beats candidate */
			if (pd->v == V_PROTECTED && (!in_use || strcmp(pd->rule, "in-use") == 0))
				continue;
			snprintf(why, sizeof(why), "parent of %s image '%s'",
				 in_use ? "in-use" : "kept",
				 image_label(&inv->images[i], ii, nb, sizeof(nb)));
			protect(pd, in_use ? "in-use" : "parent", why);
			s->ii[ii->parent].inherited_in_use = in_use;
			changed = 1;
		}
	} while (changed);
}

/* ---- volumes, networks, build cache ----------------------------------------- */

static const struct rc_container *volume_user(const struct state *s, const char *name)
{
	const struct rc_container *best = NULL;
	size_t i, j;

	for (i = 0; i < s->inv->n_containers; i++) {
		const struct rc_container *c = &s->inv->containers[i];
		for (j = 0; j < c->volumes.n; j++)
			if (strcmp(c->volumes.v[j], name) == 0 &&
			    (!best ||
			     strcmp(c->name ? c->name : "", best->name ? best->name : "") < 0))
				best = c;
	}
	return best;
}

static void decide_volumes(struct state *s)
{
	size_t i, k;

	for (i = 0; i < s->inv->n_volumes; i++) {
		const struct rc_volume *v = &s->inv->volumes[i];
		struct decision *d = &s->vd[i];
		const struct rc_container *u = volume_user(s, v->name);
		char why[REASON_MAX];

		d->last_used = v->created;
		if (u) {
			snprintf(why, sizeof(why), "mounted by container '%s'",
				 u->name ? u->name : u->id);
			protect(d, "in-use", why);
			continue;
		}
		/* the daemon's own count (/system/df) also sees containers made
		 * after the container list was read */
		if (v->ref_count > 0) {
			snprintf(why, sizeof(why), "in use by %lld container(s) per the engine",
				 (long long)v->ref_count);
			protect(d, "in-use", why);
			continue;
		}
		if (common_protections(s, d, NULL, v->name, NULL, NULL, &v->labels))
			continue;
		if (min_age_protection(s->pol, s->now, d->last_used, why, sizeof(why))) {
			protect(d, "min-age", why);
			continue;
		}
		for (k = 0; k < s->pol->n_rules; k++) {
			const struct rp_rule *r = &s->pol->rules[k];
			if (!source_matches(r) || !kind_matches(r, RC_KIND_VOLUME) ||
			    (r->volumes != RP_VOLUMES_ALL && !v->anonymous))
				continue;
			apply_conditions(r, s->now,
					 v->anonymous ? "anonymous, unused" : "named, unused", NULL,
					 d);
			break;
		}
		if (d->v == V_NONE)
			protect(d, "no-rule",
				v->anonymous
				    ? "no rule selects it (anonymous; --volumes=anonymous to "
				      "include)"
				    : "no rule selects it (named; --volumes=all to include)");
	}
}

static int attached(const struct rc_container *c, const struct rc_network *n)
{
	size_t j;

	for (j = 0; j < c->networks.n; j++)
		if (strcmp(c->networks.v[j], n->id) == 0 ||
		    (n->name && strcmp(c->networks.v[j], n->name) == 0))
			return 1;
	return 0;
}

static void decide_networks(struct state *s)
{
	size_t i, k;

	for (i = 0; i < s->inv->n_networks; i++) {
		const struct rc_network *n = &s->inv->networks[i];
		struct decision *d = &s->nd[i];
		const struct rc_container *user = NULL;
		struct rc_strv names = {NULL, 0};
		char *nm = n->name;
		char why[REASON_MAX];
		int any = 0;

		d->last_used = n->created;
		if (n->predefined) {
			protect(d, "predefined", "predefined network");
			continue;
		}
		/* swarm networks and the gateway bridge carry service tasks and
		 * gateway sandboxes that no container list shows;
		 * docker network prune leaves them to the swarm too */
		if ((n->scope && strcmp(n->scope, "swarm") == 0) ||
		    (n->name && (strcmp(n->name, "ingress") == 0 ||
				 strcmp(n->name, "docker_gwbridge") == 0))) {
			protect(d, "predefined", "swarm network: managed by the swarm");
			continue;
		}
		for (k = 0; k < s->inv->n_containers; k++) {
			const struct rc_container *c = &s->inv->containers[k];
			if (!attached(c, n))
				continue;
			any = 1;
			if (s->cd[k].v != V_CANDIDATE &&
			    (!user ||
			     strcmp(c->name ? c->name : "", user->name ? user->name : "") < 0))
				user = c;
		}
		if (user) {
			snprintf(why, sizeof(why), "in use by container '%s'",
				 user->name ? user->name : user->id);
			protect(d, "in-use", why);
			continue;
		}
		names.v = &nm;
		names.n = n->name ? 1 : 0;
		if (common_protections(s, d, n->id, n->name, &names, NULL, &n->labels))
			continue;
		if (min_age_protection(s->pol, s->now, d->last_used, why, sizeof(why))) {
			protect(d, "min-age", why);
			continue;
		}
		for (k = 0; k < s->pol->n_rules; k++) {
			const struct rp_rule *r = &s->pol->rules[k];
			if (!source_matches(r) || !kind_matches(r, RC_KIND_NETWORK))
				continue;
			apply_conditions(r, s->now,
					 any ? "unused once containers in this plan go"
					     : "unused custom network",
					 NULL, d);
			break;
		}
		if (d->v == V_NONE)
			protect(d, "no-rule", "no rule selects it");
	}
}

static void decide_build_cache(struct state *s)
{
	size_t i, k;

	for (i = 0; i < s->inv->n_build_cache; i++) {
		const struct rc_build_cache *bc = &s->inv->build_cache[i];
		struct decision *d = &s->bd[i];
		char why[REASON_MAX], what[REASON_MAX];
		int any_rule = 0;

		d->last_used = max64(bc->created, bc->last_used);
		if (bc->in_use) {
			protect(d, "in-use", "in use by a build");
			continue;
		}
		if (common_protections(s, d, bc->id, NULL, NULL, NULL, NULL))
			continue;
		if (min_age_protection(s->pol, s->now, d->last_used, why, sizeof(why))) {
			protect(d, "min-age", why);
			continue;
		}
		snprintf(what, sizeof(what), "unused build cache (%s)",
			 bc->type && bc->type[0] ? bc->type : "regular");
		for (k = 0; k < s->pol->n_rules; k++) {
			const struct rp_rule *r = &s->pol->rules[k];
			if (!source_matches(r) || !kind_matches(r, RC_KIND_BUILD_CACHE))
				continue;
			any_rule = 1;
			if (r->build_cache != RP_BUILD_CACHE_ALL && !cache_private(bc))
				continue;
			apply_conditions(r, s->now, what, NULL, d);
			break;
		}
		if (d->v == V_NONE)
			protect(d, "no-rule",
				any_rule ? (bc->shared ? "no rule selects it (shared; build_cache "
							 "\"all\" to include)"
						       : "no rule selects it (internal record; "
							 "build_cache \"all\" to include)")
					 : "no rule selects it");
	}
}

/* ---- sizes ----------------------------------------------------------------- */

struct layer_ref {
	const char *chain;
	int64_t size;
	size_t img;
};

static int cmp_layer(const void *pa, const void *pb)
{
	const struct layer_ref *a = pa, *b = pb;
	int c = strcmp(a->chain, b->chain);

	if (c)
		return c;
	return a->img < b->img ? -1 : a->img > b->img;
}

/* Fills per-image reclaimable bytes and returns the set total in *total. */
static int image_sizes(struct state *s, int64_t *reclaim, int64_t *total, struct rc_err *err)
{
	const struct rc_inventory *inv = s->inv;
	struct layer_ref *refs = NULL;
	size_t n = 0, i, j, k, start;

	*total = 0;
	for (i = 0; i < inv->n_images; i++)
		n += inv->images[i].layers.n;
	if (!n)
		return 0;
	refs = calloc(n, sizeof(*refs));
	if (!refs)
		return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
	n = 0;
	for (i = 0; i < inv->n_images; i++)
		for (k = 0; k < inv->images[i].layers.n; k++) {
			int64_t sz =
			    inv->images[i].layer_sizes ? inv->images[i].layer_sizes[k] : -1;
			refs[n].chain = s->ii[i].chain[k];
			refs[n].size = sz > 0 ? sz : 0;
			refs[n].img = i;
			n++;
		}
	qsort(refs, n, sizeof(*refs), cmp_layer);
	for (start = 0; start < n; start = j) {
		int kept = 0;
		size_t users = 0;
		for (j = start; j < n && strcmp(refs[j].chain, refs[start].chain) == 0; j++) {
			if (s->id[refs[j].img].v != V_CANDIDATE)
				kept = 1;
			if (j == start || refs[j].img != refs[j - 1].img)
				users++;
		}
		if (kept)
			continue;
		*total += refs[start].size;
		if (users == 1)
			reclaim[refs[start].img] += refs[start].size;
	}
	free(refs);
	return 0;
}

/* ---- emitting items ---------------------------------------------------------- */

static int dup_strv(struct rc_strv *dst, const struct rc_strv *src, struct rc_err *err)
{
	size_t i;

	for (i = 0; src && i < src->n; i++)
		if (rp_strv_push(dst, src->v[i], err) < 0)
			return -1;
	return 0;
}

struct emit {
	enum rc_kind kind;
	const char *object;
	const char *name;
	const struct rc_strv *refs;
	int64_t size;
	int64_t reclaimable;
	int64_t created;
	const struct decision *d;
	const struct rc_strv *pre_tags;
	const struct rc_strv *users; /* container IDs */
	const char *started_at, *finished_at; /* container evidence, as inspected */
	int64_t usage_count; /* build-cache evidence, -1 none */
};

static int emit_item(struct rc_plan *plan, const struct emit *e, struct rc_err *err)
{
	struct rc_plan_item it;
	struct rc_buf id = RC_BUF_INIT;
	int cand = e->d->v == V_CANDIDATE;
	int rc;

	memset(&it, 0, sizeof(it));
	rc_buf_init(&id, 0);
	if (rc_buf_printf(&id, err, "%s/%s/%s", RP_SOURCE_ENGINE, rc_kind_name(e->kind),
			  e->object) < 0) {
		rc_buf_free(&id);
		return -1;
	}
	it.id = rc_buf_detach(&id);
	it.source = strdup(RP_SOURCE_ENGINE);
	it.kind = e->kind;
	it.object = strdup(e->object);
	it.name = strdup(e->name ? e->name : "");
	it.rule = strdup(e->d->rule ? e->d->rule : "");
	it.reason = strdup(e->d->reason);
	it.size = e->size;
	it.reclaimable = cand ? e->reclaimable : 0;
	it.created = e->created;
	it.last_used = e->d->last_used;
	if (!it.id || !it.source || !it.object || !it.name || !it.rule || !it.reason) {
		rc_err_set(err, RC_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (dup_strv(&it.refs, e->refs, err) < 0)
		goto fail;
	if (cand && (dup_strv(&it.pre.tags, e->pre_tags, err) < 0 ||
		     dup_strv(&it.pre.users_in_plan, e->users, err) < 0))
		goto fail;
	it.pre.usage_count = cand ? e->usage_count : -1;
	if (cand && ((e->started_at && !(it.pre.started_at = strdup(e->started_at))) ||
		     (e->finished_at && !(it.pre.finished_at = strdup(e->finished_at))))) {
		rc_err_set(err, RC_ERR_NOMEM, "out of memory");
		goto fail;
	}
	rc = cand ? rc_plan_add_candidate(plan, &it, err) : rc_plan_add_protected(plan, &it, err);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	rc_plan_item_free(&it);
	return -1;
}

/* Sort keys for emission. */
struct order {
	size_t idx;
	const char *key;
	int depth;
};

static int cmp_order(const void *pa, const void *pb)
{
	const struct order *a = pa, *b = pb;

	if (a->depth != b->depth)
		return a->depth > b->depth ? -1 : 1;
	return strcmp(a->key, b->key);
}

static int emit_kind(struct state *s, struct rc_plan *plan, enum rc_kind kind, enum verdict want,
		     const int64_t *img_reclaim, struct rc_err *err)
{
	const struct rc_inventory *inv = s->inv;
	size_t n = 0, i, k;
	struct order *ord;
	int rc = -1;

	switch (kind) {
	case RC_KIND_CONTAINER:
		n = inv->n_containers;
		break;
	case RC_KIND_IMAGE:
		n = inv->n_images;
		break;
	case RC_KIND_VOLUME:
		n = inv->n_volumes;
		break;
	case RC_KIND_NETWORK:
		n = inv->n_networks;
		break;
	case RC_KIND_BUILD_CACHE:
		n = inv->n_build_cache;
		break;
	default:
		return 0;
	}
	if (!n)
		return 0;
	ord = calloc(n, sizeof(*ord));
	if (!ord)
		return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		ord[i].idx = i;
		switch (kind) {
		case RC_KIND_CONTAINER:
			ord[i].key = inv->containers[i].id;
			break;
		case RC_KIND_IMAGE:
			ord[i].key = inv->images[i].id;
			ord[i].depth = want == V_CANDIDATE ? s->ii[i].depth : 0;
			break;
		case RC_KIND_VOLUME:
			ord[i].key = inv->volumes[i].name;
			break;
		case RC_KIND_NETWORK:
			ord[i].key = inv->networks[i].id;
			break;
		default:
			ord[i].key = inv->build_cache[i].id;
			break;
		}
	}
	qsort(ord, n, sizeof(*ord), cmp_order);
	for (k = 0; k < n; k++) {
		struct emit e;
		struct rc_strv one = {NULL, 0}, users = {NULL, 0};
		char *nm;
		size_t j;
		int r;

		i = ord[k].idx;
		memset(&e, 0, sizeof(e));
		e.kind = kind;
		e.usage_count = -1;
		switch (kind) {
		case RC_KIND_CONTAINER: {
			const struct rc_container *c = &inv->containers[i];
			e.d = &s->cd[i];
			e.object = c->id;
			e.name = c->name;
			nm = c->name;
			one.v = &nm;
			one.n = c->name && c->name[0] ? 1 : 0;
			e.refs = &one;
			e.size = c->size_rw;
			e.reclaimable = c->size_rw > 0 ? c->size_rw : 0;
			e.created = c->created;
			e.started_at = c->started_raw;
			e.finished_at = c->finished_raw;
			break;
		}
		case RC_KIND_IMAGE: {
			const struct rc_image *img = &inv->images[i];
			e.d = &s->id[i];
			e.object = img->id;
			e.name = s->ii[i].tags.n ? s->ii[i].tags.v[0] : "";
			e.refs = &s->ii[i].tags;
			e.pre_tags = &s->ii[i].tags;
			e.size = img->size;
			e.reclaimable = img_reclaim[i];
			e.created = img->created;
			if (e.d->v == V_CANDIDATE && s->ii[i].n_users) {
				users.v = calloc(s->ii[i].n_users, sizeof(char *));
				if (!users.v) {
					rc_err_set(err, RC_ERR_NOMEM, "out of memory");
					goto out;
				}
				for (j = 0; j < s->ii[i].n_users; j++)
					users.v[j] = inv->containers[s->ii[i].users[j]].id;
				users.n = s->ii[i].n_users;
			}
			e.users = &users;
			break;
		}
		case RC_KIND_VOLUME: {
			const struct rc_volume *v = &inv->volumes[i];
			e.d = &s->vd[i];
			e.object = v->name;
			e.name = v->name;
			e.size = v->size;
			e.reclaimable = v->size > 0 ? v->size : 0;
			e.created = v->created;
			break;
		}
		case RC_KIND_NETWORK: {
			const struct rc_network *nw = &inv->networks[i];
			e.d = &s->nd[i];
			e.object = nw->id;
			e.name = nw->name;
			nm = nw->name;
			one.v = &nm;
			one.n = nw->name && nw->name[0] ? 1 : 0;
			e.refs = &one;
			e.size = 0;
			e.created = nw->created;
			break;
		}
		default: {
			const struct rc_build_cache *bc = &inv->build_cache[i];
			e.d = &s->bd[i];
			e.object = bc->id;
			e.name = "";
			e.size = bc->size;
			e.reclaimable = bc->size > 0 ? bc->size : 0;
			e.created = bc->created;
			e.usage_count = bc->usage_count;
			break;
		}
		}
		if (e.d->v != want) {
			free(users.v);
			continue;
		}
		r = emit_item(plan, &e, err);
		free(users.v);
		if (r < 0)
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
	int64_t *img_reclaim = NULL, img_total = 0;
	size_t i, k;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	s.inv = inv;
	s.pol = pol;
	s.now = now;
	s.cd = calloc(inv->n_containers + 1, sizeof(*s.cd));
	s.id = calloc(inv->n_images + 1, sizeof(*s.id));
	s.vd = calloc(inv->n_volumes + 1, sizeof(*s.vd));
	s.nd = calloc(inv->n_networks + 1, sizeof(*s.nd));
	s.bd = calloc(inv->n_build_cache + 1, sizeof(*s.bd));
	s.ii = calloc(inv->n_images + 1, sizeof(*s.ii));
	img_reclaim = calloc(inv->n_images + 1, sizeof(*img_reclaim));
	if (!s.cd || !s.id || !s.vd || !s.nd || !s.bd || !s.ii || !img_reclaim) {
		rc_err_set(err, RC_ERR_NOMEM, "out of memory");
		goto out;
	}

	decide_containers(&s);
	if (image_facts(&s, err) < 0 || rank_images(&s, err) < 0)
		goto out;
	decide_images(&s);
	decide_volumes(&s);
	decide_networks(&s);
	decide_build_cache(&s);
	if (image_sizes(&s, img_reclaim, &img_total, err) < 0)
		goto out;

	for (k = 0; k < RC_KIND_COUNT; k++)
		if (emit_kind(&s, plan, (enum rc_kind)k, V_CANDIDATE, img_reclaim, err) < 0)
			goto out;
	for (k = 0; k < RC_KIND_COUNT; k++)
		if (emit_kind(&s, plan, (enum rc_kind)k, V_PROTECTED, img_reclaim, err) < 0)
			goto out;

	rc_plan_summarise(plan);
	/* Images share layers: the set frees each layer once, which the sum of
	 * per-image exclusive bytes does not capture. */
	plan->summary.bytes_by_kind[RC_KIND_IMAGE] = img_total;
	plan->summary.bytes_freed_now = 0;
	for (k = 0; k < RC_KIND_COUNT; k++)
		plan->summary.bytes_freed_now += plan->summary.bytes_by_kind[k];
	rc = 0;
out:
	if (s.ii) {
		for (i = 0; i < inv->n_images; i++) {
			free(s.ii[i].users);
			free(s.ii[i].tags.v);
			if (s.ii[i].chain)
				for (k = 0; k < inv->images[i].layers.n; k++)
					free(s.ii[i].chain[k]);
			free(s.ii[i].chain);
		}
	}
	free(s.ii);
	free(s.cd);
	free(s.id);
	free(s.vd);
	free(s.nd);
	free(s.bd);
	free(img_reclaim);
	return rc;
}

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

int rp_plan_build(const struct rc_inventory *inv, const struct rp_policy *pol, int64_t now,
		  int64_t ttl, struct rc_plan *plan, struct rc_err *err)
{
	struct rc_plan_source src;

	memset(&src, 0, sizeof(src));
	plan->version = RC_PLAN_VERSION;
	plan->created_at = now;
	plan->expires_at = now + ttl;
	if (!(plan->tool_version = strdup(RC_VERSION)))
		return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
	if (!(plan->policy = rp_policy_to_json(pol, err)))
		return -1;
	if (!(plan->policy_digest = rc_json_digest(plan->policy, err)))
		return rc_err_prefix(err, "cannot digest the effective policy");
	src.name = xstrdup(RP_SOURCE_ENGINE);
	src.type = xstrdup("engine");
	src.endpoint = xstrdup(inv->engine.endpoint);
	src.scanned_at = now;
	src.identity = cJSON_CreateObject();
	if (!src.name || !src.type || !src.endpoint || !src.identity ||
	    !cJSON_AddStringToObject(src.identity, "id", inv->engine.id ? inv->engine.id : "") ||
	    !cJSON_AddStringToObject(src.identity, "name",
				     inv->engine.name ? inv->engine.name : "") ||
	    !cJSON_AddStringToObject(src.identity, "api_version",
				     inv->engine.api_version ? inv->engine.api_version : "") ||
	    (inv->engine.system_time &&
	     !cJSON_AddStringToObject(src.identity, "clock", inv->engine.system_time))) {
		free(src.name);
		free(src.type);
		free(src.endpoint);
		cJSON_Delete(src.identity);
		return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
	}
	if (rc_plan_add_source(plan, &src, err) < 0) {
		free(src.name);
		free(src.type);
		free(src.endpoint);
		cJSON_Delete(src.identity);
		return -1;
	}
	if (rp_decide(inv, pol, now, plan, err) < 0)
		return -1;
	return rc_plan_seal(plan, err);
}
