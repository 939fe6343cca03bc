#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "hex.h"
#include "sha256.h"

int rc_sha256_hex(const void *data, size_t len, char out[RC_SHA256_HEX_LEN + 1], struct rc_err *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = -1;

	out[0] = '\0';
	if (!ctx)
		return rc_err_set(err, RC_ERR_NOMEM, "cannot allocate a SHA-256 context");
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, data, len) != 1 || EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 ||
	    mdlen != RC_SHA256_HEX_LEN / 2) {
		rc_err_set(err, RC_ERR_INTERNAL, "SHA-256 computation failed in libcrypto");
		goto out;
	}
	for (unsigned int i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[RC_SHA256_HEX_LEN] = '\0';
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
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

int rc_digest_valid(const char *s)
{
	if (!s || strncmp(s, RC_DIGEST_PREFIX, 7) != 0)
		return 0;
	return rc_is_lower_hex(s + 7, RC_SHA256_HEX_LEN);
}
