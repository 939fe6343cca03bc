/* fuzz_dtr_repos: a DTR page of repositories (rc_dtr_parse_repos), the
 * name check the client applies before a name goes into a request path
 * (rc_dtr_name_valid), and DTR's error body (rc_reg_error_text). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dtr/dtr.h"
#include "fuzz.h"
#include "registry/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_dtr_repo *v = NULL;
	size_t n = 0, i, before;
	char *text = rc_fuzz_text(data, size), out[300];
	int rc;

	if (!text)
		return 0;
	/* a second page appends to the first */
	rc = rc_dtr_parse_repos(text, size, &v, &n, &err);
	before = n;
	if (rc == 0 && rc_dtr_parse_repos(text, size, &v, &n, &err) == 0)
		RC_FUZZ_CHECK(n == 2 * before, "a page parses the same twice");
	if (rc < 0)
		RC_FUZZ_CHECK(err.msg[0] && rc_fuzz_one_line(err.msg), "an error is one line");
	for (i = 0; i < n; i++) {
		RC_FUZZ_CHECK(rc_dtr_name_valid(v[i].ns) && rc_dtr_name_valid(v[i].name),
			      "a repository has valid names");
		RC_FUZZ_CHECK(!strchr(v[i].ns, '/') && !strchr(v[i].name, '/'),
			      "a name holds no '/'");
		RC_FUZZ_CHECK(v[i].tag_limit >= 0, "tagLimit is not negative");
		RC_FUZZ_CHECK(!v[i].n_tags && !v[i].tags, "a repository page holds no tags");
		free(v[i].ns);
		free(v[i].name);
	}
	free(v);
	if (rc_dtr_name_valid(text))
		RC_FUZZ_CHECK(strlen(text) <= 255 && rc_fuzz_one_line(text),
			      "a valid name is short and plain");
	rc_reg_error_text(text, size, out, sizeof(out));
	RC_FUZZ_CHECK(rc_fuzz_one_line(out), "DTR's error text is one clean line");
	free(text);
	return 0;
}
