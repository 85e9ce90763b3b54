/* tui/keys.h — key names ("j", "<Enter>", "<C-l>", "<PgDn>") and the
 * bindings table. The defaults are written as text and read by the same
 * parser as `:bind`, so the help screen, `:bind` and the defaults cannot
 * drift apart. */
#ifndef MLC_KEYS_H
#define MLC_KEYS_H

#include <stddef.h>

/* Parses one key name; -1 when unknown. */
int keys_parse(const char *name);
/* Writes the name of key ("<Enter>", "j"). */
void keys_name(int key, char *out, size_t n);

struct action {
	const char *name; /* "next", "panel" */
	const char *help;
	int id;
};

enum action_id {
	ACT_NONE,
	ACT_QUIT,
	ACT_BACK,
	ACT_NEXT,
	ACT_PREV,
	ACT_PAGE_DOWN,
	ACT_PAGE_UP,
	ACT_TOP,
	ACT_BOTTOM,
	ACT_OPEN,
	ACT_FILTER,
	ACT_COMMAND,
	ACT_REFRESH,
	ACT_SORT,
	ACT_HELP,
	ACT_COPY,
	ACT_NEXT_PANEL,
	ACT_PREV_PANEL,
	ACT_REDRAW,
	ACT_PANEL, /* arg: digit */
};

struct binding {
	int key;
	int action; /* enum action_id */
	int arg;
};

/* Loads the default bindings (idempotent). */
void keys_init(void);
/* Parses "KEY ACTION [ARG]" and adds or replaces the binding. Returns 0 or
 * -1 with msg set. */
int keys_bind(const char *line, char *msg, size_t n);
/* The binding of key, or NULL. */
const struct binding *keys_lookup(int key);
/* Every binding, for the help screen. */
const struct binding *keys_all(int *n);
const struct action *action_get(int id);

#endif
