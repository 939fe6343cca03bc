/* policy.c: the policy model, its JSON loader and the flag shorthands. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fsutil.h"
#include "plan.h"
#include "policy.h"
#include "units.h"

#define POLICY_MAX_BYTES ((size_t)1 << 20)
#define KEEP_LAST_MAX 1000000

static const char *const state_names[] = {"created", "exited", "dead"};

const char *rp_state_name(unsigned bit)
{
	switch (bit) {
	case RP_STATE_CREATED:
		return "created";
	case RP_STATE_EXITED:
		return "exited";
	case RP_STATE_DEAD:
		return "dead";
	default:
		return NULL;
	}
}

unsigned rp_state_bit(const char *state)
{
	size_t i;

	for (i = 0; state && i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (strcmp(state, state_names[i]) == 0)
			return 1u << i;
	return 0;
}

int rp_dtr_age_parse(const char *s, enum rp_dtr_age *out)
{
	if (s && strcmp(s, "updated") == 0)
		*out = RP_DTR_AGE_UPDATED;
	else if (s && strcmp(s, "created") == 0)
		*out = RP_DTR_AGE_CREATED;
	else
		return -1;
	return 0;
}

const char *rp_dtr_age_name(enum rp_dtr_age a)
{
	return a == RP_DTR_AGE_CREATED ? "created" : "updated";
}

int rp_harbor_keep_by_parse(const char *s, enum rp_harbor_keep_by *out)
{
	if (s && strcmp(s, "push") == 0)
		*out = RP_HARBOR_KEEP_BY_PUSH;
	else if (s && strcmp(s, "pull") == 0)
		*out = RP_HARBOR_KEEP_BY_PULL;
	else
		return -1;
	return 0;
}

const char *rp_harbor_keep_by_name(enum rp_harbor_keep_by k)
{
	return k == RP_HARBOR_KEEP_BY_PULL ? "pull" : "push";
}

/* The name of a kind bit (the kinds of plan.h); NULL for any other bit. */
static const char *kind_bit_name(unsigned bit)
{
	unsigned k;

	for (k = 0; k < RC_KIND_COUNT; k++)
		if (RP_KIND_BIT(k) == bit)
			return rc_kind_name((enum rc_kind)k);
	return NULL;
}

static unsigned kind_bit(const char *s)
{
	int k = rc_kind_parse(s);

	return k >= 0 ? RP_KIND_BIT(k) : 0;
}

int rp_rule_takes_all(const struct rp_rule *r, int kind)
{
	if (kind == RC_KIND_VOLUME)
		return r->volumes == RP_VOLUMES_ALL;
	if (kind == RC_KIND_BUILD_CACHE)
		return r->build_cache == RP_BUILD_CACHE_ALL;
	return 0;
}

