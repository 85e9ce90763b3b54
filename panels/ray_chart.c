/* panels/ray_chart.c — a Ray node's metrics from Prometheus as braille
 * charts in its detail: CPU, GPU utilisation and memory per GPU, memory,
 * disk, network, object store, over the cluster's window (15m, 1h, 6h,
 * 24h; `[` and `]`). One query_range a series family, the node's address
 * quoted into the matcher, the step fitted to the width the charts were
 * last drawn at (never more than two points a column). Answers are kept
 * until the next good one; a failed query says why in its chart's place. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "lib/prom/prom.h"
#include "lib/prom/promc.h"
#include "ray.h"
#include "tui/app.h"
#include "tui/canvas.h"

static const struct {
	long range_s;
	const char *label;
} windows[] = {{900, "15 minutes"}, {3600, "hour"}, {21600, "6 hours"}, {86400, "24 hours"}};

#define GIB "1073741824"
#define MIB "1048576"

/* One chart: up to two queries (%s: the quoted address); a series is named
 * by label `by` of its answer, else by the query's name. */
static const struct chart_def {
	const char *title;
	const char *q[2];
	const char *name[2];
	const char *by;
	bool gpu; /* drawn only for a node with GPUs */
} defs[] = {
    {"CPU %", {"max by (ip) (ray_node_cpu_utilization{ip=%s})"}, {"cpu"}, NULL, false},
    {"GPU utilisation %",
     {"max by (GpuIndex) (ray_node_gpus_utilization{ip=%s})"},
     {"gpu"},
     "GpuIndex",
     true},
    {"GPU memory MiB",
     {"max by (GpuIndex) (ray_node_gram_used{ip=%s})"},
     {"gpu"},
     "GpuIndex",
     true},
    {"memory GiB", {"max by (ip) (ray_node_mem_used{ip=%s}) / " GIB}, {"used"}, NULL, false},
    {"disk GiB", {"max by (ip) (ray_node_disk_usage{ip=%s}) / " GIB}, {"used"}, NULL, false},
    {"network MiB/s",
     {"max by (ip) (ray_node_network_send_speed{ip=%s}) / " MIB,
      "max by (ip) (ray_node_network_receive_speed{ip=%s}) / " MIB},
     {"sent", "received"},
     NULL,
     false},
    {"object store GiB",
     {"sum by (Location) (ray_object_store_memory{NodeAddress=%s}) / " GIB},
     {""},
     "Location",
     false},
};
#define NDEFS ((int)ARRAY_LEN(defs))

struct cser {
	char *label;
	double *xs, *ys; /* minutes before the end of the window, finite values */
	int n;
};

/* One query of one chart, with its last good answer. */
struct cq {
	struct rp_charts *ch;
	int def, k;
	struct promc_req *req;
	struct cser *ser;
	int nser;
	char err[256];
	bool loaded;
};

struct rp_charts {
	struct rp_cluster *c;
	char *ip;
	bool gpu;
	struct cq q[NDEFS][2];
	int cols;	  /* plot columns the charts were last drawn at */
	int asked_cols;	  /* and the columns the answers were asked for */
	int asked_win;	  /* the window they were asked for */
	int64_t asked_ms; /* when */
	unsigned long gen;
};

static void ser_free(struct cq *q)
{
	for (int i = 0; i < q->nser; i++) {
		free(q->ser[i].label);
		free(q->ser[i].xs);
		free(q->ser[i].ys);
	}
	free(q->ser);
	q->ser = NULL;
	q->nser = 0;
}

/* res into q's series: x in minutes before end_s. */
static void keep(struct cq *q, const struct prom_result *res, double end_s)
{
	const struct chart_def *d = &defs[q->def];
	ser_free(q);
	q->ser = xcalloc(res->n + 1, sizeof *q->ser);
	for (size_t i = 0; i < res->n; i++) {
		const struct prom_series *s = &res->v[i];
		struct cser *cs = &q->ser[q->nser++];
		const char *by = d->by ? prom_label(s, d->by) : NULL;
		cs->label = by ? xasprintf("%s%s", d->name[q->k], by) : xstrdup(d->name[q->k]);
		cs->xs = xcalloc(s->n + 1, sizeof *cs->xs);
		cs->ys = xcalloc(s->n + 1, sizeof *cs->ys);
		for (size_t j = 0; j < s->n; j++) {
			double v = prom_value(s->pts[j].v);
			if (!isfinite(v)) /* NaN, ±Inf: no dot */
				continue;
			cs->xs[cs->n] = (s->pts[j].t - end_s) / 60.0;
			cs->ys[cs->n++] = v;
		}
	}
}

static void got(struct prom_result *res, const struct mlc_err *err, void *arg)
{
	struct cq *q = arg;
	q->req = NULL;
	if (err) {
		snprintf(q->err, sizeof q->err, "%s", err->msg);
	} else {
		q->err[0] = 0;
		keep(q, res, (double)q->ch->asked_ms / 1000.0);
		q->loaded = true;
	}
	q->ch->gen++;
	q->ch->c->gen++;
	app_dirty();
}

struct rp_charts *rp_charts_new(struct rp_cluster *c, const char *ip, bool gpu)
{
	struct rp_charts *ch = xcalloc(1, sizeof *ch);
	ch->c = c;
	ch->ip = xstrdup(ip ? ip : "");
	ch->gpu = gpu;
	ch->cols = 60;
	ch->asked_win = -1;
	for (int d = 0; d < NDEFS; d++)
		for (int k = 0; k < 2; k++)
			ch->q[d][k] = (struct cq){.ch = ch, .def = d, .k = k};
	return ch;
}

