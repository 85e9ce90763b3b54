/* panels/exp_run.c — the Experiments panel below the runs list: a run's
 * detail (info, params, latest metrics, tags, dataset inputs, artifacts) as
 * table rows, its metric charts (step / wall time / relative time, several
 * metrics, or one metric of every marked run), the side-by-side compare of
 * marked runs that hides equal rows, the column chooser, and the artifact
 * preview (first 64 KB through lib/preview) and download (lib/download).
 * State in experiments.h; requests cancelled when their view is left. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments.h"
#include "lib/core/download.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "tui/app.h"
#include "tui/canvas.h"

#define PREVIEW_BYTES (64u << 10)

static const struct mlflow_run *det_run(void)
{
	if (X.det_loaded)
		return &X.det;
	return xp_run(X.det_run);
}

/* ---- keys of the loaded runs (columns, compare) ------------------------- */

static int key_cmp(const void *a, const void *b)
{
	const struct xkey *x = a, *y = b;
	if (x->metric != y->metric)
		return x->metric ? -1 : 1;
	if (x->count != y->count)
		return y->count - x->count;
	return strcmp(mlflow_keys_name(&X.keys, x->key), mlflow_keys_name(&X.keys, y->key));
}

/* Every metric and param key with the number of runs that have it, most
 * common first (metrics before params). */
void xp_collect_keys(void)
{
	uint32_t nk = X.keys.n;
	int *mc = xcalloc(nk + 1, sizeof *mc), *pc = xcalloc(nk + 1, sizeof *pc);
	for (size_t i = 0; i < X.nruns; i++) {
		for (size_t j = 0; j < X.runs[i].nmetrics; j++)
			if (X.runs[i].metrics[j].key < nk)
				mc[X.runs[i].metrics[j].key]++;
		for (size_t j = 0; j < X.runs[i].nparams; j++)
			if (X.runs[i].params[j].key < nk)
				pc[X.runs[i].params[j].key]++;
	}
	free(X.allkeys);
	X.allkeys = xcalloc(2 * (size_t)nk + 1, sizeof *X.allkeys);
	X.nallkeys = 0;
	for (uint32_t k = 0; k < nk; k++) {
		if (mc[k])
			X.allkeys[X.nallkeys++] = (struct xkey){k, true, mc[k]};
		if (pc[k])
			X.allkeys[X.nallkeys++] = (struct xkey){k, false, pc[k]};
	}
	qsort(X.allkeys, (size_t)X.nallkeys, sizeof *X.allkeys, key_cmp);
	free(mc);
	free(pc);
}

/* ---- run detail ---------------------------------------------------------- */

static void drows_free(void)
{
	for (int i = 0; i < X.ndrows; i++) {
		free(X.drows[i].key);
		free(X.drows[i].value);
	}
	free(X.drows);
	X.drows = NULL;
	X.ndrows = 0;
}

static void drow(const char *section, const char *key, const char *value, long ref)
{
	X.drows = xrealloc(X.drows, (size_t)(X.ndrows + 1) * sizeof *X.drows);
	struct drow *d = &X.drows[X.ndrows++];
	snprintf(d->section, sizeof d->section, "%s", section);
	d->key = xstrdup(key ? key : "");
	d->value = xstrdup(value ? value : "");
	d->ref = ref;
}

