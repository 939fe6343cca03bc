#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "layers.h"
#include "sha256.h"

char *rc_chain_id(const char *parent_chain, const char *diff_id, struct rc_err *err)
{
	struct rc_buf b = RC_BUF_INIT;
	char *out = NULL;

	if (!parent_chain) {
		out = strdup(diff_id ? diff_id : "");
		if (!out)
			rc_err_nomem(err);
		return out;
	}
	rc_buf_init(&b, 0);
	if (rc_buf_printf(&b, err, "%s %s", parent_chain, diff_id ? diff_id : "") == 0)
		out = rc_sha256_digest(b.data, b.len, err);
	rc_buf_release(&b);
	return out;
}

/* Open addressing: chain ID -> size (-1 unknown); `mark` is scratch for the
 * selection of one round. */
struct slot {
	const char *chain;
	int64_t size;
	int mark;
};

struct rc_layer_solver {
	struct rc_inventory *inv;
	char ***chains;        /* per image, per layer */
	unsigned char *fetched; /* per image */
	struct slot *tab;
	size_t cap;
	int derive;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct slot *lookup(struct rc_layer_solver *s, const char *chain)
{
	size_t i = (size_t)hash_str(chain) & (s->cap - 1);

	while (s->tab[i].chain && strcmp(s->tab[i].chain, chain) != 0)
		i = (i + 1) & (s->cap - 1);
	if (!s->tab[i].chain) {
		s->tab[i].chain = chain;
		s->tab[i].size = -1;
	}
	return &s->tab[i];
}

void rc_layer_solver_free(struct rc_layer_solver *s)
{
	size_t i, k;

	if (!s)
		return;
	for (i = 0; s->chains && i < s->inv->n_images; i++) {
		for (k = 0; s->chains[i] && k < s->inv->images[i].layers.n; k++)
			free(s->chains[i][k]);
		free(s->chains[i]);
	}
	free(s->chains);
	free(s->fetched);
	free(s->tab);
	free(s);
}

struct rc_layer_solver *rc_layer_solver_new(struct rc_inventory *inv, struct rc_err *err)
{
	struct rc_layer_solver *s = calloc(1, sizeof(*s));
	size_t i, k, total = 0;

	if (!s)
		goto nomem;
	s->inv = inv;
	s->derive = 1;
	s->chains = calloc(inv->n_images ? inv->n_images : 1, sizeof(*s->chains));
	s->fetched = calloc(inv->n_images ? inv->n_images : 1, 1);
	if (!s->chains || !s->fetched)
		goto nomem;
	for (i = 0; i < inv->n_images; i++) {
		const struct rc_image *m = &inv->images[i];

		total += m->layers.n;
		if (!m->layers.n)
			continue;
		s->chains[i] = calloc(m->layers.n, sizeof(**s->chains));
		if (!s->chains[i])
			goto nomem;
		for (k = 0; k < m->layers.n; k++) {
			s->chains[i][k] =
			    rc_chain_id(k ? s->chains[i][k - 1] : NULL, m->layers.v[k], err);
			if (!s->chains[i][k])
				goto fail;
		}
	}
	for (s->cap = 16; s->cap < 2 * total + 16; s->cap *= 2)
		;
	if (!(s->tab = calloc(s->cap, sizeof(*s->tab))))
		goto nomem;
	for (i = 0; i < inv->n_images; i++)
		for (k = 0; k < inv->images[i].layers.n; k++)
			lookup(s, s->chains[i][k]);
	return s;
nomem:
	rc_err_nomem(err);
fail:
	rc_layer_solver_free(s);
	return NULL;
}

void rc_layer_solver_set_derive(struct rc_layer_solver *s, int derive)
{
	if (s)
		s->derive = derive;
}

void rc_layer_solver_fetched(struct rc_layer_solver *s, size_t i)
{
	if (s && i < s->inv->n_images)
		s->fetched[i] = 1;
}

static int complete(const struct rc_image *m)
{
	size_t k;

	if (!m->layer_sizes)
		return 0;
	for (k = 0; k < m->layers.n; k++)
		if (m->layer_sizes[k] < 0)
			return 0;
	return 1;
}

/* Fills image i's layer_sizes from the table when every layer is known. */
static int fill(struct rc_layer_solver *s, size_t i, struct rc_err *err)
{
	struct rc_image *m = &s->inv->images[i];
	size_t k;

	if (!m->layer_sizes && !(m->layer_sizes = malloc(m->layers.n * sizeof(int64_t))))
		return rc_err_nomem(err);
	for (k = 0; k < m->layers.n; k++)
		m->layer_sizes[k] = lookup(s, s->chains[i][k])->size;
	return 0;
}

int rc_layer_solver_step(struct rc_layer_solver *s, size_t *need, size_t max, size_t *n_need,
			 struct rc_err *err)
{
	struct rc_inventory *inv = s->inv;
	size_t i, k;
	int progress;

	*n_need = 0;
	/* learn from what is known */
	for (i = 0; i < inv->n_images; i++) {
		const struct rc_image *m = &inv->images[i];

		if (!m->layers.n || !complete(m))
			continue;
		for (k = 0; k < m->layers.n; k++) {
			struct slot *sl = lookup(s, s->chains[i][k]);
			if (sl->size < 0)
				sl->size = m->layer_sizes[k];
		}
	}
	/* derive to a fixpoint: one unknown layer is Size minus the others */
	do {
		progress = 0;
		for (i = 0; i < inv->n_images; i++) {
			struct rc_image *m = &inv->images[i];
			struct slot *unknown = NULL;
			size_t n_unknown = 0;
			int64_t sum = 0;

			if (!m->layers.n || complete(m))
				continue;
			for (k = 0; k < m->layers.n; k++) {
				struct slot *sl = lookup(s, s->chains[i][k]);
				if (sl->size < 0) {
					unknown = sl;
					n_unknown++;
				} else {
					sum += sl->size;
				}
			}
			if (s->derive && n_unknown == 1 && m->size >= 0 && m->size - sum >= 0) {
				unknown->size = m->size - sum;
				n_unknown = 0;
				progress = 1;
			}
			if (n_unknown == 0 && fill(s, i, err) < 0)
				return -1;
		}
	} while (progress);
	/* images still incomplete get every size that is known, so that all
	 * images sharing a layer report the same size for it */
	for (i = 0; i < inv->n_images; i++) {
		struct rc_image *m = &inv->images[i];

		if (!m->layers.n || complete(m) || !m->layer_sizes)
			continue;
		for (k = 0; k < m->layers.n; k++) {
			const struct slot *sl = lookup(s, s->chains[i][k]);
			if (sl->size >= 0)
				m->layer_sizes[k] = sl->size;
		}
	}
	/* ask for images whose unknown layers no other chosen image covers */
	for (i = 0; i < s->cap; i++)
		s->tab[i].mark = 0;
	for (i = 0; i < inv->n_images && *n_need < max; i++) {
		const struct rc_image *m = &inv->images[i];
		int overlaps = 0;

		if (!m->layers.n || complete(m) || s->fetched[i])
			continue;
		for (k = 0; k < m->layers.n; k++) {
			struct slot *sl = lookup(s, s->chains[i][k]);
			if (sl->size < 0 && sl->mark)
				overlaps = 1;
		}
		if (overlaps && s->derive)
			continue;
		for (k = 0; k < m->layers.n; k++) {
			struct slot *sl = lookup(s, s->chains[i][k]);
			if (sl->size < 0)
				sl->mark = 1;
		}
		need[(*n_need)++] = i;
	}
	return 0;
}
