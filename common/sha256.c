#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "hex.h"
#include "sha256.h"

int rc_sha256_hex(const void *data, size_t len, char out[RC_SHA256_HEX_LEN + 1], struct rc_err *err)
{
	struct rc_sha256 h;
	char *d;

	out[0] = '\0';
	if (rc_sha256_begin(&h, err) < 0 || rc_sha256_update(&h, data, len, err) < 0) {
		rc_sha256_abort(&h);
		return -1;
	}
	if (!(d = rc_sha256_end(&h, err)))
		return -1;
	memcpy(out, d + 7, RC_SHA256_HEX_LEN + 1);
	free(d);
	return 0;
}

char *rc_sha256_digest(const void *data, size_t len, struct rc_err *err)
{
	char hexs[RC_SHA256_HEX_LEN + 1];
	char *s;

	if (rc_sha256_hex(data, len, hexs, err) < 0)
		return NULL;
	s = malloc(RC_DIGEST_LEN + 1);
	if (!s) {
		rc_err_nomem(err);
		return NULL;
	}
	memcpy(s, RC_DIGEST_PREFIX, 7);
	memcpy(s + 7, hexs, RC_SHA256_HEX_LEN + 1);
	return s;
}

int rc_sha256_begin(struct rc_sha256 *h, struct rc_err *err)
{
	h->failed = 0;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx)
		return rc_err_set(err, RC_ERR_NOMEM, "cannot allocate a SHA-256 context");
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		rc_sha256_abort(h);
		return rc_err_set(err, RC_ERR_INTERNAL, "SHA-256 computation failed in libcrypto");
	}
	return 0;
}

int rc_sha256_update(struct rc_sha256 *h, const void *data, size_t len, struct rc_err *err)
{
	if (!h->ctx || h->failed || EVP_DigestUpdate(h->ctx, data, len) != 1) {
		h->failed = 1;
		return rc_err_set(err, RC_ERR_INTERNAL, "SHA-256 computation failed in libcrypto");
	}
	return 0;
}

char *rc_sha256_end(struct rc_sha256 *h, struct rc_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *s = NULL;

	if (!h->ctx || h->failed || EVP_DigestFinal_ex(h->ctx, md, &mdlen) != 1 ||
	    mdlen != RC_SHA256_HEX_LEN / 2) {
		rc_err_set(err, RC_ERR_INTERNAL, "SHA-256 computation failed in libcrypto");
	} else if (!(s = malloc(RC_DIGEST_LEN + 1))) {
		rc_err_nomem(err);
	} else {
		memcpy(s, RC_DIGEST_PREFIX, 7);
		rc_hex_encode(md, mdlen, s + 7);
	}
	rc_sha256_abort(h);
	return s;
}

void rc_sha256_abort(struct rc_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int rc_digest_valid(const char *s)
{
	if (!s || strncmp(s, RC_DIGEST_PREFIX, 7) != 0)
		return 0;
	return rc_is_lower_hex(s + 7, RC_SHA256_HEX_LEN);
}
