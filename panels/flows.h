/* panels/flows.h — the Flows panel (digit 7, :flows): Prefect flow runs and
 * Airflow DAG runs in one table, a run's detail (state history, task runs
 * or task instances, parameters), its logs, and the actions on a run or a
 * DAG. One panel instance for the configured Prefect and Airflow targets
 * (either, or both). Shared between flows.c (state, loading, the runs
 * view), flows_detail.c, flows_log.c and flows_act.c. */
#ifndef MLC_PANELS_FLOWS_H
#define MLC_PANELS_FLOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "lib/airflow/airflowc.h"
#include "lib/prefect/prefectc.h"
#include "tui/panel.h"
#include "tui/view.h"

enum fl_backend { FB_PREFECT, FB_AIRFLOW };

/* A backend's load asks for at most this many pages: MAX_RUNS (1000) over
 * the smaller page (Airflow's 100). */
#define FL_PAGES_MAX 10

/* What a state means, whatever its backend calls it: the colour and the
 * `f` filters come from here. */
enum fl_class { FC_OK, FC_FAILED, FC_LATE, FC_RUNNING, FC_WAITING, FC_CANCELLED, FC_OTHER };

/* One run as the table shows it. Strings owned, raw (sanitized when drawn). */
struct fl_run {
	enum fl_backend be;
	char *id;	  /* Prefect flow run id; Airflow dag_run_id */
	char *flow;	  /* flow name (joined from flow_id) or DAG id */
	char *flow_id;	  /* Prefect only */
	char *dep_id;	  /* Prefect only: the deployment, NULL for an ad-hoc run */
	char *deployment; /* its name (joined) */
	char *name;	  /* run name; Airflow: the run id */
	char *state;	  /* the state's own name: Late, Retrying, upstream_failed */
	char *where;	  /* work pool/queue; Airflow: run type */
	char *params;	  /* JSON or NULL */
	char *tags;	  /* Prefect: space-separated, or NULL */
	char *message;	  /* the state's message, or NULL */
	enum fl_class cls;
	int64_t start_ms, expected_ms, end_ms;
	double dur_s; /* < 0: none */
};

/* The filters `f` cycles through. */
enum fl_filter { FF_ALL, FF_FAILED, FF_LATE, FF_RUNNING, FF_COUNT };

struct flows {
	struct panel *p;
	struct prefectc pc;
	struct airflowc ac;
	bool have_pc, have_ac;
	/* Each backend's runs as last loaded, and the merged list shown. */
	struct fl_run *pr, *ar;
	size_t npr, nar;
	/* Each backend's load: its pages, several in flight (flows_load.c). */
	struct fl_pager {
		struct flows *f;
		enum fl_backend be;
		int size;   /* a page's rows (Airflow: what the first page held) */
		int want;   /* the pages this load asks for: 1 until the first came */
		int asked;  /* pages [0, asked) asked for */
		int placed; /* pages [0, placed) are in p_acc (a_acc), in order */
		struct fl_page {
			struct fl_pager *pp;
			struct apireq *req, *flows_req, *deps_req; /* Prefect's page, its joins */
			struct airflowc_req *areq;		   /* Airflow's page */
			struct fl_run *runs; /* its rows until the pages before it are placed */
			size_t n;
			bool in; /* the page (and its joins) came */
		} pg[FL_PAGES_MAX];
	} p_pager, a_pager;
	struct fl_run *p_acc, *a_acc; /* pages loaded so far */
	size_t np_acc, na_acc;
	/* A first load shows its pages as they come: pr (ar) is then p_acc
	 * (a_acc) itself, not a list of its own, until the last page. */
	bool p_partial, a_partial;
	char p_err[256], a_err[256];
	bool p_loaded, a_loaded;
	/* Each backend's load as it goes (logged at debug level when its last
	 * page came): when it started, its pages, and the panel's own time
	 * spent on them (merge, rows, sort), in microseconds. */
	struct fl_clock {
		int64_t t0_us, work_us;
		int pages;
	} p_clk, a_clk;
	int64_t shown_ms; /* a first load's pages last drawn (mono_ms) */
	/* The rows of the runs view: indexes into pr then ar, filtered. */
	int *rows;
	int nrows;
	enum fl_filter filter;
	unsigned long gen;
	/* Auto refresh: the runs again every refresh_ms (the [prefect] or
	 * [airflow] refresh, the shorter; else 10 s) when nothing is in flight; the selected run
	 * (keep_be, keep_id) stays selected across the reload. */
	uv_timer_t *timer;
	long refresh_ms;
	enum fl_backend keep_be;
	char keep_id[128];
	/* The one write in flight, and what its dialog named. */
	struct apireq *w_req;
	struct airflowc_req *aw_req;
	enum fl_backend w_be;
	char w_target[64], w_call[300];
};

struct flows *fl_of(struct view *v);
void fl_bump(struct flows *f);
/* fl_bump, drawn at once rather than at the next frame (~30 a second): the
 * first rows of a load and its end. */
