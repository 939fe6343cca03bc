/* journal.c: the append-only journal of reclaim-apply (see journal.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fsutil.h"
#include "inventory.h"
#include "journal.h"
#include "source.h"

#define JOURNAL_MAX_BYTES ((size_t)256 << 20)
#define JOURNAL_VERSION 1

/* The values of one step event a source recorded for an item. */
struct step {
	char *event; /* e.g. "untag" */
	struct rc_strv values; /* e.g. the tags removed */
};

struct entry {
	char *item;
	uint64_t hash; /* hash_id(item) */
	char *outcome; /* latest outcome, NULL when only an intent was seen */
	struct step *steps; /* sub-steps of its delete, recorded before each */
	size_t n_steps;
};

struct ra_journal {
	char *path;
	char *plan_digest;
	struct entry *v; /* one per item, in order of first appearance */
	size_t n, cap;
	/* Hash index over v (open addressing, linear probing): a slot holds an
	 * index into v plus one, 0 when empty; nslots is a power of two at least
	 * twice n. Every line of a load and every item of an apply looks its
	 * item up, so a linear search made both quadratic in the plan's size. */
	size_t *slots;
	size_t nslots;
	size_t records; /* complete lines read, header included */
	size_t valid_len; /* bytes of complete lines in the file */
	int torn_tail;
	int fd; /* -1 until ra_journal_begin */
	unsigned sync_every;
	unsigned unsynced;
};

/* FNV-1a: item IDs come from an approved plan, not from an adversary. */
static uint64_t hash_id(const char *s)
{
	uint64_t h = 14695981039346656037u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211u;
	}
	return h;
}

static struct entry *find_hashed(const struct ra_journal *j, const char *item, uint64_t h)
{
	size_t mask = j->nslots - 1, i;

	if (!j->nslots)
		return NULL;
	for (i = (size_t)h & mask; j->slots[i]; i = (i + 1) & mask) {
		struct entry *e = &j->v[j->slots[i] - 1];
		if (e->hash == h && strcmp(e->item, item) == 0)
			return e;
	}
	return NULL;
}

static struct entry *find(const struct ra_journal *j, const char *item)
{
	return find_hashed(j, item, hash_id(item));
}

static void index_entry(size_t *slots, size_t nslots, const struct entry *v, size_t k)
{
	size_t mask = nslots - 1, i;

	for (i = (size_t)v[k].hash & mask; slots[i]; i = (i + 1) & mask)
		;
	slots[i] = k + 1;
}

/* Makes room in the index for one more entry. */
static int reserve_slot(struct ra_journal *j, struct rc_err *err)
{
	size_t nslots, k, *slots;

	if ((j->n + 1) * 2 <= j->nslots)
		return 0;
	nslots = j->nslots ? j->nslots * 2 : 128;
	slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return rc_err_nomem(err);
	for (k = 0; k < j->n; k++)
		index_entry(slots, nslots, j->v, k);
	free(j->slots);
	j->slots = slots;
	j->nslots = nslots;
	return 0;
}

static int remember(struct ra_journal *j, const char *item, const char *outcome, struct rc_err *err)
{
	uint64_t h = hash_id(item);
	struct entry *e = find_hashed(j, item, h);
	char *o = NULL;

	if (outcome && !(o = strdup(outcome)))
		return rc_err_nomem(err);
	if (e) {
		if (o) {
			free(e->outcome);
			e->outcome = o;
		}
		return 0;
	}
	if (reserve_slot(j, err) < 0) {
		free(o);
		return -1;
	}
	if (j->n == j->cap) {
		size_t ncap = j->cap ? j->cap * 2 : 64;
		struct entry *nv = realloc(j->v, ncap * sizeof(*nv));
		if (!nv) {
			free(o);
			return rc_err_nomem(err);
		}
		j->v = nv;
		j->cap = ncap;
	}
	j->v[j->n].item = strdup(item);
	if (!j->v[j->n].item) {
		free(o);
		return rc_err_nomem(err);
	}
	j->v[j->n].hash = h;
	j->v[j->n].outcome = o;
	j->v[j->n].steps = NULL;
	j->v[j->n].n_steps = 0;
	index_entry(j->slots, j->nslots, j->v, j->n);
	j->n++;
	return 0;
}

static struct step *find_step(const struct entry *e, const char *event)
{
	size_t i;

	for (i = 0; e && i < e->n_steps; i++)
		if (strcmp(e->steps[i].event, event) == 0)
			return &e->steps[i];
	return NULL;
}

