/* tui/app.c — the shell (see app.h). Handlers never draw: they change state
 * and mark the screen dirty; one uv_prepare hook per loop turn redraws and
 * calls doupdate() once, at most ~30 times a second. */
#include "app.h"

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "canvas.h"
#include "keys.h"
#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/sanitize.h"
#include "lib/health/source.h"
#include "lib/core/util.h"
#include "panel.h"
#include "table.h"

enum mode { MODE_NORMAL, MODE_PROMPT, MODE_HELP, MODE_DIALOG };

static struct {
	struct config *cfg;
	bool readonly;
	bool headless;
	int cur; /* index into panels[] */
	struct table *tables;
	enum mode mode;
	char prompt_kind; /* ':', '/', or 'i' for app_input */
	char input_label[128];
	app_input_cb input_cb;
	void *input_arg;
	int cursor_x;
	char prompt[256];
	size_t prompt_len;
	char msg[512];
	enum role msg_role;
	int64_t msg_until;
	int help_top;
	bool dirty;
	bool quit;
	int exit_status;
	int64_t last_draw;
	SCREEN *screen;
	FILE *tty_out, *tty_in;
	uv_poll_t stdin_poll;
	uv_signal_t winch;
	uv_prepare_t prepare;
	uv_timer_t tick, redraw_later;
	struct {
		char title[128];
		char lines[8][256];
		int nlines;
		char action[64];
		void (*done)(void *arg, bool confirmed);
		void *arg;
	} dlg;
	bool key_pending;  /* a key arrived: redraw at once, no rate limit */
	FILE *key_trace;   /* $MLC_KEY_TRACE: key-to-redraw times, for the bench */
	int64_t key_t0_us; /* first key not yet drawn, 0 when none */
} A;

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void app_dirty(void)
{
	A.dirty = true;
}

void app_dirty_now(void)
{
	A.dirty = true;
	A.key_pending = true;
}
bool app_readonly(void)
{
	return A.readonly;
}
const struct config *app_config(void)
{
	return A.cfg;
}

void app_message(enum role role, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	san_into(A.msg, sizeof A.msg, raw, strlen(raw));
	free(raw);
	A.msg_role = role;
	A.msg_until = mono_ms() + 6000;
	A.dirty = true;
}

bool app_refuse_if_readonly(const char *what)
{
	if (!A.readonly)
		return false;
	app_message(ROLE_WARN, "read-only mode: %s is disabled (--readonly or readonly = true)",
		    what);
	return true;
}

void app_confirm(const struct dialog *d)
{
	memset(&A.dlg, 0, sizeof A.dlg);
	strlcpy_m(A.dlg.title, d->title, sizeof A.dlg.title);
	for (int i = 0; i < 8 && d->lines[i]; i++)
		strlcpy_m(A.dlg.lines[A.dlg.nlines++], d->lines[i], sizeof A.dlg.lines[0]);
	strlcpy_m(A.dlg.action, d->action, sizeof A.dlg.action);
	A.dlg.done = d->done;
	A.dlg.arg = d->arg;
	A.mode = MODE_DIALOG;
	A.dirty = true;
}

static void dialog_close(bool confirmed)
{
	A.mode = MODE_NORMAL;
	A.dirty = true;
	if (A.dlg.done)
		A.dlg.done(A.dlg.arg, confirmed);
}

/* A framed box centred on the body: title, lines, and the two answers. */
static void draw_dialog(const struct canvas *body)
{
	int w = 0;
	for (int i = 0; i < A.dlg.nlines; i++)
		w = MLC_MAX(w, san_width(A.dlg.lines[i]));
	w = MLC_MAX(w, san_width(A.dlg.title) + 4);
	char answers[160];
	snprintf(answers, sizeof answers, "y %s    n cancel", A.dlg.action);
	w = MLC_MAX(w, san_width(answers));
	w = MLC_MIN(w + 4, body->w - 2);
	int h = MLC_MIN(A.dlg.nlines + 4, body->h);
	struct canvas box = {body->y + (body->h - h) / 2, body->x + (body->w - w) / 2, h, w};
	bool u = canvas_utf8();
	canvas_clear(&box, ROLE_DIALOG);
	for (int x = 1; x < w - 1; x++) {
		canvas_text(&box, 0, x, u ? "─" : "-", ROLE_DIALOG, 1);
		canvas_text(&box, h - 1, x, u ? "─" : "-", ROLE_DIALOG, 1);
	}
	for (int y = 1; y < h - 1; y++) {
		canvas_text(&box, y, 0, u ? "│" : "|", ROLE_DIALOG, 1);
		canvas_text(&box, y, w - 1, u ? "│" : "|", ROLE_DIALOG, 1);
	}
	canvas_text(&box, 0, 0, u ? "┌" : "+", ROLE_DIALOG, 1);
	canvas_text(&box, 0, w - 1, u ? "┐" : "+", ROLE_DIALOG, 1);
	canvas_text(&box, h - 1, 0, u ? "└" : "+", ROLE_DIALOG, 1);
	canvas_text(&box, h - 1, w - 1, u ? "┘" : "+", ROLE_DIALOG, 1);
	char t[160];
	snprintf(t, sizeof t, " %s ", A.dlg.title);
	canvas_text(&box, 0, 2, t, ROLE_DIALOG, w - 4);
	for (int i = 0; i < A.dlg.nlines && i + 1 < h - 2; i++)
		canvas_text(&box, 1 + i, 2, A.dlg.lines[i], ROLE_DIALOG, w - 4);
	canvas_text(&box, h - 2, 2, answers, ROLE_DIALOG, w - 4);
}

