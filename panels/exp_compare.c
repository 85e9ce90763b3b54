/* panels/exp_compare.c — two views over the runs list below them: the
 * marked runs side by side (params, then metrics; equal rows hidden until
 * =; the best value of a metric marked; o overlays one metric of every run
 * in a chart), and the column chooser (every metric and param key of the
 * loaded runs, counted here for both and for the runs list's automatic
 * columns; space toggles it as a column of the runs list). Each
 * borrows the runs view's state (struct xp_runs), which outlives it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "tui/app.h"
#include "tui/glyph.h"

/* ---- keys of the loaded runs (columns, compare) ------------------------- */

static const struct mlflow_keys *sort_keys; /* for key_cmp, during qsort */

static int key_cmp(const void *a, const void *b)
{
	const struct xkey *x = a, *y = b;
	if (x->metric != y->metric)
		return x->metric ? -1 : 1;
	if (x->count != y->count)
		return y->count - x->count;
	return strcmp(mlflow_keys_name(sort_keys, x->key), mlflow_keys_name(sort_keys, y->key));
}

int xp_collect_keys(const struct xp_runs *rs, struct xkey **out)
{
	uint32_t nk = rs->x->keys.n;
	int *mc = xcalloc(nk + 1, sizeof *mc), *pc = xcalloc(nk + 1, sizeof *pc);
	for (size_t i = 0; i < rs->nruns; i++) {
		const struct mlflow_run *r = &rs->runs[i];
		for (size_t j = 0; j < r->nmetrics; j++)
			if (r->metrics[j].key < nk)
				mc[r->metrics[j].key]++;
		for (size_t j = 0; j < r->nparams; j++)
			if (r->params[j].key < nk)
				pc[r->params[j].key]++;
	}
	struct xkey *k = xcalloc(2 * (size_t)nk + 1, sizeof *k);
	int n = 0;
	for (uint32_t i = 0; i < nk; i++) {
		if (mc[i])
			k[n++] = (struct xkey){i, true, mc[i]};
		if (pc[i])
			k[n++] = (struct xkey){i, false, pc[i]};
	}
	sort_keys = &rs->x->keys;
	qsort(k, (size_t)n, sizeof *k, key_cmp);
	free(mc);
	free(pc);
	*out = k;
	return n;
}

struct xp_compare {
	struct xp_runs *rs;
	int runs[XP_MAXCOMPARE]; /* run indexes of rs */
	int n;
	bool show_equal;
	struct xkey *rows;
	int nrows, hidden;
	struct column cols[1 + XP_MAXCOMPARE];
	char title[XP_MAXCOMPARE][40];
	unsigned long gen;
};

static const struct mlflow_run *cmp_run(const struct xp_compare *cp, int i)
{
	return xp_runs_get(cp->rs, cp->runs[i]);
}

static void cmp_value(const struct mlflow_run *r, const struct xkey *k, char *out, size_t n)
{
	if (k->metric) {
		const struct mlflow_metric *m = mlflow_run_metric(r, k->key);
		if (m)
			mlflow_fmt_metric(out, n, m->value);
		else
			snprintf(out, n, "-");
	} else {
		const char *v = mlflow_run_param(r, k->key);
		snprintf(out, n, "%s", v ? v : "-");
	}
}

/* Lower is better for a loss, an error or a time; higher otherwise. */
static bool lower_is_better(const char *name)
{
	static const char *const low[] = {"loss", "err",  "mae",     "mse",
					  "rmse", "time", "latency", "perplexity"};
	for (size_t i = 0; i < ARRAY_LEN(low); i++)
		if (strcasestr(name, low[i]))
			return true;
	return false;
}

/* The compared run (column index) with the best finite value of metric k,
 * or -1 when fewer than two runs have one or they are all equal. */
static int best_run(const struct xp_compare *cp, const struct xkey *k)
{
	bool low = lower_is_better(mlflow_keys_name(&cp->rs->x->keys, k->key));
	int best = -1, have = 0;
	double bv = 0;
	bool differ = false;
	for (int i = 0; i < cp->n; i++) {
		const struct mlflow_metric *m = mlflow_run_metric(cmp_run(cp, i), k->key);
		if (!m || !isfinite(m->value) || fabs(m->value) >= 1.79e308)
			continue;
		if (have++ && m->value != bv)
			differ = true;
		if (best < 0 || (low ? m->value < bv : m->value > bv)) {
			best = i;
			bv = m->value;
		}
	}
	return have >= 2 && differ ? best : -1;
}

/* Whether no compared run has key (skipped), or all have the same value. */
static void key_values(const struct xp_compare *cp, const struct xkey *key, bool *any, bool *equal)
{
	char first[256], v[256];
	*any = false;
	*equal = true;
	for (int i = 0; i < cp->n; i++) {
		cmp_value(cmp_run(cp, i), key, v, sizeof v);
		*any |= strcmp(v, "-") != 0;
		if (i == 0)
			snprintf(first, sizeof first, "%s", v);
		else if (strcmp(first, v))
			*equal = false;
	}
}