void fl_bump_now(struct flows *f);
/* Runs i of the merged list (pr, then ar), or NULL. */
const struct fl_run *fl_run_at(const struct flows *f, int i);
void fl_run_free(struct fl_run *r);
void fl_run_copy(struct fl_run *dst, const struct fl_run *src);
/* Both backends' runs again. */
void fl_load(struct flows *f);
/* Whether a load's pages are in flight (either backend). */
bool fl_loading(const struct flows *f);
/* The loads' requests cancelled and their pages freed (the panel closes). */
void fl_load_stop(struct flows *f);
const struct target *fl_target(enum fl_backend be);
const char *fl_backend_name(enum fl_backend be);

/* Cells: sanitized text or "-", a time (UTC), a duration. */
void fl_cell(struct cell *out, const char *raw, enum role role);
void fl_time(char *out, size_t n, int64_t ms);
void fl_dur(char *out, size_t n, double secs);
enum fl_class fl_prefect_class(const char *type, const char *name);
enum fl_class fl_airflow_class(const char *state);
enum role fl_class_role(enum fl_class c);

/* The MLflow run a run names (32 hex digits in its parameters, tags or
 * state message, as mlflow_run_id=… or runs:/ID/…): true with out set. */
bool fl_mlflow_run_id(const struct fl_run *r, char out[33]);
/* M on a run (runs, detail): opens that MLflow run in Experiments. */
int fl_a_mlflow(struct view *v, int row);

/* flows_detail.c: Enter on a run. */
extern const struct view_ops fl_detail_view;
void fl_detail_push(struct flows *f, const struct fl_run *r);
/* flows_log.c: l on a Prefect run, or on an Airflow task instance. */
extern const struct view_ops fl_log_view;
void fl_log_push_prefect(struct flows *f, const struct fl_run *r);
void fl_log_push_airflow(struct flows *f, const char *dag_id, const char *run_id,
			 const char *task_id, int try_number);
/* flows_lists.c: :deployments, :dags, :pools (commands of the panel). */
extern const struct view_ops fl_deployments_view, fl_dags_view, fl_pools_view;
int fl_cmd_deployments(struct panel *p, const char *args);
int fl_cmd_dags(struct panel *p, const char *args);
int fl_cmd_pools(struct panel *p, const char *args);
/* flows_pools.c: the :pools view's columns and cells (row over the Prefect
 * pools, then queues, then Airflow pools, then Airflow's components that
 * are present). */
const struct column *fl_pool_columns(int *n);
/* A count cell, sorted as a number; none when v < 0. */
void fl_num_cell(struct cell *out, long v, const char *none, enum role role);
void fl_pool_cell(const struct prefect_pools *pools, const struct prefect_pools *queues,
		  const struct airflow_pools *apools, const struct airflow_components *comp,
		  int row, int col, struct cell *out);
/* The head of the priv of every view that shows a run (the runs list, a
 * run's detail): how the write actions find the run a key is about. */
struct fl_vhead {
	const struct fl_run *(*run)(struct view *v, int row); /* NULL: none */
};

/* flows_act.c: the writes, each after a dialog, as action handlers of the
 * views whose priv starts with struct fl_vhead; FL_WRITE_ACTIONS are their
 * rows of an action table. */
int fl_a_cancel(struct view *v, int row);
int fl_a_retry(struct view *v, int row);
int fl_a_trigger(struct view *v, int row);
int fl_a_pause(struct view *v, int row);
int fl_a_unpause(struct view *v, int row);
void fl_act_close(struct flows *f);
/* N on a deployment: run it now (create_flow_run), after a dialog. */
int fl_act_create(struct flows *f, const char *deployment_id, const char *name);
/* X on a task instance: asks Airflow what clearing it would clear (a dry
 * run), shows that list in the dialog, and clears on yes. */
int fl_act_clear(struct flows *f, const char *dag_id, const char *run_id, const char *task_id);
/* clang-format off */
#define FL_ACT_W (ACT_F_WRITES | ACT_F_CONFIRM)
#define FL_WRITE_ACTIONS \
	{"cancel", "c", NULL, "Prefect: cancel the run (set_state CANCELLING)", FL_ACT_W, fl_a_cancel}, \
	{"retry", "R", NULL, "Prefect: retry the run (set_state SCHEDULED)", FL_ACT_W, fl_a_retry}, \
	{"trigger", "T", NULL, "Airflow: trigger a new run of the run's DAG", FL_ACT_W, fl_a_trigger}, \
	{"pause", "P", NULL, "Airflow: pause the run's DAG", FL_ACT_W, fl_a_pause}, \
	{"unpause", "U", NULL, "Airflow: unpause the run's DAG", FL_ACT_W, fl_a_unpause}
/* clang-format on */

/* flows_load.c: both backends' runs, merged into the rows of the runs
 * view by fl_rebuild (filtered by f->filter, newest first). */
void fl_rebuild(struct flows *f);
/* fl_rebuild without asking for a redraw (the next one shows it). */
void fl_rebuild_quiet(struct flows *f);
/* Remembers the run selected in the runs view (before its rows go). */
void fl_remember_selection(struct flows *f);
/* Starts the auto refresh timer (fl_open), stops and frees it (fl_close). */
void fl_refresh_start(struct flows *f);
void fl_refresh_stop(struct flows *f);
/* When a run started, or was expected to. */
int64_t fl_run_when(const struct fl_run *r);
void fl_runs_free(struct fl_run **v, size_t *n);
/* A copy of s, or NULL. */
char *fl_dup(const char *s);

#endif
