/* registry/items.h: what a registry plan item must look like before
 * reclaim-apply acts on it (docs/plan-format.md, "Items"): exact
 * identities of tags and manifests, names and refs that agree with them,
 * and the short forms people read. The registry's source table
 * (registry/source.c) hands these to the plan loader and the reports. */
#ifndef RC_REGISTRY_ITEMS_H
#define RC_REGISTRY_ITEMS_H

#include <stddef.h>

#include "err.h"
#include "plan.h"

/* 1 when s[0..n) is a repository name of the distribution spec:
 * path components [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* joined by '/', at most
 * 255 characters. */
int rc_reg_repo_valid(const char *s, size_t n);
/* 1 when s is a tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}. */
int rc_reg_tag_valid(const char *s);
/* 1 when s is "sha256:" and 64 lower-case hex digits. */
int rc_reg_digest_valid(const char *s);

/* source.h's check_item for tag ("repo:tag") and manifest
 * ("repo@sha256:<64 hex>") items: the exact identity; a tag's name is its
 * object and its refs are [object]; a manifest's refs are tags of its
 * repository, its name one of them ("" when it has none), and a
 * candidate's refs are its preconditions.tags. -1 with RC_ERR_PLAN naming
 * path and the member. */
int rc_reg_check_item(const struct rc_plan_item *it, int candidate, const char *path,
		      struct rc_err *err);

/* source.h's describe for a source identified by its canonical URL
 * (registry, DTR, Harbor): endpoint and identity {"url": url}. */
int rc_reg_describe_url(const char *url, struct rc_plan_source *out, struct rc_err *err);

/* begin's identity check for such a source: 0 when the plan's identity url
 * is have, else -1 with RC_ERR_REFUSED "wrong target: the plan was made for
 * TITLE 'WANT', this is 'HAVE'". */
int rc_reg_check_target(const char *title, const struct rc_plan_source *planned, const char *have,
			struct rc_err *err);

/* "registry 'https://reg.example:5000'"; the object whole. */
void rc_reg_source_title(const struct rc_plan_source *src, char *out, size_t outsz);
void rc_reg_object_label(const struct rc_plan_item *it, char *out, size_t outsz);

#endif