static void compare_rebuild(struct xp_compare *cp)
{
	struct xkey *all;
	int nall = xp_collect_keys(cp->rs, &all);
	free(cp->rows);
	cp->rows = xcalloc((size_t)nall + 1, sizeof *cp->rows);
	cp->nrows = cp->hidden = 0;
	/* Params first, then metrics, as the MLflow UI lists them. */
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < nall; k++) {
			bool any, equal;
			if (all[k].metric != (pass == 1))
				continue;
			key_values(cp, &all[k], &any, &equal);
			if (!any)
				continue;
			if (equal && !cp->show_equal) {
				cp->hidden++;
				continue;
			}
			cp->rows[cp->nrows++] = all[k];
		}
	free(all);
	cp->gen++;
	app_dirty();
}

void xp_compare_push(struct panel *p, struct xp_runs *rs)
{
	struct xp_compare *cp = xcalloc(1, sizeof *cp);
	cp->rs = rs;
	for (size_t i = 0; i < rs->nruns && cp->n < XP_MAXCOMPARE; i++)
		if (rs->marked[i])
			cp->runs[cp->n++] = (int)i;
	if (!view_push(p, &xp_compare_view, cp)) {
		free(cp);
		return;
	}
	compare_rebuild(cp);
}

static void compare_close(struct view *v)
{
	struct xp_compare *cp = v->priv;
	free(cp->rows);
	free(cp);
}

static const struct column *compare_columns(struct view *v, int *n)
{
	struct xp_compare *cp = v->priv;
	cp->cols[0] = (struct column){"", 10, 28, ALIGN_LEFT, 0, false};
	for (int i = 0; i < cp->n; i++) {
		const struct mlflow_run *r = cmp_run(cp, i);
		char *t = san_str(r->run_name ? r->run_name : r->run_id);
		snprintf(cp->title[i], sizeof cp->title[i], "%s", t);
		free(t);
		cp->cols[1 + i] = (struct column){cp->title[i], 8, 16, ALIGN_LEFT, i + 1, true};
	}
	*n = 1 + cp->n;
	return cp->cols;
}

static int compare_nrows(struct view *v)
{
	return ((struct xp_compare *)v->priv)->nrows;
}

static unsigned long compare_generation(struct view *v)
{
	return ((struct xp_compare *)v->priv)->gen;
}

static void compare_cell(struct view *v, int row, int col, struct cell *out)
{
	struct xp_compare *cp = v->priv;
	if (row < 0 || row >= cp->nrows)
		return;
	const struct xkey *k = &cp->rows[row];
	if (col == 0) {
		char *name = xasprintf("%s%s", k->metric ? "" : "param ",
				       mlflow_keys_name(&cp->rs->x->keys, k->key));
		mlp_cell(out, name, k->metric ? ROLE_OK : ROLE_NORMAL);
		free(name);
		return;
	}
	char v_[256];
	cmp_value(cmp_run(cp, col - 1), k, v_, sizeof v_);
	bool best = k->metric && best_run(cp, k) == col - 1;
	if (best)
		snprintf(v_ + strlen(v_), sizeof v_ - strlen(v_), " %s", glyph(G_SORT_UP));
	mlp_cell(out, v_, best ? ROLE_OK : ROLE_NORMAL);
	/* sorted by the value, not by "0.95 ▲" */
	const struct mlflow_metric *m =
	    k->metric ? mlflow_run_metric(cmp_run(cp, col - 1), k->key) : NULL;
	out->has_num = m != NULL;
	out->num = m ? m->value : 0;
}

static void compare_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "compare");
}

static void compare_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	struct xp_compare *cp = v->priv;
	*role = ROLE_DIM;
	snprintf(out, n, "%d equal rows %s (= to toggle)", cp->hidden,
		 cp->show_equal ? "shown" : "hidden");
}

static int compare_equal(struct view *v, int row)
{
	struct xp_compare *cp = v->priv;
	cp->show_equal = !cp->show_equal;
	compare_rebuild(cp);
	return P_RELOAD;
}

/* o: the selected metric (else the first) of every compared run. */
static int compare_overlay(struct view *v, int row)
{
	struct xp_compare *cp = v->priv;
	const struct xkey *k =
	    row >= 0 && row < cp->nrows && cp->rows[row].metric ? &cp->rows[row] : NULL;
	for (int i = 0; !k && i < cp->nrows; i++)
		if (cp->rows[i].metric)
			k = &cp->rows[i];
	if (!k) {
		app_message(ROLE_WARN, "no metric to overlay");
		return P_REDRAW;
	}
	const struct mlflow_run *runs[XP_MAXCOMPARE];
	for (int i = 0; i < cp->n && i < XP_MAXCOMPARE; i++)
		runs[i] = cmp_run(cp, i);
	xp_overlay_push(v->panel, k->key, runs, MLC_MIN(cp->n, XP_MAXCOMPARE));
	return P_REDRAW;
}

