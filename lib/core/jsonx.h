/* lib/core/jsonx.h — the one helper layer over jansson for every service parser:
 * load a body (duplicate keys rejected, NUL allowed, invalid \u escapes such
 * as a lone surrogate replaced by U+FFFD so that one bad string never hides a
 * page), follow a dotted path, typed getters whose errors name the JSON path
 * ("mlflow: runs[3].info.start_time: expected integer"), and capped string
 * copies that keep a NUL visible. jansson never leaves lib/. */
#ifndef MLC_JSONX_H
#define MLC_JSONX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"

#define JSONX_STR_MAX 4096 /* longest string a getter keeps; longer ones are truncated */

/* Parses len bytes strictly; on failure fills err ("what: malformed JSON at
 * line L: TEXT") and returns NULL. what names the request for the message. */
json_t *jsonx_load(const char *body, size_t len, const char *what, struct mlc_err *err);
/* For pages of user data (MLflow): as jsonx_load, but a NUL inside a string
 * is kept (read it with jsonx_strdup, which shows it) and a \u escape jansson
 * would refuse, as a lone surrogate \ud800, reads as U+FFFD: one bad string
 * never fails the page. The root must be an object ("what: (root): expected
 * object"). */
json_t *jsonx_load_object(const char *body, size_t len, const char *what, struct mlc_err *err);
/* Follows a dotted path ("data.result.total"); NULL when absent. */
json_t *jsonx_path(json_t *root, const char *path);
/* String at path or NULL; when required and missing/wrong type, err names it. */
const char *jsonx_str(json_t *root, const char *path, const char *what, struct mlc_err *err);

/* A copy of a JSON string's len bytes, at most JSONX_STR_MAX of them (cut on
 * a UTF-8 boundary), each NUL shown as "^@" as the sanitizer shows controls:
 * a NUL can neither cut the string short nor hide in it. Never NULL. */
char *jsonx_strdup(json_t *v);
/* At most JSONX_STR_MAX bytes of the C string s (never NULL). */
char *jsonx_capdup(const char *s);

/* Typed getters for an optional member o.key, o being at JSON path `path`:
 * absent leaves *out NULL/0/false and returns 0; a wrong type returns
 * -MLC_ERR_PARSE with err "WHO: path.key: expected T" (who: the service). */
int jsonx_get_str(json_t *o, const char *key, char **out, const char *who, const char *path,
		  struct mlc_err *err);
int jsonx_get_i64(json_t *o, const char *key, int64_t *out, const char *who, const char *path,
		  struct mlc_err *err);
int jsonx_get_bool(json_t *o, const char *key, bool *out, const char *who, const char *path,
		   struct mlc_err *err);
/* An optional array member: absent → *arr NULL and 0; not an array → error. */
int jsonx_get_array(json_t *o, const char *key, json_t **arr, const char *who, const char *path,
		    struct mlc_err *err);
/* A required object member ("run"); NULL with err "WHO: key: expected object". */
json_t *jsonx_member(json_t *root, const char *key, const char *who, struct mlc_err *err);
/* Compact JSON text of o (a new string); decrefs o. */
char *jsonx_dump(json_t *o);

#endif
