/* tui/cmd.c — the `:` command table (see cmd.h): the shell's own commands,
 * the lookup across panels, Tab completion of names and arguments, and the
 * history file. Handlers say what went wrong with app_message. */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app_int.h"
#include "keys.h"
#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/health/source.h"

void cmd_cand_add(struct cmd_cands *c, const char *s)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], s))
			return;
	if (c->n < (int)ARRAY_LEN(c->v))
		c->v[c->n++] = xstrdup(s);
}

static void cands_free(struct cmd_cands *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->v[i]);
	c->n = 0;
}

/* ---- the shell's commands ------------------------------------------------ */

static int c_quit(struct panel *p, const char *args)
{
	app_quit(false);
	return 0;
}

static int c_quit_now(struct panel *p, const char *args)
{
	app_quit(true);
	return 0;
}

static int c_theme(struct panel *p, const char *args)
{
	char msg[200];
	if (!*args) {
		app_message(ROLE_ERR, "usage: theme NAME");
		return -1;
	}
	if (theme_load(args, msg, sizeof msg) < 0) {
		app_message(ROLE_ERR, "%s", msg);
		return -1;
	}
	app_message(ROLE_OK, "theme %s", theme_name());
	return 0;
}

static int c_filter(struct panel *p, const char *args)
{
	table_set_filter(cur_table(), args);
	return 0;
}

static int c_sort(struct panel *p, const char *args)
{
	char **w = strv_split(args, NULL);
	size_t nw = strv_len(w);
	int col = nw > 0 ? atoi(w[0]) - 1 : -1;
	table_sort_by(cur_table(), col, nw > 1 && !strcmp(w[1], "desc"));
	strv_free(w);
	return 0;
}

static int c_refresh(struct panel *p, const char *args)
{
	sources_poll_all();
	struct view *v = cur_view();
	if (v->ops->reload)
		v->ops->reload(v);
	return 0;
}

static int c_bind(struct panel *p, const char *args)
{
	char msg[200];
	if (keys_bind(args, action_known, true, msg, sizeof msg) < 0) {
		app_message(ROLE_ERR, "bind: %s", msg);
		return -1;
	}
	return 0;
}

static int c_help(struct panel *p, const char *args)
{
	A.mode = MODE_HELP;
	A.help_top = 0;
	return 0;
}

static int c_save_display(struct panel *p, const char *args)
{
	if (!*args) {
		app_message(ROLE_ERR, "usage: save-display PATH");
		return -1;
	}
	app_draw();
	return app_save_display(args);
}

static const struct cmd_entry shell_cmds[] = {
    {"quit", "q", "", "quit (asks first while downloads or deletes run)", CMD_ARG_NONE, c_quit,
     NULL},
    {"quit!", "q!", "", "quit now, stopping whatever runs", CMD_ARG_NONE, c_quit_now, NULL},
    {"theme", NULL, "NAME", "default, light, mono or a theme file", CMD_ARG_THEME, c_theme, NULL},
    {"filter", NULL, "TEXT", "filter the rows shown (same as /)", CMD_ARG_TEXT, c_filter, NULL},
    {"sort", NULL, "N [desc]", "sort by column N", CMD_ARG_COLUMN, c_sort, NULL},
    {"refresh", NULL, "", "poll every service and reload the view now", CMD_ARG_NONE, c_refresh,
     NULL},
    {"bind", NULL, "KEY ACTION", "bind a key to an action (Tab lists them)", CMD_ARG_BIND, c_bind,
     NULL},
    {"help", NULL, "", "the keys and commands", CMD_ARG_NONE, c_help, NULL},
    {"save-display", NULL, "PATH", "write the screen as text", CMD_ARG_TEXT, c_save_display, NULL},
};

const struct cmd_entry *cmd_table(int *n)
{
	*n = (int)ARRAY_LEN(shell_cmds);
	return shell_cmds;
}

static const struct cmd_entry *find_in(const struct cmd_entry *t, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(t[i].name, name) || (t[i].alias && !strcmp(t[i].alias, name)))
			return &t[i];
	return NULL;
}

/* ---- running ------------------------------------------------------------- */

