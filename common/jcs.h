/* jcs.h: RFC 8785 (JSON Canonicalization Scheme) serialisation of a cJSON tree.
 *
 * Output: object members sorted by the UTF-16 code units of their names, no
 * insignificant whitespace, strings escaped as ECMAScript JSON.stringify does
 * (\b \f \n \r \t \" \\, other controls as \u00xx in lower case, everything
 * else as raw UTF-8).
 *
 * Restriction (reclaim documents have only integers): a number must be an
 * integer with |v| <= 2^53-1 and is written as plain decimal. Any other number
 * (fraction, NaN, infinity, larger magnitude) is refused with RC_ERR_PLAN,
 * because a double cannot hold it exactly and RFC 8785's number form would
 * then disagree with the integer the writer meant. A cJSON Raw node is
 * accepted when it is a decimal integer literal ("-?(0|[1-9][0-9]*)") in that
 * range and is treated as that integer; any other Raw is refused.
 *
 * Also refused with RC_ERR_PLAN: invalid UTF-8 in a string or member name
 * (overlong forms, surrogates, code points above U+10FFFF), duplicate member
 * names in one object, and cJSON_Invalid nodes. */
#ifndef RC_JCS_H
#define RC_JCS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"

/* Appends the canonical form of json to out. Returns 0, or -1 with err
 * (RC_ERR_PLAN for a value outside the rules above, RC_ERR_NOMEM, or the
 * buffer's limit as RC_ERR_PROTOCOL). On failure out may hold a partial
 * form; callers discard it. */
int rc_jcs_serialize(const cJSON *json, struct rc_buf *out, struct rc_err *err);

/* Compares two NUL-terminated UTF-8 strings by UTF-16 code units, as RFC 8785
 * section 3.2.3 orders member names. Returns <0, 0 or >0. Invalid UTF-8
 * sorts by raw bytes after the point of damage (callers validate first). */
int rc_jcs_keycmp(const char *a, const char *b);

/* Parses a cJSON Raw text that is a decimal integer literal
 * ("-?(0|[1-9][0-9]*)", no "-0") within +-(2^53-1) into *v. Returns 0, or -1
 * (without an error message) for anything else. */
int rc_jcs_raw_integer(const char *s, int64_t *v);

/* 1 when s[0..len) is well-formed UTF-8 (RFC 3629), else 0. */
int rc_utf8_valid(const char *s, size_t len);
/* Replaces, in place, every byte of s that does not begin a well-formed
 * UTF-8 character with '?': for text cut to a byte bound, which may end in
 * half a character, before it goes into a plan (whose digest refuses
 * malformed UTF-8). */
void rc_utf8_repair(char *s);

#endif
