/* tui/app.h — the app shell: screen layout (header, tabs, breadcrumb, body,
 * message line, footer), the loop hooks (stdin, SIGWINCH, redraw once per
 * turn), the keymap dispatcher, the `:` prompt, help, and the headless
 * script driver. Panels reach the shell only through these calls. */
#ifndef MLC_APP_H
#define MLC_APP_H

#include <stdbool.h>
#include <stdio.h>

#include "lib/core/config.h"
#include "theme.h"

struct app_opts {
	struct config *cfg;
	bool readonly;
	const char *theme;  /* NULL → cfg->theme */
	const char *script; /* headless: run this file */
	int cols, rows;	    /* headless size */
};

/* Runs the console until quit; returns the exit status. */
int app_run(const struct app_opts *o);

/* For panels: */
void app_dirty(void);
/* The same, drawn in this loop turn without the ~30/s rate limit: for the
 * first answer to what the user just asked for (a listing's first page). */
void app_dirty_now(void);
void app_message(enum role role, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool app_readonly(void);

/* Every mutation is an action flagged ACT_F_WRITES (refused under
 * --readonly by the dispatcher) and asks first: app_confirm opens a modal dialog naming the target
 * and the exact action; done(arg, true) runs only when the user presses y, done(arg, false) on n,
 * Esc or Enter (the safe default). Strings are copied; they must already be sanitized. The dialog
 * belongs to the view on top when it opens: if that view closes first, the dialog goes and done is
 * never called (the same for app_input). */
struct dialog {
	const char *title;
	const char *lines[8]; /* NULL-terminated when fewer */
	const char *action;   /* "trust this key" */
	void (*done)(void *arg, bool confirmed);
	void *arg;
};
void app_confirm(const struct dialog *d);
const struct config *app_config(void);

/* Work the user started that quitting would lose (a download, an upload, a
 * delete in batches): quitting while any is in flight asks first, naming
 * them. what is copied (sanitized); app_job_begin returns the id that
 * app_job_end takes, exactly once, when the work ended whatever its result. */
int app_job_begin(const char *what);
void app_job_end(int id);

/* Switches to the panel called name and, when cmd is non-NULL, hands it
 * `:cmd args` through its command hook: how one panel opens another at a
 * place (Models → a run in Experiments, an s3:// location → Buckets).
 * Returns false when there is no such panel or it did not take cmd. */
bool app_goto(const char *name, const char *cmd, const char *args);

/* A one-line text input on the message line ("download to: "), prefilled
 * with initial. done(arg, text) on Enter with what was typed (borrowed for
 * the call), done(arg, NULL) on Esc; exactly once, never inside this call.
 * A second app_input while one is open cancels the first (done(.., NULL)). */
typedef void (*app_input_cb)(void *arg, const char *text);
void app_input(const char *prompt, const char *initial, app_input_cb done, void *arg);

/* Hands the terminal to a program (an interactive ssh): leaves curses
 * (def_prog_mode, endwin), runs argv[0] from PATH with argv, waits for it
 * and restores the screen. The loop is paused meanwhile; the console
 * ignores SIGINT and SIGQUIT while the child has the terminal. Headless,
 * the child gets /dev/null for its terminal. Returns the exit status,
 * 128 + the signal that killed it, 127 when it could not be run, or -1 when
 * no process could be started. Never put a secret in argv. */
int app_run_foreground(char *const argv[]);

#endif
