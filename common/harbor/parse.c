/* harbor/parse.c: the pure parsers of Harbor's /api/v2.0 answers
 * (harbor.h). Field names are those of goharbor/harbor api/v2.0/swagger.yaml
 * (Project, Repository, Artifact, Tag, Reference, Accessory). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "harbor/harbor.h"
#include "registry/items.h"
#include "registry/parse.h"
#include "units.h"

#define NAME_MAX_LEN 255

static void tag_release(struct rc_harbor_tag *t)
{
	free(t->name);
	free(t->push_raw);
	free(t->pull_raw);
}

void rc_harbor_artifact_release(struct rc_harbor_artifact *a)
{
	size_t i;

	if (!a)
		return;
	free(a->digest);
	free(a->type);
	free(a->media_type);
	free(a->push_raw);
	free(a->pull_raw);
	for (i = 0; i < a->n_tags; i++)
		tag_release(&a->tags[i]);
	free(a->tags);
	rc_strv_release(&a->children);
	for (i = 0; i < a->n_accessories; i++) {
		free(a->accessories[i].digest);
		free(a->accessories[i].type);
	}
	free(a->accessories);
	memset(a, 0, sizeof(*a));
}

void rc_harbor_scan_init(struct rc_harbor_scan *s)
{
	memset(s, 0, sizeof(*s));
}

void rc_harbor_scan_release(struct rc_harbor_scan *s)
{
	size_t i, k;

	if (!s)
		return;
	free(s->url);
	free(s->name);
	for (i = 0; i < s->n_repos; i++) {
		for (k = 0; k < s->repos[i].n_artifacts; k++)
			rc_harbor_artifact_release(&s->repos[i].artifacts[k]);
		free(s->repos[i].artifacts);
		free(s->repos[i].name);
	}
	free(s->repos);
	memset(s, 0, sizeof(*s));
}

int rc_harbor_project_valid(const char *s)
{
	size_t i;

	if (!s || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')) ||
	    strlen(s) > NAME_MAX_LEN)
		return 0;
	for (i = 1; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int bad(struct rc_err *err, const char *what)
{
	return rc_err_set(err, RC_ERR_PROTOCOL, "malformed Harbor answer: %s", what);
}

/* An optional array member: NULL when absent or null; -1 of another type. */
static int opt_array(const cJSON *o, const char *key, const cJSON **out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NULL;
	if (!it || cJSON_IsNull(it))
		return 0;
	if (!cJSON_IsArray(it))
		return -1;
	*out = it;
	return 0;
}

int rc_harbor_parse_time(const char *s, int64_t *out)
{
	struct rc_err e = RC_ERR_INIT;
	int64_t t = 0;

	*out = 0;
	if (!s || !*s)
		return 0;
	if (rc_parse_time(s, &t, &e) < 0)
		return -1;
	*out = t > 0 ? t : 0;
	return 0;
}

/* A time member into *t and, when raw, its text into *raw (owned). */
static int get_time(const cJSON *o, const char *key, int64_t *t, char **raw, struct rc_err *err)
{
	const char *s;

	if (rc_reg_json_str(o, key, &s) < 0 || rc_harbor_parse_time(s, t) < 0)
		return rc_err_set(err, RC_ERR_PROTOCOL, "malformed Harbor answer: bad %s", key);
	if (raw && s && *s && !(*raw = strdup(s)))
		return rc_err_nomem(err);
	return 0;
}

static int dup_opt(const char *s, char **out, struct rc_err *err)
{
	*out = NULL;
	if (s && !(*out = strdup(s)))
		return rc_err_nomem(err);
	return 0;
}

static int cmp_tag(const void *a, const void *b)
{
	return strcmp(((const struct rc_harbor_tag *)a)->name,
		      ((const struct rc_harbor_tag *)b)->name);
}

