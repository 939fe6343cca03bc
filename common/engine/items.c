/* items.c: what an engine plan item must look like before reclaim-apply
 * acts on it: the exact identity of each engine kind, and names and refs
 * that agree with it. The plan loader calls this through the engine's source
 * table (source.h, check_item). */
#include <stdio.h>
#include <string.h>

#include "engine/items.h"
#include "hex.h"
#include "units.h"

/* 1 when s is the exact identity of an object of kind k, as docs/plan-format.md
 * promises: image sha256:<64 hex>, container and network 64 lower-case hex,
 * volume [a-zA-Z0-9][a-zA-Z0-9_.-]* (docker's rule for names) of at most
 * RC_VOLUME_NAME_MAX characters, build-cache [a-z0-9]+. The executor puts
 * these into API paths and filters. */
static int exact_identity(enum rc_kind k, const char *s)
{
	size_t i;

	switch (k) {
	case RC_KIND_IMAGE:
		return strncmp(s, "sha256:", 7) == 0 && strlen(s) == 71 && rc_is_lower_hex(s + 7, 64);
	case RC_KIND_CONTAINER:
	case RC_KIND_NETWORK:
		return strlen(s) == 64 && rc_is_lower_hex(s, 64);
	case RC_KIND_VOLUME:
		for (i = 0; s[i]; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			      (s[i] >= '0' && s[i] <= '9') ||
			      (i > 0 && (s[i] == '_' || s[i] == '.' || s[i] == '-'))))
				return 0;
		return i > 0 && i <= RC_VOLUME_NAME_MAX;
	case RC_KIND_BUILD_CACHE:
		if (!*s)
			return 0;
		for (i = 0; s[i]; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
				return 0;
		return 1;
	default:
		return 0;
	}
}

static const char *const identity_rule[RC_KIND_BUILD_CACHE + 1] = {
    "64 lower-case hex digits", "sha256:<64 lower-case hex digits>",
    "[a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255 characters", "64 lower-case hex digits", "[a-z0-9]+"};

/* A reviewer reads an item's name and refs; the executor deletes its object.
 * Where the kind lets them be checked against each other they must agree, so
 * a plan edited to call prod-db-data "tmp-scratch" is refused, not approved:
 * a volume's name is its object (and so is any ref); an image's name is one
 * of its refs ("" when it has none) and a candidate's refs are its
 * preconditions.tags, as a set; a container's or network's refs are its name
 * (none when the name is ""). Container and network names are compared with
 * the engine's at apply time (executor/recheck.c). */
static int check_names(const struct rc_plan_item *it, const char *path, int candidate,
		       struct rc_err *err)
{
	const char *kind = rc_kind_name(it->kind);
	char name[300], obj[300];
	size_t i;

	rc_sanitize(name, sizeof(name), it->name);
	rc_sanitize(obj, sizeof(obj), it->object);
	switch (it->kind) {
	case RC_KIND_VOLUME:
		if (strcmp(it->name, it->object) != 0)
			return rc_err_set(err, RC_ERR_PLAN,
					  "%s.name: '%s' is not the name of volume '%s', which "
					  "is what would be deleted",
					  path, name, obj);
		for (i = 0; i < it->refs.n; i++)
			if (strcmp(it->refs.v[i], it->object) != 0) {
				rc_sanitize(name, sizeof(name), it->refs.v[i]);
				return rc_err_set(err, RC_ERR_PLAN,
						  "%s.refs: '%s' is not the name of volume '%s'",
						  path, name, obj);
			}
		return 0;
	case RC_KIND_IMAGE:
		if (it->refs.n ? !rc_strv_has(&it->refs, it->name) : it->name[0] != '\0')
			return rc_err_set(
			    err, RC_ERR_PLAN,
			    "%s.name: '%s' is not a tag of image %s (not in its refs)", path, name,
			    obj);
		if (candidate && (!rc_strv_subset(&it->refs, &it->pre.tags) ||
				  !rc_strv_subset(&it->pre.tags, &it->refs)))
			return rc_err_set(err, RC_ERR_PLAN,
					  "%s.refs: the tags of image %s differ from its "
					  "preconditions.tags",
					  path, obj);
		return 0;
	case RC_KIND_CONTAINER:
	case RC_KIND_NETWORK:
		if (!it->name[0] && it->refs.n)
			return rc_err_set(err, RC_ERR_PLAN,
					  "%s.refs: must be empty, as the name of %s %s is \"\"",
					  path, kind, obj);
		if (it->name[0] && (it->refs.n != 1 || strcmp(it->refs.v[0], it->name) != 0))
			return rc_err_set(err, RC_ERR_PLAN,
					  "%s.refs: must hold exactly the name '%s' of %s %s", path,
					  name, kind, obj);
		return 0;
	default:
		return 0;
	}
}


int rc_engine_check_item(const struct rc_plan_item *it, int candidate, const char *path,
			 struct rc_err *err)
{
	if ((unsigned)it->kind > RC_KIND_BUILD_CACHE)
		return rc_err_set(err, RC_ERR_PLAN, "%s.kind: an engine holds no %s", path,
				  rc_kind_name(it->kind));
	if (!exact_identity(it->kind, it->object)) {
		char clean[128];
		rc_sanitize(clean, sizeof(clean), it->object);
		return rc_err_set(err, RC_ERR_PLAN, "%s.object: '%s' is not an exact %s identity (%s)",
				  path, clean, rc_kind_name(it->kind), identity_rule[it->kind]);
	}
	return check_names(it, path, candidate, err);
}

void rc_engine_source_title(const struct rc_plan_source *src, char *out, size_t outsz)
{
	const char *pn = rc_plan_source_str(src, "name");
	const char *pi = rc_plan_source_str(src, "id");
	char name[128], id[160], raw[320];

	rc_sanitize(name, sizeof(name), pn ? pn : "");
	rc_sanitize(id, sizeof(id), pi ? pi : "");
	snprintf(raw, sizeof(raw), "engine '%s' (ID %s)", name, id);
	rc_sanitize(out, outsz, raw);
}

void rc_engine_object_label(const struct rc_plan_item *it, char *out, size_t outsz)
{
	char safe[320];
	const char *obj = safe;

	rc_sanitize(safe, sizeof(safe), it->object ? it->object : "");
	if (strncmp(obj, "sha256:", 7) == 0)
		obj += 7;
	snprintf(out, outsz, "%.*s", it->kind == RC_KIND_VOLUME ? 255 : 12, obj);
}