static int run_words(const char *cmd, const char *rest)
{
	int pi = panel_index(cmd);
	if (pi >= 0) {
		switch_panel(pi);
		return 0;
	}
	struct panel *cp = cur_panel();
	struct view *tv = cur_view();
	const struct cmd_entry *e = find_in(tv->ops->cmds, tv->ops->ncmds, cmd);
	if (!e)
		e = find_in(cp->ops->cmds, cp->ops->ncmds, cmd);
	if (e)
		return e->run(cp, rest);
	e = find_in(shell_cmds, (int)ARRAY_LEN(shell_cmds), cmd);
	if (e)
		return e->run(NULL, rest);
	/* Another panel's command: go there, then run it (`:runs NAME`). */
	for (int i = 0; i < npanels; i++) {
		struct panel *p = panels[i];
		if (p == cp)
			continue;
		e = find_in(p->ops->cmds, p->ops->ncmds, cmd);
		if (e) {
			switch_panel(i);
			return e->run(p, rest);
		}
	}
	app_message(ROLE_ERR, "unknown command: %s (? for help)", cmd);
	return -1;
}

int cmd_run(const char *line)
{
	while (*line == ' ')
		line++;
	size_t n = strcspn(line, " ");
	if (n == 0)
		return 0;
	char cmd[64];
	snprintf(cmd, sizeof cmd, "%.*s", (int)MLC_MIN(n, sizeof cmd - 1), line);
	const char *rest = line + n;
	while (*rest == ' ')
		rest++;
	/* Tab leaves a space after a completed word: it is not part of it */
	char *args = xstrdup(rest);
	size_t al = strlen(args);
	while (al && args[al - 1] == ' ')
		args[--al] = '\0';
	int rc = run_words(cmd, args);
	free(args);
	A.dirty = true;
	return rc;
}

/* ---- completion ---------------------------------------------------------- */

static void names_of(const struct cmd_entry *t, int n, struct cmd_cands *out)
{
	for (int i = 0; i < n; i++)
		cmd_cand_add(out, t[i].name);
}

static const struct cmd_entry *entry_for(const char *cmd, struct panel **owner)
{
	struct panel *cp = cur_panel();
	struct view *tv = cur_view();
	const struct cmd_entry *e = find_in(tv->ops->cmds, tv->ops->ncmds, cmd);
	if (!e)
		e = find_in(cp->ops->cmds, cp->ops->ncmds, cmd);
	*owner = cp;
	if (e)
		return e;
	*owner = NULL;
	e = find_in(shell_cmds, (int)ARRAY_LEN(shell_cmds), cmd);
	if (e)
		return e;
	for (int i = 0; i < npanels; i++) {
		e = find_in(panels[i]->ops->cmds, panels[i]->ops->ncmds, cmd);
		if (e) {
			*owner = panels[i];
			return e;
		}
	}
	return NULL;
}

/* Candidates for the argument word of `cmd args… word`. */
static void arg_cands(const char *cmd, const char *args, const char *word, struct cmd_cands *out)
{
	struct panel *owner;
	const struct cmd_entry *e = entry_for(cmd, &owner);
	if (e && e->complete) {
		e->complete(owner, args, word, out);
		return;
	}
	if (!e)
		return;
	switch (e->arg) {
	case CMD_ARG_THEME:
		for (const char *const *t = theme_names(); *t; t++)
			cmd_cand_add(out, *t);
		break;
	case CMD_ARG_PANEL:
		for (int i = 0; i < npanels; i++)
			cmd_cand_add(out, panels[i]->ops->name);
		break;
	case CMD_ARG_BIND:
		if (*args) /* the key is typed; the action completes */
			action_names(out);
		break;
	case CMD_ARG_COLUMN: {
		int nc = 0;
		if (cur_view()->ops->columns)
			cur_view()->ops->columns(cur_view(), &nc);
		for (int i = 1; i <= nc && !*args; i++) {
			char num[12];
			snprintf(num, sizeof num, "%d", i);
			cmd_cand_add(out, num);
		}
		if (*args) {
			cmd_cand_add(out, "asc");
			cmd_cand_add(out, "desc");
		}
		break;
	}
	default:
		break;
	}
}

static size_t common_prefix(const struct cmd_cands *c, size_t from)
{
	size_t n = strlen(c->v[0]);
	for (int i = 1; i < c->n; i++) {
		size_t k = from;
		while (k < n && c->v[i][k] == c->v[0][k])
			k++;
		n = k;
	}
	return n;
}

