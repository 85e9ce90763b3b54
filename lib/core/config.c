/* lib/core/config.c — INI via inih, the environment conventions and the
 * docker-compose .env. Owns every string of struct config. Never prints;
 * problems come back as errors (file:line) or warnings for the caller. */
#include "lib/core/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/core/sshconf.h"
#include "lib/core/util.h"

static const char *const kind_names[] = {
#define T_X(name, text) text,
    TARGET_KINDS(T_X)
#undef T_X
};

const char *target_kind_name(enum target_kind k)
{
	return (unsigned)k < TK_COUNT ? kind_names[k] : "?";
}

int target_kind_parse(const char *s)
{
	for (int i = 0; i < TK_COUNT; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

void config_init(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->refresh_ms = 2000;
	c->slow_ms = 1000;
	c->profile = xstrdup("local");
	c->theme = xstrdup("default");
}

static void target_free(struct target *t)
{
	free(t->name);
	free(t->url);
	free(t->username);
	free(t->password);
	free(t->token);
	free(t->ca_file);
	free(t->artifacts_destination);
	free(t->access_key);
	free(t->secret_key);
	free(t->session_token);
	free(t->region);
	strv_free(t->buckets);
	free(t->conninfo);
	strv_free(t->databases);
	strv_free(t->extensions);
	free(t->host);
	free(t->user);
	free(t->identity);
	free(t->known_hosts);
	strv_free(t->roles);
	free(t->origin);
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < c->ntargets; i++)
		target_free(&c->targets[i]);
	free(c->targets);
	for (size_t i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	for (size_t i = 0; i < c->nenvfile; i++) {
		free(c->envfile_keys[i]);
		free(c->envfile_vals[i]);
	}
	free(c->envfile_keys);
	free(c->envfile_vals);
	free(c->path);
	free(c->profile);
	free(c->theme);
	memset(c, 0, sizeof *c);
}

static void warn(struct config *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct config *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	c->warnings = xrealloc(c->warnings, (c->nwarnings + 1) * sizeof *c->warnings);
	c->warnings[c->nwarnings++] = xvasprintf(fmt, ap);
	va_end(ap);
}

const struct target *config_first_target(const struct config *c, enum target_kind k)
{
	for (size_t i = 0; c && i < c->ntargets; i++)
		if (c->targets[i].kind == k && c->targets[i].url)
			return &c->targets[i];
	return NULL;
}

struct target *config_target(struct config *c, const char *name)
{
	for (size_t i = 0; i < c->ntargets; i++)
		if (strcmp(c->targets[i].name, name) == 0)
			return &c->targets[i];
	return NULL;
}

static struct target *first_of_kind(struct config *c, enum target_kind k)
{
	for (size_t i = 0; i < c->ntargets; i++)
		if (c->targets[i].kind == k)
			return &c->targets[i];
	return NULL;
}

static struct target *add_target(struct config *c, enum target_kind k, const char *name,
				 const char *origin)
{
	c->targets = xrealloc(c->targets, (c->ntargets + 1) * sizeof *c->targets);
	struct target *t = &c->targets[c->ntargets++];
	memset(t, 0, sizeof *t);
	t->kind = k;
	t->name = xstrdup(name);
	t->origin = xstrdup(origin);
	return t;
}

/* ---- the .env file ---------------------------------------------------- */

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

/* ---- the INI file ----------------------------------------------------- */

enum field_type { F_STR, F_SECRET, F_BOOL, F_LIST, F_INT, F_DURATION };

#define KM(k)  (1u << TK_##k)
#define K_HTTP (KM(MLFLOW) | KM(S3) | KM(RAY) | KM(PROMETHEUS) | KM(PREFECT) | KM(AIRFLOW))
#define K_ALL  0xffu

struct key_def {
	const char *key;
	unsigned kinds;
	enum field_type type;
	size_t offset;
};

#define F(field) offsetof(struct target, field)
static const struct key_def target_keys[] = {
    {"url", K_HTTP, F_STR, F(url)},
    {"endpoint", KM(S3), F_STR, F(url)},
    {"dashboard", KM(RAY), F_STR, F(url)},
    {"username", KM(MLFLOW) | KM(AIRFLOW) | KM(PROMETHEUS), F_STR, F(username)},
    {"password", KM(MLFLOW) | KM(AIRFLOW) | KM(PROMETHEUS) | KM(POSTGRES), F_SECRET, F(password)},
    {"token", KM(MLFLOW) | KM(PREFECT), F_SECRET, F(token)},
    {"api_key", KM(PREFECT), F_SECRET, F(token)},
    {"ca_file", K_HTTP, F_STR, F(ca_file)},
    {"artifacts_destination", KM(MLFLOW), F_STR, F(artifacts_destination)},
    {"insecure", K_HTTP, F_BOOL, F(insecure)},
    {"access_key", KM(S3), F_STR, F(access_key)},
    {"secret_key", KM(S3), F_SECRET, F(secret_key)},
    {"session_token", KM(S3), F_SECRET, F(session_token)},
    {"region", KM(S3), F_STR, F(region)},
    {"virtual_host", KM(S3), F_BOOL, F(virtual_host)},
    {"buckets", KM(S3), F_LIST, F(buckets)},
    {"conninfo", KM(POSTGRES), F_STR, F(conninfo)},
    {"databases", KM(POSTGRES), F_LIST, F(databases)},
    {"extensions", KM(POSTGRES), F_LIST, F(extensions)},
    {"host", KM(NODE), F_STR, F(host)},
    {"port", KM(NODE), F_INT, F(port)},
    {"user", KM(NODE), F_STR, F(user)},
    {"identity", KM(NODE), F_STR, F(identity)},
    {"known_hosts", KM(NODE), F_STR, F(known_hosts)},
    {"accept_new", KM(NODE), F_BOOL, F(accept_new)},
    {"roles", KM(NODE), F_LIST, F(roles)},
    {"refresh", K_ALL, F_DURATION, F(refresh_ms)},
    {"timeout", K_ALL, F_DURATION, F(timeout_ms)},
};
#undef F

struct parse_state {
	struct config *c;
	const char *path;
	FILE *f;
	int lineno;
	int line_too_long; /* first long line, or 0 */
	struct mlc_err *err;
	int failed;
	char cur_section[128];
	struct target *cur; /* target of the current section, or NULL */
	int cur_kind;	    /* -1 general, -2 action, -3 unknown, else kind */
	int secret_line;    /* first line holding a secret, or 0 */
	char secret_key[32];
	/* Section headers as the reader sees them: inih reports sections only
	 * through the keys, so a repeated [name] right after itself, and the
	 * header's own line, are noticed here. */
	unsigned section_seq, cur_seq;
	int section_line;
	bool after_key; /* an indented line after a key is a continuation */
};

/* Classifies a raw line the way inih will: a header bumps section_seq. */
static void note_line(struct parse_state *ps, const char *line)
{
	const char *p = line;
	if (ps->lineno == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	bool indented = isspace((unsigned char)*p);
	while (isspace((unsigned char)*p))
		p++;
	if (!*p || *p == ';' || *p == '#' || (indented && ps->after_key))
		return;
	if (*p == '[') {
		ps->section_seq++;
		ps->section_line = ps->lineno;
		ps->after_key = false;
		return;
	}
	ps->after_key = true;
}

static char *cfg_ini_reader(char *str, int num, void *stream)
{
	struct parse_state *ps = stream;
	if (!fgets(str, num, ps->f))
		return NULL;
	ps->lineno++;
	size_t n = strlen(str);
	if (n == (size_t)num - 1 && str[n - 1] != '\n') {
		/* Swallow the rest of an over-long line so counts stay right. */
		int ch;
		while ((ch = fgetc(ps->f)) != EOF && ch != '\n')
			;
		if (!ps->line_too_long)
			ps->line_too_long = ps->lineno;
	}
	note_line(ps, str);
	return str;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") ||
	    !strcmp(v, "1"))
		*out = true;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") ||
		 !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

/* Records the first error, "FILE:LINE: msg"; returns 0 for inih (stop). */
static int vfail(struct parse_state *ps, int line, const char *fmt, va_list ap)
{
	if (ps->failed)
		return 0;
	char msg[200];
	vsnprintf(msg, sizeof msg, fmt, ap);
	mlc_err_set(ps->err, MLC_ERR_CONFIG, line, "%s:%d: %s", ps->path, line, msg);
	ps->failed = 1;
	return 0;
}

static int fail_at(struct parse_state *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(struct parse_state *ps, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(ps, line, fmt, ap);
	va_end(ap);
	return 0;
}

/* An error on the line being parsed. */
static int fail(struct parse_state *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parse_state *ps, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(ps, ps->lineno, fmt, ap);
	va_end(ap);
	return 0;
}

/* line: the [section] header's own line. */
static void begin_section(struct parse_state *ps, const char *section, int line)
{
	snprintf(ps->cur_section, sizeof ps->cur_section, "%s", section);
	ps->cur = NULL;
	char kind[64] = "", name[128] = "";
	if (sscanf(section, "%63s %127s", kind, name) < 1)
		kind[0] = '\0';
	if (strcmp(kind, "general") == 0) {
		ps->cur_kind = -1;
		return;
	}
	if (strcmp(kind, "action") == 0) {
		ps->cur_kind = -2;
		return;
	}
	int k = target_kind_parse(kind);
	if (k < 0) {
		ps->cur_kind = -3;
		warn(ps->c, "%s:%d: unknown section [%s]", ps->path, line, section);
		return;
	}
	ps->cur_kind = k;
	if (k == TK_NODE && !name[0]) {
		fail_at(ps, line, "[node] needs a name: [node head]");
		return;
	}
	const char *tname = name[0] ? name : kind;
	if (config_target(ps->c, tname)) {
		fail_at(ps, line, "a service named '%s' is defined twice", tname);
		return;
	}
	char origin[300];
	snprintf(origin, sizeof origin, "%s:%d", ps->path, line);
	ps->cur = add_target(ps->c, (enum target_kind)k, tname, origin);
}

static int set_general(struct parse_state *ps, const char *name, const char *value)
{
	struct config *c = ps->c;
	if (strcmp(name, "refresh") == 0) {
		long ms = parse_duration_ms(value);
		if (ms < 100)
			return fail(ps, "refresh: expected a duration of at least 100ms, like 2s");
		c->refresh_ms = ms;
	} else if (strcmp(name, "slow") == 0) {
		long ms = parse_duration_ms(value);
		if (ms < 1)
			return fail(ps, "slow: expected a duration, like 1s");
		c->slow_ms = ms;
	} else if (strcmp(name, "theme") == 0) {
		free(c->theme);
		c->theme = xstrdup(value);
	} else if (strcmp(name, "profile") == 0) {
		free(c->profile);
		c->profile = xstrdup(value);
	} else if (strcmp(name, "readonly") == 0) {
		if (parse_bool(value, &c->readonly) < 0)
			return fail(ps, "readonly: expected true or false");
	} else {
		warn(c, "%s:%d: unknown key '%s' in [general]", ps->path, ps->lineno, name);
	}
	return 1;
}

static int cfg_ini_handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *ps = user;
	if (ps->failed)
		return 0;
	if (!section[0]) {
		warn(ps->c, "%s:%d: key '%s' outside any [section]", ps->path, ps->lineno, name);
		return 1;
	}
	bool new_header = ps->section_seq != ps->cur_seq;
	if (new_header || strcmp(section, ps->cur_section) != 0 ||
	    (!ps->cur && ps->cur_kind >= 0)) {
		ps->cur_seq = ps->section_seq;
		begin_section(ps, section, new_header ? ps->section_line : ps->lineno);
	}
	if (ps->failed)
		return 0;
	if (ps->cur_kind == -1)
		return set_general(ps, name, value);
	if (ps->cur_kind == -2 || ps->cur_kind == -3)
		return 1; /* actions belong to the Nodes panel; unknown sections warned once */
	struct target *t = ps->cur;
	/* [ray] prometheus = URL names the cluster's Prometheus. */
	if (t->kind == TK_RAY && strcmp(name, "prometheus") == 0) {
		if (!str_starts(value, "http://") && !str_starts(value, "https://"))
			return fail(ps, "%s: expected an http:// or https:// URL", name);
		if (!config_target(ps->c, "prometheus")) {
			char origin[300];
			snprintf(origin, sizeof origin, "%s:%d", ps->path, ps->lineno);
			size_t cur = (size_t)(t - ps->c->targets); /* add_target moves the array */
			struct target *p = add_target(ps->c, TK_PROMETHEUS, "prometheus", origin);
			p->url = xstrdup(value);
			ps->cur = &ps->c->targets[cur];
		}
		return 1;
	}
	for (size_t i = 0; i < ARRAY_LEN(target_keys); i++) {
		const struct key_def *kd = &target_keys[i];
		if (strcmp(kd->key, name) != 0 || !(kd->kinds & (1u << t->kind)))
			continue;
		void *field = (char *)t + kd->offset;
		switch (kd->type) {
		case F_SECRET:
			if (!ps->secret_line) {
				ps->secret_line = ps->lineno;
				snprintf(ps->secret_key, sizeof ps->secret_key, "%s", name);
			}
			/* fall through */
		case F_STR:
			free(*(char **)field);
			*(char **)field = xstrdup(value);
			break;
		case F_BOOL:
			if (parse_bool(value, (bool *)field) < 0)
				return fail(ps, "%s: expected true or false", name);
			break;
		case F_LIST:
			strv_free(*(char ***)field);
			*(char ***)field = strv_split(value, NULL);
			break;
		case F_INT: {
			char *end;
			long v = strtol(value, &end, 10);
			if (*end || v < 1 || v > 65535)
				return fail(ps, "%s: expected a port number", name);
			*(int *)field = (int)v;
			break;
		}
		case F_DURATION: {
			long ms = parse_duration_ms(value);
			if (ms < 100)
				return fail(
				    ps, "%s: expected a duration of at least 100ms, like 2s", name);
			*(long *)field = ms;
			break;
		}
		}
		if (kd->type == F_STR &&
		    (strcmp(name, "url") == 0 || strcmp(name, "endpoint") == 0 ||
		     strcmp(name, "dashboard") == 0) &&
		    !str_starts(value, "http://") && !str_starts(value, "https://"))
			return fail(ps, "%s: expected an http:// or https:// URL", name);
		return 1;
	}
	warn(ps->c, "%s:%d: unknown key '%s' in [%s]", ps->path, ps->lineno, name, section);
	return 1;
}

int config_read_file(struct config *c, const char *path, struct mlc_err *err)
{
	struct parse_state ps = {.c = c, .path = path, .err = err, .cur_kind = -3};
	ps.f = fopen(path, "r");
	if (!ps.f)
		return mlc_err_set(err, MLC_ERR_CONFIG, errno, "%s: %s", path, strerror(errno));
	struct stat st;
	fstat(fileno(ps.f), &st);
	free(c->path);
	c->path = xstrdup(path);
	int rc = ini_parse_stream((ini_reader)cfg_ini_reader, &ps, cfg_ini_handler, &ps);
	fclose(ps.f);
	if (ps.failed)
		return -MLC_ERR_CONFIG;
	if (rc > 0)
		return mlc_err_set(err, MLC_ERR_CONFIG, rc,
				   "%s:%d: syntax error (expected [section] or key = value)", path,
				   rc);
	if (rc < 0)
		return mlc_err_set(err, MLC_ERR_CONFIG, rc, "%s: cannot read", path);
	if (ps.line_too_long)
		return mlc_err_set(err, MLC_ERR_CONFIG, ps.line_too_long,
				   "%s:%d: line longer than %d characters", path, ps.line_too_long,
				   INI_MAX_LINE - 2);
	if (ps.secret_line && (st.st_mode & 077))
		return mlc_err_set(err, MLC_ERR_CONFIG, ps.secret_line,
				   "%s:%d: holds a secret (%s) but group or others can read the "
				   "file; run: chmod 600 %s",
				   path, ps.secret_line, ps.secret_key, path);
	for (size_t i = 0; i < c->ntargets; i++) {
		struct target *t = &c->targets[i];
		if (t->kind == TK_NODE && !t->host)
			return mlc_err_set(err, MLC_ERR_CONFIG, 0,
					   "%s: [node %s]: host is required", t->origin, t->name);
		if (t->kind == TK_POSTGRES && !t->conninfo)
			t->conninfo = xstrdup("");
	}
	return 0;
}

char *config_default_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && *xdg)
		return xasprintf("%s/mlconsole/config.ini", xdg);
	const char *home = getenv("HOME");
	return xasprintf("%s/.config/mlconsole/config.ini", home ? home : ".");
}

/* ---- the environment -------------------------------------------------- */

static void fill(char **field, const char *v)
{
	if (!*field && v)
		*field = xstrdup(v);
}

static struct target *env_target(struct config *c, enum target_kind k, const char *var)
{
	struct target *t = first_of_kind(c, k);
	if (t || !var)
		return t;
	char origin[80];
	snprintf(origin, sizeof origin, "environment (%s)", var);
	return add_target(c, k, target_kind_name(k), origin);
}

/* RAY_ADDRESS: ray://host:10001 is the client port; the dashboard is :8265. */
static char *ray_dashboard_url(const char *addr)
{
	if (str_starts(addr, "http://") || str_starts(addr, "https://"))
		return xstrdup(addr);
	const char *h = str_starts(addr, "ray://") ? addr + 6 : addr;
	if (strcmp(h, "auto") == 0 || !*h)
		return NULL;
	size_t len = strcspn(h, ":/");
	return xasprintf("http://%.*s:8265", (int)len, h);
}

static char *with_scheme(const char *addr)
{
	if (str_starts(addr, "http://") || str_starts(addr, "https://"))
		return xstrdup(addr);
	return xasprintf("http://%s", addr);
}

/* ---- ~/.aws/credentials and ~/.aws/config ---------------------------------- */

struct aws_profile {
	const char *name; /* the profile */
	bool in_config;	  /* parsing the config file: "[profile NAME]" */
	char *access_key, *secret_key, *session_token, *region, *endpoint;
};

static int aws_ini_handler(void *user, const char *section, const char *name, const char *value)
{
	struct aws_profile *p = user;
	bool match;
	if (p->in_config)
		match = strcmp(p->name, "default") == 0 ? strcmp(section, "default") == 0
							: (str_starts(section, "profile ") &&
							   strcmp(section + 8, p->name) == 0);
	else
		match = strcmp(section, p->name) == 0;
	if (!match)
		return 1;
	if (strcmp(name, "aws_access_key_id") == 0)
		fill(&p->access_key, value);
	else if (strcmp(name, "aws_secret_access_key") == 0)
		fill(&p->secret_key, value);
	else if (strcmp(name, "aws_session_token") == 0)
		fill(&p->session_token, value);
	else if (strcmp(name, "region") == 0)
		fill(&p->region, value);
	else if (strcmp(name, "endpoint_url") == 0)
		fill(&p->endpoint, value);
	return 1;
}

/* Reads profile name from $AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials)
 * and $AWS_CONFIG_FILE (~/.aws/config), as the AWS CLI does; a missing file
 * is no error. */
static void aws_profile_read(const struct config *c, struct aws_profile *p)
{
	const char *home = getenv("HOME");
	const char *files[2] = {config_getenv(c, "AWS_SHARED_CREDENTIALS_FILE"),
				config_getenv(c, "AWS_CONFIG_FILE")};
	for (int i = 0; i < 2; i++) {
		char *path = files[i] ? xstrdup(files[i])
				      : xasprintf("%s/.aws/%s", home ? home : ".",
						  i == 0 ? "credentials" : "config");
		FILE *f = fopen(path, "r");
		if (f) {
			p->in_config = i == 1;
			ini_parse_file(f, aws_ini_handler, p);
			fclose(f);
		}
		free(path);
	}
}

static void aws_profile_free(struct aws_profile *p)
{
	free(p->access_key);
	free(p->secret_key);
	free(p->session_token);
	free(p->region);
	free(p->endpoint);
}

static void fill_from_profile(struct target *t, const struct aws_profile *p)
{
	if (!t->access_key && p->access_key && p->secret_key) {
		fill(&t->access_key, p->access_key);
		fill(&t->secret_key, p->secret_key);
		fill(&t->session_token, p->session_token);
	}
	fill(&t->region, p->region);
}

void config_apply_env(struct config *c)
{
	const char *v;

	/* MLflow, as mlflow's own client reads it. */
	v = config_getenv(c, "MLFLOW_TRACKING_URI");
	bool mlflow_http = v && (str_starts(v, "http://") || str_starts(v, "https://"));
	struct target *t = env_target(c, TK_MLFLOW, mlflow_http ? "MLFLOW_TRACKING_URI" : NULL);
	if (t) {
		if (mlflow_http)
			fill(&t->url, v);
		fill(&t->username, config_getenv(c, "MLFLOW_TRACKING_USERNAME"));
		fill(&t->password, config_getenv(c, "MLFLOW_TRACKING_PASSWORD"));
		fill(&t->token, config_getenv(c, "MLFLOW_TRACKING_TOKEN"));
		fill(&t->ca_file, config_getenv(c, "MLFLOW_TRACKING_SERVER_CERT_PATH"));
		fill(&t->artifacts_destination, config_getenv(c, "MLFLOW_ARTIFACTS_DESTINATION"));
		v = config_getenv(c, "MLFLOW_TRACKING_INSECURE_TLS");
		if (v && (!strcasecmp(v, "true") || !strcmp(v, "1")))
			t->insecure = true;
	}

	/* S3 / MinIO, as the AWS tools and the platform's .env name them. */
	const char *endpoint = config_getenv(c, "AWS_ENDPOINT_URL_S3");
	const char *evar = "AWS_ENDPOINT_URL_S3";
	if (!endpoint) {
		endpoint = config_getenv(c, "AWS_ENDPOINT_URL");
		evar = "AWS_ENDPOINT_URL";
	}
	if (!endpoint) {
		endpoint = config_getenv(c, "MLFLOW_S3_ENDPOINT_URL");
		evar = "MLFLOW_S3_ENDPOINT_URL";
	}
	if (!endpoint) {
		endpoint = config_getenv(c, "MINIO_ADDRESS");
		evar = "MINIO_ADDRESS";
	}
	/* AWS_PROFILE names a profile that wins over the platform's MINIO_*
	 * names; without it the "default" profile only fills what is left. */
	const char *profile_env = config_getenv(c, "AWS_PROFILE");
	struct aws_profile prof = {.name = profile_env && *profile_env ? profile_env : "default"};
	aws_profile_read(c, &prof);
	if (!endpoint && prof.endpoint) {
		endpoint = prof.endpoint;
		evar = "AWS_PROFILE endpoint_url";
	}
	t = env_target(c, TK_S3, endpoint ? evar : NULL);
	if (t) {
		if (endpoint && !t->url)
			t->url = with_scheme(endpoint);
		fill(&t->access_key, config_getenv(c, "AWS_ACCESS_KEY_ID"));
		fill(&t->secret_key, config_getenv(c, "AWS_SECRET_ACCESS_KEY"));
		if (profile_env && *profile_env)
			fill_from_profile(t, &prof);
		fill(&t->access_key, config_getenv(c, "MINIO_ACCESS_KEY"));
		fill(&t->secret_key, config_getenv(c, "MINIO_SECRET_KEY"));
		fill(&t->access_key, config_getenv(c, "MINIO_ROOT_USER"));
		fill(&t->secret_key, config_getenv(c, "MINIO_ROOT_PASSWORD"));
		fill(&t->session_token, config_getenv(c, "AWS_SESSION_TOKEN"));
		fill(&t->region, config_getenv(c, "AWS_REGION"));
		fill(&t->region, config_getenv(c, "AWS_DEFAULT_REGION"));
		fill_from_profile(t, &prof);
	}
	aws_profile_free(&prof);

	/* PostgreSQL: libpq reads PG* itself; the platform's .env uses POSTGRES_*. */
	const char *pghost = config_getenv(c, "POSTGRES_HOST");
	const char *pgvar = pghost ? "POSTGRES_HOST" : (getenv("PGHOST") ? "PGHOST" : NULL);
	t = env_target(c, TK_POSTGRES, pgvar);
	if (t) {
		if (!t->conninfo && pghost) {
			struct buf b;
			buf_init(&b);
			buf_printf(&b, "host=%s", pghost);
			if ((v = config_getenv(c, "POSTGRES_PORT")))
				buf_printf(&b, " port=%s", v);
			if ((v = config_getenv(c, "POSTGRES_DB")))
				buf_printf(&b, " dbname=%s", v);
			if ((v = config_getenv(c, "POSTGRES_USER")))
				buf_printf(&b, " user=%s", v);
			t->conninfo = buf_steal(&b);
		}
		fill(&t->conninfo, "");
		fill(&t->password, config_getenv(c, "POSTGRES_PASSWORD"));
	}

	/* Ray. */
	v = config_getenv(c, "RAY_ADDRESS");
	char *dash = v ? ray_dashboard_url(v) : NULL;
	t = env_target(c, TK_RAY, dash ? "RAY_ADDRESS" : NULL);
	if (t && dash && !t->url) {
		t->url = dash;
		dash = NULL;
	}
	free(dash);

	/* Prefect. */
	v = config_getenv(c, "PREFECT_API_URL");
	t = env_target(c, TK_PREFECT, v ? "PREFECT_API_URL" : NULL);
	if (t) {
		fill(&t->url, v);
		fill(&t->token, config_getenv(c, "PREFECT_API_KEY"));
	}

	/* Airflow (apache-airflow-client conventions). */
	v = config_getenv(c, "AIRFLOW_API_URL");
	t = env_target(c, TK_AIRFLOW, v ? "AIRFLOW_API_URL" : NULL);
	if (t) {
		fill(&t->url, v);
		fill(&t->username, config_getenv(c, "AIRFLOW_USERNAME"));
		fill(&t->password, config_getenv(c, "AIRFLOW_PASSWORD"));
	}

	/* Prometheus. */
	v = config_getenv(c, "PROMETHEUS_URL");
	t = env_target(c, TK_PROMETHEUS, v ? "PROMETHEUS_URL" : NULL);
	if (t)
		fill(&t->url, v);

	for (size_t i = 0; i < c->ntargets; i++)
		if (c->targets[i].kind == TK_S3)
			fill(&c->targets[i].region, "us-east-1");

	/* Nodes: ~/.ssh/config (or $MLC_SSH_CONFIG) fills HostName, User, Port
	 * and IdentityFile where the node's section is silent, as ssh(1) would. */
	const char *sshcfg = config_getenv(c, "MLC_SSH_CONFIG");
	for (size_t i = 0; i < c->ntargets; i++) {
		struct target *n = &c->targets[i];
		struct sshconf_host h;
		if (n->kind != TK_NODE || !n->host || !sshconf_lookup(sshcfg, n->host, &h))
			continue;
		if (h.hostname[0]) {
			free(n->host);
			n->host = xstrdup(h.hostname);
		}
		if (h.user[0])
			fill(&n->user, h.user);
		if (h.identity[0])
			fill(&n->identity, h.identity);
		if (!n->port && h.port)
			n->port = h.port;
	}
}

char *target_url(const struct target *t, const char *path)
{
	const char *base = t->url ? t->url : "";
	size_t blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	return xasprintf("%.*s%s", (int)blen, base, path ? path : "");
}

char *target_endpoint(const struct target *t)
{
	if (t->kind == TK_NODE) {
		if (t->user)
			return xasprintf("%s@%s:%d", t->user, t->host, t->port ? t->port : 22);
		return xasprintf("%s:%d", t->host, t->port ? t->port : 22);
	}
	if (t->kind == TK_POSTGRES) {
		/* Pick host, port and dbname out of the conninfo; never the password. */
		char host[128] = "", port[16] = "", db[128] = "";
		const char *s = t->conninfo ? t->conninfo : "";
		if (str_starts(s, "postgres://") || str_starts(s, "postgresql://")) {
			const char *p = strstr(s, "://") + 3;
			/* The last '@' of the authority: a password may hold '@'. */
			const char *at = memrchr(p, '@', strcspn(p, "/"));
			if (at)
				p = at + 1;
			size_t hl = strcspn(p, ":/?");
			snprintf(host, sizeof host, "%.*s", (int)MLC_MIN(hl, 127), p);
			if (p[hl] == ':')
				snprintf(port, sizeof port, "%.*s",
					 (int)MLC_MIN(strcspn(p + hl + 1, "/?"), 15), p + hl + 1);
			const char *slash = strchr(p, '/');
			if (slash)
				snprintf(db, sizeof db, "%.*s",
					 (int)MLC_MIN(strcspn(slash + 1, "?"), 127), slash + 1);
		} else {
			char **kv = strv_split(s, NULL);
			for (char **p = kv; *p; p++) {
				if (str_starts(*p, "host="))
					snprintf(host, sizeof host, "%s", *p + 5);
				else if (str_starts(*p, "port="))
					snprintf(port, sizeof port, "%s", *p + 5);
				else if (str_starts(*p, "dbname="))
					snprintf(db, sizeof db, "%s", *p + 7);
			}
			strv_free(kv);
		}
		if (!host[0] && getenv("PGHOST"))
			snprintf(host, sizeof host, "%s", getenv("PGHOST"));
		if (!port[0] && getenv("PGPORT"))
			snprintf(port, sizeof port, "%s", getenv("PGPORT"));
		return xasprintf("%s:%s/%s", host[0] ? host : "localhost", port[0] ? port : "5432",
				 db[0] ? db : "postgres");
	}
	if (!t->url)
		return xstrdup("-");
	/* Drop any user:password@ from the URL. */
	const char *p = strstr(t->url, "://");
	if (p) {
		/* The last '@' before the path: a password may hold '@'. */
		const char *at = memrchr(p + 3, '@', strcspn(p + 3, "/?#"));
		if (at)
			return xasprintf("%.*s%s", (int)(p + 3 - t->url), t->url, at + 1);
	}
	return xstrdup(t->url);
}
