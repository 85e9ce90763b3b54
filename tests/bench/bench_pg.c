/* tests/bench/bench_pg.c — the cost of one Databases poll: the console's
 * round (lib/pg/pgstat_poll.c on the loop: once connected, the five
 * statements in their version's form as one query, every answer parsed
 * into the snapshot, the rates and the lock tree derived, as the panel does
 * per refresh) beside the floor (a minimal blocking libpq loop sending the
 * same query and dropping the answers), and the server's own time for those queries
 * (EXPLAIN (ANALYZE) execution times, summed). Prints, per refresh: wall
 * and client CPU of each (median of ROUNDS), the server ms, the time of
 * the first full round after the connection is up, and the rows read.
 * Usage: bench_pg CONNINFO [ROUNDS]   (the password from PGPASSWORD)
 *        bench_pg --hold N CONNINFO: opens N idle sessions (application
 *        bench-1 … bench-N; the first idle in a transaction), prints
 *        "held N" and keeps them until its stdin closes. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/pg/pgc.h"
#include "lib/pg/pgstat.h"
#include "tests/bench/bench.h"

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return n ? v[n / 2] : 0;
}

static const enum pgstat_query round_q[] = {PGQ_SERVER, PGQ_DATABASES, PGQ_EXTENSIONS,
					    PGQ_ACTIVITY, PGQ_IO};

/* ---- the console's round ------------------------------------------------ */

struct polled {
	volatile bool done;
	struct pg_snapshot *s;
};

static void on_round(struct pg_snapshot *s, const struct mlc_err *err, void *arg)
{
	struct polled *p = arg;
	p->done = true;
	p->s = s;
	if (err)
		fprintf(stderr, "round: %s\n", err->msg);
}

static struct pg_snapshot *round_once(struct pgc_conn *c, struct pg_snapshot *prev)
{
	struct polled p = {0};
	pgstat_round_start(c, 10000, on_round, &p);
	while (!p.done)
		uv_run(loop_get(), UV_RUN_ONCE);
	if (!p.s)
		exit(1);
	pgstat_rates(p.s, prev);
	int *order = xcalloc((size_t)p.s->nbk + 1, sizeof *order);
	int *depth = xcalloc((size_t)p.s->nbk + 1, sizeof *depth);
	pgstat_lock_tree(p.s->bk, p.s->nbk, order, depth);
	free(order);
	free(depth);
	return p.s;
}

static void console(const char *conninfo, int rounds, double *wall, double *cpu, double *first,
		    int *version, int *nbk, int *ndbs)
{
	struct pgc_opts o = {.conninfo = conninfo};
	struct pgc_conn *c = pgc_conn_new(&o);
	struct pg_snapshot *prev = round_once(c, NULL); /* connects */
	double t0 = now_ms();
	struct pg_snapshot *s = round_once(c, prev); /* the first after the connection is up */
	*first = now_ms() - t0;
	pgstat_snapshot_free(prev);
	prev = s;
	double *w = xcalloc((size_t)rounds, sizeof *w), *u = xcalloc((size_t)rounds, sizeof *u);
	for (int i = 0; i < rounds; i++) {
		double a = now_ms(), b = cpu_ms();
		s = round_once(c, prev);
		w[i] = now_ms() - a;
		u[i] = cpu_ms() - b;
		pgstat_snapshot_free(prev);
		prev = s;
	}
	*version = prev->srv.version_num;
	*nbk = prev->nbk;
	*ndbs = prev->ndbs;
	*wall = median(w, rounds);
	*cpu = median(u, rounds);
	pgstat_snapshot_free(prev);
	pgc_conn_free(c);
	free(w);
	free(u);
}

/* ---- the floor: blocking libpq, the same SQL, answers dropped ----------- */

static PGconn *floor_connect(const char *conninfo)
{
	PGconn *pg = PQconnectdb(conninfo);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "floor: %s", PQerrorMessage(pg));
		exit(1);
	}
	PQclear(PQexec(pg, "SET default_transaction_read_only = on"));
	return pg;
}

static void floor_bench(const char *conninfo, int version, int rounds, double *wall, double *cpu)
{
	PGconn *pg = floor_connect(conninfo);
	char *sql = pgstat_round_sql(version); /* one round trip, as the console's */
	double *w = xcalloc((size_t)rounds, sizeof *w), *u = xcalloc((size_t)rounds, sizeof *u);
	for (int i = 0; i < rounds; i++) {
		double a = now_ms(), b = cpu_ms();
		PQclear(PQexec(pg, sql));
		w[i] = now_ms() - a;
		u[i] = cpu_ms() - b;
	}
	*wall = median(w, rounds);
	*cpu = median(u, rounds);
	free(w);
	free(u);
	free(sql);
	PQfinish(pg);
}

