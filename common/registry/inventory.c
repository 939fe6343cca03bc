/* registry/inventory.c: lifetime and lookups of a registry scan. */
#include <stdlib.h>
#include <string.h>

#include "registry/inventory.h"

void rc_reg_scan_init(struct rc_reg_scan *s)
{
	memset(s, 0, sizeof(*s));
}

static void manifest_release(struct rc_reg_manifest *m)
{
	size_t i;

	free(m->digest);
	free(m->media_type);
	free(m->config.digest);
	for (i = 0; i < m->n_layers; i++)
		free(m->layers[i].digest);
	free(m->layers);
	free(m->os);
	free(m->arch);
	free(m->artifact_type);
	rc_strv_release(&m->children);
	free(m->subject);
}

void rc_reg_scan_release(struct rc_reg_scan *s)
{
	size_t i, k;

	if (!s)
		return;
	for (i = 0; i < s->n_repos; i++) {
		struct rc_reg_repo *r = &s->repos[i];
		for (k = 0; k < r->n_tags; k++) {
			free(r->tags[k].name);
			free(r->tags[k].digest);
		}
		free(r->tags);
		for (k = 0; k < r->n_manifests; k++)
			manifest_release(&r->manifests[k]);
		free(r->manifests);
		free(r->name);
	}
	free(s->repos);
	free(s->url);
	free(s->name);
	rc_reg_scan_init(s);
}

const struct rc_reg_repo *rc_reg_repo_find(const struct rc_reg_scan *s, const char *name)
{
	size_t lo = 0, hi = s && name ? s->n_repos : 0;

	while (lo < hi) { /* repos are sorted by name */
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->repos[mid].name, name);
		if (c == 0)
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
	size_t i;

	for (i = 0; r && digest && i < r->n_manifests; i++)
		if (r->manifests[i].digest && strcmp(r->manifests[i].digest, digest) == 0)
			return &r->manifests[i];
	return NULL;
}