void xp_detail_rebuild(void)
{
	drows_free();
	const struct mlflow_run *r = det_run();
	if (!r) {
		xp_bump();
		return;
	}
	char a[64], b[64];
	drow("info", "run id", r->run_id, -1);
	drow("info", "name", r->run_name, -1);
	drow("info", "status", mlflow_status_name(r->status), -1);
	drow("info", "user", r->user_id, -1);
	mlp_time(a, sizeof a, r->start_time);
	if (r->end_time)
		fmt_age(b, sizeof b, (long)(r->end_time - r->start_time));
	else
		snprintf(b, sizeof b, "%s", r->status == MLFLOW_ST_RUNNING ? "running" : "-");
	char *when = xasprintf("%s, %s", a, b);
	drow("info", "start", when, -1);
	free(when);
	drow("info", "source", r->source_name, -1);
	if (r->parent_run_id)
		drow("info", "parent", r->parent_run_id, -1);
	drow("info", "artifacts", r->artifact_uri, -1);
	for (size_t i = 0; i < r->nparams; i++)
		drow("param", mlflow_keys_name(&X.keys, r->params[i].key), r->params[i].value, -1);
	for (size_t i = 0; i < r->nmetrics; i++) {
		char v[64], *s;
		mlflow_fmt_metric(v, sizeof v, r->metrics[i].value);
		s = xasprintf("%s  (step %lld)", v, (long long)r->metrics[i].step);
		drow("metric", mlflow_keys_name(&X.keys, r->metrics[i].key), s,
		     (long)r->metrics[i].key);
		free(s);
	}
	for (size_t i = 0; i < r->ntags; i++)
		if (!str_starts(mlflow_keys_name(&X.keys, r->tags[i].key), "mlflow.log-model"))
			drow("tag", mlflow_keys_name(&X.keys, r->tags[i].key), r->tags[i].value,
			     -1);
	for (size_t i = 0; i < r->ninputs; i++) {
		const struct mlflow_dataset *d = &r->inputs[i];
		char *s = xasprintf("%s  digest %s  %s%s%s", d->source_type ? d->source_type : "",
				    d->digest ? d->digest : "-", d->context ? "(" : "",
				    d->context ? d->context : "", d->context ? ")" : "");
		drow("input", d->name, s, -1);
		free(s);
	}
	if (X.art_path[0])
		drow("artifact", "..", "up", -2);
	for (size_t i = 0; i < X.arts.n; i++) {
		const struct mlflow_file *f = &X.arts.files[i];
		char size[32];
		if (f->is_dir)
			snprintf(size, sizeof size, "dir");
		else
			fmt_bytes(size, sizeof size, (uint64_t)f->file_size);
		const char *base = strrchr(f->path, '/');
		char *name = xasprintf("%s%s", base ? base + 1 : f->path, f->is_dir ? "/" : "");
		drow("artifact", name, size, (long)i);
		free(name);
	}
	xp_bump();
}

static void det_done(void *res, const struct mlc_err *err, void *arg)
{
	X.det_req = NULL;
	if (err) {
		app_message(ROLE_ERR, "%s", err->msg);
		return;
	}
	mlflow_run_free(&X.det);
	X.det = *(struct mlflow_run *)res;
	memset(res, 0, sizeof X.det);
	X.det_loaded = true;
	xp_detail_rebuild();
}

static void arts_done(void *res, const struct mlc_err *err, void *arg)
{
	X.art_req = NULL;
	if (err) {
		app_message(ROLE_ERR, "%s", err->msg);
		return;
	}
	mlflow_file_list_free(&X.arts);
	X.arts = *(struct mlflow_file_list *)res;
	memset(res, 0, sizeof X.arts);
	xp_detail_rebuild();
}

static void arts_load(const char *run_id)
{
	mlflowc_cancel(X.art_req);
	X.art_req = mlflowc_artifacts(&X.c, run_id, X.art_path, arts_done, NULL);
}

/* Opens the detail of run idx (-1: the run in X.det, from :run). */
void xp_detail_open(int idx)
{
	mlflowc_cancel(X.det_req);
	mlflowc_cancel(X.art_req);
	X.det_req = X.art_req = NULL;
	if (idx >= 0) {
		mlflow_run_free(&X.det);
		X.det_loaded = false;
	}
	X.det_run = idx;
	X.art_path[0] = '\0';
	mlflow_file_list_free(&X.arts);
	X.view = XV_RUN;
	const struct mlflow_run *r = det_run();
	if (r && X.have_client) {
		if (!X.det_loaded)
			X.det_req = mlflowc_run_get(&X.c, &X.keys, r->run_id, det_done, NULL);
		arts_load(r->run_id);
	}
	xp_detail_rebuild();
}

