/* panels/buckets_list.c — the listing view: one prefix of a bucket with
 * delimiter "/", prefixes first, then objects (size, last modified, ETag,
 * storage class). Pages stream in and the count grows while keys keep
 * working. Each level is a view of its own, so Esc (the shell's back)
 * returns to the parent with the prefix we came from still selected; a
 * parent keeps listing while the user is deeper. A level :cd pushed on the
 * way to its target is listed when it is first shown, and selects the
 * child the user came from once that arrives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buckets.h"
#include "lib/core/log.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "tui/app.h"
#include "tui/glyph.h"

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void bump(struct listing *l)
{
	l->gen++;
	app_dirty();
}

/* Storage classes are few: held once, not per row (a cache of constants
 * for the process, not state of a view: an object view keeps the pointer
 * after its listing is gone). */
static char *intern_class(const char *s)
{
	static char *seen[16];
	static int nseen;
	if (!s || !*s)
		return NULL;
	for (int i = 0; i < nseen; i++)
		if (!strcmp(seen[i], s))
			return seen[i];
	if (nseen == (int)ARRAY_LEN(seen))
		return seen[nseen - 1];
	return seen[nseen++] = xstrdup(s);
}

/* Drops the rows and any request; bucket and prefix stay. */
static void rows_clear(struct listing *l)
{
	s3c_cancel(l->req);
	l->req = NULL;
	arena_free(&l->strings);
	free(l->pre);
	free(l->obj);
	l->pre = l->obj = NULL;
	l->npre = l->nobj = l->cpre = l->cobj = 0;
	l->bytes = 0;
	l->pages = 0;
	l->done = false;
	l->err[0] = '\0';
}

static size_t level_rows(const struct listing *l)
{
	return l->npre + l->nobj;
}

static const struct brow *level_row(const struct listing *l, int row)
{
	if (row < 0 || (size_t)row >= level_rows(l))
		return NULL;
	return (size_t)row < l->npre ? &l->pre[row] : &l->obj[(size_t)row - l->npre];
}

const struct brow *bk_listing_find(const struct listing *l, const char *key)
{
	for (size_t i = 0; l && i < l->nobj; i++)
		if (!strcmp(l->obj[i].key, key))
			return &l->obj[i];
	return NULL;
}

struct listing *bk_listing(struct view *v)
{
	return v && v->ops == &bk_listing_view ? v->priv : NULL;
}

struct listing *bk_nearest_listing(struct panel *p)
{
	for (int i = view_depth(p) - 1; i >= 0; i--)
		if (bk_listing(view_at(p, i)))
			return bk_listing(view_at(p, i));
	return NULL;
}

/* The row points at the page's strings: list_page adopts them. */
static void row_from_object(struct brow *r, const struct s3_object *o)
{
	r->key = o->key;
	r->size = o->size;
	r->mtime_ms = o->last_modified_ms;
	r->etag = *o->etag ? o->etag : NULL;
	r->sclass = intern_class(o->storage_class);
	r->prefix = false;
	r->key_nul = o->key_nul || strchr(o->key, S3_KEY_NUL);
}

static void add_prefixes(struct listing *l, const struct s3_list_page *pg)
{
	if (l->npre + pg->nprefixes > l->cpre) {
		l->cpre = MLC_MAX(l->cpre * 2, l->npre + pg->nprefixes + 16);
		l->pre = xrealloc(l->pre, l->cpre * sizeof *l->pre);
	}
	for (size_t i = 0; i < pg->nprefixes; i++) {
		struct brow *r = &l->pre[l->npre++];
		memset(r, 0, sizeof *r);
		r->key = pg->prefixes[i];
		r->size = -1;
		r->prefix = true;
		r->key_nul = strchr(r->key, S3_KEY_NUL) != NULL;
		if (l->select_key && !strcmp(r->key, l->select_key)) {
			/* where the user came from, selected once it is here */
			view_select_row(l->v, (int)(l->npre - 1));
			free(l->select_key);
			l->select_key = NULL;
		}
	}
}

static void add_objects(struct listing *l, const struct s3_list_page *pg)
{
	if (l->nobj + pg->nobjects > l->cobj) {
		l->cobj = MLC_MAX(l->cobj * 2, l->nobj + pg->nobjects + 16);
		l->obj = xrealloc(l->obj, l->cobj * sizeof *l->obj);
	}
	for (size_t i = 0; i < pg->nobjects; i++) {
		/* The folder marker ("a/b/" itself) is the prefix, not a row. */
		if (l->prefix[0] && !strcmp(pg->objects[i].key, l->prefix))
			continue;
		row_from_object(&l->obj[l->nobj++], &pg->objects[i]);
		l->bytes += MLC_MAX(pg->objects[i].size, 0);
	}
}

