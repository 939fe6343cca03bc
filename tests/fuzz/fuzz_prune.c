/* fuzz_prune: the engine's answer to a build-cache prune filtered on one
 * record (ra_prune_outcome). Whatever the answer, the outcome is one of the
 * four and the reason is one sanitised line. */
#include <stddef.h>
#include <stdint.h>

#include "apply.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[512];
	enum ra_outcome o;
	char *t = rc_fuzz_text(data, size);

	if (!t)
		return 0;
	reason[0] = '\0';
	o = ra_prune_outcome(t, size, "abc123", reason, sizeof(reason));
	RC_FUZZ_CHECK(o == RA_DELETED || o == RA_ALREADY_ABSENT || o == RA_CHANGED ||
			  o == RA_FAILED,
		      "ra_prune_outcome returned no outcome");
	RC_FUZZ_CHECK(memchr(reason, '\0', sizeof(reason)) && rc_fuzz_one_line(reason),
		      "ra_prune_outcome's reason is not one sanitised line");
	free(t);
	return 0;
}
