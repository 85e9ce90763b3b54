/* tui/dispatch.c — keys resolve to actions before any view code runs. A
 * key is looked up in this order: what :bind gave it, the focused view's
 * action table (its default keys), the shell's default bindings; the name
 * found runs the view's action of that name, else the shell's. The checks
 * every action needs (a selection, --readonly for WRITES) are made here,
 * once. The footer hints (here) and the help screen (tui/help.c) are
 * generated from the same tables. */
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "canvas.h"
#include "cmd.h"
#include "keys.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "lib/health/source.h"

static void osc52_copy(const char *text)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "\033]52;c;");
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
			     (i + 2 < n ? s[i + 2] : 0);
		char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63],
			     i + 1 < n ? b64[(v >> 6) & 63] : '=', i + 2 < n ? b64[v & 63] : '='};
		buf_append(&b, q, 4);
	}
	buf_puts(&b, "\a");
	if (!A.headless && A.tty_out) {
		fwrite(b.data, 1, b.len, A.tty_out);
		fflush(A.tty_out);
	}
	buf_free(&b);
}

/* ---- the shell's actions ------------------------------------------------ */

static void g_quit(struct view *v, int arg)
{
	app_quit(false);
}

/* Esc: an active filter first, then one level up. */
static void g_back(struct view *v, int arg)
{
	if (v->table.filter[0])
		table_set_filter(&v->table, "");
	else
		view_pop(v->panel);
}

/* q: one level up; on the top level, quit. */
static void g_close(struct view *v, int arg)
{
	if (!view_pop(v->panel))
		app_quit(false);
}

static void g_next(struct view *v, int arg)
{
	table_move(&v->table, 1);
}
static void g_prev(struct view *v, int arg)
{
	table_move(&v->table, -1);
}
static void g_page_down(struct view *v, int arg)
{
	table_move(&v->table, MLC_MAX(1, v->table.page - 1));
}
static void g_page_up(struct view *v, int arg)
{
	table_move(&v->table, -MLC_MAX(1, v->table.page - 1));
}
static void g_top(struct view *v, int arg)
{
	table_home(&v->table);
}
static void g_bottom(struct view *v, int arg)
{
	table_end(&v->table);
}
static void g_open(struct view *v, int arg)
{
	/* views that open things have an "open" action of their own */
}
static void g_filter(struct view *v, int arg)
{
	prompt_open('/');
}
static void g_command(struct view *v, int arg)
{
	prompt_open(':');
}
static void g_refresh(struct view *v, int arg)
{
	cmd_run("refresh");
	app_message(ROLE_DIM, "refreshing");
}
static void g_sort(struct view *v, int arg)
{
	table_sort_next(&v->table);
}
static void g_help(struct view *v, int arg)
{
	A.mode = MODE_HELP;
	A.help_top = 0;
}
static void g_copy(struct view *v, int arg)
{
	char text[512] = "";
	int row = table_selected(&v->table);
	/* a page (a body, no rows) copies what it shows: row -1 */
	if (v->ops->copy_text && (row >= 0 || v->ops->body))
		v->ops->copy_text(v, row, text, sizeof text);
	if (text[0]) {
		osc52_copy(text);
		app_message(ROLE_OK, "copied: %s", text);
	}
}
static void g_next_panel(struct view *v, int arg)
{
	switch_panel((A.cur + 1) % npanels);
}
static void g_prev_panel(struct view *v, int arg)
{
	switch_panel((A.cur + npanels - 1) % npanels);
}
static void g_redraw(struct view *v, int arg)
{
	clearok(curscr, TRUE);
}
static void g_panel(struct view *v, int arg)
{
	for (int i = 0; i < npanels; i++)
		if (panels[i]->ops->digit == arg)
			switch_panel(i);
}
static void g_cols_left(struct view *v, int arg)
{
	table_scroll_cols(&v->table, -1);
}
static void g_cols_right(struct view *v, int arg)
{
	table_scroll_cols(&v->table, 1);
}
static void g_none(struct view *v, int arg)
{
}

