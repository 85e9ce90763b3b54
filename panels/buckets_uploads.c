/* panels/buckets_uploads.c — a bucket's incomplete multipart uploads: the
 * parts of uploads never completed nor aborted take space that listings
 * and du do not show. The uploads view lists them (ListMultipartUploads,
 * every page) with their parts and bytes (ListParts, four at a time); D
 * aborts the selected one and A every one listed, each after a dialog
 * naming them (refused under --readonly: the actions say ACT_F_WRITES;
 * lib/s3c audits each abort). du shows the same count on its status line
 * through bk_ucount. No curses, no I/O beyond lib/s3c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buckets.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "lib/s3/s3_mpu.h"
#include "mlflowp.h"
#include "tui/app.h"
#include "tui/glyph.h"

#define UP_PARALLEL 4

struct uprow {
	struct bk_ucount *c;
	char *key, *id;
	bool key_nul;
	int64_t initiated_ms;
	long parts;
	int64_t bytes;
	bool sized, failed;
	struct s3c_mpu *req; /* its ListParts */
};

/* The incomplete uploads of bucket under prefix, sized part by part. */
struct bk_ucount {
	const struct target *t;
	char *bucket, *prefix;
	struct uprow **rows;
	size_t n;
	struct s3c_mpu *req; /* the listing */
	bool listed, capped;
	size_t next; /* the next row to size */
	int sizing;
	char err[400];
	unsigned long gen;
	void (*changed)(void *arg);
	void *arg;
	/* aborts in flight (the view's D and A): one at a time */
	struct s3c_mpu *abort_req;
	char **abort_keys, **abort_ids;
	size_t nabort, abort_next, aborted, abort_failed;
	char abort_err[300];
	struct view *v;
};

static void uc_clear(struct bk_ucount *c)
{
	s3c_mpu_cancel(c->req);
	c->req = NULL;
	for (size_t i = 0; i < c->n; i++) {
		s3c_mpu_cancel(c->rows[i]->req);
		free(c->rows[i]->key);
		free(c->rows[i]->id);
		free(c->rows[i]);
	}
	free(c->rows);
	c->rows = NULL;
	c->n = c->next = 0;
	c->sizing = 0;
	c->listed = c->capped = false;
	c->err[0] = '\0';
}

static void uc_changed(struct bk_ucount *c)
{
	c->gen++;
	if (c->changed)
		c->changed(c->arg);
	app_dirty();
}

static void uc_pump(struct bk_ucount *c);

static void uc_parts(long parts, int64_t bytes, const struct mlc_err *err, void *arg)
{
	struct uprow *r = arg;
	struct bk_ucount *c = r->c;
	r->req = NULL;
	c->sizing--;
	r->sized = true;
	r->failed = err != NULL;
	r->parts = parts;
	r->bytes = bytes;
	if (err && !c->err[0])
		san_into(c->err, sizeof c->err, err->msg, strlen(err->msg));
	uc_pump(c);
	uc_changed(c);
}

static void uc_pump(struct bk_ucount *c)
{
	while (c->sizing < UP_PARALLEL && c->next < c->n) {
		struct uprow *r = c->rows[c->next++];
		if (r->key_nul) { /* cannot be named in a request */
			r->sized = r->failed = true;
			continue;
		}
		c->sizing++;
		r->req = s3c_list_parts(c->t, c->bucket, r->key, r->id, uc_parts, r);
	}
}

static void uc_listed(const struct s3_upload *u, size_t n, bool capped, const struct mlc_err *err,
		      void *arg)
{
	struct bk_ucount *c = arg;
	c->req = NULL;
	c->listed = true;
	c->capped = capped;
	if (err) {
		san_into(c->err, sizeof c->err, err->msg, strlen(err->msg));
		uc_changed(c);
		return;
	}
	c->rows = xcalloc(n + 1, sizeof *c->rows);
	for (size_t i = 0; i < n; i++) {
		if (!str_starts(u[i].key, c->prefix))
			continue;
		struct uprow *r = xcalloc(1, sizeof *r);
		r->c = c;
		r->key = xstrdup(u[i].key);
		r->id = xstrdup(u[i].upload_id);
		r->key_nul = u[i].key_nul;
		r->initiated_ms = u[i].initiated_ms;
		c->rows[c->n++] = r;
	}
	uc_pump(c);
	uc_changed(c);
}

