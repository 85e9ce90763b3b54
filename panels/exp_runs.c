/* panels/exp_runs.c — the runs of one experiment as a parent/child tree
 * with the most common metric and param columns, loaded page by page in
 * the background (a small first page for the first screen); :filter and
 * :order (O) go to the server, space marks runs for compare (C), c chooses
 * the columns. State: struct xp_runs, the view's priv; the load is
 * cancelled when the view closes. */
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
#include "tui/glyph.h"

/* First page small for the first screen, then big pages (tests/bench). */
#define FIRST_PAGE 100
#define NEXT_PAGES 1000

const struct mlflow_run *xp_runs_get(const struct xp_runs *rs, int idx)
{
	return rs && idx >= 0 && (size_t)idx < rs->nruns ? &rs->runs[idx] : NULL;
}

void xp_runs_bump(struct xp_runs *rs)
{
	rs->gen++;
	app_dirty();
}

/* Picks the most common metric (3) and param (2) keys for columns. */
static void auto_columns(struct xp_runs *rs)
{
	if (rs->cols_chosen)
		return;
	struct xkey *all;
	int n = xp_collect_keys(rs, &all);
	rs->ncols = 0;
	for (int want = 0; want < 2; want++) {
		int lim = want == 0 ? 3 : 2;
		for (int k = 0; k < n && lim > 0; k++) {
			if (all[k].metric != (want == 0))
				continue;
			rs->cols[rs->ncols++] = all[k];
			lim--;
		}
	}
	free(all);
}

/* ---- loading ------------------------------------------------------------- */

/* Drops the loaded runs (the load too). The key table stays: it is the
 * panel's, and the next listing indexes into it. */
static void runs_clear(struct xp_runs *rs)
{
	mlflowc_load_cancel(rs->load);
	rs->load = NULL;
	for (size_t i = 0; i < rs->nruns; i++)
		mlflow_run_free(&rs->runs[i]);
	free(rs->runs);
	free(rs->rows);
	free(rs->depth);
	free(rs->last_child);
	free(rs->marked);
	rs->runs = NULL;
	rs->rows = NULL;
	rs->depth = NULL;
	rs->last_child = NULL;
	rs->marked = NULL;
	rs->nruns = rs->capruns = 0;
	rs->nmarked = 0;
	if (!rs->cols_chosen)
		rs->ncols = 0;
}

static void runs_append(struct xp_runs *rs, struct mlflow_run_page *p, bool last)
{
	if (rs->nruns + p->n > rs->capruns) {
		rs->capruns = MLC_MAX(rs->capruns * 2, rs->nruns + p->n);
		rs->runs = xrealloc(rs->runs, rs->capruns * sizeof *rs->runs);
		rs->marked = xrealloc(rs->marked, rs->capruns * sizeof *rs->marked);
	}
	memcpy(rs->runs + rs->nruns, p->items, p->n * sizeof *p->items);
	memset(rs->marked + rs->nruns, 0, p->n * sizeof *rs->marked);
	rs->nruns += p->n;
	free(p->items);
	p->items = NULL;
	p->n = 0;
	if (last && rs->nruns && rs->capruns > rs->nruns) {
		/* Done growing: give back the doubling's slack. */
		rs->capruns = rs->nruns;
		rs->runs = xrealloc(rs->runs, rs->capruns * sizeof *rs->runs);
		rs->marked = xrealloc(rs->marked, rs->capruns * sizeof *rs->marked);
	}
}

/* The tree row of run id, or -1. */
static int row_of_run(const struct xp_runs *rs, const char *id)
{
	for (size_t i = 0; id[0] && i < rs->nruns; i++)
		if (!strcmp(rs->runs[rs->rows[i]].run_id, id))
			return (int)i;
	return -1;
}

/* The id of the run under the cursor into out ("" when none): the row a
 * page just selected when the table has not caught up with it yet. */
static void selected_id(const struct xp_runs *rs, char *out, size_t n)
{
	int row = !rs->view			     ? -1
		  : rs->view->table.restore_row >= 0 ? rs->view->table.restore_row
						     : table_selected(&rs->view->table);
	snprintf(out, n, "%s",
		 row >= 0 && (size_t)row < rs->nruns ? rs->runs[rs->rows[row]].run_id : "");
}

/* A :filter or :order the server refused: its message, and the filter,
 * order and local sort in force before it, over the rows still shown. */