void xp_detail_close(void)
{
	mlflowc_cancel(X.det_req);
	mlflowc_cancel(X.art_req);
	X.det_req = X.art_req = NULL;
	mlflow_run_free(&X.det);
	X.det_loaded = false;
	mlflow_file_list_free(&X.arts);
	drows_free();
	X.det_run = -1;
}

/* ---- chart ----------------------------------------------------------------- */

static void hist_clear(void)
{
	mlflowc_cancel(X.hist_req);
	X.hist_req = NULL;
	for (int i = 0; i < X.nhist; i++)
		mlflow_history_free(&X.hist[i]);
	X.nhist = 0;
	X.chart_err[0] = '\0';
}

static void hist_done(void *res, const struct mlc_err *err, void *arg)
{
	X.hist_req = NULL;
	if (err) {
		snprintf(X.chart_err, sizeof X.chart_err, "%s", err->msg);
		app_message(ROLE_ERR, "%s", err->msg);
		xp_bump();
		return;
	}
	struct mlflow_history *h = res;
	if (!X.overlay) {
		if (X.nhist < XP_MAXSERIES) {
			X.hist[X.nhist] = *h;
			memset(h, 0, sizeof *h);
			snprintf(X.hist_label[X.nhist], sizeof X.hist_label[0], "%s",
				 mlflow_keys_name(&X.keys, (uint32_t)(intptr_t)arg));
			X.nhist++;
		}
		xp_bump();
		return;
	}
	/* Bulk-interval: split the points by run, in the marked runs' order. */
	for (int k = 0; k < X.ncmp && X.nhist < XP_MAXSERIES; k++) {
		const struct mlflow_run *r = xp_run(X.cmp_runs[k]);
		struct mlflow_history *out = &X.hist[X.nhist];
		memset(out, 0, sizeof *out);
		out->pts = xcalloc(h->n ? h->n : 1, sizeof *out->pts);
		for (size_t i = 0; i < h->n; i++)
			if (h->pts[i].run_id && !strcmp(h->pts[i].run_id, r->run_id)) {
				out->pts[out->n] = h->pts[i];
				out->pts[out->n++].run_id = NULL;
			}
		snprintf(X.hist_label[X.nhist], sizeof X.hist_label[0], "%s",
			 r->run_name ? r->run_name : r->run_id);
		X.nhist++;
	}
	xp_bump();
}

static void hist_fetch(uint32_t key)
{
	const struct mlflow_run *r = X.overlay ? NULL : det_run();
	const char *name = mlflow_keys_name(&X.keys, key);
	if (X.overlay) {
		const char *ids[XP_MAXCOMPARE];
		for (int k = 0; k < X.ncmp; k++)
			ids[k] = xp_run(X.cmp_runs[k])->run_id;
		X.hist_req =
		    mlflowc_history_bulk(&X.c, ids, (size_t)X.ncmp, name, 1000, hist_done, NULL);
	} else if (r) {
		X.hist_req =
		    mlflowc_history(&X.c, r->run_id, name, hist_done, (void *)(intptr_t)key);
	}
}

void xp_chart_open(uint32_t key, bool overlay)
{
	hist_clear();
	X.chart_key = key;
	X.overlay = overlay;
	X.view = XV_CHART;
	hist_fetch(key);
	xp_bump();
}

void xp_chart_close(void)
{
	hist_clear();
}

/* The metric keys of the run in the detail, for m and +. */
static long next_metric(uint32_t after)
{
	const struct mlflow_run *r = det_run();
	if (!r || !r->nmetrics)
		return -1;
	for (size_t i = 0; i < r->nmetrics; i++)
		if (r->metrics[i].key == after)
			return r->metrics[(i + 1) % r->nmetrics].key;
	return r->metrics[0].key;
}

