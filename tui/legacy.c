/* tui/legacy.c — one view over a panel that is not yet built on views
 * (buckets, experiments, models): every hook forwards to the panel's LEGACY
 * hooks of tui/panel.h, raw keys reach the panel's on_key before the
 * dispatcher, and the panel tracks its own levels with app_view_push and
 * app_view_pop (the table's saved levels). Goes away with the last
 * converted panel. */
#include <string.h>

#include "app_int.h"

bool panel_is_legacy(const struct panel *p)
{
	return p->ops->cell != NULL;
}

static void lv_title(struct view *v, char *out, size_t n)
{
	v->panel->ops->crumb(v->panel, out, n);
}

static const struct column *lv_columns(struct view *v, int *n)
{
	return v->panel->ops->columns(v->panel, n);
}

static int lv_nrows(struct view *v)
{
	return v->panel->ops->nrows(v->panel);
}

static void lv_cell(struct view *v, int row, int col, struct cell *out)
{
	v->panel->ops->cell(v->panel, row, col, out);
}

static unsigned long lv_generation(struct view *v)
{
	return v->panel->ops->generation ? v->panel->ops->generation(v->panel) : 0;
}

static void lv_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	if (v->panel->ops->detail)
		v->panel->ops->detail(v->panel, row, out, n, role);
}

static void lv_empty(struct view *v, char *out, size_t n)
{
	if (v->panel->ops->empty_text)
		v->panel->ops->empty_text(v->panel, out, n);
}

static void lv_copy(struct view *v, int row, char *out, size_t n)
{
	if (v->panel->ops->copy_text)
		v->panel->ops->copy_text(v->panel, row, out, n);
}

static bool lv_body(struct view *v, struct canvas *cv)
{
	return v->panel->ops->body && v->panel->ops->body(v->panel, cv);
}

static void lv_reload(struct view *v)
{
	if (v->panel->ops->reload)
		v->panel->ops->reload(v->panel);
}

static int lv_on_key(struct view *v, int key, int row)
{
	return v->panel->ops->on_key ? v->panel->ops->on_key(v->panel, key, row) : P_IGNORED;
}

static const char *lv_hints(struct view *v)
{
	return v->panel->ops->hints ? v->panel->ops->hints(v->panel) : "";
}

const struct view_ops legacy_view_ops = {
    .name = "legacy",
    .title = lv_title,
    .columns = lv_columns,
    .nrows = lv_nrows,
    .cell = lv_cell,
    .generation = lv_generation,
    .detail = lv_detail,
    .empty_text = lv_empty,
    .copy_text = lv_copy,
    .body = lv_body,
    .reload = lv_reload,
    .on_key = lv_on_key,
    .hints = lv_hints,
};

void app_view_push(void)
{
	table_push(cur_table());
	app_dirty();
}

void app_view_pop(void)
{
	table_pop(cur_table());
	app_dirty();
}