/* The server's execution time of one round: EXPLAIN ANALYZE of each query
 * ("Execution Time: 1.234 ms" on the last line), median over rounds; each
 * query's median into per[]. */
static double server_ms(const char *conninfo, int version, int rounds, double *per)
{
	PGconn *pg = floor_connect(conninfo);
	double *v = xcalloc((size_t)rounds, sizeof *v);
	double *pq = xcalloc(ARRAY_LEN(round_q) * (size_t)rounds, sizeof *pq);
	for (int i = 0; i < rounds; i++) {
		for (size_t q = 0; q < ARRAY_LEN(round_q); q++) {
			char *sql = xasprintf("EXPLAIN (ANALYZE, TIMING OFF) %s",
					      pgstat_sql(round_q[q], version));
			PGresult *r = PQexec(pg, sql);
			free(sql);
			for (int row = 0; row < PQntuples(r); row++) {
				const char *line = PQgetvalue(r, row, 0);
				const char *et = strstr(line, "Execution Time: ");
				if (!et)
					continue;
				double ms = strtod(et + 16, NULL);
				v[i] += ms;
				pq[q * (size_t)rounds + (size_t)i] = ms;
			}
			PQclear(r);
		}
	}
	for (size_t q = 0; q < ARRAY_LEN(round_q); q++)
		per[q] = median(pq + q * (size_t)rounds, rounds);
	double m = median(v, rounds);
	free(v);
	free(pq);
	PQfinish(pg);
	return m;
}

/* N idle sessions in one process (200 psql processes would load the
 * machine the bench measures on). */
static int hold(int n, const char *conninfo)
{
	PGconn **c = xcalloc((size_t)n + 1, sizeof *c);
	for (int i = 0; i < n; i++) {
		char app[32];
		snprintf(app, sizeof app, "bench-%d", i + 1);
		const char *k[] = {"dbname", "application_name", NULL};
		const char *v[] = {conninfo, app, NULL};
		c[i] = PQconnectdbParams(k, v, 1);
		if (PQstatus(c[i]) != CONNECTION_OK) {
			fprintf(stderr, "hold %d: %s", i + 1, PQerrorMessage(c[i]));
			return 1;
		}
		PQclear(PQexec(c[i], i == 0 ? "BEGIN; SELECT 1" : "SELECT 1"));
	}
	printf("held %d\n", n);
	fflush(stdout);
	char buf[256];
	while (fread(buf, 1, sizeof buf, stdin) > 0)
		;
	for (int i = 0; i < n; i++)
		PQfinish(c[i]);
	free(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--hold") == 0)
		return hold(atoi(argv[2]), argv[3]);
	if (argc < 2) {
		fprintf(stderr, "usage: bench_pg CONNINFO [ROUNDS]\n");
		return 2;
	}
	int rounds = argc > 2 ? atoi(argv[2]) : 50;
	if (rounds < 1)
		rounds = 1;
	double cw, cc, first, fw, fc;
	int version, nbk, ndbs;
	console(argv[1], rounds, &cw, &cc, &first, &version, &nbk, &ndbs);
	floor_bench(argv[1], version, rounds, &fw, &fc);
	double per[ARRAY_LEN(round_q)];
	double srv = server_ms(argv[1], version, rounds, per);
	printf("  server %d: %d backends, %d databases; median of %d refreshes\n", version, nbk,
	       ndbs, rounds);
	printf("  %-34s wall %7.2f ms   client CPU %6.2f ms\n", "mlconsole poll round", cw, cc);
	printf("  %-34s wall %7.2f ms   client CPU %6.2f ms   (%.1fx wall, %.1fx CPU)\n",
	       "floor (blocking libpq, same SQL)", fw, fc, fw > 0 ? cw / fw : 0,
	       fc > 0 ? cc / fc : 0);
	printf("  %-34s %7.2f ms per refresh (EXPLAIN ANALYZE, summed: server %.2f, databases "
	       "%.2f, extensions %.2f, activity %.2f, io %.2f)\n",
	       "server execution time", srv, per[0], per[1], per[2], per[3], per[4]);
	printf("  %-34s %7.2f ms (goal <= 50 ms)\n", "first full round, connection up", first);
	loop_shutdown();
	return 0;
}