/* Records that step event with value was (about to be) made for item. */
static int remember_step(struct ra_journal *j, const char *item, const char *event,
			 const char *value, struct rc_err *err)
{
	struct entry *e;
	struct step *st;

	if (remember(j, item, NULL, err) < 0)
		return -1;
	e = find(j, item);
	if (!(st = find_step(e, event))) {
		struct step *ns = realloc(e->steps, (e->n_steps + 1) * sizeof(*ns));
		if (!ns)
			return rc_err_nomem(err);
		e->steps = ns;
		st = &e->steps[e->n_steps];
		memset(st, 0, sizeof(*st));
		if (!(st->event = strdup(event)))
			return rc_err_nomem(err);
		e->n_steps++;
	}
	if (rc_strv_has(&st->values, value))
		return 0;
	return rc_strv_push(&st->values, value, err);
}

static int known_outcome(const char *s)
{
	static const char *const names[] = {"deleted", "already-absent", "changed", "failed"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return 1;
	return 0;
}

static const char *str_member(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int parse_header(struct ra_journal *j, const cJSON *o, size_t lineno, struct rc_err *err)
{
	const char *kind = str_member(o, "journal");
	const char *digest = str_member(o, "plan_digest");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(o, "version");

	if (!kind || strcmp(kind, "reclaim") != 0 || !digest)
		return rc_err_set(err, RC_ERR_PLAN, "'%s' line %zu: not a reclaim journal header",
				  j->path, lineno);
	if (!ver)
		return rc_err_set(err, RC_ERR_PLAN, "'%s' line %zu: journal header has no version",
				  j->path, lineno);
	if (!cJSON_IsNumber(ver) || ver->valuedouble != JOURNAL_VERSION)
		return rc_err_set(err, RC_ERR_REFUSED,
				  "journal '%s' has an unknown version (this tool writes %d)",
				  j->path, JOURNAL_VERSION);
	if (strcmp(digest, j->plan_digest) != 0) {
		char safe[160];
		rc_sanitize(safe, sizeof(safe), digest);
		return rc_err_set(err, RC_ERR_REFUSED,
				  "journal '%s' belongs to another plan (%s, not %s)", j->path,
				  safe, j->plan_digest);
	}
	return 0;
}

static int parse_record(struct ra_journal *j, const cJSON *o, size_t lineno, struct rc_err *err)
{
	const char *item = str_member(o, "item");
	const char *event = str_member(o, "event");
	const char *outcome;

	if (!item || !*item || !event)
		return rc_err_set(err, RC_ERR_PLAN, "'%s' line %zu: not a journal record", j->path,
				  lineno);
	if (strcmp(event, "intent") == 0)
		return remember(j, item, NULL, err);
	if (rc_source_step_known(event)) {
		const char *ref = str_member(o, "ref");
		if (!ref || !*ref)
			return rc_err_set(err, RC_ERR_PLAN, "'%s' line %zu: %s without a ref",
					  j->path, lineno, event);
		return remember_step(j, item, event, ref, err);
	}
	if (strcmp(event, "outcome") != 0)
		return rc_err_set(err, RC_ERR_PLAN, "'%s' line %zu: unknown event", j->path,
				  lineno);
	outcome = str_member(o, "outcome");
	if (!outcome || !known_outcome(outcome))
		return rc_err_set(err, RC_ERR_PLAN, "'%s' line %zu: unknown outcome", j->path,
				  lineno);
	return remember(j, item, outcome, err);
}

/* Parses the complete lines of text; sets valid_len and torn_tail. */
static int parse_text(struct ra_journal *j, const char *text, size_t len, struct rc_err *err)
{
	size_t pos = 0, lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t llen;
		cJSON *o;
		int rc;

		if (!nl) {
			/* A crash mid-write leaves an unterminated tail: it never
			 * counted, and begin() cuts it off. */
			j->torn_tail = 1;
			break;
		}
		llen = (size_t)(nl - (text + pos));
		lineno++;
		o = llen ? cJSON_ParseWithLength(text + pos, llen) : NULL;
		if (!cJSON_IsObject(o)) {
			cJSON_Delete(o);
			return rc_err_set(err, RC_ERR_PLAN, "'%s' line %zu: not a JSON object",
					  j->path, lineno);
		}
		rc =
		    lineno == 1 ? parse_header(j, o, lineno, err) : parse_record(j, o, lineno, err);
		cJSON_Delete(o);
		if (rc < 0)
			return -1;
		pos += llen + 1;
		j->records++;
		j->valid_len = pos;
	}
	return 0;
}

int ra_journal_load(const char *path, const char *plan_digest, struct ra_journal **out,
		    struct rc_err *err)
{
	struct ra_journal *j = calloc(1, sizeof(*j));
	struct rc_buf text = RC_BUF_INIT;
	struct stat st;
	int rc = -1;

	*out = NULL;
	if (!j)
		return rc_err_nomem(err);
	j->fd = -1;
	j->path = strdup(path);
	j->plan_digest = strdup(plan_digest);
	if (!j->path || !j->plan_digest) {
		rc_err_nomem(err);
		goto out;
	}
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		rc_err_set(err, RC_ERR_IO, "journal '%s' is a symbolic link: refusing to follow it",
			   path);
		goto out;
	}
	/* Reading a FIFO would wait for a writer forever; a directory or a
	 * device is no journal either. */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		rc_err_set(err, RC_ERR_IO, "journal '%s' is not a regular file", path);
		goto out;
	}
	if (rc_read_file(path, JOURNAL_MAX_BYTES, &text, err) < 0) {
		if (err && err->sys_errno == ENOENT) {
			rc_err_clear(err);
			rc = 0;
		} else {
			rc_err_prefix(err, "cannot read journal");
		}
		goto out;
	}
	rc = parse_text(j, text.data, text.len, err);
