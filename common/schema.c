#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jcs.h"
#include "plan.h"
#include "schema.h"

#define MAX_PATTERNS 64
#define MAX_REF_DEPTH 64

struct pattern {
	const char *src; /* points into the schema, which outlives validation */
	regex_t re;
};

struct vctx {
	const cJSON *root;
	struct rc_buf path;
	enum rc_err_kind kind;
	struct pattern pats[MAX_PATTERNS];
	size_t npats;
	int ref_depth;
};

static int fail(struct vctx *v, struct rc_err *err, const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	return rc_err_set(err, v->kind, "%s: %s", v->path.data, msg);
}

static int bad_schema(struct vctx *v, struct rc_err *err, const char *what)
{
	return rc_err_set(err, RC_ERR_INTERNAL, "schema error at %s: %s", v->path.data, what);
}

/* The numeric value of a Number, or of a Raw integer literal (reclaim's
 * writer emits exact int64 values that way). 0 when j is neither. */
static int num_value(const cJSON *j, double *d)
{
	int64_t v;

	if (cJSON_IsNumber(j)) {
		*d = j->valuedouble;
		return 1;
	}
	if (cJSON_IsRaw(j) && rc_jcs_raw_integer(j->valuestring, &v) == 0) {
		*d = (double)v;
		return 1;
	}
	return 0;
}

static int is_integer(const cJSON *j)
{
	double d;

	if (!num_value(j, &d))
		return 0;
	return isfinite(d) && d == trunc(d) && fabs(d) <= (double)RC_MAX_EXACT_INT;
}

static int type_matches(const cJSON *inst, const char *t)
{
	if (strcmp(t, "null") == 0)
		return cJSON_IsNull(inst);
	if (strcmp(t, "boolean") == 0)
		return cJSON_IsBool(inst);
	if (strcmp(t, "object") == 0)
		return cJSON_IsObject(inst);
	if (strcmp(t, "array") == 0)
		return cJSON_IsArray(inst);
	if (strcmp(t, "string") == 0)
		return cJSON_IsString(inst);
	if (strcmp(t, "number") == 0) {
		double d;
		return num_value(inst, &d) && isfinite(d);
	}
	if (strcmp(t, "integer") == 0)
		return is_integer(inst);
	return -1;
}

static int check_type(struct vctx *v, const cJSON *type, const cJSON *inst, struct rc_err *err)
{
	struct rc_buf want = RC_BUF_INIT;
	const cJSON *t;
	int m, rc = -1;

	if (cJSON_IsString(type)) {
		m = type_matches(inst, type->valuestring);
		if (m < 0)
			return bad_schema(v, err, "unknown type name");
		if (m)
			return 0;
		if (strcmp(type->valuestring, "integer") == 0 && cJSON_IsNumber(inst) &&
		    inst->valuedouble == trunc(inst->valuedouble))
			return fail(v, err, "integer beyond 2^53-1 cannot be held exactly%s", "");
		return fail(v, err, "expected %s", type->valuestring);
	}
	if (!cJSON_IsArray(type) || !type->child)
		return bad_schema(v, err, "type must be a name or a non-empty array");
	rc_buf_init(&want, 0);
	cJSON_ArrayForEach(t, type)
	{
		if (!cJSON_IsString(t)) {
			bad_schema(v, err, "type array must hold names");
			goto out;
		}
		m = type_matches(inst, t->valuestring);
		if (m < 0) {
			bad_schema(v, err, "unknown type name");
			goto out;
		}
		if (m) {
			rc = 0;
			goto out;
		}
		if (rc_buf_printf(&want, err, "%s%s", want.len ? " or " : "", t->valuestring) < 0)
			goto out;
	}
	fail(v, err, "expected %s", want.data);
out:
	rc_buf_release(&want);
	return rc;
}

static regex_t *get_regex(struct vctx *v, const char *src, struct rc_err *err)
{
	for (size_t i = 0; i < v->npats; i++)
		if (v->pats[i].src == src)
			return &v->pats[i].re;
	if (v->npats == MAX_PATTERNS) {
		bad_schema(v, err, "too many patterns");
		return NULL;
	}
	if (regcomp(&v->pats[v->npats].re, src, REG_EXTENDED | REG_NOSUB) != 0) {
		bad_schema(v, err, "pattern is not a POSIX extended regular expression");
		return NULL;
	}
	v->pats[v->npats].src = src;
	return &v->pats[v->npats++].re;
}

