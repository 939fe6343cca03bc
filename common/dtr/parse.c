/* dtr/parse.c: the pure parsers of DTR's /api/v0 answers (dtr.h). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "dtr/dtr.h"
#include "registry/items.h"
#include "registry/parse.h"
#include "units.h"

#define NAME_MAX_LEN 255
#define SIZE_MAX_EXACT 9007199254740991.0 /* 2^53 - 1 */
#define LAYERS_MAX 4096 /* per tag: more is a hostile answer */

void rc_dtr_tag_release(struct rc_dtr_tag *t)
{
	size_t i;

	if (!t)
		return;
	free(t->name);
	free(t->digest);
	free(t->media_type);
	free(t->os);
	free(t->arch);
	free(t->promoted_by);
	free(t->mirrored_from);
	for (i = 0; i < t->n_layers; i++)
		free(t->layers[i].digest);
	free(t->layers);
	memset(t, 0, sizeof(*t));
}

static void repo_release(struct rc_dtr_repo *r)
{
	size_t i;

	free(r->ns);
	free(r->name);
	for (i = 0; i < r->n_tags; i++)
		rc_dtr_tag_release(&r->tags[i]);
	free(r->tags);
	memset(r, 0, sizeof(*r));
}

void rc_dtr_scan_init(struct rc_dtr_scan *s)
{
	memset(s, 0, sizeof(*s));
}

void rc_dtr_scan_release(struct rc_dtr_scan *s)
{
	size_t i;

	if (!s)
		return;
	free(s->url);
	free(s->name);
	for (i = 0; i < s->n_repos; i++)
		repo_release(&s->repos[i]);
	free(s->repos);
	memset(s, 0, sizeof(*s));
}

static int alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int rc_dtr_name_valid(const char *s)
{
	size_t i;

	if (!s || !alnum(s[0]) || strlen(s) > NAME_MAX_LEN)
		return 0;
	for (i = 1; s[i]; i++) {
		if (alnum(s[i]))
			continue;
		if ((s[i] != '.' && s[i] != '_' && s[i] != '-') || !alnum(s[i + 1]))
			return 0;
	}
	return 1;
}

static int bad(struct rc_err *err, const char *what)
{
	return rc_err_set(err, RC_ERR_PROTOCOL, "malformed DTR answer: %s", what);
}

/* A time, 0 when absent or unparseable (an unknown age keeps the tag). */
static int64_t opt_time(const cJSON *o, const char *key)
{
	const char *s;
	int64_t t = 0;
	struct rc_err e = RC_ERR_INIT;

	if (rc_reg_json_str(o, key, &s) < 0 || !s || rc_parse_time(s, &t, &e) < 0 || t < 0)
		return 0;
	return t;
}

static int dup_opt(const char *s, char **out, struct rc_err *err)
{
	*out = NULL;
	if (s && !(*out = strdup(s)))
		return rc_err_nomem(err);
	return 0;
}

/* A non-empty string member of the object at o.key, else NULL: the
 * provenance objects are informative, so their shape is not enforced. */
static const char *info_str(const cJSON *o, const char *key, const char *member)
{
	const cJSON *obj = cJSON_GetObjectItemCaseSensitive(o, key);
	const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, member) : NULL;

	return cJSON_IsString(v) && *v->valuestring ? v->valuestring : NULL;
}

/* promoted_by and mirrored_from (dtr.h), each part cut to a readable
 * length. */
static int provenance(const cJSON *o, struct rc_dtr_tag *t, struct rc_err *err)
{
	const char *p = info_str(o, "promotion", "promotionPolicyID");
	const char *host = info_str(o, "mirroring", "remoteHost");
	const char *repo = info_str(o, "mirroring", "remoteRepository");
	const char *tag = info_str(o, "mirroring", "remoteTag");

	if (p && !(t->promoted_by = rc_asprintf(err, "%.100s", p)))
		return -1;
	if (info_str(o, "mirroring", "mirroringPolicyID") &&
	    !(t->mirrored_from = rc_asprintf(err, "%.100s/%.200s:%.128s", host ? host : "?",
					     repo ? repo : "?", tag ? tag : "?")))
		return -1;
	return 0;
}

