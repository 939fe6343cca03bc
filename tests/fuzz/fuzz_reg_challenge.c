/* fuzz_reg_challenge: a registry's WWW-Authenticate and Link header values
 * (rc_reg_parse_challenge, rc_reg_parse_link_next), NUL-terminated copies of
 * the input as curl hands them over. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_reg_challenge ch;
	char *s = malloc(size + 1), *next = NULL;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (rc_reg_parse_challenge(s, &ch, &err) == 0)
		rc_reg_challenge_release(&ch);
	if (rc_reg_parse_link_next(s, &next, &err) == 0)
		free(next);
	free(s);
	return 0;
}
