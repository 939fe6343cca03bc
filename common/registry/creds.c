/* registry/creds.c: credentials for a registry host (see creds.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "buf.h"
#include "fsutil.h"
#include "registry/creds.h"

#define HELPER_MAX_OUT ((size_t)64 << 10)
#define CONFIG_MAX ((size_t)16 << 20)

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void rc_creds_release(struct rc_creds *c)
{
	if (!c)
		return;
	wipe_free(c->username);
	wipe_free(c->secret);
	wipe_free(c->identity_token);
	memset(c, 0, sizeof(*c));
}

char *rc_creds_read_password(FILE *in, struct rc_err *err)
{
	char buf[4096];
	size_t n;

	if (!fgets(buf, sizeof(buf), in)) {
		rc_err_set(err, RC_ERR_USAGE, "--password-stdin: nothing to read on standard input");
		return NULL;
	}
	n = strcspn(buf, "\r\n");
	if (!buf[n] && !feof(in)) {
		explicit_bzero(buf, sizeof(buf));
		rc_err_set(err, RC_ERR_USAGE, "--password-stdin: the line is too long");
		return NULL;
	}
	buf[n] = '\0';
	if (!n) {
		rc_err_set(err, RC_ERR_USAGE, "--password-stdin: the password is empty");
		return NULL;
	}
	char *p = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	if (!p)
		rc_err_nomem(err);
	return p;
}

void rc_creds_wipe_free(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

int rc_creds_present(const struct rc_creds *c)
{
	return c && (c->identity_token || (c->username && c->secret));
}

int rc_creds_copy(struct rc_creds *dst, const struct rc_creds *src, struct rc_err *err)
{
	memset(dst, 0, sizeof(*dst));
	if ((src->username && !(dst->username = strdup(src->username))) ||
	    (src->secret && !(dst->secret = strdup(src->secret))) ||
	    (src->identity_token && !(dst->identity_token = strdup(src->identity_token)))) {
		rc_creds_release(dst);
		return rc_err_nomem(err);
	}
	memcpy(dst->origin, src->origin, sizeof(dst->origin));
	return 0;
}

char *rc_creds_config_key(const char *host)
{
	if (!strcasecmp(host, "docker.io") || !strcasecmp(host, "index.docker.io") ||
	    !strcasecmp(host, "registry-1.docker.io"))
		return strdup("https://index.docker.io/v1/");
	return strdup(host);
}

/* The host[:port] of a config key: "https://h:5000/v1/" is "h:5000". */
static void host_part(const char *key, const char **h, size_t *n)
{
	const char *k = strstr(key, "://");

	*h = k ? k + 3 : key;
	*n = strcspn(*h, "/");
}

static int key_matches(const char *key, const char *want)
{
	const char *k, *w;
	size_t kn, wn;

	host_part(key, &k, &kn);
	host_part(want, &w, &wn);
	return kn == wn && strncasecmp(k, w, kn) == 0;
}

static int set_pair(struct rc_creds *out, const char *user, const char *secret, const char *origin,
		    struct rc_err *err)
{
	/* docker's convention: user "<token>" means the secret is an identity token */
	if (user && !strcmp(user, "<token>")) {
		if (!(out->identity_token = strdup(secret)))
			return rc_err_nomem(err);
	} else if (!(out->username = strdup(user)) || !(out->secret = strdup(secret))) {
		rc_creds_release(out);
		return rc_err_nomem(err);
	}
	snprintf(out->origin, sizeof(out->origin), "%s", origin);
	return 0;
}

static int helper_name_valid(const char *n)
{
	if (!n || !*n || strlen(n) > 64)
		return 0;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && !strchr("._-", *n))
			return 0;
	return 1;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Runs docker-credential-NAME get with key on stdin. Not found is 0 with
 * out empty. */
static int run_helper(const char *name, const char *key, long timeout_ms, struct rc_creds *out,
		      struct rc_err *err)
{
	int in[2] = {-1, -1}, o[2] = {-1, -1}, status = 0, ret = -1, timed_out = 0;
	char prog[96], origin[96];
	struct rc_buf buf = RC_BUF_INIT;
	struct timespec t0;
	pid_t pid = -1;
	cJSON *root = NULL;
	const cJSON *u, *s;