static const struct global_action globals[] = {
    {"none", "does nothing (unbinds a key)", g_none},
    {"quit", "quit mlconsole", g_quit},
    {"back", "clear the filter, else go back a level", g_back},
    {"close", "go back a level; quit from the top level", g_close},
    {"next", "next row", g_next},
    {"prev", "previous row", g_prev},
    {"page-down", "next page", g_page_down},
    {"page-up", "previous page", g_page_up},
    {"top", "first row", g_top},
    {"bottom", "last row", g_bottom},
    {"open", "open the selected row", g_open},
    {"filter", "filter the rows (local)", g_filter},
    {"command", "run a command (:overview, :theme light, :quit)", g_command},
    {"refresh", "refresh now", g_refresh},
    {"sort", "sort by the next column", g_sort},
    {"help", "this help", g_help},
    {"copy", "copy the selection (OSC 52)", g_copy},
    {"next-panel", "next panel", g_next_panel},
    {"prev-panel", "previous panel", g_prev_panel},
    {"redraw", "redraw the screen", g_redraw},
    {"panel", "open panel N", g_panel},
    {"cols-left", "scroll the columns left (show hidden ones)", g_cols_left},
    {"cols-right", "scroll the columns right (show hidden ones)", g_cols_right},
};

const struct global_action *global_actions(int *n)
{
	*n = (int)ARRAY_LEN(globals);
	return globals;
}

static const struct global_action *global_get(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(globals); i++)
		if (!strcmp(globals[i].name, name))
			return &globals[i];
	return NULL;
}

static const struct view_action *view_action_named(const struct view *v, const char *name)
{
	for (int i = 0; i < v->ops->nactions; i++)
		if (!strcmp(v->ops->actions[i].name, name))
			return &v->ops->actions[i];
	return NULL;
}

/* Whether key is one of the space-separated key names in keys ("h <Left>"). */
static bool action_has_key(const char *keys, int key)
{
	char one[32];
	for (const char *s = keys; *s;) {
		size_t n = strcspn(s, " ");
		if (n && n < sizeof one) {
			memcpy(one, s, n);
			one[n] = '\0';
			if (keys_parse(one) == key)
				return true;
		}
		s += n;
		while (*s == ' ')
			s++;
	}
	return false;
}

static const struct view_action *view_action_keyed(const struct view *v, int key)
{
	if (key == KEY_ENTER || key == '\r')
		key = '\n';
	for (int i = 0; i < v->ops->nactions; i++) {
		const char *k = v->ops->actions[i].key;
		if (k && action_has_key(k, key))
			return &v->ops->actions[i];
	}
	return NULL;
}

bool action_known(const char *name)
{
	if (global_get(name))
		return true;
	for (int i = 0; i < npanels; i++)
		for (int d = 0; d < panels[i]->depth; d++)
			if (view_action_named(panels[i]->stack[d], name))
				return true;
	for (int i = 0; i < npanels; i++)
		for (const struct view_ops *const *vo = panels[i]->ops->views; vo && *vo; vo++)
			for (int a = 0; a < (*vo)->nactions; a++)
				if (!strcmp((*vo)->actions[a].name, name))
					return true;
	return false;
}

void action_names(struct cmd_cands *out)
{
	for (size_t i = 0; i < ARRAY_LEN(globals); i++)
		cmd_cand_add(out, globals[i].name);
	for (int i = 0; i < npanels; i++)
		for (const struct view_ops *const *vo = panels[i]->ops->views; vo && *vo; vo++)
			for (int a = 0; a < (*vo)->nactions; a++)
				cmd_cand_add(out, (*vo)->actions[a].name);
}

/* The checks every action needs, then the action. */
static void run_view_action(struct view *v, const struct view_action *a)
{
	int row = table_selected(&v->table);
	if ((a->flags & ACT_F_SELECTION) && row < 0) {
		app_message(ROLE_DIM, "%s: nothing selected", a->name);
		return;
	}
	if ((a->flags & ACT_F_WRITES) && A.readonly) {
		app_message(ROLE_WARN,
			    "read-only mode: %s is disabled (--readonly or readonly = true)",
			    a->name);
		return;
	}
	if (!a->run) {
		/* an entry that gives a shell action this view's key and hint */
		const struct global_action *g = global_get(a->name);
		if (g)
			g->run(v, 0);
		return;
	}
	int r = a->run(v, row);
	if (r & P_RELOAD)
		view_changed(v);
	if (r & P_QUIT)
		A.quit = true;
}

bool view_run_action(struct view *v, const char *name)
{
	const struct view_action *a = view_action_named(v, name);
	if (!a)
		return false;
	run_view_action(v, a);
	return true;
}

static void run_named(struct view *v, const char *name, int arg)
{
	const struct view_action *a = view_action_named(v, name);
	if (a) {
		run_view_action(v, a);
		return;
	}
	const struct global_action *g = global_get(name);
	if (g)
		g->run(v, arg);
}

