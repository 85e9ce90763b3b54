/* lib/pg/pgc.c — PostgreSQL over libpq's asynchronous API on the loop (see pgc.h).
 * Owns every PGconn with its uv_poll watcher and deadline timer. Host names
 * are resolved with loop_resolve and handed to libpq as hostaddr, so neither
 * PQconnectStartParams nor PQconnectPoll waits on DNS. Never calls the
 * blocking PQcancel: a query past its deadline closes its connection. Never
 * logs or reports a password. */
#include "lib/pg/pgc.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"

#define PGC_CONNECT_MS	 5000
#define PGC_STATEMENT_MS 5000
#define PGC_MASK	 "********"
#define PGC_MIN_SECRET	 4 /* shorter secrets are not scrubbed: they would eat common text */

/* DOWN: no PGconn. RESOLVING: loop_resolve in flight for a host of the list.
 * CONNECTING: PQconnectPoll steps. IDLE: connected, watching for the server
 * closing us. BUSY: a query sent, results being read. */
enum pgc_state { ST_DOWN, ST_RESOLVING, ST_CONNECTING, ST_IDLE, ST_BUSY };

struct pgc_query {
	struct pgc_conn *c;
	struct pgc_query *next;
	char *sql;
	char **params;
	int nparams;
	long timeout_ms;
	pgc_query_cb cb;
	void *arg;
};

/* One element of the host list as libpq will get it. */
struct pgc_host {
	char *name;		     /* "" → libpq's default socket */
	char *port;		     /* matching element of a per-host port list, or NULL */
	char addr[INET6_ADDRSTRLEN]; /* numeric address; "" for sockets or until resolved */
	bool need_dns;
	bool failed;
};

struct pgc_conn {
	/* Configuration, fixed by pgc_conn_new. keys/vals exclude host, hostaddr
	 * and port, which each connect adds from hosts[]. */
	char **keys, **vals;
	int nkv;
	char *host_raw, *hostaddr_raw, *port_raw; /* effective values, NULL when unset */
	struct pgc_host *hosts;
	int nhosts;
	bool port_per_host;
	long connect_ms, statement_ms;
	struct mlc_err config_err;
	char *secrets[6]; /* scrubbed from every message: [0..2] raw, [3] opts, [4] parsed */
	char display[192];
	char *sent_host, *sent_hostaddr, *sent_port; /* of the last connect */

	/* State. */
	enum pgc_state state;
	PGconn *pg;
	uv_poll_t *poll;
	int poll_fd;
	ino_t poll_ino;
	uv_timer_t *timer;
	uint64_t deadline;	   /* loop time limit of cur (0: none) */
	uint64_t connect_deadline; /* loop time limit of the connect in progress */
	uint64_t connect_started;
	struct loop_resolve *resolve;
	int resolve_idx;
	struct mlc_err dns_err;
	struct loop_defer *kick;
	struct pgc_query *head, *tail; /* waiting */
	struct pgc_query *cur;	       /* being connected for or run; NULL when cancelled */
	int fail_count;		       /* the first fail_count waiting queries fail with fail_err */
	struct mlc_err fail_err;
	PGresult *res; /* result being collected */
	char server_version[64];
};

static void on_poll(uv_poll_t *h, int status, int events);
static void on_timer(uv_timer_t *t);
static void kick_cb(void *arg);
static void start_connect(struct pgc_conn *c);
static void send_query(struct pgc_conn *c);

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

static long sqlstate_pack(const char *s)
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
static void one_line(char *out, size_t n, const char *src)
{
	size_t o = 0;
	bool space = false;
	if (!n)
		return;
	for (const unsigned char *p = (const unsigned char *)(src ? src : ""); *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == ' ') {
			space = o > 0;
			continue;
		}
		if (space && o + 1 < n)
			out[o++] = ' ';
		space = false;
		if (o + 1 < n)
			out[o++] = (char)*p;
	}
	out[o] = '\0';
}

/* Formats "postgres DISPLAY: what" into err with secrets scrubbed. */
static void conn_err(const struct pgc_conn *c, struct mlc_err *err, int code, long detail,
		     const char *what)
{
	char *full = scrub(xasprintf("postgres %s: %s", c->display, what ? what : ""), c->secrets,
			   ARRAY_LEN(c->secrets));
	char line[sizeof err->msg];
	one_line(line, sizeof line, full);
	free(full);
	mlc_err_set(err, code, detail, "%s", line);
}

