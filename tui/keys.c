/* tui/keys.c — key names and bindings (see keys.h). */
#include "keys.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/core/util.h"

static const struct action actions[] = {
    {"none", "", ACT_NONE},
    {"quit", "quit mlconsole", ACT_QUIT},
    {"back", "go back; quit from the top level", ACT_BACK},
    {"next", "next row", ACT_NEXT},
    {"prev", "previous row", ACT_PREV},
    {"page-down", "next page", ACT_PAGE_DOWN},
    {"page-up", "previous page", ACT_PAGE_UP},
    {"top", "first row", ACT_TOP},
    {"bottom", "last row", ACT_BOTTOM},
    {"open", "open the selected row", ACT_OPEN},
    {"filter", "filter the rows (local)", ACT_FILTER},
    {"command", "run a command (:overview, :theme light, :quit)", ACT_COMMAND},
    {"refresh", "refresh now", ACT_REFRESH},
    {"sort", "sort by the next column", ACT_SORT},
    {"help", "this help", ACT_HELP},
    {"copy", "copy the selection (OSC 52)", ACT_COPY},
    {"next-panel", "next panel", ACT_NEXT_PANEL},
    {"prev-panel", "previous panel", ACT_PREV_PANEL},
    {"redraw", "redraw the screen", ACT_REDRAW},
    {"panel", "open panel N", ACT_PANEL},
};

static const char default_bindings[] = "j next\n"
				       "<Down> next\n"
				       "k prev\n"
				       "<Up> prev\n"
				       "<PgDn> page-down\n"
				       "<C-f> page-down\n"
				       "<PgUp> page-up\n"
				       "<C-b> page-up\n"
				       "g top\n"
				       "<Home> top\n"
				       "G bottom\n"
				       "<End> bottom\n"
				       "<Enter> open\n"
				       "<Esc> back\n"
				       "q back\n"
				       "/ filter\n"
				       ": command\n"
				       "r refresh\n"
				       "s sort\n"
				       "? help\n"
				       "y copy\n"
				       "<Tab> next-panel\n"
				       "<BTab> prev-panel\n"
				       "<C-l> redraw\n"
				       "1 panel 1\n"
				       "2 panel 2\n"
				       "3 panel 3\n"
				       "4 panel 4\n"
				       "5 panel 5\n"
				       "6 panel 6\n"
				       "7 panel 7\n"
				       "8 panel 8\n"
				       "9 panel 9\n";

static struct binding binds[128];
static int nbinds;

static const struct {
	const char *name;
	int key;
} named[] = {
    {"Enter", '\n'},	    {"Esc", 27},
    {"Tab", '\t'},	    {"BTab", KEY_BTAB},
    {"Up", KEY_UP},	    {"Down", KEY_DOWN},
    {"Left", KEY_LEFT},	    {"Right", KEY_RIGHT},
    {"PgDn", KEY_NPAGE},    {"PgUp", KEY_PPAGE},
    {"Home", KEY_HOME},	    {"End", KEY_END},
    {"Space", ' '},	    {"Backspace", KEY_BACKSPACE},
    {"Del", KEY_DC},	    {"lt", '<'},
    {"Resize", KEY_RESIZE},
};

int keys_parse(const char *s)
{
	size_t len = strlen(s);
	if (len == 1)
		return (unsigned char)s[0];
	if (len < 3 || s[0] != '<' || s[len - 1] != '>')
		return -1;
	char in[32];
	snprintf(in, sizeof in, "%.*s", (int)(len - 2), s + 1);
	for (size_t i = 0; i < ARRAY_LEN(named); i++)
		if (!strcasecmp(in, named[i].name))
			return named[i].key;
	if ((in[0] == 'C' || in[0] == 'c') && in[1] == '-' && in[2] && !in[3])
		return in[2] & 0x1f;
	if ((in[0] == 'F' || in[0] == 'f') && in[1]) {
		int n = atoi(in + 1);
		if (n >= 1 && n <= 12)
			return KEY_F(n);
	}
	return -1;
}

void keys_name(int key, char *out, size_t n)
{
	for (size_t i = 0; i < ARRAY_LEN(named); i++)
		if (named[i].key == key) {
			snprintf(out, n, "<%s>", named[i].name);
			return;
		}
	if (key == KEY_ENTER || key == '\r') {
		snprintf(out, n, "<Enter>");
	} else if (key > 0 && key < 32) {
		snprintf(out, n, "<C-%c>", key + 'a' - 1);
	} else if (key >= KEY_F(1) && key <= KEY_F(12)) {
		snprintf(out, n, "<F%d>", key - KEY_F(0));
	} else if (key > 32 && key < 127) {
		snprintf(out, n, "%c", key);
	} else {
		snprintf(out, n, "<%d>", key);
	}
}

const struct action *action_get(int id)
{
	for (size_t i = 0; i < ARRAY_LEN(actions); i++)
		if (actions[i].id == id)
			return &actions[i];
	return &actions[0];
}

int keys_bind(const char *line, char *msg, size_t n)
{
	char **w = strv_split(line, NULL);
	int rc = -1;
	size_t nw = strv_len(w);
	if (nw < 2) {
		snprintf(msg, n, "usage: bind KEY ACTION [ARG]");
		goto out;
	}
	int key = keys_parse(w[0]);
	if (key < 0) {
		snprintf(msg, n, "unknown key name '%s'", w[0]);
		goto out;
	}
	const struct action *a = NULL;
	for (size_t i = 0; i < ARRAY_LEN(actions); i++)
		if (!strcmp(actions[i].name, w[1]))
			a = &actions[i];
	if (!a) {
		snprintf(msg, n, "unknown action '%s'", w[1]);
		goto out;
	}
	int arg = nw > 2 ? atoi(w[2]) : 0;
	for (int i = 0; i < nbinds; i++)
		if (binds[i].key == key) {
			binds[i].action = a->id;
			binds[i].arg = arg;
			rc = 0;
			goto out;
		}
	if (nbinds == (int)ARRAY_LEN(binds)) {
		snprintf(msg, n, "too many bindings");
		goto out;
	}
	binds[nbinds++] = (struct binding){key, a->id, arg};
	rc = 0;
out:
	strv_free(w);
	return rc;
}

void keys_init(void)
{
	if (nbinds)
		return;
	char *copy = xstrdup(default_bindings);
	char msg[128];
	for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n"))
		keys_bind(line, msg, sizeof msg);
	free(copy);
}

const struct binding *keys_lookup(int key)
{
	if (key == KEY_ENTER || key == '\r')
		key = '\n';
	for (int i = 0; i < nbinds; i++)
		if (binds[i].key == key)
			return &binds[i];
	return NULL;
}

const struct binding *keys_all(int *n)
{
	*n = nbinds;
	return binds;
}