static void refused(struct xp_runs *rs, const struct mlc_err *err)
{
	app_message(ROLE_ERR, "%s", err->msg);
	snprintf(rs->filter, sizeof rs->filter, "%s", rs->prev_filter);
	snprintf(rs->order_by, sizeof rs->order_by, "%s", rs->prev_order);
	table_sort_by(&rs->view->table, rs->prev_sort_col, rs->prev_sort_desc);
	rs->replace_on_page = false;
	rs->follow[0] = '\0';
	xp_runs_build_tree(rs);
}

static void on_page(struct mlflow_run_page *p, bool last, const struct mlc_err *err, void *arg)
{
	struct xp_runs *rs = arg;
	if (last)
		rs->load = NULL;
	if (err) {
		if (rs->replace_on_page)
			refused(rs, err);
		else
			snprintf(rs->err, sizeof rs->err, "%s", err->msg);
		rs->done = true;
		xp_runs_bump(rs);
		return;
	}
	/* The cursor stays on its run: the tree order moves rows as pages
	 * come, and a reload brings them back in another order. */
	char sel[64];
	if (rs->follow[0])
		snprintf(sel, sizeof sel, "%s", rs->follow);
	else
		selected_id(rs, sel, sizeof sel);
	if (rs->replace_on_page) {
		struct mlflowc_load *keep = rs->load;
		rs->load = NULL;
		runs_clear(rs);
		rs->load = keep;
		rs->replace_on_page = false;
	}
	rs->err[0] = '\0';
	if (last)
		rs->stopped_at = p->stopped_at;
	runs_append(rs, p, last);
	xp_runs_build_tree(rs);
	int row = row_of_run(rs, sel);
	if (row >= 0) {
		view_select_row(rs->view, row);
		rs->follow[0] = '\0';
	} else if (last) {
		rs->follow[0] = '\0';
	} else {
		snprintf(rs->follow, sizeof rs->follow, "%s", sel);
	}
	if (rs->nruns <= FIRST_PAGE || last)
		auto_columns(rs);
	rs->done = last;
	if (last && rs->load_t0)
		log_info("mlflow: %zu runs of experiment %s in %lld ms", rs->nruns, rs->exp_id,
			 (long long)(mono_ms() - rs->load_t0));
	xp_runs_bump(rs);
}

/* replace: keep the rows shown until the first page of the new load. */
static void runs_load(struct xp_runs *rs, bool replace)
{
	struct mlflowc *c = xp_client(rs->x);
	if (!c)
		return;
	const char *ids[] = {rs->exp_id};
	const char *order[] = {rs->order_by};
	struct mlflow_runs_query q = {.experiment_ids = ids,
				      .nexp = 1,
				      .filter = rs->filter,
				      .order_by = order,
				      .norder = rs->order_by[0] ? 1 : 0,
				      /* a deleted experiment's runs are deleted */
				      .run_view_type = rs->exp_deleted ? "ALL" : "ACTIVE_ONLY"};
	mlflowc_load_cancel(rs->load);
	rs->load = NULL;
	if (!replace)
		runs_clear(rs);
	rs->replace_on_page = replace;
	rs->stopped_at = 0;
	rs->done = false;
	rs->load_t0 = mono_ms();
	rs->load = mlflowc_runs_load(c, &rs->x->keys, &q, FIRST_PAGE, NEXT_PAGES, on_page, rs);
	xp_runs_bump(rs);
}

/* What a refused :filter or :order puts back. */
static void save_state(struct xp_runs *rs)
{
	snprintf(rs->prev_filter, sizeof rs->prev_filter, "%s", rs->filter);
	snprintf(rs->prev_order, sizeof rs->prev_order, "%s", rs->order_by);
	rs->prev_sort_col = rs->view->table.sort_col;
	rs->prev_sort_desc = rs->view->table.sort_desc;
}

void xp_runs_server_filter(struct xp_runs *rs, const char *expr)
{
	save_state(rs);
	snprintf(rs->filter, sizeof rs->filter, "%s", expr);
	runs_load(rs, true);
}

void xp_runs_server_order(struct xp_runs *rs, const char *clause)
{
	save_state(rs);
	snprintf(rs->order_by, sizeof rs->order_by, "%s", clause);
	/* The server's order is the one shown: no local sort over it. */
	table_sort_by(&rs->view->table, -1, false);
	runs_load(rs, true);
}