static void mouse_key(struct view *v)
{
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return;
	struct table *t = &v->table;
	if (ev.bstate & BUTTON4_PRESSED) {
		table_move(t, -3);
	} else if (ev.bstate & BUTTON5_PRESSED) {
		table_move(t, 3);
	} else if (ev.y == 1) {
		/* Click on a tab. */
		int x = 1;
		for (int i = 0; i < npanels; i++) {
			int w = (int)strlen(panels[i]->ops->title) + 4;
			if (ev.x >= x && ev.x < x + w)
				switch_panel(i);
			x += w + 1;
		}
	} else if (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) {
		table_click(t, ev.y);
	} else if (ev.bstate & BUTTON1_DOUBLE_CLICKED) {
		if (!table_click(t, ev.y))
			return;
		run_named(v, "open", 0);
	}
}

static void help_key(int key)
{
	if (key == 27 || key == 'q' || key == '?')
		A.mode = MODE_NORMAL;
	else if (key == 'j' || key == KEY_DOWN)
		A.help_top++;
	else if ((key == 'k' || key == KEY_UP) && A.help_top > 0)
		A.help_top--;
}

/* One key: the prompt, dialog and help take it when open; otherwise it
 * resolves to an action (see the top of this file). */
void dispatch_key(int key)
{
	struct view *v = cur_view();
	struct table *t = &v->table;
	A.dirty = true;
	/* Rows that arrived since the last draw count: a key acts on what the
	 * view holds now, not on the view drawn before it came. */
	table_sync(t);
	if (A.mode == MODE_PROMPT) {
		prompt_key(key);
		return;
	}
	if (key == KEY_RESIZE)
		return;
	if (A.mode == MODE_DIALOG) {
		dialog_key(key);
		return;
	}
	if (key == KEY_MOUSE) {
		mouse_key(v);
		return;
	}
	if (A.mode == MODE_HELP) {
		help_key(key);
		return;
	}
	const struct binding *b = keys_lookup(key, true);
	if (b) {
		run_named(v, b->action, b->arg);
		return;
	}
	const struct view_action *a = view_action_keyed(v, key);
	if (a) {
		run_view_action(v, a);
		return;
	}
	b = keys_lookup(key, false);
	if (b)
		run_named(v, b->action, b->arg);
}

/* ---- what the footer and help say ---------------------------------------- */

/* The key that runs view action a: what :bind gave it, else its default. */
void action_key(const struct view_action *a, char *out, size_t n)
{
	if (keys_of(a->name, true, out, n))
		return;
	char first[32] = "";
	if (a->key)
		snprintf(first, sizeof first, "%.*s", (int)strcspn(a->key, " "), a->key);
	int k = first[0] ? keys_parse(first) : -1;
	if (k >= 0)
		keys_footer_name(k, out, n);
	else if (!keys_of(a->name, false, out, n))
		snprintf(out, n, "-");
}

/* Appends one whole hint when it fits: a cut one reads as another word. */
static void add_hint_text(char *out, size_t n, int width, int *used, const char *one)
{
	int w = san_width(one) + (*used ? 2 : 0);
	if (*used + w > width)
		return;
	size_t o = strlen(out);
	snprintf(out + o, n - o, "%s%s", *used ? "  " : "", one);
	*used += w;
}

static void add_hint(char *out, size_t n, int width, int *used, const char *key, const char *text)
{
	char one[96];
	snprintf(one, sizeof one, "%s %s", key, text);
	add_hint_text(out, n, width, used, one);
}

void hints_text(char *out, size_t n, int width)
{
	out[0] = '\0';
	struct view *v = cur_view();
	int used = 0;
	char key[32];
	for (int i = 0; i < v->ops->nactions; i++) {
		const struct view_action *a = &v->ops->actions[i];
		if (!a->hint || ((a->flags & ACT_F_WRITES) && A.readonly))
			continue;
		action_key(a, key, sizeof key);
		add_hint(out, n, width, &used, key, a->hint);
	}
	static const struct {
		const char *action, *hint;
	} common[] = {{"filter", "filter"}, {"command", "command"}, {"help", "help"}};
	for (size_t i = 0; i < ARRAY_LEN(common); i++)
		if (!view_action_named(v, common[i].action) &&
		    !(v->ops->body && !strcmp(common[i].action, "filter")) &&
		    keys_of(common[i].action, false, key, sizeof key))
			add_hint(out, n, width, &used, key, common[i].hint);
	if (view_depth(v->panel) > 1)
		add_hint(out, n, width, &used, "<esc>", "back");
	else if (keys_of("close", false, key, sizeof key))
		add_hint(out, n, width, &used, key, "quit");
}
