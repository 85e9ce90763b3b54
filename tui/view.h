/* tui/view.h — what a view is: one level of a panel (a bucket list, a
 * listing, an object; the runs of an experiment, one run), as tig's views
 * are. A view supplies its title, columns, rows and cells, and a table of
 * actions; tui owns the stack of views of each panel, each view's table
 * (selection, scroll, sort and filter live there, so going back restores
 * them by construction), the breadcrumb built from the views' titles, and
 * the key dispatch that resolves keys to actions before any view code runs.
 * A view never remembers where it came from. */
#ifndef MLC_VIEW_H
#define MLC_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "table.h"
#include "theme.h"

struct view;
struct canvas;
struct panel;
struct cmd_entry;

/* Preconditions and properties of an action, checked once by the
 * dispatcher (never by the view): */
enum {
	/* Needs a selected row; without one the dispatcher says so. */
	ACT_F_SELECTION = 1 << 0,
	/* Changes something on a server or on disk: refused under
	 * --readonly (and not offered in the footer then). */
	ACT_F_WRITES = 1 << 1,
	/* Asks for confirmation (app_confirm) before it acts: shown in help. */
	ACT_F_CONFIRM = 1 << 2,
};

/* What an action's handler returns: P_* bits of tui/panel.h. row is the
 * selected model row, or -1 (never -1 for an ACT_F_SELECTION action). */
typedef int (*view_action_cb)(struct view *v, int row);

/* One action of a view. The dispatcher runs it when its key is pressed
 * (the default key, or any key `:bind KEY NAME` gave it); the footer shows
 * `key hint` for actions with a hint, the help screen `key help` for all. */
struct view_action {
	const char *name; /* "download": what :bind and help name it */
	const char *key;  /* default keys, names separated by spaces: "d", "h <Left>"; NULL: none */
	const char *hint; /* footer label ("download"), NULL: not in the footer */
	const char *help; /* help text ("download the object to a file") */
	unsigned flags;	  /* ACT_F_* */
	/* NULL: the shell's action of the same name ("sort", "copy"), listed
	 * here to give it this view's key, hint and place in the footer. */
	view_action_cb run;
};

/* A view's operations. Call order: the view is created by view_push (the
 * panel has filled v->priv before or in open); then any of the hooks while
 * it is on its panel's stack, on the loop thread, never blocking or
 * drawing (except body, which draws into the canvas it is given); resume
 * when the view above it is popped; close exactly once when it leaves the
 * stack (popped, or the app exits), after which v is freed: close must
 * cancel the view's requests and free v->priv. Only title is required, and
 * columns, nrows and cell unless body draws the whole view (a page with no
 * rows). Strings written into out must be sanitized. */
struct view_ops {
	const char *name; /* "listing": shown as the heading of its keys in help */
	/* This level's part of the breadcrumb ("runs", "models/", "fraud-xgb"). */
	void (*title)(struct view *v, char *out, size_t n);
	const struct column *(*columns)(struct view *v, int *n);
	int (*nrows)(struct view *v);
	/* Fills out for (row, col) of the model (not the filtered view). */
	void (*cell)(struct view *v, int row, int col, struct cell *out);
	/* Changes since the last draw (optional): the table rebuilds its view
	 * of the rows when this or nrows changes. */
	unsigned long (*generation)(struct view *v);
	/* One line about row (-1: none) above the footer (optional). */
	void (*detail)(struct view *v, int row, char *out, size_t n, enum role *role);
	/* Placeholder when there are no rows: "loading…", an error (optional). */
	void (*empty_text)(struct view *v, char *out, size_t n);
	/* Text `y` copies for row (optional); a view with a body and no rows
	 * gets row -1 and copies what its page shows. */
	void (*copy_text)(struct view *v, int row, char *out, size_t n);
	/* Draws a whole body instead of the table (detail pages, charts):
	 * returns true when it drew (optional). */
	bool (*body)(struct view *v, struct canvas *cv);
	/* What the passing of time alone changes in what the view shows (an
	 * age's second, a sparkline's cells, a health state that expires), as
	 * a value the shell compares with the one of the last draw: the 1 s
	 * tick redraws the view only when it differs. Optional: without it, a
	 * view whose last draw read the clock (mono_ms, wall_ms) is redrawn
	 * every tick, and one that did not is left as it was drawn. On a panel
	 * that shows_sources, a probe's answer also redraws the view only when
	 * the key differs, so there it must cover all that an answer changes. */
	unsigned long (*clock_key)(struct view *v);
	/* `r`: refetch now (optional). */
	void (*reload)(struct view *v);
	/* The right side of the breadcrumb beside the filter: a server-side
	 * filter or order in force ("server order: start_time DESC").
	 * Optional. */
	void (*status)(struct view *v, char *out, size_t n);
	/* The view is on top again after the one above it was popped. */
	void (*resume)(struct view *v);
	void (*close)(struct view *v);
	const struct view_action *actions;
	int nactions;
	/* Commands that mean something only here (`:filter` sent to the
	 * server in a list the server filters): found before the panel's and
	 * the shell's of the same name. run gets the view's panel. */
	const struct cmd_entry *cmds;
	int ncmds;
};

struct view {
	const struct view_ops *ops;
	struct panel *panel; /* the panel whose stack holds it */
	void *priv;	     /* the view's own state, owned through close */
	struct table table;  /* its rows as the user sees them */
};

/* Pushes a new view with ops and priv on top of panel p's stack and makes
 * it current if p is shown; returns it. Past 16 levels the push is
 * refused (NULL, and the status line says so; priv stays the caller's). */
struct view *view_push(struct panel *p, const struct view_ops *ops, void *priv);
/* Pops the top view of p (close, free) unless it is the last one; the one
 * below gets resume. Returns false when there was nothing to pop. */
bool view_pop(struct panel *p);
/* Pops every view above the root of p. */
void view_pop_to_root(struct panel *p);
/* The top view of p, and the i-th from the bottom (NULL past the top). */
struct view *view_top(struct panel *p);
struct view *view_at(struct panel *p, int i);
int view_depth(struct panel *p);
/* Tells the table of v that its rows changed (beyond what generation says). */
void view_changed(struct view *v);
/* Selects model row model_row at the next sync (when the rows that hold it
 * have arrived; a row that never comes leaves the selection as it is). */
void view_select_row(struct view *v, int model_row);
/* Runs the action called name on v (as if its key was pressed): the
 * dispatcher's checks apply. Returns false when v has no such action. */
bool view_run_action(struct view *v, const char *name);

#endif