struct xp_runs *xp_runs_push(struct panel *p, const char *id, const char *name, bool deleted)
{
	struct xp_runs *rs = xcalloc(1, sizeof *rs);
	rs->x = p->priv;
	rs->exp_deleted = deleted;
	snprintf(rs->exp_id, sizeof rs->exp_id, "%s", id);
	snprintf(rs->exp_name, sizeof rs->exp_name, "%s", name ? name : "");
	rs->view = view_push(p, &xp_runs_view, rs);
	if (!rs->view) {
		free(rs);
		return NULL;
	}
	runs_load(rs, false);
	return rs;
}

static void runs_close(struct view *v)
{
	struct xp_runs *rs = v->priv;
	runs_clear(rs);
	free(rs);
}

/* ---- rows and cells ---------------------------------------------------------- */

enum { R_NAME, R_STATUS, R_USER, R_START, R_DUR, R_SOURCE, R_FIXED };

static const struct column run_cols[R_FIXED] = {
    [R_NAME] = {"NAME", 12, 30, ALIGN_LEFT, 0, false},
    [R_STATUS] = {"STATUS", 8, 9, ALIGN_LEFT, 0, false},
    [R_USER] = {"USER", 4, 10, ALIGN_LEFT, 4, false},
    [R_START] = {"START", 11, 11, ALIGN_LEFT, 3, false},
    [R_DUR] = {"DURATION", 8, 8, ALIGN_RIGHT, 2, true},
    [R_SOURCE] = {"SOURCE", 6, 16, ALIGN_LEFT, 6, false},
};

static const struct column *runs_columns(struct view *v, int *n)
{
	struct xp_runs *rs = v->priv;
	memcpy(rs->colspec, run_cols, sizeof run_cols);
	for (int i = 0; i < rs->ncols; i++) {
		struct column *c = &rs->colspec[R_FIXED + i];
		char *t = san_str(mlflow_keys_name(&rs->x->keys, rs->cols[i].key));
		snprintf(rs->coltitle[i], sizeof rs->coltitle[i], "%s", t);
		free(t);
		*c = (struct column){
		    rs->coltitle[i],   6, 12, rs->cols[i].metric ? ALIGN_RIGHT : ALIGN_LEFT, 5 + i,
		    rs->cols[i].metric};
	}
	*n = R_FIXED + rs->ncols;
	return rs->colspec;
}

static int runs_nrows(struct view *v)
{
	return (int)((struct xp_runs *)v->priv)->nruns;
}

static unsigned long runs_generation(struct view *v)
{
	return ((struct xp_runs *)v->priv)->gen;
}

/* Sorted locally, the rows are a flat list: no connectors (they would
 * hang children under other parents). */
static bool runs_flat(const struct xp_runs *rs)
{
	return rs->view && rs->view->table.sort_col >= 0;
}

/* The name, indented with connectors in the tree, marked; sorted by the
 * name alone. A deleted run (of a deleted experiment) says so. */
static void name_cell(const struct xp_runs *rs, int row, struct cell *out)
{
	const struct mlflow_run *r = &rs->runs[rs->rows[row]];
	bool marked = rs->marked[rs->rows[row]];
	char *name = san_str(r->run_name ? r->run_name : r->run_id);
	int depth = runs_flat(rs) ? 0 : rs->depth[row];
	const char *tree = depth == 0 ? "" : glyph(rs->last_child[row] ? G_TREE_END : G_TREE_MID);
	snprintf(out->text, sizeof out->text, "%s%*s%s%s%s", marked ? glyph(G_MARKED) : "",
		 depth > 1 ? 2 * (depth - 1) : 0, "", tree, name, r->deleted ? " (deleted)" : "");
	snprintf(out->sort, sizeof out->sort, "%s", name);
	free(name);
	out->role = marked ? ROLE_MARK : r->deleted ? ROLE_WARN : ROLE_NORMAL;
}

static void key_cell(const struct xp_runs *rs, const struct mlflow_run *r, const struct xkey *k,
		     struct cell *out)
{
	char buf[64];
	if (k->metric) {
		const struct mlflow_metric *m = mlflow_run_metric(r, k->key);
		if (m)
			mlflow_fmt_metric(buf, sizeof buf, m->value);
		mlp_cell(out, m ? buf : NULL, ROLE_NORMAL);
		out->has_num = m != NULL;
		out->num = m ? m->value : 0;
	} else {
		mlp_cell(out, mlflow_run_param(r, k->key), ROLE_NORMAL);
	}
}

