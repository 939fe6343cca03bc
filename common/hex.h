/* hex.h: the one check for hexadecimal IDs and digests, and the one
 * encoder.
 *
 * Engine IDs, digests and ID prefixes are hex strings; every parser and
 * checker of them asks here, so that "hex" means the same everywhere. */
#ifndef RC_HEX_H
#define RC_HEX_H

#include <stddef.h>

/* 1 when s is exactly n lower-case hex digits ([0-9a-f]{n}, then the end of
 * the string), else 0. The form of engine IDs and sha256 digests. */
int rc_is_lower_hex(const char *s, size_t n);

/* Like rc_is_lower_hex, and accepts upper-case digits too ([0-9a-fA-F]). */
int rc_is_hex(const char *s, size_t n);

/* Writes the n bytes of in as 2n lower-case hex digits and a NUL into out,
 * which holds 2n + 1 bytes. */
void rc_hex_encode(const unsigned char *in, size_t n, char *out);

#endif