static void uc_start(struct bk_ucount *c)
{
	uc_clear(c);
	c->req = s3c_list_uploads(c->t, c->bucket, uc_listed, c);
	uc_changed(c);
}

struct bk_ucount *bk_ucount_start(const struct target *t, const char *bucket, const char *prefix,
				  void (*changed)(void *arg), void *arg)
{
	struct bk_ucount *c = xcalloc(1, sizeof *c);
	c->t = t;
	c->bucket = xstrdup(bucket);
	c->prefix = xstrdup(prefix ? prefix : "");
	c->changed = changed;
	c->arg = arg ? arg : c;
	uc_start(c);
	return c;
}

static void uc_abort_clear(struct bk_ucount *c)
{
	s3c_mpu_cancel(c->abort_req);
	c->abort_req = NULL;
	strv_free(c->abort_keys);
	strv_free(c->abort_ids);
	c->abort_keys = c->abort_ids = NULL;
	c->nabort = c->abort_next = c->aborted = c->abort_failed = 0;
	c->abort_err[0] = '\0';
}

void bk_ucount_free(struct bk_ucount *c)
{
	if (!c)
		return;
	uc_clear(c);
	uc_abort_clear(c);
	free(c->bucket);
	free(c->prefix);
	free(c);
}

/* The bytes of the rows sized so far; *busy: some still to size. */
static int64_t uc_bytes(const struct bk_ucount *c, bool *busy)
{
	int64_t b = 0;
	*busy = !c->listed || c->sizing > 0 || c->next < c->n;
	for (size_t i = 0; i < c->n; i++)
		b += c->rows[i]->bytes;
	return b;
}

void bk_ucount_text(const struct bk_ucount *c, char *out, size_t n)
{
	if (!c->listed) {
		snprintf(out, n, "incomplete uploads: %s", glyph(G_ELLIPSIS));
		return;
	}
	if (c->err[0] && !c->n) {
		snprintf(out, n, "incomplete uploads: unknown (%s)", c->err);
		return;
	}
	bool busy;
	char a[32], b[32];
	fmt_count(a, sizeof a, (long long)c->n);
	fmt_bytes(b, sizeof b, (uint64_t)uc_bytes(c, &busy));
	snprintf(out, n, "incomplete uploads: %s%s, %s%s", a, c->capped ? "+" : "", b,
		 busy ? glyph(G_ELLIPSIS) : "");
}

/* ---- the view --------------------------------------------------------------- */

static void up_view_changed(void *arg)
{
	struct bk_ucount *c = arg;
	if (c->v)
		view_changed(c->v);
}

void bk_push_uploads(struct panel *p, const struct target *t, const char *bucket,
		     const char *prefix)
{
	struct bk_ucount *c = bk_ucount_start(t, bucket, prefix, up_view_changed, NULL);
	c->v = view_push(p, &bk_uploads_view, c);
	if (!c->v)
		bk_ucount_free(c);
}

static const struct column up_cols[] = {
    {"KEY", 12, 0, ALIGN_LEFT, 0, false},	 {"UPLOAD ID", 9, 14, ALIGN_LEFT, 2, false},
    {"INITIATED", 16, 19, ALIGN_LEFT, 1, false}, {"PARTS", 5, 8, ALIGN_RIGHT, 0, true},
    {"SIZE", 8, 10, ALIGN_RIGHT, 0, true},
};

static const struct column *up_columns(struct view *v, int *n)
{
	*n = (int)ARRAY_LEN(up_cols);
	return up_cols;
}

static int up_nrows(struct view *v)
{
	return (int)((struct bk_ucount *)v->priv)->n;
}

static unsigned long up_generation(struct view *v)
{
	return ((struct bk_ucount *)v->priv)->gen;
}

/* "2b9f0c1d…77c1": an upload id is long and only its ends tell them apart. */
static void short_id(char *out, size_t n, const char *id)
{
	char *s = san_str(id);
	size_t l = strlen(s);
	if (l > 13)
		snprintf(out, n, "%.8s%s%s", s, glyph(G_ELLIPSIS), s + l - 4);
	else
		snprintf(out, n, "%s", s);
	free(s);
}