char *rp_format_duration_exact(int64_t seconds, char *out, size_t outsz)
{
	static const struct {
		int64_t mul;
		char unit;
	} units[] = {{7 * 86400, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
	size_t i;

	if (!out || !outsz)
		return out;
	if (seconds <= 0) {
		snprintf(out, outsz, "0");
		return out;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (seconds % units[i].mul == 0) {
			snprintf(out, outsz, "%" PRId64 "%c", seconds / units[i].mul,
				 units[i].unit);
			break;
		}
	return out;
}

void rp_flags_init(struct rp_flags *f)
{
	memset(f, 0, sizeof(*f));
	f->containers_older_than = -1;
	f->images_older_than = -1;
	f->min_age = -1;
	f->older_than = -1;
	f->not_pulled_for = -1;
}

void rp_flags_release(struct rp_flags *f)
{
	if (!f)
		return;
	rc_strv_release(&f->keep_labels);
	rc_strv_release(&f->keep_tags);
	free(f->match_tags);
	rc_strv_release(&f->keep_tags_regex);
	rc_strv_release(&f->keep_refs);
	rp_flags_init(f);
}

static void rule_init(struct rp_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->older_than = -1;
	r->not_pulled_for = -1;
}

static void rule_release(struct rp_rule *r)
{
	free(r->name);
	rc_strv_release(&r->sources);
	rc_strv_release(&r->repositories);
	if (r->tag_include)
		regfree(&r->include_re);
	if (r->tag_exclude)
		regfree(&r->exclude_re);
	free(r->tag_include);
	free(r->tag_exclude);
	rule_init(r);
}

void rp_policy_init(struct rp_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->protect.min_age = RP_DEFAULT_MIN_AGE;
}

void rp_policy_release(struct rp_policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_rules; i++)
		rule_release(&p->rules[i]);
	free(p->rules);
	rc_strv_release(&p->protect.labels);
	rc_strv_release(&p->protect.tags);
	for (i = 0; p->protect.tags_re && i < p->protect.tags_regex.n; i++)
		regfree(&p->protect.tags_re[i]);
	free(p->protect.tags_re);
	rc_strv_release(&p->protect.tags_regex);
	rc_strv_release(&p->protect.refs);
	rp_policy_init(p);
}

static struct rp_rule *add_rule(struct rp_policy *p, const char *name, struct rc_err *err)
{
	struct rp_rule *nr = realloc(p->rules, (p->n_rules + 1) * sizeof(*nr));

	if (!nr) {
		rc_err_nomem(err);
		return NULL;
	}
	p->rules = nr;
	rule_init(&nr[p->n_rules]);
	nr[p->n_rules].name = strdup(name);
	if (!nr[p->n_rules].name) {
		rc_err_nomem(err);
		return NULL;
	}
	return &nr[p->n_rules++];
}

/* Compiles an ERE so that the whole tag must match it. Fills msg on error. */
static int compile_tag_re(const char *pat, regex_t *re, char *msg, size_t msgsz)
{
	struct rc_buf b = RC_BUF_INIT;
	struct rc_err e = RC_ERR_INIT;
	int rc;

	rc_buf_init(&b, 0);
	if (rc_buf_printf(&b, &e, "^(%s)$", pat) < 0) {
		snprintf(msg, msgsz, "%s", e.msg);
		rc_buf_release(&b);
		return -1;
	}
	rc = regcomp(re, b.data, REG_EXTENDED | REG_NOSUB);
	rc_buf_release(&b);
	if (rc != 0) {
		char why[256];
		regerror(rc, re, why, sizeof(why));
		snprintf(msg, msgsz, "invalid regular expression '%s': %s", pat, why);
		return -1;
	}
	return 0;
}

/* Appends an ERE to protect.tags_regex, compiled beside it. -1 with msg
 * (a bad pattern) or with err (RC_ERR_NOMEM, msg then empty). */
static int add_tag_regex(struct rp_protect *pr, const char *pat, char *msg, size_t msgsz,
			 struct rc_err *err)
{
	size_t n = pr->tags_regex.n;
	regex_t *v = realloc(pr->tags_re, (n + 1) * sizeof(*v));

	msg[0] = '\0';
	if (!v)
		return rc_err_nomem(err);
	pr->tags_re = v;
	if (compile_tag_re(pat, &v[n], msg, msgsz) < 0)
		return -1;
	if (rc_strv_push(&pr->tags_regex, pat, err) < 0) {
		regfree(&v[n]);
		return -1;
	}
	return 0;
}

/* A label protection is KEY or KEY=VALUE with a non-empty key. */
static int check_label_spec(const char *s)
{
	return s && *s && *s != '=';
}

/* ---- flags ------------------------------------------------------------- */

static int check_regex_flag(const char *flag, const char *pat, struct rc_err *err)
{
	regex_t re;
	char msg[512];

	if (!pat[0])
		return rc_err_set(err, RC_ERR_USAGE, "invalid %s '': empty pattern", flag);
	if (compile_tag_re(pat, &re, msg, sizeof(msg)) < 0)
		return rc_err_set(err, RC_ERR_USAGE, "invalid %s: %s", flag, msg);
	regfree(&re);
	return 0;
}

/* repo:tag or repo@sha256:<64 lower-case hex>, the repository possibly
 * with a registry host: lower-case path components, a tag of the
 * distribution spec's form. */
int rp_ref_valid(const char *ref)
{
	const char *at = strchr(ref, '@'), *slash = strrchr(ref, '/'), *colon;
	const char *repo_end, *p;
	size_t i;

	if (at) {
		if (strncmp(at + 1, "sha256:", 7) != 0 || strlen(at + 8) != 64)
			return 0;
		for (i = 0; i < 64; i++)
			if (!strchr("0123456789abcdef", at[8 + i]))
				return 0;
		repo_end = at;
	} else {
		colon = strrchr(ref, ':');
		if (!colon || (slash && colon < slash) || !colon[1] || strlen(colon + 1) > 128)
			return 0;
		for (p = colon + 1; *p; p++)
			if (!(isalnum((unsigned char)*p) || *p == '_' ||
			      (p > colon + 1 && (*p == '.' || *p == '-'))))
				return 0;
		repo_end = colon;
	}
	if (repo_end == ref)
		return 0;
	for (p = ref; p < repo_end; p++)
		if (!(isalnum((unsigned char)*p) || strchr("._-/:", *p)))
			return 0;
	return 1;
}

static int check_flag_lists(const struct rp_flags *f, struct rc_err *err)
{
	size_t i;

	for (i = 0; i < f->keep_labels.n; i++)
		if (!check_label_spec(f->keep_labels.v[i]))
			return rc_err_set(err, RC_ERR_USAGE,
					  "invalid --keep-label '%s': want KEY or KEY=VALUE",
					  f->keep_labels.v[i]);
	for (i = 0; i < f->keep_tags.n; i++)
		if (!f->keep_tags.v[i][0])
			return rc_err_set(err, RC_ERR_USAGE, "invalid --keep '': empty pattern");
	for (i = 0; i < f->keep_tags_regex.n; i++)
		if (check_regex_flag("--keep-tags", f->keep_tags_regex.v[i], err) < 0)
			return -1;
	if (f->match_tags && check_regex_flag("--match-tags", f->match_tags, err) < 0)
		return -1;
	if (f->keep_last < 0 || f->keep_last > KEEP_LAST_MAX)
		return rc_err_set(err, RC_ERR_USAGE, "invalid --keep-last: want 1 to %d",
				  KEEP_LAST_MAX);
	return 0;
}

int rp_flags_registry_rules(const struct rp_flags *f)
{
	return f->keep_last > 0 || f->older_than >= 0 || f->match_tags || f->untagged ||
	       f->not_pulled_for >= 0;
}

int rp_flags_read_refs(struct rp_flags *f, const char *path, struct rc_err *err)
{
	struct rc_buf b = RC_BUF_INIT;
	size_t off = 0;
	int line = 0, rc = -1;

	if (rc_read_file(path, POLICY_MAX_BYTES, &b, err) < 0)
		return rc_err_prefix(err, "cannot read --keep-refs file");
	while (off < b.len) {
		const char *s = b.data + off, *nl = memchr(s, '\n', b.len - off);
		size_t n = nl ? (size_t)(nl - s) : b.len - off, k;
		char *ref;

		off += n + (nl ? 1 : 0);
		line++;
		for (k = 0; k < n; k++) /* a comment after whitespace */
			if (s[k] == '#' && (k == 0 || s[k - 1] == ' ' || s[k - 1] == '\t'))
				break;
		n = k;
		while (n && strchr(" \t\r", s[n - 1]))
			n--;
		while (n && strchr(" \t", *s)) {
			s++;
			n--;
		}
		if (!n)
			continue;
		if (!(ref = strndup(s, n))) {
			rc_err_nomem(err);
			goto out;
		}
		if (memchr(ref, '\0', n) || !rp_ref_valid(ref)) {
			char q[128];
			rc_sanitize(q, sizeof(q), ref);
			free(ref);
			rc_err_set(
			    err, RC_ERR_USAGE,
			    "%s:%d: '%s' is not a ref (want repo:tag or repo@sha256:<64 hex>)",
			    path, line, q);
			goto out;
		}
		rc = rc_strv_push(&f->keep_refs, ref, err);
		free(ref);
		if (rc < 0)
			goto out;
		rc = -1;
	}
	rc = 0;
out:
	rc_buf_release(&b);
	return rc;
}

static int append_protections(struct rp_policy *p, const struct rp_flags *f, struct rc_err *err)
{
	size_t i;

	for (i = 0; i < f->keep_labels.n; i++)
		if (rc_strv_push(&p->protect.labels, f->keep_labels.v[i], err) < 0)
			return -1;
	for (i = 0; i < f->keep_tags.n; i++)
		if (rc_strv_push(&p->protect.tags, f->keep_tags.v[i], err) < 0)
			return -1;
	for (i = 0; i < f->keep_tags_regex.n; i++) {
		char msg[512];
		if (add_tag_regex(&p->protect, f->keep_tags_regex.v[i], msg, sizeof(msg), err) < 0)
			return msg[0]
				   ? rc_err_set(err, RC_ERR_USAGE, "invalid --keep-tags: %s", msg)
				   : -1;
	}
	for (i = 0; i < f->keep_refs.n; i++)
		if (!rc_strv_has(&p->protect.refs, f->keep_refs.v[i]) &&
		    rc_strv_push(&p->protect.refs, f->keep_refs.v[i], err) < 0)
			return -1;
	if (f->min_age >= 0)
		p->protect.min_age = f->min_age;
	return 0;
}

/* What the flags set per source type; with a policy file they replace it. */
static void apply_source_flags(struct rp_policy *p, const struct rp_flags *f)
{
	if (f->dtr_age_given) {
		p->sources.dtr_age = f->dtr_age;
		p->sources.dtr_shown = 1;
	}
	if (f->harbor_keep_by_given) {
		p->sources.harbor_keep_by = f->harbor_keep_by;
		p->sources.harbor_shown = 1;
	}
}

int rp_policy_from_flags(const struct rp_flags *f, struct rp_policy *p, struct rc_err *err)
{
	struct rp_rule *r;

	if (check_flag_lists(f, err) < 0)
		return -1;
	rp_policy_init(p);
	if (!(r = add_rule(p, "stopped-containers", err)))
		goto fail;
	r->kinds = RP_KIND_BIT(RC_KIND_CONTAINER);
	r->states = RP_STATE_STOPPED;
	r->older_than = f->containers_older_than;

	if (!(r = add_rule(p, f->images == RP_IMAGES_UNUSED ? "unused-images" : "dangling-images",
			   err)))
		goto fail;
	r->kinds = RP_KIND_BIT(RC_KIND_IMAGE);
	r->tagged = f->images == RP_IMAGES_UNUSED ? RP_TAGGED_ANY : RP_TAGGED_NO;
	r->older_than = f->images_older_than;

	if (f->volumes != RP_VOLUMES_UNSET) {
		int all = f->volumes == RP_VOLUMES_FLAG_ALL;
		if (!(r = add_rule(p, all ? "unused-volumes" : "anonymous-volumes", err)))
			goto fail;
		r->kinds = RP_KIND_BIT(RC_KIND_VOLUME);
		r->volumes = all ? RP_VOLUMES_ALL : RP_VOLUMES_ANONYMOUS;
	}

	if (!(r = add_rule(p, "unused-networks", err)))
		goto fail;
	r->kinds = RP_KIND_BIT(RC_KIND_NETWORK);

	if (!(r = add_rule(p, "build-cache", err)))
		goto fail;
	r->kinds = RP_KIND_BIT(RC_KIND_BUILD_CACHE);
	r->build_cache = RP_BUILD_CACHE_PRIVATE;

	/* registries: nothing without a registry flag */
	if (f->keep_last > 0 || f->older_than >= 0 || f->match_tags || f->not_pulled_for >= 0) {
		char msg[512];
		if (!(r = add_rule(p, "registry-tags", err)))
			goto fail;
		r->kinds = RP_KIND_TAG_BIT;
		r->older_than = f->older_than;
		r->not_pulled_for = f->not_pulled_for;
		r->keep_last = f->keep_last;
		if (f->match_tags) {
			if (compile_tag_re(f->match_tags, &r->include_re, msg, sizeof(msg)) < 0) {
				rc_err_set(err, RC_ERR_USAGE, "invalid --match-tags: %s", msg);
				goto fail;
			}
			if (!(r->tag_include = strdup(f->match_tags))) {
				regfree(&r->include_re);
				rc_err_nomem(err);
				goto fail;
			}
		}
	}
	if (f->untagged) {
		if (!(r = add_rule(p, "registry-untagged", err)))
			goto fail;
		r->kinds = RP_KIND_MANIFEST_BIT;
		r->tagged = RP_TAGGED_NO;
		r->older_than = f->older_than;
		r->not_pulled_for = f->not_pulled_for;
	}

	if (append_protections(p, f, err) < 0)
		goto fail;
	apply_source_flags(p, f);
	return 0;
fail:
	rp_policy_release(p);
	return -1;
}

int rp_policy_apply_flags(struct rp_policy *p, const struct rp_flags *f, struct rc_err *err)
{
	const char *sel = NULL;

	if (f->containers_older_than >= 0)
		sel = "--containers-older-than";
	else if (f->images != RP_IMAGES_UNSET)
		sel = "--images";
	else if (f->images_older_than >= 0)
		sel = "--images-older-than";
	else if (f->volumes != RP_VOLUMES_UNSET)
		sel = "--volumes";
	else if (f->keep_last > 0)
		sel = "--keep-last";
	else if (f->older_than >= 0)
		sel = "--older-than";
	else if (f->not_pulled_for >= 0)
		sel = "--not-pulled-for";
	else if (f->match_tags)
		sel = "--match-tags";
	else if (f->untagged)
		sel = "--untagged";
	if (sel)
		return rc_err_set(err, RC_ERR_USAGE,
				  "%s cannot be combined with --policy: the policy's rules select "
				  "candidates",
				  sel);
	if (check_flag_lists(f, err) < 0 || append_protections(p, f, err) < 0)
		return -1;
	apply_source_flags(p, f);
	return 0;
}

/* ---- locating a JSON node in the text ------------------------------------ */

static size_t skip_ws(const char *t, size_t len, size_t i)
{
	while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

static size_t skip_string(const char *t, size_t len, size_t i)
{
	i++; /* opening quote */
	while (i < len && t[i] != '"') {
		if (t[i] == '\\')
			i++;
		i++;
	}
	return i < len ? i + 1 : len;
}

static size_t skip_value(const char *t, size_t len, size_t i)
{
	int depth = 0;

	if (i >= len)
		return len;
	if (t[i] == '"')
		return skip_string(t, len, i);
	if (t[i] != '{' && t[i] != '[') {
		while (i < len && !strchr(",}] \t\r\n", t[i]))
			i++;
		return i;
	}
	while (i < len) {
		if (t[i] == '"') {
			i = skip_string(t, len, i);
			continue;
		}
		if (t[i] == '{' || t[i] == '[')
			depth++;
		else if ((t[i] == '}' || t[i] == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return len;
}

/* Offset in valid JSON text of the node reached by child positions pos[0..n):
 * for an object member, the offset of its key. */
static size_t locate(const char *t, size_t len, const int *pos, size_t n)
{
	size_t i = 0, d;
	int k;

	if (len >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	i = skip_ws(t, len, i);
	for (d = 0; d < n && i < len; d++) {
		int obj = t[i] == '{';
		i = skip_ws(t, len, i + 1);
		for (k = 0; i < len; k++) {
			if (obj) {
				if (k == pos[d]) {
					if (d + 1 == n)
						return i;
					i = skip_ws(t, len, skip_string(t, len, i));
					i = skip_ws(t, len, i + 1); /* ':' */
					break;
				}
				i = skip_ws(t, len, skip_string(t, len, i));
				i = skip_ws(t, len, i + 1);
			} else if (k == pos[d]) {
				break;
			}
			i = skip_ws(t, len, skip_value(t, len, i));
			if (i < len && t[i] == ',')
				i = skip_ws(t, len, i + 1);
		}
	}
	return i;
}

static int line_of(const char *t, size_t off, int *col)
{
	size_t i;
	int line = 1, c = 1;

	for (i = 0; i < off && t[i]; i++) {
		if (t[i] == '\n') {
			line++;
			c = 1;
		} else {
			c++;
		}
	}
	if (col)
		*col = c;
	return line;
}

#define MAX_DEPTH 32

/* Depth-first search for target under node; fills child positions. */
static int find_path(const cJSON *node, const cJSON *target, int *pos, size_t *n)
{
	const cJSON *c;
	int k = 0;

	if (node == target)
		return 1;
	if (*n >= MAX_DEPTH)
		return 0;
	for (c = node->child; c; c = c->next, k++) {
		pos[(*n)++] = k;
		if (find_path(c, target, pos, n))
			return 1;
		(*n)--;
	}
	return 0;
}

struct ctx {
	const char *text;
	size_t len;
	const char *file;
	const cJSON *root;
	struct rc_err *err;
};

/* Fills err with "FILE:LINE: PATH: message" for node. Returns -1. */
static int fail_at(struct ctx *c, const cJSON *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct ctx *c, const cJSON *node, const char *fmt, ...)
{
	int pos[MAX_DEPTH];
	size_t n = 0, d;
	char msg[RC_ERR_MSG_MAX];
	char path[512] = "";
	size_t pl = 0;
	int line = 1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (node && find_path(c->root, node, pos, &n)) {
		const cJSON *cur = c->root;
		line = line_of(c->text, locate(c->text, c->len, pos, n), NULL);
		for (d = 0; d < n && pl < sizeof(path); d++) {
			const cJSON *ch = cur->child;
			int k;
			for (k = 0; k < pos[d]; k++)
				ch = ch->next;
			if (cJSON_IsArray(cur))
				pl +=
				    (size_t)snprintf(path + pl, sizeof(path) - pl, "[%d]", pos[d]);
			else {
				char key[128];
				rc_sanitize(key, sizeof(key), ch->string ? ch->string : "?");
				pl += (size_t)snprintf(path + pl, sizeof(path) - pl, "%s%s",
						       d ? "." : "", key);
			}
			cur = ch;
		}
	}
	if (path[0])
		return rc_err_set(c->err, RC_ERR_POLICY, "%s:%d: %s: %s", c->file, line, path, msg);
	return rc_err_set(c->err, RC_ERR_POLICY, "%s:%d: %s", c->file, line, msg);
}

/* ---- parsing ------------------------------------------------------------- */

static int check_keys(struct ctx *c, const cJSON *obj, const char *const *known, size_t n_known)
{
	const cJSON *m, *o;
	size_t i;

	for (m = obj->child; m; m = m->next) {
		for (i = 0; i < n_known; i++)
			if (strcmp(m->string, known[i]) == 0)
				break;
		if (i == n_known) {
			char k[128];
			rc_sanitize(k, sizeof(k), m->string);
			return fail_at(c, m, "unknown key '%s'", k);
		}
		for (o = obj->child; o != m; o = o->next)
			if (strcmp(o->string, m->string) == 0)
				return fail_at(c, m, "duplicate key");
	}
	return 0;
}

static int get_string(struct ctx *c, const cJSON *it, int nonempty)
{
	if (!cJSON_IsString(it))
		return fail_at(c, it, "want a string");
	if (nonempty && !it->valuestring[0])
		return fail_at(c, it, "must not be empty");
	return 0;
}

static int get_duration(struct ctx *c, const cJSON *it, int64_t *out)
{
	struct rc_err sub = RC_ERR_INIT;
	char q[128];

	if (!cJSON_IsString(it))
		return fail_at(c, it, "want a duration string such as \"30d\"");
	if (rc_parse_duration(it->valuestring, out, &sub) < 0) {
		rc_sanitize(q, sizeof(q), it->valuestring);
		return fail_at(c, it, "invalid duration '%s'", q);
	}
	return 0;
}

/* An array of strings; check(s) returns NULL when fine, else the problem. */
static int get_strv(struct ctx *c, const cJSON *it, struct rc_strv *out,
		    const char *(*check)(const char *))
{
	const cJSON *e;

	if (!cJSON_IsArray(it))
		return fail_at(c, it, "want an array of strings");
	cJSON_ArrayForEach(e, it)
	{
		const char *why;
		if (!cJSON_IsString(e))
			return fail_at(c, e, "want a string");
		if (check && (why = check(e->valuestring)) != NULL) {
			char q[128];
			rc_sanitize(q, sizeof(q), e->valuestring);
			return fail_at(c, e, "%s '%s'", why, q);
		}
		if (rc_strv_push(out, e->valuestring, c->err) < 0)
			return -1;
	}
	return 0;
}

static const char *check_nonempty(const char *s)
{
	return *s ? NULL : "empty pattern";
}

static const char *check_label(const char *s)
{
	return check_label_spec(s) ? NULL : "want KEY or KEY=VALUE, got";
}

static const char *check_ref(const char *s)
{
	return *s ? NULL : "empty reference";
}

static int parse_protect(struct ctx *c, const cJSON *obj, struct rp_protect *pr)
{
	static const char *const known[] = {"min_age",	  "labels", "tags",
					    "tags_regex", "refs",   "in_use"};
	const cJSON *it;

	if (!cJSON_IsObject(obj))
		return fail_at(c, obj, "want an object");
	if (check_keys(c, obj, known, sizeof(known) / sizeof(known[0])) < 0)
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "min_age")) &&
	    get_duration(c, it, &pr->min_age) < 0)
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "labels")) &&
	    get_strv(c, it, &pr->labels, check_label) < 0)
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "tags")) &&
	    get_strv(c, it, &pr->tags, check_nonempty) < 0)
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "tags_regex"))) {
		const cJSON *e;
		if (!cJSON_IsArray(it))
			return fail_at(c, it, "want an array of strings");
		cJSON_ArrayForEach(e, it)
		{
			char msg[512];
			if (!cJSON_IsString(e) || !e->valuestring[0])
				return fail_at(c, e, "want a non-empty regular expression");
			if (add_tag_regex(pr, e->valuestring, msg, sizeof(msg), c->err) < 0)
				return msg[0] ? fail_at(c, e, "%s", msg) : -1;
		}
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "refs")) &&
	    get_strv(c, it, &pr->refs, check_ref) < 0)
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "in_use")) && !cJSON_IsTrue(it))
		return fail_at(c, it, "objects in use are always protected; only true is accepted");
	return 0;
}