static void runs_cell(struct view *v, int row, int col, struct cell *out)
{
	struct xp_runs *rs = v->priv;
	if (row < 0 || (size_t)row >= rs->nruns)
		return;
	const struct mlflow_run *r = &rs->runs[rs->rows[row]];
	char buf[64];
	switch (col) {
	case R_NAME:
		name_cell(rs, row, out);
		break;
	case R_STATUS:
		mlp_cell(out, mlflow_status_name(r->status), mlp_status_role(r->status));
		break;
	case R_USER:
		mlp_cell(out, r->user_id, ROLE_DIM);
		break;
	case R_START:
		mlp_time_cell(out, r->start_time, ROLE_NORMAL);
		break;
	case R_DUR:
		if (r->end_time && r->start_time)
			fmt_age(buf, sizeof buf, (long)(r->end_time - r->start_time));
		else
			snprintf(buf, sizeof buf, r->status == MLFLOW_ST_RUNNING ? "running" : "-");
		mlp_cell(out, buf, ROLE_NORMAL);
		/* "10m30s" sorts by its milliseconds, not by the 10 it starts with */
		out->has_num = r->end_time && r->start_time;
		out->num = (double)(r->end_time - r->start_time);
		break;
	case R_SOURCE:
		mlp_cell(out, r->source_name, ROLE_DIM);
		break;
	default:
		if (col - R_FIXED < rs->ncols)
			key_cell(rs, r, &rs->cols[col - R_FIXED], out);
	}
}

/* The experiment's name (from the list when :run came before it). */
static void runs_title(struct view *v, char *out, size_t n)
{
	struct xp_runs *rs = v->priv;
	const char *name = rs->exp_name[0] ? rs->exp_name : xp_exp_name(rs->x, rs->exp_id);
	snprintf(out, n, "%s", name ? name : rs->exp_id);
}

/* Right of the breadcrumb: the server's filter and order, the progress. */
static void runs_status(struct view *v, char *out, size_t n)
{
	struct xp_runs *rs = v->priv;
	struct buf b;
	buf_init(&b);
	if (rs->filter[0])
		buf_printf(&b, "server filter: %s", rs->filter);
	/* Either order shows a flat list: say so, the tree is gone. */
	if (rs->order_by[0])
		buf_printf(&b, "%sserver order: %s (flat)", b.len ? "  " : "", rs->order_by);
	else if (runs_flat(rs))
		buf_printf(&b, "%ssorted: flat list", b.len ? "  " : "");
	if (rs->load)
		buf_printf(&b, "%s%zu loaded %s", b.len ? "  " : "", rs->nruns, canvas_spinner());
	else if (rs->done)
		buf_printf(&b, "%s%zu runs", b.len ? "  " : "", rs->nruns);
	if (rs->stopped_at) {
		char t[100];
		mlp_stopped(t, sizeof t, rs->stopped_at);
		buf_printf(&b, " %s", t);
	}
	snprintf(out, n, "%s", b.len ? b.data : "");
	buf_free(&b);
}

static void runs_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	struct xp_runs *rs = v->priv;
	*role = ROLE_DIM;
	if (rs->err[0]) {
		snprintf(out, n, "%s", rs->err);
		*role = ROLE_ERR;
	} else if (rs->stopped_at) {
		mlp_stopped_detail(out, n, rs->stopped_at, "metrics.val_auc > 0.9");
		*role = ROLE_WARN;
	} else if (row >= 0 && (size_t)row < rs->nruns) {
		const struct mlflow_run *r = &rs->runs[rs->rows[row]];
		if (rs->nmarked)
			snprintf(out, n, "run %s  marked: %d (C compare)", r->run_id, rs->nmarked);
		else
			snprintf(out, n, "run %s", r->run_id);
	}
}

static void runs_empty(struct view *v, char *out, size_t n)
{
	struct xp_runs *rs = v->priv;
	if (!rs->x->t)
		xp_empty_no_target(out, n);
	else
		snprintf(out, n, "%s",
			 rs->err[0] ? rs->err
			 : rs->load ? "loading…"
				    : "no runs match");
}

