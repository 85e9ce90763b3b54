/* lib/prefect/prefect.h — the Prefect 2 REST API (base .../api) as model
 * structs: request bodies for the filter and set_state calls, and pure
 * parsers of the answers, on the captures of a Prefect 2.14 server in
 * tests/fixtures/prefect. Parsers take bytes and never crash; strings are
 * kept raw (the caller sanitizes what it shows). Never performs I/O. */
#ifndef MLC_PREFECT_H
#define MLC_PREFECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"

/* One flow run (flow_runs/filter, flow_runs/{id}). Strings owned, NULL
 * when the server sent null. Times in epoch ms, 0 when null. */
struct prefect_run {
	char *id, *name, *flow_id, *deployment_id;
	char *work_pool, *work_queue;
	/* type is the UPPERCASE enum (colour by it); name is what Prefect
	 * shows and may differ: Late is SCHEDULED, Retrying is RUNNING. */
	char *state_type, *state_name, *state_message;
	int64_t expected_ms, start_ms, end_ms;
	/* total_run_time stays 0 while the run runs: estimated_run_time is
	 * the one that grows. Seconds. */
	double total_run_time, estimated_run_time;
	char *parameters; /* compact JSON object, or NULL */
	char *tags;	  /* space-separated, or NULL */
};

struct prefect_runs {
	struct prefect_run *items;
	size_t n;
};

/* A flow, or a deployment: what a run's flow_id or deployment_id names. */
struct prefect_flow {
	char *id, *name;
};
struct prefect_flows {
	struct prefect_flow *items;
	size_t n;
};

/* One state of a run's history (flow_run_states). */
struct prefect_state {
	char *type, *name, *message;
	int64_t ts_ms;
};
struct prefect_states {
	struct prefect_state *items;
	size_t n;
};

struct prefect_task_run {
	char *id, *name, *state_type, *state_name;
	int64_t start_ms, end_ms;
	double run_time; /* total_run_time, else estimated_run_time (seconds) */
	int run_count;
};
struct prefect_task_runs {
	struct prefect_task_run *items;
	size_t n;
};

/* One log line: level is Python's number (10 DEBUG … 50 CRITICAL). */
struct prefect_log {
	int64_t ts_ms;
	int level;
	char *name, *message;
};
struct prefect_logs {
	struct prefect_log *items;
	size_t n;
};

/* What set_state answered: status ACCEPT | REJECT | ABORT | WAIT, the
 * reason when given, and the state the run is in now (a REJECT may still
 * have written a different state). */
struct prefect_set_state {
	char *status, *reason, *state_type, *state_name;
};

/* A deployment (deployments/filter): its schedule as one line ("cron 0 3 *
 * * 1", "every 1h", "rrule …"; NULL: none), paused (2.14: not
 * is_schedule_active), its work pool and queue, status READY | NOT_READY. */
struct prefect_deployment {
	char *id, *name, *flow_id, *schedule, *work_pool, *work_queue, *status, *tags;
	bool paused;
};
struct prefect_deployments {
	struct prefect_deployment *items;
	size_t n;
};
/* A work pool (work_pools/filter) or a work queue (work_queues/filter;
 * pool: its work_pool_name). status READY | NOT_READY | PAUSED, or NULL;
 * concurrency -1 when unlimited; last_polled_ms 0 when never (queues). */
struct prefect_pool {
	char *name, *type, *status, *pool;
	bool paused;
	long concurrency;
	int64_t last_polled_ms;
};
struct prefect_pools {
	struct prefect_pool *items;
	size_t n;
};

/* Parsers: 0, or -MLC_ERR_PARSE with err naming the JSON path
 * ("prefect: [3].state.type: expected string"). out is zeroed first and
 * holds nothing to free after an error. */
int prefect_parse_runs(struct prefect_runs *out, const char *body, size_t len, struct mlc_err *err);
int prefect_parse_run(struct prefect_run *out, const char *body, size_t len, struct mlc_err *err);
int prefect_parse_flows(struct prefect_flows *out, const char *body, size_t len,
			struct mlc_err *err);
