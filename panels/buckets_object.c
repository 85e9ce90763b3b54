/* panels/buckets_object.c — the object view: HeadObject fields (size,
 * content type, ETag, last modified, storage class, metadata) and a preview
 * of the first 64 KB (JSON pretty-printed, text, or a hex dump), as a
 * scrollable page. d downloads it, D deletes it, y copies its s3:// URI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buckets.h"
#include "lib/core/preview.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/textview.h"

#define PREVIEW_BYTES 65536

struct object {
	const struct target *t;
	char *bucket;
	struct brow ob;
	struct s3c_req *head_req, *get_req;
	struct s3_head head;
	bool head_done, head_ok, get_done;
	char err[400];
	struct preview pv;
	int64_t total;
	size_t got;
	char **lines;
	size_t nlines, clines;
	struct textview tv;
};

static void lines_add(struct object *o, const char *safe)
{
	if (o->nlines + 1 >= o->clines) {
		o->clines = o->clines ? o->clines * 2 : 64;
		o->lines = xrealloc(o->lines, o->clines * sizeof *o->lines);
	}
	o->lines[o->nlines++] = xstrdup(safe);
	o->lines[o->nlines] = NULL;
}

static void lines_field(struct object *o, const char *name, const char *raw)
{
	char *v = san_str(raw && *raw ? raw : "-");
	char *l = xasprintf("%-15s %s", name, v);
	lines_add(o, l);
	free(l);
	free(v);
}

static void lines_clear(struct object *o)
{
	for (size_t i = 0; i < o->nlines; i++)
		free(o->lines[i]);
	free(o->lines);
	o->lines = NULL;
	o->nlines = o->clines = 0;
}

static void head_lines(struct object *o)
{
	char a[64], b[32], c[128];
	if (!o->head_done) {
		lines_add(o, "loading the object's headers…");
		return;
	}
	if (!o->head_ok) {
		char *e = san_str(o->err);
		lines_add(o, e);
		free(e);
		return;
	}
	int64_t size = o->head.content_length;
	fmt_count(a, sizeof a, size);
	fmt_bytes(b, sizeof b, (uint64_t)MLC_MAX(size, 0));
	snprintf(c, sizeof c, "%s bytes (%s)", a, b);
	lines_field(o, "size", size >= 0 ? c : NULL);
	lines_field(o, "content type", o->head.content_type);
	lines_field(o, "etag", o->head.etag);
	bk_full_time(a, sizeof a, o->head.last_modified_ms);
	lines_field(o, "last modified", a);
	lines_field(o, "storage class", o->ob.sclass ? o->ob.sclass : "STANDARD");
	for (size_t i = 0; o->head.meta && o->head.meta[i]; i++)
		lines_field(o, i ? "" : "metadata", o->head.meta[i]);
	if (!o->head.meta || !o->head.meta[0])
		lines_field(o, "metadata", "(none)");
}

static void preview_lines(struct object *o)
{
	if (!o->get_done) {
		lines_add(o, "loading the first 64 KB…");
		return;
	}
	if (!o->pv.lines)
		return;
	char b[32], total[32] = "";
	fmt_bytes(b, sizeof b, (uint64_t)o->got);
	if (o->total > (int64_t)o->got)
		fmt_bytes(total, sizeof total, (uint64_t)o->total);
	char *l =
	    xasprintf("── preview: %s%s%s%s%s ──", o->pv.label, total[0] ? ", the first " : "",
		      total[0] ? b : "", total[0] ? " of " : "", total);
	lines_add(o, l);
	free(l);
	if (o->pv.note[0])
		lines_add(o, o->pv.note);
	for (size_t i = 0; i < o->pv.nlines; i++)
		lines_add(o, o->pv.lines[i]);
}

/* The page again, where it was scrolled to. */
static void object_lines(struct object *o)
{
	lines_clear(o);
	head_lines(o);
	lines_add(o, "");
	preview_lines(o);
	char *uri = xasprintf("s3://%s/%s", o->bucket, o->ob.key);
	char *title = san_str(uri);
	long keep_top = o->tv.top;
	int keep_left = o->tv.left;
	textview_set(&o->tv, o->lines, o->nlines, 0, title);
	o->tv.top = keep_top;
	o->tv.left = keep_left;
	free(title);
	free(uri);
	app_dirty();
}

