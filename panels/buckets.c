/* panels/buckets.c — the Buckets panel (digit 2, :buckets): S3 / MinIO
 * stores browsed like a file manager. With several [s3 NAME] targets its
 * first view is the stores view (one row per store, Enter opens its
 * buckets); with one, the store's buckets. The views live in
 * buckets_store.c, buckets_list.c, buckets_du.c and buckets_object.c (see
 * buckets.h); here are the panel, the stores view, the commands (:cd, :du
 * and their completion) and the cells the views share. Every string from a
 * server is sanitized before it becomes a cell or a line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buckets.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "transfer.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/cmd.h"
#include "tui/glyph.h"

/* ---- cells the views share ---------------------------------------------- */

void bk_size_cell(struct cell *out, int64_t size)
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

void bk_count_cell(struct cell *out, int64_t n)
{
	fmt_count(out->text, sizeof out->text, n);
	out->role = ROLE_NORMAL;
	out->has_num = true;
	out->num = (double)n;
}

void bk_more(struct cell *out)
{
	strncat(out->text, glyph(G_ELLIPSIS), sizeof out->text - strlen(out->text) - 1);
}

void bk_full_time(char *out, size_t n, int64_t ms)
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

void bk_uri_of(char *out, size_t n, const char *bucket, const char *prefix)
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
		snprintf(out, n, "%.*s%s%s", (int)head, s, glyph(G_ELLIPSIS), s + tail);
	} else {
		snprintf(out, n, "%s", s);
	}
	free(s);
	free(raw);
}

/* ---- the stores view ------------------------------------------------------ */

static struct bk_panel *bp(struct view *v)
{
	return v->panel->priv;
}

static const struct column store_cols[] = {
    {"STORE", 8, 24, ALIGN_LEFT, 0, false},
    {"ENDPOINT", 12, 0, ALIGN_LEFT, 0, false},
    {"REGION", 6, 14, ALIGN_LEFT, 1, false},
};

static const struct column *sv_columns(struct view *v, int *n)
{
	*n = (int)ARRAY_LEN(store_cols);
	return store_cols;
}

static int sv_nrows(struct view *v)
{
	return (int)bp(v)->nstores;
}

static void sv_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct target *t = bp(v)->stores[row];
	const char *text[] = {t->name, t->url, t->region ? t->region : "-"};
	mlp_cell(out, text[col], col ? ROLE_DIM : ROLE_NORMAL);
}

static void sv_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "Buckets");
}

static void sv_empty(struct view *v, char *out, size_t n)
{
	snprintf(out, n,
		 "no S3 store configured: set AWS_ENDPOINT_URL_S3 (or "
		 "MLFLOW_S3_ENDPOINT_URL) or an [s3] section's endpoint");
}

static void sv_copy(struct view *v, int row, char *out, size_t n)
{
	snprintf(out, n, "%s", bp(v)->stores[row]->url);
}

static int sv_open(struct view *v, int row)
{
	bk_push_buckets(v->panel, bp(v)->stores[row], false);
	return P_REDRAW;
}

static const struct view_action stores_actions[] = {
    {"open", "<Enter>", "buckets", "the store's buckets", ACT_F_SELECTION, sv_open},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"copy", "y", "copy endpoint", NULL, 0, NULL},
};

const struct view_ops bk_stores_view = {
    .name = "stores",
    .title = sv_title,
    .columns = sv_columns,
    .nrows = sv_nrows,
    .cell = sv_cell,
    .empty_text = sv_empty,
    .copy_text = sv_copy,
    .actions = stores_actions,
    .nactions = ARRAY_LEN(stores_actions),
};

/* ---- :cd and :du ------------------------------------------------------------ */

/* Shows store t's bucket list: the views above it go; from the stores
 * view, it is opened. */
static void to_store(struct panel *p, const struct target *t)
{
	int d = bk_store_depth(p, t);
	if (d < 0) {
		view_pop_to_root(p);
		bk_push_buckets(p, t, false);
		return;
	}
	while (view_depth(p) > d + 1)
		view_pop(p);
}

/* Opens bucket/prefix with one view per level, so that Esc climbs the
 * prefix from there; only the deepest is listed now, the others when they
 * are shown (each selecting the child the user came from). */
static void go_to(struct panel *p, const struct target *t, const char *bucket, const char *prefix)
{
	to_store(p, t);
	size_t ends[64];
	int n = 0;
	ends[n++] = 0;
	for (size_t i = 0; prefix[i] && n < (int)ARRAY_LEN(ends); i++)
		if (prefix[i] == '/')
			ends[n++] = i + 1;
	/* the stack holds 16 views: the deepest levels win */
	int room = (int)ARRAY_LEN(p->stack) - view_depth(p) - 1;
	for (int i = MLC_MAX(0, n - room); i < n; i++) {
		char *pre = xstrndup(prefix, ends[i]);
		struct listing *l = bk_push_listing(p, t, bucket, pre, i == n - 1);
		if (l && i < n - 1)
			l->select_key = xstrndup(prefix, ends[i + 1]);
		free(pre);
	}
}

/* `:cd ..`: the object or du view goes, and one prefix up. */
static void cd_up(struct panel *p)
{
	while (view_top(p)->ops == &bk_du_view || view_top(p)->ops == &bk_object_view)
		view_pop(p);
	if (bk_listing(view_top(p)))
		view_pop(p);
}

