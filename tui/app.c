/* tui/app.c — the shell's state and life: setup and teardown of the
 * screen, the panels and their view stacks, the loop hooks (stdin,
 * SIGWINCH, a redraw once per turn at most ~30 times a second) and the
 * calls panels make (app.h). Drawing is tui/layout.c, keys tui/dispatch.c,
 * commands tui/cmd.c, the prompt tui/prompt.c, dialogs tui/dialog.c, the
 * headless driver tui/script.c. */
#include "app.h"

#include <curses.h>
#include <locale.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app_int.h"
#include "cmd.h"
#include "keys.h"
#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "lib/health/source.h"

struct app_state A;

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
	A.msg_logged = false;
	A.msg_until = mono_ms() + 6000;
	A.dirty = true;
}

int app_job_begin(const char *what)
{
	int id = ++A.next_job;
	if (A.njobs < (int)ARRAY_LEN(A.jobs)) {
		A.jobs[A.njobs].id = id;
		san_into(A.jobs[A.njobs].what, sizeof A.jobs[0].what, what, strlen(what));
		A.njobs++;
	}
	return id;
}

void app_job_end(int id)
{
	for (int i = 0; i < A.njobs; i++)
		if (A.jobs[i].id == id) {
			memmove(&A.jobs[i], &A.jobs[i + 1],
				(size_t)(A.njobs - i - 1) * sizeof A.jobs[0]);
			A.njobs--;
			return;
		}
}

static void quit_answer(void *arg, bool confirmed)
{
	if (confirmed)
		A.quit = true;
}

void app_quit(bool force)
{
	if (force || A.njobs == 0) {
		A.quit = true;
		return;
	}
	static char title[64];
	snprintf(title, sizeof title, "Quit with %d job%s in flight?", A.njobs,
		 A.njobs == 1 ? "" : "s");
	struct dialog d = {.title = title, .action = "quit anyway", .done = quit_answer};
	int n = 0;
	for (int i = 0; i < A.njobs && n < 6; i++)
		d.lines[n++] = A.jobs[i].what;
	if (A.njobs > 6)
		d.lines[n++] = "…";
	d.lines[n++] = "Quitting stops them; partial downloads are removed.";
	app_confirm(&d);
}

struct panel *cur_panel(void)
{
	return panels[A.cur];
}

struct view *cur_view(void)
{
	return view_top(panels[A.cur]);
}

struct table *cur_table(void)
{
	return &cur_view()->table;
}

int panel_index(const char *name)
{
	for (int i = 0; i < npanels; i++)
		if (!strcmp(panels[i]->ops->name, name))
			return i;
	return -1;
}

void switch_panel(int i)
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
	/* a message speaks of the panel it came from ("copied: …", an error) */
	A.msg[0] = '\0';
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
	for (int k = 0; k < p->ops->ncmds; k++)
		if (!strcmp(p->ops->cmds[k].name, cmd))
			return p->ops->cmds[k].run(p, args ? args : "") == 0;
	app_message(ROLE_ERR, "%s has no command %s", name, cmd);
	return false;
}

/* A panel's first view: its open pushes it. */
static void panel_open(struct panel *p)
{
	if (p->ops->open)
		p->ops->open(p);
	if (!p->depth) {
		fprintf(stderr, "mlconsole: panel %s opened no view\n", p->ops->name);
		abort();
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
		app_draw();
}

static void on_winch(uv_signal_t *h, int sig)
{
	endwin();
	refresh();
	A.dirty = true;
}

/* Every second: the clock's cells, and the whole screen only when the
 * time changed something else that is shown. */
static void on_tick(uv_timer_t *t)
{
	if (A.dirty || layout_tick_changed())
		A.dirty = true;
	else
		A.clock_dirty = true;
}

static void on_redraw_later(uv_timer_t *t)
{
	A.dirty = true;
}

static void on_prepare(uv_prepare_t *h)
{
	if (A.headless)
		return;
	if (!A.dirty) {
		if (A.clock_dirty)
			layout_draw_clock();
		return;
	}
	int64_t since = mono_ms() - A.last_draw;
	if (since < 33 && !A.key_pending) {
		if (!uv_is_active((uv_handle_t *)&A.redraw_later))
			uv_timer_start(&A.redraw_later, on_redraw_later, (uint64_t)(33 - since), 0);
		return;
	}
	app_draw();
}

/* A probe answered: redrawn when what is shown of it changed (the header's
 * pills or counts; on a panel that shows_sources, its view), not after
 * each of a dozen probes a refresh. */
static void on_sources_changed(void *arg)
{
	bool shows = panels[A.cur]->ops->shows_sources;
	if (layout_header_changed() || (shows && layout_view_changed()))
		A.dirty = true;
	else if (shows)
		layout_trace("answer"); /* an answer that changed nothing shown */
}

/* ---- a program in the foreground (app.h) --------------------------------- */

static void child_exec(char *const argv[])
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (A.headless) {
		int fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execvp(argv[0], argv);
	_exit(127);
}

int app_run_foreground(char *const argv[])
{
	if (!A.headless) {
		def_prog_mode();
		endwin();
	}
	fflush(NULL);
	struct sigaction ign = {.sa_handler = SIG_IGN}, oint, oquit;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	pid_t pid = fork();
	if (pid == 0)
		child_exec(argv);
	int status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	if (!A.headless) {
		reset_prog_mode();
		clearok(curscr, TRUE);
	}
	A.dirty = true;
	if (pid < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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
	cmd_history_load();
	if (setup_screen(o) < 0)
		return 2;
	for (int i = 0; i < npanels; i++)
		panel_open(panels[i]);
	sources_set_listener(on_sources_changed, NULL);
	sources_start();
	for (size_t i = 0; i < A.cfg->nwarnings; i++)
		log_warn("%s", A.cfg->warnings[i]);
	if (A.cfg->nwarnings)
		app_message(ROLE_WARN, "%s", A.cfg->warnings[0]);

	const char *trace = getenv("MLC_KEY_TRACE");
	if (trace && *trace)
		A.key_trace = fopen(trace, "w");
	trace = getenv("MLC_DRAW_TRACE");
	if (trace && *trace)
		A.draw_trace = fopen(trace, "w");
	uv_loop_t *loop = loop_get();
	uv_timer_init(loop, &A.tick);
	uv_timer_init(loop, &A.redraw_later);
	int status = 0;
	if (o->script) {
		status = script_run(o->script);
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
		views_close_all(panels[i]);
		if (panels[i]->ops->close)
			panels[i]->ops->close(panels[i]);
	}
	cmd_history_free();
	delscreen(A.screen);
	if (A.key_trace)
		fclose(A.key_trace);
	if (A.draw_trace)
		fclose(A.draw_trace);
	if (o->script) {
		fclose(A.tty_out);
		fclose(A.tty_in);
	}
	return status;
}