static void head_done(const struct s3_head *h, const struct mlc_err *err, void *arg)
{
	struct object *o = arg;
	o->head_req = NULL;
	o->head_done = true;
	if (err) {
		snprintf(o->err, sizeof o->err, "%s", err->msg);
		app_message(ROLE_ERR, "%s", err->msg);
	} else {
		o->head_ok = true;
		o->head = *h;
		o->head.meta = NULL;
		size_t n = strv_len(h->meta);
		if (n) {
			o->head.meta = xcalloc(n + 1, sizeof *o->head.meta);
			for (size_t i = 0; i < n; i++)
				o->head.meta[i] = xstrdup(h->meta[i]);
		}
	}
	object_lines(o);
}

static void get_done(const struct s3c_data *d, const struct mlc_err *err, void *arg)
{
	struct object *o = arg;
	o->get_req = NULL;
	o->get_done = true;
	preview_free(&o->pv);
	if (err) {
		preview_build(&o->pv, o->ob.key, NULL, err->msg, strlen(err->msg), false);
		if (o->head_ok)
			app_message(ROLE_ERR, "%s", err->msg);
	} else {
		o->got = d->len;
		o->total = d->object_size;
		preview_build(&o->pv, o->ob.key, d->content_type, d->data, d->len,
			      d->object_size > (int64_t)d->len);
	}
	object_lines(o);
}

/* Drops what was fetched (the row stays). */
static void object_reset(struct object *o)
{
	s3c_cancel(o->head_req);
	s3c_cancel(o->get_req);
	o->head_req = o->get_req = NULL;
	if (o->head_ok)
		s3_head_free(&o->head);
	memset(&o->head, 0, sizeof o->head);
	preview_free(&o->pv);
	memset(&o->pv, 0, sizeof o->pv);
	o->head_done = o->head_ok = o->get_done = false;
	o->err[0] = '\0';
	o->total = -1;
	o->got = 0;
}

static void object_fetch(struct object *o)
{
	object_reset(o);
	o->head_req = s3c_head(o->t, o->bucket, o->ob.key, head_done, o);
	if (o->ob.size == 0) {
		/* A range of an empty object is a 416: nothing to fetch. */
		o->get_done = true;
		preview_build(&o->pv, o->ob.key, NULL, "", 0, false);
	} else {
		o->get_req = s3c_get(o->t, o->bucket, o->ob.key, 0, PREVIEW_BYTES - 1,
				     PREVIEW_BYTES, get_done, o);
	}
	object_lines(o);
}

/* Everything the view holds, requests cancelled. */
static void ob_free(struct object *o)
{
	object_reset(o);
	lines_clear(o);
	free(o->bucket);
	free(o->ob.key);
	free(o->ob.etag);
	free(o);
}

void bk_push_object(struct panel *p, const struct target *t, const char *bucket,
		    const struct brow *r)
{
	struct object *o = xcalloc(1, sizeof *o);
	o->t = t;
	o->bucket = xstrdup(bucket);
	o->ob = *r;
	o->ob.key = xstrdup(r->key);
	o->ob.etag = r->etag ? xstrdup(r->etag) : NULL;
	if (!view_push(p, &bk_object_view, o)) {
		ob_free(o);
		return;
	}
	object_fetch(o);
}

static void ob_close(struct view *v)
{
	ob_free(v->priv);
}

static void ob_reload(struct view *v)
{
	object_fetch(v->priv);
}

