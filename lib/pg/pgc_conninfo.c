/* lib/pg/pgc_conninfo.c — the pure half of the PostgreSQL client: a conninfo
 * string or URI (with service files, PG* variables and ~/.pgpass as libpq
 * reads them) into the keys, values and host list pgc.c connects with, the
 * display name, and scrubbing secrets out of every message. Never touches
 * the network or the loop; never logs or reports a password. */
#include "lib/pg/pgc_int.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/log.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"

/* ---- pure helpers ---------------------------------------------------- */

void pgc_sqlstate(long detail, char out[6])
{
	unsigned long v = (unsigned long)detail;
	out[0] = '\0';
	if (detail <= 0 || v >= (1ul << 30))
		return;
	for (int i = 0; i < 5; i++) {
		int ch = (int)((v >> (6 * i)) & 0x3f) + '0';
		if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z'))) {
			out[0] = '\0';
			return;
		}
		out[i] = (char)ch;
	}
	out[5] = '\0';
}

long pgc_sqlstate_pack(const char *s)
{
	long v = 0;
	if (!s || strlen(s) != 5)
		return 0;
	for (int i = 0; i < 5; i++)
		v |= (long)((s[i] - '0') & 0x3f) << (6 * i);
	return v;
}

/* Returns s (which it takes over) with every occurrence of each secret
 * replaced by the mask. Done before any truncation, so that no prefix of a
 * secret can survive at a cut. */
static char *scrub(char *s, char *const *secrets, size_t nsecrets)
{
	for (size_t i = 0; i < nsecrets; i++) {
		const char *sec = secrets[i];
		size_t sl = sec ? strlen(sec) : 0;
		if (sl < PGC_MIN_SECRET)
			continue;
		char *p;
		while ((p = strstr(s, sec)) != NULL) {
			struct buf b;
			buf_init(&b);
			buf_append(&b, s, (size_t)(p - s));
			buf_puts(&b, PGC_MASK);
			buf_puts(&b, p + sl);
			free(s);
			s = buf_steal(&b);
		}
	}
	return s;
}

/* Copies a libpq or server message into out as one line: control characters
 * and runs of white space become one space; trailing space goes. */
void pgc_one_line(char *out, size_t n, const char *src)
{
	if (!n)
		return;
	/* Whitespace runs (libpq's multi-line DETAIL/HINT) fold to one space;
	 * every other control goes through the sanitizer like any other
	 * server text: ESC shows as \e, never as a space. */
	size_t len = strlen(src ? src : "");
	char *fold = xmalloc(len + 1);
	size_t o = 0;
	bool space = false;
	for (const unsigned char *p = (const unsigned char *)(src ? src : ""); *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = o > 0;
			continue;
		}
		if (space)
			fold[o++] = ' ';
		space = false;
		fold[o++] = (char)*p;
	}
	san_into(out, n, fold, o);
	free(fold);
}

/* Formats "postgres DISPLAY: what" into err with secrets scrubbed. */
void pgc_conn_err(const struct pgc_conn *c, struct mlc_err *err, int code, long detail,
		  const char *what)
{
	char *full = scrub(xasprintf("postgres %s: %s", c->display, what ? what : ""), c->secrets,
			   ARRAY_LEN(c->secrets));
	char line[sizeof err->msg];
	pgc_one_line(line, sizeof line, full);
	free(full);
	mlc_err_set(err, code, detail, "%s", line);
}

/* Whether a connection failure message is an authentication failure. The
 * texts are the server's and libpq's (English) ones. */
bool pgc_auth_message(const char *m)
{
	static const char *const pats[] = {
	    "password authentication failed", "authentication failed",
	    "no password supplied",	      "pg_hba.conf",
	    "password is required",	      "SCRAM authentication",
	};
	for (size_t i = 0; i < ARRAY_LEN(pats); i++)
		if (m && strstr(m, pats[i]))
			return true;
	return false;
}

static bool is_uri(const char *s)
{
	return str_starts(s, "postgresql://") || str_starts(s, "postgres://");
}

/* Candidate password texts in a raw conninfo, found without libpq so that a
 * string libpq refuses can still be scrubbed from libpq's message: the
 * "password" value(s) and, in a URI, everything between the user's ':' and
 * the last '@'. Returns how many were stored (at most max). */
