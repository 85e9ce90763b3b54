/* tui/app.h — the app shell: screen layout (header, tabs, breadcrumb, body,
 * message line, footer), the loop hooks (stdin, SIGWINCH, redraw once per
 * turn), the keymap dispatcher, the `:` prompt, help, and the headless
 * script driver. Panels reach the shell only through these calls. */
#ifndef MLC_APP_H
#define MLC_APP_H

#include <stdbool.h>
#include <stdio.h>

#include "lib/config.h"
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
void app_message(enum role role, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool app_readonly(void);

/* Every mutation goes through these two. app_refuse_if_readonly says on the
 * status line that `what` is disabled by --readonly and returns true then.
 * app_confirm opens a modal dialog naming the target and the exact action;
 * done(arg, true) runs only when the user presses y, done(arg, false) on
 * n, Esc or Enter (the safe default). Strings are copied; they must already
 * be sanitized. */
bool app_refuse_if_readonly(const char *what);
struct dialog {
	const char *title;
	const char *lines[8]; /* NULL-terminated when fewer */
	const char *action;   /* "trust this key" */
	void (*done)(void *arg, bool confirmed);
	void *arg;
};
void app_confirm(const struct dialog *d);
const struct config *app_config(void);

/* Switches to the panel called name and, when cmd is non-NULL, hands it `:cmd args`
 * through its command hook: how one panel opens another at a place. */
bool app_goto(const char *name, const char *cmd, const char *args);
/* A one-line text input on the message line, prefilled with initial; done(arg, text) on
 * Enter, done(arg, NULL) on Esc; exactly once, never inside this call. */
void app_input(const char *prompt, const char *initial, void (*done)(void *arg, const char *text),
	       void *arg);
/* Drill-down: app_view_push() saves the current panel table's selection, scroll, filter and
 * sort and starts the next view at the top, unfiltered, unsorted; app_view_pop() restores
 * them (call it after the panel has put back the rows of the view it returns to). */
void app_view_push(void);
void app_view_pop(void);

#endif
