/* lib/mlflow/mlflow.h — MLflow REST 2.0 client: pure parsers and request builders
 * for experiments, runs, metrics, artifacts and the model registry (runs in
 * lib/mlflow/mlflow_runs.c, registry in lib/mlflow/mlflow_models.c). Owns the model
 * structs it returns; strings are stored raw (the UI sanitizes) but capped.
 * Never includes curses, never does I/O. */
#ifndef MLC_MLFLOW_H
#define MLC_MLFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"

#define MLFLOW_STR_MAX 4096 /* longest string kept (JSONX_STR_MAX); longer ones are cut */

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
	/* 0 unless the listing stopped at a cap (rows or bytes) with more on
	 * the server: then the rows it holds (mlflow_stopped_text says so). */
	size_t stopped_at;
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

/* "stopped at N rows: more on the server; narrow the listing (a filter)"
 * into out: what a listing with stopped_at set says on screen. */
void mlflow_stopped_text(size_t rows, char *out, size_t n);

/* Builds the experiments/search GET URL under base ("http://h:5000").
 * max_results is always sent (MLflow has no REST default); view_type,
 * filter and page_token are added when non-NULL, URL-encoded. Caller frees. */
char *mlflow_experiments_search_url(const char *base, int max_results, const char *view_type,
				    const char *filter, const char *page_token);

/* One experiment from experiments/get or get-by-name ({"experiment":…}). */
int mlflow_parse_experiment_get(struct mlflow_experiment *out, const char *body, size_t len,
				struct mlc_err *err);

/* The filter that selects one registered model by name ("name='it''s'",
 * quotes doubled). Caller frees. */
char *mlflow_name_filter(const char *name);

/* base + path ("/api/2.0/mlflow/runs/get") + "?k=v&…" from a NULL-key-
 * terminated list of name, value pairs; a NULL value skips its pair; a name
 * may repeat (MLflow's GET arrays: run_ids=a&run_ids=b). Values are
 * URL-encoded. Caller frees. */
char *mlflow_url(const char *base, const char *path, const char *const *kv);

/* ---- runs (lib/mlflow/mlflow_runs.c) ----------------------------------------- */

/* Metric, param and tag key names are interned: a run stores a 32-bit index
 * into the key table shared by every page of one listing, so 10,000 runs
 * with the same 6 metrics hold each name once. */
struct mlflow_keys {
	char **names;
	uint32_t n, cap;
	uint32_t *hash; /* open addressing: index+1, 0 = empty */
	uint32_t hcap;
};
void mlflow_keys_init(struct mlflow_keys *k);
void mlflow_keys_free(struct mlflow_keys *k);
/* The index of name, adding it when new. */
uint32_t mlflow_keys_intern(struct mlflow_keys *k, const char *name);
/* The index of name, or -1 when absent. */
long mlflow_keys_find(const struct mlflow_keys *k, const char *name);
const char *mlflow_keys_name(const struct mlflow_keys *k, uint32_t idx);

enum mlflow_status {
	MLFLOW_ST_UNKNOWN,
	MLFLOW_ST_RUNNING,
	MLFLOW_ST_SCHEDULED,
	MLFLOW_ST_FINISHED,
	MLFLOW_ST_FAILED,
	MLFLOW_ST_KILLED,
};
const char *mlflow_status_name(enum mlflow_status s);

/* value: NaN for MLflow's "NaN" string; ±1.797e308 (how the SQL stores
 * clamp ±Inf) stays as sent, mlflow_fmt_metric shows it as ±Inf. */
struct mlflow_metric {
	uint32_t key;
	double value;
	int64_t timestamp;
	int64_t step;
};
struct mlflow_param {
	uint32_t key;
	char *value;
};

struct mlflow_dataset {
	char *name, *digest, *source_type, *source, *context; /* context: mlflow.data.context */
};

struct mlflow_run {
	char *run_id;
	char *experiment_id;
	char *run_name;
	char *user_id;
	char *artifact_uri;
	char *parent_run_id;	      /* tag mlflow.parentRunId (borrowed from tags), or NULL */
	char *source_name;	      /* tag mlflow.source.name (borrowed), or NULL */
	int64_t start_time, end_time; /* epoch ms; end_time 0 while RUNNING */
	uint8_t status;		      /* enum mlflow_status */
	bool deleted;		      /* lifecycle_stage "deleted" */
	uint16_t nmetrics, nparams;
	uint32_t ntags;
	struct mlflow_metric *metrics; /* latest value per key */
	struct mlflow_param *params;
	struct mlflow_param *tags;     /* tag names interned like param names */
	struct mlflow_dataset *inputs; /* runs/get only */
	uint16_t ninputs;
};

struct mlflow_run_page {
	struct mlflow_run *items;
	size_t n;
	char *next_page_token; /* NULL on the last page */
	/* 0 unless the listing stopped at a cap (rows or bytes) with more on
	 * the server: then the rows it holds (mlflow_stopped_text says so). */
	size_t stopped_at;
};

void mlflow_run_free(struct mlflow_run *r);
void mlflow_run_page_free(struct mlflow_run_page *p);
/* A run's metric or param by interned key; NULL when absent. */
const struct mlflow_metric *mlflow_run_metric(const struct mlflow_run *r, uint32_t key);
const char *mlflow_run_param(const struct mlflow_run *r, uint32_t key);
const char *mlflow_run_tag(const struct mlflow_run *r, const struct mlflow_keys *k,
			   const char *key);