/* A walk that hit its cap: what was kept, and how to see the rest. */
static void stopped_message(const struct listing *l)
{
	char n[32], uri[400];
	fmt_count(n, sizeof n, l->stopped_at);
	bk_uri_of(uri, sizeof uri, l->bucket, l->prefix);
	app_message(ROLE_WARN, "stopped at %s rows: more on the server; narrow it: :cd %sPREFIX", n,
		    uri);
}

static bool list_page(const struct s3_list_page *pg, bool last, const struct mlc_err *err,
		      void *arg)
{
	struct listing *l = arg;
	if (pg) {
		add_prefixes(l, pg);
		add_objects(l, pg);
		arena_adopt(&l->strings, pg->strings); /* the rows point into it */
		l->pages++;
		if (l->pages == 1) {
			/* What the user asked for: on screen in this turn. */
			app_dirty_now();
			int64_t t[4] = {pg->t_first_us, pg->t_last_us, pg->t_done_us, now_us()};
			for (int i = 0; i < 4; i++)
				l->page1_us[i] = t[i] ? t[i] - l->t0_us : -1;
			log_info("buckets: s3://%s/%s: first page (%zu rows) in %lld ms", l->bucket,
				 l->prefix, l->npre + l->nobj, (long long)(mono_ms() - l->t0));
		}
	}
	if (last) {
		l->req = NULL;
		l->done = !err;
		l->stopped_at = pg ? pg->stopped_at : 0;
		if (l->stopped_at)
			stopped_message(l);
		if (!err)
			log_info(
			    "buckets: s3://%s/%s: %zu prefixes, %zu objects, %ld pages in %lld ms",
			    l->bucket, l->prefix, l->npre, l->nobj, l->pages,
			    (long long)(mono_ms() - l->t0));
		if (err) {
			snprintf(l->err, sizeof l->err, "%s", err->msg);
			app_message(ROLE_ERR, "%s", err->msg);
		}
	}
	bump(l);
	return true;
}

void bk_relist(struct listing *l)
{
	rows_clear(l);
	l->listed = true;
	struct s3c_list_opts o = {
	    .prefix = l->prefix[0] ? l->prefix : NULL, .delimiter = "/", .max_keys = 1000};
	l->t0 = mono_ms();
	l->t0_us = now_us();
	l->page1_drawn = false;
	l->req = s3c_list(l->t, l->bucket, &o, list_page, l);
	bump(l);
}

/* Everything the view holds, requests cancelled. */
static void ls_free(struct listing *l)
{
	rows_clear(l);
	free(l->bucket);
	free(l->prefix);
	free(l->select_key);
	free(l);
}

struct listing *bk_push_listing(struct panel *p, const struct target *t, const char *bucket,
				const char *prefix, bool list)
{
	struct listing *l = xcalloc(1, sizeof *l);
	l->t = t;
	l->bucket = xstrdup(bucket);
	l->prefix = xstrdup(prefix);
	l->v = view_push(p, &bk_listing_view, l);
	if (!l->v) {
		ls_free(l);
		return NULL;
	}
	if (list)
		bk_relist(l);
	return l;
}

static void ls_close(struct view *v)
{
	ls_free(v->priv);
}

/* Shown again: a level :cd pushed on the way is listed now. */
static void ls_resume(struct view *v)
{
	struct listing *l = v->priv;
	if (!l->listed)
		bk_relist(l);
}

static void ls_reload(struct view *v)
{
	bk_relist(v->priv);
}

static const struct column list_cols[] = {
    {"NAME", 12, 0, ALIGN_LEFT, 0, false},	{"SIZE", 8, 10, ALIGN_RIGHT, 0, true},
    {"MODIFIED", 11, 11, ALIGN_LEFT, 1, false}, {"ETAG", 9, 9, ALIGN_LEFT, 2, false},
    {"CLASS", 8, 12, ALIGN_LEFT, 3, false},
};

static const struct column *ls_columns(struct view *v, int *n)
{
	*n = (int)ARRAY_LEN(list_cols);
	return list_cols;
}

static int ls_nrows(struct view *v)
{
	return (int)level_rows(v->priv);
}

static unsigned long ls_generation(struct view *v)
{
	return ((struct listing *)v->priv)->gen;
}

static void etag_short(char *out, size_t n, const char *etag)
{
	if (!etag || !*etag) {
		snprintf(out, n, "-");
		return;
	}
	char *s = san_str(etag);
	const char *v = s[0] == '"' ? s + 1 : s;
	size_t len = strlen(v);
	if (len && v[len - 1] == '"')
		len--;
	if (len > 8)
		snprintf(out, n, "%.8s%s", v, glyph(G_ELLIPSIS));
	else
		snprintf(out, n, "%.*s", (int)len, v);
	free(s);
}