static size_t utf8_count(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static const cJSON *resolve_ref(struct vctx *v, const char *ref)
{
	const cJSON *defs;

	if (strcmp(ref, "#") == 0)
		return v->root;
	if (strncmp(ref, "#/definitions/", 14) == 0) {
		defs = cJSON_GetObjectItemCaseSensitive(v->root, "definitions");
		ref += 14;
	} else if (strncmp(ref, "#/$defs/", 8) == 0) {
		defs = cJSON_GetObjectItemCaseSensitive(v->root, "$defs");
		ref += 8;
	} else {
		return NULL;
	}
	if (!*ref || strchr(ref, '/') || strchr(ref, '~') || strchr(ref, '%'))
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(defs, ref);
}

static int validate(struct vctx *v, const cJSON *s, const cJSON *inst, struct rc_err *err);

/* Validates inst at path + suffix, then restores the path. */
static int validate_at(struct vctx *v, const cJSON *s, const cJSON *inst, const char *key,
		       long index, struct rc_err *err)
{
	size_t mark = v->path.len;
	int rc;

	if (key) {
		char clean[256];
		rc_sanitize(clean, sizeof(clean), key);
		rc = rc_buf_printf(&v->path, err, ".%s", clean);
	} else {
		rc = rc_buf_printf(&v->path, err, "[%ld]", index);
	}
	if (rc == 0)
		rc = validate(v, s, inst, err);
	v->path.len = mark;
	v->path.data[mark] = '\0';
	return rc;
}

/* How many of the schemas in arr inst matches; the first failure goes to err. */
static int count_matches(struct vctx *v, const cJSON *arr, const cJSON *inst, int stop_at,
			 struct rc_err *err, struct rc_err *first)
{
	const cJSON *sub;
	int n = 0;

	if (!cJSON_IsArray(arr) || !arr->child)
		return bad_schema(v, err, "anyOf/oneOf/allOf need a non-empty array");
	cJSON_ArrayForEach(sub, arr)
	{
		struct rc_err e = RC_ERR_INIT;
		if (validate(v, sub, inst, &e) == 0) {
			if (++n >= stop_at)
				return n;
		} else if (e.kind == RC_ERR_INTERNAL || e.kind == RC_ERR_NOMEM) {
			*err = e;
			return -1;
		} else if (first->kind == RC_ERR_NONE) {
			*first = e;
		}
	}
	return n;
}

static int check_object(struct vctx *v, const cJSON *s, const cJSON *inst, struct rc_err *err)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
	const cJSON *addl = cJSON_GetObjectItemCaseSensitive(s, "additionalProperties");
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(s, "required");
	const cJSON *c;

	if (req) {
		if (!cJSON_IsArray(req))
			return bad_schema(v, err, "required must be an array");
		cJSON_ArrayForEach(c, req)
		{
			if (!cJSON_IsString(c))
				return bad_schema(v, err, "required must hold names");
			if (!cJSON_GetObjectItemCaseSensitive(inst, c->valuestring)) {
				char clean[256];
				rc_sanitize(clean, sizeof(clean), c->valuestring);
				return fail(v, err, "missing required member '%s'", clean);
			}
		}
	}
	if (props && !cJSON_IsObject(props))
		return bad_schema(v, err, "properties must be an object");
	cJSON_ArrayForEach(c, inst)
	{
		const cJSON *ps = props ? cJSON_GetObjectItemCaseSensitive(props, c->string) : NULL;
		if (ps) {
			if (validate_at(v, ps, c, c->string, 0, err) < 0)
				return -1;
		} else if (cJSON_IsFalse(addl)) {
			char clean[256];
			rc_sanitize(clean, sizeof(clean), c->string);
			return fail(v, err, "unknown member '%s'", clean);
		} else if (cJSON_IsObject(addl)) {
			if (validate_at(v, addl, c, c->string, 0, err) < 0)
				return -1;
		} else if (addl && !cJSON_IsTrue(addl)) {
			return bad_schema(v, err,
					  "additionalProperties must be a boolean or schema");
		}
	}
	return 0;
}

static int check_array(struct vctx *v, const cJSON *s, const cJSON *inst, struct rc_err *err)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(s, "items");
	const cJSON *c;
	long i = 0;

	if (!items)
		return 0;
	if (!cJSON_IsObject(items) && !cJSON_IsBool(items))
		return bad_schema(v, err, "items must be one schema");
	cJSON_ArrayForEach(c, inst)
	{
		if (validate_at(v, items, c, NULL, i++, err) < 0)
			return -1;
	}
	return 0;
}