/* Whether a connection failure message is an authentication failure. The
 * texts are the server's and libpq's (English) ones. */
static bool auth_message(const char *m)
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
static char *home_file(const char *name)
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
		path = home_file(".pg_service.conf");
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

static const char *kv_get(const struct pgc_conn *c, const char *k)
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
	for (size_t i = 0; i < nports; i++)
		free(ports[i]);
	free(ports);
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
static void configure(struct pgc_conn *c, const struct pgc_opts *opts)
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
		conn_err(c, &c->config_err, MLC_ERR_CONFIG, 0, perr ? perr : "out of memory");
		PQfreemem(perr);
		return;
	}
	const char *service = NULL, *dbname = NULL, *user = NULL, *options = NULL;
	bool has_app = getenv("PGAPPNAME") != NULL, has_fallback = false;
	bool has_ka = false, has_gss = getenv("PGGSSENCMODE") != NULL, has_pw = false;
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
			options = v;
			continue;
		}
		if (strcmp(k, "password") == 0) {
			has_pw = true;
			if (opts->password)
				continue;
		}
		if (strcmp(k, "service") == 0)
			service = v;
		else if (strcmp(k, "dbname") == 0)
			dbname = v;
		else if (strcmp(k, "user") == 0)
			user = v;
		else if (strcmp(k, "application_name") == 0)
			has_app = true;
		else if (strcmp(k, "fallback_application_name") == 0)
			has_fallback = true;
		else if (str_starts(k, "keepalives"))
			has_ka = true;
		else if (strcmp(k, "gssencmode") == 0)
			has_gss = true;
		kv_add(c, k, v);
	}
	if (has_pw) {
		for (PQconninfoOption *o = opt; o->keyword; o++)
			if (o->val && strcmp(o->keyword, "password") == 0)
				c->secrets[4] = xstrdup(o->val);
	}
	if (opts->password)
		kv_add(c, "password", opts->password);

	/* libpq's precedence: conninfo, then the service file, then the
	 * environment. pgc must know host/hostaddr/port before libpq does. */
	static const char *const skeys[] = {"host", "hostaddr", "port",	     "dbname",
					    "user", "options",	"gssencmode"};
	char *svals[ARRAY_LEN(skeys)] = {0};
	if (!service)
		service = getenv("PGSERVICE");
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
	if (!dbname)
		dbname = svals[3] ? svals[3] : getenv(envs[3]);
	if (!user)
		user = svals[4] ? svals[4] : getenv(envs[4]);
	make_display(c, dbname, user);
	/* Passing options replaces the service file's and PGOPTIONS: merge. */
	if (!options)
		options = svals[5] ? svals[5] : getenv("PGOPTIONS");
	has_gss = has_gss || svals[6];

	/* Session settings: ours come last so that they win over the user's. */
	char *o = xasprintf("%s%s-c statement_timeout=%ld%s", options ? options : "",
			    options && *options ? " " : "", c->statement_ms,
			    opts->read_write ? "" : " -c default_transaction_read_only=on");
	kv_add(c, "options", o);
	free(o);
	for (size_t i = 0; i < ARRAY_LEN(svals); i++)
		free(svals[i]);
	if (!has_app && !has_fallback)
		kv_add(c, "fallback_application_name", "mlconsole");
	if (!has_ka) {
		kv_add(c, "keepalives", "1");
		kv_add(c, "keepalives_idle", "30");
		kv_add(c, "keepalives_interval", "10");
		kv_add(c, "keepalives_count", "3");
	}
	/* GSS encryption negotiation may call into Kerberos, which can block on
	 * the network: off unless asked for. */
	if (!has_gss)
		kv_add(c, "gssencmode", "disable");
	PQconninfoFree(opt);
	split_hosts(c);
}

/* ---- connection object ------------------------------------------------ */