static const struct view_action compare_actions[] = {
    {"show-equal", "=", "show equal rows", "show or hide the rows where every run is equal", 0,
     compare_equal},
    {"overlay", "o", "overlay a metric", "one metric of every compared run in one chart", 0,
     compare_overlay},
};

const struct view_ops xp_compare_view = {
    .name = "compare",
    .title = compare_title,
    .columns = compare_columns,
    .nrows = compare_nrows,
    .cell = compare_cell,
    .generation = compare_generation,
    .detail = compare_detail,
    .close = compare_close,
    .actions = compare_actions,
    .nactions = ARRAY_LEN(compare_actions),
};

/* ---- the column chooser ------------------------------------------------------ */

struct xp_columns {
	struct xp_runs *rs;
	struct xkey *keys;
	int n;
	unsigned long gen;
};

void xp_columns_push(struct panel *p, struct xp_runs *rs)
{
	struct xp_columns *cc = xcalloc(1, sizeof *cc);
	cc->rs = rs;
	cc->n = xp_collect_keys(rs, &cc->keys);
	if (!view_push(p, &xp_columns_view, cc)) {
		free(cc->keys);
		free(cc);
	}
}

static void columns_close(struct view *v)
{
	struct xp_columns *cc = v->priv;
	free(cc->keys);
	free(cc);
}

static bool is_column(const struct xp_runs *rs, const struct xkey *k)
{
	for (int i = 0; i < rs->ncols; i++)
		if (rs->cols[i].key == k->key && rs->cols[i].metric == k->metric)
			return true;
	return false;
}

static int columns_toggle(struct view *v, int row)
{
	struct xp_columns *cc = v->priv;
	struct xp_runs *rs = cc->rs;
	const struct xkey *k = &cc->keys[row];
	int at = -1;
	for (int i = 0; i < rs->ncols; i++)
		if (rs->cols[i].key == k->key && rs->cols[i].metric == k->metric)
			at = i;
	if (at < 0 && rs->ncols == XP_MAXCOLS) {
		app_message(ROLE_WARN, "at most %d metric and param columns", XP_MAXCOLS);
		return P_REDRAW;
	}
	rs->cols_chosen = true;
	if (at >= 0) {
		memmove(&rs->cols[at], &rs->cols[at + 1],
			(size_t)(rs->ncols - at - 1) * sizeof *rs->cols);
		rs->ncols--;
	} else {
		rs->cols[rs->ncols++] = *k;
	}
	xp_runs_bump(rs);
	cc->gen++;
	return P_REDRAW;
}

static const struct column col_cols[] = {
    {"", 3, 3, ALIGN_LEFT, 0, false},
    {"KIND", 6, 6, ALIGN_LEFT, 0, false},
    {"KEY", 10, 40, ALIGN_LEFT, 0, false},
    {"RUNS", 5, 8, ALIGN_RIGHT, 0, true},
};

static const struct column *columns_columns(struct view *v, int *n)
{
	*n = ARRAY_LEN(col_cols);
	return col_cols;
}

static int columns_nrows(struct view *v)
{
	return ((struct xp_columns *)v->priv)->n;
}

static unsigned long columns_generation(struct view *v)
{
	return ((struct xp_columns *)v->priv)->gen;
}

static void columns_cell(struct view *v, int row, int col, struct cell *out)
{
	struct xp_columns *cc = v->priv;
	if (row < 0 || row >= cc->n)
		return;
	const struct xkey *k = &cc->keys[row];
	char n[16];
	if (col == 0) {
		mlp_cell(out, is_column(cc->rs, k) ? "[x]" : "[ ]", ROLE_MARK);
	} else if (col == 1) {
		mlp_cell(out, k->metric ? "metric" : "param", ROLE_DIM);
	} else if (col == 2) {
		mlp_cell(out, mlflow_keys_name(&cc->rs->x->keys, k->key), ROLE_NORMAL);
	} else {
		snprintf(n, sizeof n, "%d", k->count);
		mlp_cell(out, n, ROLE_DIM);
	}
}

static void columns_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "columns");
}

static const struct view_action columns_actions[] = {
    {"toggle", "<Space>", "toggle column", "show or hide the key as a column of the runs",
     ACT_F_SELECTION, columns_toggle},
    {"open", "<Enter>", NULL, "show or hide the key as a column of the runs", ACT_F_SELECTION,
     columns_toggle},
};

const struct view_ops xp_columns_view = {
    .name = "columns",
    .title = columns_title,
    .columns = columns_columns,
    .nrows = columns_nrows,
    .cell = columns_cell,
    .generation = columns_generation,
    .close = columns_close,
    .actions = columns_actions,
    .nactions = ARRAY_LEN(columns_actions),
};