static struct panel *cur_panel(void)
{
	return panels[A.cur];
}
static struct table *cur_table(void)
{
	return &A.tables[A.cur];
}

/* ---- drawing ----------------------------------------------------------- */

/* "mlflow 12 ms", "prefect down": the text of one header pill. */
static void pill_text(const struct source *s, enum health h, char *out, size_t n)
{
	char lat[32] = "";
	if (h == HEALTH_OK || h == HEALTH_SLOW)
		fmt_latency(lat, sizeof lat, s->latency_ms);
	const char *what = h == HEALTH_DOWN    ? "down"
			   : h == HEALTH_STALE ? "stale"
			   : h == HEALTH_SLOW  ? "slow"
					       : lat;
	char *name = san_str(s->target->name);
	snprintf(out, n, "%s %s", name, what);
	free(name);
}

/* Profile on the left, the clock on the right, and between them one pill per
 * service when they all fit, otherwise the counts per state. */
static void draw_header(const struct canvas *cv)
{
	canvas_fill_row(cv, 0, 0, ROLE_HEADER);
	char left[160];
	snprintf(left, sizeof left, " mlconsole %s %s%s", canvas_utf8() ? "·" : "-", A.cfg->profile,
		 A.readonly ? " [readonly]" : "");
	char *safe = san_str(left);
	int x = canvas_text(cv, 0, 0, safe, ROLE_HEADER, 0) + 2;
	free(safe);
	char clock[16];
	fmt_clock(clock, sizeof clock, wall_ms());
	int right = cv->w - (int)strlen(clock) - 1;
	canvas_text(cv, 0, right, clock, ROLE_HEADER, 0);

	int64_t now = mono_ms();
	int counts[5] = {0}, width = 0;
	char one[160];
	for (int i = 0; i < sources_count(); i++) {
		enum health h = source_health(source_get(i), now);
		counts[h]++;
		pill_text(source_get(i), h, one, sizeof one);
		width += san_width(one) + 4;
	}
	if (x + width < right) {
		for (int i = 0; i < sources_count(); i++) {
			enum health h = source_health(source_get(i), now);
			pill_text(source_get(i), h, one, sizeof one);
			x += canvas_text(cv, 0, x, health_glyph(h), ROLE_HEADER, 0) + 1;
			x += canvas_text(cv, 0, x, one, ROLE_HEADER, right - x) + 2;
		}
		return;
	}
	char sum[128];
	snprintf(sum, sizeof sum, "%s %d ok  %s %d slow  %s %d down", health_glyph(HEALTH_OK),
		 counts[HEALTH_OK], health_glyph(HEALTH_SLOW),
		 counts[HEALTH_SLOW] + counts[HEALTH_STALE], health_glyph(HEALTH_DOWN),
		 counts[HEALTH_DOWN]);
	if (x + san_width(sum) < right)
		canvas_text(cv, 0, x, sum, ROLE_HEADER, right - x);
}

static void draw_tabs(const struct canvas *cv)
{
	canvas_fill_row(cv, 1, 0, ROLE_TAB);
	int x = 1;
	for (int i = 0; i < npanels; i++) {
		char label[64];
		snprintf(label, sizeof label, " %d %s ", panels[i]->ops->digit,
			 panels[i]->ops->title);
		x += canvas_text(cv, 1, x, label, i == A.cur ? ROLE_TAB_ACTIVE : ROLE_TAB, 0);
		x += 1;
	}
}