void cmd_complete(char *buf, size_t *len, size_t cap)
{
	buf[*len] = '\0';
	char *sp = strrchr(buf, ' ');
	const char *word = sp ? sp + 1 : buf;
	struct cmd_cands all = {0}, match = {0};
	if (!sp) {
		for (int i = 0; i < npanels; i++)
			cmd_cand_add(&all, panels[i]->ops->name);
		struct panel *cp = cur_panel();
		names_of(cur_view()->ops->cmds, cur_view()->ops->ncmds, &all);
		names_of(cp->ops->cmds, cp->ops->ncmds, &all);
		names_of(shell_cmds, (int)ARRAY_LEN(shell_cmds), &all);
		for (int i = 0; i < npanels; i++) {
			names_of(panels[i]->ops->cmds, panels[i]->ops->ncmds, &all);
		}
	} else {
		char cmd[64];
		size_t cn = strcspn(buf, " ");
		snprintf(cmd, sizeof cmd, "%.*s", (int)MLC_MIN(cn, sizeof cmd - 1), buf);
		const char *args = buf + cn;
		while (*args == ' ')
			args++;
		char before[256];
		snprintf(before, sizeof before, "%.*s", (int)(word - args > 0 ? word - args : 0),
			 args);
		arg_cands(cmd, str_trim(before), word, &all);
	}
	size_t wl = strlen(word);
	for (int i = 0; i < all.n; i++)
		if (!strncmp(all.v[i], word, wl))
			cmd_cand_add(&match, all.v[i]);
	size_t off = (size_t)(word - buf);
	if (match.n == 1) {
		const char *m = match.v[0];
		size_t ml = strlen(m);
		/* a prefix ending in '/' (s3://bucket/dir/) goes on being typed */
		bool whole = !ml || m[ml - 1] != '/';
		snprintf(buf + off, cap - off, "%s%s", m, whole ? " " : "");
		*len = strlen(buf);
	} else if (match.n > 1) {
		size_t cp = common_prefix(&match, wl);
		if (cp > wl) {
			snprintf(buf + off, cap - off, "%.*s", (int)cp, match.v[0]);
			*len = strlen(buf);
		}
		struct buf b;
		buf_init(&b);
		for (int i = 0; i < match.n; i++)
			buf_printf(&b, "%s%s", i ? "  " : "", match.v[i]);
		app_message(ROLE_DIM, "%s", b.data);
		buf_free(&b);
	} else {
		app_message(ROLE_DIM, "no completion for '%s'", word);
	}
	cands_free(&all);
	cands_free(&match);
}

/* ---- history ------------------------------------------------------------- */

#define HISTORY_MAX 500

static struct {
	char *v[HISTORY_MAX];
	int n;
	char *path;
} H;

/* $XDG_STATE_HOME/mlconsole/history, else ~/.local/state/mlconsole/history. */
static char *history_path(void)
{
	const char *x = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	if (x && *x)
		return xasprintf("%s/mlconsole/history", x);
	if (home && *home)
		return xasprintf("%s/.local/state/mlconsole/history", home);
	return NULL;
}

static void history_push(const char *line)
{
	if (H.n == HISTORY_MAX) {
		free(H.v[0]);
		memmove(H.v, H.v + 1, (HISTORY_MAX - 1) * sizeof H.v[0]);
		H.n--;
	}
	H.v[H.n++] = xstrdup(line);
}

void cmd_history_load(void)
{
	H.path = history_path();
	FILE *f = H.path ? fopen(H.path, "r") : NULL;
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) >= 0) {
		line[strcspn(line, "\n")] = '\0';
		if (*line)
			history_push(line);
	}
	free(line);
	fclose(f);
}

/* Appends one line to the file (created 0600, its folder 0700): a failure
 * is logged once, never shown as an error of the command. */
static void history_save(const char *line)
{
	static bool warned;
	if (!H.path)
		return;
	char *dir = xstrdup(H.path);
	for (char *c = dir + 1; *c; c++)
		if (*c == '/') {
			*c = '\0';
			mkdir(dir, 0700);
			*c = '/';
		}
	free(dir);
	int fd = open(H.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (!warned)
			log_warn("command history: %s: %s", H.path, strerror(errno));
		warned = true;
		return;
	}
	char *l = xasprintf("%s\n", line);
	ssize_t w = write(fd, l, strlen(l));
	(void)w;
	free(l);
	close(fd);
}

void cmd_history_add(const char *line)
{
	if (!*line || strchr(line, '\n') || (H.n && !strcmp(H.v[H.n - 1], line)))
		return;
	history_push(line);
	history_save(line);
}

const char *cmd_history_get(int back)
{
	return back >= 1 && back <= H.n ? H.v[H.n - back] : NULL;
}

int cmd_history_count(void)
{
	return H.n;
}

void cmd_history_free(void)
{
	for (int i = 0; i < H.n; i++)
		free(H.v[i]);
	H.n = 0;
	free(H.path);
	H.path = NULL;
}
