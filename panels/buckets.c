/* panels/buckets.c — the Buckets panel (digit 2, :buckets): the S3 / MinIO
 * store browsed like a file manager. Views:
 *   buckets  name, creation date; u counts a bucket's objects and bytes
 *            (progressive, Esc stops);
 *   listing  one prefix of a bucket with delimiter "/": prefixes first,
 *            then objects (size, last modified, ETag, storage class); pages
 *            stream in and the count grows while keys keep working; Enter
 *            goes into a prefix, Esc up; `:cd s3://bucket/prefix/` jumps;
 *   du       size and object count per sub-prefix, sorted by size, the
 *            sub-prefixes walked four at a time;
 *   object   HeadObject fields and a preview of the first 64 KB.
 * Downloads, uploads and deletes live in panels/buckets_xfer.c. Everything
 * goes through lib/s3c; every string from the server is sanitized here
 * before it becomes a cell or a line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buckets.h"
#include "lib/core/log.h"
#include "lib/core/preview.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/textview.h"

enum bview { BV_BUCKETS, BV_LIST, BV_DU, BV_OBJECT };

#define MAX_LEVELS    16
#define DU_PARALLEL   4
#define PREVIEW_BYTES 65536

/* One listing: a prefix of a bucket, prefixes and objects apart. */
struct level {
	char *bucket, *prefix;
	struct brow *pre, *obj;
	size_t npre, nobj, cpre, cobj;
	int64_t bytes;
	long pages;
	int64_t t0; /* when the listing was asked for */
	struct s3c_req *req;
	bool done;
	char err[400];
};

struct du_row {
	char *prefix; /* full prefix; NULL for the objects directly under du_prefix */
	int64_t bytes, objects;
	struct s3c_req *req;
	bool started, done;
};

struct bcount {
	int64_t objects, bytes;
	bool running, done;
};

static struct {
	enum bview view;
	unsigned long gen;
	/* bucket list */
	struct s3_bucket *bk;
	size_t nbk;
	struct s3c_req *bk_req;
	bool bk_loaded, bk_tried;
	char bk_err[400];
	struct bcount *cnt;
	struct s3c_req *cnt_req;
	size_t cnt_idx;
	char cnt_name[256];
	/* listings, the deepest last */
	struct level lv[MAX_LEVELS];
	int nlv;
	/* du */
	char *du_bucket, *du_prefix;
	struct du_row *du;
	size_t ndu, cdu;
	int *du_order;
	struct s3c_req *du_req; /* the delimiter listing that finds the sub-prefixes */
	int du_running;
	int64_t du_t0, du_ms;
	char du_err[400];
	/* object */
	char *ob_bucket;
	struct brow ob;
	struct s3c_req *head_req, *get_req;
	struct s3_head head;
	bool head_done, head_ok, get_done;
	char ob_err[400];
	struct preview pv;
	int64_t ob_total;
	size_t ob_got;
	char **lines;
	size_t nlines, clines;
	struct textview tv;
} B;

static void bump(void)
{
	B.gen++;
	app_dirty();
}

const struct target *bk_target(void)
{
	return config_first_target(app_config(), TK_S3);
}

static struct level *top(void)
{
	return B.nlv ? &B.lv[B.nlv - 1] : NULL;
}

const char *bk_bucket(void)
{
	return top() ? top()->bucket : NULL;
}

const char *bk_prefix(void)
{
	return top() ? top()->prefix : "";
}

void bk_bar(char *out, size_t n, int64_t now, int64_t total, int width)
{
	bool u = canvas_utf8();
	int fill = total > 0 ? (int)(width * (double)now / (double)total) : 0;
	fill = MLC_MAX(0, MLC_MIN(width, fill));
	size_t o = 0;
	out[0] = '\0';
	o += (size_t)snprintf(out + o, n - o, "[");
	for (int i = 0; i < width && o + 4 < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s",
				      i < fill ? (u ? "█" : "#") : (u ? "░" : "-"));
	if (o < n)
		snprintf(out + o, n - o, "] %d%%",
			 total > 0 ? (int)(100 * (double)now / (double)total) : 0);
}

/* Storage classes are few: held once, not per row. */
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

static void brow_free(struct brow *r)
{
	free(r->key);
	free(r->etag);
	r->key = r->etag = NULL;
}

static void level_clear(struct level *l)
{
	s3c_cancel(l->req);
	l->req = NULL;
	for (size_t i = 0; i < l->npre; i++)
		brow_free(&l->pre[i]);
	for (size_t i = 0; i < l->nobj; i++)
		brow_free(&l->obj[i]);
	free(l->pre);
	free(l->obj);
	free(l->bucket);
	free(l->prefix);
	memset(l, 0, sizeof *l);
}

static size_t level_rows(const struct level *l)
{
	return l ? l->npre + l->nobj : 0;
}

static const struct brow *level_row(const struct level *l, int row)
{
	if (!l || row < 0 || (size_t)row >= level_rows(l))
		return NULL;
	return (size_t)row < l->npre ? &l->pre[row] : &l->obj[(size_t)row - l->npre];
}

const struct brow *bk_find(const char *key)
{
	const struct level *l = top();
	for (size_t i = 0; l && i < l->nobj; i++)
		if (!strcmp(l->obj[i].key, key))
			return &l->obj[i];
	return NULL;
}

/* ---- the bucket list --------------------------------------------------------- */

static void buckets_done(const struct s3_bucket *b, size_t n, const struct mlc_err *err, void *arg)
{
	B.bk_req = NULL;
	if (err) {
		/* Shown in the panel (placeholder, detail line), not on the
		 * message line: the list loads before anyone looks. */
		snprintf(B.bk_err, sizeof B.bk_err, "%s", err->msg);
	} else {
		s3c_cancel(B.cnt_req);
		B.cnt_req = NULL;
		s3_buckets_free(B.bk, B.nbk);
		free(B.cnt);
		B.bk = xcalloc(n ? n : 1, sizeof *B.bk);
		B.cnt = xcalloc(n ? n : 1, sizeof *B.cnt);
		for (size_t i = 0; i < n; i++) {
			B.bk[i].name = xstrdup(b[i].name);
			B.bk[i].created_ms = b[i].created_ms;
		}
		B.nbk = n;
		B.bk_err[0] = '\0';
		B.bk_loaded = true;
	}
	bump();
}

