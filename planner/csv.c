/* csv.c: the plan as CSV, one row per item, quoted by libcsv. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "fsutil.h"
#include "report.h"
#include "units.h"

static const char *const columns[] = {"action",
				      "id",
				      "source",
				      "kind",
				      "object",
				      "name",
				      "refs",
				      "size",
				      "reclaimable",
				      "size_human",
				      "reclaimable_human",
				      "created_at",
				      "last_used_at",
				      "rule",
				      "reason"};
#define N_COLUMNS (sizeof(columns) / sizeof(columns[0]))

/* Copies s with every control character replaced by '?', as rc_sanitize
 * does for the summary: C0, DEL, and the C1 range U+0080..U+009F (which some
 * terminals obey, e.g. U+009B as CSI) written as UTF-8. Every other byte is
 * kept, so multi-byte characters survive. NULL when out of memory. */
static char *clean_field(const char *s)
{
	size_t n = strlen(s), i, o = 0;
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f) {
			d[o++] = '?';
			i++;
		} else {
			d[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
		}
	}
	d[o] = '\0';
	return d;
}

/* Writes one field (sanitised, quoted by libcsv) preceded by a comma unless
 * first. Labels and names come from the engine: a CSV opened in a terminal or
 * a spreadsheet must not carry their escape sequences. */
static int field(FILE *f, int first, const char *s)
{
	char *clean;
	int rc;

	if (!first && fputc(',', f) == EOF)
		return -1;
	if (!(clean = clean_field(s ? s : "")))
		return -1;
	rc = csv_fwrite(f, clean, strlen(clean));
	free(clean);
	return rc;
}

static int write_row(FILE *f, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (field(f, i == 0, v[i]) != 0)
			return -1;
	return fputc('\n', f) == EOF ? -1 : 0;
}

static int write_item(FILE *f, const char *action, const struct rc_plan_item *it)
{
	char size[32] = "", recl[32] = "", sh[32] = "", rh[32] = "", cr[32] = "", lu[32] = "";
	struct rc_buf refs = RC_BUF_INIT;
	struct rc_err err = RC_ERR_INIT;
	const char *v[N_COLUMNS];
	size_t i;
	int rc = -1;

	rc_buf_init(&refs, 0);
	for (i = 0; i < it->refs.n; i++)
		if (rc_buf_printf(&refs, &err, "%s%s", i ? " " : "", it->refs.v[i]) < 0)
			goto out;
	if (it->size >= 0) {
		snprintf(size, sizeof(size), "%" PRId64, it->size);
		rc_human_size(it->size, sh, sizeof(sh));
	}
	snprintf(recl, sizeof(recl), "%" PRId64, it->reclaimable > 0 ? it->reclaimable : 0);
	rc_human_size(it->reclaimable > 0 ? it->reclaimable : 0, rh, sizeof(rh));
	if (it->created > 0)
		rc_format_time(it->created, cr, sizeof(cr));
	if (it->last_used > 0)
		rc_format_time(it->last_used, lu, sizeof(lu));
	v[0] = action;
	v[1] = it->id;
	v[2] = it->source;
	v[3] = rc_kind_name(it->kind);
	v[4] = it->object;
	v[5] = it->name;
	v[6] = refs.data;
	v[7] = size;
	v[8] = recl;
	v[9] = sh;
	v[10] = rh;
	v[11] = cr;
	v[12] = lu;
	v[13] = it->rule;
	v[14] = it->reason;
	rc = write_row(f, v, N_COLUMNS);
out:
	rc_buf_release(&refs);
	return rc;
}

int rp_csv_render(const struct rc_plan *p, struct rc_buf *out, struct rc_err *err)
{
	char *mem = NULL;
	size_t memlen = 0, i;
	FILE *f = open_memstream(&mem, &memlen);
	int bad = 0, rc;

	if (!f)
		return rc_err_sys(err, errno, "cannot render CSV");
	bad |= write_row(f, columns, N_COLUMNS);
	for (i = 0; !bad && i < p->n_candidates; i++)
		bad |= write_item(f, "delete", &p->candidates[i]);
	for (i = 0; !bad && i < p->n_protected; i++)
		bad |= write_item(f, "keep", &p->protected_items[i]);
	if (fclose(f) != 0)
		bad = 1;
	if (bad) {
		free(mem);
		return rc_err_set(err, RC_ERR_NOMEM, "cannot render CSV: out of memory");
	}
	rc = rc_buf_append(out, mem, memlen, err);
	free(mem);
	return rc;
}

int rp_csv_write(const struct rc_plan *p, const char *path, struct rc_err *err)
{
	struct rc_buf b = RC_BUF_INIT;
	int rc;

	rc_buf_init(&b, 0);
	rc = rp_csv_render(p, &b, err);
	if (rc == 0)
		rc = rc_write_file_atomic(path, b.data, b.len, 0666, err);
	rc_buf_release(&b);
	return rc;
}
