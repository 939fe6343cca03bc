/* fuzz_prune: the engine's answer to a build-cache prune filtered on one
 * record (rc_engine_prune_outcome). Whatever the answer, the outcome is one of the
 * four and the reason is one sanitised line. */
#include <stddef.h>
#include <stdint.h>

#include "engine/delete.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[512];
	enum rc_removal o;
	char *t = rc_fuzz_text(data, size);

	if (!t)
		return 0;
	reason[0] = '\0';
	o = rc_engine_prune_outcome(t, size, "abc123", reason, sizeof(reason));
	RC_FUZZ_CHECK(o == RC_REMOVED || o == RC_REMOVAL_ABSENT || o == RC_REMOVAL_CHANGED ||
			  o == RC_REMOVAL_FAILED,
		      "rc_engine_prune_outcome returned no outcome");
	RC_FUZZ_CHECK(memchr(reason, '\0', sizeof(reason)) && rc_fuzz_one_line(reason),
		      "rc_engine_prune_outcome's reason is not one sanitised line");
	free(t);
	return 0;
}
