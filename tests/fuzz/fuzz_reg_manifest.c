/* fuzz_reg_manifest: a registry's manifest, config, tag list, catalog,
 * referrers and error bodies (registry/parse.h). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "registry/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_reg_manifest m;
	struct rc_strv v = {0};
	const char *t = (const char *)data;
	char out[300];

	memset(&m, 0, sizeof(m));
	if (rc_reg_parse_manifest(t, size, NULL, &m, &err) == 0)
		rc_reg_parse_config(t, size, &m, &err);
	rc_reg_manifest_release(&m);
	rc_reg_parse_names(t, size, "tags", &v, &err);
	rc_reg_parse_names(t, size, "repositories", &v, &err);
	rc_reg_parse_referrers(t, size, &v, &err);
	rc_strv_release(&v);
	rc_reg_error_text(t, size, out, sizeof(out));
	return 0;
}
