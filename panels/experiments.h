/* panels/experiments.h — private to the Experiments panel's files
 * (experiments.c: experiments and runs lists, commands; exp_run.c: run
 * detail, metric chart, compare, column chooser). One state struct; every
 * request the panel has in flight is in it and cancelled when its view is
 * left. */
#ifndef MLC_PANELS_EXPERIMENTS_H
#define MLC_PANELS_EXPERIMENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/mlflow/mlflowc.h"
#include "lib/core/preview.h"
#include "tui/panel.h"
#include "tui/textview.h"

enum xview {
	XV_EXPS,    /* experiments */
	XV_RUNS,    /* runs of one experiment, as a tree */
	XV_COLUMNS, /* c: choose metric/param columns */
	XV_RUN,	    /* run detail: sections as table rows */
	XV_CHART,   /* metric history chart (body) */
	XV_COMPARE, /* marked runs side by side */
	XV_PREVIEW, /* an artifact's first 64 KB (body) */
};

#define XP_MAXCOLS    8 /* automatic + chosen metric/param columns */
#define XP_MAXSERIES  8
#define XP_MAXCOMPARE 8

/* A row of the run detail page. */
struct drow {
	char section[16];  /* "info", "param", "metric", "tag", "input", "artifact" */
	char *key, *value; /* raw (sanitized when drawn) */
	long ref;	   /* metric: key index; artifact: file index; else -1 */
};

/* One key of the column chooser or the compare view. */
struct xkey {
	uint32_t key;
	bool metric; /* else param */
	int count;   /* runs that have it */
};

struct xp {
	bool opened;
	struct mlflowc c;
	bool have_client;
	enum xview view;
	unsigned long gen;

	/* experiments */
	struct mlflow_experiment_page exps;
	struct mlflowc_req *exps_req;
	const char *view_type; /* ACTIVE_ONLY, DELETED_ONLY, ALL */
	char exps_filter[256], exps_prev_filter[256];
	char exps_err[300];
	bool exps_loaded;

	/* runs of one experiment */
	char exp_id[64], exp_name[256];
	struct mlflow_keys keys;
	struct mlflow_run *runs;
	size_t nruns, capruns;
	int *rows; /* view row → run index (tree order) */
	uint8_t *depth;
	bool *last_child;
	bool *marked; /* per run index */
	int nmarked;
	struct mlflowc_load *load;
	bool runs_done, replace_on_page;
	int64_t load_t0;
	char run_filter[512], prev_filter[512];
	char order_by[128];
	char runs_err[300];
	struct xkey cols[XP_MAXCOLS];
	int ncols;
	bool cols_chosen; /* c was used: keep the user's columns */
	struct column colspec[8 + XP_MAXCOLS];
	char coltitle[XP_MAXCOLS][40];
	struct xkey *allkeys; /* column chooser / compare rows */
	int nallkeys;
	struct mlflowc_req *byname_req, *goto_req;

	/* run detail */
	int det_run; /* run index, or -1 for det (fetched by :run) */
	struct mlflow_run det;
	bool det_loaded;
	struct mlflowc_req *det_req, *art_req;
	struct mlflow_file_list arts;
	char art_path[512];
	struct drow *drows;
	int ndrows;

	/* chart */
	struct mlflowc_req *hist_req;
	struct mlflow_history hist[XP_MAXSERIES];
	char hist_label[XP_MAXSERIES][80];
	int nhist;
	uint32_t chart_key;
	int xmode;    /* 0 step, 1 wall time, 2 relative time */
	bool overlay; /* one metric of every marked run */
	char chart_err[300];

	/* compare */
	int cmp_runs[XP_MAXCOMPARE];
	int ncmp;
	bool show_equal;
	struct xkey *cmp_rows;
	int ncmp_rows, cmp_hidden;
	struct column cmp_cols[1 + XP_MAXCOMPARE];
	char cmp_title[XP_MAXCOMPARE][40];

	/* artifact preview */
	struct mlflowc_req *blob_req;
	struct preview pv;
	bool pv_loaded;
	struct textview tv;
	char pv_name[256];
};

extern struct xp X;

/* experiments.c */
const struct mlflow_run *xp_run(int idx);
void xp_bump(void);
void xp_set_view(enum xview v);

/* exp_run.c: the views below the runs list. */
void xp_detail_open(int run_idx);
void xp_detail_close(void);
void xp_detail_rebuild(void);
void xp_chart_open(uint32_t key, bool overlay);
void xp_chart_close(void);
bool xp_chart_body(struct canvas *cv);
void xp_compare_open(void);
void xp_compare_rebuild(void);
void xp_columns_open(void);
void xp_collect_keys(void);
void xp_preview_open(int file);
void xp_preview_close(void);
bool xp_preview_body(struct canvas *cv);
void xp_download(int file);
int xp_sub_on_key(int key, int row);
const struct column *xp_sub_columns(int *n);
int xp_sub_nrows(void);
void xp_sub_cell(int row, int col, struct cell *out);

#endif