/* y: the run's id. */
static void runs_copy(struct view *v, int row, char *out, size_t n)
{
	struct xp_runs *rs = v->priv;
	if (row >= 0 && (size_t)row < rs->nruns)
		san_into(out, n, rs->runs[rs->rows[row]].run_id,
			 strlen(rs->runs[rs->rows[row]].run_id));
}

static void runs_reload(struct view *v)
{
	struct xp_runs *rs = v->priv;
	selected_id(rs, rs->follow, sizeof rs->follow);
	runs_load(rs, true);
}

/* ---- actions ------------------------------------------------------------------ */

static int runs_open(struct view *v, int row)
{
	struct xp_runs *rs = v->priv;
	if ((size_t)row >= rs->nruns)
		return P_IGNORED;
	xp_detail_push(v->panel, rs, rs->rows[row], NULL);
	return P_REDRAW;
}

static int runs_mark(struct view *v, int row)
{
	struct xp_runs *rs = v->priv;
	if ((size_t)row >= rs->nruns)
		return P_IGNORED;
	int i = rs->rows[row];
	rs->marked[i] = !rs->marked[i];
	rs->nmarked += rs->marked[i] ? 1 : -1;
	xp_runs_bump(rs);
	return P_REDRAW;
}

static int runs_compare(struct view *v, int row)
{
	struct xp_runs *rs = v->priv;
	if (rs->nmarked < 2) {
		app_message(ROLE_WARN, "mark two runs or more with <space> first");
		return P_REDRAW;
	}
	if (rs->replace_on_page) {
		/* the marks go with the rows the next page replaces */
		app_message(ROLE_DIM, "the runs are reloading: compare when they are back");
		return P_REDRAW;
	}
	xp_compare_push(v->panel, rs);
	return P_REDRAW;
}

static int runs_columns_open(struct view *v, int row)
{
	xp_columns_push(v->panel, v->priv);
	return P_REDRAW;
}

/* arg: the panel; the runs are the view on top when the answer comes
 * (anything else: the view was left meanwhile, by a :run from Models). */
static void order_given(void *arg, const char *text)
{
	struct view *v = view_top(arg);
	if (text && v && v->ops == &xp_runs_view)
		xp_runs_server_order(v->priv, text);
}

/* O: asks for the server's order_by (MLflow sorts by one clause:
 * attributes.start_time, metrics.`auc` DESC, params.lr ASC), prefilled with
 * the one in force, else the first metric column descending. */
static int runs_order(struct view *v, int row)
{
	struct xp_runs *rs = v->priv;
	char initial[160];
	if (rs->order_by[0])
		snprintf(initial, sizeof initial, "%s", rs->order_by);
	else if (rs->ncols && rs->cols[0].metric)
		snprintf(initial, sizeof initial, "metrics.`%s` DESC",
			 mlflow_keys_name(&rs->x->keys, rs->cols[0].key));
	else
		snprintf(initial, sizeof initial, "attributes.start_time DESC");
	char *safe = san_str(initial);
	app_input("order by (server): ", safe, order_given, v->panel);
	free(safe);
	return P_REDRAW;
}

static const struct view_action runs_actions[] = {
    {"open", "<Enter>", "detail", "the run's detail", ACT_F_SELECTION, runs_open},
    {"mark", "<Space>", "mark", "mark the run for compare", ACT_F_SELECTION, runs_mark},
    {"compare", "C", "compare", "compare the marked runs", 0, runs_compare},
    {"columns", "c", "columns", "choose the metric and param columns", 0, runs_columns_open},
    {"sort", "s", "sort", NULL, 0, NULL},
    {"order", "O", "server order",
     "the server's order (metrics.val_auc DESC, attributes.start_time), as :order", 0, runs_order},
    {"filter", "/", "filter", NULL, 0, NULL},
};

const struct view_ops xp_runs_view = {
    .name = "runs",
    .title = runs_title,
    .columns = runs_columns,
    .nrows = runs_nrows,
    .cell = runs_cell,
    .generation = runs_generation,
    .detail = runs_detail,
    .empty_text = runs_empty,
    .copy_text = runs_copy,
    .reload = runs_reload,
    .status = runs_status,
    .close = runs_close,
    .actions = runs_actions,
    .nactions = ARRAY_LEN(runs_actions),
};