static void ls_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct listing *l = v->priv;
	const struct brow *r = level_row(l, row);
	out->text[0] = '\0';
	out->role = ROLE_NORMAL;
	if (!r)
		return;
	switch (col) {
	case 0: {
		size_t pl = strlen(l->prefix);
		const char *name = str_starts(r->key, l->prefix) ? r->key + pl : r->key;
		if (r->key_nul) {
			/* before the name: a long name must not cut it off */
			char *s = xasprintf("(holds a NUL: cannot be acted on) %s", name);
			mlp_cell(out, s, ROLE_WARN);
			free(s);
		} else {
			mlp_cell(out, name, r->prefix ? ROLE_MARK : ROLE_NORMAL);
		}
		break;
	}
	case 1:
		bk_size_cell(out, r->prefix ? -1 : r->size);
		break;
	case 2:
		mlp_time(out->text, sizeof out->text, r->prefix ? 0 : r->mtime_ms);
		out->role = ROLE_DIM;
		break;
	case 3:
		if (r->prefix)
			mlp_cell(out, "-", ROLE_DIM);
		else {
			etag_short(out->text, sizeof out->text, r->etag);
			out->role = ROLE_DIM;
		}
		break;
	case 4:
		mlp_cell(out, r->prefix ? "" : r->sclass ? r->sclass : "STANDARD", ROLE_DIM);
		break;
	}
}

/* This level's part of the breadcrumb: "s3://bucket/" at a bucket's root,
 * else the prefix's last part ("raw/"). */
static void ls_title(struct view *v, char *out, size_t n)
{
	const struct listing *l = v->priv;
	if (!l->prefix[0]) {
		snprintf(out, n, "s3://%s/", l->bucket);
		return;
	}
	size_t len = strlen(l->prefix), s = len - 1;
	while (s && l->prefix[s - 1] != '/')
		s--;
	snprintf(out, n, "%s", l->prefix + s);
}

/* Right of the breadcrumb: "2 prefixes · 12 objects · 3.1 MB  listing… page 3". */
/* Where the first page's time went, once it is on screen: the request
 * until its first byte (the server), to its last byte, the parse of what
 * was left, the hand-over, the draw. */
static void log_page1_drawn(struct listing *l)
{
	const int64_t *t = l->page1_us;
	l->page1_drawn = true;
	log_debug("buckets: s3://%s/%s: first page on screen in %.1f ms: first byte %.1f, last "
		  "byte %.1f, parsed %.1f, handed over %.1f (ms after it was asked for)",
		  l->bucket, l->prefix, (now_us() - l->t0_us) / 1e3, t[0] / 1e3, t[1] / 1e3,
		  t[2] / 1e3, t[3] / 1e3);
}

static void ls_status(struct view *v, char *out, size_t n)
{
	struct listing *l = v->priv;
	if (l->pages && !l->page1_drawn)
		log_page1_drawn(l);
	char a[32], b[32], c[32], pre[48] = "", more[96] = "";
	fmt_count(a, sizeof a, (long long)l->nobj);
	fmt_bytes(b, sizeof b, (uint64_t)l->bytes);
	if (l->npre) {
		fmt_count(c, sizeof c, (long long)l->npre);
		snprintf(pre, sizeof pre, "%s prefix%s", c, l->npre == 1 ? "" : "es");
	}
	if (l->req)
		snprintf(more, sizeof more, "  listing%s page %ld", glyph(G_ELLIPSIS),
			 l->pages + 1);
	else if (l->err[0])
		snprintf(more, sizeof more, "  (incomplete)");
	else if (l->stopped_at) {
		char s[32];
		fmt_count(s, sizeof s, l->stopped_at);
		snprintf(more, sizeof more, "  (stopped at %s rows: more on the server)", s);
	}
	const char *du = l->req ? "" : "  (u: du)";
	const char *dot = glyph(G_DOT);
	char objs[96] = "";
	if (!l->npre || l->nobj) /* only prefixes: no "0 objects · 0 B" */
		snprintf(objs, sizeof objs, "%s object%s %s %s", a, l->nobj == 1 ? "" : "s", dot,
			 b);
	snprintf(out, n, "%s%s%s%s%s%s%s", pre, pre[0] && objs[0] ? " " : "",
		 pre[0] && objs[0] ? dot : "", pre[0] && objs[0] ? " " : "", objs, more, du);
}

