/* registry/parse.c: the pure parsers of the Registry v2 / OCI client. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "buf.h"
#include "hex.h"
#include "registry/parse.h"
#include "sha256.h"
#include "units.h"

void rc_reg_manifest_release(struct rc_reg_manifest *m)
{
	size_t i;

	if (!m)
		return;
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
	memset(m, 0, sizeof(*m));
	m->size = -1;
	m->config.size = -1;
}

void rc_reg_challenge_release(struct rc_reg_challenge *ch)
{
	if (!ch)
		return;
	free(ch->realm);
	free(ch->service);
	free(ch->scope);
	memset(ch, 0, sizeof(*ch));
}

/* ---- URLs ---- */

static int is_default_port(const char *scheme, const char *port)
{
	return (!strcmp(scheme, "https") && !strcmp(port, "443")) ||
	       (!strcmp(scheme, "http") && !strcmp(port, "80"));
}

int rc_reg_canonical_url(const char *url, char **out, struct rc_err *err)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *pass = NULL;
	char *path = NULL, *query = NULL, *frag = NULL;
	struct rc_buf b = RC_BUF_INIT;
	char q[256];
	int ret = -1;

	*out = NULL;
	if (!url || !*url)
		return rc_err_set(err, RC_ERR_USAGE, "missing registry URL");
	if (strpbrk(url, " \t\r\n"))
		return rc_err_set(err, RC_ERR_USAGE, "invalid registry URL: it holds blanks");
	rc_buf_init(&b, 4096);
	if (!(u = curl_url()))
		goto nomem;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_DEFAULT_SCHEME) != CURLUE_OK) {
		/* the URL may hold credentials: never repeat it */
		rc_err_set(err, RC_ERR_USAGE, "invalid registry URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK) {
		rc_err_set(err, RC_ERR_USAGE,
			   "the registry URL holds credentials: give them with --username and "
			   "--password-stdin, or in the environment or the Docker config");
		goto out;
	}
	rc_sanitize(q, sizeof(q), url);
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
		rc_err_set(err, RC_ERR_USAGE, "invalid registry URL '%s': no host", q);
		goto out;
	}
	for (char *p = scheme; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strcmp(scheme, "https") && strcmp(scheme, "http")) {
		rc_err_set(err, RC_ERR_USAGE, "invalid registry URL '%s': want https:// or http://",
			   q);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK) {
		rc_err_set(err, RC_ERR_USAGE,
			   "invalid registry URL '%s': a registry URL has no query or fragment", q);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && strcmp(path, "/") &&
	    strcmp(path, "/v2") && strcmp(path, "/v2/")) {
		rc_err_set(err, RC_ERR_USAGE,
			   "invalid registry URL '%s': a registry URL has no path (registries "
			   "under a path prefix are not supported)",
			   q);
		goto out;
	}
	for (char *p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK) {
		curl_free(port);
		port = NULL;
	}
	if (rc_buf_printf(&b, err, "%s://%s", scheme, host) < 0)
		goto out;
	if (port && !is_default_port(scheme, port) && rc_buf_printf(&b, err, ":%s", port) < 0)
		goto out;
	*out = rc_buf_detach(&b);
	ret = 0;
	goto out;
nomem:
	rc_err_nomem(err);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_free(pass);
	curl_free(path);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	rc_buf_release(&b);
	return ret;
}