static void draw_help(const struct canvas *body)
{
	canvas_clear(body, ROLE_NORMAL);
	canvas_text(body, 0, 1, "Keys (change with :bind KEY ACTION)", ROLE_TITLE, 0);
	int n;
	const struct binding *b = keys_all(&n);
	int y = 1 - A.help_top;
	/* Group keys by action so each action shows once. */
	for (int id = ACT_QUIT; id <= ACT_PANEL; id++) {
		char keys[128] = "";
		for (int i = 0; i < n; i++) {
			if (b[i].action != id)
				continue;
			char kn[32];
			keys_name(b[i].key, kn, sizeof kn);
			if (strlen(keys) + strlen(kn) + 2 < sizeof keys) {
				if (keys[0])
					strcat(keys, " ");
				strcat(keys, kn);
			}
		}
		if (!keys[0])
			continue;
		const struct action *a = action_get(id);
		if (y >= 1 && y < body->h) {
			canvas_text(body, y, 2, keys, ROLE_KEY, 26);
			canvas_text(body, y, 30, a->name, ROLE_NORMAL, 12);
			canvas_text(body, y, 43, a->help, ROLE_DIM, 0);
		}
		y++;
	}
	const char *const *ph = cur_panel()->ops->help;
	if (ph && *ph) {
		y++;
		if (y >= 1 && y < body->h)
			canvas_text(body, y, 1, cur_panel()->ops->title, ROLE_TITLE, 0);
		y++;
		for (; ph[0] && ph[1]; ph += 2, y++)
			if (y >= 1 && y < body->h) {
				canvas_text(body, y, 2, ph[0], ROLE_KEY, 26);
				canvas_text(body, y, 30, ph[1], ROLE_DIM, 0);
			}
	}
	char names[200] = "";
	for (int i = 0; i < npanels; i++) {
		size_t o = strlen(names);
		snprintf(names + o, sizeof names - o, ":%s ", panels[i]->ops->name);
	}
	y++;
	if (y >= 1 && y < body->h)
		canvas_text(body, y, 1, "Commands", ROLE_TITLE, 0);
	y++;
	if (y >= 1 && y < body->h) {
		int w = canvas_text(body, y, 2, names, ROLE_NORMAL, 0);
		canvas_text(body, y, MLC_MAX(20, 2 + w + 1), "open a panel by name", ROLE_NORMAL,
			    0);
	}
	y++;
	static const char *cmds[] = {
	    ":theme NAME       default, light, mono or a file",
	    ":filter TEXT      filter the rows (same as /)",
	    ":sort N [desc]    sort by column N",
	    ":refresh          poll every service now",
	    ":bind KEY ACTION  change a key",
	    ":save-display F   write the screen as text",
	    ":quit             quit",
	};
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++, y++)
		if (y >= 1 && y < body->h)
			canvas_text(body, y, 2, cmds[i], ROLE_NORMAL, 0);
}