struct pgc_conn *pgc_conn_new(const struct pgc_opts *opts)
{
	struct pgc_conn *c = xcalloc(1, sizeof *c);
	c->connect_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : PGC_CONNECT_MS;
	c->statement_ms =
	    opts->statement_timeout_ms > 0 ? opts->statement_timeout_ms : PGC_STATEMENT_MS;
	c->keys = xcalloc(1, sizeof *c->keys);
	c->vals = xcalloc(1, sizeof *c->vals);
	configure(c, opts);
	c->timer = xmalloc(sizeof *c->timer);
	uv_timer_init(loop_get(), c->timer);
	c->timer->data = c;
	return c;
}

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
	const char *v = kv_get(c, keyword);
	if (v && strcmp(keyword, "password") == 0)
		return PGC_MASK;
	return v;
}

static void handle_free(uv_handle_t *h)
{
	free(h);
}

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Drops the libpq connection and everything watching it. The uv_poll goes
 * first: closing it takes the fd out of epoll before PQfinish closes it. */
static void close_pg(struct pgc_conn *c)
{
	if (c->resolve) {
		loop_resolve_cancel(c->resolve);
		c->resolve = NULL;
	}
	if (c->poll) {
		uv_close((uv_handle_t *)c->poll, handle_free);
		c->poll = NULL;
	}
	if (c->res) {
		PQclear(c->res);
		c->res = NULL;
	}
	if (c->pg) {
		PQfinish(c->pg);
		c->pg = NULL;
	}
	c->state = ST_DOWN;
	c->connect_deadline = 0;
}

static void free_query(struct pgc_query *q)
{
	free(q->sql);
	for (int i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q->params);
	free(q);
}

void pgc_conn_free(struct pgc_conn *c)
{
	if (!c)
		return;
	if (c->kick)
		loop_defer_cancel(c->kick);
	close_pg(c);
	uv_close((uv_handle_t *)c->timer, handle_free);
	if (c->cur) {
		loop_busy_dec();
		free_query(c->cur);
	}
	for (struct pgc_query *q = c->head, *next; q; q = next) {
		next = q->next;
		loop_busy_dec();
		free_query(q);
	}
	for (int i = 0; i < c->nkv; i++) {
		free(c->keys[i]);
		wipe_free(c->vals[i]);
	}
	free(c->keys);
	free(c->vals);
	for (int i = 0; i < c->nhosts; i++) {
		free(c->hosts[i].name);
		free(c->hosts[i].port);
	}
	free(c->hosts);
	free(c->host_raw);
	free(c->hostaddr_raw);
	free(c->port_raw);
	free(c->sent_host);
	free(c->sent_hostaddr);
	free(c->sent_port);
	for (size_t i = 0; i < ARRAY_LEN(c->secrets); i++)
		wipe_free(c->secrets[i]);
	free(c);
}

/* ---- scheduling --------------------------------------------------------- */

static void schedule_kick(struct pgc_conn *c)
{
	if (!c->kick)
		c->kick = loop_defer(kick_cb, c);
}

/* Calls the query's callback and frees it. q is already detached from its
 * connection, which may be freed by the callback: callers touch c no more. */
static void deliver(struct pgc_query *q, const struct pgc_result *r, const struct mlc_err *err)
{
	if (q->cb)
		q->cb(r, err, q->arg);
	loop_busy_dec();
	free_query(q);
}

static void arm_timer(struct pgc_conn *c)
{
	uint64_t t = (c->cur || c->state == ST_BUSY) ? c->deadline : 0;
	if ((c->state == ST_RESOLVING || c->state == ST_CONNECTING) && c->connect_deadline &&
	    (!t || c->connect_deadline < t))
		t = c->connect_deadline;
	if (!t) {
		uv_timer_stop(c->timer);
		return;
	}
	uint64_t now = uv_now(loop_get());
	uv_timer_start(c->timer, on_timer, t > now ? t - now : 0, 0);
}

/* A connect attempt failed: cur and every query waiting now fail with err
 * (one per loop turn); later queries try again. */
static void connect_failed(struct pgc_conn *c, const struct mlc_err *err)
{
	struct mlc_err e = *err;
	struct pgc_query *q = c->cur;
	log_debug("pgc %s: %s", c->display, e.msg);
	c->cur = NULL;
	c->deadline = 0;
	close_pg(c);
	arm_timer(c);
	c->fail_err = e;
	c->fail_count = 0;
	for (struct pgc_query *w = c->head; w; w = w->next)
		c->fail_count++;
	if (c->head)
		schedule_kick(c);
	if (q)
		deliver(q, NULL, &e);
}

