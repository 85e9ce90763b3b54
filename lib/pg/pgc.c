/* lib/pg/pgc.c — PostgreSQL over libpq's asynchronous API on the loop (see pgc.h).
 * Owns every PGconn with its uv_poll watcher and deadline timer. Host names
 * are resolved with loop_resolve and handed to libpq as hostaddr, so neither
 * PQconnectStartParams nor PQconnectPoll waits on DNS. Never calls the
 * blocking PQcancel: a query past its deadline closes its connection. Never
 * logs or reports a password. */
#include "lib/pg/pgc.h"
#include "lib/pg/pgc_int.h"

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

static void on_poll(uv_poll_t *h, int status, int events);
static void on_timer(uv_timer_t *t);
static void kick_cb(void *arg);

struct pgc_conn *pgc_conn_new(const struct pgc_opts *opts)
{
	struct pgc_conn *c = xcalloc(1, sizeof *c);
	c->connect_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : PGC_CONNECT_MS;
	c->statement_ms =
	    opts->statement_timeout_ms > 0 ? opts->statement_timeout_ms : PGC_STATEMENT_MS;
	c->keys = xcalloc(1, sizeof *c->keys);
	c->vals = xcalloc(1, sizeof *c->vals);
	pgc_configure(c, opts);
	c->timer = xmalloc(sizeof *c->timer);
	uv_timer_init(loop_get(), c->timer);
	c->timer->data = c;
	return c;
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
void pgc_close_pg(struct pgc_conn *c)
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
	pgc_clear_mres(c);
	if (c->pg) {
		PQfinish(c->pg);
		c->pg = NULL;
	}
	c->state = ST_DOWN;
	c->connect_deadline = 0;
}

void pgc_clear_mres(struct pgc_conn *c)
{
	for (int i = 0; i < c->nmres; i++)
		PQclear(c->mres[i]);
	free(c->mres);
	c->mres = NULL;
	c->nmres = 0;
	c->multi = false;
}

static void host_free(void *item)
{
	struct pgc_host *h = item;
	free(h->name);
	free(h->port);
}

void pgc_conn_free(struct pgc_conn *c)
{
	if (!c)
		return;
	if (c->kick)
		loop_defer_cancel(c->kick);
	pgc_close_pg(c);
	uv_close((uv_handle_t *)c->timer, handle_free);
	if (c->cur) {
		loop_busy_dec();
		pgc_free_query(c->cur);
	}
	for (struct pgc_query *q = c->head, *next; q; q = next) {
		next = q->next;
		loop_busy_dec();
		pgc_free_query(q);
	}
	for (int i = 0; i < c->nkv; i++) {
		free(c->keys[i]);
		wipe_free(c->vals[i]);
	}
	free(c->keys);
	free(c->vals);
	free_items(c->hosts, (size_t)c->nhosts, sizeof *c->hosts, host_free);
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

void pgc_schedule_kick(struct pgc_conn *c)
{
	if (!c->kick)
		c->kick = loop_defer(kick_cb, c);
}

void pgc_arm_timer(struct pgc_conn *c)
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
void pgc_connect_failed(struct pgc_conn *c, const struct mlc_err *err)
{
	struct mlc_err e = *err;
	struct pgc_query *q = c->cur;
	log_debug("pgc %s: %s", c->display, e.msg);
	c->cur = NULL;
	c->deadline = 0;
	pgc_close_pg(c);
	pgc_arm_timer(c);
	c->fail_err = e;
	c->fail_count = 0;
	for (struct pgc_query *w = c->head; w; w = w->next)
		c->fail_count++;
	if (c->head)
		pgc_schedule_kick(c);
	if (q)
		pgc_deliver(q, NULL, &e);
}

void pgc_connect_failed_msg(struct pgc_conn *c, const char *msg)
{
	struct mlc_err e;
	pgc_conn_err(c, &e, pgc_auth_message(msg) ? MLC_ERR_AUTH : MLC_ERR_CONNECT, 0,
		     msg && *msg ? msg : "connection failed");
	pgc_connect_failed(c, &e);
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
			pgc_schedule_kick(c);
		pgc_deliver(q, NULL, &e);
		return;
	}
	c->cur = q;
	long ms = q->timeout_ms > 0 ? q->timeout_ms : c->connect_ms + c->statement_ms;
	c->deadline = uv_now(loop_get()) + (uint64_t)ms;
	if (c->state == ST_DOWN)
		pgc_start_connect(c);
	else
		pgc_send_query(c);
}

