/* panels/exp_chart.c — metric history as a chart: one run's metrics (m the
 * next, + adds it as another line) or one metric of every marked run (the
 * compare view's overlay, one bulk request; m the next metric they have,
 * no +); x switches the x axis between
 * step, wall time and relative time (kept for the next chart). State:
 * struct xp_chart, the view's priv; its request is cancelled on close. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"
#include "tui/canvas.h"

struct xp_chart {
	struct xp *x;
	struct xp_detail *d; /* the run's detail below; NULL for an overlay */
	char *ids[XP_MAXCOMPARE], *names[XP_MAXCOMPARE]; /* overlay: the runs */
	int nruns;
	uint32_t mkeys[64]; /* overlay: the runs' metrics, for m */
	int nmkeys;
	struct mlflowc_req *req;
	uint32_t key, pending; /* the metric shown (last added), the one asked */
	struct mlflow_history hist[XP_MAXSERIES];
	char label[XP_MAXSERIES][80];
	int nhist;
	char err[300];
};

static void hist_clear(struct xp_chart *ch)
{
	mlflowc_cancel(ch->req);
	ch->req = NULL;
	for (int i = 0; i < ch->nhist; i++)
		mlflow_history_free(&ch->hist[i]);
	ch->nhist = 0;
	ch->err[0] = '\0';
}

/* Bulk-interval: split the points by run, in the marked runs' order. */
static void hist_split(struct xp_chart *ch, const struct mlflow_history *h)
{
	for (int k = 0; k < ch->nruns && ch->nhist < XP_MAXSERIES; k++) {
		struct mlflow_history *out = &ch->hist[ch->nhist];
		memset(out, 0, sizeof *out);
		out->pts = xcalloc(h->n ? h->n : 1, sizeof *out->pts);
		for (size_t i = 0; i < h->n; i++)
			if (h->pts[i].run_id && !strcmp(h->pts[i].run_id, ch->ids[k])) {
				out->pts[out->n] = h->pts[i];
				out->pts[out->n++].run_id = NULL;
			}
		snprintf(ch->label[ch->nhist], sizeof ch->label[0], "%s", ch->names[k]);
		ch->nhist++;
	}
}

static void hist_done(void *res, const struct mlc_err *err, void *arg)
{
	struct xp_chart *ch = arg;
	ch->req = NULL;
	app_dirty();
	if (err) {
		snprintf(ch->err, sizeof ch->err, "%s", err->msg);
		app_message(ROLE_ERR, "%s", err->msg);
		return;
	}
	struct mlflow_history *h = res;
	if (ch->nruns) {
		hist_split(ch, h);
		return;
	}
	if (ch->nhist < XP_MAXSERIES) {
		ch->hist[ch->nhist] = *h;
		memset(h, 0, sizeof *h);
		snprintf(ch->label[ch->nhist], sizeof ch->label[0], "%s",
			 mlflow_keys_name(&ch->x->keys, ch->pending));
		ch->nhist++;
	}
}

static void hist_fetch(struct xp_chart *ch, uint32_t key)
{
	struct mlflowc *c = xp_client(ch->x);
	const char *name = mlflow_keys_name(&ch->x->keys, key);
	const struct mlflow_run *r = ch->d ? xp_detail_run(ch->d) : NULL;
	ch->pending = key;
	if (!c)
		return;
	if (ch->nruns)
		ch->req = mlflowc_history_bulk(c, (const char *const *)ch->ids, (size_t)ch->nruns,
					       name, 1000, hist_done, ch);
	else if (r)
		ch->req = mlflowc_history(c, r->run_id, name, hist_done, ch);
}

/* Pushes ch on p with ops and asks its first history; frees it when the
 * push is refused. */
static void chart_start(struct panel *p, struct xp_chart *ch, const struct view_ops *ops)
{
	if (!view_push(p, ops, ch)) {
		for (int i = 0; i < ch->nruns; i++) {
			free(ch->ids[i]);
			free(ch->names[i]);
		}
		free(ch);
		return;
	}
	hist_fetch(ch, ch->key);
}