static void connect_failed_msg(struct pgc_conn *c, const char *msg)
{
	struct mlc_err e;
	conn_err(c, &e, auth_message(msg) ? MLC_ERR_AUTH : MLC_ERR_CONNECT, 0,
		 msg && *msg ? msg : "connection failed");
	connect_failed(c, &e);
}

/* Runs the next waiting query when the connection is free. */
static void kick_cb(void *arg)
{
	struct pgc_conn *c = arg;
	c->kick = NULL;
	if (c->cur || (c->state != ST_DOWN && c->state != ST_IDLE) || !c->head)
		return;
	struct pgc_query *q = c->head;
	c->head = q->next;
	if (!c->head)
		c->tail = NULL;
	q->next = NULL;
	struct mlc_err e;
	if (c->fail_count > 0 || c->config_err.code || !q->sql) {
		if (c->fail_count > 0) {
			c->fail_count--;
			e = c->fail_err;
		} else if (c->config_err.code) {
			e = c->config_err;
		} else {
			mlc_err_set(&e, MLC_ERR_USAGE, 0, "postgres %s: no SQL", c->display);
		}
		if (c->head)
			schedule_kick(c);
		deliver(q, NULL, &e);
		return;
	}
	c->cur = q;
	long ms = q->timeout_ms > 0 ? q->timeout_ms : c->connect_ms + c->statement_ms;
	c->deadline = uv_now(loop_get()) + (uint64_t)ms;
	if (c->state == ST_DOWN)
		start_connect(c);
	else
		send_query(c);
}

/* ---- socket watching ------------------------------------------------------ */

/* Watches PQsocket() for events. libpq may have closed the socket and opened
 * another one, possibly under the same number: the (fd, inode) pair tells,
 * and a changed socket gets a fresh uv_poll. IDLE connections do not keep
 * the loop alive. Returns -1 when there is no socket. */
static int watch(struct pgc_conn *c, int events)
{
	int fd = PQsocket(c->pg);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		return -1;
	if (c->poll && (c->poll_fd != fd || c->poll_ino != st.st_ino)) {
		log_debug("pgc %s: libpq moved from socket %d to %d%s", c->display, c->poll_fd, fd,
			  c->poll_fd == fd ? " (number reused)" : "");
		uv_close((uv_handle_t *)c->poll, handle_free);
		c->poll = NULL;
	}
	if (!c->poll) {
		c->poll = xmalloc(sizeof *c->poll);
		if (uv_poll_init_socket(loop_get(), c->poll, fd) != 0) {
			free(c->poll);
			c->poll = NULL;
			return -1;
		}
		c->poll->data = c;
		c->poll_fd = fd;
		c->poll_ino = st.st_ino;
	}
	if (uv_poll_start(c->poll, events, on_poll) != 0)
		return -1;
	if (c->state == ST_IDLE)
		uv_unref((uv_handle_t *)c->poll);
	else
		uv_ref((uv_handle_t *)c->poll);
	return 0;
}

/* ---- connecting ------------------------------------------------------------ */

static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	char line[256];
	one_line(line, sizeof line, message);
	log_debug("pgc: server notice: %s", line);
}

static char *join_hosts(const struct pgc_conn *c, int what)
{
	struct buf b;
	buf_init(&b);
	bool first = true;
	for (int i = 0; i < c->nhosts; i++) {
		const struct pgc_host *h = &c->hosts[i];
		if (h->failed)
			continue;
		if (!first)
			buf_puts(&b, ",");
		first = false;
		buf_puts(&b, what == 0 ? h->name : what == 1 ? h->addr : h->port ? h->port : "");
	}
	return buf_steal(&b);
}

/* libpq prints a warning on stderr (under the screen) when the password
 * file it would read is group/world accessible, then ignores it. Check the
 * same file first: when libpq would complain, log instead and point libpq
 * at no file. Returns true in that case. */