/* ---- socket watching ------------------------------------------------------ */

/* Watches PQsocket() for events. libpq may have closed the socket and opened
 * another one, possibly under the same number: the (fd, inode) pair tells,
 * and a changed socket gets a fresh uv_poll. IDLE connections do not keep
 * the loop alive. Returns -1 when there is no socket. */
int pgc_watch(struct pgc_conn *c, int events)
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

/* ---- queries ---------------------------------------------------------------- */

const char *pgc_res_value(const struct pgc_result *r, int row, int col)
{
	const PGresult *res = r->priv;
	if (row < 0 || row >= r->nrows || col < 0 || col >= r->ncols || PQgetisnull(res, row, col))
		return NULL;
	return PQgetvalue(res, row, col);
}

/* What the last result (or the broken connection) of a query means: fills
 * e when it failed; closes the connection when it is lost or in COPY,
 * else puts it back to idle. */
static void result_error(struct pgc_conn *c, PGresult *res, const char *fail, struct mlc_err *e)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	bool auth = state && (strcmp(state, "28P01") == 0 || strcmp(state, "28000") == 0);
	long detail = pgc_sqlstate_pack(state);
	if (fail || !c->pg || PQstatus(c->pg) == CONNECTION_BAD) {
		char *what = xasprintf("connection lost: %s", primary ? primary
							      : fail  ? fail
							      : c->pg ? PQerrorMessage(c->pg)
								      : "closed");
		pgc_conn_err(c, e, auth ? MLC_ERR_AUTH : MLC_ERR_CONNECT, detail, what);
		free(what);
		log_debug("%s", e->msg);
		pgc_close_pg(c);
		return;
	}
	c->state = ST_IDLE;
	if (pgc_watch(c, UV_READABLE) != 0)
		pgc_close_pg(c);
	if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
		pgc_conn_err(c, e, MLC_ERR_PROTO, 0, "COPY is not supported");
		pgc_close_pg(c);
	} else if (!res) {
		pgc_conn_err(c, e, MLC_ERR_PROTO, 0, "no result");
	} else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY &&
		   st != PGRES_SINGLE_TUPLE) {
		char *what =
		    state ? xasprintf("ERROR %s: %s", state, primary ? primary : PQresStatus(st))
			  : xstrdup(PQresultErrorMessage(res));
		pgc_conn_err(c, e, auth ? MLC_ERR_AUTH : MLC_ERR_PROTO, detail, what);
		free(what);
	}
}

/* Hands q the rows of res (a single-statement query), then frees res. */
static void deliver_rows(struct pgc_query *q, PGresult *res)
{
	int ncols = PQnfields(res);
	const char **names = xcalloc((size_t)ncols + 1, sizeof *names);
	for (int i = 0; i < ncols; i++)
		names[i] = PQfname(res, i);
	struct pgc_result r = {
	    .nrows = PQntuples(res),
	    .ncols = ncols,
	    .colnames = names,
	    .value = pgc_res_value,
	    .priv = res,
	};
	pgc_deliver(q, &r, NULL);
	free(names);
	PQclear(res);
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
	result_error(c, res, fail, &e);
	pgc_arm_timer(c);
	if (c->head)
		pgc_schedule_kick(c);
	if (!q) {
		PQclear(res);
		pgc_clear_mres(c);
		return;
	}
	PGresult **mres = c->mres;
	int nmres = c->nmres;
	c->mres = NULL;
	c->nmres = 0;
	c->multi = false;
	if (e.code || !q->mcb) {
		for (int i = 0; i < nmres; i++)
			PQclear(mres[i]);
		free(mres);
	}
	if (e.code) {
		PQclear(res);
		pgc_deliver(q, NULL, &e);
	} else if (q->mcb) {
		pgc_deliver_multi(q, res, mres, nmres);
	} else {
		deliver_rows(q, res);
	}
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
		} else if (c->multi && PQresultStatus(r) != PGRES_FATAL_ERROR) {
			c->mres = xrealloc(c->mres, (size_t)(c->nmres + 1) * sizeof *c->mres);
			c->mres[c->nmres++] = c->res; /* a statement's result, kept */
			c->res = r;
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
	if (pgc_watch(c, f == 1 ? UV_READABLE | UV_WRITABLE : UV_READABLE) != 0) {
		query_done(c, "no socket");
		return true;
	}
	return false;
}

