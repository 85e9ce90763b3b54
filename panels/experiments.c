/* panels/experiments.c — the Experiments panel (digit 4, :experiments):
 * experiments (active / deleted / all), Enter → the runs of one experiment
 * as a parent/child tree with the most common metric and param columns,
 * loaded page by page in the background (a small first page for the first
 * screen), :filter in MLflow's grammar sent to the server, :order for the
 * server's order_by, space marks runs for compare. The views below the
 * runs live in exp_run.c. Talks to MLflow only through lib/mlflowc; every
 * request of a view is cancelled when the view is left. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments.h"
#include "lib/core/log.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "tui/app.h"
#include "tui/canvas.h"

/* First page small for the first screen, then big pages (tests/bench). */
#define FIRST_PAGE 100
#define NEXT_PAGES 1000

struct xp X;

const struct mlflow_run *xp_run(int idx)
{
	return idx >= 0 && (size_t)idx < X.nruns ? &X.runs[idx] : NULL;
}

void xp_bump(void)
{
	X.gen++;
	app_dirty();
}

void xp_set_view(enum xview v)
{
	X.view = v;
	xp_bump();
}

static bool client(void)
{
	if (X.have_client)
		return true;
	const struct target *t = mlp_target();
	if (!t)
		return false;
	mlflowc_init(&X.c, t);
	X.have_client = true;
	return true;
}

/* ---- experiments --------------------------------------------------------- */

static void exps_done(void *res, const struct mlc_err *err, void *arg)
{
	X.exps_req = NULL;
	if (err && arg) {
		/* A :filter the server refused: say so, keep the rows and the
		 * filter they were loaded with. */
		app_message(ROLE_ERR, "%s", err->msg);
		snprintf(X.exps_filter, sizeof X.exps_filter, "%s", X.exps_prev_filter);
	} else if (err) {
		/* A load of its own: shown in the panel (detail line,
		 * placeholder), not on the message line, which may belong to
		 * the panel on screen. */
		snprintf(X.exps_err, sizeof X.exps_err, "%s", err->msg);
	} else {
		mlflow_experiment_page_free(&X.exps);
		X.exps = *(struct mlflow_experiment_page *)res;
		memset(res, 0, sizeof X.exps);
		X.exps_err[0] = '\0';
		X.exps_loaded = true;
	}
	xp_bump();
}

/* user: a :filter the user gave (its refusal is reported, not kept). */
static void exps_load_as(bool user)
{
	if (!client())
		return;
	mlflowc_cancel(X.exps_req);
	X.exps_req =
	    mlflowc_experiments(&X.c, X.view_type, X.exps_filter, exps_done, user ? &X : NULL);
	xp_bump();
}

static void exps_load(void)
{
	exps_load_as(false);
}

enum { E_ID, E_NAME, E_STAGE, E_UPDATED, E_LOCATION, E_TAGS, E_COUNT };
static const struct column exp_cols[E_COUNT] = {
    [E_ID] = {"ID", 2, 6, ALIGN_RIGHT, 0, true},
    [E_NAME] = {"NAME", 10, 32, ALIGN_LEFT, 0, false},
    [E_STAGE] = {"LIFECYCLE", 7, 9, ALIGN_LEFT, 3, false},
    [E_UPDATED] = {"LAST UPDATE", 11, 11, ALIGN_LEFT, 2, false},
    [E_LOCATION] = {"ARTIFACT LOCATION", 10, 30, ALIGN_LEFT, 4, false},
    [E_TAGS] = {"TAGS", 4, 0, ALIGN_LEFT, 5, false},
};

