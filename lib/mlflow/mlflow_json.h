/* lib/mlflow/mlflow_json.h — private to lib/mlflow*.c: the parsers MLflow's
 * objects share (the {key,value} list, one experiment) on top of
 * lib/core/jsonx, the one JSON helper layer (typed getters naming the JSON
 * path, capped string copies). Never included outside the MLflow client. */
#ifndef MLC_MLFLOW_JSON_H
#define MLC_MLFLOW_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/core/jsonx.h"
#include "lib/mlflow/mlflow.h"

/* A [{key, value}] list at o.key into *kv (n entries; NULL when absent). */
int mlflow_get_kv(json_t *o, const char *key, struct mlflow_kv **kv, size_t *n, const char *path,
		  struct mlc_err *err);
void mlflow_kv_free(struct mlflow_kv *kv, size_t n);
/* One experiment object (experiments/search item, experiments/get). */
int mlflow_parse_experiment(json_t *o, struct mlflow_experiment *e, const char *path,
			    struct mlc_err *err);

#endif