/* runs/search page ({} is an empty last page); keys interned into k. */
int mlflow_parse_run_page(struct mlflow_run_page *out, struct mlflow_keys *k, const char *body,
			  size_t len, struct mlc_err *err);
/* runs/get: {"run": {...}} with inputs. */
int mlflow_parse_run_get(struct mlflow_run *out, struct mlflow_keys *k, const char *body,
			 size_t len, struct mlc_err *err);

/* The next_page_token of a runs/search body found without parsing it (the
 * key followed by a plain JSON string; escapes other than \" \\ \/ give
 * NULL): lets the loader ask the next page while this one is parsed. The
 * parsed page's token has the last word. Caller frees; NULL when absent. */
char *mlflow_peek_page_token(const char *body, size_t len);

/* The runs/search POST body (JSON). max_results is clamped to 1..1000;
 * NULL or empty strings are left out; order_by holds norder clauses. */
struct mlflow_runs_query {
	const char *const *experiment_ids;
	size_t nexp;
	const char *filter;
	const char *const *order_by;
	size_t norder;
	const char *run_view_type; /* ACTIVE_ONLY, DELETED_ONLY, ALL */
	int max_results;
	const char *page_token;
};
char *mlflow_runs_search_body(const struct mlflow_runs_query *q);

/* A metric history (metrics/get-history, all points; get-history-bulk-
 * interval adds run_id per point). */
struct mlflow_point {
	double value;
	int64_t timestamp;
	int64_t step;
	char *run_id; /* bulk-interval only, else NULL */
};
struct mlflow_history {
	struct mlflow_point *pts;
	size_t n;
};
void mlflow_history_free(struct mlflow_history *h);
int mlflow_parse_history(struct mlflow_history *out, const char *body, size_t len,
			 struct mlc_err *err);

struct mlflow_file {
	char *path;
	bool is_dir;
	int64_t file_size; /* -1 for directories */
};
struct mlflow_file_list {
	char *root_uri; /* artifacts/list only */
	struct mlflow_file *files;
	size_t n;
};
void mlflow_file_list_free(struct mlflow_file_list *l);
/* artifacts/list or the proxy's listing. */
int mlflow_parse_file_list(struct mlflow_file_list *out, const char *body, size_t len,
			   struct mlc_err *err);
/* The proxy download URL of path under a run's artifact_uri
 * ("mlflow-artifacts:/1/<id>/artifacts" → base/api/2.0/mlflow-artifacts/
 * artifacts/1/<id>/artifacts/<path>), or get-artifact?path=&run_uuid= for
 * other URIs. Caller frees. */
char *mlflow_artifact_url(const char *base, const char *artifact_uri, const char *run_id,
			  const char *path);

/* "0.951", "NaN", "+Inf", "-Inf", "1.2e+07". */
void mlflow_fmt_metric(char *out, size_t n, double v);

/* ---- model registry (lib/mlflow/mlflow_models.c) ----------------------------- */

struct mlflow_model_version {
	char *name, *version, *current_stage, *description, *source, *run_id, *status, *run_link;
	int64_t creation_timestamp, last_updated_timestamp;
	struct mlflow_kv *tags;
	size_t ntags;
	char **aliases; /* a version carries ["champion"] */
	size_t naliases;
};
struct mlflow_alias {
	char *alias, *version;
};
struct mlflow_model {
	char *name, *description;
	int64_t creation_timestamp, last_updated_timestamp;
	struct mlflow_model_version *latest; /* one per stage */
	size_t nlatest;
	struct mlflow_kv *tags;
	size_t ntags;
	struct mlflow_alias *aliases; /* a model carries [{alias, version}] */
	size_t naliases;
};
struct mlflow_model_page {
	struct mlflow_model *items;
	size_t n;
	char *next_page_token;
	/* 0 unless the listing stopped at a cap (rows or bytes) with more on
	 * the server: then the rows it holds (mlflow_stopped_text says so). */
	size_t stopped_at;
};
struct mlflow_version_page {
	struct mlflow_model_version *items;
	size_t n;
	char *next_page_token;
	/* 0 unless the listing stopped at a cap (rows or bytes) with more on
	 * the server: then the rows it holds (mlflow_stopped_text says so). */
	size_t stopped_at;
};
void mlflow_model_version_free(struct mlflow_model_version *v);
void mlflow_model_free(struct mlflow_model *m);
void mlflow_model_page_free(struct mlflow_model_page *p);
void mlflow_version_page_free(struct mlflow_version_page *p);
/* registered-models/search. */
int mlflow_parse_model_page(struct mlflow_model_page *out, const char *body, size_t len,
			    struct mlc_err *err);
/* registered-models/get ({"registered_model"}). */
int mlflow_parse_model_get(struct mlflow_model *out, const char *body, size_t len,
			   struct mlc_err *err);
/* model-versions/search. */
int mlflow_parse_version_page(struct mlflow_version_page *out, const char *body, size_t len,
			      struct mlc_err *err);
/* model-versions/get, registered-models/alias GET, transition-stage
 * ({"model_version"}). */
int mlflow_parse_version_get(struct mlflow_model_version *out, const char *body, size_t len,
			     struct mlc_err *err);
/* model-versions/get-download-uri → the artifact_uri (caller frees). */
int mlflow_parse_download_uri(char **out, const char *body, size_t len, struct mlc_err *err);
/* Bodies of the writes (JSON). */
char *mlflow_alias_body(const char *name, const char *alias, const char *version);
char *mlflow_transition_body(const char *name, const char *version, const char *stage,
			     bool archive_existing);

#endif