static void buckets_load(void)
{
	const struct target *t = bk_target();
	if (!t)
		return;
	s3c_cancel(B.bk_req);
	B.bk_req = s3c_list_buckets(t, buckets_done, NULL);
	bump();
}

static bool count_page(const struct s3_list_page *pg, bool last, const struct mlc_err *err,
		       void *arg)
{
	struct bcount *c = &B.cnt[B.cnt_idx];
	for (size_t i = 0; pg && i < pg->nobjects; i++) {
		c->objects++;
		c->bytes += MLC_MAX(pg->objects[i].size, 0);
	}
	if (last) {
		B.cnt_req = NULL;
		c->running = false;
		c->done = !err;
		char *name = san_str(B.cnt_name);
		if (err) {
			app_message(ROLE_ERR, "%s", err->msg);
		} else {
			char a[32], b[32];
			fmt_count(a, sizeof a, c->objects);
			fmt_bytes(b, sizeof b, (uint64_t)c->bytes);
			app_message(ROLE_OK, "%s: %s objects, %s", name, a, b);
		}
		free(name);
	}
	bump();
	return true;
}

static void count_stop(void)
{
	if (!B.cnt_req)
		return;
	s3c_cancel(B.cnt_req);
	B.cnt_req = NULL;
	B.cnt[B.cnt_idx].running = false;
	app_message(ROLE_DIM, "count stopped");
	bump();
}

static void count_start(size_t i)
{
	const struct target *t = bk_target();
	if (!t || i >= B.nbk)
		return;
	count_stop();
	B.cnt_idx = i;
	snprintf(B.cnt_name, sizeof B.cnt_name, "%s", B.bk[i].name);
	memset(&B.cnt[i], 0, sizeof B.cnt[i]);
	B.cnt[i].running = true;
	struct s3c_list_opts o = {.max_keys = 1000};
	B.cnt_req = s3c_list(t, B.bk[i].name, &o, count_page, NULL);
	bump();
}

/* ---- listings ------------------------------------------------------------ */

static void row_from_object(struct brow *r, const struct s3_object *o)
{
	r->key = xstrdup(o->key);
	r->size = o->size;
	r->mtime_ms = o->last_modified_ms;
	r->etag = o->etag && *o->etag ? xstrdup(o->etag) : NULL;
	r->sclass = intern_class(o->storage_class);
	r->prefix = false;
}

static bool list_page(const struct s3_list_page *pg, bool last, const struct mlc_err *err,
		      void *arg)
{
	struct level *l = arg;
	if (pg) {
		if (l->npre + pg->nprefixes > l->cpre) {
			l->cpre = MLC_MAX(l->cpre * 2, l->npre + pg->nprefixes + 16);
			l->pre = xrealloc(l->pre, l->cpre * sizeof *l->pre);
		}
		for (size_t i = 0; i < pg->nprefixes; i++) {
			struct brow *r = &l->pre[l->npre++];
			memset(r, 0, sizeof *r);
			r->key = xstrdup(pg->prefixes[i]);
			r->size = -1;
			r->prefix = true;
		}
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
		l->pages++;
		if (l->pages == 1) {
			/* What the user asked for: on screen in this turn. */
			app_dirty_now();
			log_info("buckets: s3://%s/%s: first page (%zu rows) in %lld ms", l->bucket,
				 l->prefix, l->npre + l->nobj, (long long)(mono_ms() - l->t0));
		}
	}
	if (last) {
		l->req = NULL;
		l->done = !err;
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
	bump();
	return true;
}

static void level_list(struct level *l)
{
	const struct target *t = bk_target();
	char *bucket = l->bucket, *prefix = l->prefix;
	l->bucket = l->prefix = NULL;
	level_clear(l);
	l->bucket = bucket;
	l->prefix = prefix;
	if (!t)
		return;
	struct s3c_list_opts o = {
	    .prefix = prefix[0] ? prefix : NULL, .delimiter = "/", .max_keys = 1000};
	l->t0 = mono_ms();
	l->req = s3c_list(t, bucket, &o, list_page, l);
	bump();
}

void bk_relist(void)
{
	if (top())
		level_list(top());
}

/* Opens bucket/prefix as a new level below the current one. */
static void level_push(const char *bucket, const char *prefix)
{
	if (top() && top()->req) {
		/* Leaving a listing half-read: it is read again on the way back.
		 * (Only the deepest level ever has a request: the levels below
		 * may move in memory.) */
		s3c_cancel(top()->req);
		top()->req = NULL;
	}
	if (B.nlv == MAX_LEVELS) {
		level_clear(&B.lv[0]);
		memmove(&B.lv[0], &B.lv[1], (MAX_LEVELS - 1) * sizeof B.lv[0]);
		memset(&B.lv[MAX_LEVELS - 1], 0, sizeof B.lv[0]);
		B.nlv--;
	}
	struct level *l = &B.lv[B.nlv++];
	memset(l, 0, sizeof *l);
	l->bucket = xstrdup(bucket);
	l->prefix = xstrdup(prefix);
	app_view_push();
	level_list(l);
}

/* The parent of prefix "a/b/c/" is "a/b/"; of "a/" it is "". */
static char *parent_prefix(const char *prefix)
{
	size_t n = strlen(prefix);
	if (n && prefix[n - 1] == '/')
		n--;
	while (n && prefix[n - 1] != '/')
		n--;
	return xstrndup(prefix, n);
}

/* Esc in a listing: up one prefix, or back to the bucket list. */
static void level_up(void)
{
	struct level *l = top();
	if (!l)
		return;
	if (B.nlv > 1) {
		level_clear(l);
		B.nlv--;
		if (!top()->done && !top()->req)
			level_list(top());
		app_view_pop();
		bump();
		return;
	}
	if (l->prefix[0]) {
		/* Reached by :cd: the parent was never listed. */
		char *p = parent_prefix(l->prefix);
		free(l->prefix);
		l->prefix = p;
		app_view_pop();
		app_view_push();
		level_list(l);
		return;
	}
	level_clear(l);
	B.nlv = 0;
	B.view = BV_BUCKETS;
	app_view_pop();
	if (!B.bk_loaded && !B.bk_req)
		buckets_load();
	bump();
}

static void levels_clear(void)
{
	while (B.nlv > 0)
		level_clear(&B.lv[--B.nlv]);
}

/* ---- du ------------------------------------------------------------------ */

static void du_clear(void)
{
	s3c_cancel(B.du_req);
	B.du_req = NULL;
	for (size_t i = 0; i < B.ndu; i++) {
		s3c_cancel(B.du[i].req);
		free(B.du[i].prefix);
	}
	free(B.du);
	free(B.du_order);
	free(B.du_bucket);
	free(B.du_prefix);
	B.du = NULL;
	B.du_order = NULL;
	B.du_bucket = B.du_prefix = NULL;
	B.ndu = B.cdu = 0;
	B.du_running = 0;
	B.du_err[0] = '\0';
}

static int du_cmp(const void *a, const void *b)
{
	const struct du_row *x = &B.du[*(const int *)a], *y = &B.du[*(const int *)b];
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->objects != y->objects)
		return x->objects < y->objects ? 1 : -1;
	return *(const int *)a - *(const int *)b;
}

