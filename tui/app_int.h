/* tui/app_int.h — private to the shell's files (app.c, layout.c, dialog.c,
 * prompt.c, cmd.c, dispatch.c, help.c, script.c, view.c): the one state
 * record and the calls between them. Panels never include it. */
#ifndef MLC_APP_INT_H
#define MLC_APP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <curses.h>
#include <uv.h>

#include "app.h"
#include "cmd.h"
#include "panel.h"
#include "table.h"
#include "view.h"

enum mode { MODE_NORMAL, MODE_PROMPT, MODE_HELP, MODE_DIALOG };

struct app_state {
	struct config *cfg;
	bool readonly;
	bool headless;
	int cur; /* index into panels[] */
	enum mode mode;
	char prompt_kind; /* ':', '/', or 'i' for app_input */
	char input_label[128];
	app_input_cb input_cb;
	void *input_arg;
	struct view *input_owner; /* the view that asked; its close drops the question */
	int cursor_x;
	char prompt[256];
	size_t prompt_len;
	int hist_pos;	      /* 0: editing a new line; k: the k-th newest entry */
	char hist_saved[256]; /* the line being typed before Up */
	char msg[512];
	bool msg_logged; /* the message was cut on screen and its whole text logged */
	enum role msg_role;
	int64_t msg_until;
	int help_top;
	bool dirty;
	bool clock_dirty; /* the tick: only the header's clock may need drawing */
	bool quit;
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
		struct view *owner; /* the view that asked; its close drops the dialog */
	} dlg;
	struct app_job {
		int id;
		char what[128];
	} jobs[16];
	int njobs, next_job;
	bool key_pending;  /* a key arrived: redraw at once, no rate limit */
	FILE *key_trace;   /* $MLC_KEY_TRACE: key-to-redraw times, for the bench */
	int64_t key_t0_us; /* first key not yet drawn, 0 when none */
	/* What the last full draw depended on, for the tick (layout.c): */
	bool view_timed;	      /* the view's hooks read the clock */
	unsigned long clock_key_seen; /* its clock_key then */
	bool msg_shown;		      /* a message was drawn (it expires) */
	FILE *draw_trace;	      /* $MLC_DRAW_TRACE: what was drawn (layout_trace) */
};

extern struct app_state A;

struct panel *cur_panel(void);
struct view *cur_view(void);
struct table *cur_table(void);
int panel_index(const char *name);
void switch_panel(int i);

/* Quits now, or asks first when jobs are in flight (force: never asks). */
void app_quit(bool force);

/* layout.c */
/* Whether the header's health part would now differ from what was last
 * drawn (true before the first draw). */
bool layout_header_changed(void);
/* The 1 s tick: whether anything but the clock now differs from the last
 * draw (the header's health, a message expiring, a view that shows the
 * time; see view_ops.clock_key). */
bool layout_tick_changed(void);
/* Whether the current view may now show something else than at the last
 * draw: its clock_key differs, or it has none (then always true). */
bool layout_view_changed(void);
/* A line to $MLC_DRAW_TRACE: "full" and "clock" per draw, "answer" for a
 * probe's answer that left a shows_sources panel as drawn. */
void layout_trace(const char *what);
/* Draws the header's clock alone (the rest as it was). */
void layout_draw_clock(void);
void app_draw(void);
int app_save_display(const char *path);
int64_t mono_us(void);

/* dialog.c */
void dialog_draw(const struct canvas *body);
void dialog_key(int key);
void dialog_close(bool confirmed);

/* prompt.c */
void prompt_open(char kind);
void prompt_key(int key);
void prompt_draw(const struct canvas *scr, int y);
void input_finish(const char *text);

/* dispatch.c */
struct global_action {
	const char *name;
	const char *help;
	void (*run)(struct view *v, int arg);
};
const struct global_action *global_actions(int *n);
/* The key shown for view action a: what :bind gave it, else its default. */
void action_key(const struct view_action *a, char *out, size_t n);
void dispatch_key(int key);
/* Whether name is a global action or an action of any panel's view. */
bool action_known(const char *name);
/* Adds every action name the current view and the shell know to out. */
void action_names(struct cmd_cands *out);
/* The footer hints of the current view, whole hints only, in width. */
void hints_text(char *out, size_t n, int width);

/* help.c */
void help_draw(const struct canvas *body);

/* script.c */
int script_run(const char *path);

/* A view is closing: a dialog or question it opened goes, unanswered. */
void questions_drop(struct view *v);
/* view.c: every view of every panel closed, and the panel's own close. */
void views_close_all(struct panel *p);

#endif
