/* panels/exp_preview.c — an artifact's first 64 KB (lib/core/preview: CSV
 * as a table, JSON pretty, text, a hex dump for binary) in a scrollable
 * text view. State: struct xp_preview, the view's priv; its request is
 * cancelled when it closes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments.h"
#include "lib/core/preview.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"
#include "tui/textview.h"

#define PREVIEW_BYTES (64u << 10)

struct xp_preview {
	struct mlflowc_req *req;
	struct preview pv;
	bool loaded;
	struct textview tv;
	char name[256];
};

static void blob_done(void *res, const struct mlc_err *err, void *arg)
{
	struct xp_preview *p = arg;
	p->req = NULL;
	preview_free(&p->pv);
	if (err) {
		char *m = xstrdup(err->msg);
		preview_build(&p->pv, p->name, NULL, m, strlen(m), false);
		free(m);
		app_message(ROLE_ERR, "%s", err->msg);
	} else {
		struct mlflowc_blob *b = res;
		preview_build(&p->pv, p->name, b->content_type, b->data, b->len, b->truncated);
	}
	p->loaded = true;
	char *name = san_str(p->name);
	char title[300];
	snprintf(title, sizeof title, "%s  %s%s%s", name, p->pv.label, p->pv.note[0] ? " — " : "",
		 p->pv.note);
	free(name);
	textview_set(&p->tv, p->pv.lines, p->pv.nlines, p->pv.width, title);
	app_dirty();
}

void xp_preview_push(struct panel *pn, const struct mlflow_run *r, const char *path)
{
	struct mlflowc *c = xp_client(pn->priv);
	if (!c)
		return;
	struct xp_preview *p = xcalloc(1, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", path);
	if (!view_push(pn, &xp_preview_view, p)) {
		free(p);
		return;
	}
	p->req =
	    mlflowc_artifact_head(c, r->artifact_uri, r->run_id, path, PREVIEW_BYTES, blob_done, p);
}

static void preview_close(struct view *v)
{
	struct xp_preview *p = v->priv;
	mlflowc_cancel(p->req);
	preview_free(&p->pv);
	free(p);
}

static bool preview_body(struct view *v, struct canvas *cv)
{
	struct xp_preview *p = v->priv;
	canvas_clear(cv, ROLE_NORMAL);
	if (!p->loaded) {
		canvas_text(cv, 1, 1, "loading the first 64 KB…", ROLE_DIM, 0);
		return true;
	}
	textview_draw(&p->tv, cv);
	return true;
}

/* The text view's own keys, reached through actions (so :bind moves them). */
static int scroll(struct view *v, int key)
{
	struct xp_preview *p = v->priv;
	textview_key(&p->tv, key);
	return P_REDRAW;
}

static int pv_down(struct view *v, int row)
{
	return scroll(v, 'j');
}
static int pv_up(struct view *v, int row)
{
	return scroll(v, 'k');
}
static int pv_page_down(struct view *v, int row)
{
	return scroll(v, ' ');
}
static int pv_page_up(struct view *v, int row)
{
	return scroll(v, 'b');
}
static int pv_top(struct view *v, int row)
{
	return scroll(v, 'g');
}
static int pv_bottom(struct view *v, int row)
{
	return scroll(v, 'G');
}
static int pv_left(struct view *v, int row)
{
	return scroll(v, 'h');
}
static int pv_right(struct view *v, int row)
{
	return scroll(v, 'l');
}

static void preview_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "preview");
}

/* next, prev, page-*, top, bottom and cols-* take the shell's keys too. */
static const struct view_action preview_actions[] = {
    {"next", NULL, "scroll", "scroll down a line", 0, pv_down},
    {"prev", NULL, NULL, "scroll up a line", 0, pv_up},
    {"page-down", "<Space>", NULL, "scroll down a page", 0, pv_page_down},
    {"page-up", "b", NULL, "scroll up a page", 0, pv_page_up},
    {"top", NULL, NULL, "the first line", 0, pv_top},
    {"bottom", NULL, NULL, "the last line", 0, pv_bottom},
    {"cols-left", "h <Left>", "left/right", "scroll left", 0, pv_left},
    {"cols-right", "l <Right>", NULL, "scroll right", 0, pv_right},
};

const struct view_ops xp_preview_view = {
    .name = "preview",
    .title = preview_title,
    .columns = xp_page_columns,
    .nrows = xp_page_nrows,
    .cell = xp_page_cell,
    .body = preview_body,
    .close = preview_close,
    .actions = preview_actions,
    .nactions = ARRAY_LEN(preview_actions),
};