void pgc_send_query(struct pgc_conn *c)
{
	struct pgc_query *q = c->cur;
	pgc_clear_mres(c);
	c->multi = q->mcb != NULL;
	if (!(c->multi ? PQsendQuery(c->pg, q->sql)
		       : PQsendQueryParams(c->pg, q->sql, q->nparams, NULL,
					   (const char *const *)q->params, NULL, NULL, 0))) {
		if (PQstatus(c->pg) == CONNECTION_BAD) {
			c->state = ST_BUSY;
			query_done(c, PQerrorMessage(c->pg));
			return;
		}
		/* Refused before anything was sent (bad parameter count...). */
		struct mlc_err e;
		pgc_conn_err(c, &e, MLC_ERR_PROTO, 0, PQerrorMessage(c->pg));
		c->cur = NULL;
		c->deadline = 0;
		c->state = ST_IDLE;
		if (pgc_watch(c, UV_READABLE) != 0)
			pgc_close_pg(c);
		pgc_arm_timer(c);
		if (c->head)
			pgc_schedule_kick(c);
		pgc_deliver(q, NULL, &e);
		return;
	}
	c->state = ST_BUSY;
	pgc_arm_timer(c);
	flush_step(c);
}

/* ---- loop callbacks ------------------------------------------------------------ */

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct pgc_conn *c = h->data;
	switch (c->state) {
	case ST_CONNECTING:
		/* An error (refused connect) is libpq's to find and report. */
		pgc_connect_step(c);
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
			pgc_one_line(line, sizeof line, PQerrorMessage(c->pg));
			log_debug("pgc %s: closed while idle: %s", c->display, line);
			pgc_close_pg(c);
			if (c->head)
				pgc_schedule_kick(c);
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

/* The current query ran past its deadline: the connection is closed (the
 * caller delivers the timeout to the query it took), and the queries
 * waiting behind it get a new one. */
static void drop_timed_out(struct pgc_conn *c)
{
	c->cur = NULL;
	c->deadline = 0;
	pgc_close_pg(c);
	pgc_arm_timer(c);
	if (c->head)
		pgc_schedule_kick(c);
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
			pgc_conn_err(c, &e, MLC_ERR_TIMEOUT, 0, what);
			pgc_connect_failed(c, &e);
			return;
		}
		if (c->cur && c->deadline && now >= c->deadline) {
			/* cur's own limit, shorter than the connect's: only cur fails. */
			struct pgc_query *q = c->cur;
			long ms = q->timeout_ms;
			drop_timed_out(c);
			char what[96];
			snprintf(what, sizeof what, "connect timed out after %ld ms", ms);
			pgc_conn_err(c, &e, MLC_ERR_TIMEOUT, 0, what);
			pgc_deliver(q, NULL, &e);
			return;
		}
	} else if (c->state == ST_BUSY && c->deadline && now >= c->deadline) {
		/* PQcancel would block: close the connection instead and let the
		 * server's statement_timeout end the statement. */
		struct pgc_query *q = c->cur;
		char what[96];
		snprintf(what, sizeof what, "query timed out after %ld ms",
			 q && q->timeout_ms > 0 ? q->timeout_ms : c->connect_ms + c->statement_ms);
		pgc_conn_err(c, &e, MLC_ERR_TIMEOUT, 0, what);
		log_debug("%s", e.msg);
		drop_timed_out(c);
		if (q)
			pgc_deliver(q, NULL, &e);
		return;
	}
	pgc_arm_timer(c);
}