/* Kind-specific keys must fit the rule's kinds (when it names them). */
static int check_applies(struct ctx *c, const cJSON *rule, const char *key, unsigned kinds,
			 unsigned need, const char *need_names)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(rule, key);

	if (it && kinds && !(kinds & need))
		return fail_at(c, it, "applies to kind %s, which this rule does not select",
			       need_names);
	return 0;
}

static int parse_rule(struct ctx *c, const cJSON *obj, struct rp_policy *p, size_t idx)
{
	static const char *const known[] = {
	    "name",	   "sources",	     "kinds",	 "repositories", "tag_include",
	    "tag_exclude", "tagged",	     "states",	 "volumes",	 "build_cache",
	    "older_than",  "not_pulled_for", "keep_last"};
	const unsigned image_like =
	    RP_KIND_BIT(RC_KIND_IMAGE) | RP_KIND_TAG_BIT | RP_KIND_MANIFEST_BIT;
	struct rp_rule *r;
	const cJSON *it, *e;
	char msg[512];
	size_t i;

	if (!cJSON_IsObject(obj))
		return fail_at(c, obj, "want an object");
	if (check_keys(c, obj, known, sizeof(known) / sizeof(known[0])) < 0)
		return -1;
	it = cJSON_GetObjectItemCaseSensitive(obj, "name");
	if (!it)
		return fail_at(c, obj, "missing required key 'name'");
	if (get_string(c, it, 1) < 0)
		return -1;
	for (i = 0; i < idx; i++)
		if (strcmp(p->rules[i].name, it->valuestring) == 0) {
			char q[128];
			rc_sanitize(q, sizeof(q), it->valuestring);
			return fail_at(c, it, "duplicate rule name '%s'", q);
		}
	if (!(r = add_rule(p, it->valuestring, c->err)))
		return -1;

	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "sources")) &&
	    get_strv(c, it, &r->sources, check_nonempty) < 0)
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "kinds"))) {
		if (!cJSON_IsArray(it))
			return fail_at(c, it, "want an array of kinds");
		if (!it->child)
			return fail_at(
			    c, it, "must not be empty (omit it to select every kind but volume)");
		cJSON_ArrayForEach(e, it)
		{
			unsigned b;
			char q[128];
			if (!cJSON_IsString(e))
				return fail_at(c, e, "want a string");
			if (!(b = kind_bit(e->valuestring))) {
				rc_sanitize(q, sizeof(q), e->valuestring);
				return fail_at(c, e,
					       "unknown kind '%s' (want container, image, volume, "
					       "network, build-cache, tag or manifest)",
					       q);
			}
			r->kinds |= b;
		}
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "repositories"))) {
		if (get_strv(c, it, &r->repositories, check_nonempty) < 0)
			return -1;
		if (!r->repositories.n)
			return fail_at(c, it,
				       "must not be empty (omit it to match any repository)");
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "tag_include"))) {
		if (get_string(c, it, 1) < 0)
			return -1;
		if (compile_tag_re(it->valuestring, &r->include_re, msg, sizeof(msg)) < 0)
			return fail_at(c, it, "%s", msg);
		if (!(r->tag_include = strdup(it->valuestring)))
			return rc_err_nomem(c->err);
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "tag_exclude"))) {
		if (get_string(c, it, 1) < 0)
			return -1;
		if (compile_tag_re(it->valuestring, &r->exclude_re, msg, sizeof(msg)) < 0)
			return fail_at(c, it, "%s", msg);
		if (!(r->tag_exclude = strdup(it->valuestring)))
			return rc_err_nomem(c->err);
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "tagged"))) {
		if (!cJSON_IsBool(it))
			return fail_at(c, it, "want true or false");
		r->tagged = cJSON_IsTrue(it) ? RP_TAGGED_YES : RP_TAGGED_NO;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "states"))) {
		if (!cJSON_IsArray(it))
			return fail_at(c, it, "want an array of container states");
		if (!it->child)
			return fail_at(c, it, "must not be empty");
		cJSON_ArrayForEach(e, it)
		{
			unsigned b;
			char q[128];
			if (!cJSON_IsString(e))
				return fail_at(c, e, "want a string");
			if (!(b = rp_state_bit(e->valuestring))) {
				rc_sanitize(q, sizeof(q), e->valuestring);
				if (!strcmp(q, "running") || !strcmp(q, "paused") ||
				    !strcmp(q, "restarting") || !strcmp(q, "removing"))
					return fail_at(c, e,
						       "'%s' containers are always protected (want "
						       "created, exited or dead)",
						       q);
				return fail_at(
				    c, e, "unknown state '%s' (want created, exited or dead)", q);
			}
			r->states |= b;
		}
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "volumes"))) {
		if (!cJSON_IsString(it) ||
		    (strcmp(it->valuestring, "anonymous") && strcmp(it->valuestring, "all")))
			return fail_at(c, it, "want \"anonymous\" or \"all\"");
		r->volumes =
		    strcmp(it->valuestring, "all") == 0 ? RP_VOLUMES_ALL : RP_VOLUMES_ANONYMOUS;
		if (!r->kinds)
			return fail_at(
			    c, it, "a rule selects volumes only when its kinds name \"volume\"");
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "build_cache"))) {
		if (!cJSON_IsString(it) ||
		    (strcmp(it->valuestring, "private") && strcmp(it->valuestring, "all")))
			return fail_at(c, it, "want \"private\" or \"all\"");
		r->build_cache = strcmp(it->valuestring, "all") == 0 ? RP_BUILD_CACHE_ALL
								     : RP_BUILD_CACHE_PRIVATE;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "older_than")) &&
	    get_duration(c, it, &r->older_than) < 0)
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "not_pulled_for")) &&
	    get_duration(c, it, &r->not_pulled_for) < 0)
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(obj, "keep_last"))) {
		double v = it->valuedouble;
		/* range first: casting a double out of int64_t's range is UB */
		if (!cJSON_IsNumber(it) || !(v >= 1 && v <= KEEP_LAST_MAX) ||
		    v != (double)(int64_t)v)
			return fail_at(c, it, "want an integer from 1 to %d", KEEP_LAST_MAX);
		r->keep_last = (int64_t)v;
	}

	if (check_applies(c, obj, "states", r->kinds, RP_KIND_BIT(RC_KIND_CONTAINER), "container") <
		0 ||
	    check_applies(c, obj, "volumes", r->kinds, RP_KIND_BIT(RC_KIND_VOLUME), "volume") < 0 ||
	    check_applies(c, obj, "build_cache", r->kinds, RP_KIND_BIT(RC_KIND_BUILD_CACHE),
			  "build-cache") < 0 ||
	    check_applies(c, obj, "tagged", r->kinds, image_like, "image, tag or manifest") < 0 ||
	    check_applies(c, obj, "repositories", r->kinds, image_like, "image, tag or manifest") <
		0 ||
	    check_applies(c, obj, "tag_include", r->kinds, image_like, "image, tag or manifest") <
		0 ||
	    check_applies(c, obj, "tag_exclude", r->kinds, image_like, "image, tag or manifest") <
		0 ||
	    check_applies(c, obj, "keep_last", r->kinds, image_like, "image, tag or manifest") < 0)
		return -1;
	if (r->tagged == RP_TAGGED_NO && (r->tag_include || r->keep_last))
		return fail_at(c, cJSON_GetObjectItemCaseSensitive(obj, "tagged"),
			       "false cannot be combined with %s: untagged objects have no tag",
			       r->tag_include ? "tag_include" : "keep_last");
	return 0;
}

