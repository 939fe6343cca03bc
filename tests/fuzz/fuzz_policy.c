/* fuzz_policy: the policy reader (rp_policy_parse) and the effective
 * policy it gives (rp_policy_to_json). */
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rp_policy p;
	struct rc_err err = RC_ERR_INIT;
	char *t = rc_fuzz_text(data, size);

	if (!t)
		return 0;
	rp_policy_init(&p);
	if (rp_policy_parse(t, size, "fuzz.json", &p, &err) == 0)
		cJSON_Delete(rp_policy_to_json(&p, &err));
	rp_policy_release(&p);
	free(t);
	return 0;
}
