/* lib/pg/pgc_connect.c — connecting a PostgreSQL client: resolve each host
 * of the list with loop_resolve, hand libpq numeric addresses, step
 * PQconnectPoll, guard ~/.pgpass, and note the server version. Never waits on
 * DNS or the network; never logs or reports a password. */
#include "lib/pg/pgc_int.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"

/* ---- connecting ------------------------------------------------------------ */

static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	char line[256];
	pgc_one_line(line, sizeof line, message);
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
	if (pgc_kv_get(c, "password") || (pw && *pw))
		return false;
	const char *f = pgc_kv_get(c, "passfile");
	if (!f || !*f)
		f = getenv("PGPASSFILE");
	char *path = f && *f ? xstrdup(f) : pgc_home_file(".pgpass");
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
		pgc_connect_failed_msg(c, "out of memory");
		return;
	}
	PQsetNoticeProcessor(c->pg, quiet_notice, NULL);
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		pgc_connect_failed_msg(c, PQerrorMessage(c->pg));
		return;
	}
	c->state = ST_CONNECTING;
	/* Just after PQconnectStart, behave as if PQconnectPoll said WRITING. */
	if (pgc_watch(c, UV_WRITABLE) != 0)
		pgc_connect_failed_msg(c, "no socket");
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
		pgc_connect_failed(c, &e);
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
		pgc_conn_err(c, &c->dns_err, MLC_ERR_DNS, err->detail, err->msg);
	} else {
		loop_sa_ntop(sa, h->addr, sizeof h->addr);
	}
	c->resolve_idx++;
	next_resolve(c);
}

void pgc_start_connect(struct pgc_conn *c)
{
	uint64_t now = uv_now(loop_get());
	c->state = ST_RESOLVING;
	c->connect_started = now;
	c->connect_deadline = now + (uint64_t)c->connect_ms;
	c->server_version[0] = '\0';
	pgc_arm_timer(c);
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
		pgc_connect_failed_msg(c, PQerrorMessage(c->pg));
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
		pgc_send_query(c);
		return;
	}
	if (pgc_watch(c, UV_READABLE) != 0) {
		pgc_close_pg(c);
	}
	pgc_arm_timer(c);
	if (c->head)
		pgc_schedule_kick(c);
}

void pgc_connect_step(struct pgc_conn *c)
{
	switch (PQconnectPoll(c->pg)) {
	case PGRES_POLLING_OK:
		connected(c);
		return;
	case PGRES_POLLING_READING:
		if (pgc_watch(c, UV_READABLE) != 0)
			pgc_connect_failed_msg(c, PQerrorMessage(c->pg));
		return;
	case PGRES_POLLING_WRITING:
		if (pgc_watch(c, UV_WRITABLE) != 0)
			pgc_connect_failed_msg(c, PQerrorMessage(c->pg));
		return;
	default:
		pgc_connect_failed_msg(c, PQerrorMessage(c->pg));
		return;
	}
}