static void du_sort(void)
{
	for (size_t i = 0; i < B.ndu; i++)
		B.du_order[i] = (int)i;
	qsort(B.du_order, B.ndu, sizeof *B.du_order, du_cmp);
}

static struct du_row *du_add(const char *prefix)
{
	if (B.ndu == B.cdu) {
		B.cdu = B.cdu ? B.cdu * 2 : 32;
		B.du = xrealloc(B.du, B.cdu * sizeof *B.du);
		B.du_order = xrealloc(B.du_order, B.cdu * sizeof *B.du_order);
	}
	struct du_row *r = &B.du[B.ndu++];
	memset(r, 0, sizeof *r);
	r->prefix = prefix ? xstrdup(prefix) : NULL;
	return r;
}

static bool du_busy(void)
{
	return B.du_req || B.du_running > 0;
}

static void du_pump(void);

static void du_finish_check(void)
{
	if (du_busy() || B.du_ms)
		return;
	B.du_ms = mono_ms() - B.du_t0;
	int64_t bytes = 0, objects = 0;
	for (size_t i = 0; i < B.ndu; i++) {
		bytes += B.du[i].bytes;
		objects += B.du[i].objects;
	}
	char a[32], b[32], c[32];
	fmt_count(a, sizeof a, objects);
	fmt_bytes(b, sizeof b, (uint64_t)bytes);
	fmt_latency(c, sizeof c, (long)B.du_ms);
	log_info("buckets: du s3://%s/%s: %lld objects, %lld bytes, %zu prefixes in %lld ms%s",
		 B.du_bucket, B.du_prefix, (long long)objects, (long long)bytes, B.ndu,
		 (long long)B.du_ms, B.du_err[0] ? " (incomplete)" : "");
	if (B.du_err[0])
		app_message(ROLE_ERR, "du incomplete: %s", B.du_err);
	else
		app_message(ROLE_OK, "du: %s objects, %s in %s", a, b, c);
}

/* After any page: more walks if some finished, rows re-sorted, the end
 * noticed. */
static bool du_changed(void)
{
	du_pump();
	du_sort();
	bump();
	du_finish_check();
	return true;
}

static bool du_walk_page(const struct s3_list_page *pg, bool last, const struct mlc_err *err,
			 void *arg)
{
	struct du_row *r = &B.du[(size_t)arg];
	for (size_t i = 0; pg && i < pg->nobjects; i++) {
		r->objects++;
		r->bytes += MLC_MAX(pg->objects[i].size, 0);
	}
	if (last) {
		r->req = NULL;
		r->done = true;
		B.du_running--;
		if (err && !B.du_err[0])
			snprintf(B.du_err, sizeof B.du_err, "%s", err->msg);
	}
	return du_changed();
}

/* Starts walks until DU_PARALLEL run. */
static void du_pump(void)
{
	const struct target *t = bk_target();
	for (size_t i = 0; t && i < B.ndu && B.du_running < DU_PARALLEL; i++) {
		struct du_row *r = &B.du[i];
		if (r->started || !r->prefix)
			continue;
		r->started = true;
		B.du_running++;
		struct s3c_list_opts o = {.prefix = r->prefix, .max_keys = 1000};
		r->req = s3c_list(t, B.du_bucket, &o, du_walk_page, (void *)i);
	}
}

static bool du_list_page(const struct s3_list_page *pg, bool last, const struct mlc_err *err,
			 void *arg)
{
	if (pg) {
		for (size_t i = 0; i < pg->nprefixes; i++)
			du_add(pg->prefixes[i]);
		if (pg->nobjects) {
			struct du_row *here = NULL;
			for (size_t i = 0; i < B.ndu && !here; i++)
				if (!B.du[i].prefix)
					here = &B.du[i];
			if (!here) {
				here = du_add(NULL);
				here->started = true;
			}
			for (size_t i = 0; i < pg->nobjects; i++) {
				if (!strcmp(pg->objects[i].key, B.du_prefix))
					continue;
				here->objects++;
				here->bytes += MLC_MAX(pg->objects[i].size, 0);
			}
		}
	}
	if (last) {
		B.du_req = NULL;
		for (size_t i = 0; i < B.ndu; i++)
			if (!B.du[i].prefix)
				B.du[i].done = true;
		if (err)
			snprintf(B.du_err, sizeof B.du_err, "%s", err->msg);
	}
	return du_changed();
}

/* bucket and prefix may be the running du's own (u again, r). */
static void du_start(const char *bucket, const char *prefix)
{
	const struct target *t = bk_target();
	if (!t)
		return;
	char *b = xstrdup(bucket), *p = xstrdup(prefix);
	du_clear();
	B.du_bucket = b;
	B.du_prefix = p;
	prefix = p;
	B.du_t0 = mono_ms();
	B.du_ms = 0;
	if (B.view != BV_DU)
		app_view_push();
	B.view = BV_DU;
	struct s3c_list_opts o = {
	    .prefix = prefix[0] ? prefix : NULL, .delimiter = "/", .max_keys = 1000};
	B.du_req = s3c_list(t, b, &o, du_list_page, NULL);
	bump();
}