static bool pgpass_guard(const struct pgc_conn *c)
{
	const char *pw = getenv("PGPASSWORD");
	if (kv_get(c, "password") || (pw && *pw))
		return false;
	const char *f = kv_get(c, "passfile");
	if (!f || !*f)
		f = getenv("PGPASSFILE");
	char *path = f && *f ? xstrdup(f) : home_file(".pgpass");
	struct stat st;
	bool bad = false;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			log_warn("pgc %s: password file %s is not a plain file: ignored",
				 c->display, path);
			bad = true;
		} else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
			log_warn("pgc %s: password file %s has group or world access: ignored "
				 "(chmod 0600 it)",
				 c->display, path);
			bad = true;
		}
	}
	free(path);
	return bad;
}

static void do_connect(struct pgc_conn *c)
{
	free(c->sent_host);
	free(c->sent_hostaddr);
	free(c->sent_port);
	c->sent_host = c->sent_hostaddr = c->sent_port = NULL;
	if (c->hostaddr_raw) {
		c->sent_host = c->host_raw ? xstrdup(c->host_raw) : NULL;
		c->sent_hostaddr = xstrdup(c->hostaddr_raw);
		c->sent_port = c->port_raw ? xstrdup(c->port_raw) : NULL;
	} else if (c->nhosts > 0) {
		c->sent_host = join_hosts(c, 0);
		c->sent_hostaddr = join_hosts(c, 1);
		c->sent_port = c->port_per_host ? join_hosts(c, 2)
			       : c->port_raw	? xstrdup(c->port_raw)
						: NULL;
		/* An all-empty hostaddr list (sockets only) is left out. */
		if (strspn(c->sent_hostaddr, ",") == strlen(c->sent_hostaddr)) {
			free(c->sent_hostaddr);
			c->sent_hostaddr = NULL;
		}
	} else {
		c->sent_port = c->port_raw ? xstrdup(c->port_raw) : NULL;
	}
	const char **k = xcalloc((size_t)c->nkv + 5, sizeof *k);
	const char **v = xcalloc((size_t)c->nkv + 5, sizeof *v);
	int n = 0;
	for (int i = 0; i < c->nkv; i++, n++) {
		k[n] = c->keys[i];
		v[n] = c->vals[i];
	}
	const char *extra_k[] = {"host", "hostaddr", "port", "passfile"};
	const char *extra_v[] = {c->sent_host, c->sent_hostaddr, c->sent_port,
				 pgpass_guard(c) ? "/dev/null/pgc-ignored" : NULL};
	for (int i = 0; i < 4; i++)
		if (extra_v[i]) {
			k[n] = extra_k[i];
			v[n++] = extra_v[i];
		}
	c->pg = PQconnectStartParams(k, v, 0);
	free(k);
	free(v);
	if (!c->pg) {
		connect_failed_msg(c, "out of memory");
		return;
	}
	PQsetNoticeProcessor(c->pg, quiet_notice, NULL);
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		connect_failed_msg(c, PQerrorMessage(c->pg));
		return;
	}
	c->state = ST_CONNECTING;
	/* Just after PQconnectStart, behave as if PQconnectPoll said WRITING. */
	if (watch(c, UV_WRITABLE) != 0)
		connect_failed_msg(c, "no socket");
}

static void on_resolved(const struct sockaddr *sa, socklen_t salen, const struct mlc_err *err,
			void *arg);

/* Resolves the next host that needs it, or connects when none is left. */
static void next_resolve(struct pgc_conn *c)
{
	for (; c->resolve_idx < c->nhosts; c->resolve_idx++) {
		struct pgc_host *h = &c->hosts[c->resolve_idx];
		if (h->need_dns) {
			c->resolve = loop_resolve(h->name, 5432, on_resolved, c);
			return;
		}
	}
	int usable = 0;
	for (int i = 0; i < c->nhosts; i++)
		usable += !c->hosts[i].failed;
	if (c->nhosts > 0 && usable == 0) {
		struct mlc_err e = c->dns_err;
		connect_failed(c, &e);
		return;
	}
	do_connect(c);
}

static void on_resolved(const struct sockaddr *sa, socklen_t salen, const struct mlc_err *err,
			void *arg)
{
	(void)salen;
	struct pgc_conn *c = arg;
	struct pgc_host *h = &c->hosts[c->resolve_idx];
	c->resolve = NULL;
	if (err) {
		h->failed = true;
		conn_err(c, &c->dns_err, MLC_ERR_DNS, err->detail, err->msg);
	} else {
		loop_sa_ntop(sa, h->addr, sizeof h->addr);
	}
	c->resolve_idx++;
	next_resolve(c);
}

