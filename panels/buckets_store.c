/* panels/buckets_store.c — the buckets view: a store's buckets with their
 * creation dates; u counts a bucket's objects and bytes (progressive; u
 * again or Esc stops it). Enter browses the bucket's root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buckets.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "tui/app.h"
#include "tui/cmd.h"
#include "tui/glyph.h"

struct bcount {
	int64_t objects, bytes;
	bool running, done;
};

struct store {
	const struct target *t;
	bool root; /* the panel's first view: titled "Buckets" */
	struct s3_bucket *bk;
	size_t nbk;
	struct s3c_req *req;
	bool loaded, tried;
	char err[400];
	struct bcount *cnt;
	struct s3c_req *cnt_req;
	size_t cnt_idx;
	char cnt_name[256];
	unsigned long gen;
};

static void bump(struct store *s)
{
	s->gen++;
	app_dirty();
}

static void buckets_done(const struct s3_bucket *b, size_t n, const struct mlc_err *err, void *arg)
{
	struct store *s = arg;
	s->req = NULL;
	if (err) {
		/* Shown in the view (placeholder, detail line), not on the
		 * message line: the list loads before anyone looks. */
		snprintf(s->err, sizeof s->err, "%s", err->msg);
	} else {
		s3c_cancel(s->cnt_req);
		s->cnt_req = NULL;
		s3_buckets_free(s->bk, s->nbk);
		free(s->cnt);
		s->bk = xcalloc(n ? n : 1, sizeof *s->bk);
		s->cnt = xcalloc(n ? n : 1, sizeof *s->cnt);
		for (size_t i = 0; i < n; i++) {
			s->bk[i].name = xstrdup(b[i].name);
			s->bk[i].created_ms = b[i].created_ms;
		}
		s->nbk = n;
		s->err[0] = '\0';
		s->loaded = true;
	}
	bump(s);
}

static void buckets_load(struct store *s)
{
	s->tried = true;
	s3c_cancel(s->req);
	s->req = s3c_list_buckets(s->t, buckets_done, s);
	bump(s);
}

static bool count_page(const struct s3_list_page *pg, bool last, const struct mlc_err *err,
		       void *arg)
{
	struct store *s = arg;
	struct bcount *c = &s->cnt[s->cnt_idx];
	for (size_t i = 0; pg && i < pg->nobjects; i++) {
		c->objects++;
		c->bytes += MLC_MAX(pg->objects[i].size, 0);
	}
	if (last) {
		s->cnt_req = NULL;
		c->running = false;
		c->done = !err;
		char *name = san_str(s->cnt_name);
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
	bump(s);
	return true;
}

static void count_stop(struct store *s)
{
	if (!s->cnt_req)
		return;
	s3c_cancel(s->cnt_req);
	s->cnt_req = NULL;
	s->cnt[s->cnt_idx].running = false;
	app_message(ROLE_DIM, "count stopped");
	bump(s);
}

static void count_start(struct store *s, size_t i)
{
	count_stop(s);
	s->cnt_idx = i;
	snprintf(s->cnt_name, sizeof s->cnt_name, "%s", s->bk[i].name);
	memset(&s->cnt[i], 0, sizeof s->cnt[i]);
	s->cnt[i].running = true;
	struct s3c_list_opts o = {.max_keys = 1000};
	s->cnt_req = s3c_list(s->t, s->bk[i].name, &o, count_page, s);
	bump(s);
}

struct view *bk_push_buckets(struct panel *p, const struct target *t, bool root)
{
	struct store *s = xcalloc(1, sizeof *s);
	s->t = t;
	s->root = root;
	struct view *v = view_push(p, &bk_buckets_view, s);
	if (!v)
		free(s);
	return v;
}

void bk_bucket_cands(struct panel *p, const char *word, struct cmd_cands *out)
{
	for (int d = 0; d < view_depth(p); d++) {
		struct view *v = view_at(p, d);
		if (v->ops != &bk_buckets_view)
			continue;
		struct store *s = v->priv;
		if (!s->tried) /* not shown yet: the next Tab has them */
			buckets_load(s);
		for (size_t i = 0; i < s->nbk; i++) {
			char *uri = xasprintf("s3://%s/", s->bk[i].name);
			if (str_starts(uri, word))
				cmd_cand_add(out, uri);
			free(uri);
		}
	}
}

static void st_close(struct view *v)
{
	struct store *s = v->priv;
	s3c_cancel(s->req);
	s3c_cancel(s->cnt_req);
	s3_buckets_free(s->bk, s->nbk);
	free(s->cnt);
	free(s);
}

static void st_reload(struct view *v)
{
	buckets_load(v->priv);
}

static const struct column bucket_cols[] = {
    {"NAME", 12, 0, ALIGN_LEFT, 0, false},
    {"CREATED", 16, 16, ALIGN_LEFT, 1, false},
    {"OBJECTS", 7, 12, ALIGN_RIGHT, 0, true},
    {"SIZE", 8, 10, ALIGN_RIGHT, 0, true},
};

static const struct column *st_columns(struct view *v, int *n)
{
	*n = (int)ARRAY_LEN(bucket_cols);
	return bucket_cols;
}

static int st_nrows(struct view *v)
{
	struct store *s = v->priv;
	if (!s->tried) /* the first look asks for the list */
		buckets_load(s);
	return (int)s->nbk;
}

static unsigned long st_generation(struct view *v)
{
	return ((struct store *)v->priv)->gen;
}

static void st_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct store *s = v->priv;
	out->text[0] = '\0';
	out->role = ROLE_NORMAL;
	if (row < 0 || (size_t)row >= s->nbk)
		return;
	const struct bcount *c = &s->cnt[row];
	switch (col) {
	case 0:
		mlp_cell(out, s->bk[row].name, ROLE_NORMAL);
		break;
	case 1: {
		char t[32];
		bk_full_time(t, sizeof t, s->bk[row].created_ms);
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
			bk_count_cell(out, c->objects);
		else
			bk_size_cell(out, c->bytes);
		if (c->running)
			bk_more(out);
		out->role = c->running ? ROLE_DIM : ROLE_NORMAL;
		break;
	}
}

static void st_title(struct view *v, char *out, size_t n)
{
	const struct store *s = v->priv;
	snprintf(out, n, "%s", s->root ? "Buckets" : s->t->name);
}

static void st_status(struct view *v, char *out, size_t n)
{
	const struct store *s = v->priv;
	if (s->req)
		snprintf(out, n, "loading%s", glyph(G_ELLIPSIS));
}

static void st_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	const struct store *s = v->priv;
	*role = ROLE_DIM;
	if (s->err[0]) {
		snprintf(out, n, "%s", s->err);
		*role = ROLE_ERR;
	} else if (s->cnt_req) {
		char a[32], b[32];
		char *name = san_str(s->cnt_name);
		fmt_count(a, sizeof a, s->cnt[s->cnt_idx].objects);
		fmt_bytes(b, sizeof b, (uint64_t)s->cnt[s->cnt_idx].bytes);
		snprintf(out, n, "counting %s: %s objects %s %s so far  (Esc stops)", name, a,
			 glyph(G_DOT), b);
		free(name);
	} else if (row >= 0 && (size_t)row < s->nbk) {
		char *name = san_str(s->bk[row].name);
		snprintf(out, n, "s3://%s/  <enter> browse  u count objects and size", name);
		free(name);
	}
}

