/* lib/core/sshconf.c — ~/.ssh/config lookups (see sshconf.h). */
#include "lib/core/sshconf.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/core/util.h"

bool sshconf_match(const char *patterns, const char *host)
{
	char **pats = strv_split(patterns, NULL);
	bool yes = false, no = false;
	for (char **p = pats; *p; p++) {
		bool neg = (*p)[0] == '!';
		const char *pat = neg ? *p + 1 : *p;
		if (fnmatch(pat, host, FNM_CASEFOLD) == 0) {
			if (neg)
				no = true;
			else
				yes = true;
		}
	}
	strv_free(pats);
	return yes && !no;
}

static void expand_home(const char *v, char *out, size_t n)
{
	const char *home = getenv("HOME");
	if (!home)
		home = "";
	if (v[0] == '~' && (v[1] == '/' || v[1] == '\0'))
		snprintf(out, n, "%s%s", home, v + 1);
	else if (str_starts(v, "%d/"))
		snprintf(out, n, "%s%s", home, v + 2);
	else
		snprintf(out, n, "%s", v);
}

bool sshconf_lookup(const char *path, const char *host, struct sshconf_host *out)
{
	memset(out, 0, sizeof *out);
	char *def = NULL;
	if (!path) {
		const char *home = getenv("HOME");
		def = xasprintf("%s/.ssh/config", home ? home : "");
		path = def;
	}
	FILE *f = fopen(path, "r");
	free(def);
	if (!f)
		return false;
	char *line = NULL;
	size_t cap = 0;
	bool active = true, matched = false;
	while (getline(&line, &cap, f) >= 0) {
		char *s = str_trim(line);
		if (!*s || *s == '#')
			continue;
		/* "Keyword value" or "Keyword=value" */
		size_t kl = strcspn(s, " \t=");
		char *v = s + kl;
		while (*v == ' ' || *v == '\t' || *v == '=')
			v++;
		s[kl] = '\0';
		size_t vl = strlen(v);
		if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
			v[vl - 1] = '\0';
			v++;
		}
		if (!strcasecmp(s, "Host")) {
			active = sshconf_match(v, host);
			matched = matched || active;
			continue;
		}
		if (!strcasecmp(s, "Match")) {
			/* Match blocks need more than a file to evaluate: skip them. */
			active = strcasecmp(v, "all") == 0;
			continue;
		}
		if (!active)
			continue;
		if (!strcasecmp(s, "HostName") && !out->hostname[0])
			snprintf(out->hostname, sizeof out->hostname, "%s", v);
		else if (!strcasecmp(s, "User") && !out->user[0])
			snprintf(out->user, sizeof out->user, "%s", v);
		else if (!strcasecmp(s, "Port") && !out->port) {
			int p = atoi(v);
			if (p > 0 && p < 65536)
				out->port = p;
		} else if (!strcasecmp(s, "IdentityFile") && !out->identity[0])
			expand_home(v, out->identity, sizeof out->identity);
		else if (!strcasecmp(s, "ProxyJump") && !out->proxyjump[0])
			snprintf(out->proxyjump, sizeof out->proxyjump, "%s", v);
	}
	free(line);
	fclose(f);
	return matched;
}