static void draw(void)
{
	int rows = LINES, cols = COLS;
	erase();
	struct canvas scr = {0, 0, rows, cols};
	if (rows < 5 || cols < 20) {
		canvas_text(&scr, 0, 0, "terminal too small", ROLE_ERR, 0);
		A.dirty = false;
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	struct panel *p = cur_panel();
	struct table *t = cur_table();
	table_sync(t);
	draw_header(&scr);
	draw_tabs(&scr);

	/* Breadcrumb, with the filter and sort on the right. */
	char crumb[256] = "";
	p->ops->crumb(p, crumb, sizeof crumb);
	char *sc = san_str(crumb);
	canvas_text(&scr, 2, 1, sc, ROLE_TITLE, 0);
	free(sc);
	if (t->filter[0]) {
		char f[200];
		snprintf(f, sizeof f, "filter: %s", t->filter);
		char *sf = san_str(f);
		canvas_text_right(&scr, 2, cols - 1, sf, ROLE_MARK);
		free(sf);
	}

	struct canvas body = {3, 0, rows - 5, cols};
	if (A.mode == MODE_HELP)
		draw_help(&body);
	else if (!p->ops->body || !p->ops->body(p, &body))
		table_draw(t, &body);
	if (A.mode == MODE_DIALOG)
		draw_dialog(&body);

	/* Message or detail line. */
	int my = rows - 2;
	canvas_fill_row(&scr, my, 0, ROLE_NORMAL);
	if (A.mode == MODE_PROMPT) {
		char line[400];
		if (A.prompt_kind == 'i') {
			size_t ll = strlen(A.input_label);
			bool sep = ll && A.input_label[ll - 1] != ' ';
			snprintf(line, sizeof line, "%s%s%.*s", A.input_label, sep ? " " : "",
				 (int)A.prompt_len, A.prompt);
		} else
			snprintf(line, sizeof line, "%c%.*s", A.prompt_kind, (int)A.prompt_len,
				 A.prompt);
		char *sl = san_str(line);
		int w = canvas_text(&scr, my, 0, sl, ROLE_NORMAL, 0);
		free(sl);
		curs_set(1);
		A.cursor_x = w < cols ? w : cols - 1;
	} else {
		curs_set(0);
		if (A.msg[0] && mono_ms() < A.msg_until) {
			canvas_text(&scr, my, 1, A.msg, A.msg_role, 0);
		} else if (p->ops->detail) {
			char d[512] = "";
			enum role role = ROLE_DIM;
			p->ops->detail(p, table_selected(t), d, sizeof d, &role);
			char *sd = san_str(d);
			canvas_text(&scr, my, 1, sd, role, 0);
			free(sd);
		}
	}

	/* Footer: key hints and the position. */
	int fy = rows - 1;
	canvas_fill_row(&scr, fy, 0, ROLE_FOOTER);
	char pos[64] = "";
	if (A.mode != MODE_HELP)
		table_position(t, pos, sizeof pos);
	const char *hints = A.mode == MODE_DIALOG ? "y confirm  n <esc> <enter> cancel"
			    : A.mode == MODE_HELP ? "<esc> close help  j/k scroll"
			    : A.mode == MODE_PROMPT && A.prompt_kind == 'i'
				? "<enter> ok  <esc> cancel"
			    : A.mode == MODE_PROMPT ? "<enter> run  <esc> cancel  <tab> complete"
						    : p->ops->hints(p);
	int room = cols - 2 - (int)strlen(pos) - 2;
	canvas_text(&scr, fy, 1, hints, ROLE_FOOTER, room > 0 ? room : 1);
	canvas_text_right(&scr, fy, cols - 1, pos, ROLE_FOOTER);
	if (A.mode == MODE_PROMPT)
		move(my, A.cursor_x);
	wnoutrefresh(stdscr);
	doupdate();
	A.dirty = false;
	A.last_draw = mono_ms();
	if (A.key_trace && A.key_t0_us) {
		fprintf(A.key_trace, "%lld\n", (long long)(mono_us() - A.key_t0_us));
		fflush(A.key_trace);
	}
	A.key_t0_us = 0;
	A.key_pending = false;
}

/* ---- commands ---------------------------------------------------------- */

static void input_finish(const char *text);

static int panel_index(const char *name)
{
	for (int i = 0; i < npanels; i++)
		if (!strcmp(panels[i]->ops->name, name))
			return i;
	return -1;
}

static void switch_panel(int i)
{
	if (i < 0 || i >= npanels || i == A.cur)
		return;
	/* What was open on the old panel answers "no" before it goes. */
	if (A.mode == MODE_PROMPT && A.prompt_kind == 'i') {
		A.mode = MODE_NORMAL;
		input_finish(NULL);
	} else if (A.mode == MODE_DIALOG) {
		dialog_close(false);
	}
	A.cur = i;
	A.mode = MODE_NORMAL;
	A.dirty = true;
}

static int save_display(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		app_message(ROLE_ERR, "save-display: %s: %s", path, strerror(errno));
		return -1;
	}
	for (int y = 0; y < LINES; y++) {
		char line[4096];
		size_t o = 0;
		size_t last_non_space = 0;
		for (int x = 0; x < COLS && o + 8 < sizeof line; x++) {
			cchar_t cc;
			wchar_t wch[CCHARW_MAX + 1];
			attr_t attr;
			short pair;
			if (mvin_wch(y, x, &cc) == ERR)
				break;
			getcchar(&cc, wch, &attr, &pair, NULL);
			if (!wch[0])
				continue;
			for (int k = 0; wch[k] && k < CCHARW_MAX; k++) {
				mbstate_t st;
				memset(&st, 0, sizeof st);
				size_t l = wcrtomb(line + o, wch[k], &st);
				if (l != (size_t)-1)
					o += l;
			}
			if (wch[0] != L' ')
				last_non_space = o;
			int w = wcwidth(wch[0]);
			if (w == 2)
				x++;
		}
		line[last_non_space] = '\0';
		fprintf(f, "%s\n", line);
	}
	fclose(f);
	return 0;
}

/* A command no shell word and not the current panel takes goes to the
 * panel that lists it in its commands (`:runs NAME` opens Experiments). */
static bool goto_owner(const char *cmd, const char *args)
{
	for (int i = 0; i < npanels; i++)
		for (const char *const *c = panels[i]->ops->commands; c && *c; c++)
			if (i != A.cur && !strcmp(*c, cmd))
				return app_goto(panels[i]->ops->name, cmd, args);
	return false;
}