	if (!helper_name_valid(name))
		return rc_err_set(err, RC_ERR_USAGE,
				  "invalid credential helper name in the Docker "
				  "config");
	snprintf(prog, sizeof(prog), "docker-credential-%s", name);
	snprintf(origin, sizeof(origin), "credential helper '%s'", name);
	rc_buf_init(&buf, HELPER_MAX_OUT);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(o, O_CLOEXEC) < 0) {
		rc_err_sys(err, errno, "cannot run %s", prog);
		goto out;
	}
	/* the key fits in the pipe: written before the helper runs, so a
	 * helper that exits early cannot raise SIGPIPE here */
	if (strlen(key) > 4096 || write(in[1], key, strlen(key)) != (ssize_t)strlen(key)) {
		rc_err_sys(err, errno, "cannot run %s", prog);
		goto out;
	}
	close(in[1]);
	in[1] = -1;
	pid = fork();
	if (pid < 0) {
		rc_err_sys(err, errno, "cannot run %s", prog);
		goto out;
	}
	if (pid == 0) {
		char *const argv[] = {prog, "get", NULL};
		int dn = open("/dev/null", O_WRONLY);
		if (dup2(in[0], 0) < 0 || dup2(o[1], 1) < 0 || (dn >= 0 && dup2(dn, 2) < 0))
			_exit(126);
		execvp(prog, argv);
		_exit(127);
	}
	close(in[0]);
	in[0] = -1;
	close(o[1]);
	o[1] = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = {o[0], POLLIN, 0};
		char chunk[4096];
		long left = timeout_ms - elapsed_ms(&t0);
		ssize_t k;
		int pr;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			timed_out = pr == 0;
			break;
		}
		k = read(o[0], chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (rc_buf_append(&buf, chunk, (size_t)k, NULL) < 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			pid = -1;
			rc_err_set(err, RC_ERR_PROTOCOL, "%s answered more than %zu bytes", prog,
				   HELPER_MAX_OUT);
			goto out;
		}
	}
	if (timed_out) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
		rc_err_set(err, RC_ERR_CONNECT, "%s did not answer within %ld ms", prog,
			   timeout_ms);
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		rc_err_set(err, RC_ERR_USAGE, "%s, named in the Docker config, is not on PATH",
			   prog);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* the helpers' protocol: "credentials not found in native keychain" */
		if (strstr(buf.data, "credentials not found")) {
			ret = 0;
			goto out;
		}
		rc_err_set(err, RC_ERR_IO, "%s failed (%s %d)", prog,
			   WIFEXITED(status) ? "exit" : "signal",
			   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		goto out;
	}
	root = cJSON_ParseWithLength(buf.data, buf.len);
	u = cJSON_GetObjectItemCaseSensitive(root, "Username");
	s = cJSON_GetObjectItemCaseSensitive(root, "Secret");
	if (!cJSON_IsString(u) || !cJSON_IsString(s)) {
		rc_err_set(err, RC_ERR_PROTOCOL, "%s answered something other than credentials",
			   prog);
		goto out;
	}
	if (!*s->valuestring) {
		ret = 0;
		goto out;
	}
	ret = set_pair(out, u->valuestring, s->valuestring, origin, err);
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (root) {
		cJSON *sv = cJSON_GetObjectItemCaseSensitive(root, "Secret");
		if (cJSON_IsString(sv))
			explicit_bzero(sv->valuestring, strlen(sv->valuestring));
	}
	cJSON_Delete(root);
	explicit_bzero(buf.data, buf.len);
	rc_buf_release(&buf);
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (o[i] >= 0)
			close(o[i]);
	}
	return ret;
}

/* auths[key]: "auth" (base64 user:password) or "identitytoken". */
static int from_auths(const cJSON *entry, struct rc_creds *out, struct rc_err *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(entry, "auth");
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(entry, "identitytoken");
	unsigned char *dec = NULL;
	size_t n, len;
	char *colon;
	int ret = -1;

	if (cJSON_IsString(it) && *it->valuestring) {
		if (!(out->identity_token = strdup(it->valuestring)))
			return rc_err_nomem(err);
		snprintf(out->origin, sizeof(out->origin), "docker config");
		return 0;
	}
	if (!cJSON_IsString(a) || !*a->valuestring)
		return 0;
	n = strlen(a->valuestring);
	if (n % 4 || n > (1 << 16))
		return rc_err_set(err, RC_ERR_USAGE, "malformed 'auth' in the Docker config");
	if (!(dec = calloc(1, n / 4 * 3 + 1)))
		return rc_err_nomem(err);
	if (EVP_DecodeBlock(dec, (const unsigned char *)a->valuestring, (int)n) < 0) {
		rc_err_set(err, RC_ERR_USAGE, "malformed 'auth' in the Docker config");
		goto out;
	}
	len = n / 4 * 3;
	if (a->valuestring[n - 1] == '=')
		len--;
	if (a->valuestring[n - 2] == '=')
		len--;
	dec[len] = '\0';
	if (memchr(dec, '\0', len) || !(colon = strchr((char *)dec, ':'))) {
		rc_err_set(err, RC_ERR_USAGE, "malformed 'auth' in the Docker config");
		goto out;
	}
	*colon = '\0';
	ret = set_pair(out, (char *)dec, colon + 1, "docker config", err);
out:
	explicit_bzero(dec, n / 4 * 3 + 1);
	free(dec);
	return ret;
}

static int from_docker_config(const struct rc_creds_query *q, const char *key, struct rc_creds *out,
			      struct rc_err *err)
{
	struct rc_buf path = RC_BUF_INIT, data = RC_BUF_INIT;
	const char *dir = q->config_dir;
	cJSON *root = NULL;
	const cJSON *helpers, *store, *auths, *e;
	long tmo = q->helper_timeout_ms > 0 ? q->helper_timeout_ms : 10000;
	int ret = -1;

