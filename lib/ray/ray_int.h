/* lib/ray/ray_int.h — what the Ray parsers share: loading a body, the
 * dashboard's {result, msg, data} envelope, and getters that take any
 * field as optional (a string or a number where Ray 2.x sent either).
 * Internal to lib/ray. */
#ifndef MLC_RAY_INT_H
#define MLC_RAY_INT_H

#include <jansson.h>

#include "lib/core/err.h"
#include "lib/ray/ray.h"

/* Parses body, whose root must be of type (JSON_OBJECT, JSON_ARRAY); NULL
 * with err ("ray: WHAT: malformed JSON ...", "ray: WHAT: (root): expected
 * array") on failure. */
json_t *ray_load(const char *body, size_t len, const char *what, json_type type,
		 struct mlc_err *err);
/* The data of an envelope {result, msg, data}: *root gets the document
 * (the caller decrefs it) and data is borrowed from it. NULL with err (and
 * *root NULL) when the body is not JSON, when result is false ("ray: WHAT:
 * result false: MSG", the server's msg sanitized) or when data is not an
 * object. */
json_t *ray_load_data(const char *body, size_t len, const char *what, json_t **root,
		      struct mlc_err *err);
/* The rows of a state API list ({result, msg, data: {result: {total, ...,
 * result: [rows]}}}): the array (borrowed from *root, which the caller
 * decrefs), *total the server's total (-1 when not said); NULL with err
 * as ray_load_data, or "ray: WHAT: data.result.result: expected array". */
json_t *ray_load_rows(const char *body, size_t len, const char *what, json_t **root, int64_t *total,
		      struct mlc_err *err);
/* o.key as a new string (capped, NULs visible) when it is a string, a
 * number or a bool; NULL otherwise. */
char *rj_str(json_t *o, const char *key);
/* The value of v: a number, or a string that holds one; RAY_NA otherwise. */
double rj_numv(json_t *v);
double rj_num(json_t *o, const char *key);
/* "key=value" strings for an object's members (values as rj_str). */
char **rj_pairs(json_t *o, size_t *n);
/* Frees n strings of v and v. */
void rj_strv_free(char **v, size_t n);
/* Frees what a struct ray_res holds (its name); a free_items free_one. */
void rj_res_free(void *res);

#endif