char *rc_reg_source_name(const char *canonical)
{
	const char *hp, *port;
	struct rc_buf b = RC_BUF_INIT;
	size_t hlen;
	int https;

	if (!canonical)
		return NULL;
	if (!strncmp(canonical, "https://", 8))
		https = 1;
	else if (!strncmp(canonical, "http://", 7))
		https = 0;
	else
		return NULL;
	hp = canonical + (https ? 8 : 7);
	if (*hp == '[') {
		const char *close = strchr(hp, ']');
		if (!close)
			return NULL;
		port = close[1] == ':' ? close + 2 : NULL;
		hp++;
		hlen = (size_t)(close - hp);
	} else {
		const char *colon = strchr(hp, ':');
		port = colon ? colon + 1 : NULL;
		hlen = colon ? (size_t)(colon - hp) : strlen(hp);
	}
	if (!hlen)
		return NULL;
	rc_buf_init(&b, 4096);
	if (rc_buf_puts(&b, "registry-", NULL) < 0)
		goto fail;
	for (size_t i = 0; i < hlen; i++) {
		char c = hp[i];
		if (!isalnum((unsigned char)c) && c != '.' && c != '_' && c != '-')
			c = '-';
		if (rc_buf_append(&b, &c, 1, NULL) < 0)
			goto fail;
	}
	if (rc_buf_printf(&b, NULL, "-%s", port ? port : (https ? "443" : "80")) < 0)
		goto fail;
	for (size_t i = 0; i < b.len; i++)
		if (!isalnum((unsigned char)b.data[i]) && !strchr("._-", b.data[i]))
			b.data[i] = '-';
	return rc_buf_detach(&b);
fail:
	rc_buf_release(&b);
	return NULL;
}

/* ---- WWW-Authenticate and Link ---- */