static void exp_cell(int row, int col, struct cell *out)
{
	const struct mlflow_experiment *e = &X.exps.items[row];
	char buf[512];
	switch (col) {
	case E_ID:
		mlp_cell(out, e->experiment_id, ROLE_DIM);
		break;
	case E_NAME:
		mlp_cell(out, e->name, ROLE_NORMAL);
		break;
	case E_STAGE:
		mlp_cell(out, e->lifecycle_stage,
			 e->lifecycle_stage && !strcmp(e->lifecycle_stage, "deleted") ? ROLE_WARN
										      : ROLE_DIM);
		break;
	case E_UPDATED:
		mlp_time(buf, sizeof buf,
			 e->last_update_time ? e->last_update_time : e->creation_time);
		mlp_cell(out, buf, ROLE_NORMAL);
		break;
	case E_LOCATION:
		mlp_cell(out, e->artifact_location, ROLE_DIM);
		break;
	case E_TAGS: {
		struct buf b;
		buf_init(&b);
		for (size_t i = 0; i < e->ntags && b.len < 400; i++)
			if (!str_starts(e->tags[i].key, "mlflow."))
				buf_printf(&b, "%s%s=%s", b.len ? " " : "", e->tags[i].key,
					   e->tags[i].value ? e->tags[i].value : "");
		mlp_cell(out, b.data, ROLE_NORMAL);
		buf_free(&b);
		break;
	}
	}
}

/* ---- runs ---------------------------------------------------------------- */

/* Drops the loaded runs. The key table stays: the run in the detail (from
 * :run) and the runs of the next listing index into it. */
static void runs_clear(void)
{
	mlflowc_load_cancel(X.load);
	X.load = NULL;
	for (size_t i = 0; i < X.nruns; i++)
		mlflow_run_free(&X.runs[i]);
	free(X.runs);
	free(X.rows);
	free(X.depth);
	free(X.last_child);
	free(X.marked);
	free(X.allkeys);
	X.runs = NULL;
	X.rows = NULL;
	X.depth = NULL;
	X.last_child = NULL;
	X.marked = NULL;
	X.allkeys = NULL;
	X.nallkeys = 0;
	X.nruns = X.capruns = 0;
	X.nmarked = 0;
	if (!X.cols_chosen)
		X.ncols = 0;
}

/* Parent/child order: roots in the server's order, each followed by its
 * children (depth-first, up to 8 levels); a child whose parent is not
 * loaded (yet) is a root. Flat when the user asked the server's order_by. */
static void build_tree(void)
{
	size_t n = X.nruns;
	X.rows = xrealloc(X.rows, (n ? n : 1) * sizeof *X.rows);
	X.depth = xrealloc(X.depth, n ? n : 1);
	X.last_child = xrealloc(X.last_child, (n ? n : 1) * sizeof *X.last_child);
	struct mlflow_keys ids;
	mlflow_keys_init(&ids);
	int *parent = xmalloc((n ? n : 1) * sizeof *parent);
	int *first = xmalloc((n ? n : 1) * sizeof *first);
	int *next = xmalloc((n ? n : 1) * sizeof *next);
	int *tail = xmalloc((n ? n : 1) * sizeof *tail);
	/* A server order is the order shown: no tree then. */
	bool aligned = !X.order_by[0];
	for (size_t i = 0; i < n; i++) {
		aligned &= mlflow_keys_intern(&ids, X.runs[i].run_id) == i;
		first[i] = next[i] = tail[i] = -1;
	}
	for (size_t i = 0; i < n; i++) {
		long p = aligned && X.runs[i].parent_run_id
			     ? mlflow_keys_find(&ids, X.runs[i].parent_run_id)
			     : -1;
		parent[i] = p >= 0 && (size_t)p != i ? (int)p : -1;
	}
	/* Break cycles: a run whose ancestry loops is a root. */
	for (size_t i = 0; i < n; i++) {
		int p = parent[i], steps = 0;
		while (p >= 0 && steps++ < 9)
			p = parent[p];
		if (p >= 0 || steps > 8)
			parent[i] = -1;
	}
	for (size_t i = 0; i < n; i++) {
		int p = parent[i];
		if (p < 0)
			continue;
		if (tail[p] < 0)
			first[p] = (int)i;
		else
			next[tail[p]] = (int)i;
		tail[p] = (int)i;
	}
	size_t o = 0;
	int stack[10];
	for (size_t i = 0; i < n; i++) {
		if (parent[i] >= 0)
			continue;
		int sp = 0, cur = (int)i;
		uint8_t d = 0;
		for (;;) {
			if (o >= n)
				break;
			X.rows[o] = cur;
			X.depth[o] = d;
			X.last_child[o] = d > 0 && next[cur] < 0;
			o++;
			if (first[cur] >= 0 && sp < 9) {
				stack[sp++] = cur;
				cur = first[cur];
				d++;
				continue;
			}
			while (cur >= 0 && next[cur] < 0 && sp > 0) {
				cur = stack[--sp];
				d--;
			}
			if (sp == 0 && (cur == (int)i || next[cur] < 0))
				break;
			cur = next[cur];
		}
	}
	if (o < n) {
		/* Safety net: whatever the walk missed shows as a root. */
		bool *seen = xcalloc(n, sizeof *seen);
		for (size_t i = 0; i < o; i++)
			seen[X.rows[i]] = true;
		for (size_t i = 0; i < n && o < n; i++)
			if (!seen[i]) {
				X.rows[o] = (int)i;
				X.depth[o] = 0;
				X.last_child[o++] = false;
			}
		free(seen);
	}
	free(parent);
	free(first);
	free(next);
	free(tail);
	mlflow_keys_free(&ids);
}