static void up_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct bk_ucount *c = v->priv;
	const struct uprow *r = row >= 0 && (size_t)row < c->n ? c->rows[row] : NULL;
	out->text[0] = '\0';
	out->role = ROLE_NORMAL;
	if (!r)
		return;
	switch (col) {
	case 0:
		mlp_cell(out, r->key, ROLE_NORMAL);
		break;
	case 1:
		short_id(out->text, sizeof out->text, r->id);
		out->role = ROLE_DIM;
		break;
	case 2:
		bk_full_time(out->text, sizeof out->text, r->initiated_ms);
		snprintf(out->sort, sizeof out->sort, "%020lld", (long long)r->initiated_ms);
		break;
	case 3:
	case 4:
		if (!r->sized || r->failed) {
			mlp_cell(out, r->failed ? "?" : "", ROLE_DIM);
			if (!r->sized)
				bk_more(out);
		} else if (col == 3) {
			bk_count_cell(out, r->parts);
		} else {
			bk_size_cell(out, r->bytes);
		}
		break;
	}
}

static void up_title(struct view *v, char *out, size_t n)
{
	const struct bk_ucount *c = v->priv;
	char uri[300];
	bk_uri_of(uri, sizeof uri, c->bucket, c->prefix);
	snprintf(out, n, "incomplete uploads in %s", uri);
}

static void up_status(struct view *v, char *out, size_t n)
{
	bk_ucount_text(v->priv, out, n);
}

static void up_empty(struct view *v, char *out, size_t n)
{
	const struct bk_ucount *c = v->priv;
	if (!c->listed)
		snprintf(out, n, "listing the incomplete uploads%s", glyph(G_ELLIPSIS));
	else if (c->err[0])
		snprintf(out, n, "%s", c->err);
	else
		snprintf(out, n, "no incomplete uploads: nothing takes space unseen");
}

static void up_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	const struct bk_ucount *c = v->priv;
	*role = ROLE_DIM;
	if (row < 0 || (size_t)row >= c->n)
		return;
	char *id = san_str(c->rows[row]->id);
	snprintf(out, n, "upload id %s", id);
	free(id);
}

static void up_copy(struct view *v, int row, char *out, size_t n)
{
	const struct bk_ucount *c = v->priv;
	if (row >= 0 && (size_t)row < c->n)
		san_into(out, n, c->rows[row]->id, strlen(c->rows[row]->id));
}

static void up_reload(struct view *v)
{
	uc_start(v->priv);
}

static void up_close(struct view *v)
{
	bk_ucount_free(v->priv);
}

/* ---- aborts ------------------------------------------------------------- */

static void abort_step(struct bk_ucount *c);

static void abort_done(const struct mlc_err *err, void *arg)
{
	struct bk_ucount *c = arg;
	c->abort_req = NULL;
	if (err) {
		c->abort_failed++;
		if (!c->abort_err[0])
			san_into(c->abort_err, sizeof c->abort_err, err->msg, strlen(err->msg));
	} else {
		c->aborted++;
	}
	abort_step(c);
}

static void abort_step(struct bk_ucount *c)
{
	if (c->abort_next < c->nabort) {
		size_t i = c->abort_next++;
		char a[32], b[32];
		fmt_count(a, sizeof a, (long long)c->abort_next);
		fmt_count(b, sizeof b, (long long)c->nabort);
		app_message(ROLE_DIM, "aborting incomplete uploads: %s of %s", a, b);
		c->abort_req = s3c_abort_upload(c->t, c->bucket, c->abort_keys[i], c->abort_ids[i],
						abort_done, c);
		return;
	}
	char a[32];
	fmt_count(a, sizeof a, (long long)c->aborted);
	if (c->abort_failed)
		app_message(ROLE_ERR, "aborted %s incomplete uploads; %zu failed: %s", a,
			    c->abort_failed, c->abort_err);
	else
		app_message(ROLE_OK, "aborted %s incomplete upload%s: %s parts are deleted", a,
			    c->aborted == 1 ? "" : "s", c->aborted == 1 ? "its" : "their");
	uc_abort_clear(c);
	uc_start(c);
}

static void abort_confirmed(void *arg, bool yes)
{
	struct bk_ucount *c = arg;
	if (!yes) {
		app_message(ROLE_DIM, "nothing aborted");
		uc_abort_clear(c);
		return;
	}
	abort_step(c);
}