out:
	rc_buf_release(&text);
	if (rc < 0) {
		ra_journal_free(j);
		return -1;
	}
	*out = j;
	return 0;
}

int ra_journal_done(const struct ra_journal *j, const char *item_id)
{
	const char *o = ra_journal_last_outcome(j, item_id);

	return o && (strcmp(o, "deleted") == 0 || strcmp(o, "already-absent") == 0);
}

const char *ra_journal_last_outcome(const struct ra_journal *j, const char *item_id)
{
	const struct entry *e = j ? find(j, item_id) : NULL;

	return e ? e->outcome : NULL;
}

size_t ra_journal_records(const struct ra_journal *j)
{
	return j ? j->records : 0;
}

int ra_journal_had_torn_tail(const struct ra_journal *j)
{
	return j ? j->torn_tail : 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fsync_dir_of(const char *path, struct rc_err *err)
{
	char *copy = strdup(path);
	int fd, rc = 0;

	if (!copy)
		return rc_err_nomem(err);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		rc = rc_err_sys(err, errno, "cannot flush the directory of journal '%s'", path);
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

/* Appends one JSON object as a line with a single write(2). */
static int append(struct ra_journal *j, cJSON *o, struct rc_err *err)
{
	struct rc_buf line = RC_BUF_INIT;
	char *s;
	int rc = -1;

	if (j->fd < 0)
		return rc_err_set(err, RC_ERR_INTERNAL, "journal '%s' is not open", j->path);
	s = cJSON_PrintUnformatted(o);
	if (!s)
		return rc_err_nomem(err);
	rc_buf_init(&line, 0);
	if (rc_buf_puts(&line, s, err) < 0 || rc_buf_puts(&line, "\n", err) < 0)
		goto out;
	if (write_all(j->fd, line.data, line.len) < 0) {
		rc_err_sys(err, errno, "cannot append to journal '%s'", j->path);
		goto out;
	}
	j->unsynced++;
	rc = 0;
	if (j->unsynced >= j->sync_every)
		rc = ra_journal_sync(j, err);
out:
	rc_buf_release(&line);
	cJSON_free(s);
	return rc;
}

int ra_journal_begin(struct ra_journal *j, unsigned sync_every, struct rc_err *err)
{
	struct stat st;
	int created;

	if (j->fd >= 0)
		return 0;
	j->sync_every = sync_every ? sync_every : RA_JOURNAL_SYNC_EVERY;
	/* O_NOFOLLOW: a symbolic link planted at the journal's path must not
	 * redirect the appends to another file. */
	/* O_NONBLOCK: a FIFO put there since the load must not block the open;
	 * it is refused below. It does not change how a regular file is written. */
	j->fd = open(j->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		     0600);
	if (j->fd < 0) {
		if (errno == ELOOP)
			return rc_err_set(err, RC_ERR_IO,
					  "journal '%s' is a symbolic link: refusing to follow it",
					  j->path);
		if (errno == ENXIO) /* a FIFO without a reader */
			return rc_err_set(err, RC_ERR_IO, "journal '%s' is not a regular file",
					  j->path);
		return rc_err_sys(err, errno, "cannot open journal '%s'", j->path);
	}
	if (flock(j->fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(j->fd);
		j->fd = -1;
		if (e == EWOULDBLOCK)
			return rc_err_set(err, RC_ERR_IO,
					  "journal '%s' is in use by another reclaim-apply",
					  j->path);
		return rc_err_sys(err, e, "cannot lock journal '%s'", j->path);
	}
	if (fstat(j->fd, &st) < 0) {
		rc_err_sys(err, errno, "cannot stat journal '%s'", j->path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc_err_set(err, RC_ERR_IO, "journal '%s' is not a regular file", j->path);
		goto fail;
	}
	/* Someone appended between load and lock: our view is stale. */
	if ((size_t)st.st_size < j->valid_len ||
	    ((size_t)st.st_size > j->valid_len && !j->torn_tail)) {
		rc_err_set(err, RC_ERR_IO, "journal '%s' changed while it was being read", j->path);
		goto fail;
	}
	if ((size_t)st.st_size > j->valid_len && ftruncate(j->fd, (off_t)j->valid_len) < 0) {
		rc_err_sys(err, errno, "cannot cut the torn last line of journal '%s'", j->path);
		goto fail;
	}
	created = j->records == 0;
	if (created) {
		cJSON *h = cJSON_CreateObject();
		int rc;

		if (!h || !cJSON_AddStringToObject(h, "journal", "reclaim") ||
		    !cJSON_AddNumberToObject(h, "version", JOURNAL_VERSION) ||
		    !cJSON_AddStringToObject(h, "plan_digest", j->plan_digest)) {
			cJSON_Delete(h);
			rc_err_nomem(err);
			goto fail;
		}
		rc = append(j, h, err);
		cJSON_Delete(h);
		if (rc < 0)
			goto fail;
		j->records = 1;
		/* The header and the directory entry must be durable before any
		 * delete, or a rerun could not tell whose journal this is. */
		if (ra_journal_sync(j, err) < 0 || fsync_dir_of(j->path, err) < 0)
			goto fail;
	}
	return 0;
fail:
	close(j->fd);
	j->fd = -1;
	return -1;
}

int ra_journal_intent(struct ra_journal *j, const char *item_id, struct rc_err *err)
{
	cJSON *o = cJSON_CreateObject();
	int rc;

	if (!o || !cJSON_AddStringToObject(o, "item", item_id) ||
	    !cJSON_AddStringToObject(o, "event", "intent")) {
		cJSON_Delete(o);
		return rc_err_nomem(err);
	}
	rc = append(j, o, err);
	cJSON_Delete(o);
	if (rc == 0)
		rc = remember(j, item_id, NULL, err);
	return rc;
}

int ra_journal_step(struct ra_journal *j, const char *item_id, const char *event,
		    const char *value, struct rc_err *err)
{
	cJSON *o;
	int rc;

	if (!rc_source_step_known(event))
		return rc_err_set(err, RC_ERR_INTERNAL, "no source type journals a step '%s'",
				  event);
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "item", item_id) ||
	    !cJSON_AddStringToObject(o, "event", event) ||
	    !cJSON_AddStringToObject(o, "ref", value)) {
		cJSON_Delete(o);
		return rc_err_nomem(err);
	}
	rc = append(j, o, err);
	cJSON_Delete(o);
	if (rc == 0)
		rc = remember_step(j, item_id, event, value, err);
	return rc;
}

const struct rc_strv *ra_journal_steps(const struct ra_journal *j, const char *item_id,
				       const char *event)
{
	const struct step *st = j ? find_step(find(j, item_id), event) : NULL;

	return st && st->values.n ? &st->values : NULL;
}

int ra_journal_outcome(struct ra_journal *j, const char *item_id, const char *outcome,
		       const char *reason, struct rc_err *err)
{
	cJSON *o;
	int rc;

	if (!known_outcome(outcome))
		return rc_err_set(err, RC_ERR_INTERNAL, "unknown journal outcome '%s'", outcome);
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "item", item_id) ||
	    !cJSON_AddStringToObject(o, "event", "outcome") ||
	    !cJSON_AddStringToObject(o, "outcome", outcome) ||
	    !cJSON_AddStringToObject(o, "reason", reason ? reason : "")) {
		cJSON_Delete(o);
		return rc_err_nomem(err);
	}
	rc = append(j, o, err);
	cJSON_Delete(o);
	if (rc == 0)
		rc = remember(j, item_id, outcome, err);
	return rc;
}