int rc_dtr_parse_tag_json(const void *json, struct rc_dtr_tag *t, struct rc_err *err)
{
	const cJSON *o = json, *m, *df, *l;
	const char *name, *digest, *mt = NULL, *os = NULL, *arch = NULL, *mdigest = NULL;
	int64_t total = 0;
	size_t n;

	memset(t, 0, sizeof(*t));
	if (!cJSON_IsObject(o))
		return bad(err, "a tag is not an object");
	if (rc_reg_json_str(o, "name", &name) < 0 || !name || !rc_reg_tag_valid(name))
		return bad(err, "a tag without a valid name");
	if (rc_reg_json_str(o, "digest", &digest) < 0 || !rc_reg_digest_valid(digest))
		return rc_err_set(err, RC_ERR_PROTOCOL,
				  "malformed DTR answer: tag '%s' has no sha256 digest", name);
	if (rc_reg_json_bool(o, "inNotary", &t->in_notary) < 0 ||
	    rc_reg_json_bool(o, "hashMismatch", &t->hash_mismatch) < 0)
		return rc_err_set(err, RC_ERR_PROTOCOL,
				  "malformed DTR answer: tag '%s': inNotary or hashMismatch is not "
				  "a boolean",
				  name);
	t->created = opt_time(o, "createdAt");
	t->updated = opt_time(o, "updatedAt");
	t->size = -1;
	m = cJSON_GetObjectItemCaseSensitive(o, "manifest");
	if (m && !cJSON_IsNull(m)) {
		if (!cJSON_IsObject(m) || rc_reg_json_str(m, "mediaType", &mt) < 0 ||
		    rc_reg_json_str(m, "os", &os) < 0 ||
		    rc_reg_json_str(m, "architecture", &arch) < 0 ||
		    rc_reg_json_str(m, "digest", &mdigest) < 0)
			return rc_err_set(err, RC_ERR_PROTOCOL,
					  "malformed DTR answer: tag '%s': bad manifest", name);
		if (mdigest && *mdigest && strcmp(mdigest, digest) != 0)
			return rc_err_set(err, RC_ERR_PROTOCOL,
					  "malformed DTR answer: tag '%s': manifest.digest differs "
					  "from digest",
					  name);
		df = cJSON_GetObjectItemCaseSensitive(m, "dockerfile");
		if (df && !cJSON_IsNull(df)) {
			if (!cJSON_IsArray(df) || (n = (size_t)cJSON_GetArraySize(df)) > LAYERS_MAX)
				return rc_err_set(err, RC_ERR_PROTOCOL,
						  "malformed DTR answer: tag '%s': bad "
						  "manifest.dockerfile",
						  name);
			if (n && !(t->layers = calloc(n, sizeof(*t->layers))))
				return rc_err_nomem(err);
			cJSON_ArrayForEach(l, df)
			{
				const char *ld;
				int64_t sz;
				if (!cJSON_IsObject(l) ||
				    rc_reg_json_str(l, "layerDigest", &ld) < 0 ||
				    rc_reg_json_size(l, "size", 0, &sz) < 0 ||
				    (ld && *ld && !rc_reg_digest_valid(ld))) {
					rc_err_set(err, RC_ERR_PROTOCOL,
						   "malformed DTR answer: tag '%s': bad layer",
						   name);
					goto fail;
				}
				if (!ld || !*ld)
					continue; /* an empty layer (isEmpty) has no blob */
				/* each layer is at most 2^53-1: so is their sum, or
				 * 4096 of them would leave int64_t */
				if (sz > SIZE_MAX_EXACT - total) {
					rc_err_set(err, RC_ERR_PROTOCOL,
						   "malformed DTR answer: tag '%s': layer sizes "
						   "add up past 2^53 bytes",
						   name);
					goto fail;
				}
				if (!(t->layers[t->n_layers].digest = strdup(ld))) {
					rc_err_nomem(err);
					goto fail;
				}
				t->layers[t->n_layers++].size = sz;
				total += sz;
			}
			t->size = total;
		}
	}
	if (!(t->name = strdup(name)) || !(t->digest = strdup(digest)) ||
	    dup_opt(mt, &t->media_type, err) < 0 || dup_opt(os, &t->os, err) < 0 ||
	    dup_opt(arch, &t->arch, err) < 0) {
		rc_err_nomem(err);
		goto fail;
	}
	if (provenance(o, t, err) < 0)
		goto fail;
	return 0;
fail:
	rc_dtr_tag_release(t);
	return -1;
}

