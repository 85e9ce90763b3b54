/* lib/airflow/airflowc.h — the asynchronous Airflow 2 client on
 * lib/core/http: the calls the Flows panel makes, with basic auth from the
 * target (username, password) and its TLS settings. Errors come from
 * lib/core/http_err: a 4xx reads as Airflow's problem detail. Never
 * blocks, never includes curses. */
#ifndef MLC_AIRFLOWC_H
#define MLC_AIRFLOWC_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/airflow/airflow.h"
#include "lib/core/apireq.h"
#include "lib/core/config.h"
#include "lib/core/err.h"

struct airflowc {
	const struct target *t; /* borrowed; outlives the client */
	char *base;		/* ".../api/v1" without a trailing slash */
	long timeout_ms;
};

void airflowc_init(struct airflowc *c, const struct target *t);
void airflowc_free(struct airflowc *c);

/* A task log as text: the bytes the server sent (text/plain). */
struct airflow_text {
	char *text;
	size_t len;
};

/* Every call: cb(res, err, arg) exactly once, from the loop, never inside
 * the call, unless airflowc_cancel() (apireq_cancel) ran first. res points to the result
 * named below (NULL: none), owned by the client and freed after cb
 * returns; on failure res is NULL and err->msg names the request:
 * "airflow: HTTP 404 from /dags/x/dagRuns/y: DAGRun with … not found".
 * The handle is dead once cb runs. */
#define airflowc_cancel apireq_cancel

/* struct airflow_runs: one page of the runs of every DAG, newest first. */
struct apireq *airflowc_runs(struct airflowc *c, int limit, int offset, apireq_cb cb, void *arg);
/* struct airflow_tis: the task instances of one run. */
struct apireq *airflowc_tis(struct airflowc *c, const char *dag_id, const char *run_id,
			    apireq_cb cb, void *arg);
/* struct airflow_text: the log of one try of a task (Accept: text/plain). */
struct apireq *airflowc_log(struct airflowc *c, const char *dag_id, const char *run_id,
			    const char *task_id, int try_number, apireq_cb cb, void *arg);
/* struct airflow_run: POST a new run of dag_id (conf {}). */
struct apireq *airflowc_trigger(struct airflowc *c, const char *dag_id, apireq_cb cb, void *arg);
/* struct airflow_dag: PATCH is_paused. */
struct apireq *airflowc_pause(struct airflowc *c, const char *dag_id, bool paused, apireq_cb cb,
			      void *arg);

#endif
