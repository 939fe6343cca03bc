/* registry/inventory.c: lifetime and lookups of a registry scan. */
#include <stdlib.h>
#include <string.h>

#include "registry/inventory.h"
#include "registry/parse.h"

void rc_reg_scan_init(struct rc_reg_scan *s)
{
	memset(s, 0, sizeof(*s));
}

static void repo_release(struct rc_reg_repo *r)
{
	size_t i;

	free(r->name);
	for (i = 0; i < r->n_tags; i++) {
		free(r->tags[i].name);
		free(r->tags[i].digest);
	}
	free(r->tags);
	for (i = 0; i < r->n_manifests; i++)
		rc_reg_manifest_release(&r->manifests[i]);
	free(r->manifests);
	memset(r, 0, sizeof(*r));
}

void rc_reg_scan_release(struct rc_reg_scan *s)
{
	if (!s)
		return;
	free(s->url);
	free(s->name);
	for (size_t i = 0; i < s->n_repos; i++)
		repo_release(&s->repos[i]);
	free(s->repos);
	memset(s, 0, sizeof(*s));
}

const struct rc_reg_repo *rc_reg_repo_find(const struct rc_reg_scan *s, const char *name)
{
	size_t lo = 0, hi = s && name ? s->n_repos : 0;

	/* repos are sorted by name (strcmp) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->repos[mid].name, name);
		if (!c)
			return &s->repos[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct rc_reg_manifest *rc_reg_manifest_find(const struct rc_reg_repo *r, const char *digest)
{
	size_t lo = 0, hi = r && digest ? r->n_manifests : 0;

	/* manifests are sorted by digest (strcmp) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->manifests[mid].digest, digest);
		if (!c)
			return &r->manifests[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