static int raw_secrets(const char *ci, char **out, int max)
{
	int n = 0;
	bool uri = is_uri(ci);
	if (uri) {
		const char *p = strstr(ci, "://") + 3;
		const char *at = strrchr(p, '@');
		if (at) {
			const char *colon = memchr(p, ':', (size_t)(at - p));
			if (colon && at > colon + 1 && n < max)
				out[n++] = xstrndup(colon + 1, (size_t)(at - colon - 1));
		}
	}
	for (const char *p = ci; (p = strstr(p, "password")) != NULL && n < max;) {
		p += 8;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		const char *e = p;
		if (*p == '\'') {
			e = ++p;
			while (*e && *e != '\'')
				e += (*e == '\\' && e[1]) ? 2 : 1;
		} else {
			while (*e && *e != ' ' && *e != '\t' && *e != '\n' && !(uri && *e == '&'))
				e++;
		}
		if (e > p)
			out[n++] = xstrndup(p, (size_t)(e - p));
		p = e;
	}
	return n;
}

/* Looks key up in section [service] of one pg_service.conf. 1 found (value
 * in *val, or NULL if the section lacks key), 0 service absent, -1 no file. */
static int service_file_get(const char *path, const char *service, const char *const *keys,
			    char **vals, int nkeys)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[1024];
	bool in = false, found = false;
	while (fgets(line, sizeof line, f)) {
		char *s = str_trim(line);
		if (!*s || *s == '#')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (found && in)
				break;
			in = e && (size_t)(e - s - 1) == strlen(service) &&
			     strncmp(s + 1, service, strlen(service)) == 0;
			found = found || in;
			continue;
		}
		char *eq = strchr(s, '=');
		if (!in || !eq)
			continue;
		*eq = '\0';
		str_trim(s);
		for (int i = 0; i < nkeys; i++)
			if (!vals[i] && strcmp(s, keys[i]) == 0)
				vals[i] = xstrdup(str_trim(eq + 1));
	}
	fclose(f);
	return found ? 1 : 0;
}

/* A file in the home directory as libpq 15 finds it (the password database,
 * not $HOME). */
char *pgc_home_file(const char *name)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *home = pw ? pw->pw_dir : getenv("HOME");
	return xasprintf("%s/%s", home ? home : "", name);
}

/* libpq's service file search (user file first, then the system one), for
 * the few keywords pgc must know before connecting. */
static void service_get(const char *service, const char *const *keys, char **vals, int nkeys)
{
	char *path;
	const char *env = getenv("PGSERVICEFILE");
	if (env)
		path = xstrdup(env);
	else
		path = pgc_home_file(".pg_service.conf");
	int rc = service_file_get(path, service, keys, vals, nkeys);
	free(path);
	if (rc == 1)
		return;
	const char *sys = getenv("PGSYSCONFDIR");
	path = xasprintf("%s/pg_service.conf", sys ? sys : "/etc/postgresql-common");
	service_file_get(path, service, keys, vals, nkeys);
	free(path);
}

static void kv_add(struct pgc_conn *c, const char *k, const char *v)
{
	c->keys = xrealloc(c->keys, (size_t)(c->nkv + 2) * sizeof *c->keys);
	c->vals = xrealloc(c->vals, (size_t)(c->nkv + 2) * sizeof *c->vals);
	c->keys[c->nkv] = xstrdup(k);
	c->vals[c->nkv] = xstrdup(v);
	c->nkv++;
	c->keys[c->nkv] = NULL;
	c->vals[c->nkv] = NULL;
}

const char *pgc_kv_get(const struct pgc_conn *c, const char *k)
{
	for (int i = 0; i < c->nkv; i++)
		if (strcmp(c->keys[i], k) == 0)
			return c->vals[i];
	return NULL;
}

