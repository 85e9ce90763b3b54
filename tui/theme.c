/* tui/theme.c — role → attribute table. Theme files are "role = fg bg
 * [bold] [reverse] [underline] [dim]" lines; colour names are the eight
 * curses colours, "default", or 0-255. Searched in $MLC_THEME_DIR, the
 * themes/ folder beside the binary's source tree, and PREFIX/share. */
#include "theme.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/core/util.h"

static const char *const role_names[] = {
#define R_X(name, text) text,
    THEME_ROLES(R_X)
#undef R_X
};

static int attrs[ROLE_COUNT];
static char current[64] = "default";
static bool mono;

/* The compiled-in default: the same text as themes/default.theme. */
static const char default_theme[] = "normal = default default\n"
				    "header = black cyan\n"
				    "title = cyan default bold\n"
				    "tab = default default\n"
				    "tab_active = black cyan bold\n"
				    "colhead = default default bold underline\n"
				    "sel = black cyan\n"
				    "ok = green default\n"
				    "warn = yellow default bold\n"
				    "err = red default bold\n"
				    "dim = default default dim\n"
				    "key = cyan default bold\n"
				    "footer = default default\n"
				    "mark = magenta default bold\n"
				    "bar_fill = green default\n"
				    "chart = cyan default\n"
				    "chart2 = yellow default\n"
				    "chart3 = magenta default\n"
				    "chart4 = green default\n"
				    "dialog = black white\n";

static const char mono_theme[] = "normal = default default\n"
				 "header = default default reverse\n"
				 "title = default default bold\n"
				 "tab = default default\n"
				 "tab_active = default default reverse\n"
				 "colhead = default default bold underline\n"
				 "sel = default default reverse\n"
				 "ok = default default\n"
				 "warn = default default bold\n"
				 "err = default default bold\n"
				 "dim = default default dim\n"
				 "key = default default bold\n"
				 "footer = default default\n"
				 "mark = default default bold\n"
				 "bar_fill = default default reverse\n"
				 "chart = default default\n"
				 "chart2 = default default bold\n"
				 "chart3 = default default underline\n"
				 "chart4 = default default dim\n"
				 "dialog = default default reverse\n";

static const char *const builtin[] = {"default", "light", "mono", NULL};

const char *const *theme_names(void)
{
	return builtin;
}

static int color_of(const char *s)
{
	static const char *names[] = {"black", "red",	  "green", "yellow",
				      "blue",  "magenta", "cyan",  "white"};
	if (!strcasecmp(s, "default"))
		return -1;
	for (int i = 0; i < 8; i++)
		if (!strcasecmp(s, names[i]))
			return i;
	char *end;
	long v = strtol(s, &end, 10);
	if (*end == '\0' && v >= 0 && v < 256 && v < COLORS)
		return (int)v;
	return -2;
}

static int apply(const char *text, char *msg, size_t n, const char *origin)
{
	int new_attrs[ROLE_COUNT];
	memcpy(new_attrs, attrs, sizeof attrs);
	char *copy = xstrdup(text);
	int lineno = 0, rc = 0;
	for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
		lineno++;
		char *hash = strpbrk(line, "#;");
		if (hash)
			*hash = '\0';
		str_trim(line);
		if (!*line)
			continue;
		char *eq = strchr(line, '=');
		if (!eq) {
			snprintf(msg, n, "%s:%d: expected role = fg bg [attrs]", origin, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		char *role = str_trim(line);
		int r = -1;
		for (int i = 0; i < ROLE_COUNT; i++)
			if (!strcmp(role, role_names[i]))
				r = i;
		if (r < 0) {
			snprintf(msg, n, "%s:%d: unknown role '%s'", origin, lineno, role);
			rc = -1;
			break;
		}
		char **words = strv_split(eq + 1, NULL);
		int fg = -1, bg = -1, a = A_NORMAL, w = 0;
		for (char **p = words; *p; p++, w++) {
			if (!strcmp(*p, "bold"))
				a |= A_BOLD;
			else if (!strcmp(*p, "reverse"))
				a |= A_REVERSE;
			else if (!strcmp(*p, "underline"))
				a |= A_UNDERLINE;
			else if (!strcmp(*p, "dim"))
				a |= A_DIM;
			else if (w < 2 && color_of(*p) >= -1)
				*(w == 0 ? &fg : &bg) = color_of(*p);
			else {
				snprintf(msg, n, "%s:%d: unknown colour or attribute '%s'", origin,
					 lineno, *p);
				rc = -1;
			}
		}
		strv_free(words);
		if (rc)
			break;
		if (!mono && has_colors()) {
			init_pair((short)(r + 1), (short)fg, (short)bg);
			a |= COLOR_PAIR(r + 1);
		}
		new_attrs[r] = a;
	}
	free(copy);
	if (rc == 0)
		memcpy(attrs, new_attrs, sizeof attrs);
	return rc;
}

static char *read_theme_file(const char *name)
{
	const char *dirs[4];
	int nd = 0;
	if (getenv("MLC_THEME_DIR"))
		dirs[nd++] = getenv("MLC_THEME_DIR");
	dirs[nd++] = "themes";
	dirs[nd++] = MLC_THEME_DIR_INSTALLED;
	for (int i = -1; i < nd; i++) {
		char *path = i < 0 ? (strchr(name, '/') ? xstrdup(name) : NULL)
				   : xasprintf("%s/%s.theme", dirs[i], name);
		if (!path)
			continue;
		FILE *f = fopen(path, "r");
		free(path);
		if (!f)
			continue;
		struct buf b;
		buf_init(&b);
		char chunk[1024];
		size_t got;
		while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < 65536)
			buf_append(&b, chunk, got);
		fclose(f);
		return buf_steal(&b);
	}
	return NULL;
}

int theme_load(const char *name, char *msg, size_t n)
{
	const char *nc = getenv("NO_COLOR");
	bool want_mono = (nc && *nc) || !has_colors() || !strcmp(name, "mono");
	mono = want_mono;
	if (!mono) {
		start_color();
		use_default_colors();
	}
	for (int i = 0; i < ROLE_COUNT; i++)
		attrs[i] = A_NORMAL;
	apply(mono ? mono_theme : default_theme, msg, n, "built-in");
	if (mono) {
		strlcpy_m(current, "mono", sizeof current);
		return 0;
	}
	if (!strcmp(name, "default")) {
		strlcpy_m(current, name, sizeof current);
		return 0;
	}
	char *text = read_theme_file(name);
	if (!text) {
		snprintf(msg, n, "theme '%s' not found", name);
		return -1;
	}
	int rc = apply(text, msg, n, name);
	free(text);
	if (rc == 0)
		strlcpy_m(current, name, sizeof current);
	return rc;
}

int theme_attr(enum role r)
{
	return (unsigned)r < ROLE_COUNT ? attrs[r] : (int)A_NORMAL;
}
const char *theme_name(void)
{
	return current;
}
bool theme_mono(void)
{
	return mono;
}