int rc_dtr_parse_tag(const char *body, size_t len, struct rc_dtr_tag *t, struct rc_err *err)
{
	cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	if (!root)
		return bad(err, "invalid or truncated JSON for a tag");
	rc = rc_dtr_parse_tag_json(root, t, err);
	cJSON_Delete(root);
	return rc;
}

int rc_dtr_parse_tags(const char *body, size_t len, struct rc_dtr_repo *r, struct rc_err *err)
{
	cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL, *it;
	struct rc_dtr_tag *nv;
	size_t n;
	int rc = -1;

	if (!root)
		return bad(err, "invalid or truncated JSON in a page of tags");
	if (!cJSON_IsArray(root)) {
		bad(err, "a page of tags is not an array");
		goto out;
	}
	n = (size_t)cJSON_GetArraySize(root);
	if (!(nv = realloc(r->tags, (r->n_tags + n + 1) * sizeof(*nv)))) {
		rc_err_nomem(err);
		goto out;
	}
	r->tags = nv;
	cJSON_ArrayForEach(it, root)
	{
		if (rc_dtr_parse_tag_json(it, &r->tags[r->n_tags], err) < 0)
			goto out;
		r->n_tags++;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

int rc_dtr_parse_repos(const char *body, size_t len, struct rc_dtr_repo **v, size_t *n,
		       struct rc_err *err)
{
	cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL, *list, *it;
	struct rc_dtr_repo *nv;
	size_t k;
	int rc = -1;

	if (!root)
		return bad(err, "invalid or truncated JSON in a page of repositories");
	list = cJSON_GetObjectItemCaseSensitive(root, "repositories");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(list)) {
		bad(err, "no \"repositories\" array");
		goto out;
	}
	k = (size_t)cJSON_GetArraySize(list);
	if (!(nv = realloc(*v, (*n + k + 1) * sizeof(*nv)))) {
		rc_err_nomem(err);
		goto out;
	}
	*v = nv;
	cJSON_ArrayForEach(it, list)
	{
		struct rc_dtr_repo *r = &(*v)[*n];
		const char *ns, *name;

		memset(r, 0, sizeof(*r));
		if (!cJSON_IsObject(it) || rc_reg_json_str(it, "namespace", &ns) < 0 ||
		    rc_reg_json_str(it, "name", &name) < 0 || !rc_dtr_name_valid(ns) ||
		    !rc_dtr_name_valid(name)) {
			bad(err, "a repository without a valid namespace and name");
			goto out;
		}
		if (rc_reg_json_bool(it, "immutableTags", &r->immutable) < 0 ||
		    rc_reg_json_bool(it, "enableManifestLists", &r->manifest_lists) < 0 ||
		    rc_reg_json_size(it, "tagLimit", 0, &r->tag_limit) < 0) {
			rc_err_set(err, RC_ERR_PROTOCOL,
				   "malformed DTR answer: repository '%s/%s': immutableTags, "
				   "enableManifestLists or tagLimit of the wrong type",
				   ns, name);
			goto out;
		}
		if (!(r->ns = strdup(ns)) || !(r->name = strdup(name))) {
			free(r->ns);
			r->ns = NULL;
			rc_err_nomem(err);
			goto out;
		}
		(*n)++;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}
