/* lib/pg/pgc_query.c — the public query API of the PostgreSQL client:
 * queueing a query (one statement with parameters, or several sent as one
 * simple query), cancelling it, and delivering its results exactly once.
 * The socket work that runs them is pgc.c's. Never blocks. */
#include <libpq-fe.h>
#include <stdlib.h>

#include "lib/core/util.h"
#include "lib/pg/pgc_int.h"

void pgc_free_query(struct pgc_query *q)
{
	free(q->sql);
	free_items(q->params, (size_t)q->nparams, sizeof *q->params, free_item_ptr);
	free(q);
}

/* Calls the query's callback and frees it. q is already detached from its
 * connection, which may be freed by the callback: callers touch c no more. */
void pgc_deliver(struct pgc_query *q, const struct pgc_result *r, const struct mlc_err *err)
{
	if (q->mcb)
		q->mcb(r, r ? 1 : 0, err, q->arg);
	else if (q->cb)
		q->cb(r, err, q->arg);
	loop_busy_dec();
	pgc_free_query(q);
}

/* A multi query's results: mres (owned, freed here) then last. */
void pgc_deliver_multi(struct pgc_query *q, PGresult *last, PGresult **mres, int nmres)
{
	int n = nmres + 1;
	struct pgc_result *rs = xcalloc((size_t)n, sizeof *rs);
	const char ***names = xcalloc((size_t)n, sizeof *names);
	for (int i = 0; i < n; i++) {
		PGresult *res = i < nmres ? mres[i] : last;
		int ncols = PQnfields(res);
		names[i] = xcalloc((size_t)ncols + 1, sizeof **names);
		for (int k = 0; k < ncols; k++)
			names[i][k] = PQfname(res, k);
		rs[i] = (struct pgc_result){.nrows = PQntuples(res),
					    .ncols = ncols,
					    .colnames = names[i],
					    .value = pgc_res_value,
					    .priv = res};
	}
	q->mcb(rs, n, NULL, q->arg);
	for (int i = 0; i < n; i++) {
		PQclear(rs[i].priv);
		free(names[i]);
	}
	free(names);
	free(rs);
	free(mres);
	loop_busy_dec();
	pgc_free_query(q);
}

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
	pgc_schedule_kick(c);
	return q;
}

struct pgc_query *pgc_query_multi(struct pgc_conn *c, const char *sql, long timeout_ms,
				  pgc_multi_cb cb, void *arg)
{
	struct pgc_query *q = pgc_query(c, sql, NULL, 0, timeout_ms, NULL, arg);
	if (q)
		q->mcb = cb;
	return q;
}

int pgc_server_version_num(const struct pgc_conn *c)
{
	return c && c->pg && PQstatus(c->pg) == CONNECTION_OK ? PQserverVersion(c->pg) : 0;
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
			pgc_arm_timer(c);
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
	pgc_free_query(q);
}