/* Picks the most common metric (3) and param (2) keys for columns. */
static void auto_columns(void)
{
	if (X.cols_chosen)
		return;
	xp_collect_keys();
	X.ncols = 0;
	for (int want = 0; want < 2; want++) {
		int lim = want == 0 ? 3 : 2;
		for (int k = 0; k < X.nallkeys && lim > 0; k++) {
			if (X.allkeys[k].metric != (want == 0))
				continue;
			X.cols[X.ncols++] = X.allkeys[k];
			lim--;
		}
	}
}

static void on_page(struct mlflow_run_page *p, bool last, const struct mlc_err *err, void *arg)
{
	if (last)
		X.load = NULL;
	if (err) {
		snprintf(X.runs_err, sizeof X.runs_err, "%s", err->msg);
		if (X.replace_on_page) {
			app_message(ROLE_ERR, "%s", err->msg);
			/* The new filter was refused: keep the rows of the old one. */
			snprintf(X.run_filter, sizeof X.run_filter, "%s", X.prev_filter);
			X.replace_on_page = false;
		}
		X.runs_done = true;
		xp_bump();
		return;
	}
	if (X.replace_on_page) {
		struct mlflowc_load *keep = X.load;
		X.load = NULL;
		runs_clear();
		X.load = keep;
		X.replace_on_page = false;
	}
	X.runs_err[0] = '\0';
	if (X.nruns + p->n > X.capruns) {
		X.capruns = MLC_MAX(X.capruns * 2, X.nruns + p->n);
		X.runs = xrealloc(X.runs, X.capruns * sizeof *X.runs);
		X.marked = xrealloc(X.marked, X.capruns * sizeof *X.marked);
	}
	memcpy(X.runs + X.nruns, p->items, p->n * sizeof *p->items);
	memset(X.marked + X.nruns, 0, p->n * sizeof *X.marked);
	X.nruns += p->n;
	free(p->items);
	p->items = NULL;
	p->n = 0;
	if (last && X.nruns && X.capruns > X.nruns) {
		/* Done growing: give back the doubling's slack. */
		X.capruns = X.nruns;
		X.runs = xrealloc(X.runs, X.capruns * sizeof *X.runs);
		X.marked = xrealloc(X.marked, X.capruns * sizeof *X.marked);
	}
	build_tree();
	if (X.nruns <= FIRST_PAGE || last)
		auto_columns();
	X.runs_done = last;
	if (last && X.load_t0)
		log_info("mlflow: %zu runs of experiment %s in %lld ms", X.nruns, X.exp_id,
			 (long long)(mono_ms() - X.load_t0));
	xp_bump();
}