bool xp_chart_body(struct canvas *cv)
{
	canvas_clear(cv, ROLE_NORMAL);
	static const char *const xl[] = {"step", "wall time (s since first)", "relative time (s)"};
	if (X.chart_err[0]) {
		char *s = san_str(X.chart_err);
		canvas_text(cv, 1, 1, s, ROLE_ERR, 0);
		free(s);
		return true;
	}
	if (X.hist_req || !X.nhist) {
		canvas_text(cv, 1, 1, X.hist_req ? "loading…" : "no points", ROLE_DIM, 0);
		return true;
	}
	struct chart_series s[XP_MAXSERIES];
	double *buf[XP_MAXSERIES];
	char *labels[XP_MAXSERIES];
	int64_t t_first = INT64_MAX;
	for (int i = 0; i < X.nhist; i++)
		if (X.hist[i].n && X.hist[i].pts[0].timestamp < t_first)
			t_first = X.hist[i].pts[0].timestamp;
	for (int i = 0; i < X.nhist; i++) {
		size_t n = X.hist[i].n;
		buf[i] = xmalloc(2 * (n ? n : 1) * sizeof(double));
		for (size_t j = 0; j < n; j++) {
			const struct mlflow_point *p = &X.hist[i].pts[j];
			double x =
			    X.xmode == 0 ? (double)p->step
			    : X.xmode == 1
				? (double)(p->timestamp - t_first) / 1000.0
				: (double)(p->timestamp - X.hist[i].pts[0].timestamp) / 1000.0;
			buf[i][j] = x;
			/* ±Inf (stored clamped) and NaN are gaps in the line. */
			buf[i][n + j] = fabs(p->value) >= 1.79e308 ? NAN : p->value;
		}
		labels[i] = san_str(X.hist_label[i]);
		s[i] = (struct chart_series){buf[i], buf[i] + n, (int)n, labels[i]};
	}
	char title[200];
	char *key = san_str(mlflow_keys_name(&X.keys, X.chart_key));
	/* The chart draws one colour: the title names the lines in order. */
	size_t o = 0;
	if (X.overlay)
		o = (size_t)snprintf(title, sizeof title, "%s of ", key);
	for (int i = 0; i < X.nhist && o < sizeof title; i++)
		o +=
		    (size_t)snprintf(title + o, sizeof title - o, "%s%s", i ? ", " : "", labels[i]);
	free(key);
	canvas_chart(cv, title, s, X.nhist, xl[X.xmode]);
	for (int i = 0; i < X.nhist; i++) {
		free(buf[i]);
		free(labels[i]);
	}
	return true;
}

