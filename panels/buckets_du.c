/* panels/buckets_du.c — the du view: size and object count per sub-prefix
 * of a prefix, sorted by size, with each one's share; the sub-prefixes are
 * walked four at a time. Enter browses the prefix, u (or r) walks again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buckets.h"
#include "lib/core/log.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "tui/app.h"
#include "tui/glyph.h"

#define DU_PARALLEL 4

struct du_row {
	struct du *du;
	char *prefix; /* full prefix; NULL for the objects directly under the du's prefix */
	int64_t bytes, objects;
	struct s3c_req *req;
	bool started, done;
};

struct du {
	const struct target *t;
	char *bucket, *prefix, *label;
	struct du_row **rows; /* each on its own: a walk's arg, never moved */
	size_t n, cap;
	int *order;
	struct s3c_req *req; /* the delimiter listing that finds the sub-prefixes */
	int running;
	int64_t t0, ms;
	char err[400];
	unsigned long gen;
	struct bk_ucount *inc; /* the incomplete uploads under prefix */
};

static void du_clear(struct du *d)
{
	bk_ucount_free(d->inc);
	d->inc = NULL;
	s3c_cancel(d->req);
	d->req = NULL;
	for (size_t i = 0; i < d->n; i++) {
		s3c_cancel(d->rows[i]->req);
		free(d->rows[i]->prefix);
		free(d->rows[i]);
	}
	free(d->rows);
	free(d->order);
	d->rows = NULL;
	d->order = NULL;
	d->n = d->cap = 0;
	d->running = 0;
	d->err[0] = '\0';
}

static struct du *sorting; /* qsort has no argument: the du being sorted */

static int du_cmp(const void *a, const void *b)
{
	const struct du_row *x = sorting->rows[*(const int *)a];
	const struct du_row *y = sorting->rows[*(const int *)b];
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->objects != y->objects)
		return x->objects < y->objects ? 1 : -1;
	return *(const int *)a - *(const int *)b;
}

static void du_sort(struct du *d)
{
	for (size_t i = 0; i < d->n; i++)
		d->order[i] = (int)i;
	sorting = d;
	qsort(d->order, d->n, sizeof *d->order, du_cmp);
	sorting = NULL;
}

static struct du_row *du_add(struct du *d, const char *prefix)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 32;
		d->rows = xrealloc(d->rows, d->cap * sizeof *d->rows);
		d->order = xrealloc(d->order, d->cap * sizeof *d->order);
	}
	struct du_row *r = xcalloc(1, sizeof *r);
	d->rows[d->n++] = r;
	r->du = d;
	r->prefix = prefix ? xstrdup(prefix) : NULL;
	return r;
}

static bool du_busy(const struct du *d)
{
	return d->req || d->running > 0;
}

static int64_t du_total(const struct du *d, int64_t *objects)
{
	int64_t t = 0, o = 0;
	for (size_t i = 0; i < d->n; i++) {
		t += d->rows[i]->bytes;
		o += d->rows[i]->objects;
	}
	if (objects)
		*objects = o;
	return t;
}

static void du_finish_check(struct du *d)
{
	if (du_busy(d) || d->ms)
		return;
	d->ms = mono_ms() - d->t0;
	int64_t objects;
	int64_t bytes = du_total(d, &objects);
	char a[32], b[32], c[32];
	fmt_count(a, sizeof a, objects);
	fmt_bytes(b, sizeof b, (uint64_t)bytes);
	fmt_latency(c, sizeof c, (long)d->ms);
	log_info("buckets: du s3://%s/%s: %lld objects, %lld bytes, %zu prefixes in %lld ms%s",
		 d->bucket, d->prefix, (long long)objects, (long long)bytes, d->n, (long long)d->ms,
		 d->err[0] ? " (incomplete)" : "");
	if (d->err[0])
		app_message(ROLE_ERR, "du incomplete: %s", d->err);
	else
		app_message(ROLE_OK, "du: %s objects, %s in %s", a, b, c);
}

static void du_pump(struct du *d);

/* After any page: more walks if some finished, rows re-sorted, the end
 * noticed. */
static bool du_changed(struct du *d)
{
	du_pump(d);
	du_sort(d);
	d->gen++;
	app_dirty();
	du_finish_check(d);
	return true;
}

static bool du_walk_page(const struct s3_list_page *pg, bool last, const struct mlc_err *err,
			 void *arg)
{
	struct du_row *r = arg;
	struct du *d = r->du;
	for (size_t i = 0; pg && i < pg->nobjects; i++) {
		r->objects++;
		r->bytes += MLC_MAX(pg->objects[i].size, 0);
	}
	if (last) {
		r->req = NULL;
		r->done = true;
		d->running--;
		if (err && !d->err[0])
			snprintf(d->err, sizeof d->err, "%s", err->msg);
	}
	return du_changed(d);
}