static void runs_load(bool replace)
{
	if (!client())
		return;
	const char *ids[] = {X.exp_id};
	const char *order[] = {X.order_by};
	struct mlflow_runs_query q = {.experiment_ids = ids,
				      .nexp = 1,
				      .filter = X.run_filter,
				      .order_by = order,
				      .norder = X.order_by[0] ? 1 : 0,
				      .run_view_type = "ACTIVE_ONLY"};
	mlflowc_load_cancel(X.load);
	if (!replace)
		runs_clear();
	X.replace_on_page = replace;
	X.runs_done = false;
	X.load_t0 = mono_ms();
	X.load = mlflowc_runs_load(&X.c, &X.keys, &q, FIRST_PAGE, NEXT_PAGES, on_page, NULL);
	xp_bump();
}

static void runs_open(const char *id, const char *name)
{
	snprintf(X.exp_id, sizeof X.exp_id, "%s", id);
	snprintf(X.exp_name, sizeof X.exp_name, "%s", name ? name : id);
	X.run_filter[0] = X.order_by[0] = X.runs_err[0] = '\0';
	X.cols_chosen = false;
	X.ncols = 0;
	if (X.view == XV_EXPS)
		app_view_push();
	X.view = XV_RUNS;
	runs_load(false);
}

static void runs_leave(void)
{
	runs_clear();
	X.view = XV_EXPS;
	app_view_pop();
	xp_bump();
}

enum { R_NAME, R_STATUS, R_USER, R_START, R_DUR, R_SOURCE, R_FIXED };

static const struct column run_cols[R_FIXED] = {
    [R_NAME] = {"NAME", 12, 30, ALIGN_LEFT, 0, false},
    [R_STATUS] = {"STATUS", 8, 9, ALIGN_LEFT, 0, false},
    [R_USER] = {"USER", 4, 10, ALIGN_LEFT, 4, false},
    [R_START] = {"START", 11, 11, ALIGN_LEFT, 3, false},
    [R_DUR] = {"DURATION", 8, 8, ALIGN_RIGHT, 2, true},
    [R_SOURCE] = {"SOURCE", 6, 16, ALIGN_LEFT, 6, false},
};

static const struct column *runs_columns(int *n)
{
	memcpy(X.colspec, run_cols, sizeof run_cols);
	for (int i = 0; i < X.ncols; i++) {
		struct column *c = &X.colspec[R_FIXED + i];
		char *t = san_str(mlflow_keys_name(&X.keys, X.cols[i].key));
		snprintf(X.coltitle[i], sizeof X.coltitle[i], "%s", t);
		free(t);
		*c = (struct column){
		    X.coltitle[i],   6, 12, X.cols[i].metric ? ALIGN_RIGHT : ALIGN_LEFT, 5 + i,
		    X.cols[i].metric};
	}
	*n = R_FIXED + X.ncols;
	return X.colspec;
}

static void run_cell(int row, int col, struct cell *out)
{
	const struct mlflow_run *r = &X.runs[X.rows[row]];
	char buf[480];
	switch (col) {
	case R_NAME: {
		char *name = san_str(r->run_name ? r->run_name : r->run_id);
		const char *tree = X.depth[row] == 0   ? ""
				   : canvas_utf8()     ? (X.last_child[row] ? "└ " : "├ ")
				   : X.last_child[row] ? "` "
						       : "| ";
		snprintf(out->text, sizeof out->text, "%s%*s%s%s",
			 X.marked[X.rows[row]] ? (canvas_utf8() ? "● " : "* ") : "",
			 X.depth[row] > 1 ? 2 * (X.depth[row] - 1) : 0, "", tree, name);
		free(name);
		out->role = X.marked[X.rows[row]] ? ROLE_MARK : ROLE_NORMAL;
		break;
	}
	case R_STATUS:
		mlp_cell(out, mlflow_status_name(r->status), mlp_status_role(r->status));
		break;
	case R_USER:
		mlp_cell(out, r->user_id, ROLE_DIM);
		break;
	case R_START:
		mlp_time(buf, sizeof buf, r->start_time);
		mlp_cell(out, buf, ROLE_NORMAL);
		break;
	case R_DUR:
		if (r->end_time && r->start_time)
			fmt_age(buf, sizeof buf, (long)(r->end_time - r->start_time));
		else
			snprintf(buf, sizeof buf, r->status == MLFLOW_ST_RUNNING ? "running" : "-");
		mlp_cell(out, buf, ROLE_NORMAL);
		break;
	case R_SOURCE:
		mlp_cell(out, r->source_name, ROLE_DIM);
		break;
	default: {
		const struct xkey *k = &X.cols[col - R_FIXED];
		if (k->metric) {
			const struct mlflow_metric *m = mlflow_run_metric(r, k->key);
			if (m)
				mlflow_fmt_metric(buf, sizeof buf, m->value);
			mlp_cell(out, m ? buf : NULL, ROLE_NORMAL);
		} else {
			mlp_cell(out, mlflow_run_param(r, k->key), ROLE_NORMAL);
		}
	}
	}
}

