/* panels/exp_detail.c — a run's detail (info, params, latest metrics, tags,
 * dataset inputs, artifacts) as table rows: Enter on a metric charts it,
 * on the artifact location opens it in Buckets, on a folder lists it, on a
 * file previews it; d downloads a file (panels/transfer.c). State: struct
 * xp_detail, the view's priv; its requests are cancelled when it closes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments.h"
#include "lib/core/download.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "transfer.h"
#include "tui/app.h"

const struct mlflow_run *xp_detail_run(const struct xp_detail *d)
{
	if (d->det_loaded)
		return &d->det;
	return xp_runs_get(d->rs, d->idx);
}

/* ---- rows ------------------------------------------------------------------- */

static void drows_free(struct xp_detail *d)
{
	for (int i = 0; i < d->ndrows; i++) {
		free(d->drows[i].key);
		free(d->drows[i].value);
	}
	free(d->drows);
	d->drows = NULL;
	d->ndrows = 0;
}

static void drow(struct xp_detail *d, const char *section, const char *key, const char *value,
		 long ref)
{
	d->drows = xrealloc(d->drows, (size_t)(d->ndrows + 1) * sizeof *d->drows);
	struct drow *r = &d->drows[d->ndrows++];
	snprintf(r->section, sizeof r->section, "%s", section);
	r->key = xstrdup(key ? key : "");
	r->value = xstrdup(value ? value : "");
	r->ref = ref;
}

static void info_rows(struct xp_detail *d, const struct mlflow_run *r)
{
	char a[64], b[64];
	drow(d, "info", "run id", r->run_id, -1);
	drow(d, "info", "name", r->run_name, -1);
	drow(d, "info", "status", mlflow_status_name(r->status), -1);
	drow(d, "info", "user", r->user_id, -1);
	mlp_time(a, sizeof a, r->start_time);
	if (r->end_time)
		fmt_age(b, sizeof b, (long)(r->end_time - r->start_time));
	else
		snprintf(b, sizeof b, "%s", r->status == MLFLOW_ST_RUNNING ? "running" : "-");
	char *when = xasprintf("%s, %s", a, b);
	drow(d, "info", "start", when, -1);
	free(when);
	drow(d, "info", "source", r->source_name, -1);
	if (r->parent_run_id)
		drow(d, "info", "parent", r->parent_run_id, -1);
	drow(d, "info", "artifacts", r->artifact_uri, -1);
}

static void artifact_rows(struct xp_detail *d)
{
	if (d->art_path[0])
		drow(d, "artifact", "..", "up", -2);
	for (size_t i = 0; i < d->arts.n; i++) {
		const struct mlflow_file *f = &d->arts.files[i];
		char size[32];
		if (f->is_dir)
			snprintf(size, sizeof size, "dir");
		else
			fmt_bytes(size, sizeof size, (uint64_t)f->file_size);
		const char *base = strrchr(f->path, '/');
		char *name = xasprintf("%s%s", base ? base + 1 : f->path, f->is_dir ? "/" : "");
		drow(d, "artifact", name, size, (long)i);
		free(name);
	}
}

static void detail_rebuild(struct xp_detail *d)
{
	drows_free(d);
	const struct mlflow_run *r = xp_detail_run(d);
	const struct mlflow_keys *k = &d->x->keys;
	d->gen++;
	app_dirty();
	if (!r)
		return;
	info_rows(d, r);
	for (size_t i = 0; i < r->nparams; i++)
		drow(d, "param", mlflow_keys_name(k, r->params[i].key), r->params[i].value, -1);
	for (size_t i = 0; i < r->nmetrics; i++) {
		char v[64], *s;
		mlflow_fmt_metric(v, sizeof v, r->metrics[i].value);
		s = xasprintf("%s  (step %lld)", v, (long long)r->metrics[i].step);
		drow(d, "metric", mlflow_keys_name(k, r->metrics[i].key), s,
		     (long)r->metrics[i].key);
		free(s);
	}
	for (size_t i = 0; i < r->ntags; i++)
		if (!str_starts(mlflow_keys_name(k, r->tags[i].key), "mlflow.log-model"))
			drow(d, "tag", mlflow_keys_name(k, r->tags[i].key), r->tags[i].value, -1);
	for (size_t i = 0; i < r->ninputs; i++) {
		const struct mlflow_dataset *ds = &r->inputs[i];
		char *s = xasprintf("%s  digest %s  %s%s%s", ds->source_type ? ds->source_type : "",
				    ds->digest ? ds->digest : "-", ds->context ? "(" : "",
				    ds->context ? ds->context : "", ds->context ? ")" : "");
		drow(d, "input", ds->name, s, -1);
		free(s);
	}
	artifact_rows(d);
}

