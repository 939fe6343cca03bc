/* registry/creds.h: credentials for a registry host, looked up as the
 * docker CLI does, in this order:
 *
 *   1. the command line: --username with --password-stdin (main reads
 *      stdin and passes both in);
 *   2. the environment: RECLAIM_REGISTRY_USERNAME and
 *      RECLAIM_REGISTRY_PASSWORD (both, or neither);
 *   3. the Docker config, $DOCKER_CONFIG/config.json or
 *      ~/.docker/config.json: credHelpers[host], else auths[host] ("auth":
 *      base64 "user:password"; "identitytoken": an OAuth refresh token),
 *      else credsStore; a helper runs as `docker-credential-NAME get` from
 *      PATH, without a shell, with the host on stdin, its answer
 *      {"ServerURL","Username","Secret"} capped at 64 KiB and its run at
 *      the timeout.
 *
 * Nothing found is not an error: the registry is then reached anonymously.
 * Secrets never appear in errors, logs or anything this module returns
 * besides the struct itself; rc_creds_release wipes them. */
#ifndef RC_REGISTRY_CREDS_H
#define RC_REGISTRY_CREDS_H

#include <stdio.h>

#include "err.h"

#define RC_ENV_REGISTRY_USERNAME "RECLAIM_REGISTRY_USERNAME"
#define RC_ENV_REGISTRY_PASSWORD "RECLAIM_REGISTRY_PASSWORD"

struct rc_creds {
	char *username; /* NULL when none were found */
	char *secret; /* password or token; NULL when none */
	char *identity_token; /* Docker config "identitytoken"; then username
				 and secret are NULL */
	char origin[96]; /* where they came from, for -v: "command line",
			    "environment", "docker config", "credential helper
			    'NAME'"; never a value */
};

struct rc_creds_query {
	const char *host; /* "host[:port]" as in the registry's canonical URL */
	const char *username; /* from --username, or NULL */
	const char *password; /* from --password-stdin, or NULL */
	const char *config_dir; /* NULL: $DOCKER_CONFIG, else $HOME/.docker */
	long helper_timeout_ms; /* 0: 10000 */
};

/* 1 when c holds something to authenticate with. */
int rc_creds_present(const struct rc_creds *c);

/* Fills out (zeroed here) from the first source above that has an entry
 * for q->host. Returns 0 (also when nothing was found), or -1 when a source
 * exists but is broken: unreadable or malformed config, a bad "auth", a
 * helper that fails other than "not found", times out or answers nonsense,
 * only one of the two environment variables. The error never holds a
 * secret. */
int rc_creds_lookup(const struct rc_creds_query *q, struct rc_creds *out, struct rc_err *err);

/* --password-stdin: the first line of in, without its line end; owned,
 * free it with rc_creds_wipe_free. NULL with RC_ERR_USAGE when there is
 * none, it is empty or longer than 4095 bytes. */
char *rc_creds_read_password(FILE *in, struct rc_err *err);
/* Wipes and frees a secret string; NULL is fine. */
void rc_creds_wipe_free(char *s);

/* Copies src into dst (dst zeroed here). */
int rc_creds_copy(struct rc_creds *dst, const struct rc_creds *src, struct rc_err *err);

/* Wipes and frees the strings; c itself is the caller's. NULL is fine. */
void rc_creds_release(struct rc_creds *c);

/* The key docker uses for host in its config and helpers: "host[:port]",
 * and "https://index.docker.io/v1/" for Docker Hub's names. Owned. */
char *rc_creds_config_key(const char *host);

/* "Authorization: Basic base64(user:secret)" for DTR and Harbor, owned;
 * the caller wipes and frees it. NULL with err (RC_ERR_NOMEM). */
char *rc_creds_basic_header(const char *user, const char *secret, struct rc_err *err);

#endif