/* ---- panel ops ------------------------------------------------------------- */

static void xp_open(struct panel *p)
{
	memset(&X, 0, sizeof X);
	X.view_type = "ACTIVE_ONLY";
	X.det_run = -1;
	mlflow_keys_init(&X.keys);
	X.opened = true;
}

static void xp_close(struct panel *p)
{
	xp_preview_close();
	xp_chart_close();
	xp_detail_close();
	runs_clear();
	mlflowc_cancel(X.exps_req);
	mlflowc_cancel(X.byname_req);
	mlflowc_cancel(X.goto_req);
	mlflow_experiment_page_free(&X.exps);
	mlflow_keys_free(&X.keys);
	free(X.cmp_rows);
	if (X.have_client)
		mlflowc_free(&X.c);
	memset(&X, 0, sizeof X);
}

static void xp_reload(struct panel *p)
{
	if (X.view == XV_EXPS)
		exps_load();
	else if (X.view == XV_RUNS)
		runs_load(true);
	else if (X.view == XV_RUN)
		xp_detail_open(X.det_run);
}

static const struct column *xp_columns(struct panel *p, int *n)
{
	if (X.view == XV_EXPS) {
		*n = E_COUNT;
		return exp_cols;
	}
	if (X.view == XV_RUNS)
		return runs_columns(n);
	return xp_sub_columns(n);
}

static int xp_nrows(struct panel *p)
{
	/* Loaded when first shown, not at startup. */
	if (X.view == XV_EXPS && !X.exps_loaded && !X.exps_req && !X.exps_err[0] && mlp_target())
		exps_load();
	if (X.view == XV_EXPS)
		return (int)X.exps.n;
	if (X.view == XV_RUNS)
		return (int)X.nruns;
	return xp_sub_nrows();
}

static void xp_cell(struct panel *p, int row, int col, struct cell *out)
{
	out->role = ROLE_NORMAL;
	out->text[0] = '\0';
	if (X.view == XV_EXPS && (size_t)row < X.exps.n)
		exp_cell(row, col, out);
	else if (X.view == XV_RUNS && (size_t)row < X.nruns)
		run_cell(row, col, out);
	else if (X.view != XV_EXPS && X.view != XV_RUNS)
		xp_sub_cell(row, col, out);
}

static unsigned long xp_generation(struct panel *p)
{
	return X.gen;
}

static void xp_crumb(struct panel *p, char *out, size_t n)
{
	const char *sep = mlp_sep();
	if (X.view == XV_EXPS) {
		const char *v = !strcmp(X.view_type, "ALL")	       ? " (all)"
				: !strcmp(X.view_type, "DELETED_ONLY") ? " (deleted)"
								       : "";
		snprintf(out, n, "Experiments%s%s%s%s", v, X.exps_filter[0] ? "  filter: " : "",
			 X.exps_filter, X.exps_req ? "  loading…" : "");
		return;
	}
	char progress[96] = "";
	if (X.load)
		snprintf(progress, sizeof progress, "  (%zu loaded %s)", X.nruns, canvas_spinner());
	else if (X.runs_done)
		snprintf(progress, sizeof progress, "  (%zu runs)", X.nruns);
	const struct mlflow_run *r = X.det_run >= 0 ? xp_run(X.det_run) : &X.det;
	const char *what = X.view == XV_RUNS	  ? "runs"
			   : X.view == XV_COLUMNS ? "columns"
			   : X.view == XV_COMPARE ? "compare"
			   : r && r->run_name	  ? r->run_name
			   : r && r->run_id	  ? r->run_id
						  : "run";
	const char *exp = X.exp_name;
	for (size_t i = 0; !strcmp(X.exp_name, X.exp_id) && i < X.exps.n; i++)
		if (!strcmp(X.exps.items[i].experiment_id, X.exp_id) && X.exps.items[i].name)
			exp = X.exps.items[i].name; /* :run came before the list */
	if (X.view == XV_CHART && X.overlay)
		what = "compare";
	snprintf(out, n, "Experiments%s%s%s%s%s%s%s%s", sep, exp, sep, what,
		 X.view == XV_CHART	? " › chart"
		 : X.view == XV_PREVIEW ? " › preview"
					: "",
		 X.run_filter[0] && X.view == XV_RUNS ? "  filter: " : "",
		 X.view == XV_RUNS ? X.run_filter : "", X.view == XV_RUNS ? progress : "");
}

