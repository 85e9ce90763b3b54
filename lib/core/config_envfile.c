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
#include <sys/stat.h>

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

/* Whether variable k holds a secret: what a file readable by others must
 * not hold (the same rule as the config file's secret keys). */
static bool secret_name(const char *k)
{
	static const char *const words[] = {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY"};
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (strstr(k, words[i]))
			return true;
	return str_ends(k, "_AUTH");
}

/* The value of one NAME=VALUE line into *out, unquoted, in place; NULL, or
 * what is wrong with the quoting. */
static const char *env_value(char *v, char **out)
{
	*out = v;
	if (v[0] == '"' || v[0] == '\'') {
		char *end = strchr(v + 1, v[0]);
		if (!end)
			return "unbalanced quote: a quoted value ends with the same quote on its "
			       "line (multi-line values are not supported)";
		/* after the closing quote: only blanks or a comment */
		const char *rest = end + 1;
		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (*rest && *rest != '#')
			return "text after the closing quote";
		*end = '\0';
		*out = v + 1;
		return NULL;
	}
	/* unquoted: an inline comment starts at " #" */
	char *hash = strstr(v, " #");
	if (hash) {
		*hash = '\0';
		str_trim(v);
	}
	return NULL;
}

int config_read_env_file(struct config *c, const char *path, struct mlc_err *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return mlc_err_set(err, MLC_ERR_CONFIG, errno, "%s: %s", path, strerror(errno));
	struct stat st;
	fstat(fileno(f), &st);
	if (S_ISDIR(st.st_mode)) {
		fclose(f);
		return mlc_err_set(err, MLC_ERR_CONFIG, EISDIR,
				   "%s: is a directory (--env-file takes the .env file itself)",
				   path);
	}
	char *line = NULL, secret[64] = "";
	size_t cap = 0;
	int lineno = 0, rc = 0, secret_line = 0;
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
		char *val;
		const char *bad = env_value(v, &val);
		if (bad) {
			rc = mlc_err_set(err, MLC_ERR_CONFIG, lineno, "%s:%d: %s: %s", path, lineno,
					 k, bad);
			break;
		}
		if (*val && !secret_line && secret_name(k)) {
			secret_line = lineno;
			snprintf(secret, sizeof secret, "%s", k);
		}
		envfile_set(c, k, val);
	}
	free(line);
	fclose(f);
	if (rc == 0 && secret_line && (st.st_mode & 077))
		rc =
		    mlc_err_set(err, MLC_ERR_CONFIG, secret_line,
				"%s:%d: holds a secret (%s) but group or others can read the file; "
				"run: chmod 600 %s",
				path, secret_line, secret, path);
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
