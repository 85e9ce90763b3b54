/* lib/airflow/airflow.h — the Airflow REST API, Airflow 2 (base .../api/v1)
 * and Airflow 3 (.../api/v2, tests/fixtures/airflow/v2), as model structs: paths with DAG and run
 * ids percent-encoded (run ids hold ':' and '+'), request bodies, and pure parsers of the answers
 * on the shapes in tests/fixtures/airflow (limit/offset pages with total_entries, timestamps with
 * +00:00 or Z, nullable task states). Strings are kept raw (the caller sanitizes what it shows).
 * Never performs I/O. */
#ifndef MLC_AIRFLOW_H
#define MLC_AIRFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"

/* Which API a server speaks: v1 (Airflow 2, basic auth) or v2 (Airflow 3,
 * a bearer token from /auth/token). */
enum airflow_api { AIRFLOW_API_UNKNOWN, AIRFLOW_API_V1, AIRFLOW_API_V2 };

/* One DAG run. state: queued | running | success | failed (lowercase, as
 * sent). Times in epoch ms, 0 when null: logical_ms is logical_date (v1:
 * or execution_date; v2: may be null), run_after_ms v2's run_after.
 * display_name: v2's dag_display_name, or NULL. */
struct airflow_run {
	char *dag_id, *run_id, *state, *run_type, *note, *display_name;
	int64_t logical_ms, run_after_ms, start_ms, end_ms;
	char *conf; /* compact JSON object, or NULL when empty */
};
struct airflow_runs {
	struct airflow_run *items;
	size_t n;
	long total; /* total_entries: every match, not just this page */
};

/* One task instance. state is NULL when it has none yet. */
struct airflow_ti {
	char *task_id, *state, *operator_name, *hostname;
	int try_number, max_tries;
	double duration; /* seconds; -1 when null */
	int64_t start_ms, end_ms;
};
struct airflow_tis {
	struct airflow_ti *items;
	size_t n;
	long total;
};

/* A DAG as the pause toggle answers it. */
struct airflow_dag {
	char *dag_id;
	bool is_paused;
};

/* A DAG as the list shows it (GET /dags): schedule as one line ("0 3 * *
 * 1", "every 1h", "At 02:00"; NULL: none), tags "a b", next run (epoch
 * ms, 0: none), import errors. */
struct airflow_dag_info {
	char *dag_id, *schedule, *tags;
	bool paused, import_errors;
	int64_t next_ms;
};
struct airflow_dags {
	struct airflow_dag_info *items;
	size_t n;
	long total;
};
/* A pool (GET /pools) and its slots. */
struct airflow_pool {
	char *name;
	long slots, open, occupied, running, queued, deferred;
};
struct airflow_pools {
	struct airflow_pool *items;
	size_t n;
	long total;
};

/* Parsers: 0, or -MLC_ERR_PARSE with err naming the JSON path
 * ("airflow: dag_runs[2].state: expected string"); out holds nothing to
 * free after an error. */
int airflow_parse_runs(struct airflow_runs *out, const char *body, size_t len, struct mlc_err *err);
/* One DAG run (GET .../dagRuns/ID, or the trigger's answer). */
int airflow_parse_run(struct airflow_run *out, const char *body, size_t len, struct mlc_err *err);
int airflow_parse_tis(struct airflow_tis *out, const char *body, size_t len, struct mlc_err *err);
int airflow_parse_dag(struct airflow_dag *out, const char *body, size_t len, struct mlc_err *err);

/* v2's task log (TaskInstancesLogResponse): its content, a list of
 * structured entries (or of strings), as text lines in the v1 text shape
 * "[TIMESTAMP] {LOGGER} LEVEL - EVENT", an entry's error_detail as the
 * exception and its frames below it; *token the continuation_token or
 * NULL. Both new strings. */
int airflow_parse_log_v2(char **text, size_t *len, char **token, const char *body, size_t blen,
			 struct mlc_err *err);
/* /auth/token's answer: *token the access_token (new string). */
int airflow_parse_token(char **token, const char *body, size_t len, struct mlc_err *err);
/* /version (v1 and v2) → its version into out. /health (v2:
 * /monitor/health): an error when the metadatabase is not "healthy" (the
 * API cannot work), why set when only the scheduler is not (the API
 * answers, DAG runs do not start). The Overview's probe, `check` and the
 * client's version probe read them. */