static void xp_detail(struct panel *p, int row, char *out, size_t n, enum role *role)
{
	*role = ROLE_DIM;
	if (X.view == XV_EXPS && X.exps_err[0]) {
		snprintf(out, n, "%s", X.exps_err);
		*role = ROLE_ERR;
	} else if (X.view == XV_RUNS && X.runs_err[0]) {
		snprintf(out, n, "%s", X.runs_err);
		*role = ROLE_ERR;
	} else if (X.view == XV_RUNS && row >= 0 && (size_t)row < X.nruns) {
		const struct mlflow_run *r = &X.runs[X.rows[row]];
		if (X.nmarked)
			snprintf(out, n, "run %s  marked: %d (C compare)", r->run_id, X.nmarked);
		else
			snprintf(out, n, "run %s", r->run_id);
	} else if (X.view == XV_COMPARE) {
		snprintf(out, n, "%d equal rows %s (= to toggle)", X.cmp_hidden,
			 X.show_equal ? "shown" : "hidden");
	}
}

static const char *xp_hints(struct panel *p)
{
	switch (X.view) {
	case XV_EXPS:
		return "<enter> runs  / filter  :filter server  v active/deleted/all  r refresh  "
		       "? help";
	case XV_RUNS:
		return "<enter> detail  <space> mark  C compare  c columns  s sort  O server order "
		       " "
		       ":filter  <esc> back";
	case XV_COLUMNS:
		return "<space> toggle column  <esc> back";
	case XV_RUN:
		return "<enter> chart/open  m chart  p preview  d download  <esc> back";
	case XV_CHART:
		return "m next metric  + add metric  x step/time  <esc> back";
	case XV_COMPARE:
		return "= show equal rows  o overlay a metric  <esc> back";
	case XV_PREVIEW:
		return "j/k scroll  h/l left/right  <esc> back";
	}
	return "";
}

static void xp_empty(struct panel *p, char *out, size_t n)
{
	if (!mlp_target()) {
		snprintf(out, n, "no MLflow configured: set MLFLOW_TRACKING_URI or [mlflow] url");
		return;
	}
	if (X.view == XV_EXPS)
		snprintf(out, n, "%s",
			 X.exps_err[0] ? X.exps_err
			 : X.exps_req  ? "loading…"
				       : "no experiments");
	else if (X.view == XV_RUNS)
		snprintf(out, n, "%s",
			 X.runs_err[0] ? X.runs_err
			 : X.load      ? "loading…"
				       : "no runs match");
	else
		snprintf(out, n, "%s", "nothing to show");
}

/* O: the server's order_by for the runs (MLflow sorts by one clause:
 * attributes.start_time, metrics.`auc` DESC, params.lr ASC). */
static void order_given(void *arg, const char *text)
{
	if (!text || X.view != XV_RUNS)
		return;
	snprintf(X.order_by, sizeof X.order_by, "%s", text);
	runs_load(true);
}

static void mark(int row)
{
	if (row < 0 || (size_t)row >= X.nruns)
		return;
	int i = X.rows[row];
	X.marked[i] = !X.marked[i];
	X.nmarked += X.marked[i] ? 1 : -1;
	xp_bump();
}