/* ---- compare -------------------------------------------------------------- */

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
static int best_run(const struct xkey *k)
{
	bool low = lower_is_better(mlflow_keys_name(&X.keys, k->key));
	int best = -1, have = 0;
	double bv = 0;
	bool differ = false;
	for (int i = 0; i < X.ncmp; i++) {
		const struct mlflow_metric *m = mlflow_run_metric(xp_run(X.cmp_runs[i]), k->key);
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

void xp_compare_rebuild(void)
{
	xp_collect_keys();
	free(X.cmp_rows);
	X.cmp_rows = xcalloc((size_t)X.nallkeys + 1, sizeof *X.cmp_rows);
	X.ncmp_rows = X.cmp_hidden = 0;
	/* Params first, then metrics, as the MLflow UI lists them. */
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < X.nallkeys; k++) {
			const struct xkey *key = &X.allkeys[k];
			if (key->metric != (pass == 1))
				continue;
			bool equal = true, any = false;
			char first[256], v[256];
			for (int i = 0; i < X.ncmp; i++) {
				cmp_value(xp_run(X.cmp_runs[i]), key, v, sizeof v);
				any |= strcmp(v, "-") != 0;
				if (i == 0)
					snprintf(first, sizeof first, "%s", v);
				else if (strcmp(first, v))
					equal = false;
			}
			if (!any)
				continue;
			if (equal && !X.show_equal) {
				X.cmp_hidden++;
				continue;
			}
			X.cmp_rows[X.ncmp_rows++] = *key;
		}
	xp_bump();
}

void xp_compare_open(void)
{
	X.ncmp = 0;
	for (size_t i = 0; i < X.nruns && X.ncmp < XP_MAXCOMPARE; i++)
		if (X.marked[i])
			X.cmp_runs[X.ncmp++] = (int)i;
	X.show_equal = false;
	X.view = XV_COMPARE;
	xp_compare_rebuild();
}

/* ---- column chooser -------------------------------------------------------- */

static bool is_column(const struct xkey *k)
{
	for (int i = 0; i < X.ncols; i++)
		if (X.cols[i].key == k->key && X.cols[i].metric == k->metric)
			return true;
	return false;
}

static void toggle_column(const struct xkey *k)
{
	X.cols_chosen = true;
	for (int i = 0; i < X.ncols; i++)
		if (X.cols[i].key == k->key && X.cols[i].metric == k->metric) {
			memmove(&X.cols[i], &X.cols[i + 1],
				(size_t)(X.ncols - i - 1) * sizeof *X.cols);
			X.ncols--;
			xp_bump();
			return;
		}
	if (X.ncols == XP_MAXCOLS) {
		app_message(ROLE_WARN, "at most %d metric and param columns", XP_MAXCOLS);
		return;
	}
	X.cols[X.ncols++] = *k;
	xp_bump();
}

void xp_columns_open(void)
{
	xp_collect_keys();
	X.view = XV_COLUMNS;
	xp_bump();
}

/* ---- artifact preview and download ------------------------------------- */

static void blob_done(void *res, const struct mlc_err *err, void *arg)
{
	X.blob_req = NULL;
	preview_free(&X.pv);
	if (err) {
		char *m = xstrdup(err->msg);
		preview_build(&X.pv, X.pv_name, NULL, m, strlen(m), false);
		free(m);
		app_message(ROLE_ERR, "%s", err->msg);
	} else {
		struct mlflowc_blob *b = res;
		preview_build(&X.pv, X.pv_name, b->content_type, b->data, b->len, b->truncated);
	}
	X.pv_loaded = true;
	char *name = san_str(X.pv_name);
	char title[300];
	snprintf(title, sizeof title, "%s  %s%s%s", name, X.pv.label, X.pv.note[0] ? " — " : "",
		 X.pv.note);
	free(name);
	textview_set(&X.tv, X.pv.lines, X.pv.nlines, X.pv.width, title);
	xp_bump();
}

static const struct mlflow_file *art_file(int file)
{
	return file >= 0 && (size_t)file < X.arts.n ? &X.arts.files[file] : NULL;
}

void xp_preview_open(int file)
{
	const struct mlflow_file *f = art_file(file);
	const struct mlflow_run *r = det_run();
	if (!f || !r || f->is_dir)
		return;
	xp_preview_close();
	snprintf(X.pv_name, sizeof X.pv_name, "%s", f->path);
	X.view = XV_PREVIEW;
	X.blob_req = mlflowc_artifact_head(&X.c, r->artifact_uri, r->run_id, f->path, PREVIEW_BYTES,
					   blob_done, NULL);
	xp_bump();
}

void xp_preview_close(void)
{
	mlflowc_cancel(X.blob_req);
	X.blob_req = NULL;
	preview_free(&X.pv);
	memset(&X.pv, 0, sizeof X.pv);
	memset(&X.tv, 0, sizeof X.tv);
	X.pv_loaded = false;
}

bool xp_preview_body(struct canvas *cv)
{
	canvas_clear(cv, ROLE_NORMAL);
	if (!X.pv_loaded) {
		canvas_text(cv, 1, 1, "loading the first 64 KB…", ROLE_DIM, 0);
		return true;
	}
	textview_draw(&X.tv, cv);
	return true;
}

struct dl_job {
	char path[1024];
	int64_t last_ms;
};

static void dl_progress(int64_t now, int64_t total, void *arg)
{
	struct dl_job *j = arg;
	if (mono_ms() - j->last_ms < 200)
		return;
	j->last_ms = mono_ms();
	char a[32], b[32];
	fmt_bytes(a, sizeof a, (uint64_t)now);
	if (total > 0) {
		fmt_bytes(b, sizeof b, (uint64_t)total);
		app_message(ROLE_DIM, "downloading %s: %s of %s (%d%%)", j->path, a, b,
			    (int)(100 * now / total));
	} else {
		app_message(ROLE_DIM, "downloading %s: %s", j->path, a);
	}
}

static void dl_done(const struct dl_result *r, const struct mlc_err *err, void *arg)
{
	struct dl_job *j = arg;
	char *p = san_str(j->path);
	if (err) {
		app_message(ROLE_ERR, "download %s failed: %s", p, err->msg);
	} else {
		char a[32];
		fmt_bytes(a, sizeof a, (uint64_t)r->bytes);
		app_message(ROLE_OK, "downloaded %s (%s)", p, a);
	}
	free(p);
	free(j);
}

struct dl_ask {
	char uri[1024], run_id[64], path[1024];
};

static void dl_path_given(void *arg, const char *text)
{
	struct dl_ask *a = arg;
	if (!text || !*text || !X.have_client) {
		free(a);
		return;
	}
	struct dl_job *j = xcalloc(1, sizeof *j);
	snprintf(j->path, sizeof j->path, "%s", text);
	struct http_opts o;
	char *url = mlflowc_artifact_opts(&X.c, a->uri, a->run_id, a->path, &o);
	o.max_bytes = (size_t)4 << 30;
	struct dl_opts d = {.progress = dl_progress, .done = dl_done, .arg = j};
	dl_start(&o, j->path, &d);
	free(url);
	free(a);
}

/* d: asks for a local path (the artifact's name in the current folder),
 * then streams the artifact there; the download survives leaving the
 * view (it writes a local file the user asked for). */
void xp_download(int file)
{
	const struct mlflow_file *f = art_file(file);
	const struct mlflow_run *r = det_run();
	if (!f || !r || f->is_dir) {
		app_message(ROLE_DIM, "d downloads the selected artifact file");
		return;
	}
	struct dl_ask *a = xcalloc(1, sizeof *a);
	snprintf(a->uri, sizeof a->uri, "%s", r->artifact_uri ? r->artifact_uri : "");
	snprintf(a->run_id, sizeof a->run_id, "%s", r->run_id);
	snprintf(a->path, sizeof a->path, "%s", f->path);
	const char *base = strrchr(f->path, '/');
	char *initial = san_str(base ? base + 1 : f->path);
	app_input("download to: ", initial, dl_path_given, a);
	free(initial);
}

/* ---- the sub-views' table and keys ------------------------------------- */

static const struct column det_cols[] = {
    {"SECTION", 6, 8, ALIGN_LEFT, 3, false},
    {"KEY", 8, 30, ALIGN_LEFT, 0, false},
    {"VALUE", 10, 0, ALIGN_LEFT, 0, false},
};
static const struct column col_cols[] = {
    {"", 3, 3, ALIGN_LEFT, 0, false},
    {"KIND", 6, 6, ALIGN_LEFT, 0, false},
    {"KEY", 10, 40, ALIGN_LEFT, 0, false},
    {"RUNS", 5, 8, ALIGN_RIGHT, 0, true},
};

const struct column *xp_sub_columns(int *n)
{
	switch (X.view) {
	case XV_RUN:
		*n = 3;
		return det_cols;
	case XV_COLUMNS:
		*n = 4;
		return col_cols;
	case XV_COMPARE:
		X.cmp_cols[0] = (struct column){"", 10, 28, ALIGN_LEFT, 0, false};
		for (int i = 0; i < X.ncmp; i++) {
			const struct mlflow_run *r = xp_run(X.cmp_runs[i]);
			char *t = san_str(r->run_name ? r->run_name : r->run_id);
			snprintf(X.cmp_title[i], sizeof X.cmp_title[i], "%s", t);
			free(t);
			X.cmp_cols[1 + i] =
			    (struct column){X.cmp_title[i], 8, 16, ALIGN_LEFT, i + 1, false};
		}
		*n = 1 + X.ncmp;
		return X.cmp_cols;
	default:
		*n = 1;
		return det_cols + 2;
	}
}

int xp_sub_nrows(void)
{
	switch (X.view) {
	case XV_RUN:
		return X.ndrows;
	case XV_COLUMNS:
		return X.nallkeys;
	case XV_COMPARE:
		return X.ncmp_rows;
	default:
		return 0;
	}
}

void xp_sub_cell(int row, int col, struct cell *out)
{
	if (X.view == XV_RUN && row < X.ndrows) {
		const struct drow *d = &X.drows[row];
		enum role r =
		    !strcmp(d->section, "metric") ? ROLE_OK
		    : !strcmp(d->section, "artifact") && d->ref >= 0 && X.arts.files[d->ref].is_dir
			? ROLE_KEY
			: ROLE_NORMAL;
		if (col == 0)
			mlp_cell(out, d->section, ROLE_DIM);
		else if (col == 1)
			mlp_cell(out, d->key, r == ROLE_OK ? ROLE_NORMAL : r);
		else if (!strcmp(d->key, "status") && !strcmp(d->section, "info"))
			mlp_cell(out, d->value, mlp_status_role(det_run()->status));
		else
			mlp_cell(out, d->value, r == ROLE_OK ? ROLE_OK : ROLE_NORMAL);
	} else if (X.view == XV_COLUMNS && row < X.nallkeys) {
		const struct xkey *k = &X.allkeys[row];
		char n[16];
		if (col == 0)
			mlp_cell(out, is_column(k) ? "[x]" : "[ ]", ROLE_MARK);
		else if (col == 1)
			mlp_cell(out, k->metric ? "metric" : "param", ROLE_DIM);
		else if (col == 2)
			mlp_cell(out, mlflow_keys_name(&X.keys, k->key), ROLE_NORMAL);
		else {
			snprintf(n, sizeof n, "%d", k->count);
			mlp_cell(out, n, ROLE_DIM);
		}
	} else if (X.view == XV_COMPARE && row < X.ncmp_rows) {
		const struct xkey *k = &X.cmp_rows[row];
		if (col == 0) {
			char *name = xasprintf("%s%s", k->metric ? "" : "param ",
					       mlflow_keys_name(&X.keys, k->key));
			mlp_cell(out, name, k->metric ? ROLE_OK : ROLE_NORMAL);
			free(name);
			return;
		}
		char v[256];
		cmp_value(xp_run(X.cmp_runs[col - 1]), k, v, sizeof v);
		bool best = k->metric && best_run(k) == col - 1;
		if (best)
			snprintf(v + strlen(v), sizeof v - strlen(v), " %s",
				 canvas_utf8() ? "▲" : "^");
		mlp_cell(out, v, best ? ROLE_OK : ROLE_NORMAL);
	}
}

static int back_to_runs(void)
{
	xp_preview_close();
	xp_chart_close();
	xp_detail_close();
	X.view = XV_RUNS;
	app_view_pop();
	xp_bump();
	return P_HANDLED | P_RELOAD;
}

static int detail_key(int key, int row)
{
	const struct drow *d = row >= 0 && row < X.ndrows ? &X.drows[row] : NULL;
	const struct mlflow_run *r = det_run();
	bool enter = key == '\n' || key == '\r';
	if (enter && d && !strcmp(d->section, "metric")) {
		app_view_push();
		xp_chart_open((uint32_t)d->ref, false);
		return P_HANDLED | P_RELOAD;
	}
	if (key == 'm' && r && r->nmetrics) {
		app_view_push();
		xp_chart_open(d && !strcmp(d->section, "metric") ? (uint32_t)d->ref
								 : r->metrics[0].key,
			      false);
		return P_HANDLED | P_RELOAD;
	}
	if (enter && d && !strcmp(d->section, "info") && !strcmp(d->key, "artifacts")) {
		/* An s3:// artifact location opens in the Buckets panel; a
		 * proxied one (mlflow-artifacts:/) where the server keeps it. */
		char *uri = mlp_artifact_s3_uri(d->value);
		if (!uri)
			app_message(ROLE_DIM,
				    "the artifact location is not in S3: nothing to browse");
		else if (!app_goto("buckets", "cd", uri))
			app_message(ROLE_ERR, "the Buckets panel did not take the location");
		free(uri);
		return P_HANDLED | P_REDRAW;
	}
	if ((enter || key == 'p') && d && !strcmp(d->section, "artifact") && r) {
		if (d->ref == -2 || X.arts.files[d->ref].is_dir) {
			if (d->ref == -2) {
				char *s = strrchr(X.art_path, '/');
				if (s)
					*s = '\0';
				else
					X.art_path[0] = '\0';
			} else {
				snprintf(X.art_path, sizeof X.art_path, "%s",
					 X.arts.files[d->ref].path);
			}
			arts_load(r->run_id);
			return P_HANDLED;
		}
		app_view_push();
		xp_preview_open((int)d->ref);
		return P_HANDLED | P_RELOAD;
	}
	if (key == 'd') {
		xp_download(d && !strcmp(d->section, "artifact") ? (int)d->ref : -1);
		return P_HANDLED;
	}
	if (key == 27 || key == 'q')
		return back_to_runs();
	return P_IGNORED;
}

int xp_sub_on_key(int key, int row)
{
	switch (X.view) {
	case XV_RUN:
		return detail_key(key, row);
	case XV_CHART: {
		if (key == 27 || key == 'q') {
			xp_chart_close();
			X.view = X.overlay ? XV_COMPARE : XV_RUN;
			app_view_pop();
			xp_bump();
			return P_HANDLED | P_RELOAD;
		}
		if (key == 'x') {
			X.xmode = (X.xmode + 1) % 3;
			xp_bump();
			return P_HANDLED | P_REDRAW;
		}
		if (!X.overlay && (key == 'm' || key == '+')) {
			long k = next_metric(X.chart_key);
			if (k < 0)
				return P_HANDLED;
			if (key == 'm')
				hist_clear();
			X.chart_key = (uint32_t)k;
			if (!X.hist_req && X.nhist < XP_MAXSERIES)
				hist_fetch((uint32_t)k);
			xp_bump();
			return P_HANDLED | P_REDRAW;
		}
		return P_HANDLED; /* the chart takes no table keys */
	}
	case XV_COMPARE:
		if (key == '=') {
			X.show_equal = !X.show_equal;
			xp_compare_rebuild();
			return P_HANDLED | P_RELOAD;
		}
		if (key == 'o') {
			const struct xkey *k =
			    row >= 0 && row < X.ncmp_rows && X.cmp_rows[row].metric
				? &X.cmp_rows[row]
				: NULL;
			for (int i = 0; !k && i < X.ncmp_rows; i++)
				if (X.cmp_rows[i].metric)
					k = &X.cmp_rows[i];
			if (!k) {
				app_message(ROLE_WARN, "no metric to overlay");
				return P_HANDLED;
			}
			app_view_push();
			xp_chart_open(k->key, true);
			return P_HANDLED | P_RELOAD;
		}
		if (key == 27 || key == 'q')
			return back_to_runs();
		return P_IGNORED;
	case XV_COLUMNS:
		if ((key == ' ' || key == '\n' || key == '\r') && row >= 0 && row < X.nallkeys) {
			toggle_column(&X.allkeys[row]);
			return P_HANDLED | P_REDRAW;
		}
		if (key == 27 || key == 'q')
			return back_to_runs();
		return P_IGNORED;
	case XV_PREVIEW:
		if (key == 27 || key == 'q') {
			xp_preview_close();
			X.view = XV_RUN;
			app_view_pop();
			xp_bump();
			return P_HANDLED | P_RELOAD;
		}
		if (textview_key(&X.tv, key)) {
			app_dirty();
			return P_HANDLED | P_REDRAW;
		}
		return P_HANDLED;
	default:
		return P_IGNORED;
	}
}
