/* schema.h: a small JSON Schema validator over cJSON.
 *
 * It supports the subset of draft-07 that reclaim's schemas use:
 *   type (a name or an array of names; "integer" means a number with no
 *   fraction and |v| <= 2^53-1, the exact range of a double; a cJSON Raw node
 *   holding a decimal integer literal counts as that integer), required,
 *   properties, additionalProperties (boolean or a schema), items (one
 *   schema), enum, const, pattern (POSIX extended regular expression, so keep
 *   patterns POSIX-ERE: [0-9a-f]{64}, no \d), minimum, maximum, minLength,
 *   maxLength (code points), minItems, maxItems, $ref ("#", "#/definitions/x"
 *   or "#/$defs/x"), allOf, anyOf, oneOf, not, if/then/else.
 * Annotations ($schema, $id, $comment, title, description, default,
 * examples, definitions, $defs) are ignored. Any other keyword makes
 * validation fail with RC_ERR_INTERNAL, so a schema never silently asks for
 * a check this code does not make. */
#ifndef RC_SCHEMA_H
#define RC_SCHEMA_H

#include <cjson/cJSON.h>

#include "err.h"

/* Validates instance against schema, whose document root is also the base
 * for $ref. Returns 0 when it conforms. Otherwise returns -1 and fills err
 * with `kind` (e.g. RC_ERR_PLAN) and a message that names the JSON path from
 * root_name, e.g. "plan.candidates[3].size: expected integer". A broken
 * schema (bad regex, unresolvable $ref, unknown keyword) is RC_ERR_INTERNAL.
 * Stops at the first violation. */
int rc_schema_validate(const cJSON *schema, const cJSON *instance, const char *root_name,
		       enum rc_err_kind kind, struct rc_err *err);

/* For many instances against one schema (a plan's items, one at a time):
 * compiled patterns are kept between calls. rc_schema_open never fails
 * but for memory (NULL with err). rc_schema_check validates instance against
 * the schema named by ref ("#" or "#/definitions/x", resolved as $ref is),
 * with messages as above, the path starting at root_name. */
struct rc_schema;
struct rc_schema *rc_schema_open(const cJSON *schema, enum rc_err_kind kind, struct rc_err *err);
int rc_schema_check(struct rc_schema *v, const char *ref, const cJSON *instance,
		    const char *root_name, struct rc_err *err);
void rc_schema_close(struct rc_schema *v);

#endif