static int xp_on_key(struct panel *p, int key, int row)
{
	bool enter = key == '\n' || key == '\r';
	if (X.view == XV_EXPS) {
		if (enter && row >= 0 && (size_t)row < X.exps.n) {
			runs_open(X.exps.items[row].experiment_id, X.exps.items[row].name);
			return P_HANDLED | P_RELOAD;
		}
		if (key == 'v') {
			X.view_type = !strcmp(X.view_type, "ACTIVE_ONLY")    ? "DELETED_ONLY"
				      : !strcmp(X.view_type, "DELETED_ONLY") ? "ALL"
									     : "ACTIVE_ONLY";
			exps_load();
			return P_HANDLED | P_RELOAD;
		}
		return P_IGNORED;
	}
	if (X.view == XV_RUNS) {
		if (enter && row >= 0 && (size_t)row < X.nruns) {
			app_view_push();
			xp_detail_open(X.rows[row]);
			return P_HANDLED | P_RELOAD;
		}
		if (key == ' ') {
			mark(row);
			return P_HANDLED | P_REDRAW;
		}
		if (key == 'C') {
			if (X.nmarked < 2) {
				app_message(ROLE_WARN, "mark two runs or more with <space> first");
				return P_HANDLED;
			}
			app_view_push();
			xp_compare_open();
			return P_HANDLED | P_RELOAD;
		}
		if (key == 'c') {
			app_view_push();
			xp_columns_open();
			return P_HANDLED | P_RELOAD;
		}
		if (key == 'O') {
			char initial[160];
			if (X.order_by[0])
				snprintf(initial, sizeof initial, "%s", X.order_by);
			else if (X.ncols && X.cols[0].metric)
				snprintf(initial, sizeof initial, "metrics.`%s` DESC",
					 mlflow_keys_name(&X.keys, X.cols[0].key));
			else
				snprintf(initial, sizeof initial, "attributes.start_time DESC");
			char *safe = san_str(initial);
			app_input("order by (server): ", safe, order_given, NULL);
			free(safe);
			return P_HANDLED | P_REDRAW;
		}
		if (key == 27 || key == 'q') {
			runs_leave();
			return P_HANDLED | P_RELOAD;
		}
		return P_IGNORED;
	}
	return xp_sub_on_key(key, row);
}

/* ---- commands ---------------------------------------------------------------- */

static void byname_done(void *res, const struct mlc_err *err, void *arg)
{
	X.byname_req = NULL;
	if (err) {
		app_message(ROLE_ERR, "%s", err->msg);
		return;
	}
	struct mlflow_experiment *e = res;
	if (X.view != XV_EXPS) {
		xp_preview_close();
		xp_chart_close();
		xp_detail_close();
		runs_clear();
		X.view = XV_EXPS;
	}
	runs_open(e->experiment_id, e->name);
}

/* :run ID — a run's detail from elsewhere (Models → a version's run). */
static void goto_done(void *res, const struct mlc_err *err, void *arg)
{
	X.goto_req = NULL;
	if (err) {
		app_message(ROLE_ERR, "%s", err->msg);
		return;
	}
	struct mlflow_run *r = res;
	const char *name = NULL;
	for (size_t i = 0; i < X.exps.n; i++)
		if (r->experiment_id && !strcmp(X.exps.items[i].experiment_id, r->experiment_id))
			name = X.exps.items[i].name;
	if (X.view != XV_EXPS) {
		xp_preview_close();
		xp_chart_close();
		xp_detail_close();
		runs_clear();
		X.view = XV_EXPS;
	}
	if (!name && !X.exps_loaded && !X.exps_req)
		exps_load(); /* for the experiment's name in the breadcrumb */
	runs_open(r->experiment_id ? r->experiment_id : "0", name);
	app_view_push();
	/* This is runs/get already: the detail only lists the artifacts. */
	mlflow_run_free(&X.det);
	X.det = *r;
	memset(r, 0, sizeof *r);
	X.det_loaded = true;
	xp_detail_open(-1);
}

