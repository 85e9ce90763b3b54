/* lib/core/config_ini.c — the INI file, read with inih: sections become
 * targets (a kind's section name and keys come from the kinds table), keys
 * are set through one table of fields, bad values are errors naming
 * FILE:LINE, unknown keys and sections warnings. Refuses a file holding a
 * secret that group or others can read. Never prints. */
#include "lib/core/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/core/config_priv.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"

#define warn config_warn

enum field_type {
	F_STR,
	F_SECRET,
	F_BOOL,
	F_LIST,
	F_INT,
	F_DURATION,
	F_URL,	     /* a string that must start with a scheme of the kind */
	F_STATUS,    /* a list of HTTP statuses: 200, 2xx */
	F_SIZE,	     /* bytes: 64MiB, 8M (an int64_t) */
	F_COUNT,     /* a count from 1 to 64 (an int) */
	F_PROMETHEUS /* [ray] prometheus = URL: adds the cluster's Prometheus */
};

/* Every key a section may hold; which kind takes which is the kinds table's
 * business (kinds.h). */
struct key_def {
	const char *key;
	enum field_type type;
	size_t offset;
};

#define F(field) offsetof(struct target, field)
static const struct key_def target_keys[] = {
    {"url", F_URL, F(url)},
    {"endpoint", F_URL, F(url)},
    {"dashboard", F_URL, F(url)},
    {"prometheus", F_PROMETHEUS, 0},
    {"username", F_STR, F(username)},
    {"password", F_SECRET, F(password)},
    {"token", F_SECRET, F(token)},
    {"api_key", F_SECRET, F(token)},
    {"ca_file", F_STR, F(ca_file)},
    {"artifacts_destination", F_STR, F(artifacts_destination)},
    {"insecure", F_BOOL, F(insecure)},
    {"access_key", F_STR, F(access_key)},
    {"secret_key", F_SECRET, F(secret_key)},
    {"session_token", F_SECRET, F(session_token)},
    {"region", F_STR, F(region)},
    {"virtual_host", F_BOOL, F(virtual_host)},
    {"buckets", F_LIST, F(buckets)},
    {"multipart_threshold", F_SIZE, F(multipart_threshold)},
    {"part_size", F_SIZE, F(part_size)},
    {"concurrency", F_COUNT, F(concurrency)},
    {"conninfo", F_STR, F(conninfo)},
    {"databases", F_LIST, F(databases)},
    {"extensions", F_LIST, F(extensions)},
    {"idle_xact", F_DURATION, F(idle_xact_ms)},
    {"host", F_STR, F(host)},
    {"port", F_INT, F(port)},
    {"user", F_STR, F(user)},
    {"identity", F_STR, F(identity)},
    {"known_hosts", F_STR, F(known_hosts)},
    {"accept_new", F_BOOL, F(accept_new)},
    {"roles", F_LIST, F(roles)},
    {"jump", F_STR, F(jump)},
    {"units", F_LIST, F(units)},
    {"expect_status", F_STATUS, F(expect_status)},
    {"expect_body", F_STR, F(expect_body)},
    {"refresh", F_DURATION, F(refresh_ms)},
    {"timeout", F_DURATION, F(timeout_ms)},
};
#undef F

static const struct key_def *key_find(const char *key)
{
	for (size_t i = 0; i < ARRAY_LEN(target_keys); i++)
		if (strcmp(target_keys[i].key, key) == 0)
			return &target_keys[i];
	return NULL;
}

bool config_key_known(const char *key)
{
	return key_find(key) != NULL;
}