static int is_annotation(const char *k)
{
	static const char *const names[] = {"$schema",	"$id",	       "$comment",
					    "title",	"description", "default",
					    "examples", "definitions", "$defs"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(k, names[i]) == 0)
			return 1;
	return 0;
}

static int validate(struct vctx *v, const cJSON *s, const cJSON *inst, struct rc_err *err)
{
	const cJSON *kw;

	if (cJSON_IsTrue(s))
		return 0;
	if (cJSON_IsFalse(s))
		return fail(v, err, "no value is allowed here%s", "");
	if (!cJSON_IsObject(s))
		return bad_schema(v, err, "a schema must be an object or a boolean");

	cJSON_ArrayForEach(kw, s)
	{
		const char *k = kw->string;

		if (is_annotation(k) || strcmp(k, "properties") == 0 ||
		    strcmp(k, "additionalProperties") == 0 || strcmp(k, "required") == 0 ||
		    strcmp(k, "items") == 0)
			continue;
		if (strcmp(k, "type") == 0) {
			if (check_type(v, kw, inst, err) < 0)
				return -1;
		} else if (strcmp(k, "$ref") == 0) {
			const cJSON *target =
			    cJSON_IsString(kw) ? resolve_ref(v, kw->valuestring) : NULL;
			int rc;
			if (!target)
				return bad_schema(v, err, "unresolvable $ref");
			if (v->ref_depth >= MAX_REF_DEPTH)
				return bad_schema(v, err, "$ref nests too deeply");
			v->ref_depth++;
			rc = validate(v, target, inst, err);
			v->ref_depth--;
			if (rc < 0)
				return -1;
		} else if (strcmp(k, "enum") == 0) {
			const cJSON *e;
			int found = 0;
			if (!cJSON_IsArray(kw))
				return bad_schema(v, err, "enum must be an array");
			cJSON_ArrayForEach(e, kw) found |= cJSON_Compare(e, inst, 1);
			if (!found) {
				char *txt = cJSON_PrintUnformatted(kw);
				int rc = fail(v, err, "must be one of %s", txt ? txt : "the enum");
				free(txt);
				return rc;
			}
		} else if (strcmp(k, "const") == 0) {
			if (!cJSON_Compare(kw, inst, 1)) {
				char *txt = cJSON_PrintUnformatted(kw);
				int rc = fail(v, err, "must be %s", txt ? txt : "the constant");
				free(txt);
				return rc;
			}
		} else if (strcmp(k, "pattern") == 0) {
			regex_t *re;
			if (!cJSON_IsString(kw))
				return bad_schema(v, err, "pattern must be a string");
			if (!cJSON_IsString(inst))
				continue;
			re = get_regex(v, kw->valuestring, err);
			if (!re)
				return -1;
			if (regexec(re, inst->valuestring, 0, NULL, 0) != 0)
				return fail(v, err, "does not match the pattern %s",
					    kw->valuestring);
		} else if (strcmp(k, "minimum") == 0 || strcmp(k, "maximum") == 0) {
			int is_min = k[1] == 'i';
			double d;
			if (!cJSON_IsNumber(kw))
				return bad_schema(v, err, "minimum/maximum must be a number");
			if (!num_value(inst, &d))
				continue;
			if (is_min ? d < kw->valuedouble : d > kw->valuedouble) {
				char lim[64];
				snprintf(lim, sizeof(lim), "%.17g", kw->valuedouble);
				return fail(v, err,
					    is_min ? "must be at least %s" : "must be at most %s",
					    lim);
			}
		} else if (strcmp(k, "minLength") == 0 || strcmp(k, "maxLength") == 0 ||
			   strcmp(k, "minItems") == 0 || strcmp(k, "maxItems") == 0) {
			int is_min = k[1] == 'i', is_len = strstr(k, "Length") != NULL;
			double n;
			char lim[64];
			if (!is_integer(kw) || kw->valuedouble < 0)
				return bad_schema(v, err,
						  "length limits must be non-negative integers");
			if (is_len ? !cJSON_IsString(inst) : !cJSON_IsArray(inst))
				continue;
			n = is_len ? (double)utf8_count(inst->valuestring)
				   : (double)cJSON_GetArraySize(inst);
			snprintf(lim, sizeof(lim), "%.0f %s", kw->valuedouble,
				 is_len ? "characters" : "items");
			if (is_min && n < kw->valuedouble)
				return fail(v, err, "must have at least %s", lim);
			if (!is_min && n > kw->valuedouble)
				return fail(v, err, "must have at most %s", lim);
		} else if (strcmp(k, "allOf") == 0) {
			const cJSON *sub;
			if (!cJSON_IsArray(kw))
				return bad_schema(v, err, "allOf must be an array");
			cJSON_ArrayForEach(sub, kw)
			{
				if (validate(v, sub, inst, err) < 0)
					return -1;
			}
		} else if (strcmp(k, "anyOf") == 0 || strcmp(k, "oneOf") == 0) {
			struct rc_err first = RC_ERR_INIT;
			int one = k[0] == 'o';
			int n = count_matches(v, kw, inst, one ? 2 : 1, err, &first);
			if (n < 0)
				return -1;
			if (n == 0) {
				if (first.kind != RC_ERR_NONE) {
					*err = first;
					return -1;
				}
				return fail(v, err, "matches none of the %s alternatives", k);
			}
			if (one && n > 1)
				return fail(v, err, "matches more than one of the %s alternatives",
					    k);
		} else if (strcmp(k, "if") == 0) {
			/* draft-07: "if" only chooses which of "then" or "else"
			 * applies; its own failure is not reported */
			struct rc_err e = RC_ERR_INIT;
			const cJSON *branch;
			int r = validate(v, kw, inst, &e);
			if (r < 0 && (e.kind == RC_ERR_INTERNAL || e.kind == RC_ERR_NOMEM)) {
				*err = e;
				return -1;
			}
			branch = cJSON_GetObjectItemCaseSensitive(s, r == 0 ? "then" : "else");
			if (branch && validate(v, branch, inst, err) < 0)
				return -1;
		} else if (strcmp(k, "then") == 0 || strcmp(k, "else") == 0) {
			continue; /* applied through "if"; alone they mean nothing */
		} else if (strcmp(k, "not") == 0) {
			struct rc_err e = RC_ERR_INIT;
			if (validate(v, kw, inst, &e) == 0)
				return fail(v, err, "matches a schema it must not match%s", "");
			if (e.kind == RC_ERR_INTERNAL || e.kind == RC_ERR_NOMEM) {
				*err = e;
				return -1;
			}
		} else {
			char clean[128];
			rc_sanitize(clean, sizeof(clean), k);
			return rc_err_set(err, RC_ERR_INTERNAL,
					  "schema error at %s: unsupported keyword '%s'",
					  v->path.data, clean);
		}
	}
	if (cJSON_IsObject(inst) && check_object(v, s, inst, err) < 0)
		return -1;
	if (cJSON_IsArray(inst) && check_array(v, s, inst, err) < 0)
		return -1;
	return 0;
}