static bool xp_command(struct panel *p, const char *cmd, const char *args)
{
	if (!strcmp(cmd, "filter")) {
		if (X.view == XV_EXPS) {
			snprintf(X.exps_prev_filter, sizeof X.exps_prev_filter, "%s",
				 X.exps_filter);
			snprintf(X.exps_filter, sizeof X.exps_filter, "%s", args);
			exps_load_as(true);
			return true;
		}
		if (X.view == XV_RUNS) {
			snprintf(X.prev_filter, sizeof X.prev_filter, "%s", X.run_filter);
			snprintf(X.run_filter, sizeof X.run_filter, "%s", args);
			runs_load(true);
			return true;
		}
		return false;
	}
	if (!strcmp(cmd, "order") && X.view == XV_RUNS) {
		snprintf(X.order_by, sizeof X.order_by, "%s", args);
		runs_load(true);
		return true;
	}
	if (!strcmp(cmd, "runs") || !strcmp(cmd, "run")) {
		if (!*args) {
			app_message(ROLE_ERR, "usage: %s %s", cmd,
				    cmd[3] ? "EXPERIMENT-NAME" : "RUN-ID");
			return true;
		}
		if (!client()) {
			app_message(ROLE_ERR, "no MLflow configured");
			return true;
		}
		if (cmd[3]) {
			mlflowc_cancel(X.byname_req);
			X.byname_req = mlflowc_experiment_by_name(&X.c, args, byname_done, NULL);
		} else {
			mlflowc_cancel(X.goto_req);
			X.goto_req = mlflowc_run_get(&X.c, &X.keys, args, goto_done, NULL);
		}
		return true;
	}
	return false;
}

/* y: the experiment's id and name, a run's id, a detail row's value. The
 * shell sanitizes nothing here: copy only sanitized text. */
static void xp_copy(struct panel *p, int row, char *out, size_t n)
{
	const char *raw = NULL;
	if (X.view == XV_EXPS && row >= 0 && (size_t)row < X.exps.n)
		raw = X.exps.items[row].experiment_id;
	else if (X.view == XV_RUNS && row >= 0 && (size_t)row < X.nruns)
		raw = X.runs[X.rows[row]].run_id;
	else if (X.view == XV_RUN && row >= 0 && row < X.ndrows)
		raw = X.drows[row].value;
	if (raw)
		san_into(out, n, raw, strlen(raw));
}

static const char *const xp_commands[] = {"filter", "order", "runs", "run", NULL};
static const char *const xp_help[] = {
    "v",
    "experiments: active / deleted / all",
    ":filter EXPR",
    "send MLflow's filter grammar to the server (runs: metrics.auc > 0.8 and "
    "params.lr = '0.01')",
    "O, :order CLAUSE",
    "server-side order (metrics.val_auc DESC, attributes.start_time)",
    ":runs NAME",
    "open an experiment's runs",
    ":run ID",
    "open a run",
    "<space>",
    "runs: mark a run for compare",
    "C",
    "compare the marked runs (= shows equal rows, o overlays a metric)",
    "c",
    "runs: choose the metric and param columns",
    "m",
    "run: metric chart (x: step / wall time / relative time, + adds a metric)",
    "p / d",
    "run: preview / download the selected artifact",
    NULL};

static bool xp_body(struct panel *p, struct canvas *cv)
{
	if (X.view == XV_CHART)
		return xp_chart_body(cv);
	if (X.view == XV_PREVIEW)
		return xp_preview_body(cv);
	return false;
}

static const struct panel_ops experiments_ops = {
    .name = "experiments",
    .title = "Experiments",
    .digit = 4,
    .open = xp_open,
    .close = xp_close,
    .reload = xp_reload,
    .columns = xp_columns,
    .nrows = xp_nrows,
    .cell = xp_cell,
    .crumb = xp_crumb,
    .detail = xp_detail,
    .hints = xp_hints,
    .on_key = xp_on_key,
    .empty_text = xp_empty,
    .generation = xp_generation,
    .copy_text = xp_copy,
    .body = xp_body,
    .command = xp_command,
    .commands = xp_commands,
    .help = xp_help,
};

struct panel experiments_panel = {.ops = &experiments_ops};
