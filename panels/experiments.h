/* panels/experiments.h — private to the Experiments panel's files, one per
 * group of views: experiments.c (the panel, its commands, the experiments
 * list), exp_runs.c (the runs of one experiment) and exp_tree.c (their
 * parent/child order), exp_detail.c (a run's detail and its artifacts),
 * exp_chart.c (metric history), exp_compare.c (compare and the column
 * chooser), exp_preview.c (an artifact's head).
 * The panel's state (struct xp) is p->priv; each view's state is its own
 * priv. A view may borrow the priv of a view below it on the stack (the
 * runs list under a run's detail): views below outlive the views above. */
#ifndef MLC_PANELS_EXPERIMENTS_H
#define MLC_PANELS_EXPERIMENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/mlflow/mlflowc.h"
#include "mlflowp.h"
#include "tui/panel.h"
#include "tui/view.h"

#define XP_MAXCOLS    8 /* automatic + chosen metric/param columns */
#define XP_MAXSERIES  8
#define XP_MAXCOMPARE 8

/* The panel's state, p->priv from open to close: the client, the names
 * every run's keys are interned in, and the experiments list (kept here,
 * not in the root view, because :runs completes from it). */
struct xp {
	struct panel *p;
	const struct target *t; /* the server shown; NULL until one is chosen */
	struct mlp_clients cs;
	struct mlflow_keys keys;

	struct mlflow_experiment_page exps;
	struct mlflowc_req *exps_req;
	const char *view_type; /* ACTIVE_ONLY, DELETED_ONLY, ALL */
	char exps_filter[256], exps_prev_filter[256];
	char exps_err[300];
	bool exps_loaded;
	bool exps_user; /* the load in flight is the user's :filter */
	unsigned long exps_gen;

	struct mlflowc_req *byname_req, *goto_req; /* :runs, :run */
	int chart_xmode; /* x in a chart: 0 step, 1 wall time, 2 relative time */
};

/* One key of the column chooser or the compare view. */
struct xkey {
	uint32_t key;
	bool metric; /* else param */
	int count;   /* runs that have it */
};

/* The runs view's state: the runs of one experiment, loaded page by page,
 * in parent/child order. */
struct xp_runs {
	struct xp *x;
	struct view *view; /* the view whose priv this is */
	char exp_id[64], exp_name[256];
	bool exp_deleted; /* a deleted experiment: its runs are deleted too (ALL) */
	struct mlflow_run *runs;
	size_t nruns, capruns;
	int *rows; /* view row → run index (tree order) */
	uint8_t *depth;
	bool *last_child;
	bool *marked; /* per run index */
	int nmarked;
	struct mlflowc_load *load;
	bool done, replace_on_page;
	int64_t load_t0;
	char filter[512], prev_filter[512];
	char order_by[128], prev_order[128];
	int prev_sort_col; /* the local sort before a :filter or :order */
	bool prev_sort_desc;
	char follow[64];   /* the run the cursor stays on while a reload comes */
	size_t stopped_at; /* the loader stopped at its cap (mlflow_stopped_text) */
	char err[300];
	struct xkey cols[XP_MAXCOLS];
	int ncols;
	bool cols_chosen; /* c was used: keep the user's columns */
	struct column colspec[8 + XP_MAXCOLS];
	char coltitle[XP_MAXCOLS][40];
	unsigned long gen;
};

/* A row of the run detail page. */
struct drow {
	char section[16];  /* "info", "param", "metric", "tag", "input", "artifact" */
	char *key, *value; /* raw (sanitized when drawn) */
	long ref;	   /* metric: key index; artifact: file index (-2: up); else -1 */
};

/* The run detail view's state: a run of the list below (rs, idx) until
 * runs/get answers, or the run :run fetched (det_loaded from the start). */
struct xp_detail {
	struct xp *x;
	struct xp_runs *rs; /* borrowed from the runs view below; NULL with :run */
	int idx;
	struct mlflow_run det;
	bool det_loaded;
	struct mlflowc_req *det_req, *art_req;
	struct mlflow_file_list arts;
	char art_path[512];
	struct drow *drows;
	int ndrows;
	unsigned long gen;
};

/* experiments.c */
struct xp *xp_of(struct view *v);
/* The client of the server shown, made on first use; NULL while no server
 * is chosen (none configured, or several and none chosen yet). */
struct mlflowc *xp_client(struct xp *x);
/* The experiment's name from the loaded list, else NULL. */
const char *xp_exp_name(const struct xp *x, const char *id);
/* Whether the loaded list says experiment id is deleted. */
bool xp_exp_deleted(const struct xp *x, const char *id);
void xp_empty_no_target(char *out, size_t n);
/* The table hooks of a view that draws a body instead (chart, preview). */
const struct column *xp_page_columns(struct view *v, int *n);
int xp_page_nrows(struct view *v);
void xp_page_cell(struct view *v, int row, int col, struct cell *out);

/* exp_runs.c */
extern const struct view_ops xp_runs_view;
/* Pushes the runs of experiment id (name: NULL when not known) on p;
 * deleted: the experiment is deleted (its runs are listed with
 * run_view_type ALL and marked). */
struct xp_runs *xp_runs_push(struct panel *p, const char *id, const char *name, bool deleted);
const struct mlflow_run *xp_runs_get(const struct xp_runs *rs, int idx);
/* :filter and :order on the runs view: reload from the server. An order
 * replaces the local sort; a refused one puts back the filter, the order
 * and the sort in force before. */
void xp_runs_server_filter(struct xp_runs *rs, const char *expr);
void xp_runs_server_order(struct xp_runs *rs, const char *clause);
void xp_runs_bump(struct xp_runs *rs);
/* exp_tree.c: rows, depth and last_child from the runs loaded. */
void xp_runs_build_tree(struct xp_runs *rs);

/* exp_detail.c */
extern const struct view_ops xp_detail_view;
/* The detail of run idx of rs, or (rs NULL) of run, which it takes. */
void xp_detail_push(struct panel *p, struct xp_runs *rs, int idx, struct mlflow_run *run);
const struct mlflow_run *xp_detail_run(const struct xp_detail *d);

/* exp_chart.c */
extern const struct view_ops xp_chart_view, xp_overlay_view;
/* Metric key of d's run. */
void xp_chart_push(struct panel *p, struct xp_detail *d, uint32_t key);
/* Metric key of the n runs overlaid (copied: ids, names, their metrics). */
void xp_overlay_push(struct panel *p, uint32_t key, const struct mlflow_run *const *runs, int n);

/* exp_compare.c */
extern const struct view_ops xp_compare_view, xp_columns_view;
/* Every metric and param key of the loaded runs with the number of runs
 * that have it, most common first (metrics before params): *out is the
 * caller's to free (also the runs view's automatic columns). */
int xp_collect_keys(const struct xp_runs *rs, struct xkey **out);
void xp_compare_push(struct panel *p, struct xp_runs *rs);
void xp_columns_push(struct panel *p, struct xp_runs *rs);

/* exp_preview.c */
extern const struct view_ops xp_preview_view;
void xp_preview_push(struct panel *p, const struct mlflow_run *r, const char *path);

#endif
