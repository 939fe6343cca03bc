/* sha256.h: SHA-256 through libcrypto's EVP interface, and the
 * "sha256:<64 lower-case hex>" digest strings used in plans. */
#ifndef RC_SHA256_H
#define RC_SHA256_H

#include <stddef.h>

#include "err.h"

#define RC_SHA256_HEX_LEN 64
#define RC_DIGEST_PREFIX "sha256:"
#define RC_DIGEST_LEN (7 + RC_SHA256_HEX_LEN) /* without the NUL */

/* Writes the lower-case hex SHA-256 of data[0..len) and a NUL into out.
 * Returns 0, or -1 with RC_ERR_INTERNAL when libcrypto fails. */
int rc_sha256_hex(const void *data, size_t len, char out[RC_SHA256_HEX_LEN + 1],
		  struct rc_err *err);

/* Returns an owned "sha256:<hex>" string for data, or NULL with err. */
char *rc_sha256_digest(const void *data, size_t len, struct rc_err *err);

/* Incremental SHA-256, for content too large to hold at once (a plan's
 * canonical form). begin, then update any number of times, then end, which
 * returns an owned "sha256:<hex>" string and frees the context; abort frees
 * it without a result. update and end after a failure keep failing. */
struct rc_sha256 {
	void *ctx; /* EVP_MD_CTX */
	int failed;
};
int rc_sha256_begin(struct rc_sha256 *h, struct rc_err *err);
int rc_sha256_update(struct rc_sha256 *h, const void *data, size_t len, struct rc_err *err);
char *rc_sha256_end(struct rc_sha256 *h, struct rc_err *err);
void rc_sha256_abort(struct rc_sha256 *h);

/* 1 when s is exactly "sha256:" followed by 64 lower-case hex digits, else 0.
 * NULL is 0. */
int rc_digest_valid(const char *s);

#endif
