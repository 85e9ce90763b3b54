/* lib/core/jsonx.c — jansson helpers (see jsonx.h). */
#include "lib/core/jsonx.h"

#include <stdio.h>
#include <string.h>

#include "lib/core/util.h"

json_t *jsonx_load(const char *body, size_t len, const char *what, struct mlc_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(body ? body : "", body ? len : 0,
			       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!j)
		mlc_err_set(err, MLC_ERR_PARSE, je.line, "%s: malformed JSON at line %d: %s", what,
			    je.line, je.text);
	return j;
}

json_t *jsonx_path(json_t *root, const char *path)
{
	json_t *cur = root;
	const char *p = path;
	while (cur && *p) {
		size_t n = strcspn(p, ".");
		char key[128];
		snprintf(key, sizeof key, "%.*s", (int)MLC_MIN(n, sizeof key - 1), p);
		cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
		p += n;
		if (*p == '.')
			p++;
	}
	return cur;
}

const char *jsonx_str(json_t *root, const char *path, const char *what, struct mlc_err *err)
{
	json_t *v = jsonx_path(root, path);
	if (json_is_string(v))
		return json_string_value(v);
	if (err)
		mlc_err_set(err, MLC_ERR_PARSE, 0, "%s: %s: expected string", what, path);
	return NULL;
}
