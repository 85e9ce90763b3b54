/* tui/panel.h — what a panel is to the shell. A panel supplies rows and
 * cells (text already sanitized, tagged with a colour role); tui/table.c
 * does selection, scrolling, column fitting, filter, sort and the
 * loading / empty / error / stale placeholders, so every panel behaves alike.
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
};

struct panel;
struct canvas;

/* A panel's operations. Call order: open once when first shown; then any of
 * nrows/cell/detail/hints/on_key while shown; close when the app exits.
 * All hooks run on the loop thread; none may block or draw. Pointers passed
 * in are borrowed for the duration of the call. */
struct panel_ops {
	const char *name;  /* ":name" opens it; also the tab label, lower case */
	const char *title; /* tab label */
	int digit;	   /* key that opens it (1-9), fixed by DESIGN.md */
	void (*open)(struct panel *p);
	void (*close)(struct panel *p);
	/* `r`: refetch now. */
	void (*reload)(struct panel *p);
	/* The columns of the current view; *n gets their count. */
	const struct column *(*columns)(struct panel *p, int *n);
	int (*nrows)(struct panel *p);
	/* Fills out for (row, col) of the model (not the filtered view). */
	void (*cell)(struct panel *p, int row, int col, struct cell *out);
	/* Breadcrumb text ("Overview", "Log › errors"). */
	void (*crumb)(struct panel *p, char *out, size_t n);
	/* One line about the selected row (or the panel) shown above the footer;
	 * row is -1 when nothing is selected. Optional. */
	void (*detail)(struct panel *p, int row, char *out, size_t n, enum role *role);
	/* Key hints for the footer ("<enter> open  r refresh"). */
	const char *(*hints)(struct panel *p);
	/* Panel-specific keys before the global table; row is the selected
	 * model row or -1. Optional. */
	int (*on_key)(struct panel *p, int key, int row);
	/* Placeholder when there are no rows: "loading…", "no services
	 * configured", an error. Optional. */
	void (*empty_text)(struct panel *p, char *out, size_t n);
	/* Text `y` copies for row (sanitized). Optional. */
	void (*copy_text)(struct panel *p, int row, char *out, size_t n);
	/* Changes since the last draw: compared by the shell to know when to
	 * rebuild its view of the rows. */
	unsigned long (*generation)(struct panel *p);
	/* Optional full-body view replacing the table (detail pages, charts):
	 * returns true when it drew into the canvas given by the shell. */
	bool (*body)(struct panel *p, struct canvas *cv);
	/* `:CMD ARGS` lines go to the current panel before the shell's own
	 * commands (only the panel names come first): returns true when it took
	 * the command, reporting errors itself with app_message. args is "" when
	 * none were given. Optional. */
	bool (*command)(struct panel *p, const char *cmd, const char *args);
	/* The panel's command names, NULL-terminated, for `:` Tab completion. */
	const char *const *commands;
	/* The panel's own keys and commands for the `?` help screen: pairs of
	 * ("p", "preview the object"), ("D", "delete …"), (":cd URI", "jump
	 * to …"), NULL-terminated. Optional. */
	const char *const *help;
};

struct panel {
	const struct panel_ops *ops;
	void *priv;
};

/* The registry: one line per panel (panels/panels.c). */
extern struct panel *panels[];
extern const int npanels;

#endif