/* Asks to abort rows first..first+count-1 (those that can be named). */
static int abort_rows(struct view *v, size_t first, size_t count)
{
	struct bk_ucount *c = v->priv;
	if (c->abort_req) {
		app_message(ROLE_DIM, "an abort is on its way: wait for it");
		return P_REDRAW;
	}
	uc_abort_clear(c);
	c->abort_keys = xcalloc(count + 1, sizeof *c->abort_keys);
	c->abort_ids = xcalloc(count + 1, sizeof *c->abort_ids);
	int64_t bytes = 0;
	for (size_t i = first; i < first + count && i < c->n; i++) {
		if (c->rows[i]->key_nul)
			continue;
		c->abort_keys[c->nabort] = xstrdup(c->rows[i]->key);
		c->abort_ids[c->nabort++] = xstrdup(c->rows[i]->id);
		bytes += c->rows[i]->bytes;
	}
	if (!c->nabort) {
		app_message(ROLE_ERR, "nothing to abort: the key holds a NUL byte");
		uc_abort_clear(c);
		return P_REDRAW;
	}
	char n[32], b[32], l0[600], l1[200], l2[600] = "", action[80], id[64];
	fmt_count(n, sizeof n, (long long)c->nabort);
	fmt_bytes(b, sizeof b, (uint64_t)bytes);
	char *uri = xasprintf("s3://%s/%s", c->bucket, c->abort_keys[0]);
	char *s = san_str(uri);
	short_id(id, sizeof id, c->abort_ids[0]);
	if (c->nabort == 1) {
		snprintf(l0, sizeof l0, "%s", s);
		snprintf(l1, sizeof l1, "upload id %s, %s of parts", id, b);
		snprintf(action, sizeof action, "abort this upload");
	} else {
		char *lraw = xasprintf("s3://%s/%s", c->bucket, c->abort_keys[c->nabort - 1]);
		char *last = san_str(lraw);
		free(lraw);
		snprintf(l0, sizeof l0, "%s incomplete uploads in s3://%s/, %s of parts", n,
			 c->bucket, b);
		snprintf(l1, sizeof l1, "from %s", s);
		snprintf(l2, sizeof l2, "to %s", last);
		free(last);
		snprintf(action, sizeof action, "abort %s uploads", n);
	}
	free(uri);
	free(s);
	struct dialog d = {.title = "Abort incomplete multipart uploads",
			   .lines = {l0, l1, l2[0] ? l2 : "The parts are deleted.",
				     l2[0] ? "The parts are deleted." : NULL, NULL},
			   .action = action,
			   .done = abort_confirmed,
			   .arg = c};
	app_confirm(&d);
	return P_REDRAW;
}

static int up_abort_one(struct view *v, int row)
{
	return abort_rows(v, (size_t)row, 1);
}

static int up_abort_all(struct view *v, int row)
{
	struct bk_ucount *c = v->priv;
	if (!c->n) {
		app_message(ROLE_DIM, "no incomplete uploads to abort");
		return P_REDRAW;
	}
	return abort_rows(v, 0, c->n);
}

static const struct view_action up_actions[] = {
    {"abort", "D", "abort", "abort the selected upload (its parts are deleted)",
     ACT_F_SELECTION | ACT_F_WRITES | ACT_F_CONFIRM, up_abort_one},
    {"abort-all", "A", "abort all", "abort every incomplete upload listed",
     ACT_F_WRITES | ACT_F_CONFIRM, up_abort_all},
    {"sort", "s", "sort", NULL, 0, NULL},
    {"refresh", "r", "refresh", NULL, 0, NULL},
    {"copy", "y", NULL, NULL, 0, NULL},
};

const struct view_ops bk_uploads_view = {
    .name = "incomplete uploads",
    .title = up_title,
    .columns = up_columns,
    .nrows = up_nrows,
    .cell = up_cell,
    .generation = up_generation,
    .detail = up_detail,
    .empty_text = up_empty,
    .copy_text = up_copy,
    .reload = up_reload,
    .status = up_status,
    .close = up_close,
    .actions = up_actions,
    .nactions = ARRAY_LEN(up_actions),
};