struct parse_state {
	struct config *c;
	const char *path;
	FILE *f;
	int lineno;
	int line_too_long; /* first long line inih cannot be handed, or 0 */
	char *line;	   /* the whole raw line (getline) */
	size_t line_cap;
	char *long_value; /* a key line longer than inih's buffer: its value... */
	int long_lineno;  /* ... and the line it is on (the handler uses it) */
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

/* A key line too long for inih's line buffer (INI_MAX_LINE, fixed in the
 * Debian build): parsed here as inih would (key up to the first = or :,
 * inline comment from " ;", both trimmed); inih is handed "key =" and the
 * handler takes the value from ps. 0, or -1 when the line is no key line
 * (a section header or a key that long). */
static int long_key_line(struct parse_state *ps, char *str, int num)
{
	char *p = str_trim(ps->line);
	size_t sep = strcspn(p, "=:");
	if (*p == ';' || *p == '#') { /* a long comment */
		snprintf(str, (size_t)num, "\n");
		return 0;
	}
	if (*p == '[' || !p[sep] || sep + 4 > (size_t)num)
		return -1;
	p[sep] = '\0';
	char *v = p + sep + 1;
	for (char *q = v; *q; q++)
		if (*q == ';' && q > v && isspace((unsigned char)q[-1])) {
			*q = '\0';
			break;
		}
	free(ps->long_value);
	ps->long_value = xstrdup(str_trim(v));
	ps->long_lineno = ps->lineno;
	snprintf(str, (size_t)num, "%s =\n", str_trim(p));
	return 0;
}

/* inih's reader: one line of the file into str (num bytes). A line that
 * does not fit is read whole here (long_key_line), so no line length is
 * refused: a real conninfo, bucket list or action command is longer than
 * inih's 200 bytes. */
static char *cfg_ini_reader(char *str, int num, void *stream)
{
	struct parse_state *ps = stream;
	ssize_t n = getline(&ps->line, &ps->line_cap, ps->f);
	if (n < 0)
		return NULL;
	ps->lineno++;
	if (n < num) {
		memcpy(str, ps->line, (size_t)n + 1);
	} else if (long_key_line(ps, str, num) < 0) {
		if (!ps->line_too_long)
			ps->line_too_long = ps->lineno;
		snprintf(str, (size_t)num, "\n");
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
	char *safe = san_str(msg); /* names and values from the file */
	mlc_err_set(ps->err, MLC_ERR_CONFIG, line, "%s:%d: %s", ps->path, line, safe);
	free(safe);
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

/* A section kept as written ([action NAME], [plan NAME]): keys go to it as
 * they come, repeated ones too. */
static void keep_section(struct parse_state *ps, const char *kind, const char *name, int line)
{
	struct config *c = ps->c;
	c->sections = xrealloc(c->sections, (c->nsections + 1) * sizeof *c->sections);
	struct config_section *cs = &c->sections[c->nsections++];
	memset(cs, 0, sizeof *cs);
	cs->kind = xstrdup(kind);
	cs->name = xstrdup(name);
	cs->origin = xasprintf("%s:%d", ps->path, line);
}

static void keep_key(struct config_section *cs, const char *key, const char *val)
{
	cs->keys = xrealloc(cs->keys, (cs->n + 1) * sizeof *cs->keys);
	cs->vals = xrealloc(cs->vals, (cs->n + 1) * sizeof *cs->vals);
	cs->keys[cs->n] = xstrdup(key);
	cs->vals[cs->n++] = xstrdup(val);
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
	if (strcmp(kind, "action") == 0 || strcmp(kind, "plan") == 0) {
		ps->cur_kind = -2;
		keep_section(ps, kind, name, line);
		return;
	}
	int k = target_kind_parse(kind);
	if (k < 0) {
		ps->cur_kind = -3;
		warn(ps->c, "%s:%d: unknown section [%s]", ps->path, line, section);
		return;
	}
	ps->cur_kind = k;
	const struct kind_conf *kc = kind_conf(k);
	if (kc->named && !name[0]) {
		fail_at(ps, line, "[%s] needs a name: [%s %s]", kind, kind, kc->named);
		return;
	}
	const char *tname = name[0] ? name : kind;
	if (config_target(ps->c, tname)) {
		fail_at(ps, line, "a service named '%s' is defined twice", tname);
		return;
	}
	char origin[300];
	snprintf(origin, sizeof origin, "%s:%d", ps->path, line);
	ps->cur = config_add_target(ps->c, (enum target_kind)k, tname, origin);
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

static void note_secret(struct parse_state *ps, const char *name)
{
	if (!ps->secret_line) {
		ps->secret_line = ps->lineno;
		snprintf(ps->secret_key, sizeof ps->secret_key, "%s", name);
	}
}

/* Whether a URL carries a password: "user:password@" in its authority, or
 * any userinfo where the kind reads it as the password (redis://PASSWORD@). */
static bool url_has_password(int kind, const char *url)
{
	const char *p = strstr(url, "://");
	if (!p)
		return false;
	p += 3;
	const char *at = memrchr(p, '@', strcspn(p, "/?#"));
	if (!at)
		return false;
	return kind_conf(kind)->mask_userinfo || memchr(p, ':', (size_t)(at - p)) != NULL;
}

/* "200", "204", "2xx": one HTTP status or a class of them. */
static bool status_ok(const char *s)
{
	if (strlen(s) != 3 || s[0] < '1' || s[0] > '5')
		return false;
	if ((s[1] == 'x' || s[1] == 'X') && (s[2] == 'x' || s[2] == 'X'))
		return true;
	return isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]);
}

/* [ray] prometheus = URL names the cluster's Prometheus. */
static int set_ray_prometheus(struct parse_state *ps, const char *name, const char *value)
{
	struct target *t = ps->cur;
	if (!str_starts(value, "http://") && !str_starts(value, "https://"))
		return fail(ps, "%s: expected an http:// or https:// URL", name);
	if (!config_target(ps->c, "prometheus")) {
		char origin[300];
		snprintf(origin, sizeof origin, "%s:%d", ps->path, ps->lineno);
		size_t cur = (size_t)(t - ps->c->targets); /* add_target moves the array */
		struct target *p = config_add_target(ps->c, TK_PROMETHEUS, "prometheus", origin);
		p->url = xstrdup(value);
		ps->cur = &ps->c->targets[cur];
	}
	return 1;
}

/* A list; for F_STATUS, every item a status. NULL after a failure. */
static char **parse_list(struct parse_state *ps, const struct key_def *kd, const char *value)
{
	char **v = strv_split(value, NULL);
	for (char **s = v; kd->type == F_STATUS && *s; s++)
		if (!status_ok(*s)) {
			strv_free(v);
			fail(ps, "%s: expected HTTP statuses like 200 or 2xx", kd->key);
			return NULL;
		}
	return v;
}

int64_t config_parse_size(const char *s)
{
	char *end;
	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	int shift = 0;
	const char *units = "KMGT";
	const char *u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
	if (u) {
		shift = 10 * (int)(u - units + 1);
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v > (unsigned long long)(INT64_MAX >> shift))
		return -1;
	return (int64_t)(v << shift);
}

/* Sets one key of the current target; 0 (inih: stop) on a bad value. */
static int set_key(struct parse_state *ps, const struct key_def *kd, const char *value)
{
	struct target *t = ps->cur;
	const char *name = kd->key;
	void *field = (char *)t + kd->offset;
	switch (kd->type) {
	case F_PROMETHEUS:
		return set_ray_prometheus(ps, name, value);
	case F_URL:
		if (!kind_url_scheme_ok(t->kind, value)) {
			const char *sch = kind_conf(t->kind)->url_schemes;
			if (sch)
				return fail(ps, "%s: expected a %s URL", name, sch);
			return fail(ps, "%s: expected an http:// or https:// URL", name);
		}
		if (url_has_password(t->kind, value))
			note_secret(ps, name);
		/* fall through */
	case F_STR:
	case F_SECRET:
		if (kd->type == F_SECRET)
			note_secret(ps, name);
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		break;
	case F_BOOL:
		if (parse_bool(value, (bool *)field) < 0)
			return fail(ps, "%s: expected true or false", name);
		break;
	case F_STATUS:
	case F_LIST: {
		char **v = parse_list(ps, kd, value);
		if (!v)
			return 0;
		strv_free(*(char ***)field);
		*(char ***)field = v;
		break;
	}
	case F_INT: {
		char *end;
		long v = strtol(value, &end, 10);
		if (*end || v < 1 || v > 65535)
			return fail(ps, "%s: expected a port number", name);
		*(int *)field = (int)v;
		break;
	}
	case F_SIZE: {
		int64_t v = config_parse_size(value);
		bool part = !strcmp(name, "part_size");
		if (v < 0 || (part && (v < ((int64_t)5 << 20) || v > ((int64_t)5 << 30))))
			return fail(ps, "%s: expected a size%s, like 64MiB", name,
				    part ? " from 5MiB to 5GiB" : "");
		*(int64_t *)field = v;
		break;
	}
	case F_COUNT: {
		char *end;
		long v = strtol(value, &end, 10);
		if (end == value || *end || v < 1 || v > 64)
			return fail(ps, "%s: expected a number from 1 to 64", name);
		*(int *)field = (int)v;
		break;
	}
	case F_DURATION: {
		long ms = parse_duration_ms(value);
		if (ms < 100)
			return fail(ps, "%s: expected a duration of at least 100ms, like 2s", name);
		*(long *)field = ms;
		break;
	}
	}
	return 1;
}

static int cfg_ini_handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *ps = user;
	if (ps->failed)
		return 0;
	if (ps->long_value && ps->long_lineno == ps->lineno)
		value = ps->long_value;
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
	if (ps->cur_kind == -2) { /* actions and plans belong to the Nodes panel */
		keep_key(&ps->c->sections[ps->c->nsections - 1], name, value);
		return 1;
	}
	if (ps->cur_kind == -3)
		return 1; /* unknown sections warned once */
	const struct key_def *kd = key_find(name);
	if (!kd || !kind_accepts_key(ps->cur->kind, name)) {
		warn(ps->c, "%s:%d: unknown key '%s' in [%s]", ps->path, ps->lineno, name, section);
		return 1;
	}
	return set_key(ps, kd, value);
}

/* What the file cannot leave out, once it is read: a kind's required key;
 * postgres's conninfo defaults to "" (libpq's defaults). */
static int check_targets(struct config *c, struct mlc_err *err)
{
	for (size_t i = 0; i < c->ntargets; i++) {
		struct target *t = &c->targets[i];
		const struct kind_conf *kc = kind_conf(t->kind);
		const struct key_def *req = kc->required ? key_find(kc->required) : NULL;
		if (req && !*(char **)((char *)t + req->offset))
			return mlc_err_set(err, MLC_ERR_CONFIG, 0, "%s: [%s %s]: %s is required",
					   t->origin, kc->section, t->name, kc->required);
		if (t->kind == TK_POSTGRES && !t->conninfo)
			t->conninfo = xstrdup("");
	}
	return 0;
}

int config_read_file(struct config *c, const char *path, struct mlc_err *err)
{
	struct parse_state ps = {.c = c, .path = path, .err = err, .cur_kind = -3};
	ps.f = fopen(path, "r");
	if (!ps.f)
		return mlc_err_set(err, MLC_ERR_CONFIG, errno, "%s: %s", path, strerror(errno));
	struct stat st;
	fstat(fileno(ps.f), &st);
	if (S_ISDIR(st.st_mode)) {
		fclose(ps.f);
		return mlc_err_set(err, MLC_ERR_CONFIG, EISDIR,
				   "%s: is a directory (-c takes the config file itself, e.g. "
				   "%s/config.ini)",
				   path, path);
	}
	free(c->path);
	c->path = xstrdup(path);
	int rc = ini_parse_stream((ini_reader)cfg_ini_reader, &ps, cfg_ini_handler, &ps);
	fclose(ps.f);
	free(ps.line);
	free(ps.long_value);
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
				   "%s:%d: a [section] header longer than %d characters", path,
				   ps.line_too_long, INI_MAX_LINE - 2);
	if (ps.secret_line && (st.st_mode & 077))
		return mlc_err_set(err, MLC_ERR_CONFIG, ps.secret_line,
				   "%s:%d: holds a secret (%s) but group or others can read the "
				   "file; run: chmod 600 %s",
				   path, ps.secret_line, ps.secret_key, path);
	return check_targets(c, err);
}
