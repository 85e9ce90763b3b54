/* lib/prefect/prefectc.h — the asynchronous Prefect 2 client on lib/core/http:
 * the calls the Flows panel makes, with the target's API key as a bearer
 * token (PREFECT_API_KEY, as Prefect's own client sends it) and TLS
 * settings. Errors come from lib/core/http_err, so a 422's detail reads as
 * the server wrote it. Never blocks, never includes curses. */
#ifndef MLC_PREFECTC_H
#define MLC_PREFECTC_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/core/apireq.h"
#include "lib/core/config.h"
#include "lib/core/err.h"
#include "lib/prefect/prefect.h"

struct prefectc {
	const struct target *t; /* borrowed; outlives the client */
	char *base;		/* ".../api" without a trailing slash */
	long timeout_ms;
};

void prefectc_init(struct prefectc *c, const struct target *t);
void prefectc_free(struct prefectc *c);

/* Every call: cb(res, err, arg) exactly once, from the loop, never inside
 * the call, unless prefectc_cancel() (apireq_cancel) ran first. res points to the result
 * named below, owned by the client and freed after cb returns (move the
 * contents out and zero it to keep them); on failure res is NULL and
 * err->msg names the request: "prefect: HTTP 422 from /flow_runs/filter: …".
 * The handle is dead once cb runs. */
#define prefectc_cancel apireq_cancel

/* struct prefect_runs: one page of flow_runs/filter (see prefect_runs_body). */
struct apireq *prefectc_runs(struct prefectc *c, const char *const *types, int limit, int offset,
			     apireq_cb cb, void *arg);
/* struct prefect_flows: the flows of ids (one flows/filter). */
struct apireq *prefectc_flows(struct prefectc *c, const char *const *ids, size_t n, apireq_cb cb,
			      void *arg);
/* struct prefect_flows (id, name): the deployments of ids. */
struct apireq *prefectc_deployments(struct prefectc *c, const char *const *ids, size_t n,
				    apireq_cb cb, void *arg);
/* struct prefect_run: POST deployments/ID/create_flow_run with
 * PREFECT_CREATE_BODY (a run of the deployment as it is, scheduled now). */
#define PREFECT_CREATE_BODY "{\"tags\":[\"mlconsole\"]}"
struct apireq *prefectc_create_flow_run(struct prefectc *c, const char *deployment_id, apireq_cb cb,
					void *arg);
/* struct prefect_deployments: a deployments/filter page of 200 from
 * offset on (a full page: ask for the next). */
struct apireq *prefectc_deployment_list(struct prefectc *c, int offset, apireq_cb cb, void *arg);
/* struct prefect_pools: the work pools (work_pools/filter), or with
 * queues the work queues of every pool (work_queues/filter); 200 at most. */
struct apireq *prefectc_work_pools(struct prefectc *c, bool queues, apireq_cb cb, void *arg);
/* struct prefect_states: GET flow_run_states/?flow_run_id=ID. */
struct apireq *prefectc_states(struct prefectc *c, const char *run_id, apireq_cb cb, void *arg);
/* struct prefect_task_runs of one flow run. */
struct apireq *prefectc_task_runs(struct prefectc *c, const char *run_id, apireq_cb cb, void *arg);
/* struct prefect_logs: limit lines of one flow run from after_ms on (see
 * prefect_logs_body). */
struct apireq *prefectc_logs(struct prefectc *c, const char *run_id, int64_t after_ms, int limit,
			     apireq_cb cb, void *arg);
/* struct prefect_logs: a page of prefect_logs_page_body (with before,
 * newest first as the server sent it). */
struct apireq *prefectc_logs_page(struct prefectc *c, const char *run_id, int64_t ts_ms,
				  bool before, int offset, int limit, apireq_cb cb, void *arg);
/* struct prefect_set_state: POST flow_runs/ID/set_state with type and
 * message. A REJECT or ABORT is a result, not an error. */
struct apireq *prefectc_set_state(struct prefectc *c, const char *run_id, const char *type,
				  const char *message, apireq_cb cb, void *arg);

#endif