/* Runs a `:` command line; returns 0, or -1 after showing why. */
static int run_command(const char *line)
{
	char **w = strv_split(line, NULL);
	int rc = 0;
	size_t nw = strv_len(w);
	const char *rest = line;
	while (*rest == ' ')
		rest++;
	rest += strcspn(rest, " ");
	while (*rest == ' ')
		rest++;
	if (nw == 0) {
		goto out;
	}
	const char *cmd = w[0];
	int pi = panel_index(cmd);
	struct panel *cp = cur_panel();
	if (pi >= 0) {
		switch_panel(pi);
	} else if (cp->ops->command && cp->ops->command(cp, cmd, rest)) {
		/* the panel took it */
	} else if (!strcmp(cmd, "q") || !strcmp(cmd, "quit") || !strcmp(cmd, "q!")) {
		A.quit = true;
	} else if (!strcmp(cmd, "theme")) {
		char msg[200];
		if (nw < 2 || theme_load(w[1], msg, sizeof msg) < 0) {
			app_message(ROLE_ERR, "%s", nw < 2 ? "usage: theme NAME" : msg);
			rc = -1;
		} else {
			app_message(ROLE_OK, "theme %s", theme_name());
		}
	} else if (!strcmp(cmd, "filter")) {
		table_set_filter(cur_table(), rest);
	} else if (!strcmp(cmd, "sort")) {
		int col = nw > 1 ? atoi(w[1]) - 1 : -1;
		table_sort_by(cur_table(), col, nw > 2 && !strcmp(w[2], "desc"));
	} else if (!strcmp(cmd, "refresh")) {
		sources_poll_all();
		if (cur_panel()->ops->reload)
			cur_panel()->ops->reload(cur_panel());
	} else if (!strcmp(cmd, "bind")) {
		char msg[200];
		if (keys_bind(rest, msg, sizeof msg) < 0) {
			app_message(ROLE_ERR, "bind: %s", msg);
			rc = -1;
		}
	} else if (!strcmp(cmd, "help")) {
		A.mode = MODE_HELP;
	} else if (!strcmp(cmd, "save-display")) {
		if (nw < 2) {
			app_message(ROLE_ERR, "usage: save-display PATH");
			rc = -1;
		} else {
			draw();
			rc = save_display(rest);
		}
	} else if (goto_owner(cmd, rest)) {
		/* another panel's command (:runs NAME from anywhere) */
	} else {
		app_message(ROLE_ERR, "unknown command: %s (? for help)", cmd);
		rc = -1;
	}
out:
	strv_free(w);
	A.dirty = true;
	return rc;
}

static const char *const command_names[] = {"quit", "theme", "filter",	     "sort", "refresh",
					    "bind", "help",  "save-display", NULL};

/* Tab in the prompt: complete the command word or a theme name. */
static void complete(void)
{
	A.prompt[A.prompt_len] = '\0';
	const char *cands[64];
	int nc = 0;
	const char *word = A.prompt;
	const char *sp = strrchr(A.prompt, ' ');
	if (sp && str_starts(A.prompt, "theme ")) {
		word = sp + 1;
		for (const char *const *t = theme_names(); *t; t++)
			cands[nc++] = *t;
	} else if (!sp) {
		for (int i = 0; i < npanels; i++)
			cands[nc++] = panels[i]->ops->name;
		for (const char *const *c = command_names; *c; c++)
			cands[nc++] = *c;
		const char *const *pc = cur_panel()->ops->commands;
		for (; pc && *pc && nc < (int)ARRAY_LEN(cands); pc++)
			cands[nc++] = *pc;
	}
	const char *match = NULL;
	int nmatch = 0;
	for (int i = 0; i < nc; i++)
		if (str_starts(cands[i], word)) {
			match = cands[i];
			nmatch++;
		}
	if (nmatch == 1) {
		size_t off = (size_t)(word - A.prompt);
		snprintf(A.prompt + off, sizeof A.prompt - off, "%s ", match);
		A.prompt_len = strlen(A.prompt);
	} else if (nmatch > 1) {
		struct buf b;
		buf_init(&b);
		for (int i = 0; i < nc; i++)
			if (str_starts(cands[i], word))
				buf_printf(&b, "%s ", cands[i]);
		app_message(ROLE_DIM, "%s", b.data);
		buf_free(&b);
	}
}

/* Ends an app_input: the callback runs after the state is cleared, so it
 * may open another input or a dialog. */
static void input_finish(const char *text)
{
	app_input_cb cb = A.input_cb;
	void *arg = A.input_arg;
	A.input_cb = NULL;
	A.input_arg = NULL;
	A.dirty = true;
	if (cb)
		cb(arg, text);
}

void app_input(const char *prompt, const char *initial, app_input_cb done, void *arg)
{
	if (A.mode == MODE_PROMPT && A.prompt_kind == 'i')
		input_finish(NULL);
	A.mode = MODE_PROMPT;
	A.prompt_kind = 'i';
	san_into(A.input_label, sizeof A.input_label, prompt, strlen(prompt));
	strlcpy_m(A.prompt, initial ? initial : "", sizeof A.prompt);
	A.prompt_len = strlen(A.prompt);
	A.input_cb = done;
	A.input_arg = arg;
	A.dirty = true;
}