void xp_chart_push(struct panel *p, struct xp_detail *d, uint32_t key)
{
	struct xp_chart *ch = xcalloc(1, sizeof *ch);
	ch->x = p->priv;
	ch->d = d;
	ch->key = key;
	chart_start(p, ch, &xp_chart_view);
}

void xp_overlay_push(struct panel *p, uint32_t key, const struct mlflow_run *const *runs, int n)
{
	struct xp_chart *ch = xcalloc(1, sizeof *ch);
	ch->x = p->priv;
	ch->key = key;
	for (int i = 0; i < n && i < XP_MAXCOMPARE; i++) {
		const struct mlflow_run *r = runs[i];
		ch->ids[i] = xstrdup(r->run_id);
		ch->names[i] = xstrdup(r->run_name ? r->run_name : r->run_id);
		ch->nruns++;
		for (size_t j = 0; j < r->nmetrics; j++) {
			bool seen = false;
			for (int k = 0; k < ch->nmkeys && !seen; k++)
				seen = ch->mkeys[k] == r->metrics[j].key;
			if (!seen && ch->nmkeys < (int)ARRAY_LEN(ch->mkeys))
				ch->mkeys[ch->nmkeys++] = r->metrics[j].key;
		}
	}
	chart_start(p, ch, &xp_overlay_view);
}

static void chart_close(struct view *v)
{
	struct xp_chart *ch = v->priv;
	hist_clear(ch);
	for (int i = 0; i < ch->nruns; i++) {
		free(ch->ids[i]);
		free(ch->names[i]);
	}
	free(ch);
}

/* The metric after `after`, for m and +: the run's, or (overlay) one of
 * the runs'; -1 when there is none. */
static long next_metric(const struct xp_chart *ch, uint32_t after)
{
	if (ch->nruns) {
		for (int i = 0; i < ch->nmkeys; i++)
			if (ch->mkeys[i] == after)
				return ch->mkeys[(i + 1) % ch->nmkeys];
		return ch->nmkeys ? (long)ch->mkeys[0] : -1;
	}
	const struct mlflow_run *r = ch->d ? xp_detail_run(ch->d) : NULL;
	if (!r || !r->nmetrics)
		return -1;
	for (size_t i = 0; i < r->nmetrics; i++)
		if (r->metrics[i].key == after)
			return r->metrics[(i + 1) % r->nmetrics].key;
	return r->metrics[0].key;
}

/* m: the next metric instead; +: the next metric as another line (one
 * run's chart only: the overlay view does not offer it). */
static int chart_metric(struct view *v, bool add)
{
	struct xp_chart *ch = v->priv;
	long k = next_metric(ch, ch->key);
	if (k < 0) {
		app_message(ROLE_WARN, "no other metric to chart");
		return P_REDRAW;
	}
	if (!add)
		hist_clear(ch);
	ch->key = (uint32_t)k;
	if (!ch->req && ch->nhist < XP_MAXSERIES)
		hist_fetch(ch, (uint32_t)k);
	return P_REDRAW;
}

static int chart_next(struct view *v, int row)
{
	return chart_metric(v, false);
}

static int chart_add(struct view *v, int row)
{
	return chart_metric(v, true);
}

static int chart_xaxis(struct view *v, int row)
{
	struct xp_chart *ch = v->priv;
	ch->x->chart_xmode = (ch->x->chart_xmode + 1) % 3;
	return P_REDRAW;
}

/* The x of point j of series i. */
static double point_x(const struct xp_chart *ch, int i, size_t j, int64_t t_first)
{
	const struct mlflow_point *p = &ch->hist[i].pts[j];
	switch (ch->x->chart_xmode) {
	case 0:
		return (double)p->step;
	case 1:
		return (double)(p->timestamp - t_first) / 1000.0;
	default:
		return (double)(p->timestamp - ch->hist[i].pts[0].timestamp) / 1000.0;
	}
}