static void start_connect(struct pgc_conn *c)
{
	uint64_t now = uv_now(loop_get());
	c->state = ST_RESOLVING;
	c->connect_started = now;
	c->connect_deadline = now + (uint64_t)c->connect_ms;
	c->server_version[0] = '\0';
	arm_timer(c);
	c->resolve_idx = 0;
	mlc_err_clear(&c->dns_err);
	for (int i = 0; i < c->nhosts; i++) {
		c->hosts[i].failed = false;
		if (c->hosts[i].need_dns)
			c->hosts[i].addr[0] = '\0';
	}
	next_resolve(c);
}

static void connected(struct pgc_conn *c)
{
	if (PQsetnonblocking(c->pg, 1) != 0) {
		connect_failed_msg(c, PQerrorMessage(c->pg));
		return;
	}
	/* Debian reports "15.20 (Debian 15.20-0+deb12u1)": keep the number. */
	const char *v = PQparameterStatus(c->pg, "server_version");
	strlcpy_m(c->server_version, v ? v : "", sizeof c->server_version);
	c->server_version[strcspn(c->server_version, " ")] = '\0';
	log_debug("pgc %s: connected in %ld ms (server %s)", c->display,
		  (long)(uv_now(loop_get()) - c->connect_started), c->server_version);
	c->state = ST_IDLE;
	c->connect_deadline = 0;
	if (c->cur) {
		send_query(c);
		return;
	}
	if (watch(c, UV_READABLE) != 0) {
		close_pg(c);
	}
	arm_timer(c);
	if (c->head)
		schedule_kick(c);
}

static void connect_step(struct pgc_conn *c)
{
	switch (PQconnectPoll(c->pg)) {
	case PGRES_POLLING_OK:
		connected(c);
		return;
	case PGRES_POLLING_READING:
		if (watch(c, UV_READABLE) != 0)
			connect_failed_msg(c, PQerrorMessage(c->pg));
		return;
	case PGRES_POLLING_WRITING:
		if (watch(c, UV_WRITABLE) != 0)
			connect_failed_msg(c, PQerrorMessage(c->pg));
		return;
	default:
		connect_failed_msg(c, PQerrorMessage(c->pg));
		return;
	}
}

/* ---- queries ---------------------------------------------------------------- */

static const char *res_value(const struct pgc_result *r, int row, int col)
{
	const PGresult *res = r->priv;
	if (row < 0 || row >= r->nrows || col < 0 || col >= r->ncols || PQgetisnull(res, row, col))
		return NULL;
	return PQgetvalue(res, row, col);
}

/* A query's results are all in (or the connection broke): report them. */
static void query_done(struct pgc_conn *c, const char *fail)
{
	PGresult *res = c->res;
	struct pgc_query *q = c->cur;
	struct mlc_err e;
	mlc_err_clear(&e);
	c->res = NULL;
	c->cur = NULL;
	c->deadline = 0;
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	bool auth = state && (strcmp(state, "28P01") == 0 || strcmp(state, "28000") == 0);
	long detail = sqlstate_pack(state);
	if (fail || !c->pg || PQstatus(c->pg) == CONNECTION_BAD) {
		char *what = xasprintf("connection lost: %s", primary ? primary
							      : fail  ? fail
							      : c->pg ? PQerrorMessage(c->pg)
								      : "closed");
		conn_err(c, &e, auth ? MLC_ERR_AUTH : MLC_ERR_CONNECT, detail, what);
		free(what);
		log_debug("%s", e.msg);
		close_pg(c);
	} else {
		c->state = ST_IDLE;
		if (watch(c, UV_READABLE) != 0)
			close_pg(c);
		if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
			conn_err(c, &e, MLC_ERR_PROTO, 0, "COPY is not supported");
			close_pg(c);
		} else if (!res) {
			conn_err(c, &e, MLC_ERR_PROTO, 0, "no result");
		} else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK &&
			   st != PGRES_EMPTY_QUERY && st != PGRES_SINGLE_TUPLE) {
			char *what = state ? xasprintf("ERROR %s: %s", state,
						       primary ? primary : PQresStatus(st))
					   : xstrdup(PQresultErrorMessage(res));
			conn_err(c, &e, auth ? MLC_ERR_AUTH : MLC_ERR_PROTO, detail, what);
			free(what);
		}
	}
	arm_timer(c);
	if (c->head)
		schedule_kick(c);
	if (!q) {
		PQclear(res);
		return;
	}
	if (e.code) {
		PQclear(res);
		deliver(q, NULL, &e);
		return;
	}
	int ncols = PQnfields(res);
	const char **names = xcalloc((size_t)ncols + 1, sizeof *names);
	for (int i = 0; i < ncols; i++)
		names[i] = PQfname(res, i);
	struct pgc_result r = {
	    .nrows = PQntuples(res),
	    .ncols = ncols,
	    .colnames = names,
	    .value = res_value,
	    .priv = res,
	};
	deliver(q, &r, NULL);
	free(names);
	PQclear(res);
}