bool app_goto(const char *name, const char *cmd, const char *args)
{
	int i = panel_index(name);
	if (i < 0)
		return false;
	switch_panel(i);
	if (!cmd)
		return true;
	struct panel *p = panels[i];
	return p->ops->command && p->ops->command(p, cmd, args ? args : "");
}

void app_view_push(void)
{
	table_push(cur_table());
	A.dirty = true;
}

void app_view_pop(void)
{
	table_pop(cur_table());
	A.dirty = true;
}

static int prompt_key(int key)
{
	if (key == 27) {
		A.mode = MODE_NORMAL;
		if (A.prompt_kind == '/')
			table_set_filter(cur_table(), "");
		if (A.prompt_kind == 'i')
			input_finish(NULL);
		return 0;
	}
	if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		A.prompt[A.prompt_len] = '\0';
		A.mode = MODE_NORMAL;
		if (A.prompt_kind == 'i') {
			char text[sizeof A.prompt];
			memcpy(text, A.prompt, sizeof text);
			input_finish(text);
			return 0;
		}
		if (A.prompt_kind == ':')
			return run_command(A.prompt);
		table_set_filter(cur_table(), A.prompt);
		return 0;
	}
	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (A.prompt_len == 0) {
			if (A.prompt_kind != 'i')
				A.mode = MODE_NORMAL;
			return 0;
		}
		/* Remove a whole UTF-8 character. */
		do
			A.prompt_len--;
		while (A.prompt_len > 0 && (A.prompt[A.prompt_len] & 0xC0) == 0x80);
	} else if (key == '\t' && A.prompt_kind == ':') {
		complete();
	} else if (key == 21) { /* C-u */
		A.prompt_len = 0;
	} else if (key >= 32 && key < 256 && key != 127 && A.prompt_len + 1 < sizeof A.prompt) {
		A.prompt[A.prompt_len++] = (char)key;
	}
	A.prompt[A.prompt_len] = '\0';
	if (A.prompt_kind == '/')
		table_set_filter(cur_table(), A.prompt); /* filter as you type */
	return 0;
}

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

/* One key in normal mode: the panel first, then the bindings table. */
static void dispatch_key(int key)
{
	struct panel *p = cur_panel();
	struct table *t = cur_table();
	A.dirty = true;
	/* Rows that arrived since the last draw count: a key acts on what the
	 * panel holds now, not on the view drawn before it came. */
	table_sync(t);
	if (A.mode == MODE_PROMPT) {
		prompt_key(key);
		return;
	}
	if (key == KEY_RESIZE)
		return;
	if (A.mode == MODE_DIALOG) {
		/* Only an explicit y confirms; everything else that answers cancels. */
		if (key == 'y' || key == 'Y')
			dialog_close(true);
		else if (key == 'n' || key == 'N' || key == 27 || key == 'q' || key == '\n' ||
			 key == '\r' || key == KEY_ENTER)
			dialog_close(false);
		return;
	}
	if (key == KEY_MOUSE) {
		MEVENT ev;
		if (getmouse(&ev) == OK) {
			if (ev.bstate & BUTTON4_PRESSED)
				table_move(t, -3);
			else if (ev.bstate & BUTTON5_PRESSED)
				table_move(t, 3);
			else if (ev.y == 1) {
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
				if (table_click(t, ev.y) && p->ops->on_key)
					p->ops->on_key(p, '\n', table_selected(t));
			}
		}
		return;
	}
	if (A.mode == MODE_HELP) {
		if (key == 27 || key == 'q' || key == '?')
			A.mode = MODE_NORMAL;
		else if (key == 'j' || key == KEY_DOWN)
			A.help_top++;
		else if ((key == 'k' || key == KEY_UP) && A.help_top > 0)
			A.help_top--;
		return;
	}
	if (p->ops->on_key) {
		int r = p->ops->on_key(p, key, table_selected(t));
		if (r & P_RELOAD)
			t->stale_view = true;
		if (r & P_QUIT)
			A.quit = true;
		if (r & P_HANDLED)
			return;
	}
	const struct binding *b = keys_lookup(key);
	if (!b)
		return;
	switch (b->action) {
	case ACT_QUIT:
		A.quit = true;
		break;
	case ACT_BACK:
		if (t->filter[0] && key == 27)
			table_set_filter(t, "");
		else if (key == 'q')
			A.quit = true;
		break;
	case ACT_NEXT:
		table_move(t, 1);
		break;
	case ACT_PREV:
		table_move(t, -1);
		break;
	case ACT_PAGE_DOWN:
		table_move(t, MLC_MAX(1, t->page - 1));
		break;
	case ACT_PAGE_UP:
		table_move(t, -MLC_MAX(1, t->page - 1));
		break;
	case ACT_TOP:
		table_home(t);
		break;
	case ACT_BOTTOM:
		table_end(t);
		break;
	case ACT_OPEN:
		break; /* panels that open things handle Enter in on_key */
	case ACT_FILTER:
	case ACT_COMMAND:
		A.mode = MODE_PROMPT;
		A.prompt_kind = b->action == ACT_FILTER ? '/' : ':';
		A.prompt_len = 0;
		A.prompt[0] = '\0';
		if (b->action == ACT_FILTER && t->filter[0]) {
			A.prompt_len = strlen(t->filter);
			memcpy(A.prompt, t->filter, A.prompt_len + 1);
		}
		break;
	case ACT_REFRESH:
		run_command("refresh");
		app_message(ROLE_DIM, "refreshing");
		break;
	case ACT_SORT:
		table_sort_next(t);
		break;
	case ACT_HELP:
		A.mode = MODE_HELP;
		A.help_top = 0;
		break;
	case ACT_COPY: {
		char text[512] = "";
		int row = table_selected(t);
		if (row >= 0 && p->ops->copy_text)
			p->ops->copy_text(p, row, text, sizeof text);
		if (text[0]) {
			osc52_copy(text);
			app_message(ROLE_OK, "copied: %s", text);
		}
		break;
	}
	case ACT_NEXT_PANEL:
		switch_panel((A.cur + 1) % npanels);
		break;
	case ACT_PREV_PANEL:
		switch_panel((A.cur + npanels - 1) % npanels);
		break;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	case ACT_PANEL:
		for (int i = 0; i < npanels; i++)
			if (panels[i]->ops->digit == b->arg)
				switch_panel(i);
		break;
	}
}

