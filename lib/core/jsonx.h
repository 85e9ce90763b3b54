/* lib/core/jsonx.h — small helpers over jansson for the service parsers: load a
 * size-capped body with duplicate keys rejected, and fetch typed fields by a
 * dotted path with an error that names the path ("data.version: expected
 * string"). jansson never leaves lib/. */
#ifndef MLC_JSONX_H
#define MLC_JSONX_H

#include <jansson.h>
#include <stddef.h>

#include "lib/core/err.h"

/* Parses len bytes; on failure fills err ("what: malformed JSON at line L:
 * TEXT") and returns NULL. what names the request for the message. */
json_t *jsonx_load(const char *body, size_t len, const char *what, struct mlc_err *err);
/* Follows a dotted path ("data.result.total"); NULL when absent. */
json_t *jsonx_path(json_t *root, const char *path);
/* String at path or NULL; when required and missing/wrong type, err names it. */
const char *jsonx_str(json_t *root, const char *path, const char *what, struct mlc_err *err);

#endif