struct rc_schema {
	struct vctx v;
};

struct rc_schema *rc_schema_open(const cJSON *schema, enum rc_err_kind kind, struct rc_err *err)
{
	struct rc_schema *s = calloc(1, sizeof(*s));

	if (!s) {
		rc_err_nomem(err);
		return NULL;
	}
	s->v.root = schema;
	s->v.kind = kind;
	rc_buf_init(&s->v.path, 4096);
	return s;
}

int rc_schema_check(struct rc_schema *s, const char *ref, const cJSON *instance,
		    const char *root_name, struct rc_err *err)
{
	struct vctx *v = &s->v;
	const cJSON *sub;

	rc_buf_reset(&v->path);
	v->ref_depth = 0;
	if (rc_buf_puts(&v->path, root_name ? root_name : "$", err) < 0)
		return -1;
	if (!(sub = resolve_ref(v, ref ? ref : "#")))
		return bad_schema(v, err, "unresolvable $ref");
	return validate(v, sub, instance, err);
}

void rc_schema_close(struct rc_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->v.npats; i++)
		regfree(&s->v.pats[i].re);
	rc_buf_release(&s->v.path);
	free(s);
}

int rc_schema_validate(const cJSON *schema, const cJSON *instance, const char *root_name,
		       enum rc_err_kind kind, struct rc_err *err)
{
	struct rc_schema *s = rc_schema_open(schema, kind, err);
	int rc;

	if (!s)
		return -1;
	rc = rc_schema_check(s, "#", instance, root_name, err);
	rc_schema_close(s);
	return rc;
}