/* ---- loop hooks -------------------------------------------------------- */

static void on_stdin(uv_poll_t *h, int status, int events)
{
	int key;
	if (!A.key_t0_us)
		A.key_t0_us = mono_us();
	A.key_pending = true;
	while ((key = getch()) != ERR) {
		dispatch_key(key);
		if (A.quit)
			break;
	}
	if (A.quit) {
		uv_stop(loop_get());
		return;
	}
	/* Drawn now, not after whatever else this loop turn still has to
	 * handle (poll answers, pages): a key is answered first. */
	if (A.dirty && !A.headless)
		draw();
}

static void on_winch(uv_signal_t *h, int sig)
{
	endwin();
	refresh();
	A.dirty = true;
}

static void on_tick(uv_timer_t *t)
{
	A.dirty = true;
}

static void on_redraw_later(uv_timer_t *t)
{
	A.dirty = true;
}

static void on_prepare(uv_prepare_t *h)
{
	if (!A.dirty || A.headless)
		return;
	int64_t since = mono_ms() - A.last_draw;
	if (since < 33 && !A.key_pending) {
		if (!uv_is_active((uv_handle_t *)&A.redraw_later))
			uv_timer_start(&A.redraw_later, on_redraw_later, (uint64_t)(33 - since), 0);
		return;
	}
	draw();
}

static void on_sources_changed(void *arg)
{
	A.dirty = true;
}

/* ---- headless scripts --------------------------------------------------- */

/* Runs the loop until nothing is in flight: first one non-blocking turn so
 * that timers due now (the first polls) start, then until the busy count is
 * back to zero. */
static void wait_idle(void)
{
	uv_run(loop_get(), UV_RUN_NOWAIT);
	loop_stop_when_idle(true);
	while (loop_busy() > 0 && !A.quit)
		uv_run(loop_get(), UV_RUN_DEFAULT);
	loop_stop_when_idle(false);
}

static int run_script(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "mlconsole: %s: %s\n", path, strerror(errno));
		return 2;
	}
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, failed = 0;
	while (!A.quit && getline(&line, &cap, f) >= 0) {
		lineno++;
		char *s = str_trim(line);
		if (!*s || *s == '#')
			continue;
		wait_idle();
		if (*s == '"') {
			/* "TEXT types TEXT as it stands, byte by byte (paths, names). */
			for (const char *c = s + 1; *c && !A.quit; c++)
				dispatch_key((unsigned char)*c);
			wait_idle();
		} else if (*s == ':') {
			if (run_command(s + 1) < 0) {
				fprintf(stderr, "%s:%d: %s failed: %s\n", path, lineno, s, A.msg);
				failed = 1;
			}
		} else {
			char **keys = strv_split(s, NULL);
			for (char **k = keys; *k && !A.quit; k++) {
				int key = keys_parse(*k);
				if (key < 0) {
					fprintf(stderr, "%s:%d: unknown key name '%s'\n", path,
						lineno, *k);
					failed = 1;
					continue;
				}
				dispatch_key(key);
				wait_idle();
			}
			strv_free(keys);
		}
		draw();
	}
	free(line);
	fclose(f);
	return failed;
}

