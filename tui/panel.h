/* tui/panel.h — what a panel is to the shell: a name, a digit, a stack of
 * views (tui/view.h) and the commands it registers. Views supply rows and
 * cells (text already sanitized, tagged with a colour role); tui/table.c
 * does selection, scrolling, column fitting, filter, sort and the
 * loading / empty / error / stale placeholders, so every view behaves alike.
 * tui/ knows panels only through this table; panels never call curses. */
#ifndef MLC_PANEL_H
#define MLC_PANEL_H

#include <stdbool.h>
#include <stddef.h>

#include "theme.h"

/* Key handler results, as bits (htop's HandlerResult). */
enum {
	P_IGNORED = 0,
	P_HANDLED = 1 << 0,
	P_REDRAW = 1 << 1,
	P_RELOAD = 1 << 2, /* rows changed: rebuild the table's view */
	P_QUIT = 1 << 3,
};

enum align { ALIGN_LEFT, ALIGN_RIGHT };

struct column {
	const char *title;
	int min; /* never narrower (unless the screen is) */
	int max; /* widest it grows to; 0 = takes the remaining width */
	enum align align;
	int drop;     /* 0 never dropped; higher numbers drop first on narrow screens */
	bool numeric; /* sort numerically */
};

struct cell {
	char text[512]; /* sanitized UTF-8, may be truncated by the table */
	enum role role;
	/* A numeric column sorts by the number the text starts with; a cell
	 * whose text is not that number ("3.1 KB", "12,345") gives it here. */
	bool has_num;
	double num;
	/* What a text column sorts by when it is not the text drawn (a name
	 * without tree or mark glyphs, a time with its year); "" sorts by text. */
	char sort[128];
};

struct panel;
struct canvas;
struct cmd_entry;
struct view_ops;

/* A panel's operations. A panel is a set of views (tui/view.h) and the
 * commands it registers (tui/cmd.h). Call order: open once at start, before
 * any other hook (it allocates the panel's state in p->priv and pushes its
 * first view with view_push); close once when the app exits, after every
 * view of the panel was closed (it frees p->priv). All hooks run on the
 * loop thread; none may block or draw.
 */
struct panel_ops {
	const char *name;  /* ":name" opens it; also the tab label, lower case */
	const char *title; /* tab label */
	int digit;	   /* key that opens it (1-9), fixed by DESIGN.md */
	void (*open)(struct panel *p);
	void (*close)(struct panel *p);
	/* The panel's commands (`:cd`, `:runs`): help and completion come from
	 * here. A command is found first in the current panel, then in the
	 * shell's own table, then in the other panels (which are switched to
	 * before it runs). */
	const struct cmd_entry *cmds;
	int ncmds;
	/* Every kind of view the panel pushes, NULL-terminated: `:bind` knows
	 * their action names from here before they are open. */
	const struct view_ops *const *views;
	/* It draws every probe's answer (lib/health/source): redrawn after
	 * each that changed its view (view_ops.clock_key; every answer for a
	 * view without one); other panels only when the header's health part
	 * changed. */
	bool shows_sources;
};

struct view;

struct panel {
	const struct panel_ops *ops;
	void *priv;
	/* The view stack, owned by tui (tui/view.c): stack[0] is the root. */
	struct view *stack[16];
	int depth;
};

/* The registry: one line per panel (panels/panels.c). */
extern struct panel *panels[];
extern const int npanels;

#endif