static const struct column ob_cols[] = {{"OBJECT", 12, 0, ALIGN_LEFT, 0, false}};

static const struct column *ob_columns(struct view *v, int *n)
{
	*n = (int)ARRAY_LEN(ob_cols);
	return ob_cols;
}

/* One row, the object itself: what d, D and y act on (the page is drawn
 * by body). */
static int ob_nrows(struct view *v)
{
	return 1;
}

static void ob_cell(struct view *v, int row, int col, struct cell *out)
{
	mlp_cell(out, ((struct object *)v->priv)->ob.key, ROLE_NORMAL);
}

/* The breadcrumb's last part: the key's name in its prefix. */
static void ob_title(struct view *v, char *out, size_t n)
{
	const char *key = ((struct object *)v->priv)->ob.key;
	const char *base = strrchr(key, '/');
	snprintf(out, n, "%s", base && base[1] ? base + 1 : key);
}

static void ob_copy(struct view *v, int row, char *out, size_t n)
{
	const struct object *o = v->priv;
	char *raw = xasprintf("s3://%s/%s", o->bucket, o->ob.key);
	san_into(out, n, raw, strlen(raw));
	free(raw);
}

static bool ob_body(struct view *v, struct canvas *cv)
{
	canvas_clear(cv, ROLE_NORMAL);
	textview_draw(&((struct object *)v->priv)->tv, cv);
	return true;
}

static int ob_download(struct view *v, int row)
{
	struct object *o = v->priv;
	bk_download(v->panel, o->t, o->bucket, &o->ob);
	return P_REDRAW;
}

static int ob_delete(struct view *v, int row)
{
	struct object *o = v->priv;
	/* the prefix the object is in: a single object's dialog does not
	 * ask for a typed name */
	bk_delete(v->panel, o->t, o->bucket, "", &o->ob);
	return P_REDRAW;
}

/* The page scrolls where a table would move its selection. */
static int ob_scroll(struct view *v, int key)
{
	textview_key(&((struct object *)v->priv)->tv, key);
	return P_REDRAW;
}
#define SCROLL(fn, key)                                                                            \
	static int fn(struct view *v, int row)                                                     \
	{                                                                                          \
		return ob_scroll(v, key);                                                          \
	}
SCROLL(ob_down, 'j')
SCROLL(ob_up, 'k')
SCROLL(ob_page_down, ' ')
SCROLL(ob_page_up, 'b')
SCROLL(ob_home, 'g')
SCROLL(ob_end, 'G')
SCROLL(ob_left, 'h')
SCROLL(ob_right, 'l')

static const struct view_action object_actions[] = {
    {"next", NULL, "scroll", "scroll down", 0, ob_down},
    {"download", "d", "download", "download the object to a local path", 0, ob_download},
    {"delete", "D", "delete", "delete the object", ACT_F_WRITES | ACT_F_CONFIRM, ob_delete},
    {"copy", "y", "copy s3:// URI", NULL, 0, NULL},
    {"prev", NULL, NULL, "scroll up", 0, ob_up},
    {"page-down", "<Space>", NULL, "scroll a page down", 0, ob_page_down},
    {"page-up", "b", NULL, "scroll a page up", 0, ob_page_up},
    {"top", NULL, NULL, "the first line", 0, ob_home},
    {"bottom", NULL, NULL, "the last line", 0, ob_end},
    {"cols-left", "h", NULL, "scroll left", 0, ob_left},
    {"cols-right", "l", NULL, "scroll right", 0, ob_right},
};

const struct view_ops bk_object_view = {
    .name = "object",
    .title = ob_title,
    .columns = ob_columns,
    .nrows = ob_nrows,
    .cell = ob_cell,
    .copy_text = ob_copy,
    .body = ob_body,
    .reload = ob_reload,
    .close = ob_close,
    .actions = object_actions,
    .nactions = ARRAY_LEN(object_actions),
};