static void ls_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	const struct listing *l = v->priv;
	*role = ROLE_DIM;
	if (l->err[0]) {
		snprintf(out, n, "%s", l->err);
		*role = ROLE_ERR;
		return;
	}
	const struct brow *r = level_row(l, row);
	if (!r)
		return;
	char uri[400];
	bk_uri_of(uri, sizeof uri, l->bucket, r->key);
	if (r->prefix) {
		snprintf(out, n, "%s", uri);
		return;
	}
	if (r->key_nul) {
		snprintf(out, n, "%s  holds a NUL byte (shown as \\xff): no request can name it",
			 uri);
		*role = ROLE_WARN;
		return;
	}
	char a[32], t[32];
	fmt_count(a, sizeof a, r->size);
	bk_full_time(t, sizeof t, r->mtime_ms);
	snprintf(out, n, "%s  %s bytes  modified %s", uri, a, t);
}

static void ls_empty(struct view *v, char *out, size_t n)
{
	const struct listing *l = v->priv;
	if (l->err[0])
		snprintf(out, n, "%s", l->err);
	else if (l->req || !l->listed)
		snprintf(out, n, "listing%s", glyph(G_ELLIPSIS));
	else
		snprintf(out, n, l->prefix[0] ? "no objects under this prefix" : "empty bucket");
}

static void ls_copy(struct view *v, int row, char *out, size_t n)
{
	const struct listing *l = v->priv;
	const struct brow *r = level_row(l, row);
	if (!r)
		return;
	char *raw = xasprintf("s3://%s/%s", l->bucket, r->key);
	san_into(out, n, raw, strlen(raw));
	free(raw);
}

/* Enter: into a prefix, or the object's page. */
static int ls_open(struct view *v, int row)
{
	struct listing *l = v->priv;
	const struct brow *r = level_row(l, row);
	if (r->prefix)
		bk_push_listing(v->panel, l->t, l->bucket, r->key, true);
	else
		bk_push_object(v->panel, l->t, l->bucket, r);
	return P_REDRAW;
}

static int ls_download(struct view *v, int row)
{
	struct listing *l = v->priv;
	bk_download(v->panel, l->t, l->bucket, level_row(l, row));
	return P_REDRAW;
}

static int ls_upload(struct view *v, int row)
{
	struct listing *l = v->priv;
	bk_upload(v->panel, l->t, l->bucket, l->prefix);
	return P_REDRAW;
}

static int ls_delete(struct view *v, int row)
{
	struct listing *l = v->priv;
	bk_delete(v->panel, l->t, l->bucket, l->prefix, level_row(l, row));
	return P_REDRAW;
}

/* u: du of the selected prefix, else of this one. */
static int ls_du(struct view *v, int row)
{
	struct listing *l = v->priv;
	const struct brow *r = level_row(l, row);
	if (r && r->prefix) {
		char label[300];
		snprintf(label, sizeof label, "du %s", r->key + strlen(l->prefix));
		bk_push_du(v->panel, l->t, l->bucket, r->key, label);
	} else {
		bk_push_du(v->panel, l->t, l->bucket, l->prefix, "du");
	}
	return P_REDRAW;
}

static int ls_uploads(struct view *v, int row)
{
	struct listing *l = v->priv;
	bk_push_uploads(v->panel, l->t, l->bucket, l->prefix);
	return P_REDRAW;
}

static const struct view_action listing_actions[] = {
    {"open", "<Enter>", "open", "go into the prefix, or open the object", ACT_F_SELECTION, ls_open},
    {"download", "d", "download",
     "download the selected object to a local path (asks; never replaces a file unasked)",
     ACT_F_SELECTION, ls_download},
    {"upload", "p", "upload", "upload a local file into this prefix", ACT_F_WRITES | ACT_F_CONFIRM,
     ls_upload},
    {"delete", "D", "delete",
     "delete the object, or every object under the prefix (the prefix typed back)",
     ACT_F_SELECTION | ACT_F_WRITES | ACT_F_CONFIRM, ls_delete},
    {"du", "u", "du", "size and object count per sub-prefix of the selected prefix (or this one)",
     0, ls_du},
    {"copy", "y", NULL, NULL, 0, NULL}, /* no hint: <esc> back must fit */
    {"uploads", "U", NULL, "the bucket's incomplete multipart uploads under this prefix", 0,
     ls_uploads},
};

const struct view_ops bk_listing_view = {
    .name = "listing",
    .title = ls_title,
    .columns = ls_columns,
    .nrows = ls_nrows,
    .cell = ls_cell,
    .generation = ls_generation,
    .detail = ls_detail,
    .empty_text = ls_empty,
    .copy_text = ls_copy,
    .reload = ls_reload,
    .status = ls_status,
    .resume = ls_resume,
    .close = ls_close,
    .actions = listing_actions,
    .nactions = ARRAY_LEN(listing_actions),
};