/* s3://bucket/prefix (or bucket/prefix, "/", "..", or a prefix relative to
 * the listing shown). Returns 0, or -1 after saying why. */
static int cd(struct panel *p, const char *arg)
{
	const struct target *t = bk_store(p);
	if (!t) {
		app_message(ROLE_ERR, "cd: no S3 store configured");
		return -1;
	}
	while (*arg == ' ')
		arg++;
	if (!*arg || !strcmp(arg, "/") || !strcmp(arg, "s3://")) {
		to_store(p, t);
		return 0;
	}
	if (!strcmp(arg, "..")) {
		cd_up(p);
		return 0;
	}
	struct listing *here = bk_nearest_listing(p);
	char *want;
	if (str_starts(arg, "s3://"))
		want = xstrdup(arg + 5);
	else if (here && arg[0] != '/')
		want = xasprintf("%s/%s%s", here->bucket, here->prefix, arg);
	else
		want = xstrdup(arg[0] == '/' ? arg + 1 : arg);
	char *slash = strchr(want, '/');
	char *bucket = slash ? xstrndup(want, (size_t)(slash - want)) : xstrdup(want);
	char *prefix = xstrdup(slash ? slash + 1 : "");
	free(want);
	int rc = 0;
	if (!*bucket) {
		app_message(ROLE_ERR, "cd: no bucket in the path");
		rc = -1;
	} else {
		/* A prefix ends with '/': "s3://b/a/b" means the folder a/b/. */
		size_t pl = strlen(prefix);
		if (pl && prefix[pl - 1] != '/') {
			char *q = xasprintf("%s/", prefix);
			free(prefix);
			prefix = q;
		}
		go_to(p, t, bucket, prefix);
	}
	free(bucket);
	free(prefix);
	return rc;
}

static int cmd_cd(struct panel *p, const char *args)
{
	return cd(p, args);
}

static int cmd_du(struct panel *p, const char *args)
{
	if (args[0] && cd(p, args) != 0)
		return -1;
	struct listing *l = bk_nearest_listing(p);
	if (!l) {
		app_message(ROLE_ERR, "du: open a bucket first (:cd s3://bucket/)");
		return -1;
	}
	while (view_top(p) != l->v)
		view_pop(p);
	bk_push_du(p, l->t, l->bucket, l->prefix, "du");
	return 0;
}

/* s3:// buckets the store has listed, and the prefixes of the listing
 * shown: as s3:// URIs, and relative to it. */
static void complete_uri(struct panel *p, const char *args, const char *word, struct cmd_cands *out)
{
	bk_bucket_cands(p, word, out);
	struct listing *l = bk_nearest_listing(p);
	for (size_t i = 0; l && i < l->npre; i++) {
		const char *key = l->pre[i].key;
		char *uri = xasprintf("s3://%s/%s", l->bucket, key);
		if (str_starts(uri, word))
			cmd_cand_add(out, uri);
		free(uri);
		const char *rel = str_starts(key, l->prefix) ? key + strlen(l->prefix) : key;
		if (*word && str_starts(rel, word))
			cmd_cand_add(out, rel);
	}
	if (l && str_starts("..", word))
		cmd_cand_add(out, "..");
}

/* :cancel — the downloads of this panel in flight, after a dialog. */
static int cmd_cancel(struct panel *p, const char *args)
{
	xfer_cancel_ask(p->priv);
	return 0;
}

static const struct cmd_entry bk_cmds[] = {
    {"cancel", NULL, "", "cancel this panel's downloads in flight (asks; the part files are kept)",
     CMD_ARG_NONE, cmd_cancel, NULL},
    {"cd", NULL, "s3://BUCKET/PREFIX/",
     "jump to a bucket's prefix (also: .. up, / the bucket list, a relative prefix)", CMD_ARG_TEXT,
     cmd_cd, complete_uri},
    {"du", NULL, "[URI]", "size and object count per sub-prefix of the current (or given) prefix",
     CMD_ARG_TEXT, cmd_du, complete_uri},
};

/* ---- the panel -------------------------------------------------------------- */

static void bk_open(struct panel *p)
{
	struct bk_panel *b = xcalloc(1, sizeof *b);
	const struct config *c = app_config();
	p->priv = b;
	b->stores = xcalloc(c->ntargets ? c->ntargets : 1, sizeof *b->stores);
	for (size_t i = 0; i < c->ntargets; i++)
		if (c->targets[i].kind == TK_S3 && c->targets[i].url)
			b->stores[b->nstores++] = &c->targets[i];
	if (b->nstores == 1)
		bk_push_buckets(p, b->stores[0], true);
	else
		view_push(p, &bk_stores_view, NULL);
}

static void bk_close(struct panel *p)
{
	struct bk_panel *b = p->priv;
	bk_xfer_close(p);
	free(b->stores);
	free(b);
	p->priv = NULL;
}

static const struct view_ops *const bk_views[] = {
    &bk_stores_view, &bk_buckets_view, &bk_listing_view, &bk_du_view,
    &bk_object_view, &bk_uploads_view, &bk_upload_view,	 NULL};

static const struct panel_ops buckets_ops = {
    .name = "buckets",
    .title = "Buckets",
    .digit = 2,
    .open = bk_open,
    .close = bk_close,
    .cmds = bk_cmds,
    .ncmds = ARRAY_LEN(bk_cmds),
    .views = bk_views,
};

struct panel buckets_panel = {.ops = &buckets_ops};