/* ---- setup ------------------------------------------------------------- */

static int setup_screen(const struct app_opts *o)
{
	if (o->script) {
		char buf[16];
		snprintf(buf, sizeof buf, "%d", o->cols);
		setenv("COLUMNS", buf, 1);
		snprintf(buf, sizeof buf, "%d", o->rows);
		setenv("LINES", buf, 1);
		if (!getenv("TERM") || !*getenv("TERM"))
			setenv("TERM", "xterm-256color", 1);
		A.tty_out = fopen("/dev/null", "w");
		A.tty_in = fopen("/dev/null", "r");
		use_env(TRUE);
		A.screen = newterm(NULL, A.tty_out, A.tty_in);
		if (!A.screen)
			A.screen = newterm("dumb", A.tty_out, A.tty_in);
	} else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			fprintf(
			    stderr,
			    "mlconsole: needs a terminal (use `mlconsole check` or --script)\n");
			return -1;
		}
		A.tty_out = stdout;
		A.screen = newterm(NULL, stdout, stdin);
	}
	if (!A.screen) {
		fprintf(stderr, "mlconsole: cannot initialise the terminal (TERM=%s)\n",
			getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	set_term(A.screen);
	if (o->script)
		resizeterm(o->rows, o->cols);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (!o->script)
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED |
			      BUTTON4_PRESSED | BUTTON5_PRESSED,
			  NULL);
	char msg[200];
	const char *theme = o->theme ? o->theme : A.cfg->theme;
	if (theme_load(theme, msg, sizeof msg) < 0)
		app_message(ROLE_ERR, "%s", msg);
	return 0;
}

int app_run(const struct app_opts *o)
{
	memset(&A, 0, sizeof A);
	A.cfg = o->cfg;
	A.readonly = o->readonly || o->cfg->readonly;
	A.headless = o->script != NULL;
	keys_init();
	if (setup_screen(o) < 0)
		return 2;
	A.tables = xcalloc((size_t)npanels, sizeof *A.tables);
	for (int i = 0; i < npanels; i++) {
		table_init(&A.tables[i], panels[i]);
		if (panels[i]->ops->open)
			panels[i]->ops->open(panels[i]);
	}
	sources_set_listener(on_sources_changed, NULL);
	sources_start();
	for (size_t i = 0; i < A.cfg->nwarnings; i++)
		log_warn("%s", A.cfg->warnings[i]);
	if (A.cfg->nwarnings)
		app_message(ROLE_WARN, "%s", A.cfg->warnings[0]);

	const char *trace = getenv("MLC_KEY_TRACE");
	if (trace && *trace)
		A.key_trace = fopen(trace, "w");
	uv_loop_t *loop = loop_get();
	uv_timer_init(loop, &A.tick);
	uv_timer_init(loop, &A.redraw_later);
	int status = 0;
	if (o->script) {
		status = run_script(o->script);
	} else {
		uv_poll_init(loop, &A.stdin_poll, STDIN_FILENO);
		uv_poll_start(&A.stdin_poll, UV_READABLE, on_stdin);
		uv_signal_init(loop, &A.winch);
		uv_signal_start(&A.winch, on_winch, SIGWINCH);
		uv_prepare_init(loop, &A.prepare);
		uv_prepare_start(&A.prepare, on_prepare);
		uv_timer_start(&A.tick, on_tick, 1000, 1000);
		A.dirty = true;
		while (!A.quit)
			uv_run(loop, UV_RUN_DEFAULT);
		uv_poll_stop(&A.stdin_poll);
		uv_close((uv_handle_t *)&A.stdin_poll, NULL);
		uv_signal_stop(&A.winch);
		uv_close((uv_handle_t *)&A.winch, NULL);
		uv_prepare_stop(&A.prepare);
		uv_close((uv_handle_t *)&A.prepare, NULL);
	}
	uv_timer_stop(&A.tick);
	uv_close((uv_handle_t *)&A.tick, NULL);
	uv_timer_stop(&A.redraw_later);
	uv_close((uv_handle_t *)&A.redraw_later, NULL);
	endwin();
	for (int i = 0; i < npanels; i++) {
		if (panels[i]->ops->close)
			panels[i]->ops->close(panels[i]);
		table_free(&A.tables[i]);
	}
	free(A.tables);
	delscreen(A.screen);
	if (A.key_trace)
		fclose(A.key_trace);
	if (o->script) {
		fclose(A.tty_out);
		fclose(A.tty_in);
	}
	return status;
}