static int parse_tags(const cJSON *list, struct rc_harbor_artifact *a, struct rc_err *err)
{
	const cJSON *it;
	size_t n = (size_t)cJSON_GetArraySize(list), k;

	if (!n)
		return 0;
	if (!(a->tags = calloc(n, sizeof(*a->tags))))
		return rc_err_nomem(err);
	cJSON_ArrayForEach(it, list)
	{
		struct rc_harbor_tag *t = &a->tags[a->n_tags];
		const cJSON *imm = cJSON_GetObjectItemCaseSensitive(it, "immutable");
		const char *name;

		if (!cJSON_IsObject(it) || rc_reg_json_str(it, "name", &name) < 0 ||
		    !rc_reg_tag_valid(name))
			return bad(err, "a tag without a valid name");
		if (imm && !cJSON_IsNull(imm) && !cJSON_IsBool(imm))
			return rc_err_set(err, RC_ERR_PROTOCOL,
					  "malformed Harbor answer: tag '%s': immutable is not a "
					  "boolean",
					  name);
		t->immutable = cJSON_IsTrue(imm);
		if (!(t->name = strdup(name)))
			return rc_err_nomem(err);
		a->n_tags++;
		if (get_time(it, "push_time", &t->push_time, &t->push_raw, err) < 0 ||
		    get_time(it, "pull_time", &t->pull_time, &t->pull_raw, err) < 0)
			return rc_err_prefix(err, "tag '%s'", name);
	}
	qsort(a->tags, a->n_tags, sizeof(*a->tags), cmp_tag);
	for (k = 1; k < a->n_tags; k++)
		if (!strcmp(a->tags[k - 1].name, a->tags[k].name))
			return rc_err_set(err, RC_ERR_PROTOCOL,
					  "malformed Harbor answer: tag '%s' listed twice",
					  a->tags[k].name);
	return 0;
}