static const struct du_row *du_row_at(int row)
{
	if (row < 0 || (size_t)row >= B.ndu)
		return NULL;
	return &B.du[B.du_order[row]];
}

/* ---- the object view ------------------------------------------------------- */

static void lines_add(const char *safe)
{
	if (B.nlines + 1 >= B.clines) {
		B.clines = B.clines ? B.clines * 2 : 64;
		B.lines = xrealloc(B.lines, B.clines * sizeof *B.lines);
	}
	B.lines[B.nlines++] = xstrdup(safe);
	B.lines[B.nlines] = NULL;
}

static void lines_field(const char *name, const char *raw)
{
	char *v = san_str(raw && *raw ? raw : "-");
	char *l = xasprintf("%-15s %s", name, v);
	lines_add(l);
	free(l);
	free(v);
}

static void lines_clear(void)
{
	for (size_t i = 0; i < B.nlines; i++)
		free(B.lines[i]);
	free(B.lines);
	B.lines = NULL;
	B.nlines = B.clines = 0;
}

static void full_time(char *out, size_t n, int64_t ms)
{
	if (ms <= 0) {
		snprintf(out, n, "-");
		return;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static void object_lines(void)
{
	lines_clear();
	char a[64], b[32], c[128];
	if (!B.head_done) {
		lines_add("loading the object's headers…");
	} else if (!B.head_ok) {
		char *e = san_str(B.ob_err);
		lines_add(e);
		free(e);
	} else {
		int64_t size = B.head.content_length;
		fmt_count(a, sizeof a, size);
		fmt_bytes(b, sizeof b, (uint64_t)MLC_MAX(size, 0));
		snprintf(c, sizeof c, "%s bytes (%s)", a, b);
		lines_field("size", size >= 0 ? c : NULL);
		lines_field("content type", B.head.content_type);
		lines_field("etag", B.head.etag);
		full_time(a, sizeof a, B.head.last_modified_ms);
		lines_field("last modified", a);
		lines_field("storage class", B.ob.sclass ? B.ob.sclass : "STANDARD");
		for (size_t i = 0; B.head.meta && B.head.meta[i]; i++)
			lines_field(i ? "" : "metadata", B.head.meta[i]);
		if (!B.head.meta || !B.head.meta[0])
			lines_field("metadata", "(none)");
	}
	lines_add("");
	if (!B.get_done) {
		lines_add("loading the first 64 KB…");
	} else if (B.pv.lines) {
		fmt_bytes(b, sizeof b, (uint64_t)B.ob_got);
		char total[32] = "";
		if (B.ob_total > (int64_t)B.ob_got)
			fmt_bytes(total, sizeof total, (uint64_t)B.ob_total);
		char *l = xasprintf("── preview: %s%s%s%s%s%s ──", B.pv.label,
				    total[0] ? ", the first " : "", total[0] ? b : "",
				    total[0] ? " of " : "", total, "");
		lines_add(l);
		free(l);
		if (B.pv.note[0])
			lines_add(B.pv.note);
		for (size_t i = 0; i < B.pv.nlines; i++)
			lines_add(B.pv.lines[i]);
	}
	char *title = NULL;
	char *uri = xasprintf("s3://%s/%s", B.ob_bucket, B.ob.key);
	title = san_str(uri);
	long keep_top = B.tv.top;
	int keep_left = B.tv.left;
	textview_set(&B.tv, B.lines, B.nlines, 0, title);
	B.tv.top = keep_top;
	B.tv.left = keep_left;
	free(title);
	free(uri);
}

static void head_done(const struct s3_head *h, const struct mlc_err *err, void *arg)
{
	B.head_req = NULL;
	B.head_done = true;
	if (err) {
		snprintf(B.ob_err, sizeof B.ob_err, "%s", err->msg);
		app_message(ROLE_ERR, "%s", err->msg);
	} else {
		B.head_ok = true;
		B.head = *h;
		B.head.meta = NULL;
		size_t n = strv_len(h->meta);
		if (n) {
			B.head.meta = xcalloc(n + 1, sizeof *B.head.meta);
			for (size_t i = 0; i < n; i++)
				B.head.meta[i] = xstrdup(h->meta[i]);
		}
	}
	object_lines();
	bump();
}

static void get_done(const struct s3c_data *d, const struct mlc_err *err, void *arg)
{
	B.get_req = NULL;
	B.get_done = true;
	preview_free(&B.pv);
	if (err) {
		preview_build(&B.pv, B.ob.key, NULL, err->msg, strlen(err->msg), false);
		if (B.head_ok)
			app_message(ROLE_ERR, "%s", err->msg);
	} else {
		B.ob_got = d->len;
		B.ob_total = d->object_size;
		preview_build(&B.pv, B.ob.key, d->content_type, d->data, d->len,
			      d->object_size > (int64_t)d->len);
	}
	object_lines();
	bump();
}

static void object_close(void)
{
	s3c_cancel(B.head_req);
	s3c_cancel(B.get_req);
	B.head_req = B.get_req = NULL;
	if (B.head_ok)
		s3_head_free(&B.head);
	memset(&B.head, 0, sizeof B.head);
	preview_free(&B.pv);
	memset(&B.pv, 0, sizeof B.pv);
	lines_clear();
	brow_free(&B.ob);
	free(B.ob_bucket);
	B.ob_bucket = NULL;
	B.head_done = B.head_ok = B.get_done = false;
	B.ob_err[0] = '\0';
	B.ob_total = -1;
	B.ob_got = 0;
	memset(&B.tv, 0, sizeof B.tv);
}

static void object_fetch(void)
{
	const struct target *t = bk_target();
	if (!t)
		return;
	B.head_req = s3c_head(t, B.ob_bucket, B.ob.key, head_done, NULL);
	if (B.ob.size == 0) {
		/* A range of an empty object is a 416: nothing to fetch. */
		B.get_done = true;
		preview_build(&B.pv, B.ob.key, NULL, "", 0, false);
	} else {
		B.get_req = s3c_get(t, B.ob_bucket, B.ob.key, 0, PREVIEW_BYTES - 1, PREVIEW_BYTES,
				    get_done, NULL);
	}
	object_lines();
}

/* bucket and r may be the open object's own (r refetches). */
static void object_open(const char *bucket, const struct brow *r)
{
	struct brow ob = *r;
	ob.key = xstrdup(r->key);
	ob.etag = r->etag ? xstrdup(r->etag) : NULL;
	char *b = xstrdup(bucket);
	object_close();
	B.ob_bucket = b;
	B.ob = ob;
	B.view = BV_OBJECT;
	object_fetch();
	bump();
}

/* ---- :cd ------------------------------------------------------------------- */

/* Opens s3://bucket/prefix (or bucket/prefix, "/", "..", or a prefix
 * relative to the current one). */
/* Leaves every view for the bucket list, the table's saved levels with
 * them (one per listing level, one for du). */
static void leave_all(void)
{
	object_close();
	if (B.view == BV_DU) {
		du_clear();
		app_view_pop();
	}
	for (int i = 0; i < B.nlv; i++)
		app_view_pop();
	levels_clear();
	B.view = BV_BUCKETS;
}

static void cd(const char *arg)
{
	char *want = NULL, *bucket = NULL, *prefix = NULL;
	while (*arg == ' ')
		arg++;
	if (!*arg || !strcmp(arg, "/") || !strcmp(arg, "s3://")) {
		leave_all();
		if (!B.bk_loaded && !B.bk_req)
			buckets_load();
		bump();
		return;
	}
	if (!strcmp(arg, "..")) {
		if (B.view == BV_OBJECT)
			object_close();
		if (B.view == BV_DU) {
			du_clear();
			app_view_pop();
		}
		if (B.view != BV_BUCKETS) {
			B.view = BV_LIST;
			level_up();
		}
		return;
	}
	if (str_starts(arg, "s3://"))
		want = xstrdup(arg + 5);
	else if (top() && arg[0] != '/')
		want = xasprintf("%s/%s%s", top()->bucket, top()->prefix, arg);
	else
		want = xstrdup(arg[0] == '/' ? arg + 1 : arg);
	char *slash = strchr(want, '/');
	bucket = slash ? xstrndup(want, (size_t)(slash - want)) : xstrdup(want);
	prefix = xstrdup(slash ? slash + 1 : "");
	free(want);
	if (!*bucket) {
		app_message(ROLE_ERR, "cd: no bucket in the path");
		free(bucket);
		free(prefix);
		return;
	}
	/* A prefix ends with '/': "s3://b/a/b" means the folder a/b/. */
	size_t pl = strlen(prefix);
	if (pl && prefix[pl - 1] != '/') {
		char *p = xasprintf("%s/", prefix);
		free(prefix);
		prefix = p;
	}
	/* One level per jump: Esc climbs the prefix from there. */
	leave_all();
	B.view = BV_LIST;
	level_push(bucket, prefix);
	free(bucket);
	free(prefix);
}

/* ---- the panel's hooks ------------------------------------------------------ */

static const struct column bucket_cols[] = {
    {"NAME", 12, 0, ALIGN_LEFT, 0, false},
    {"CREATED", 16, 16, ALIGN_LEFT, 1, false},
    {"OBJECTS", 7, 12, ALIGN_RIGHT, 0, true},
    {"SIZE", 8, 10, ALIGN_RIGHT, 0, true},
};
static const struct column list_cols[] = {
    {"NAME", 12, 0, ALIGN_LEFT, 0, false},	{"SIZE", 8, 10, ALIGN_RIGHT, 0, true},
    {"MODIFIED", 11, 11, ALIGN_LEFT, 1, false}, {"ETAG", 9, 9, ALIGN_LEFT, 2, false},
    {"CLASS", 8, 12, ALIGN_LEFT, 3, false},
};
static const struct column du_cols[] = {
    {"PREFIX", 12, 0, ALIGN_LEFT, 0, false},
    {"SIZE", 8, 10, ALIGN_RIGHT, 0, true},
    {"OBJECTS", 7, 12, ALIGN_RIGHT, 0, true},
    {"SHARE", 17, 17, ALIGN_LEFT, 1, false},
};

static const struct column *bk_columns(struct panel *p, int *n)
{
	switch (B.view) {
	case BV_BUCKETS:
		*n = (int)ARRAY_LEN(bucket_cols);
		return bucket_cols;
	case BV_DU:
		*n = (int)ARRAY_LEN(du_cols);
		return du_cols;
	default:
		*n = (int)ARRAY_LEN(list_cols);
		return list_cols;
	}
}

static int bk_nrows(struct panel *p)
{
	switch (B.view) {
	case BV_BUCKETS:
		if (!B.bk_tried) {
			/* The first look at the panel asks for the list. */
			B.bk_tried = true;
			buckets_load();
		}
		return (int)B.nbk;
	case BV_DU:
		return (int)B.ndu;
	default:
		return (int)level_rows(top());
	}
}

/* Sizes and counts show as "3.1 KB" and "12,345" and sort by the number. */
static void size_cell(struct cell *out, int64_t size)
{
	if (size < 0) {
		mlp_cell(out, "-", ROLE_DIM);
		return;
	}
	fmt_bytes(out->text, sizeof out->text, (uint64_t)size);
	out->role = ROLE_NORMAL;
	out->has_num = true;
	out->num = (double)size;
}

static void count_cell(struct cell *out, int64_t n)
{
	fmt_count(out->text, sizeof out->text, n);
	out->role = ROLE_NORMAL;
	out->has_num = true;
	out->num = (double)n;
}

static void bucket_cell(size_t i, int col, struct cell *out)
{
	const struct bcount *c = &B.cnt[i];
	switch (col) {
	case 0:
		mlp_cell(out, B.bk[i].name, ROLE_NORMAL);
		break;
	case 1: {
		char t[32];
		full_time(t, sizeof t, B.bk[i].created_ms);
		t[16] = '\0';
		mlp_cell(out, t, ROLE_DIM);
		break;
	}
	case 2:
	case 3:
		if (!c->running && !c->done) {
			mlp_cell(out, "-", ROLE_DIM);
			break;
		}
		if (col == 2)
			count_cell(out, c->objects);
		else
			size_cell(out, c->bytes);
		if (c->running)
			strncat(out->text, "…", sizeof out->text - strlen(out->text) - 1);
		out->role = c->running ? ROLE_DIM : ROLE_NORMAL;
		break;
	}
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
		snprintf(out, n, "%.8s%s", v, canvas_utf8() ? "…" : "~");
	else
		snprintf(out, n, "%.*s", (int)len, v);
	free(s);
}

static void list_cell(const struct level *l, const struct brow *r, int col, struct cell *out)
{
	switch (col) {
	case 0: {
		size_t pl = strlen(l->prefix);
		const char *name = str_starts(r->key, l->prefix) ? r->key + pl : r->key;
		mlp_cell(out, name, r->prefix ? ROLE_MARK : ROLE_NORMAL);
		break;
	}
	case 1:
		size_cell(out, r->prefix ? -1 : r->size);
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

static int64_t du_total(void)
{
	int64_t t = 0;
	for (size_t i = 0; i < B.ndu; i++)
		t += B.du[i].bytes;
	return t;
}

static void du_cell(const struct du_row *r, int col, struct cell *out)
{
	switch (col) {
	case 0: {
		if (!r->prefix) {
			mlp_cell(out, "(objects here)", ROLE_DIM);
			break;
		}
		size_t pl = strlen(B.du_prefix);
		mlp_cell(out, str_starts(r->prefix, B.du_prefix) ? r->prefix + pl : r->prefix,
			 ROLE_MARK);
		break;
	}
	case 1:
		size_cell(out, r->bytes);
		if (!r->done)
			strncat(out->text, "…", sizeof out->text - strlen(out->text) - 1);
		out->role = r->done ? ROLE_NORMAL : ROLE_DIM;
		break;
	case 2:
		count_cell(out, r->objects);
		out->role = r->done ? ROLE_NORMAL : ROLE_DIM;
		break;
	case 3:
		bk_bar(out->text, sizeof out->text, r->bytes, du_total(), 10);
		out->role = ROLE_DIM;
		break;
	}
}

static void bk_cell(struct panel *p, int row, int col, struct cell *out)
{
	out->text[0] = '\0';
	out->role = ROLE_NORMAL;
	if (B.view == BV_BUCKETS) {
		if (row >= 0 && (size_t)row < B.nbk)
			bucket_cell((size_t)row, col, out);
	} else if (B.view == BV_DU) {
		const struct du_row *r = du_row_at(row);
		if (r)
			du_cell(r, col, out);
	} else {
		const struct brow *r = level_row(top(), row);
		if (r)
			list_cell(top(), r, col, out);
	}
}

static unsigned long bk_generation(struct panel *p)
{
	return B.gen;
}

/* "s3://bucket/prefix/", shortened in the middle when long. */
static void uri_of(char *out, size_t n, const char *bucket, const char *prefix)
{
	char *raw = xasprintf("s3://%s/%s", bucket, prefix);
	char *s = san_str(raw);
	size_t len = strlen(s);
	if (len + 1 > n && n > 16) {
		/* both cuts on a character's first byte */
		size_t head = n / 3, tail = len - n / 2;
		while (head && ((unsigned char)s[head] & 0xC0) == 0x80)
			head--;
		while (tail < len && ((unsigned char)s[tail] & 0xC0) == 0x80)
			tail++;
		snprintf(out, n, "%.*s…%s", (int)head, s, s + tail);
	} else {
		snprintf(out, n, "%s", s);
	}
	free(s);
	free(raw);
}

static void bk_crumb(struct panel *p, char *out, size_t n)
{
	const char *sep = mlp_sep();
	char uri[160], a[32], b[32], c[32];
	if (B.view == BV_BUCKETS) {
		snprintf(out, n, "Buckets%s", B.bk_req ? "  loading…" : "");
		return;
	}
	if (B.view == BV_DU) {
		uri_of(uri, sizeof uri, B.du_bucket, B.du_prefix);
		int64_t objects = 0;
		for (size_t i = 0; i < B.ndu; i++)
			objects += B.du[i].objects;
		fmt_count(a, sizeof a, objects);
		fmt_bytes(b, sizeof b, (uint64_t)du_total());
		size_t left = 0;
		for (size_t i = 0; i < B.ndu; i++)
			left += !B.du[i].done;
		char ms[24];
		fmt_latency(ms, sizeof ms, (long)B.du_ms);
		if (du_busy())
			snprintf(c, sizeof c, "  %zu prefixes left…", left);
		else
			snprintf(c, sizeof c, "  in %s", ms);
		snprintf(out, n, "Buckets%s%s%sdu  %s objects · %s%s", sep, uri, sep, a, b, c);
		return;
	}
	struct level *l = top();
	if (!l) {
		snprintf(out, n, "Buckets");
		return;
	}
	uri_of(uri, sizeof uri, l->bucket, l->prefix);
	fmt_count(a, sizeof a, (long long)l->nobj);
	fmt_bytes(b, sizeof b, (uint64_t)l->bytes);
	char pre[48] = "";
	if (l->npre) {
		fmt_count(c, sizeof c, (long long)l->npre);
		snprintf(pre, sizeof pre, "%s prefix%s · ", c, l->npre == 1 ? "" : "es");
	}
	char more[64] = "";
	if (l->req)
		snprintf(more, sizeof more, "  listing… page %ld", l->pages + 1);
	else if (l->err[0])
		snprintf(more, sizeof more, "  (incomplete)");
	if (B.view == BV_OBJECT) {
		char *k =
		    san_str(B.ob.key + (str_starts(B.ob.key, l->prefix) ? strlen(l->prefix) : 0));
		snprintf(out, n, "Buckets%s%s%s%s", sep, uri, sep, k);
		free(k);
		return;
	}
	if (l->npre && !l->nobj) {
		/* only prefixes: no "0 objects · 0 B" */
		size_t pl = strlen(pre);
		if (pl >= strlen(" · "))
			pre[pl - strlen(" · ")] = '\0';
		snprintf(out, n, "Buckets%s%s  %s%s%s", sep, uri, pre, more,
			 l->req ? "" : "  (u: du)");
		return;
	}
	snprintf(out, n, "Buckets%s%s  %s%s object%s · %s%s%s", sep, uri, pre, a,
		 l->nobj == 1 ? "" : "s", b, more, l->req ? "" : "  (u: du)");
}

static void bk_detail(struct panel *p, int row, char *out, size_t n, enum role *role)
{
	*role = ROLE_DIM;
	out[0] = '\0';
	if (B.view == BV_BUCKETS) {
		if (B.bk_err[0]) {
			snprintf(out, n, "%s", B.bk_err);
			*role = ROLE_ERR;
		} else if (B.cnt_req) {
			char a[32], b[32];
			char *name = san_str(B.cnt_name);
			fmt_count(a, sizeof a, B.cnt[B.cnt_idx].objects);
			fmt_bytes(b, sizeof b, (uint64_t)B.cnt[B.cnt_idx].bytes);
			snprintf(out, n, "counting %s: %s objects · %s so far  (Esc stops)", name,
				 a, b);
			free(name);
		} else if (row >= 0 && (size_t)row < B.nbk) {
			char *name = san_str(B.bk[row].name);
			snprintf(out, n, "s3://%s/  <enter> browse  u count objects and size",
				 name);
			free(name);
		}
		return;
	}
	if (B.view == BV_DU) {
		if (B.du_err[0]) {
			snprintf(out, n, "%s", B.du_err);
			*role = ROLE_ERR;
		} else {
			snprintf(out, n, "%d walks running, %d at a time", B.du_running,
				 DU_PARALLEL);
			if (!du_busy())
				snprintf(out, n, "<enter> browse the prefix  u again  Esc back");
		}
		return;
	}
	struct level *l = top();
	if (l && l->err[0]) {
		snprintf(out, n, "%s", l->err);
		*role = ROLE_ERR;
		return;
	}
	if (B.view == BV_OBJECT)
		return;
	const struct brow *r = level_row(l, row);
	if (!r)
		return;
	char uri[400];
	uri_of(uri, sizeof uri, l->bucket, r->key);
	if (r->prefix) {
		snprintf(out, n, "%s", uri);
		return;
	}
	char a[32], t[32];
	fmt_count(a, sizeof a, r->size);
	full_time(t, sizeof t, r->mtime_ms);
	snprintf(out, n, "%s  %s bytes  modified %s", uri, a, t);
}

static const char *bk_hints(struct panel *p)
{
	switch (B.view) {
	case BV_BUCKETS:
		return "<enter> browse  u count  / filter  s sort  r refresh  ? help";
	case BV_DU:
		return "<enter> browse  s sort  r again  Esc back";
	case BV_OBJECT:
		return "j/k scroll  d download  D delete  y copy s3:// URI  Esc back";
	default:
		return "<enter> open  d download  p upload  D delete  u du  y copy s3:// URI  Esc "
		       "up";
	}
}

static void bk_empty(struct panel *p, char *out, size_t n)
{
	if (!bk_target()) {
		snprintf(out, n,
			 "no S3 store configured: set AWS_ENDPOINT_URL_S3 (or "
			 "MLFLOW_S3_ENDPOINT_URL) or an [s3] section's endpoint");
		return;
	}
	if (B.view == BV_BUCKETS) {
		snprintf(out, n, "%s",
			 B.bk_err[0]		    ? B.bk_err
			 : B.bk_req || !B.bk_loaded ? "loading…"
						    : "no buckets");
		return;
	}
	if (B.view == BV_DU) {
		snprintf(out, n, "%s",
			 B.du_err[0] ? B.du_err
			 : du_busy() ? "listing…"
				     : "nothing here");
		return;
	}
	struct level *l = top();
	if (l && l->err[0])
		snprintf(out, n, "%s", l->err);
	else if (l && l->req)
		snprintf(out, n, "listing…");
	else
		snprintf(out, n,
			 l && l->prefix[0] ? "no objects under this prefix" : "empty bucket");
}

/* Enter on a row of the current view. */
static int open_row(int row)
{
	if (B.view == BV_BUCKETS) {
		if (row < 0 || (size_t)row >= B.nbk)
			return P_IGNORED;
		count_stop();
		B.view = BV_LIST;
		level_push(B.bk[row].name, "");
		return P_HANDLED | P_RELOAD;
	}
	if (B.view == BV_DU) {
		const struct du_row *r = du_row_at(row);
		if (!r)
			return P_IGNORED;
		char *bucket = xstrdup(B.du_bucket);
		char *prefix = xstrdup(r->prefix ? r->prefix : B.du_prefix);
		du_clear();
		app_view_pop();
		B.view = BV_LIST;
		if (!top() || strcmp(top()->prefix, prefix) || strcmp(top()->bucket, bucket))
			level_push(bucket, prefix);
		free(bucket);
		free(prefix);
		bump();
		return P_HANDLED | P_RELOAD;
	}
	const struct brow *r = level_row(top(), row);
	if (!r)
		return P_IGNORED;
	if (r->prefix) {
		char *prefix = xstrdup(r->key);
		level_push(top()->bucket, prefix);
		free(prefix);
	} else {
		object_open(top()->bucket, r);
	}
	return P_HANDLED | P_RELOAD;
}

static int bk_on_key(struct panel *p, int key, int row)
{
	bool enter = key == '\n' || key == '\r';
	bool back = key == 27 || key == 'q';
	switch (B.view) {
	case BV_OBJECT:
		if (back) {
			object_close();
			B.view = BV_LIST;
			bump();
			return P_HANDLED | P_RELOAD;
		}
		if (key == 'd') {
			bk_download(top()->bucket, &B.ob);
			return P_HANDLED | P_REDRAW;
		}
		if (key == 'D') {
			bk_delete(top()->bucket, &B.ob);
			return P_HANDLED | P_REDRAW;
		}
		if (textview_key(&B.tv, key))
			return P_HANDLED | P_REDRAW;
		return enter ? P_HANDLED : P_IGNORED;
	case BV_BUCKETS:
		if (enter)
			return open_row(row);
		if (key == 27 && B.cnt_req) {
			count_stop();
			return P_HANDLED | P_REDRAW;
		}
		if (key == 'u' && row >= 0) {
			if (B.cnt_req && B.cnt_idx == (size_t)row)
				count_stop();
			else
				count_start((size_t)row);
			return P_HANDLED | P_REDRAW;
		}
		return P_IGNORED;
	case BV_DU:
		if (enter)
			return open_row(row);
		if (back) {
			du_clear();
			B.view = BV_LIST;
			app_view_pop();
			bump();
			return P_HANDLED | P_RELOAD;
		}
		if (key == 'u') {
			du_start(B.du_bucket, B.du_prefix);
			return P_HANDLED | P_RELOAD;
		}
		return P_IGNORED;
	case BV_LIST:
		break;
	}
	const struct brow *r = level_row(top(), row);
	if (enter)
		return open_row(row);
	if (back) {
		level_up();
		return P_HANDLED | P_RELOAD;
	}
	switch (key) {
	case 'u':
		du_start(top()->bucket, r && r->prefix ? r->key : top()->prefix);
		return P_HANDLED | P_RELOAD;
	case 'd':
		if (r && !r->prefix)
			bk_download(top()->bucket, r);
		else
			app_message(ROLE_DIM, "d downloads an object: select one");
		return P_HANDLED | P_REDRAW;
	case 'p':
		bk_upload();
		return P_HANDLED | P_REDRAW;
	case 'D':
		if (r)
			bk_delete(top()->bucket, r);
		return P_HANDLED | P_REDRAW;
	}
	return P_IGNORED;
}

static bool bk_body(struct panel *p, struct canvas *cv)
{
	if (B.view != BV_OBJECT)
		return false;
	canvas_clear(cv, ROLE_NORMAL);
	textview_draw(&B.tv, cv);
	return true;
}

static void bk_open(struct panel *p)
{
	memset(&B, 0, sizeof B);
	B.ob_total = -1;
}

static void bk_close(struct panel *p)
{
	bk_xfer_close();
	object_close();
	du_clear();
	levels_clear();
	s3c_cancel(B.bk_req);
	s3c_cancel(B.cnt_req);
	s3_buckets_free(B.bk, B.nbk);
	free(B.cnt);
	memset(&B, 0, sizeof B);
}

static void bk_reload(struct panel *p)
{
	switch (B.view) {
	case BV_BUCKETS:
		buckets_load();
		break;
	case BV_LIST:
		bk_relist();
		break;
	case BV_DU:
		du_start(B.du_bucket, B.du_prefix);
		break;
	case BV_OBJECT:
		object_open(B.ob_bucket, &B.ob);
		break;
	}
}

static bool bk_command(struct panel *p, const char *cmd, const char *args)
{
	if (!strcmp(cmd, "cd")) {
		if (!bk_target()) {
			app_message(ROLE_ERR, "cd: no S3 store configured");
			return true;
		}
		cd(args);
		return true;
	}
	if (!strcmp(cmd, "du")) {
		if (args[0] && bk_target())
			cd(args);
		if (!top()) {
			app_message(ROLE_ERR, "du: open a bucket first (:cd s3://bucket/)");
			return true;
		}
		if (B.view == BV_OBJECT) {
			object_close();
			B.view = BV_LIST;
		}
		du_start(top()->bucket, top()->prefix);
		return true;
	}
	return false;
}

static void bk_copy(struct panel *p, int row, char *out, size_t n)
{
	char *raw = NULL;
	if (B.view == BV_BUCKETS && row >= 0 && (size_t)row < B.nbk)
		raw = xasprintf("s3://%s/", B.bk[row].name);
	else if (B.view == BV_DU && du_row_at(row))
		raw = xasprintf("s3://%s/%s", B.du_bucket,
				du_row_at(row)->prefix ? du_row_at(row)->prefix : B.du_prefix);
	else if (B.view == BV_OBJECT)
		raw = xasprintf("s3://%s/%s", B.ob_bucket, B.ob.key);
	else if (level_row(top(), row))
		raw = xasprintf("s3://%s/%s", top()->bucket, level_row(top(), row)->key);
	if (raw)
		san_into(out, n, raw, strlen(raw));
	free(raw);
}

static const char *const bk_commands[] = {"cd", "du", NULL};
static const char *const bk_help[] = {
    ":cd s3://BUCKET/PREFIX/",
    "jump to a bucket's prefix (also: .. up, / the bucket list, a relative prefix)",
    ":du [URI]",
    "size and object count per sub-prefix of the current (or given) prefix",
    "u",
    "buckets: count a bucket's objects and bytes (again or Esc stops); listing: du of the "
    "selected prefix",
    "d",
    "download the selected object to a local path (asks; never replaces a file unasked)",
    "p",
    "upload a local file into the current prefix (confirm; not with --readonly)",
    "D",
    "delete the object, or every object under the prefix (confirm, the prefix typed; not "
    "with --readonly)",
    "y",
    "copy the s3:// URI (OSC 52)",
    NULL};

static const struct panel_ops buckets_ops = {
    .name = "buckets",
    .title = "Buckets",
    .digit = 2,
    .open = bk_open,
    .close = bk_close,
    .reload = bk_reload,
    .columns = bk_columns,
    .nrows = bk_nrows,
    .cell = bk_cell,
    .crumb = bk_crumb,
    .detail = bk_detail,
    .hints = bk_hints,
    .on_key = bk_on_key,
    .empty_text = bk_empty,
    .copy_text = bk_copy,
    .generation = bk_generation,
    .body = bk_body,
    .command = bk_command,
    .commands = bk_commands,
    .help = bk_help,
};

struct panel buckets_panel = {.ops = &buckets_ops};
