/* registry/items.c: exact identities of registry plan items (items.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hex.h"
#include "registry/items.h"
#include "units.h"

#define REPO_MAX 255

static int lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int rc_reg_repo_valid(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || n > REPO_MAX)
		return 0;
	for (;;) {
		/* one path component: alnum runs joined by one separator */
		if (i >= n || !lower_alnum(s[i]))
			return 0;
		while (i < n && lower_alnum(s[i]))
			i++;
		if (i == n)
			return 1;
		if (s[i] == '/') {
			i++;
			continue;
		}
		if (s[i] == '.' || (s[i] == '_' && (i + 1 >= n || s[i + 1] != '_')))
			i++;
		else if (s[i] == '_')
			i += 2;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return 0;
		if (i >= n || !lower_alnum(s[i]))
			return 0;
	}
}

int rc_reg_tag_valid(const char *s)
{
	size_t i;

	if (!s || !(lower_alnum(s[0]) || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return 0;
	for (i = 1; s[i]; i++)
		if (i > 127 || !(lower_alnum(s[i]) || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
				 s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

int rc_reg_digest_valid(const char *s)
{
	return s && strncmp(s, "sha256:", 7) == 0 && strlen(s) == 71 && rc_is_lower_hex(s + 7, 64);
}

/* The repository of a tag or manifest identity, or 0 when s is not one of
 * that kind. */
static size_t identity_repo(enum rc_kind k, const char *s)
{
	const char *sep = strchr(s, k == RC_KIND_TAG ? ':' : '@');

	if (!sep || !rc_reg_repo_valid(s, (size_t)(sep - s)))
		return 0;
	if (k == RC_KIND_TAG ? !rc_reg_tag_valid(sep + 1) : !rc_reg_digest_valid(sep + 1))
		return 0;
	return (size_t)(sep - s);
}

int rc_reg_check_item(const struct rc_plan_item *it, int candidate, const char *path,
		      struct rc_err *err)
{
	char obj[300], name[300];
	size_t repo, i;

	if (it->kind != RC_KIND_TAG && it->kind != RC_KIND_MANIFEST)
		return rc_err_set(err, RC_ERR_PLAN, "%s.kind: a registry holds no %s", path,
				  rc_kind_name(it->kind));
	rc_sanitize(obj, sizeof(obj), it->object);
	rc_sanitize(name, sizeof(name), it->name);
	if (!(repo = identity_repo(it->kind, it->object)))
		return rc_err_set(err, RC_ERR_PLAN,
				  "%s.object: '%s' is not an exact %s identity (%s)", path, obj,
				  rc_kind_name(it->kind),
				  it->kind == RC_KIND_TAG
				      ? "repository:tag, the repository in the distribution "
					"spec's grammar, the tag [A-Za-z0-9_][A-Za-z0-9._-]{0,127}"
				      : "repository@sha256:<64 lower-case hex digits>");
	if (it->kind == RC_KIND_TAG) {
		if (strcmp(it->name, it->object) != 0)
			return rc_err_set(err, RC_ERR_PLAN,
					  "%s.name: '%s' is not tag '%s', which is what would be "
					  "deleted",
					  path, name, obj);
		if (it->refs.n != 1 || strcmp(it->refs.v[0], it->object) != 0)
			return rc_err_set(err, RC_ERR_PLAN,
					  "%s.refs: must hold exactly the tag '%s'", path, obj);
		return 0;
	}
	for (i = 0; i < it->refs.n; i++)
		if (identity_repo(RC_KIND_TAG, it->refs.v[i]) != repo ||
		    strncmp(it->refs.v[i], it->object, repo) != 0) {
			rc_sanitize(name, sizeof(name), it->refs.v[i]);
			return rc_err_set(
			    err, RC_ERR_PLAN,
			    "%s.refs: '%s' is not a tag of the repository of manifest "
			    "'%s'",
			    path, name, obj);
		}
	if (it->refs.n ? !rc_strv_has(&it->refs, it->name) : it->name[0] != '\0')
		return rc_err_set(err, RC_ERR_PLAN,
				  "%s.name: '%s' is not a tag of manifest '%s' (not in its refs)",
				  path, name, obj);
	if (candidate && (!rc_strv_subset(&it->refs, &it->pre.tags) ||
			  !rc_strv_subset(&it->pre.tags, &it->refs)))
		return rc_err_set(err, RC_ERR_PLAN,
				  "%s.refs: the tags of manifest '%s' differ from its "
				  "preconditions.tags",
				  path, obj);
	return 0;
}

void rc_reg_source_title(const struct rc_plan_source *src, char *out, size_t outsz)
{
	const char *url = rc_plan_source_str(src, "url");
	char clean[300], raw[320];

	rc_sanitize(clean, sizeof(clean), url ? url : "");
	snprintf(raw, sizeof(raw), "registry '%s'", clean);
	rc_sanitize(out, outsz, raw);
}

void rc_reg_object_label(const struct rc_plan_item *it, char *out, size_t outsz)
{
	rc_sanitize(out, outsz, it->object ? it->object : "");
}

int rc_reg_describe_url(const char *url, struct rc_plan_source *out, struct rc_err *err)
{
	cJSON *id = cJSON_CreateObject();
	char *ep = strdup(url);

	if (!id || !ep || !cJSON_AddStringToObject(id, "url", url)) {
		cJSON_Delete(id);
		free(ep);
		return rc_err_nomem(err);
	}
	free(out->endpoint);
	cJSON_Delete(out->identity);
	out->endpoint = ep;
	out->identity = id;
	return 0;
}

int rc_reg_check_target(const char *title, const struct rc_plan_source *planned, const char *have,
			struct rc_err *err)
{
	const char *want = rc_plan_source_str(planned, "url");
	char w[300], h[300];

	if (want && strcmp(want, have) == 0)
		return 0;
	rc_sanitize(w, sizeof(w), want ? want : "(none)");
	rc_sanitize(h, sizeof(h), have);
	return rc_err_set(err, RC_ERR_REFUSED,
			  "wrong target: the plan was made for %s '%s', this is '%s'", title, w, h);
}