/* ---- requests ------------------------------------------------------------- */

static void det_done(void *res, const struct mlc_err *err, void *arg)
{
	struct xp_detail *d = arg;
	d->det_req = NULL;
	if (err) {
		app_message(ROLE_ERR, "%s", err->msg);
		return;
	}
	mlflow_run_free(&d->det);
	d->det = *(struct mlflow_run *)res;
	memset(res, 0, sizeof d->det);
	d->det_loaded = true;
	detail_rebuild(d);
}

static void arts_done(void *res, const struct mlc_err *err, void *arg)
{
	struct xp_detail *d = arg;
	d->art_req = NULL;
	if (err) {
		app_message(ROLE_ERR, "%s", err->msg);
		return;
	}
	mlflow_file_list_free(&d->arts);
	d->arts = *(struct mlflow_file_list *)res;
	memset(res, 0, sizeof d->arts);
	detail_rebuild(d);
}

static void arts_load(struct xp_detail *d, const char *run_id)
{
	struct mlflowc *c = xp_client(d->x);
	mlflowc_cancel(d->art_req);
	d->art_req = c ? mlflowc_artifacts(c, run_id, d->art_path, arts_done, d) : NULL;
}

/* Fetches the run (unless :run did) and its artifacts' top folder. */
static void detail_load(struct xp_detail *d)
{
	const struct mlflow_run *r = xp_detail_run(d);
	struct mlflowc *c = xp_client(d->x);
	mlflowc_cancel(d->det_req);
	d->det_req = NULL;
	if (r && c) {
		if (!d->det_loaded)
			d->det_req = mlflowc_run_get(c, &d->x->keys, r->run_id, det_done, d);
		arts_load(d, r->run_id);
	}
	detail_rebuild(d);
}

void xp_detail_push(struct panel *p, struct xp_runs *rs, int idx, struct mlflow_run *run)
{
	struct xp_detail *d = xcalloc(1, sizeof *d);
	d->x = p->priv;
	d->rs = rs;
	d->idx = idx;
	if (run) {
		d->det = *run;
		memset(run, 0, sizeof *run);
		d->det_loaded = true;
	}
	if (!view_push(p, &xp_detail_view, d)) {
		mlflow_run_free(&d->det);
		free(d);
		return;
	}
	detail_load(d);
}

static void detail_close(struct view *v)
{
	struct xp_detail *d = v->priv;
	mlflowc_cancel(d->det_req);
	mlflowc_cancel(d->art_req);
	mlflow_run_free(&d->det);
	mlflow_file_list_free(&d->arts);
	drows_free(d);
	free(d);
}

static void detail_reload(struct view *v)
{
	struct xp_detail *d = v->priv;
	if (d->rs && d->idx >= 0) {
		/* the run as it is now, from the server */
		mlflow_run_free(&d->det);
		d->det_loaded = false;
	}
	d->art_path[0] = '\0';
	mlflow_file_list_free(&d->arts);
	detail_load(d);
}

/* ---- table hooks ------------------------------------------------------------ */

static const struct column det_cols[] = {
    {"SECTION", 6, 8, ALIGN_LEFT, 3, false},
    {"KEY", 8, 30, ALIGN_LEFT, 0, false},
    {"VALUE", 10, 0, ALIGN_LEFT, 0, false},
};

static const struct column *detail_columns(struct view *v, int *n)
{
	*n = ARRAY_LEN(det_cols);
	return det_cols;
}

static int detail_nrows(struct view *v)
{
	return ((struct xp_detail *)v->priv)->ndrows;
}

static unsigned long detail_generation(struct view *v)
{
	return ((struct xp_detail *)v->priv)->gen;
}

static void detail_cell(struct view *v, int row, int col, struct cell *out)
{
	struct xp_detail *d = v->priv;
	if (row < 0 || row >= d->ndrows)
		return;
	const struct drow *r = &d->drows[row];
	const struct mlflow_run *run = xp_detail_run(d);
	bool metric = !strcmp(r->section, "metric");
	bool dir = !strcmp(r->section, "artifact") && r->ref >= 0 && d->arts.files[r->ref].is_dir;
	if (col == 0)
		mlp_cell(out, r->section, ROLE_DIM);
	else if (col == 1)
		mlp_cell(out, r->key, dir ? ROLE_KEY : ROLE_NORMAL);
	else if (!strcmp(r->key, "status") && !strcmp(r->section, "info"))
		mlp_cell(out, r->value, mlp_status_role(run ? run->status : MLFLOW_ST_UNKNOWN));
	else
		mlp_cell(out, r->value, metric ? ROLE_OK : ROLE_NORMAL);
}

