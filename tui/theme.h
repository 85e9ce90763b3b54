/* tui/theme.h — colour roles. Panels name roles, never colours or pair
 * numbers; the themes/ files map roles to colours; the default theme is also
 * compiled in; NO_COLOR or a terminal without colours selects mono. */
#ifndef MLC_THEME_H
#define MLC_THEME_H

#include <stdbool.h>
#include <stddef.h>

#define THEME_ROLES(X)                                                                             \
	X(NORMAL, "normal")                                                                        \
	X(HEADER, "header")                                                                        \
	X(TITLE, "title")                                                                          \
	X(TAB, "tab")                                                                              \
	X(TAB_ACTIVE, "tab_active")                                                                \
	X(COLHEAD, "colhead")                                                                      \
	X(SEL, "sel")                                                                              \
	X(OK, "ok")                                                                                \
	X(WARN, "warn")                                                                            \
	X(ERR, "err")                                                                              \
	X(DIM, "dim")                                                                              \
	X(KEY, "key")                                                                              \
	X(FOOTER, "footer")                                                                        \
	X(MARK, "mark")                                                                            \
	X(BAR_FILL, "bar_fill")                                                                    \
	X(CHART, "chart")                                                                          \
	X(CHART2, "chart2")                                                                        \
	X(CHART3, "chart3")                                                                        \
	X(CHART4, "chart4")                                                                        \
	X(DIALOG, "dialog")

enum role {
#define R_X(name, text) ROLE_##name,
	THEME_ROLES(R_X)
#undef R_X
	    ROLE_COUNT
};

/* Loads theme name (default, light, mono, or a path) after initscr. Returns
 * 0, or -1 with msg set (the compiled-in default stays in effect). */
int theme_load(const char *name, char *msg, size_t n);
/* The curses attribute (colour pair + bold/reverse...) of a role. */
int theme_attr(enum role r);
const char *theme_name(void);
/* Colours are off (NO_COLOR, no colour terminal, mono theme). */
bool theme_mono(void);
/* Names of the built-in themes, NULL-terminated (for completion). */
const char *const *theme_names(void);

#endif