	rc_buf_init(&path, 4096);
	rc_buf_init(&data, CONFIG_MAX);
	if (!dir || !*dir)
		dir = getenv("DOCKER_CONFIG");
	if (dir && *dir) {
		if (rc_buf_printf(&path, err, "%s/config.json", dir) < 0)
			goto out;
	} else {
		const char *home = getenv("HOME");
		if (!home || !*home) {
			ret = 0;
			goto out;
		}
		if (rc_buf_printf(&path, err, "%s/.docker/config.json", home) < 0)
			goto out;
	}
	if (access(path.data, F_OK) < 0) {
		ret = 0; /* no config: nothing to find */
		goto out;
	}
	if (rc_read_file(path.data, CONFIG_MAX, &data, err) < 0)
		goto out;
	root = cJSON_ParseWithLength(data.data, data.len);
	if (!cJSON_IsObject(root)) {
		rc_err_set(err, RC_ERR_USAGE, "cannot parse the Docker config '%s'", path.data);
		goto out;
	}
	helpers = cJSON_GetObjectItemCaseSensitive(root, "credHelpers");
	cJSON_ArrayForEach(e, (cJSON_IsObject(helpers) ? helpers : NULL))
	{
		if (e->string && key_matches(e->string, key) && cJSON_IsString(e)) {
			ret = run_helper(e->valuestring, key, tmo, out, err);
			goto out;
		}
	}
	store = cJSON_GetObjectItemCaseSensitive(root, "credsStore");
	if (cJSON_IsString(store) && *store->valuestring) {
		if (run_helper(store->valuestring, key, tmo, out, err) < 0)
			goto out;
		if (rc_creds_present(out)) {
			ret = 0;
			goto out;
		}
	}
	auths = cJSON_GetObjectItemCaseSensitive(root, "auths");
	cJSON_ArrayForEach(e, (cJSON_IsObject(auths) ? auths : NULL))
	{
		if (e->string && key_matches(e->string, key) && cJSON_IsObject(e)) {
			ret = from_auths(e, out, err);
			goto out;
		}
	}
	ret = 0;
out:
	if (root) {
		/* wipe what the parse copied */
		const cJSON *x;
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(root, "auths"))
		{
			cJSON *y;
			cJSON_ArrayForEach(y, x)
			{
				if (cJSON_IsString(y) && y->valuestring)
					explicit_bzero(y->valuestring, strlen(y->valuestring));
			}
		}
	}
	cJSON_Delete(root);
	explicit_bzero(data.data, data.len);
	rc_buf_release(&data);
	rc_buf_release(&path);
	return ret;
}

int rc_creds_lookup(const struct rc_creds_query *q, struct rc_creds *out, struct rc_err *err)
{
	const char *eu, *ep;
	char *key = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!q || !q->host || !*q->host)
		return rc_err_set(err, RC_ERR_USAGE, "credentials: missing registry host");
	if (q->username || q->password) {
		if (!q->username || !q->password || !*q->username)
			return rc_err_set(err, RC_ERR_USAGE,
					  "--username and --password-stdin go together");
		return set_pair(out, q->username, q->password, "command line", err);
	}
	eu = getenv(RC_ENV_REGISTRY_USERNAME);
	ep = getenv(RC_ENV_REGISTRY_PASSWORD);
	if ((eu && *eu) || (ep && *ep)) {
		if (!eu || !*eu || !ep || !*ep)
			return rc_err_set(err, RC_ERR_USAGE, "set both %s and %s, or neither",
					  RC_ENV_REGISTRY_USERNAME, RC_ENV_REGISTRY_PASSWORD);
		return set_pair(out, eu, ep, "environment", err);
	}
	if (!(key = rc_creds_config_key(q->host)))
		return rc_err_nomem(err);
	ret = from_docker_config(q, key, out, err);
	free(key);
	if (ret < 0)
		rc_creds_release(out);
	return ret;
}

/* "Authorization: Basic base64(user:secret)", owned; wiped by the caller. */
char *rc_creds_basic_header(const char *user, const char *secret, struct rc_err *err)
{
	struct rc_buf raw = RC_BUF_INIT;
	unsigned char *enc = NULL;
	char *out = NULL;
	size_t n;

	rc_buf_init(&raw, 1 << 16);
	if (rc_buf_printf(&raw, err, "%s:%s", user, secret) < 0)
		goto out;
	n = 4 * ((raw.len + 2) / 3) + 1;
	if (!(enc = malloc(n)) || !(out = malloc(n + 32))) {
		rc_err_nomem(err);
		goto out;
	}
	EVP_EncodeBlock(enc, (const unsigned char *)raw.data, (int)raw.len);
	snprintf(out, n + 32, "Authorization: Basic %s", (char *)enc);
out:
	if (enc) {
		explicit_bzero(enc, n);
		free(enc);
	}
	explicit_bzero(raw.data, raw.len);
	rc_buf_release(&raw);
	return out;
}