static int is_tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+.^_`|~-/:", c));
}

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* Reads a token or a quoted-string at *p into an owned string. */
static int read_value(const char **p, char **out, struct rc_err *err)
{
	struct rc_buf b = RC_BUF_INIT;
	const char *s = *p;

	rc_buf_init(&b, 8192);
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			if (rc_buf_append(&b, s, 1, err) < 0)
				goto fail;
		}
		if (*s != '"') {
			rc_err_set(err, RC_ERR_PROTOCOL, "unterminated quoted string");
			goto fail;
		}
		s++;
	} else {
		const char *st = s;
		while (is_tchar(*s) || *s == '=')
			s++;
		if (s == st) {
			rc_err_set(err, RC_ERR_PROTOCOL, "missing value");
			goto fail;
		}
		if (rc_buf_append(&b, st, (size_t)(s - st), err) < 0)
			goto fail;
	}
	*p = s;
	*out = rc_buf_detach(&b);
	return 0;
fail:
	rc_buf_release(&b);
	return -1;
}

struct chal_list {
	struct rc_reg_challenge v[8];
	size_t n;
};

int rc_reg_parse_challenge(const char *value, struct rc_reg_challenge *ch, struct rc_err *err)
{
	struct chal_list l;
	const char *p = value;
	size_t i, pick;

	memset(ch, 0, sizeof(*ch));
	memset(&l, 0, sizeof(l));
	if (!value)
		return rc_err_set(err, RC_ERR_PROTOCOL, "no authentication challenge");
	for (;;) {
		const char *st;
		struct rc_reg_challenge *c;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		st = p;
		while (is_tchar(*p) && *p != '/' && *p != ':')
			p++;
		if (p == st || (*p && *p != ' ' && *p != '\t' && *p != ','))
			goto bad;
		if (l.n == sizeof(l.v) / sizeof(l.v[0]))
			break; /* enough: a real server sends one or two */
		c = &l.v[l.n++];
		if ((size_t)(p - st) == 5 && !strncasecmp(st, "basic", 5))
			c->scheme = RC_REG_AUTH_BASIC;
		else if ((size_t)(p - st) == 6 && !strncasecmp(st, "bearer", 6))
			c->scheme = RC_REG_AUTH_BEARER;
		else
			c->scheme = RC_REG_AUTH_OTHER;
		/* auth-params until the next challenge */
		for (;;) {
			const char *save;
			char *v = NULL, **slot = NULL;
			size_t nl;

			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			save = p;
			st = p;
			while (is_tchar(*p) && *p != '/' && *p != ':')
				p++;
			nl = (size_t)(p - st);
			skip_ws(&p);
			if (!nl || *p != '=') {
				p = save; /* a new challenge (or the end) */
				break;
			}
			p++;
			skip_ws(&p);
			if (read_value(&p, &v, err) < 0)
				goto fail;
			if (nl == 5 && !strncasecmp(st, "realm", 5))
				slot = &c->realm;
			else if (nl == 7 && !strncasecmp(st, "service", 7))
				slot = &c->service;
			else if (nl == 5 && !strncasecmp(st, "scope", 5))
				slot = &c->scope;
			if (slot) {
				free(*slot);
				*slot = v;
			} else {
				free(v);
			}
			skip_ws(&p);
			if (*p && *p != ',')
				goto bad;
		}
	}
	if (!l.n)
		goto bad;
	pick = 0;
	for (i = 0; i < l.n; i++)
		if (l.v[i].scheme == RC_REG_AUTH_BEARER) {
			pick = i;
			break;
		}
	if (i == l.n)
		for (i = 0; i < l.n; i++)
			if (l.v[i].scheme == RC_REG_AUTH_BASIC) {
				pick = i;
				break;
			}
	*ch = l.v[pick];
	memset(&l.v[pick], 0, sizeof(l.v[pick]));
	for (i = 0; i < l.n; i++)
		rc_reg_challenge_release(&l.v[i]);
	return 0;
bad:
	rc_err_set(err, RC_ERR_PROTOCOL, "malformed WWW-Authenticate header");
fail:
	for (i = 0; i < l.n; i++)
		rc_reg_challenge_release(&l.v[i]);
	return -1;
}

int rc_reg_parse_link_next(const char *value, char **next, struct rc_err *err)
{
	const char *p = value;

	*next = NULL;
	if (!value)
		return 0;
	for (;;) {
		const char *open, *close;
		int is_next = 0;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			return 0;
		if (*p != '<' || !(close = strchr(p, '>')))
			return rc_err_set(err, RC_ERR_PROTOCOL, "malformed Link header");
		open = p + 1;
		p = close + 1;
		for (;;) {
			const char *st;
			char *v = NULL;
			size_t nl;

			skip_ws(&p);
			if (*p != ';')
				break;
			p++;
			skip_ws(&p);
			st = p;
			while (is_tchar(*p) && *p != '/' && *p != ':')
				p++;
			nl = (size_t)(p - st);
			skip_ws(&p);
			if (!nl || *p != '=')
				return rc_err_set(err, RC_ERR_PROTOCOL, "malformed Link header");
			p++;
			skip_ws(&p);
			if (read_value(&p, &v, err) < 0)
				return rc_err_prefix(err, "malformed Link header");
			if (nl == 3 && !strncasecmp(st, "rel", 3)) {
				/* rel may list several relation types */
				const char *t = v;
				while (*t) {
					size_t tl = strcspn(t, " \t");
					if (tl == 4 && !strncasecmp(t, "next", 4))
						is_next = 1;
					t += tl;
					t += strspn(t, " \t");
				}
			}
			free(v);
		}
		skip_ws(&p);
		if (*p && *p != ',')
			return rc_err_set(err, RC_ERR_PROTOCOL, "malformed Link header");
		if (is_next) {
			if (close == open || memchr(open, ' ', (size_t)(close - open)))
				return rc_err_set(err, RC_ERR_PROTOCOL, "malformed Link header");
			if (!(*next = strndup(open, (size_t)(close - open))))
				return rc_err_nomem(err);
			return 0;
		}
	}
}

/* ---- bodies ---- */

void rc_reg_error_text(const char *body, size_t len, char *out, size_t outsz)
{
	cJSON *root, *errs, *e, *code, *msg;
	char raw[512] = "";
	int n;

	out[0] = '\0';
	if (!body || !len)
		return;
	root = cJSON_ParseWithLength(body, len);
	if (!root)
		return;
	errs = cJSON_GetObjectItemCaseSensitive(root, "errors");
	if (cJSON_IsArray(errs) && (e = cJSON_GetArrayItem(errs, 0)) && cJSON_IsObject(e)) {
		const char *cs, *ms;

		code = cJSON_GetObjectItemCaseSensitive(e, "code");
		msg = cJSON_GetObjectItemCaseSensitive(e, "message");
		cs = cJSON_IsString(code) ? code->valuestring : NULL;
		ms = cJSON_IsString(msg) ? msg->valuestring : NULL;
		n = cJSON_GetArraySize(errs);
		if (cs && ms)
			snprintf(raw, sizeof(raw), "%s: %s", cs, ms);
		else if (cs || ms)
			snprintf(raw, sizeof(raw), "%s", cs ? cs : ms);
		if (raw[0] && n > 1) {
			size_t l = strlen(raw);
			snprintf(raw + l, sizeof(raw) - l, " (and %d more)", n - 1);
		}
	}
	cJSON_Delete(root);
	rc_sanitize(out, outsz, raw);
}

int rc_reg_verify_digest(const void *data, size_t len, const char *digest, struct rc_err *err)
{
	char hex[RC_SHA256_HEX_LEN + 1], q[96];

	if (!rc_digest_valid(digest)) {
		rc_sanitize(q, sizeof(q), digest ? digest : "");
		return rc_err_set(err, RC_ERR_PROTOCOL, "unsupported or malformed digest '%s'", q);
	}
	if (rc_sha256_hex(data, len, hex, err) < 0)
		return -1;
	if (strcmp(hex, digest + strlen(RC_DIGEST_PREFIX)))
		return rc_err_set(err, RC_ERR_PROTOCOL,
				  "content does not match its digest '%s' (it hashes to sha256:%s)",
				  digest, hex);
	return 0;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A descriptor's size: a whole number 0..2^53, else -1 with err. */
static int desc_size(const cJSON *d, int64_t *size, struct rc_err *err)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(d, "size");

	*size = -1;
	if (!s)
		return 0;
	if (!cJSON_IsNumber(s) || s->valuedouble < 0 || s->valuedouble > 9007199254740992.0 ||
	    s->valuedouble != (double)(int64_t)s->valuedouble)
		return rc_err_set(err, RC_ERR_PROTOCOL, "malformed descriptor size");
	*size = (int64_t)s->valuedouble;
	return 0;
}

static int desc_digest(const cJSON *d, char **out, struct rc_err *err)
{
	const char *s = cJSON_IsObject(d) ? jstr(d, "digest") : NULL;
	char q[96];

	if (!s || !rc_digest_valid(s)) {
		rc_sanitize(q, sizeof(q), s ? s : "(none)");
		return rc_err_set(err, RC_ERR_PROTOCOL, "malformed descriptor digest '%s'", q);
	}
	if (!(*out = strdup(s)))
		return rc_err_nomem(err);
	return 0;
}

static int is_image_config(const char *mt)
{
	return mt && (!strcmp(mt, RC_MT_DOCKER_CONFIG) || !strcmp(mt, RC_MT_OCI_CONFIG));
}

int rc_reg_parse_manifest(const char *body, size_t len, const char *media_type,
			  struct rc_reg_manifest *m, struct rc_err *err)
{
	cJSON *root = NULL;
	const cJSON *sv, *cfg, *layers, *children, *subj, *it;
	const char *mt;
	char ctbuf[256] = "";
	int ret = -1;

	m->size = (int64_t)len;
	m->config.size = -1;
	if (len > RC_REG_MANIFEST_MAX)
		return rc_err_set(err, RC_ERR_PROTOCOL,
				  "manifest of %zu bytes is over the %zu limit", len,
				  RC_REG_MANIFEST_MAX);
	root = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(root)) {
		rc_err_set(err, RC_ERR_PROTOCOL, "manifest is not a JSON object");
		goto out;
	}
	if (media_type) {
		/* the Content-Type without parameters */
		size_t n = strcspn(media_type, "; \t");
		snprintf(ctbuf, sizeof(ctbuf), "%.*s", (int)n, media_type);
	}
	mt = jstr(root, "mediaType");
	if (!mt || !*mt)
		mt = ctbuf[0] && strcmp(ctbuf, "application/json") ? ctbuf : NULL;
	sv = cJSON_GetObjectItemCaseSensitive(root, "schemaVersion");
	cfg = cJSON_GetObjectItemCaseSensitive(root, "config");
	layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
	children = cJSON_GetObjectItemCaseSensitive(root, "manifests");
	if (!mt && cJSON_IsArray(children))
		mt = RC_MT_OCI_INDEX;
	else if (!mt && cJSON_IsObject(cfg))
		mt = RC_MT_OCI_MANIFEST;
	if (cJSON_IsNumber(sv) && sv->valuedouble == 1.0 && !mt)
		mt = "application/vnd.docker.distribution.manifest.v1+json";
	if (!(m->media_type = strdup(mt ? mt : "")))
		goto nomem;
	if (cJSON_IsNumber(sv) && sv->valuedouble == 1.0) {
		m->mkind = RC_REG_UNSUPPORTED;
	} else if (mt && (!strcmp(mt, RC_MT_DOCKER_MANIFEST) || !strcmp(mt, RC_MT_OCI_MANIFEST))) {
		const char *cmt, *at;

		m->mkind = RC_REG_IMAGE;
		if (!cJSON_IsObject(cfg)) {
			rc_err_set(err, RC_ERR_PROTOCOL, "image manifest without a config");
			goto out;
		}
		if (desc_digest(cfg, &m->config.digest, err) < 0 ||
		    desc_size(cfg, &m->config.size, err) < 0)
			goto out;
		if (layers && !cJSON_IsArray(layers) && !cJSON_IsNull(layers)) {
			rc_err_set(err, RC_ERR_PROTOCOL, "manifest layers are not a list");
			goto out;
		}
		if (cJSON_IsArray(layers) && cJSON_GetArraySize(layers) > 0) {
			size_t n = (size_t)cJSON_GetArraySize(layers), i = 0;

			if (!(m->layers = calloc(n, sizeof(*m->layers))))
				goto nomem;
			cJSON_ArrayForEach(it, layers)
			{
				m->n_layers = i + 1;
				if (desc_digest(it, &m->layers[i].digest, err) < 0 ||
				    desc_size(it, &m->layers[i].size, err) < 0)
					goto out;
				i++;
			}
		}
		at = jstr(root, "artifactType");
		cmt = jstr(cfg, "mediaType");
		if (at && *at) {
			if (!(m->artifact_type = strdup(at)))
				goto nomem;
		} else if (cmt && *cmt && !is_image_config(cmt)) {
			if (!(m->artifact_type = strdup(cmt)))
				goto nomem;
		}
	} else if (mt && (!strcmp(mt, RC_MT_DOCKER_LIST) || !strcmp(mt, RC_MT_OCI_INDEX))) {
		m->mkind = RC_REG_INDEX;
		if (children && !cJSON_IsArray(children) && !cJSON_IsNull(children)) {
			rc_err_set(err, RC_ERR_PROTOCOL, "index manifests are not a list");
			goto out;
		}
		cJSON_ArrayForEach(it, (cJSON_IsArray(children) ? children : NULL))
		{
			char *d = NULL;
			int r;

			if (desc_digest(it, &d, err) < 0)
				goto out;
			r = rc_strv_push(&m->children, d, err);
			free(d);
			if (r < 0)
				goto out;
		}
		if (jstr(root, "artifactType") &&
		    !(m->artifact_type = strdup(jstr(root, "artifactType"))))
			goto nomem;
	} else {
		m->mkind = RC_REG_UNSUPPORTED;
	}
	subj = cJSON_GetObjectItemCaseSensitive(root, "subject");
	if (m->mkind != RC_REG_UNSUPPORTED && subj && !cJSON_IsNull(subj) &&
	    desc_digest(subj, &m->subject, err) < 0)
		goto out;
	ret = 0;
	goto out;
nomem:
	rc_err_nomem(err);
out:
	cJSON_Delete(root);
	if (ret < 0) {
		char *keep = m->digest;
		m->digest = NULL;
		rc_reg_manifest_release(m);
		m->digest = keep;
	}
	return ret;
}

int rc_reg_parse_config(const char *body, size_t len, struct rc_reg_manifest *m, struct rc_err *err)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const char *created, *os, *arch;
	int64_t t;

	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return rc_err_set(err, RC_ERR_PROTOCOL, "image config is not a JSON object");
	}
	created = jstr(root, "created");
	os = jstr(root, "os");
	arch = jstr(root, "architecture");
	if (created && rc_parse_time(created, &t, NULL) == 0 && t > 0)
		m->created = t;
	free(m->os);
	free(m->arch);
	m->os = os && *os ? strdup(os) : NULL;
	m->arch = arch && *arch ? strdup(arch) : NULL;
	if ((os && *os && !m->os) || (arch && *arch && !m->arch)) {
		cJSON_Delete(root);
		return rc_err_nomem(err);
	}
	cJSON_Delete(root);
	return 0;
}

int rc_reg_parse_names(const char *body, size_t len, const char *key, struct rc_strv *out,
		       struct rc_err *err)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *list, *it;
	int ret = -1;

	if (!cJSON_IsObject(root)) {
		rc_err_set(err, RC_ERR_PROTOCOL, "answer is not a JSON object");
		goto out;
	}
	list = cJSON_GetObjectItemCaseSensitive(root, key);
	if (!list || cJSON_IsNull(list)) {
		ret = 0;
		goto out;
	}
	if (!cJSON_IsArray(list)) {
		rc_err_set(err, RC_ERR_PROTOCOL, "'%s' is not a list", key);
		goto out;
	}
	cJSON_ArrayForEach(it, list)
	{
		if (!cJSON_IsString(it) || !it->valuestring) {
			rc_err_set(err, RC_ERR_PROTOCOL, "'%s' holds a non-string", key);
			goto out;
		}
		if (rc_strv_push(out, it->valuestring, err) < 0)
			goto out;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

int rc_reg_parse_referrers(const char *body, size_t len, struct rc_strv *out, struct rc_err *err)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *list, *it;
	int ret = -1;

	if (!cJSON_IsObject(root)) {
		rc_err_set(err, RC_ERR_PROTOCOL, "referrers answer is not a JSON object");
		goto out;
	}
	list = cJSON_GetObjectItemCaseSensitive(root, "manifests");
	if (list && !cJSON_IsArray(list) && !cJSON_IsNull(list)) {
		rc_err_set(err, RC_ERR_PROTOCOL, "referrers 'manifests' is not a list");
		goto out;
	}
	cJSON_ArrayForEach(it, (cJSON_IsArray(list) ? list : NULL))
	{
		char *d = NULL;
		int r;

		if (desc_digest(it, &d, err) < 0)
			goto out;
		r = rc_strv_push(out, d, err);
		free(d);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

int rc_reg_cosign_subject(const char *tag, char subject[72])
{
	const char *suffix;
	char hex[RC_SHA256_HEX_LEN + 1];

	if (!tag || strncmp(tag, "sha256-", 7) || strlen(tag) < 7 + RC_SHA256_HEX_LEN)
		return 0;
	memcpy(hex, tag + 7, RC_SHA256_HEX_LEN);
	hex[RC_SHA256_HEX_LEN] = '\0';
	if (!rc_is_lower_hex(hex, RC_SHA256_HEX_LEN))
		return 0;
	suffix = tag + 7 + RC_SHA256_HEX_LEN;
	if (strcmp(suffix, ".sig") && strcmp(suffix, ".att") && strcmp(suffix, ".sbom"))
		return 0;
	snprintf(subject, 72, "sha256:%.64s", tag + 7);
	return 1;
}

int rc_reg_json_str(const void *o, const char *key, const char **out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NULL;
	if (!it || cJSON_IsNull(it))
		return 0;
	if (!cJSON_IsString(it))
		return -1;
	*out = it->valuestring;
	return 0;
}

int rc_reg_json_bool(const void *o, const char *key, int *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = 0;
	if (!it || cJSON_IsNull(it))
		return 0;
	if (!cJSON_IsBool(it))
		return -1;
	*out = cJSON_IsTrue(it);
	return 0;
}

int rc_reg_json_size(const void *o, const char *key, int64_t def, int64_t *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = def;
	if (!it || cJSON_IsNull(it))
		return 0;
	if (!cJSON_IsNumber(it) ||
	    !(it->valuedouble >= 0 && it->valuedouble <= 9007199254740991.0) ||
	    it->valuedouble != (double)(int64_t)it->valuedouble)
		return -1;
	*out = (int64_t)it->valuedouble;
	return 0;
}
