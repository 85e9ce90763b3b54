/* lib/mlflow/mlflow_json.h — private to lib/mlflow*.c: typed field getters over
 * jansson that fail with an error naming the JSON path, capped string
 * copies, and the shared {key,value} list parser. Never included outside
 * the MLflow client. */
#ifndef MLC_MLFLOW_JSON_H
#define MLC_MLFLOW_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/mlflow/mlflow.h"

/* Copies at most MLFLOW_STR_MAX bytes of s (never NULL). */
char *mlflow_capdup(const char *s);
/* Optional fields: absent leaves *out NULL/0/false and returns 0; a wrong
 * type returns -MLC_ERR_PARSE with err naming "path.key". */
int mlflow_get_str(json_t *o, const char *key, char **out, const char *path, struct mlc_err *err);
int mlflow_get_i64(json_t *o, const char *key, int64_t *out, const char *path, struct mlc_err *err);
int mlflow_get_bool(json_t *o, const char *key, bool *out, const char *path, struct mlc_err *err);
/* An optional array field: absent → *arr NULL, 0; not an array → error. */
int mlflow_get_array(json_t *o, const char *key, json_t **arr, const char *path,
		     struct mlc_err *err);
/* A [{key, value}] list at o.key into *kv (n entries; NULL when absent). */
int mlflow_get_kv(json_t *o, const char *key, struct mlflow_kv **kv, size_t *n, const char *path,
		  struct mlc_err *err);
void mlflow_kv_free(struct mlflow_kv *kv, size_t n);
/* Loads body as a JSON object; NULL with err set otherwise. */
json_t *mlflow_load_object(const char *body, size_t len, const char *what, struct mlc_err *err);
/* A required object member ("run", "model_version"); NULL with err set. */
json_t *mlflow_member(json_t *root, const char *key, struct mlc_err *err);
/* Compact JSON text of o (a new string); decrefs o. */
char *mlflow_dump(json_t *o);
/* One experiment object (experiments/search item, experiments/get). */
int mlflow_parse_experiment(json_t *o, struct mlflow_experiment *e, const char *path,
			    struct mlc_err *err);

#endif
