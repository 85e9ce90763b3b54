/* lib/pg/pgstat_poll.c — one poll round and a backend signal. On a live
 * connection (its version known) the round is one simple query of five
 * statements, in the forms that version takes: one round trip, one
 * transaction (the same now() and stats snapshot throughout). Otherwise
 * the server query first, then the rest in its version's form, queued at
 * once on the same connection and answered in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/pg/pgstat.h"

enum { Q_SERVER, Q_DATABASES, Q_EXTENSIONS, Q_ACTIVITY, Q_IO, Q_COUNT };
static const enum pgstat_query round_sql[Q_COUNT] = {PGQ_SERVER, PGQ_DATABASES, PGQ_EXTENSIONS,
						     PGQ_ACTIVITY, PGQ_IO};

struct pgstat_round {
	struct pgc_conn *c;
	long timeout_ms;
	struct pg_snapshot *snap;
	struct pgc_query *q[Q_COUNT];
	int pending;
	struct mlc_err err;
	pgstat_round_cb done;
	void *arg;
};

static void round_cancel_rest(struct pgstat_round *r)
{
	for (int i = 0; i < Q_COUNT; i++)
		if (r->q[i]) {
			pgc_query_cancel(r->q[i]);
			r->q[i] = NULL;
		}
}

static void finish(struct pgstat_round *r)
{
	pgstat_round_cb done = r->done;
	void *arg = r->arg;
	struct pg_snapshot *s = r->snap;
	struct mlc_err err = r->err;
	free(r);
	if (err.code != MLC_OK) {
		pgstat_snapshot_free(s);
		done(NULL, &err, arg);
	} else {
		done(s, NULL, arg);
	}
}

static int parse_one(struct pgstat_round *r, int which, const struct pgc_result *res)
{
	struct pg_snapshot *s = r->snap;
	switch (which) {
	case Q_SERVER:
		return pgstat_parse_server(res, &s->srv, &r->err);
	case Q_DATABASES:
		return pgstat_parse_databases(res, &s->dbs, &s->ndbs, &r->err);
	case Q_EXTENSIONS:
		return pgstat_parse_extensions(res, &s->exts, &s->nexts, &r->err);
	case Q_IO:
		return pgstat_parse_io(res, &s->srv, &r->err);
	default:
		return pgstat_parse_activity(res, &s->bk, &s->nbk, &r->err);
	}
}

static void queue_rest(struct pgstat_round *r);

/* Every query's arg is the round; one callback per query says which. */
static void answer(struct pgstat_round *r, int which, const struct pgc_result *res,
		   const struct mlc_err *err)
{
	r->q[which] = NULL;
	r->pending--;
	if (which == Q_SERVER && !err && parse_one(r, which, res) == 0) {
		queue_rest(r); /* the version is known now */
		return;
	}
	if (err) {
		if (r->err.code == MLC_OK)
			r->err = *err;
		round_cancel_rest(r);
		r->pending = 0;
	} else if (which != Q_SERVER && r->err.code == MLC_OK && parse_one(r, which, res) != 0) {
		round_cancel_rest(r);
		r->pending = 0;
	}
	if (r->pending == 0)
		finish(r);
}

#define ANSWER_CB(idx)                                                                             \
	static void answer_##idx(const struct pgc_result *res, const struct mlc_err *err,          \
				 void *arg)                                                        \
	{                                                                                          \
		answer(arg, idx, res, err);                                                        \
	}
ANSWER_CB(0)
ANSWER_CB(1)
ANSWER_CB(2)
ANSWER_CB(3)
ANSWER_CB(4)

static const pgc_query_cb cbs[Q_COUNT] = {answer_0, answer_1, answer_2, answer_3, answer_4};

static void queue_rest(struct pgstat_round *r)
{
	int v = r->snap->srv.version_num;
	r->pending = Q_COUNT - 1;
	for (int i = Q_DATABASES; i < Q_COUNT; i++)
		r->q[i] =
		    pgc_query(r->c, pgstat_sql(round_sql[i], v), NULL, 0, r->timeout_ms, cbs[i], r);
}

/* The five results of the one-query round, in Q_ order. */
static void answer_all(const struct pgc_result *rs, int n, const struct mlc_err *err, void *arg)
{
	struct pgstat_round *r = arg;
	r->q[Q_SERVER] = NULL;
	r->pending = 0;
	if (err)
		r->err = *err;
	else if (n != Q_COUNT)
		mlc_err_set(&r->err, MLC_ERR_PROTO, 0, "poll: %d results, expected %d", n, Q_COUNT);
	for (int i = 0; r->err.code == MLC_OK && i < Q_COUNT; i++)
		parse_one(r, i, &rs[i]);
	finish(r);
}

char *pgstat_round_sql(int version_num)
{
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < Q_COUNT; i++)
		buf_printf(&b, "%s%s", i ? ";\n" : "", pgstat_sql(round_sql[i], version_num));
	return b.data;
}

struct pgstat_round *pgstat_round_start(struct pgc_conn *c, long timeout_ms, pgstat_round_cb done,
					void *arg)
{
	struct pgstat_round *r = xcalloc(1, sizeof *r);
	r->c = c;
	r->timeout_ms = timeout_ms;
	r->snap = xcalloc(1, sizeof *r->snap);
	r->snap->tps = r->snap->rollbacks_ps = r->snap->hit_ratio = r->snap->wal_bps = -1;
	r->done = done;
	r->arg = arg;
	r->pending = 1;
	int v = pgc_server_version_num(c);
	if (v > 0) {
		char *sql = pgstat_round_sql(v);
		r->q[Q_SERVER] = pgc_query_multi(c, sql, timeout_ms, answer_all, r);
		free(sql);
		return r;
	}
	r->q[Q_SERVER] = pgc_query(c, PGSTAT_SQL_SERVER, NULL, 0, timeout_ms, cbs[Q_SERVER], r);
	return r;
}

void pgstat_round_cancel(struct pgstat_round *r)
{
	if (!r)
		return;
	round_cancel_rest(r);
	pgstat_snapshot_free(r->snap);
	free(r);
}

struct sig {
	pgstat_signal_cb done;
	void *arg;
};

static void sig_answer(const struct pgc_result *res, const struct mlc_err *err, void *arg)
{
	struct sig s = *(struct sig *)arg;
	free(arg);
	if (err) {
		s.done(false, err, s.arg);
		return;
	}
	const char *v = res->nrows > 0 && res->ncols > 0 ? res->value(res, 0, 0) : NULL;
	s.done(v && strcmp(v, "t") == 0, NULL, s.arg);
}

struct pgc_query *pgstat_signal(struct pgc_conn *c, int pid, bool terminate, long timeout_ms,
				pgstat_signal_cb done, void *arg)
{
	char p[16];
	snprintf(p, sizeof p, "%d", pid);
	const char *params[1] = {p};
	struct sig *s = xmalloc(sizeof *s);
	s->done = done;
	s->arg = arg;
	return pgc_query(c,
			 terminate ? "SELECT pg_terminate_backend($1::int)"
				   : "SELECT pg_cancel_backend($1::int)",
			 params, 1, timeout_ms, sig_answer, s);
}
