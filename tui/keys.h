/* tui/keys.h — key names ("j", "<Enter>", "<C-l>", "<PgDn>") and the
 * bindings table (key → action name). The defaults are written as text and read by the same
 * parser as `:bind`, so the help screen, `:bind` and the defaults cannot
 * drift apart. */
#ifndef MLC_KEYS_H
#define MLC_KEYS_H

#include <stdbool.h>
#include <stddef.h>

/* Parses one key name; -1 when unknown. */
int keys_parse(const char *name);
/* Writes the name of key ("<Enter>", "j"). */
void keys_name(int key, char *out, size_t n);

/* A key bound to an action by name: a global action of the shell
 * (tui/dispatch.c) or an action of the focused view (tui/view.h). */
struct binding {
	int key;
	char action[32]; /* "next", "panel", "download" */
	int arg;
	bool user; /* from :bind, not the defaults */
};

/* Loads the default bindings (idempotent). */
void keys_init(void);
/* Parses "KEY ACTION [ARG]" and adds or replaces the binding (a user one
 * unless defaults is set). known(name) says whether ACTION exists. Returns
 * 0 or -1 with msg set. */
int keys_bind(const char *line, bool (*known)(const char *name), bool user, char *msg, size_t n);
/* The binding of key, or NULL. user_only: only what :bind set. */
const struct binding *keys_lookup(int key, bool user_only);
/* Every binding, for the help screen. */
const struct binding *keys_all(int *n);
/* The first key bound to action (its name into out, "<enter>" written in
 * lower case as the footer shows keys); user_only: only :bind's. False
 * when none. */
bool keys_of(const char *action, bool user_only, char *out, size_t n);
/* keys_name in the footer's spelling: "<enter>", "<esc>", "j". */
void keys_footer_name(int key, char *out, size_t n);

#endif