/* "sources": settings per source type: sources.dtr.age,
 * sources.harbor.keep_by. */
static int parse_sources(struct ctx *c, const cJSON *obj, struct rp_sources *so)
{
	static const char *const known[] = {"dtr", "harbor"};
	static const char *const dtr_known[] = {"age"};
	static const char *const harbor_known[] = {"keep_by"};
	const cJSON *dtr, *hb, *it;

	if (!cJSON_IsObject(obj))
		return fail_at(c, obj, "want an object of source types (\"dtr\", \"harbor\")");
	if (check_keys(c, obj, known, sizeof(known) / sizeof(known[0])) < 0)
		return -1;
	if ((hb = cJSON_GetObjectItemCaseSensitive(obj, "harbor"))) {
		if (!cJSON_IsObject(hb))
			return fail_at(c, hb, "want an object such as {\"keep_by\": \"push\"}");
		if (check_keys(c, hb, harbor_known,
			       sizeof(harbor_known) / sizeof(harbor_known[0])) < 0)
			return -1;
		if ((it = cJSON_GetObjectItemCaseSensitive(hb, "keep_by")) &&
		    (!cJSON_IsString(it) ||
		     rp_harbor_keep_by_parse(it->valuestring, &so->harbor_keep_by) < 0))
			return fail_at(c, it,
				       "want \"push\" (keep_last ranks by push time) or \"pull\" "
				       "(by pull time)");
		so->harbor_shown = 1;
	}
	if (!(dtr = cJSON_GetObjectItemCaseSensitive(obj, "dtr")))
		return 0;
	if (!cJSON_IsObject(dtr))
		return fail_at(c, dtr, "want an object such as {\"age\": \"updated\"}");
	if (check_keys(c, dtr, dtr_known, sizeof(dtr_known) / sizeof(dtr_known[0])) < 0)
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(dtr, "age")) &&
	    (!cJSON_IsString(it) || rp_dtr_age_parse(it->valuestring, &so->dtr_age) < 0))
		return fail_at(c, it,
			       "want \"updated\" (updatedAt, the last push) or \"created\" "
			       "(createdAt)");
	so->dtr_shown = 1;
	return 0;
}