static int parse_refs(const cJSON *list, struct rc_harbor_artifact *a, struct rc_err *err)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, list)
	{
		const char *d;

		if (!cJSON_IsObject(it) || rc_reg_json_str(it, "child_digest", &d) < 0 ||
		    !rc_reg_digest_valid(d))
			return bad(err, "a reference without a sha256 child_digest");
		if (!rc_strv_has(&a->children, d) && rc_strv_push(&a->children, d, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_accessories(const cJSON *list, struct rc_harbor_artifact *a, struct rc_err *err)
{
	const cJSON *it;
	size_t n = (size_t)cJSON_GetArraySize(list);

	if (!n)
		return 0;
	if (!(a->accessories = calloc(n, sizeof(*a->accessories))))
		return rc_err_nomem(err);
	cJSON_ArrayForEach(it, list)
	{
		struct rc_harbor_accessory *x = &a->accessories[a->n_accessories];
		const char *d, *type;

		if (!cJSON_IsObject(it) || rc_reg_json_str(it, "digest", &d) < 0 ||
		    !rc_reg_digest_valid(d) || rc_reg_json_str(it, "type", &type) < 0 ||
		    rc_reg_json_size(it, "size", -1, &x->size) < 0)
			return bad(err, "an accessory without a sha256 digest, or with a bad "
					"type or size");
		if (!(x->digest = strdup(d)) || dup_opt(type, &x->type, err) < 0)
			return rc_err_nomem(err);
		a->n_accessories++;
	}
	return 0;
}

int rc_harbor_parse_artifact_json(const void *json, struct rc_harbor_artifact *a,
				  struct rc_err *err)
{
	const cJSON *o = json, *tags, *refs, *accs;
	const char *digest, *type, *mt, *mmt;

	memset(a, 0, sizeof(*a));
	if (!cJSON_IsObject(o))
		return bad(err, "an artifact is not an object");
	if (rc_reg_json_str(o, "digest", &digest) < 0 || !rc_reg_digest_valid(digest))
		return bad(err, "an artifact without a sha256 digest");
	if (rc_reg_json_str(o, "type", &type) < 0 || rc_reg_json_str(o, "media_type", &mt) < 0 ||
	    rc_reg_json_str(o, "manifest_media_type", &mmt) < 0 ||
	    rc_reg_json_size(o, "size", -1, &a->size) < 0 || opt_array(o, "tags", &tags) < 0 ||
	    opt_array(o, "references", &refs) < 0 || opt_array(o, "accessories", &accs) < 0)
		return rc_err_set(err, RC_ERR_PROTOCOL,
				  "malformed Harbor answer: artifact %.19s: a member of the wrong "
				  "type (type, media_type, size, tags, references, accessories)",
				  digest);
	if (!(a->digest = strdup(digest)) || dup_opt(type, &a->type, err) < 0 ||
	    dup_opt(mmt ? mmt : mt, &a->media_type, err) < 0) {
		rc_err_nomem(err);
		goto fail;
	}
	if (get_time(o, "push_time", &a->push_time, &a->push_raw, err) < 0 ||
	    get_time(o, "pull_time", &a->pull_time, &a->pull_raw, err) < 0 ||
	    (tags && parse_tags(tags, a, err) < 0) || (refs && parse_refs(refs, a, err) < 0) ||
	    (accs && parse_accessories(accs, a, err) < 0)) {
		rc_err_prefix(err, "artifact %.19s", digest);
		goto fail;
	}
	return 0;
fail:
	rc_harbor_artifact_release(a);
	return -1;
}

int rc_harbor_parse_artifact(const char *body, size_t len, struct rc_harbor_artifact *a,
			     struct rc_err *err)
{
	cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL;
	int rc;

	memset(a, 0, sizeof(*a));
	if (!root)
		return bad(err, "invalid or truncated JSON for an artifact");
	rc = rc_harbor_parse_artifact_json(root, a, err);
	cJSON_Delete(root);
	return rc;
}

int rc_harbor_parse_artifacts(const char *body, size_t len, struct rc_harbor_repo *r,
			      struct rc_err *err)
{
	cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL, *it;
	struct rc_harbor_artifact *nv;
	size_t n;
	int rc = -1;

	if (!root)
		return bad(err, "invalid or truncated JSON in a page of artifacts");
	if (!cJSON_IsArray(root)) {
		bad(err, "a page of artifacts is not an array");
		goto out;
	}
	n = (size_t)cJSON_GetArraySize(root);
	if (!(nv = realloc(r->artifacts, (r->n_artifacts + n + 1) * sizeof(*nv)))) {
		rc_err_nomem(err);
		goto out;
	}
	r->artifacts = nv;
	cJSON_ArrayForEach(it, root)
	{
		if (rc_harbor_parse_artifact_json(it, &r->artifacts[r->n_artifacts], err) < 0)
			goto out;
		r->n_artifacts++;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

/* A page of objects with a "name": each name, checked by ok, to out. */
static int parse_names(const char *body, size_t len, const char *what,
		       int (*ok)(const char *name, const void *arg), const void *arg,
		       struct rc_strv *out, struct rc_err *err)
{
	cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL, *it;
	int rc = -1;

	if (!root)
		return rc_err_set(err, RC_ERR_PROTOCOL,
				  "malformed Harbor answer: invalid or truncated JSON in a page "
				  "of %s",
				  what);
	if (!cJSON_IsArray(root)) {
		rc_err_set(err, RC_ERR_PROTOCOL,
			   "malformed Harbor answer: a page of %s is not an array", what);
		goto out;
	}
	cJSON_ArrayForEach(it, root)
	{
		const char *name;
		if (!cJSON_IsObject(it) || rc_reg_json_str(it, "name", &name) < 0 || !name ||
		    !ok(name, arg)) {
			rc_err_set(err, RC_ERR_PROTOCOL,
				   "malformed Harbor answer: one of the %s has no valid name",
				   what);
			goto out;
		}
		if (rc_strv_push(out, name, err) < 0)
			goto out;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

static int project_ok(const char *name, const void *arg)
{
	(void)arg;
	return rc_harbor_project_valid(name);
}

static int repo_ok(const char *name, const void *arg)
{
	const char *p = arg;
	size_t n = strlen(p);

	return strncmp(name, p, n) == 0 && name[n] == '/' && name[n + 1] &&
	       rc_reg_repo_valid(name, strlen(name));
}

int rc_harbor_parse_projects(const char *body, size_t len, struct rc_strv *out, struct rc_err *err)
{
	return parse_names(body, len, "projects", project_ok, NULL, out, err);
}

int rc_harbor_parse_repos(const char *body, size_t len, const char *project, struct rc_strv *out,
			  struct rc_err *err)
{
	return parse_names(body, len, "repositories", repo_ok, project, out, err);
}

const char *rc_harbor_pulled_at(const struct rc_harbor_artifact *a, const struct rc_harbor_tag *t,
				int64_t *when)
{
	*when = a->pull_time;
	if (t && t->pull_time > a->pull_time) {
		*when = t->pull_time;
		return t->pull_raw;
	}
	if (a->pull_time > 0)
		return a->pull_raw;
	/* never pulled: counts from the push, the tag's when later */
	if (t && t->push_time > a->push_time) {
		*when = t->push_time;
		return t->push_raw;
	}
	*when = a->push_time;
	return a->push_raw;
}