/* A query sent for every chart (those in flight are cancelled: their
 * window or width is gone). */
static void load_all(struct rp_charts *ch)
{
	const struct target *prom = ch->c->prom;
	if (!prom || !ch->ip[0])
		return;
	int w = ch->c->chart_win;
	long range = windows[w].range_s;
	long step = prom_step(range, ch->cols, 1);
	int64_t now = wall_ms();
	int64_t end = now / 1000;
	ch->asked_cols = ch->cols;
	ch->asked_win = w;
	ch->asked_ms = end * 1000;
	char *ip = prom_quote(ch->ip);
	for (int d = 0; d < NDEFS; d++)
		for (int k = 0; k < 2 && defs[d].q[k]; k++) {
			struct cq *q = &ch->q[d][k];
			promc_cancel(q->req);
			char *query = xasprintf(defs[d].q[k], ip);
			char *path = prom_query_range_path(query, end - range, end, step);
			q->req = promc_get(prom, path, 0, got, q);
			free(path);
			free(query);
		}
	free(ip);
}

/* A reload (timer or `r`) asks again once a step has passed since the last
 * answers, or at once when the window or the width changed. */
void rp_charts_load(struct rp_charts *ch)
{
	int w = ch->c->chart_win;
	long step = prom_step(windows[w].range_s, ch->cols, 1);
	if (ch->asked_win == w && ch->asked_cols == ch->cols &&
	    wall_ms() - ch->asked_ms < step * 1000)
		return;
	load_all(ch);
}

void rp_charts_window(struct rp_charts *ch, int dir)
{
	int w = ch->c->chart_win + dir;
	if (w < 0 || w >= (int)ARRAY_LEN(windows)) {
		app_message(ROLE_DIM, "window: the last %s is the %s",
			    windows[w < 0 ? 0 : w - 1].label, w < 0 ? "shortest" : "longest");
		return;
	}
	ch->c->chart_win = w;
	load_all(ch);
	ch->gen++;
}

unsigned long rp_charts_gen(const struct rp_charts *ch)
{
	return ch->gen;
}

void rp_charts_status(const struct rp_charts *ch, char *out, size_t n)
{
	out[0] = 0;
	if (!ch->c->prom)
		snprintf(out, n, "no charts: no Prometheus configured");
}

/* The series of chart d, both queries, as canvas_chart takes them. */
static int series_of(const struct rp_charts *ch, int d, struct chart_series *out, int max,
		     const char **err)
{
	int n = 0;
	*err = NULL;
	for (int k = 0; k < 2 && defs[d].q[k]; k++) {
		const struct cq *q = &ch->q[d][k];
		if (q->err[0])
			*err = q->err;
		for (int i = 0; i < q->nser && n < max; i++)
			out[n++] = (struct chart_series){q->ser[i].xs, q->ser[i].ys, q->ser[i].n,
							 q->ser[i].label};
	}
	return n;
}

static void draw_one(const struct rp_charts *ch, int d, const struct canvas *cv)
{
	struct chart_series s[8];
	const char *err;
	int n = series_of(ch, d, s, 8, &err);
	char title[64];
	snprintf(title, sizeof title, "%s", defs[d].title);
	if (err && !n) {
		canvas_clear(cv, ROLE_NORMAL);
		canvas_text(cv, 0, 0, title, ROLE_TITLE, 0);
		char *safe = san_str(err);
		canvas_text(cv, 1, 0, safe, ROLE_ERR, 0);
		free(safe);
		return;
	}
	bool loaded = ch->q[d][0].loaded;
	if (!loaded) {
		canvas_clear(cv, ROLE_NORMAL);
		canvas_text(cv, 0, 0, title, ROLE_TITLE, 0);
		canvas_text(cv, 1, 0, "loading…", ROLE_DIM, 0);
		return;
	}
	canvas_chart(cv, title, s, n, "min");
}

void rp_charts_draw(struct rp_charts *ch, const struct canvas *cv)
{
	int which[NDEFS], nw = 0;
	for (int d = 0; d < NDEFS; d++)
		if (!defs[d].gpu || ch->gpu)
			which[nw++] = d;
	char head[160];
	snprintf(head, sizeof head, "metrics over the last %s, a point every %lds  ([ ] window)",
		 windows[ch->c->chart_win].label,
		 prom_step(windows[ch->c->chart_win].range_s, ch->cols, 1));
	canvas_text(cv, 0, 1, head, ROLE_DIM, cv->w - 2);
	int gcols = cv->w >= 100 ? 2 : 1;
	int rows = MLC_MIN((nw + gcols - 1) / gcols, MLC_MAX(1, (cv->h - 1) / 6));
	int h = (cv->h - 1) / rows, w = cv->w / gcols;
	/* two points a column of the plot: the chart's width less its axis */
	int cols = MLC_MAX(8, w - 10);
	if (cols != ch->cols || ch->asked_win < 0) {
		/* first drawn, or the width changed: ask at the step of this
		 * width (a draw starts the load, as only it knows the width) */
		ch->cols = cols;
		load_all(ch);
	}
	for (int i = 0; i < MLC_MIN(nw, rows * gcols); i++) {
		struct canvas one = {cv->y + 1 + (i / gcols) * h, cv->x + (i % gcols) * w, h - 1,
				     w - 1};
		draw_one(ch, which[i], &one);
	}
}

void rp_charts_free(struct rp_charts *ch)
{
	if (!ch)
		return;
	for (int d = 0; d < NDEFS; d++)
		for (int k = 0; k < 2; k++) {
			promc_cancel(ch->q[d][k].req);
			ser_free(&ch->q[d][k]);
		}
	free(ch->ip);
	free(ch);
}