int rp_policy_parse(const char *text, size_t len, const char *file, struct rp_policy *p,
		    struct rc_err *err)
{
	static const char *const known[] = {"version", "protect", "rules", "sources"};
	struct ctx c = {text, len, file ? file : "policy", NULL, err};
	cJSON *root = NULL;
	const cJSON *it, *e;
	const char *end = NULL;
	char *copy = NULL;
	size_t i;
	int rc = -1;

	rp_policy_init(p);
	if (memchr(text, '\0', len))
		return rc_err_set(
		    err, RC_ERR_POLICY, "%s:%d: invalid JSON: NUL byte", c.file,
		    line_of(text, (size_t)((const char *)memchr(text, '\0', len) - text), NULL));
	/* cJSON wants the terminating NUL inside the length to refuse trailing text */
	if (!(copy = malloc(len + 1)))
		return rc_err_nomem(err);
	memcpy(copy, text, len);
	copy[len] = '\0';
	c.text = copy;
	root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
	if (!root) {
		size_t off = end && end >= copy && end <= copy + len ? (size_t)(end - copy) : len;
		int col, line;
		while (off < len && strchr(" \t\r\n", copy[off]))
			off++;
		line = line_of(copy, off, &col);
		rc_err_set(err, RC_ERR_POLICY, "%s:%d:%d: invalid JSON", c.file, line, col);
		goto out;
	}
	c.root = root;
	if (!cJSON_IsObject(root)) {
		fail_at(&c, root, "want a JSON object with \"version\" and \"rules\"");
		goto out;
	}
	if (check_keys(&c, root, known, sizeof(known) / sizeof(known[0])) < 0)
		goto out;
	it = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (!it) {
		fail_at(&c, root, "missing required key 'version'");
		goto out;
	}
	if (!cJSON_IsNumber(it) || it->valuedouble != RP_POLICY_VERSION) {
		fail_at(&c, it, "unsupported version (want %d)", RP_POLICY_VERSION);
		goto out;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "protect")) &&
	    parse_protect(&c, it, &p->protect) < 0)
		goto out;
	it = cJSON_GetObjectItemCaseSensitive(root, "rules");
	if (!it) {
		fail_at(&c, root, "missing required key 'rules'");
		goto out;
	}
	if (!cJSON_IsArray(it)) {
		fail_at(&c, it, "want an array of rules");
		goto out;
	}
	i = 0;
	cJSON_ArrayForEach(e, it)
	{
		if (parse_rule(&c, e, p, i++) < 0)
			goto out;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "sources")) &&
	    parse_sources(&c, it, &p->sources) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		rp_policy_release(p);
	cJSON_Delete(root);
	free(copy);
	return rc;
}