/* Reads what the server sent and collects results until libpq has none left;
 * the first error result wins over later ones. */
static bool read_step(struct pgc_conn *c)
{
	PQconsumeInput(c->pg); /* on failure the connection is BAD and PQisBusy false */
	for (int guard = 0; !PQisBusy(c->pg) && guard < 1000; guard++) {
		PGresult *r = PQgetResult(c->pg);
		if (!r) {
			query_done(c, NULL);
			return true;
		}
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
			PQclear(c->res);
			c->res = r;
			query_done(c, NULL);
			return true;
		}
		if (!c->res) {
			c->res = r;
		} else if (PQresultStatus(c->res) == PGRES_FATAL_ERROR) {
			PQclear(r);
		} else {
			PQclear(c->res);
			c->res = r;
		}
	}
	return false;
}

static bool flush_step(struct pgc_conn *c)
{
	int f = PQflush(c->pg);
	if (f < 0) {
		query_done(c, PQerrorMessage(c->pg));
		return true;
	}
	if (watch(c, f == 1 ? UV_READABLE | UV_WRITABLE : UV_READABLE) != 0) {
		query_done(c, "no socket");
		return true;
	}
	return false;
}

static void send_query(struct pgc_conn *c)
{
	struct pgc_query *q = c->cur;
	if (!PQsendQueryParams(c->pg, q->sql, q->nparams, NULL, (const char *const *)q->params,
			       NULL, NULL, 0)) {
		if (PQstatus(c->pg) == CONNECTION_BAD) {
			c->state = ST_BUSY;
			query_done(c, PQerrorMessage(c->pg));
			return;
		}
		/* Refused before anything was sent (bad parameter count...). */
		struct mlc_err e;
		conn_err(c, &e, MLC_ERR_PROTO, 0, PQerrorMessage(c->pg));
		c->cur = NULL;
		c->deadline = 0;
		c->state = ST_IDLE;
		if (watch(c, UV_READABLE) != 0)
			close_pg(c);
		arm_timer(c);
		if (c->head)
			schedule_kick(c);
		deliver(q, NULL, &e);
		return;
	}
	c->state = ST_BUSY;
	arm_timer(c);
	flush_step(c);
}

/* ---- loop callbacks ------------------------------------------------------------ */

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct pgc_conn *c = h->data;
	switch (c->state) {
	case ST_CONNECTING:
		/* An error (refused connect) is libpq's to find and report. */
		connect_step(c);
		return;
	case ST_BUSY:
		/* After query_done the callback may have freed c: return at once. */
		if (status < 0) {
			if (!read_step(c))
				query_done(c, uv_strerror(status));
			return;
		}
		if ((events & UV_WRITABLE) && flush_step(c))
			return;
		if (events & UV_READABLE)
			read_step(c);
		return;
	case ST_IDLE: {
		/* Nothing is expected: the server is closing the session, or it
		 * sent a notice or a parameter change. */
		if (status < 0 || !PQconsumeInput(c->pg) || PQstatus(c->pg) == CONNECTION_BAD) {
			char line[256];
			one_line(line, sizeof line, PQerrorMessage(c->pg));
			log_debug("pgc %s: closed while idle: %s", c->display, line);
			close_pg(c);
			if (c->head)
				schedule_kick(c);
			return;
		}
		PGnotify *n;
		while ((n = PQnotifies(c->pg)) != NULL)
			PQfreemem(n);
		return;
	}
	default:
		return;
	}
}

