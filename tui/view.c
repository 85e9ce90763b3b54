/* tui/view.c — the view stack of each panel (see view.h). Owns every
 * struct view and its table; a view's priv is the view's own, released by
 * its close hook. Pushing and popping never draw: they mark the screen
 * dirty. */
#include "view.h"

#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "lib/core/util.h"

struct view *view_push(struct panel *p, const struct view_ops *ops, void *priv)
{
	if (p->depth == (int)ARRAY_LEN(p->stack)) {
		app_message(ROLE_ERR, "too many levels open: go back first (Esc)");
		return NULL;
	}
	struct view *v = xcalloc(1, sizeof *v);
	v->ops = ops;
	v->panel = p;
	v->priv = priv;
	table_init(&v->table, v);
	p->stack[p->depth++] = v;
	app_dirty();
	return v;
}

static void view_free(struct view *v)
{
	questions_drop(v);
	if (v->ops->close)
		v->ops->close(v);
	table_free(&v->table);
	free(v);
}

bool view_pop(struct panel *p)
{
	if (p->depth <= 1)
		return false;
	struct view *v = p->stack[--p->depth];
	p->stack[p->depth] = NULL;
	view_free(v);
	struct view *top = p->stack[p->depth - 1];
	top->table.stale_view = true;
	if (top->ops->resume)
		top->ops->resume(top);
	app_dirty();
	return true;
}

void view_pop_to_root(struct panel *p)
{
	while (view_pop(p))
		;
}

void views_close_all(struct panel *p)
{
	while (p->depth > 0) {
		struct view *v = p->stack[--p->depth];
		p->stack[p->depth] = NULL;
		view_free(v);
	}
}

struct view *view_top(struct panel *p)
{
	return p->depth ? p->stack[p->depth - 1] : NULL;
}

struct view *view_at(struct panel *p, int i)
{
	return i >= 0 && i < p->depth ? p->stack[i] : NULL;
}

int view_depth(struct panel *p)
{
	return p->depth;
}

void view_select_row(struct view *v, int model_row)
{
	v->table.restore_row = model_row;
	view_changed(v);
}

void view_changed(struct view *v)
{
	v->table.stale_view = true;
	app_dirty();
}