int rp_policy_load(const char *path, struct rp_policy *p, struct rc_err *err)
{
	struct rc_buf b = RC_BUF_INIT;
	int rc;

	rp_policy_init(p);
	if (rc_read_file(path, POLICY_MAX_BYTES, &b, err) < 0)
		return rc_err_prefix(err, "cannot read policy");
	rc = rp_policy_parse(b.data, b.len, path, p, err);
	rc_buf_release(&b);
	return rc;
}

/* ---- effective policy as JSON ------------------------------------------- */

static int add_strv(cJSON *obj, const char *key, const struct rc_strv *v)
{
	cJSON *a = cJSON_AddArrayToObject(obj, key);
	size_t i;

	if (!a)
		return -1;
	for (i = 0; i < v->n; i++) {
		cJSON *s = cJSON_CreateString(v->v[i]);
		if (!s || !cJSON_AddItemToArray(a, s)) {
			cJSON_Delete(s);
			return -1;
		}
	}
	return 0;
}

static int add_duration(cJSON *obj, const char *key, int64_t s)
{
	char d[32];

	return cJSON_AddStringToObject(obj, key, rp_format_duration_exact(s, d, sizeof(d))) ? 0
											    : -1;
}

static int rule_to_json(const struct rp_rule *r, cJSON *o)
{
	unsigned all = r->kinds ? r->kinds : ~RP_KIND_BIT(RC_KIND_VOLUME);
	size_t i;

	if (!cJSON_AddStringToObject(o, "name", r->name))
		return -1;
	if (r->sources.n && add_strv(o, "sources", &r->sources) < 0)
		return -1;
	if (r->kinds) {
		cJSON *a = cJSON_AddArrayToObject(o, "kinds");
		if (!a)
			return -1;
		for (i = 0; i < 32; i++)
			if ((r->kinds & (1u << i)) && kind_bit_name(1u << i)) {
				cJSON *s = cJSON_CreateString(kind_bit_name(1u << i));
				if (!s || !cJSON_AddItemToArray(a, s)) {
					cJSON_Delete(s);
					return -1;
				}
			}
	}
	if (r->repositories.n && add_strv(o, "repositories", &r->repositories) < 0)
		return -1;
	if (r->tag_include && !cJSON_AddStringToObject(o, "tag_include", r->tag_include))
		return -1;
	if (r->tag_exclude && !cJSON_AddStringToObject(o, "tag_exclude", r->tag_exclude))
		return -1;
	if (r->tagged != RP_TAGGED_ANY &&
	    !cJSON_AddBoolToObject(o, "tagged", r->tagged == RP_TAGGED_YES))
		return -1;
	if (all & RP_KIND_BIT(RC_KIND_CONTAINER)) {
		unsigned st = r->states ? r->states : RP_STATE_STOPPED;
		cJSON *a = cJSON_AddArrayToObject(o, "states");
		if (!a)
			return -1;
		for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
			if (st & (1u << i)) {
				cJSON *s = cJSON_CreateString(state_names[i]);
				if (!s || !cJSON_AddItemToArray(a, s)) {
					cJSON_Delete(s);
					return -1;
				}
			}
	}
	if ((r->kinds & RP_KIND_BIT(RC_KIND_VOLUME)) &&
	    !cJSON_AddStringToObject(o, "volumes",
				     r->volumes == RP_VOLUMES_ALL ? "all" : "anonymous"))
		return -1;
	if ((all & RP_KIND_BIT(RC_KIND_BUILD_CACHE)) &&
	    !cJSON_AddStringToObject(o, "build_cache",
				     r->build_cache == RP_BUILD_CACHE_ALL ? "all" : "private"))
		return -1;
	if (r->older_than >= 0 && add_duration(o, "older_than", r->older_than) < 0)
		return -1;
	if (r->not_pulled_for >= 0 && add_duration(o, "not_pulled_for", r->not_pulled_for) < 0)
		return -1;
	if (r->keep_last > 0 && !cJSON_AddNumberToObject(o, "keep_last", (double)r->keep_last))
		return -1;
	return 0;
}

