/* fuzz_harbor_artifacts: a Harbor page of artifacts and a single artifact
 * (rc_harbor_parse_artifacts, rc_harbor_parse_artifact), the pages of
 * projects and repositories (rc_harbor_parse_projects, _repos), Harbor's
 * error body (rc_reg_error_text), and the objects a parsed page becomes
 * under both keep_by modes (rc_harbor_objects), whose reasons quote the
 * server's names. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "harbor/harbor.h"
#include "harbor/objects.h"
#include "registry/items.h"
#include "registry/parse.h"

#define SIZE_EXACT 9007199254740991LL /* 2^53 - 1 */

/* What a parsed artifact promises the objects code. */
static void check_artifact(const struct rc_harbor_artifact *a)
{
	size_t i;
	int64_t when;

	RC_FUZZ_CHECK(a->digest && rc_reg_digest_valid(a->digest), "a sha256 digest");
	RC_FUZZ_CHECK(a->size >= -1 && a->size <= SIZE_EXACT, "size unknown or exact");
	RC_FUZZ_CHECK(a->push_time >= 0 && a->pull_time >= 0, "times unknown (0) or positive");
	for (i = 0; i < a->n_tags; i++) {
		RC_FUZZ_CHECK(a->tags[i].name && rc_reg_tag_valid(a->tags[i].name),
			      "a tag has a valid name");
		RC_FUZZ_CHECK(!i || strcmp(a->tags[i - 1].name, a->tags[i].name) < 0,
			      "tags sorted, no duplicates");
		rc_harbor_pulled_at(a, &a->tags[i], &when);
		RC_FUZZ_CHECK(when >= 0, "a tag's pull time is unknown or positive");
	}
	for (i = 0; i < a->children.n; i++)
		RC_FUZZ_CHECK(rc_reg_digest_valid(a->children.v[i]), "a child has a digest");
	for (i = 0; i < a->n_accessories; i++)
		RC_FUZZ_CHECK(rc_reg_digest_valid(a->accessories[i].digest) &&
				  a->accessories[i].size >= -1,
			      "an accessory has a digest and a size");
}

static int cmp_art(const void *a, const void *b)
{
	return strcmp(((const struct rc_harbor_artifact *)a)->digest,
		      ((const struct rc_harbor_artifact *)b)->digest);
}

static void objects(struct rc_harbor_repo *r, enum rc_harbor_keep_by by)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_harbor_scan s;
	struct rc_inventory inv;
	char url[] = "https://harbor.example:443", name[] = "harbor-harbor.example-443";
	char repo[] = "lib/team/app";
	size_t i, n = 0;

	memset(&s, 0, sizeof(s));
	r->name = repo;
	s.url = url;
	s.name = name;
	s.repos = r;
	s.n_repos = 1;
	for (i = 0; i < r->n_artifacts; i++)
		n += 1 + r->artifacts[i].n_tags;
	rc_inventory_init(&inv);
	if (rc_harbor_objects(&inv, &s, by, &err) == 0) {
		RC_FUZZ_CHECK(inv.n_objects >= n, "an object per artifact and per tag at least");
		for (i = 0; i < inv.n_objects; i++)
			RC_FUZZ_CHECK(inv.objects[i].what && rc_fuzz_one_line(inv.objects[i].what),
				      "what a reason quotes is one clean line");
	}
	rc_inventory_release(&inv);
	r->name = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_harbor_repo r;
	struct rc_harbor_artifact a;
	struct rc_strv names = {NULL, 0};
	char *text = rc_fuzz_text(data, size), out[300];
	size_t i;
	int dup = 0;

	if (!text)
		return 0;
	memset(&r, 0, sizeof(r));
	if (rc_harbor_parse_artifacts(text, size, &r, &err) == 0) {
		for (i = 0; i < r.n_artifacts; i++)
			check_artifact(&r.artifacts[i]);
		/* the client sorts and refuses duplicates before the objects */
		qsort(r.artifacts, r.n_artifacts, sizeof(*r.artifacts), cmp_art);
		for (i = 1; i < r.n_artifacts; i++)
			dup |= !strcmp(r.artifacts[i - 1].digest, r.artifacts[i].digest);
		if (!dup) {
			objects(&r, RC_HARBOR_KEEP_BY_PUSH);
			objects(&r, RC_HARBOR_KEEP_BY_PULL);
		}
	} else {
		RC_FUZZ_CHECK(err.msg[0] && rc_fuzz_one_line(err.msg), "an error is one line");
	}
	for (i = 0; i < r.n_artifacts; i++) /* what parsed before a failure too */
		rc_harbor_artifact_release(&r.artifacts[i]);
	free(r.artifacts);
	if (rc_harbor_parse_artifact(text, size, &a, &err) == 0) {
		check_artifact(&a);
		rc_harbor_artifact_release(&a);
	}
	if (rc_harbor_parse_projects(text, size, &names, &err) == 0)
		for (i = 0; i < names.n; i++)
			RC_FUZZ_CHECK(rc_harbor_project_valid(names.v[i]), "a valid project");
	rc_strv_release(&names);
	if (rc_harbor_parse_repos(text, size, "lib", &names, &err) == 0)
		for (i = 0; i < names.n; i++)
			RC_FUZZ_CHECK(!strncmp(names.v[i], "lib/", 4), "a repository of its project");
	rc_strv_release(&names);
	rc_reg_error_text(text, size, out, sizeof(out));
	RC_FUZZ_CHECK(rc_fuzz_one_line(out), "Harbor's error text is one clean line");
	free(text);
	return 0;
}