static void on_timer(uv_timer_t *t)
{
	struct pgc_conn *c = t->data;
	uint64_t now = uv_now(loop_get());
	struct mlc_err e;
	if (c->state == ST_RESOLVING || c->state == ST_CONNECTING) {
		if (c->connect_deadline && now >= c->connect_deadline) {
			char what[96];
			snprintf(what, sizeof what, "connect timed out after %ld ms",
				 (long)(now - c->connect_started));
			conn_err(c, &e, MLC_ERR_TIMEOUT, 0, what);
			connect_failed(c, &e);
			return;
		}
		if (c->cur && c->deadline && now >= c->deadline) {
			/* cur's own limit, shorter than the connect's: only cur fails. */
			struct pgc_query *q = c->cur;
			long ms = q->timeout_ms;
			c->cur = NULL;
			c->deadline = 0;
			close_pg(c);
			arm_timer(c);
			if (c->head)
				schedule_kick(c);
			char what[96];
			snprintf(what, sizeof what, "connect timed out after %ld ms", ms);
			conn_err(c, &e, MLC_ERR_TIMEOUT, 0, what);
			deliver(q, NULL, &e);
			return;
		}
	} else if (c->state == ST_BUSY && c->deadline && now >= c->deadline) {
		/* PQcancel would block: close the connection instead and let the
		 * server's statement_timeout end the statement. */
		struct pgc_query *q = c->cur;
		char what[96];
		snprintf(what, sizeof what, "query timed out after %ld ms",
			 q && q->timeout_ms > 0 ? q->timeout_ms : c->connect_ms + c->statement_ms);
		conn_err(c, &e, MLC_ERR_TIMEOUT, 0, what);
		log_debug("%s", e.msg);
		c->cur = NULL;
		c->deadline = 0;
		close_pg(c);
		arm_timer(c);
		if (c->head)
			schedule_kick(c);
		if (q)
			deliver(q, NULL, &e);
		return;
	}
	arm_timer(c);
}

/* ---- public query API ------------------------------------------------------------ */

struct pgc_query *pgc_query(struct pgc_conn *c, const char *sql, const char *const *params,
			    int nparams, long timeout_ms, pgc_query_cb cb, void *arg)
{
	if (!c)
		return NULL;
	struct pgc_query *q = xcalloc(1, sizeof *q);
	q->c = c;
	q->sql = sql ? xstrdup(sql) : NULL;
	q->nparams = nparams > 0 ? nparams : 0;
	q->params = xcalloc((size_t)q->nparams + 1, sizeof *q->params);
	for (int i = 0; i < q->nparams; i++)
		q->params[i] = params && params[i] ? xstrdup(params[i]) : NULL;
	q->timeout_ms = timeout_ms;
	q->cb = cb;
	q->arg = arg;
	if (c->tail)
		c->tail->next = q;
	else
		c->head = q;
	c->tail = q;
	loop_busy_inc();
	schedule_kick(c);
	return q;
}

/* Cancels a query: its callback will not run. A waiting query leaves the
 * queue; a running one is abandoned (its results are read and dropped, and
 * its deadline still bounds it); a connect in progress goes on for the next. */
void pgc_query_cancel(struct pgc_query *q)
{
	if (!q)
		return;
	struct pgc_conn *c = q->c;
	if (c->cur == q) {
		c->cur = NULL;
		if (c->state != ST_BUSY) {
			c->deadline = 0;
			arm_timer(c);
		}
	} else {
		int idx = 0;
		for (struct pgc_query **pp = &c->head; *pp; pp = &(*pp)->next, idx++) {
			if (*pp != q)
				continue;
			*pp = q->next;
			if (c->tail == q) {
				c->tail = NULL;
				for (struct pgc_query *w = c->head; w; w = w->next)
					c->tail = w;
			}
			if (idx < c->fail_count)
				c->fail_count--;
			break;
		}
	}
	loop_busy_dec();
	free_query(q);
}
