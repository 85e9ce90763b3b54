/* tui/keys.c — key names and bindings (see keys.h). */
#include "keys.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/core/util.h"

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
				       "q close\n"
				       "< cols-left\n"
				       "> cols-right\n"
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

int keys_bind(const char *line, bool (*known)(const char *name), bool user, char *msg, size_t n)
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
	if (strlen(w[1]) >= sizeof binds[0].action || (known && !known(w[1]))) {
		snprintf(msg, n, "unknown action '%s' (Tab lists them)", w[1]);
		goto out;
	}
	int arg = nw > 2 ? atoi(w[2]) : 0;
	struct binding *b = NULL;
	for (int i = 0; i < nbinds && !b; i++)
		if (binds[i].key == key)
			b = &binds[i];
	if (!b && nbinds == (int)ARRAY_LEN(binds)) {
		snprintf(msg, n, "too many bindings");
		goto out;
	}
	if (!b)
		b = &binds[nbinds++];
	b->key = key;
	strlcpy_m(b->action, w[1], sizeof b->action);
	b->arg = arg;
	b->user = user;
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
		keys_bind(line, NULL, false, msg, sizeof msg);
	free(copy);
}

const struct binding *keys_lookup(int key, bool user_only)
{
	if (key == KEY_ENTER || key == '\r')
		key = '\n';
	for (int i = 0; i < nbinds; i++)
		if (binds[i].key == key)
			return user_only && !binds[i].user ? NULL : &binds[i];
	return NULL;
}

const struct binding *keys_all(int *n)
{
	*n = nbinds;
	return binds;
}

void keys_footer_name(int key, char *out, size_t n)
{
	keys_name(key, out, n);
	if (out[0] == '<')
		for (char *c = out; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
}

bool keys_of(const char *action, bool user_only, char *out, size_t n)
{
	for (int i = 0; i < nbinds; i++)
		if (!strcmp(binds[i].action, action) && (binds[i].user || !user_only)) {
			keys_footer_name(binds[i].key, out, n);
			return true;
		}
	return false;
}
