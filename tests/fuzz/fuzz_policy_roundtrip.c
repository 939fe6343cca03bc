/* fuzz_policy_roundtrip: a policy that loads gives an effective policy
 * (rp_policy_to_json, what a plan embeds) that loads as a policy file and
 * gives the same effective policy again. Violations abort. */
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rp_policy p1, p2;
	struct rc_err err = RC_ERR_INIT;
	char *t = rc_fuzz_text(data, size), *s1 = NULL, *s2 = NULL;
	cJSON *j1 = NULL, *j2 = NULL;

	rp_policy_init(&p1);
	rp_policy_init(&p2);
	if (!t || rp_policy_parse(t, size, "fuzz.json", &p1, &err) < 0)
		goto out;
	j1 = rp_policy_to_json(&p1, &err);
	RC_FUZZ_CHECK(j1, "a policy that loads has no effective policy");
	s1 = cJSON_PrintUnformatted(j1);
	RC_FUZZ_CHECK(s1, "an effective policy does not print");
	if (rp_policy_parse(s1, strlen(s1), "effective.json", &p2, &err) < 0) {
		fprintf(stderr, "%s\n%s\n", s1, err.msg);
		RC_FUZZ_CHECK(0, "an effective policy does not load as a policy");
	}
	j2 = rp_policy_to_json(&p2, &err);
	RC_FUZZ_CHECK(j2, "a reloaded policy has no effective policy");
	s2 = cJSON_PrintUnformatted(j2);
	RC_FUZZ_CHECK(s2, "an effective policy does not print");
	RC_FUZZ_CHECK(strcmp(s1, s2) == 0, "an effective policy changes when it is reloaded");
out:
	cJSON_free(s2);
	cJSON_free(s1);
	cJSON_Delete(j2);
	cJSON_Delete(j1);
	rp_policy_release(&p2);
	rp_policy_release(&p1);
	free(t);
	return 0;
}
