/* lib/mlflow.h — MLflow REST 2.0 client: pure parsers and request builders
 * (first slice: error bodies and experiments/search). Owns the model
 * structs it returns; strings are stored raw (the UI sanitizes) but capped.
 * Never includes curses, never does I/O. */
#ifndef MLC_MLFLOW_H
#define MLC_MLFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MLFLOW_STR_MAX 4096 /* longest string kept; longer ones are truncated */

struct mlflow_kv {
	char *key;
	char *value;
};

struct mlflow_experiment {
	char *experiment_id;
	char *name;
	char *artifact_location;
	char *lifecycle_stage;
	int64_t creation_time;	  /* epoch ms; 0 when omitted */
	int64_t last_update_time; /* epoch ms; 0 when omitted */
	struct mlflow_kv *tags;	  /* ntags entries; NULL when omitted */
	size_t ntags;
};

/* One page of experiments/search. next_page_token is NULL on the last page. */
struct mlflow_experiment_page {
	struct mlflow_experiment *items;
	size_t n;
	char *next_page_token;
};

/* Frees what the experiment owns (not the struct itself); safe on zeroed. */
void mlflow_experiment_free(struct mlflow_experiment *e);
/* Frees the page's items and token and zeroes it; safe on a zeroed page. */
void mlflow_experiment_page_free(struct mlflow_experiment_page *p);

/* Parses an experiments/search body into *out (zeroed first). `{}` is an
 * empty last page. Returns 0 or -MLC_ERR_PARSE with err naming the JSON path
 * ("experiments[2].creation_time: expected integer"); *out is empty then. */
int mlflow_parse_experiment_page(struct mlflow_experiment_page *out, const char *body, size_t len,
				 struct mlc_err *err);

/* Writes a one-line reason for a failed response into out (n bytes):
 * "RESOURCE_DOES_NOT_EXIST: Run with id=... not found" for a JSON error
 * body, "HTTP 404 Not Found" for Flask's HTML pages, "HTTP <status>" when
 * the body says nothing usable. Returns 0 when a JSON error body was
 * understood, 1 otherwise. Never reads past len. */
int mlflow_parse_error(const char *body, size_t len, long status, char *out, size_t n);

/* Builds the experiments/search GET URL under base ("http://h:5000").
 * max_results is always sent (MLflow has no REST default); view_type,
 * filter and page_token are added when non-NULL, URL-encoded. Caller frees. */
char *mlflow_experiments_search_url(const char *base, int max_results, const char *view_type,
				    const char *filter, const char *page_token);

#endif