/* Starts walks until DU_PARALLEL run. */
static void du_pump(struct du *d)
{
	for (size_t i = 0; i < d->n && d->running < DU_PARALLEL; i++) {
		struct du_row *r = d->rows[i];
		if (r->started || !r->prefix)
			continue;
		r->started = true;
		d->running++;
		struct s3c_list_opts o = {.prefix = r->prefix, .max_keys = 1000};
		r->req = s3c_list(d->t, d->bucket, &o, du_walk_page, r);
	}
}

/* The row of the objects right under the du's prefix, made on demand. */
static struct du_row *du_here(struct du *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (!d->rows[i]->prefix)
			return d->rows[i];
	struct du_row *here = du_add(d, NULL);
	here->started = true;
	return here;
}

static bool du_list_page(const struct s3_list_page *pg, bool last, const struct mlc_err *err,
			 void *arg)
{
	struct du *d = arg;
	if (pg) {
		for (size_t i = 0; i < pg->nprefixes; i++)
			du_add(d, pg->prefixes[i]);
		if (pg->nobjects) {
			struct du_row *here = du_here(d);
			for (size_t i = 0; i < pg->nobjects; i++) {
				if (!strcmp(pg->objects[i].key, d->prefix))
					continue;
				here->objects++;
				here->bytes += MLC_MAX(pg->objects[i].size, 0);
			}
		}
	}
	if (last) {
		d->req = NULL;
		for (size_t i = 0; i < d->n; i++)
			if (!d->rows[i]->prefix)
				d->rows[i]->done = true;
		if (err)
			snprintf(d->err, sizeof d->err, "%s", err->msg);
	}
	return du_changed(d);
}

static void du_inc_changed(void *arg)
{
	((struct du *)arg)->gen++;
}

static void du_start(struct du *d)
{
	du_clear(d);
	d->t0 = mono_ms();
	d->ms = 0;
	struct s3c_list_opts o = {
	    .prefix = d->prefix[0] ? d->prefix : NULL, .delimiter = "/", .max_keys = 1000};
	d->req = s3c_list(d->t, d->bucket, &o, du_list_page, d);
	d->inc = bk_ucount_start(d->t, d->bucket, d->prefix, du_inc_changed, d);
	d->gen++;
	app_dirty();
}

/* Everything the view holds, requests cancelled. */
static void du_free(struct du *d)
{
	du_clear(d);
	free(d->bucket);
	free(d->prefix);
	free(d->label);
	free(d);
}

void bk_push_du(struct panel *p, const struct target *t, const char *bucket, const char *prefix,
		const char *label)
{
	struct du *d = xcalloc(1, sizeof *d);
	d->t = t;
	d->bucket = xstrdup(bucket);
	d->prefix = xstrdup(prefix);
	d->label = xstrdup(label);
	if (!view_push(p, &bk_du_view, d)) {
		du_free(d);
		return;
	}
	du_start(d);
}

static void du_close(struct view *v)
{
	du_free(v->priv);
}

static void du_reload(struct view *v)
{
	du_start(v->priv);
}

static const struct du_row *du_row_at(const struct du *d, int row)
{
	if (row < 0 || (size_t)row >= d->n)
		return NULL;
	return d->rows[d->order[row]];
}

static const struct column du_cols[] = {
    {"PREFIX", 12, 0, ALIGN_LEFT, 0, false},
    {"SIZE", 8, 10, ALIGN_RIGHT, 0, true},
    {"OBJECTS", 7, 12, ALIGN_RIGHT, 0, true},
    {"SHARE", 17, 17, ALIGN_LEFT, 1, false},
};

static const struct column *du_columns(struct view *v, int *n)
{
	*n = (int)ARRAY_LEN(du_cols);
	return du_cols;
}

static int du_nrows(struct view *v)
{
	return (int)((struct du *)v->priv)->n;
}

static unsigned long du_generation(struct view *v)
{
	return ((struct du *)v->priv)->gen;
}