static void detail_title(struct view *v, char *out, size_t n)
{
	const struct mlflow_run *r = xp_detail_run(v->priv);
	snprintf(out, n, "%s", r && r->run_name ? r->run_name : r && r->run_id ? r->run_id : "run");
}

/* y: the row's value. */
static void detail_copy(struct view *v, int row, char *out, size_t n)
{
	struct xp_detail *d = v->priv;
	if (row >= 0 && row < d->ndrows)
		san_into(out, n, d->drows[row].value, strlen(d->drows[row].value));
}

/* ---- artifact download ------------------------------------------------------- */

/* What to download, for transfer.c's start callback: the client is the
 * panel's (it outlives the download: the panel cancels its downloads when
 * it closes). */
struct art_dl {
	struct mlflowc *c;
	char *uri, *run_id, *path;
	xfer_progress_cb progress;
	xfer_done_cb done;
	void *arg;
};

static void art_dl_progress(int64_t now, int64_t total, void *arg)
{
	struct art_dl *a = arg;
	a->progress(now, total, a->arg);
}

static void art_dl_done(const struct dl_result *r, const struct mlc_err *err, void *arg)
{
	struct art_dl *a = arg;
	a->done(err ? 0 : r->bytes, err, a->arg);
}

static void *art_dl_start(void *ctx, const char *path, bool overwrite, xfer_progress_cb progress,
			  xfer_done_cb done, void *arg)
{
	struct art_dl *a = ctx;
	a->progress = progress;
	a->done = done;
	a->arg = arg;
	struct http_opts o;
	char *url = mlflowc_artifact_opts(a->c, a->uri, a->run_id, a->path, &o);
	o.max_bytes = (size_t)4 << 30;
	struct dl_opts d = {
	    .overwrite = overwrite, .progress = art_dl_progress, .done = art_dl_done, .arg = a};
	struct dl *h = dl_start(&o, path, &d);
	free(url);
	return h;
}

static void art_dl_cancel(void *handle)
{
	dl_cancel(handle);
}

static void art_dl_free(void *ctx)
{
	struct art_dl *a = ctx;
	free(a->uri);
	free(a->run_id);
	free(a->path);
	free(a);
}

/* url without a user:password@ part: what the audit line may show. */
static char *url_for_log(const char *url)
{
	const char *s = strstr(url, "://");
	if (!s)
		return xstrdup(url);
	s += 3;
	const char *end = s + strcspn(s, "/?#"), *at = NULL;
	for (const char *q = s; q < end; q++)
		if (*q == '@')
			at = q;
	if (!at)
		return xstrdup(url);
	return xasprintf("%.*s%s", (int)(s - url), url, at + 1);
}

/* d: the shared download flow (panels/transfer.c) for the selected file;
 * the download survives leaving the view (it writes a local file the user
 * asked for) and stops when the panel closes. */
static int detail_download(struct view *v, int row)
{
	struct xp_detail *d = v->priv;
	const struct drow *dr = row >= 0 && row < d->ndrows ? &d->drows[row] : NULL;
	const struct mlflow_file *f =
	    dr && !strcmp(dr->section, "artifact") && dr->ref >= 0 ? &d->arts.files[dr->ref] : NULL;
	const struct mlflow_run *r = xp_detail_run(d);
	struct mlflowc *c = xp_client(d->x);
	if (!f || !r || !c || f->is_dir) {
		app_message(ROLE_DIM, "d downloads the selected artifact file");
		return P_REDRAW;
	}
	struct art_dl *a = xcalloc(1, sizeof *a);
	a->c = c;
	a->uri = xstrdup(r->artifact_uri ? r->artifact_uri : "");
	a->run_id = xstrdup(r->run_id);
	a->path = xstrdup(f->path);
	/* The exact request, for the audit line (the URL carries no secret:
	 * credentials go in headers). */
	struct http_opts o;
	char *url = mlflowc_artifact_opts(c, a->uri, a->run_id, a->path, &o);
	char *shown = url_for_log(url);
	char *req = xasprintf("GET %s", shown);
	free(shown);
	char *label = xasprintf("runs:/%s/%s", r->run_id, f->path);
	const char *base = strrchr(f->path, '/');
	struct xfer_src s = {.target = c->t ? c->t->name : "mlflow",
			     .label = label,
			     .request = req,
			     .name = base ? base + 1 : f->path,
			     .size = f->file_size,
			     .start = art_dl_start,
			     .cancel = art_dl_cancel,
			     .ctx = a,
			     .ctx_free = art_dl_free,
			     .owner = d->x};
	xfer_download(&s);
	free(url);
	free(req);
	free(label);
	return P_REDRAW;
}