int prefect_parse_states(struct prefect_states *out, const char *body, size_t len,
			 struct mlc_err *err);
int prefect_parse_task_runs(struct prefect_task_runs *out, const char *body, size_t len,
			    struct mlc_err *err);
int prefect_parse_logs(struct prefect_logs *out, const char *body, size_t len, struct mlc_err *err);
int prefect_parse_set_state(struct prefect_set_state *out, const char *body, size_t len,
			    struct mlc_err *err);

/* The validation errors of a 422 answer, as Prefect lists them in
 * exception_detail: "body.sort: value is not a valid enumeration member; …"
 * (loc joined with dots, then msg; several separated by "; "). Raw (the
 * caller sanitizes); "" when the body has no such list. */
void prefect_422_detail(const char *body, size_t len, char *out, size_t n);

int prefect_parse_deployments(struct prefect_deployments *out, const char *body, size_t len,
			      struct mlc_err *err);
/* Work pools and work queues alike. */
int prefect_parse_pools(struct prefect_pools *out, const char *body, size_t len,
			struct mlc_err *err);
/* For the Overview and `check`: /api/admin/version → a bare JSON string;
 * /api/health → true; POST /api/work_pools/filter: why names the pools
 * whose status is NOT_READY (no worker polls them), "" when none is
 * (PAUSED is a choice, not a fault); negative on a malformed answer. */
int prefect_parse_version(const char *body, size_t len, char *out, size_t n, struct mlc_err *err);
int prefect_parse_health(const char *body, size_t len, struct mlc_err *err);
int prefect_parse_work_pools(const char *body, size_t len, char *why, size_t n,
			     struct mlc_err *err);

void prefect_deployment_free(struct prefect_deployment *x);
void prefect_deployments_free(struct prefect_deployments *p);
void prefect_pool_free(struct prefect_pool *x);
void prefect_pools_free(struct prefect_pools *p);

void prefect_run_free(struct prefect_run *r);
void prefect_runs_free(struct prefect_runs *p);
void prefect_flows_free(struct prefect_flows *p);
void prefect_states_free(struct prefect_states *p);
void prefect_task_runs_free(struct prefect_task_runs *p);
void prefect_logs_free(struct prefect_logs *p);
void prefect_set_state_free(struct prefect_set_state *s);

/* Request bodies (new strings). The runs page: sort EXPECTED_START_TIME_DESC,
 * limit (≤ 200) and offset, and when types is non-NULL only runs whose
 * state type is one of them (NULL-terminated). */
char *prefect_runs_body(const char *const *types, int limit, int offset);
/* flows/filter for the flow ids of a page (one request per page), and
 * deployments/filter for its deployment ids (parsed by
 * prefect_parse_flows: the same id and name). */
char *prefect_flows_body(const char *const *ids, size_t n);
char *prefect_deployments_body(const char *const *ids, size_t n);
/* task_runs/filter of one flow run, oldest first. */
char *prefect_task_runs_body(const char *flow_run_id);
/* logs/filter of one flow run, oldest first, limit lines from the time
 * after_ms on (epoch ms; 0: from the start). Prefect's after_ includes that
 * time: the caller skips the lines at it that it holds. Paging by time,
 * not offset, keeps a followed log right while lines are added. */
char *prefect_logs_body(const char *flow_run_id, int64_t after_ms, int limit);
/* A page of logs/filter of one flow run beside the time ts_ms (epoch ms;
 * 0: from the start): with before, the lines at or before it newest first
 * (TIMESTAMP_DESC, to be read backwards), else those at or after it oldest
 * first; offset skips that many of them (the lines at ts_ms already held,
 * so that more than a page sharing one time does not stop the paging). */
char *prefect_logs_page_body(const char *flow_run_id, int64_t ts_ms, bool before, int offset,
			     int limit);
/* A plain list page ({"limit":L,"offset":O}): deployments, work pools,
 * work queues. */
char *prefect_list_body(int limit, int offset);
/* set_state: {"state":{"type":TYPE,"message":MESSAGE}}. */
char *prefect_set_state_body(const char *type, const char *message);

#endif