static void du_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct du *d = v->priv;
	const struct du_row *r = du_row_at(d, row);
	out->text[0] = '\0';
	out->role = ROLE_NORMAL;
	if (!r)
		return;
	switch (col) {
	case 0: {
		if (!r->prefix) {
			mlp_cell(out, "(objects here)", ROLE_DIM);
			break;
		}
		size_t pl = strlen(d->prefix);
		mlp_cell(out, str_starts(r->prefix, d->prefix) ? r->prefix + pl : r->prefix,
			 ROLE_MARK);
		break;
	}
	case 1:
		bk_size_cell(out, r->bytes);
		if (!r->done)
			bk_more(out);
		out->role = r->done ? ROLE_NORMAL : ROLE_DIM;
		break;
	case 2:
		bk_count_cell(out, r->objects);
		out->role = r->done ? ROLE_NORMAL : ROLE_DIM;
		break;
	case 3:
		canvas_bar(out->text, sizeof out->text, r->bytes, du_total(d, NULL), 10);
		out->role = ROLE_DIM;
		break;
	}
}

static void du_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "%s", ((struct du *)v->priv)->label);
}

/* Right of the breadcrumb: "275 objects · 1.9 MB  3 prefixes left…". */
static void du_status(struct view *v, char *out, size_t n)
{
	const struct du *d = v->priv;
	int64_t objects;
	int64_t bytes = du_total(d, &objects);
	char a[32], b[32], c[48] = "", inc[200] = "";
	if (d->inc) {
		inc[0] = inc[1] = ' ';
		bk_ucount_text(d->inc, inc + 2, sizeof inc - 2);
	}
	fmt_count(a, sizeof a, objects);
	fmt_bytes(b, sizeof b, (uint64_t)bytes);
	size_t left = 0;
	for (size_t i = 0; i < d->n; i++)
		left += !d->rows[i]->done;
	/* (how long it took is on the detail line: here it would move the
	 * whole status as its width changes) */
	if (du_busy(d))
		snprintf(c, sizeof c, "  %zu prefixes left%s", left, glyph(G_ELLIPSIS));
	snprintf(out, n, "%s objects %s %s%s%s", a, glyph(G_DOT), b, c, inc);
}

static void du_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	const struct du *d = v->priv;
	*role = ROLE_DIM;
	if (d->err[0]) {
		snprintf(out, n, "%s", d->err);
		*role = ROLE_ERR;
	} else if (du_busy(d)) {
		snprintf(out, n, "%d walks running, %d at a time", d->running, DU_PARALLEL);
	} else {
		char ms[24];
		fmt_latency(ms, sizeof ms, (long)d->ms);
		snprintf(out, n, "walked in %s  <enter> browse the prefix  u again  Esc back", ms);
	}
}

static void du_empty(struct view *v, char *out, size_t n)
{
	const struct du *d = v->priv;
	snprintf(out, n, "%s", d->err[0] ? d->err : du_busy(d) ? "listing…" : "nothing here");
}

static void du_copy(struct view *v, int row, char *out, size_t n)
{
	const struct du *d = v->priv;
	const struct du_row *r = du_row_at(d, row);
	if (!r)
		return;
	char *raw = xasprintf("s3://%s/%s", d->bucket, r->prefix ? r->prefix : d->prefix);
	san_into(out, n, raw, strlen(raw));
	free(raw);
}

/* Enter: the listing of the row's prefix, in place of du (the listing du
 * came from when it is that one). */
static int du_open(struct view *v, int row)
{
	const struct du *d = v->priv;
	const struct du_row *r = du_row_at(d, row);
	const struct target *t = d->t;
	struct panel *p = v->panel;
	char *bucket = xstrdup(d->bucket);
	char *prefix = xstrdup(r->prefix ? r->prefix : d->prefix);
	view_pop(p); /* v and d are gone after this */
	struct listing *l = bk_listing(view_top(p));
	if (!l || strcmp(l->prefix, prefix) || strcmp(l->bucket, bucket))
		bk_push_listing(p, t, bucket, prefix, true);
	free(bucket);
	free(prefix);
	return P_REDRAW;
}

static int du_again(struct view *v, int row)
{
	du_start(v->priv);
	return P_REDRAW;
}

static const struct view_action du_actions[] = {
    {"open", "<Enter>", "browse", "browse the prefix", ACT_F_SELECTION, du_open},
    {"sort", "s", "sort", NULL, 0, NULL},
    {"du", "u", "again", "walk the prefixes again", 0, du_again},
    {"copy", "y", NULL, NULL, 0, NULL},
};

const struct view_ops bk_du_view = {
    .name = "du",
    .title = du_title,
    .columns = du_columns,
    .nrows = du_nrows,
    .cell = du_cell,
    .generation = du_generation,
    .detail = du_detail,
    .empty_text = du_empty,
    .copy_text = du_copy,
    .reload = du_reload,
    .status = du_status,
    .close = du_close,
    .actions = du_actions,
    .nactions = ARRAY_LEN(du_actions),
};