/* ---- actions ------------------------------------------------------------------ */

/* An s3:// artifact location opens in the Buckets panel; a proxied one
 * (mlflow-artifacts:/) where the server keeps it. */
static void open_location(const struct target *t, const char *location)
{
	char *uri = mlp_artifact_s3_uri(t, location);
	if (!uri)
		app_message(ROLE_DIM, "the artifact location is not in S3: nothing to browse");
	else if (!app_goto("buckets", "cd", uri))
		app_message(ROLE_ERR, "the Buckets panel did not take the location");
	free(uri);
}

/* An artifact row: a folder (or ..) is listed in place, a file previewed. */
static void open_artifact(struct view *v, const struct drow *dr)
{
	struct xp_detail *d = v->priv;
	const struct mlflow_run *r = xp_detail_run(d);
	if (!r)
		return;
	if (dr->ref == -2 || d->arts.files[dr->ref].is_dir) {
		if (dr->ref == -2) {
			char *s = strrchr(d->art_path, '/');
			if (s)
				*s = '\0';
			else
				d->art_path[0] = '\0';
		} else {
			snprintf(d->art_path, sizeof d->art_path, "%s",
				 d->arts.files[dr->ref].path);
		}
		arts_load(d, r->run_id);
		return;
	}
	xp_preview_push(v->panel, r, d->arts.files[dr->ref].path);
}

static int detail_open(struct view *v, int row)
{
	struct xp_detail *d = v->priv;
	const struct drow *dr = &d->drows[row];
	if (!strcmp(dr->section, "metric"))
		xp_chart_push(v->panel, d, (uint32_t)dr->ref);
	else if (!strcmp(dr->section, "info") && !strcmp(dr->key, "artifacts"))
		open_location(d->x->t, dr->value);
	else if (!strcmp(dr->section, "artifact"))
		open_artifact(v, dr);
	return P_REDRAW;
}

/* m: the selected metric's chart, else the run's first metric's. */
static int detail_chart(struct view *v, int row)
{
	struct xp_detail *d = v->priv;
	const struct mlflow_run *r = xp_detail_run(d);
	const struct drow *dr = row >= 0 && row < d->ndrows ? &d->drows[row] : NULL;
	if (!r || !r->nmetrics) {
		app_message(ROLE_DIM, "the run has no metrics to chart");
		return P_REDRAW;
	}
	uint32_t key = dr && !strcmp(dr->section, "metric") ? (uint32_t)dr->ref : r->metrics[0].key;
	xp_chart_push(v->panel, d, key);
	return P_REDRAW;
}

static int detail_preview(struct view *v, int row)
{
	struct xp_detail *d = v->priv;
	if (strcmp(d->drows[row].section, "artifact") != 0) {
		app_message(ROLE_DIM, "p previews the selected artifact");
		return P_REDRAW;
	}
	open_artifact(v, &d->drows[row]);
	return P_REDRAW;
}

static const struct view_action detail_actions[] = {
    {"open", "<Enter>", "chart/open",
     "a metric's chart; the artifact location in Buckets; an artifact folder or file",
     ACT_F_SELECTION, detail_open},
    {"chart", "m", "chart", "the selected (or first) metric's history as a chart", 0, detail_chart},
    {"preview", "p", "preview", "the selected artifact's first 64 KB", ACT_F_SELECTION,
     detail_preview},
    {"download", "d", "download", "download the selected artifact to a local file", 0,
     detail_download},
};

const struct view_ops xp_detail_view = {
    .name = "run",
    .title = detail_title,
    .columns = detail_columns,
    .nrows = detail_nrows,
    .cell = detail_cell,
    .generation = detail_generation,
    .copy_text = detail_copy,
    .reload = detail_reload,
    .close = detail_close,
    .actions = detail_actions,
    .nactions = ARRAY_LEN(detail_actions),
};