int ra_journal_sync(struct ra_journal *j, struct rc_err *err)
{
	if (j->fd < 0 || !j->unsynced)
		return 0;
	if (fdatasync(j->fd) < 0)
		return rc_err_sys(err, errno, "cannot flush journal '%s' to disk", j->path);
	j->unsynced = 0;
	return 0;
}

int ra_journal_close(struct ra_journal *j, struct rc_err *err)
{
	int rc;

	if (!j || j->fd < 0)
		return 0;
	rc = ra_journal_sync(j, err);
	if (close(j->fd) < 0 && rc == 0)
		rc = rc_err_sys(err, errno, "cannot close journal '%s'", j->path);
	j->fd = -1;
	return rc;
}

void ra_journal_free(struct ra_journal *j)
{
	size_t i, k;

	if (!j)
		return;
	ra_journal_close(j, NULL);
	for (i = 0; i < j->n; i++) {
		free(j->v[i].item);
		free(j->v[i].outcome);
		for (k = 0; k < j->v[i].n_steps; k++) {
			free(j->v[i].steps[k].event);
			rc_strv_release(&j->v[i].steps[k].values);
		}
		free(j->v[i].steps);
	}
	free(j->v);
	free(j->slots);
	free(j->path);
	free(j->plan_digest);
	free(j);
}