/* The chart draws one colour: the title names the lines in order. */
static void chart_title(const struct xp_chart *ch, char *const *labels, char *title, size_t n)
{
	char *key = san_str(mlflow_keys_name(&ch->x->keys, ch->key));
	size_t o = 0;
	title[0] = '\0';
	if (ch->nruns)
		o = (size_t)snprintf(title, n, "%s of ", key);
	for (int i = 0; i < ch->nhist && o < n; i++)
		o += (size_t)snprintf(title + o, n - o, "%s%s", i ? ", " : "", labels[i]);
	free(key);
}

static bool chart_body(struct view *v, struct canvas *cv)
{
	struct xp_chart *ch = v->priv;
	static const char *const xl[] = {"step", "wall time (s since first)", "relative time (s)"};
	canvas_clear(cv, ROLE_NORMAL);
	if (ch->err[0]) {
		char *s = san_str(ch->err);
		canvas_text(cv, 1, 1, s, ROLE_ERR, 0);
		free(s);
		return true;
	}
	if (ch->req || !ch->nhist) {
		canvas_text(cv, 1, 1, ch->req ? "loading…" : "no points", ROLE_DIM, 0);
		return true;
	}
	struct chart_series s[XP_MAXSERIES];
	double *buf[XP_MAXSERIES];
	char *labels[XP_MAXSERIES];
	int64_t t_first = INT64_MAX;
	for (int i = 0; i < ch->nhist; i++)
		if (ch->hist[i].n && ch->hist[i].pts[0].timestamp < t_first)
			t_first = ch->hist[i].pts[0].timestamp;
	for (int i = 0; i < ch->nhist; i++) {
		size_t n = ch->hist[i].n;
		buf[i] = xmalloc(2 * (n ? n : 1) * sizeof(double));
		for (size_t j = 0; j < n; j++) {
			double y = ch->hist[i].pts[j].value;
			buf[i][j] = point_x(ch, i, j, t_first);
			/* ±Inf (stored clamped) and NaN are gaps in the line. */
			buf[i][n + j] = fabs(y) >= 1.79e308 ? NAN : y;
		}
		labels[i] = san_str(ch->label[i]);
		s[i] = (struct chart_series){buf[i], buf[i] + n, (int)n, labels[i]};
	}
	char title[200];
	chart_title(ch, labels, title, sizeof title);
	canvas_chart(cv, title, s, ch->nhist, xl[ch->x->chart_xmode]);
	for (int i = 0; i < ch->nhist; i++) {
		free(buf[i]);
		free(labels[i]);
	}
	return true;
}

static void chart_view_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "chart");
}

static const struct view_action chart_actions[] = {
    {"next-metric", "m", "next metric", "chart the run's next metric instead", 0, chart_next},
    {"add-metric", "+", "add metric", "add the run's next metric as another line", 0, chart_add},
    {"x-axis", "x", "step/time", "x axis: step, wall time, relative time", 0, chart_xaxis},
};

/* One metric of several runs: m goes to the next metric they have; no +
 * (a line per run already). */
static const struct view_action overlay_actions[] = {
    {"next-metric", "m", "next metric", "overlay the runs' next metric instead", 0, chart_next},
    {"x-axis", "x", "step/time", "x axis: step, wall time, relative time", 0, chart_xaxis},
};

/* Both charts: a body, no rows; only their actions differ. */
#define CHART_VIEW(nm, acts)                                                                       \
	{                                                                                          \
		.name = nm, .title = chart_view_title, .columns = xp_page_columns,                 \
		.nrows = xp_page_nrows, .cell = xp_page_cell, .body = chart_body,                  \
		.close = chart_close, .actions = acts, .nactions = ARRAY_LEN(acts),                \
	}

const struct view_ops xp_chart_view = CHART_VIEW("chart", chart_actions);
const struct view_ops xp_overlay_view = CHART_VIEW("overlay chart", overlay_actions);