static bool numeric_addr(const char *s)
{
	unsigned char b[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* Splits the effective host (and a per-host port list) into hosts[]. */
static void split_hosts(struct pgc_conn *c)
{
	if (!c->host_raw || !*c->host_raw)
		return;
	char **ports = NULL;
	size_t nports = 0;
	if (c->port_raw && strchr(c->port_raw, ',')) {
		ports = xcalloc(strlen(c->port_raw) + 2, sizeof *ports);
		char *dup = xstrdup(c->port_raw), *save = dup;
		for (char *tok; (tok = strsep(&save, ",")) != NULL;)
			ports[nports++] = xstrdup(tok);
		free(dup);
	}
	char *dup = xstrdup(c->host_raw), *save = dup;
	for (char *tok; (tok = strsep(&save, ",")) != NULL;) {
		c->hosts = xrealloc(c->hosts, (size_t)(c->nhosts + 1) * sizeof *c->hosts);
		struct pgc_host *h = &c->hosts[c->nhosts];
		memset(h, 0, sizeof *h);
		h->name = xstrdup(str_trim(tok));
		h->port = (size_t)c->nhosts < nports ? xstrdup(ports[c->nhosts]) : NULL;
		if (!c->hostaddr_raw && *h->name && h->name[0] != '/' && h->name[0] != '@') {
			if (numeric_addr(h->name))
				strlcpy_m(h->addr, h->name, sizeof h->addr);
			else
				h->need_dns = true;
		}
		c->nhosts++;
	}
	free(dup);
	c->port_per_host = nports > 0 && nports == (size_t)c->nhosts;
	free_items(ports, nports, sizeof *ports, free_item_ptr);
}

static void make_display(struct pgc_conn *c, const char *dbname, const char *user)
{
	const char *host = c->host_raw && *c->host_raw		 ? c->host_raw
			   : c->hostaddr_raw && *c->hostaddr_raw ? c->hostaddr_raw
								 : "[local]";
	const char *port = c->port_raw && *c->port_raw ? c->port_raw : "5432";
	const char *db = dbname && *dbname ? dbname : user ? user : "";
	/* A mistyped URI can put the password where the host or port goes. */
	char *d = scrub(xasprintf("%s:%s/%s", host, port, db), c->secrets, ARRAY_LEN(c->secrets));
	strlcpy_m(c->display, d, sizeof c->display);
	free(d);
	for (char *p = c->display; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
}

/* Parses opts->conninfo into keys/vals and the host list, adding mlconsole's
 * session settings. On a parse error only config_err and display are set. */
/* What the conninfo said, beyond the keywords passed on as they are. */
struct ci_seen {
	const char *service, *dbname, *user, *options;
	bool has_app, has_fallback, has_ka, has_gss, has_pw;
};

/* Takes host, hostaddr and port aside (pgc resolves them itself), notes
 * what later steps need, and passes every other keyword on. */
static void take_conninfo(struct pgc_conn *c, const struct pgc_opts *opts, PQconninfoOption *opt,
			  struct ci_seen *seen)
{
	for (PQconninfoOption *o = opt; o->keyword; o++) {
		const char *k = o->keyword, *v = o->val;
		if (!v)
			continue;
		if (strcmp(k, "host") == 0) {
			c->host_raw = xstrdup(v);
			continue;
		}
		if (strcmp(k, "hostaddr") == 0) {
			c->hostaddr_raw = xstrdup(v);
			continue;
		}
		if (strcmp(k, "port") == 0) {
			c->port_raw = xstrdup(v);
			continue;
		}
		if (strcmp(k, "options") == 0) {
			seen->options = v;
			continue;
		}
		if (strcmp(k, "password") == 0) {
			seen->has_pw = true;
			if (opts->password)
				continue;
		}
		if (strcmp(k, "service") == 0)
			seen->service = v;
		else if (strcmp(k, "dbname") == 0)
			seen->dbname = v;
		else if (strcmp(k, "user") == 0)
			seen->user = v;
		else if (strcmp(k, "application_name") == 0)
			seen->has_app = true;
		else if (strcmp(k, "fallback_application_name") == 0)
			seen->has_fallback = true;
		else if (str_starts(k, "keepalives"))
			seen->has_ka = true;
		else if (strcmp(k, "gssencmode") == 0)
			seen->has_gss = true;
		kv_add(c, k, v);
	}
	if (seen->has_pw) {
		for (PQconninfoOption *o = opt; o->keyword; o++)
			if (o->val && strcmp(o->keyword, "password") == 0)
				c->secrets[4] = xstrdup(o->val);
	}
	if (opts->password)
		kv_add(c, "password", opts->password);
}

/* libpq's precedence: conninfo, then the service file, then the
 * environment. pgc must know host/hostaddr/port before libpq does. */
static void take_service_and_env(struct pgc_conn *c, struct ci_seen *seen, char **svals)
{
	static const char *const skeys[] = {"host", "hostaddr", "port",	     "dbname",
					    "user", "options",	"gssencmode"};
	const char *service = seen->service ? seen->service : getenv("PGSERVICE");
	if (service && *service)
		service_get(service, skeys, svals, (int)ARRAY_LEN(skeys));
	static const char *const envs[] = {"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE",
					   "PGUSER"};
	char **slots[] = {&c->host_raw, &c->hostaddr_raw, &c->port_raw};
	for (size_t i = 0; i < ARRAY_LEN(slots); i++) {
		if (*slots[i])
			continue;
		if (svals[i])
			*slots[i] = xstrdup(svals[i]);
		else if (getenv(envs[i]))
			*slots[i] = xstrdup(getenv(envs[i]));
	}
	if (!seen->dbname)
		seen->dbname = svals[3] ? svals[3] : getenv(envs[3]);
	if (!seen->user)
		seen->user = svals[4] ? svals[4] : getenv(envs[4]);
	/* Passing options replaces the service file's and PGOPTIONS: merge. */
	if (!seen->options)
		seen->options = svals[5] ? svals[5] : getenv("PGOPTIONS");
	seen->has_gss = seen->has_gss || svals[6];
}

/* Session settings: ours come last so that they win over the user's. */
static void add_session_settings(struct pgc_conn *c, const struct pgc_opts *opts,
				 const struct ci_seen *seen)
{
	const char *options = seen->options;
	char *o = xasprintf("%s%s-c statement_timeout=%ld%s", options ? options : "",
			    options && *options ? " " : "", c->statement_ms,
			    opts->read_write ? "" : " -c default_transaction_read_only=on");
	kv_add(c, "options", o);
	free(o);
	if (!seen->has_app && !seen->has_fallback)
		kv_add(c, "fallback_application_name",
		       opts->app_name ? opts->app_name : "mlconsole");
	if (!seen->has_ka) {
		kv_add(c, "keepalives", "1");
		kv_add(c, "keepalives_idle", "30");
		kv_add(c, "keepalives_interval", "10");
		kv_add(c, "keepalives_count", "3");
	}
	/* GSS encryption negotiation may call into Kerberos, which can block on
	 * the network: off unless asked for. */
	if (!seen->has_gss)
		kv_add(c, "gssencmode", "disable");
}

void pgc_configure(struct pgc_conn *c, const struct pgc_opts *opts)
{
	const char *ci = opts->conninfo ? opts->conninfo : "";
	char *raw[3] = {0};
	int nraw = raw_secrets(ci, raw, 3);
	for (int i = 0; i < nraw; i++)
		c->secrets[i] = raw[i];
	if (opts->password)
		c->secrets[3] = xstrdup(opts->password);

	char *perr = NULL;
	PQconninfoOption *opt = PQconninfoParse(ci, &perr);
	if (!opt) {
		snprintf(c->display, sizeof c->display, "(invalid conninfo)");
		pgc_conn_err(c, &c->config_err, MLC_ERR_CONFIG, 0, perr ? perr : "out of memory");
		PQfreemem(perr);
		return;
	}
	struct ci_seen seen = {.has_app = getenv("PGAPPNAME") != NULL,
			       .has_gss = getenv("PGGSSENCMODE") != NULL};
	take_conninfo(c, opts, opt, &seen);
	char *svals[7] = {0};
	take_service_and_env(c, &seen, svals);
	make_display(c, seen.dbname, seen.user);
	add_session_settings(c, opts, &seen);
	for (size_t i = 0; i < ARRAY_LEN(svals); i++)
		free(svals[i]);
	PQconninfoFree(opt);
	split_hosts(c);
}

/* ---- connection object ------------------------------------------------ */

/* ---- what the conninfo became (for checks, display, tests) ------------- */

int pgc_conn_check(const struct pgc_conn *c, struct mlc_err *err)
{
	if (c->config_err.code) {
		if (err)
			*err = c->config_err;
		return -c->config_err.code;
	}
	mlc_err_clear(err);
	return 0;
}

const char *pgc_display(const struct pgc_conn *c)
{
	return c ? c->display : "";
}

const char *pgc_server_version(const struct pgc_conn *c)
{
	return c ? c->server_version : "";
}

const char *pgc_conn_param(const struct pgc_conn *c, const char *keyword)
{
	if (strcmp(keyword, "host") == 0)
		return c->sent_host ? c->sent_host : c->host_raw;
	if (strcmp(keyword, "hostaddr") == 0)
		return c->sent_hostaddr ? c->sent_hostaddr : c->hostaddr_raw;
	if (strcmp(keyword, "port") == 0)
		return c->sent_port ? c->sent_port : c->port_raw;
	const char *v = pgc_kv_get(c, keyword);
	if (v && strcmp(keyword, "password") == 0)
		return PGC_MASK;
	return v;
}
