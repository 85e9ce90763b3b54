/* lib/mlflow/mlflowc.h — the asynchronous MLflow client on lib/http: every call
 * the Experiments and Models panels make, with the target's auth and TLS
 * (MLFLOW_TRACKING_USERNAME/PASSWORD, _TOKEN, _INSECURE_TLS,
 * _SERVER_CERT_PATH, read by lib/config), a response cap, and the paged
 * runs loader. Never blocks, never includes curses. */
#ifndef MLC_MLFLOWC_H
#define MLC_MLFLOWC_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/core/config.h"
#include "lib/core/err.h"
#include "lib/core/http.h"
#include "lib/mlflow/mlflow.h"

struct mlflowc {
	const struct target *t; /* borrowed; outlives the client */
	char *base;		/* target URL without trailing slash */
	long timeout_ms;	/* per request; default 30 s */
	/* Caps of one listing (the runs loader over all its pages; one page
	 * for the others): rows and response bytes. Defaults
	 * MLFLOWC_MAX_ROWS and MLFLOWC_MAX_BYTES; a listing that reaches one
	 * with more on the server ends with stopped_at set. */
	size_t max_rows, max_bytes;
};

#define MLFLOWC_MAX_ROWS  50000
#define MLFLOWC_MAX_BYTES (16u << 20) /* one response; the loader: 4 times that in all */

/* t is borrowed. */
void mlflowc_init(struct mlflowc *c, const struct target *t);
void mlflowc_free(struct mlflowc *c);

/* Every call: cb(res, err, arg) exactly once, from the loop, never inside
 * the call, unless mlflowc_cancel() ran first. On success err is NULL and
 * res points to the call's result type (named below; NULL for the writes);
 * on failure res is NULL and err->msg names the request and carries the
 * server's message (sanitized, lib/core/http_err): "mlflow: HTTP 400 from
 * /api/2.0/mlflow/runs/search: INVALID_PARAMETER_VALUE: …"; a redirect is
 * never followed and says where it pointed. res is owned by the client and freed after
 * cb returns: to keep its contents, move them out and zero the struct.
 * The handle is dead once cb runs: forget it there, never cancel it. */
typedef void (*mlflowc_cb)(void *res, const struct mlc_err *err, void *arg);
struct mlflowc_req;
void mlflowc_cancel(struct mlflowc_req *r);

/* struct mlflow_experiment_page; max_results 1000; view_type ACTIVE_ONLY,
 * DELETED_ONLY or ALL; filter in MLflow's grammar or NULL. */
struct mlflowc_req *mlflowc_experiments(struct mlflowc *c, const char *view_type,
					const char *filter, mlflowc_cb cb, void *arg);
/* struct mlflow_experiment (experiments/get-by-name). */
struct mlflowc_req *mlflowc_experiment_by_name(struct mlflowc *c, const char *name, mlflowc_cb cb,
					       void *arg);
/* struct mlflow_run_page: one runs/search POST; keys is borrowed until cb. */
struct mlflowc_req *mlflowc_runs_page(struct mlflowc *c, struct mlflow_keys *keys,
				      const struct mlflow_runs_query *q, mlflowc_cb cb, void *arg);
/* struct mlflow_run (runs/get, with dataset inputs). */
struct mlflowc_req *mlflowc_run_get(struct mlflowc *c, struct mlflow_keys *keys, const char *run_id,
				    mlflowc_cb cb, void *arg);
/* struct mlflow_history (metrics/get-history: every point). */
struct mlflowc_req *mlflowc_history(struct mlflowc *c, const char *run_id, const char *key,
				    mlflowc_cb cb, void *arg);
/* struct mlflow_history with run_id per point (get-history-bulk-interval:
 * several runs in one request, sampled to max_results points each). */
struct mlflowc_req *mlflowc_history_bulk(struct mlflowc *c, const char *const *run_ids,
					 size_t nruns, const char *key, int max_results,
					 mlflowc_cb cb, void *arg);
/* struct mlflow_file_list (artifacts/list; path NULL for the root). */
struct mlflowc_req *mlflowc_artifacts(struct mlflowc *c, const char *run_id, const char *path,
				      mlflowc_cb cb, void *arg);
/* struct mlflow_model_page (registered-models/search, 1000 a page). */
struct mlflowc_req *mlflowc_models(struct mlflowc *c, const char *filter, mlflowc_cb cb, void *arg);
/* struct mlflow_version_page: every version of model (model-versions/search
 * with filter name='…', quotes escaped). */
struct mlflowc_req *mlflowc_versions(struct mlflowc *c, const char *model, mlflowc_cb cb,
				     void *arg);
/* struct mlflow_model_version: the version an alias points at (GET
 * registered-models/alias). */
struct mlflowc_req *mlflowc_alias_get(struct mlflowc *c, const char *model, const char *alias,
				      mlflowc_cb cb, void *arg);
/* Writes (the panel asks app_refuse_if_readonly and app_confirm first).
 * res NULL; POST registered-models/alias, DELETE registered-models/alias,
 * POST model-versions/transition-stage (res: struct mlflow_model_version). */
struct mlflowc_req *mlflowc_alias_set(struct mlflowc *c, const char *model, const char *alias,
				      const char *version, mlflowc_cb cb, void *arg);
struct mlflowc_req *mlflowc_alias_delete(struct mlflowc *c, const char *model, const char *alias,
					 mlflowc_cb cb, void *arg);
struct mlflowc_req *mlflowc_transition(struct mlflowc *c, const char *model, const char *version,
				       const char *stage, bool archive_existing, mlflowc_cb cb,
				       void *arg);

/* The first limit bytes of a run's artifact (through the tracking
 * server's artifact proxy, or get-artifact): res is struct mlflowc_blob;
 * truncated when the artifact is longer (the transfer is stopped there). */
struct mlflowc_blob {
	char *data; /* NUL-terminated, len bytes */
	size_t len;
	bool truncated;
	char content_type[80];
};
struct mlflowc_req *mlflowc_artifact_head(struct mlflowc *c, const char *artifact_uri,
					  const char *run_id, const char *path, size_t limit,
					  mlflowc_cb cb, void *arg);
/* Fills o for a download of the artifact (lib/download); returns the URL
 * that o->url points to (caller frees it after dl_start). */
char *mlflowc_artifact_opts(struct mlflowc *c, const char *artifact_uri, const char *run_id,
			    const char *path, struct http_opts *o);

/* The paged runs loader: a small first page for the first screen, then
 * bigger pages chained through next_page_token (opaque, passed back as
 * sent) until the last one. on_page(page, last, err, arg) runs once per
 * page from the loop, never inside mlflowc_runs_load; the last call has
 * last = true (or err set, which also ends the load). page is freed after
 * on_page returns unless it moved its contents out. Never called after
 * mlflowc_load_cancel (which on_page may call; after the last page the
 * handle is gone). q is copied. The loader stops at c->max_rows rows or 4 *
 * c->max_bytes bytes in all: the page it stops on comes with last = true
 * and stopped_at = the rows loaded, even though the server has more. */
typedef void (*mlflowc_page_cb)(struct mlflow_run_page *page, bool last, const struct mlc_err *err,
				void *arg);
struct mlflowc_load;
struct mlflowc_load *mlflowc_runs_load(struct mlflowc *c, struct mlflow_keys *keys,
				       const struct mlflow_runs_query *q, int first_page,
				       int next_pages, mlflowc_page_cb on_page, void *arg);
void mlflowc_load_cancel(struct mlflowc_load *l);
/* Pages fetched so far by l. */
int mlflowc_load_pages(const struct mlflowc_load *l);

#endif