int airflow_parse_version(const char *body, size_t len, char *out, size_t n, struct mlc_err *err);
int airflow_parse_health(const char *body, size_t len, char *why, size_t n, struct mlc_err *err);
/* Where the health (or version) answer is below a configured url: …/api/v1
 * is Airflow 2 (/health, /version), …/api/v2 Airflow 3 (/monitor/health,
 * /version), and a server root Airflow 3 (/api/v2/monitor/health,
 * /api/v2/version; Airflow 2 is configured with its /api/v1). */
const char *airflow_probe_path(const char *url, bool health);
/* The health answer's components as rows (the :pools view): status
 * (healthy, unhealthy, or NULL: never ran) and the last heartbeat (epoch
 * ms, 0: none); present false for one the server does not report (v1 has
 * no dag_processor before 2.10). name borrowed, status owned. */
#define AIRFLOW_COMPONENTS 4
struct airflow_components {
	const char *name[AIRFLOW_COMPONENTS];
	char *status[AIRFLOW_COMPONENTS];
	int64_t heartbeat_ms[AIRFLOW_COMPONENTS];
	bool present[AIRFLOW_COMPONENTS];
};
int airflow_parse_components(struct airflow_components *out, const char *body, size_t len,
			     struct mlc_err *err);
void airflow_components_free(struct airflow_components *c);

int airflow_parse_dags(struct airflow_dags *out, const char *body, size_t len, struct mlc_err *err);
int airflow_parse_pools(struct airflow_pools *out, const char *body, size_t len,
			struct mlc_err *err);
void airflow_dags_free(struct airflow_dags *p);
void airflow_pools_free(struct airflow_pools *p);

void airflow_run_free(struct airflow_run *r);
void airflow_runs_free(struct airflow_runs *p);
void airflow_tis_free(struct airflow_tis *p);
void airflow_dag_free(struct airflow_dag *d);

/* Paths below the base (new strings), ids percent-encoded:
 *   runs:  /dags/~/dagRuns?limit=L&offset=O&order_by=-execution_date
 *          (v2: order_by=-run_after; v2 has no execution_date)
 *   tis:   /dags/D/dagRuns/R/taskInstances?limit=100
 *   log:   /dags/D/dagRuns/R/taskInstances/T/logs/TRY?full_content=true
 *   trigger: /dags/D/dagRuns;  pause: /dags/D?update_mask=is_paused */
char *airflow_runs_path(enum airflow_api api, int limit, int offset);
char *airflow_tis_path(const char *dag_id, const char *run_id);
/* /dags?limit=L&offset=O&order_by=dag_id and /pools?limit=100. */
char *airflow_dags_path(int limit, int offset);
char *airflow_pools_path(void);
char *airflow_log_path(const char *dag_id, const char *run_id, const char *task_id, int try_number);
/* The same log continued after a v2 continuation_token: ?token=T (what
 * came after the answer that gave T). */
char *airflow_log_next_path(const char *dag_id, const char *run_id, const char *task_id,
			    int try_number, const char *token);
char *airflow_trigger_path(const char *dag_id);
char *airflow_pause_path(const char *dag_id);
/* Bodies: the trigger ({"conf":{}}, a run id chosen by the server; v2
 * adds "logical_date":null, which its TriggerDAGRunPostBody asks for), the
 * pause toggle ({"is_paused":true}) and v2's token request
 * ({"username":U,"password":P}, escaped by jansson). */
char *airflow_trigger_body(enum airflow_api api);
char *airflow_token_body(const char *username, const char *password);
/* Clearing one task instance of a run and what follows it, as Airflow's UI
 * does: POST /dags/D/clearTaskInstances with {"dry_run":B,"task_ids":[T],
 * "dag_run_id":R,"only_failed":false,"include_downstream":true,
 * "reset_dag_runs":true}; the answer lists the task instances cleared (or
 * that would be, dry) and parses with airflow_parse_tis. */
char *airflow_clear_path(const char *dag_id);
char *airflow_clear_body(const char *run_id, const char *task_id, bool dry_run);
char *airflow_pause_body(bool paused);

#endif