cJSON *rp_policy_to_json(const struct rp_policy *p, struct rc_err *err)
{
	cJSON *root = cJSON_CreateObject(), *pr, *rules;
	size_t i;

	if (!root || !cJSON_AddNumberToObject(root, "version", RP_POLICY_VERSION))
		goto nomem;
	if (!(pr = cJSON_AddObjectToObject(root, "protect")) ||
	    add_duration(pr, "min_age", p->protect.min_age) < 0 ||
	    add_strv(pr, "labels", &p->protect.labels) < 0 ||
	    add_strv(pr, "tags", &p->protect.tags) < 0 ||
	    (p->protect.tags_regex.n && add_strv(pr, "tags_regex", &p->protect.tags_regex) < 0) ||
	    add_strv(pr, "refs", &p->protect.refs) < 0)
		goto nomem;
	if (!(rules = cJSON_AddArrayToObject(root, "rules")))
		goto nomem;
	for (i = 0; i < p->n_rules; i++) {
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(rules, o)) {
			cJSON_Delete(o);
			goto nomem;
		}
		if (rule_to_json(&p->rules[i], o) < 0)
			goto nomem;
	}
	if (p->sources.dtr_shown || p->sources.harbor_shown) {
		cJSON *so = cJSON_AddObjectToObject(root, "sources"), *dtr, *hb;
		if (!so)
			goto nomem;
		if (p->sources.dtr_shown &&
		    (!(dtr = cJSON_AddObjectToObject(so, "dtr")) ||
		     !cJSON_AddStringToObject(dtr, "age", rp_dtr_age_name(p->sources.dtr_age))))
			goto nomem;
		if (p->sources.harbor_shown &&
		    (!(hb = cJSON_AddObjectToObject(so, "harbor")) ||
		     !cJSON_AddStringToObject(hb, "keep_by",
					      rp_harbor_keep_by_name(p->sources.harbor_keep_by))))
			goto nomem;
	}
	return root;
nomem:
	cJSON_Delete(root);
	rc_err_set(err, RC_ERR_NOMEM, "out of memory building the effective policy");
	return NULL;
}

int rp_policy_check_no_pulls(const struct rp_policy *p, const char *type, const char *name,
			     const char *hint, struct rc_err *err)
{
	size_t i;

	for (i = 0; i < p->n_rules; i++) {
		const struct rp_rule *r = &p->rules[i];
		int named = rc_strv_has(&r->sources, type) || rc_strv_has(&r->sources, name);

		if (r->not_pulled_for < 0 || (r->sources.n && !named))
			continue;
		if (r->kinds ? !(r->kinds & RP_KIND_TAG_BIT) : !named)
			continue;
		return rc_err_set(err, RC_ERR_POLICY,
				  "rules[%zu] '%s': not_pulled_for cannot apply to %s source '%s': "
				  "%s",
				  i, r->name, type, name, hint);
	}
	return 0;
}
