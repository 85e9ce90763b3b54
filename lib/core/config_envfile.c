/* lib/core/config_envfile.c — the platform's docker-compose .env
 * (--env-file): KEY=VALUE lines read into the config, and config_getenv,
 * which looks in the process environment first and in that file after.
 * Never prints; errors name file:line. */
#include "lib/core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"

static void envfile_set(struct config *c, const char *k, const char *v)
{
	for (size_t i = 0; i < c->nenvfile; i++)
		if (strcmp(c->envfile_keys[i], k) == 0) {
			free(c->envfile_vals[i]);
			c->envfile_vals[i] = xstrdup(v);
			return;
		}
	c->envfile_keys = xrealloc(c->envfile_keys, (c->nenvfile + 1) * sizeof(char *));
	c->envfile_vals = xrealloc(c->envfile_vals, (c->nenvfile + 1) * sizeof(char *));
	c->envfile_keys[c->nenvfile] = xstrdup(k);
	c->envfile_vals[c->nenvfile] = xstrdup(v);
	c->nenvfile++;
}

int config_read_env_file(struct config *c, const char *path, struct mlc_err *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return mlc_err_set(err, MLC_ERR_CONFIG, errno, "%s: %s", path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *s = str_trim(line);
		if (!*s || *s == '#')
			continue;
		if (str_starts(s, "export ") || str_starts(s, "export\t"))
			s = str_trim(s + 7);
		char *eq = strchr(s, '=');
		if (!eq) {
			rc = mlc_err_set(err, MLC_ERR_CONFIG, lineno, "%s:%d: expected NAME=VALUE",
					 path, lineno);
			break;
		}
		*eq = '\0';
		char *k = str_trim(s), *v = str_trim(eq + 1);
		bool ok_name = *k && !isdigit((unsigned char)*k);
		for (char *p = k; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				ok_name = false;
		if (!ok_name) {
			rc = mlc_err_set(err, MLC_ERR_CONFIG, lineno, "%s:%d: bad variable name",
					 path, lineno);
			break;
		}
		size_t n = strlen(v);
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
			v[n - 1] = '\0';
			v++;
		} else {
			/* unquoted: an inline comment starts at " #" */
			char *hash = strstr(v, " #");
			if (hash) {
				*hash = '\0';
				str_trim(v);
			}
		}
		envfile_set(c, k, v);
	}
	free(line);
	fclose(f);
	return rc;
}

const char *config_getenv(const struct config *c, const char *name)
{
	const char *v = getenv(name);
	if (v && *v)
		return v;
	for (size_t i = 0; i < c->nenvfile; i++)
		if (strcmp(c->envfile_keys[i], name) == 0 && c->envfile_vals[i][0])
			return c->envfile_vals[i];
	return NULL;
}