static void st_empty(struct view *v, char *out, size_t n)
{
	const struct store *s = v->priv;
	snprintf(out, n, "%s",
		 s->err[0]		? s->err
		 : s->req || !s->loaded ? "loading…"
					: "no buckets");
}

static void st_copy(struct view *v, int row, char *out, size_t n)
{
	const struct store *s = v->priv;
	if (row < 0 || (size_t)row >= s->nbk)
		return;
	char *raw = xasprintf("s3://%s/", s->bk[row].name);
	san_into(out, n, raw, strlen(raw));
	free(raw);
}

static int st_open(struct view *v, int row)
{
	struct store *s = v->priv;
	count_stop(s);
	bk_push_listing(v->panel, s->t, s->bk[row].name, "", true);
	return P_REDRAW;
}

/* u: count the bucket; u again on it stops. */
static int st_count(struct view *v, int row)
{
	struct store *s = v->priv;
	if (s->cnt_req && s->cnt_idx == (size_t)row)
		count_stop(s);
	else
		count_start(s, (size_t)row);
	return P_REDRAW;
}

static int st_uploads(struct view *v, int row)
{
	struct store *s = v->priv;
	bk_push_uploads(v->panel, s->t, s->bk[row].name, "");
	return P_REDRAW;
}

/* Esc: a running count first, then the shell's back (the filter, then
 * up a level). */
static int st_back(struct view *v, int row)
{
	struct store *s = v->priv;
	if (s->cnt_req)
		count_stop(s);
	else if (v->table.filter[0])
		table_set_filter(&v->table, "");
	else
		view_pop(v->panel); /* v is gone after this */
	return P_REDRAW;
}

static const struct view_action buckets_actions[] = {
    {"open", "<Enter>", "browse", "browse the bucket", ACT_F_SELECTION, st_open},
    {"count", "u", "count", "count the bucket's objects and bytes (again or Esc stops)",
     ACT_F_SELECTION, st_count},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"sort", "s", "sort", NULL, 0, NULL},
    {"refresh", "r", "refresh", NULL, 0, NULL},
    {"back", NULL, NULL, "stop a count; else clear the filter, else go back", 0, st_back},
    {"uploads", "U", NULL, "the bucket's incomplete multipart uploads", ACT_F_SELECTION,
     st_uploads},
};

const struct view_ops bk_buckets_view = {
    .name = "buckets",
    .title = st_title,
    .columns = st_columns,
    .nrows = st_nrows,
    .cell = st_cell,
    .generation = st_generation,
    .detail = st_detail,
    .empty_text = st_empty,
    .copy_text = st_copy,
    .reload = st_reload,
    .status = st_status,
    .close = st_close,
    .actions = buckets_actions,
    .nactions = ARRAY_LEN(buckets_actions),
};

const struct target *bk_store(struct panel *p)
{
	for (int d = 0; d < view_depth(p); d++) {
		struct view *v = view_at(p, d);
		if (v->ops == &bk_buckets_view)
			return ((struct store *)v->priv)->t;
	}
	struct bk_panel *bp = p->priv;
	return bp->nstores ? bp->stores[0] : NULL;
}

int bk_store_depth(struct panel *p, const struct target *t)
{
	for (int d = 0; d < view_depth(p); d++) {
		struct view *v = view_at(p, d);
		if (v->ops == &bk_buckets_view && ((struct store *)v->priv)->t == t)
			return d;
	}
	return -1;
}
