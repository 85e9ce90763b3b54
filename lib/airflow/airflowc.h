/* lib/airflow/airflowc.h — the asynchronous Airflow client on
 * lib/core/apireq: the calls the Flows panel makes, against Airflow 3
 * (.../api/v2, a bearer token from POST /auth/token, fetched again after a
 * 401) or Airflow 2 (.../api/v1, basic auth), whichever the server speaks:
 * a url naming its API (…/api/v1 or …/api/v2) is used as it is, with no
 * probe, until that API answers 404 (no /api/v1 route, no /auth/token);
 * then, and for a url of the server's root, the first call probes
 * /api/v2/version and falls back to v1 on a 404.
 * Errors come from lib/core/http_err: a 4xx reads as Airflow's detail.
 * Never blocks, never includes curses, never logs the password or token. */
#ifndef MLC_AIRFLOWC_H
#define MLC_AIRFLOWC_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/airflow/airflow.h"
#include "lib/core/apireq.h"
#include "lib/core/config.h"
#include "lib/core/err.h"

struct airflowc_req;

struct airflowc {
	const struct target *t; /* borrowed; outlives the client */
	char *root;		/* the server's root: the url without /api/v1 or /api/v2 */
	char *base;		/* root + "/api/v1" or "/api/v2", once api is known */
	long timeout_ms;
	enum airflow_api api; /* UNKNOWN until the probe answered */
	bool assumed;	      /* api is the one the url named, not answered yet */
	/* v2: the target as the calls use it, with the session's token as
	 * its bearer (t's own token when set); basic auth never sent. */
	struct target v2t;
	char *token;		      /* from /auth/token, NULL until fetched */
	unsigned token_gen;	      /* bumped at each new token */
	struct apireq *prep;	      /* the probe or the token request in flight */
	struct airflowc_req *waiting; /* calls waiting for it, in order */
	struct airflowc_req *failing; /* calls being told it failed */
};

void airflowc_init(struct airflowc *c, const struct target *t);
/* Frees the client; calls still waiting are dropped without a callback
 * (cancel yours first). */
void airflowc_free(struct airflowc *c);
/* "v1", "v2" or "?" (not probed yet). */
const char *airflowc_api_name(const struct airflowc *c);

/* A task log as text: the bytes the server sent (v1: text/plain), or v2's
 * structured entries as lines (airflow_parse_log_v2); token: v2's
 * continuation_token or NULL. */
struct airflow_text {
	char *text;
	size_t len;
	char *token;
};

/* Every call: cb(res, err, arg) exactly once, from the loop, never inside
 * the call, unless airflowc_cancel() ran first. res points to the result
 * named below (NULL: none), owned by the client and freed after cb
 * returns; on failure res is NULL and err->msg names the request:
 * "airflow: HTTP 404 from /dags/x/dagRuns/y: DAGRun with … not found".
 * A v2 call answered 401 gets a new token and goes out once more before
 * the 401 is reported. The handle is dead once cb runs. */
void airflowc_cancel(struct airflowc_req *q);

/* struct airflow_runs: one page of the runs of every DAG, newest first. */
struct airflowc_req *airflowc_runs(struct airflowc *c, int limit, int offset, apireq_cb cb,
				   void *arg);
/* struct airflow_dags: one page of the DAGs, by dag_id. */
struct airflowc_req *airflowc_dags(struct airflowc *c, int limit, int offset, apireq_cb cb,
				   void *arg);
/* struct airflow_pools: the pools (100 at most). */
struct airflowc_req *airflowc_pools(struct airflowc *c, apireq_cb cb, void *arg);
/* struct airflow_components: the health answer (v1 /health, v2
 * /monitor/health). */
struct airflowc_req *airflowc_health(struct airflowc *c, apireq_cb cb, void *arg);
/* struct airflow_tis: the task instances of one run. */
struct airflowc_req *airflowc_tis(struct airflowc *c, const char *dag_id, const char *run_id,
				  apireq_cb cb, void *arg);
/* struct airflow_text: the log of one try of a task (v1: Accept:
 * text/plain; v2: the JSON entries). */
struct airflowc_req *airflowc_log(struct airflowc *c, const char *dag_id, const char *run_id,
				  const char *task_id, int try_number, apireq_cb cb, void *arg);
/* struct airflow_tis: clear task_id of run_id and its downstream tasks
 * (airflow_clear_body); with dry_run nothing changes and the answer lists
 * what would be cleared. */
struct airflowc_req *airflowc_clear(struct airflowc *c, const char *dag_id, const char *run_id,
				    const char *task_id, bool dry_run, apireq_cb cb, void *arg);
/* struct airflow_text: what a v2 log holds after the answer that gave
 * token (its continuation_token); on v1, or token NULL, the whole log. */
struct airflowc_req *airflowc_log_after(struct airflowc *c, const char *dag_id, const char *run_id,
					const char *task_id, int try_number, const char *token,
					apireq_cb cb, void *arg);
/* struct airflow_run: POST a new run of dag_id (conf {}). */
struct airflowc_req *airflowc_trigger(struct airflowc *c, const char *dag_id, apireq_cb cb,
				      void *arg);
/* struct airflow_dag: PATCH is_paused. */
struct airflowc_req *airflowc_pause(struct airflowc *c, const char *dag_id, bool paused,
				    apireq_cb cb, void *arg);

#endif
