/* tui/help.c — the `?` screen, generated from the tables the dispatcher
 * runs: the shell's actions with every key bound to each, the focused
 * view's actions (what :bind gave them, else their default keys), the
 * panel's and the shell's commands. Long help wraps at word boundaries. */
#include <string.h>

#include "app_int.h"
#include "canvas.h"
#include "cmd.h"
#include "keys.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"

static int wrap_text(const struct canvas *body, int y, int x, const char *text, enum role role)
{
	return canvas_wrap(body, y, x, text, role, 1); /* row 0 holds the title */
}

static int help_row(const struct canvas *body, int y, const char *key, const char *name,
		    const char *help)
{
	if (y >= 1 && y < body->h) {
		canvas_text(body, y, 2, key, ROLE_KEY, 18);
		canvas_text(body, y, 21, name, ROLE_NORMAL, 12);
	}
	return wrap_text(body, y, 34, help, ROLE_DIM);
}

/* A command: its usage in the key and name columns together, the help
 * after it. */
static int help_cmd_row(const struct canvas *body, int y, const char *usage, const char *help)
{
	int uw = san_width(usage);
	int x = MLC_MAX(34, 2 + uw + 2);
	if (y >= 1 && y < body->h)
		canvas_text(body, y, 2, usage, ROLE_KEY, 0);
	return wrap_text(body, y, x, help, ROLE_DIM);
}

static int help_title(const struct canvas *body, int y, const char *title)
{
	if (y >= 1 && y < body->h)
		canvas_text(body, y, 1, title, ROLE_TITLE, 0);
	return 1;
}

static int help_view(const struct canvas *body, int y, const struct view *v)
{
	if (!v->ops->nactions)
		return y;
	char title[96], key[32];
	snprintf(title, sizeof title, "%s %s%s", v->panel->ops->title, glyph(G_CRUMB_SEP) + 1,
		 v->ops->name);
	y++;
	y += help_title(body, y, title);
	for (int i = 0; i < v->ops->nactions; i++) {
		const struct view_action *a = &v->ops->actions[i];
		if (!a->run)
			continue; /* the shell's own action, listed above */
		char help[300];
		snprintf(help, sizeof help, "%s%s%s", a->help,
			 a->flags & ACT_F_CONFIRM ? " (asks first)" : "",
			 (a->flags & ACT_F_WRITES) && A.readonly ? " — disabled: read-only" : "");
		action_key(a, key, sizeof key);
		y += help_row(body, y, key, a->name, help);
	}
	return y;
}

static int help_commands(const struct canvas *body, int y)
{
	y++;
	y += help_title(body, y, "Commands");
	char names[400] = "";
	for (int i = 0; i < npanels; i++) {
		size_t o = strlen(names);
		snprintf(names + o, sizeof names - o, ":%s ", panels[i]->ops->name);
	}
	y += wrap_text(body, y, 2, names, ROLE_NORMAL);
	char usage[128];
	struct panel *p = cur_panel();
	struct view *v = cur_view();
	for (int i = 0; i < v->ops->ncmds; i++) {
		const struct cmd_entry *c = &v->ops->cmds[i];
		snprintf(usage, sizeof usage, ":%s %s", c->name, c->args);
		y += help_cmd_row(body, y, usage, c->help);
	}
	for (int i = 0; i < p->ops->ncmds; i++) {
		const struct cmd_entry *c = &p->ops->cmds[i];
		snprintf(usage, sizeof usage, ":%s %s", c->name, c->args);
		y += help_cmd_row(body, y, usage, c->help);
	}
	int n;
	const struct cmd_entry *c = cmd_table(&n);
	for (int i = 0; i < n; i++) {
		snprintf(usage, sizeof usage, ":%s %s", c[i].name, c[i].args);
		y += help_cmd_row(body, y, usage, c[i].help);
	}
	return y;
}

void help_draw(const struct canvas *body)
{
	canvas_clear(body, ROLE_NORMAL);
	canvas_text(body, 0, 1, "Keys (change with :bind KEY ACTION)", ROLE_TITLE, 0);
	int n;
	const struct binding *b = keys_all(&n);
	int y = 1 - A.help_top;
	/* The shell's actions, each once with every key bound to it. */
	int ng;
	const struct global_action *globals = global_actions(&ng);
	for (int g = 1; g < ng; g++) {
		char keys[128] = "";
		for (int i = 0; i < n; i++) {
			if (strcmp(b[i].action, globals[g].name) != 0)
				continue;
			char kn[32];
			keys_name(b[i].key, kn, sizeof kn);
			if (strlen(keys) + strlen(kn) + 2 < sizeof keys) {
				if (keys[0])
					strcat(keys, " ");
				strcat(keys, kn);
			}
		}
		if (keys[0])
			y += help_row(body, y, keys, globals[g].name, globals[g].help);
	}
	struct panel *p = cur_panel();
	y = help_view(body, y, view_top(p));
	help_commands(body, y);
}
