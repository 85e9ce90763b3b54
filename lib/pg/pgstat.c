/* lib/pg/pgstat.c — the polling SQL and its pure parsers (server,
 * databases, extensions, activity), rates between snapshots, application
 * labels and the lock tree (the SQL is in pgstat_sql.c). No I/O: everything here is unit-tested on
 * captured rows. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "lib/pg/pgstat.h"
#include "lib/pg/pgstat_int.h"

static const char *val(const struct pgc_result *r, int row, int col)
{
	return col < r->ncols ? r->value(r, row, col) : NULL;
}

long long pgstat_cell_ll(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	long long v = strtoll(s, &end, 10);
	return *end || v < 0 || v >= (1LL << 62) ? -1 : v;
}

char *pgstat_cell_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static double num_d(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	double v = strtod(s, &end);
	return *end || !(v >= 0 && v < 1e15) ? -1 : v;
}

/* A signed 64-bit cell (query_id hashes are negative half the time). */
static bool signed_ll(const char *s, long long *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || errno)
		return false;
	*out = v;
	return true;
}

static bool is_true(const char *s)
{
	return s && (strcmp(s, "t") == 0 || strcmp(s, "true") == 0);
}

static int want_cols(const struct pgc_result *r, int n, const char *what, struct mlc_err *err)
{
	if (r && r->ncols >= n)
		return 0;
	return mlc_err_set(err, MLC_ERR_PROTO, 0, "%s: %d columns, expected %d", what,
			   r ? r->ncols : 0, n);
}

int pgstat_parse_server(const struct pgc_result *r, struct pg_server_stat *out, struct mlc_err *err)
{
	if (want_cols(r, 10, "server", err))
		return -1;
	if (r->nrows < 1)
		return mlc_err_set(err, MLC_ERR_PROTO, 0, "server: no row");
	memset(out, 0, sizeof *out);
	out->ckpt_timed = out->ckpt_req = out->wal_bytes = -1; /* PGQ_IO's */
	strlcpy_m(out->version, val(r, 0, 0) ? val(r, 0, 0) : "", sizeof out->version);
	out->version_num = (int)pgstat_cell_ll(val(r, 0, 1));
	strlcpy_m(out->dbname, val(r, 0, 2) ? val(r, 0, 2) : "", sizeof out->dbname);
	out->uptime_s = num_d(val(r, 0, 3));
	out->connections = (long)pgstat_cell_ll(val(r, 0, 4));
	out->max_connections = (long)pgstat_cell_ll(val(r, 0, 5));
	out->standby = is_true(val(r, 0, 6));
	out->replay_lag_s = num_d(val(r, 0, 7));
	out->frozen_age = pgstat_cell_ll(val(r, 0, 8));
	out->now_s = num_d(val(r, 0, 9));
	return 0;
}

int pgstat_parse_io(const struct pgc_result *r, struct pg_server_stat *out, struct mlc_err *err)
{
	if (want_cols(r, 3, "io", err))
		return -1;
	if (r->nrows < 1)
		return mlc_err_set(err, MLC_ERR_PROTO, 0, "io: no row");
	out->ckpt_timed = pgstat_cell_ll(val(r, 0, 0));
	out->ckpt_req = pgstat_cell_ll(val(r, 0, 1));
	out->wal_bytes = pgstat_cell_ll(val(r, 0, 2));
	return 0;
}

int pgstat_parse_databases(const struct pgc_result *r, struct pg_db_stat **out, int *n,
			   struct mlc_err *err)
{
	if (want_cols(r, 12, "databases", err))
		return -1;
	struct pg_db_stat *d = xcalloc((size_t)r->nrows + 1, sizeof *d);
	int k = 0;
	for (int i = 0; i < r->nrows; i++) {
		if (!val(r, i, 0))
			continue;
		struct pg_db_stat *x = &d[k++];
		x->name = xstrdup(val(r, i, 0));
		x->owner = pgstat_cell_dup(val(r, i, 1));
		x->size = pgstat_cell_ll(val(r, i, 2));
		x->backends = (long)pgstat_cell_ll(val(r, i, 3));
		long long *c[] = {&x->commits,	&x->rollbacks,	&x->blks_read,
				  &x->blks_hit, &x->temp_bytes, &x->deadlocks};
		for (int j = 0; j < 6; j++)
			*c[j] = pgstat_cell_ll(val(r, i, 4 + j));
		x->xid_age = pgstat_cell_ll(val(r, i, 10));
		x->allow_conn = is_true(val(r, i, 11));
		x->sessions = pgstat_cell_ll(val(r, i, 12));
		x->sessions_lost = pgstat_cell_ll(val(r, i, 13));
		x->tps = x->rollbacks_ps = -1;
	}
	pgstat_dbs_free(*out, *n);
	*out = d;
	*n = k;
	return 0;
}

int pgstat_parse_extensions(const struct pgc_result *r, struct pg_ext **out, int *n,
			    struct mlc_err *err)
{
	if (want_cols(r, 2, "extensions", err))
		return -1;
	struct pg_ext *e = xcalloc((size_t)r->nrows + 1, sizeof *e);
	int k = 0;
	for (int i = 0; i < r->nrows; i++) {
		if (!val(r, i, 0))
			continue;
		e[k].name = xstrdup(val(r, i, 0));
		e[k++].version = pgstat_cell_dup(val(r, i, 1));
	}
	pgstat_exts_free(*out, *n);
	*out = e;
	*n = k;
	return 0;
}

/* "12 345 678" → an array of pids; garbage is skipped. */
static int parse_pids(const char *s, int **out)
{
	*out = NULL;
	if (!s)
		return 0;
	int n = 0, cap = 0;
	while (*s) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s) {
			s++;
			continue;
		}
		if (v > 0 && v <= 0x7fffffff) {
			if (n == cap) {
				cap = cap ? cap * 2 : 4;
				*out = xrealloc(*out, (size_t)cap * sizeof **out);
			}
			(*out)[n++] = (int)v;
		}
		s = end;
	}
	return n;
}

int pgstat_parse_activity(const struct pgc_result *r, struct pg_backend **out, int *n,
			  struct mlc_err *err)
{
	if (want_cols(r, 17, "activity", err))
		return -1;
	struct pg_backend *b = xcalloc((size_t)r->nrows + 1, sizeof *b);
	int k = 0;
	for (int i = 0; i < r->nrows; i++) {
		long long pid = pgstat_cell_ll(val(r, i, 0));
		if (pid <= 0 || pid > 0x7fffffff)
			continue;
		struct pg_backend *x = &b[k++];
		x->pid = (int)pid;
		char **s[] = {&x->db,	 &x->user,	&x->app,       &x->client,
			      &x->state, &x->wait_type, &x->wait_event};
		for (int j = 0; j < 7; j++)
			*s[j] = pgstat_cell_dup(val(r, i, 1 + j));
		x->query_age_s = num_d(val(r, i, 8));
		x->xact_age_s = num_d(val(r, i, 9));
		x->state_age_s = num_d(val(r, i, 10));
		x->nblockers = parse_pids(val(r, i, 11), &x->blockers);
		x->wait_mode = pgstat_cell_dup(val(r, i, 12));
		x->wait_locktype = pgstat_cell_dup(val(r, i, 13));
		x->wait_rel = pgstat_cell_dup(val(r, i, 14));
		x->held_mode = pgstat_cell_dup(val(r, i, 15));
		x->query = pgstat_cell_dup(val(r, i, 16));
		long long w = pgstat_cell_ll(val(r, i, 17));
		x->workers = w >= 0 && w < 1000000 ? (int)w : -1;
		x->has_query_id = signed_ll(val(r, i, 18), &x->query_id);
	}
	pgstat_backends_free(*out, *n);
	*out = b;
	*n = k;
	return 0;
}

void pgstat_dbs_free(struct pg_db_stat *d, int n)
{
	for (int i = 0; d && i < n; i++) {
		free(d[i].name);
		free(d[i].owner);
	}
	free(d);
}

static void ext_free(void *item)
{
	struct pg_ext *e = item;
	free(e->name);
	free(e->version);
}

void pgstat_exts_free(struct pg_ext *e, int n)
{
	free_items(e, (size_t)MLC_MAX(n, 0), sizeof *e, ext_free);
}

static void backend_free(void *item)
{
	struct pg_backend *b = item;
	char *s[] = {b->db,	   b->user,	  b->app,	b->client,	  b->state,
		     b->wait_type, b->wait_event, b->wait_mode, b->wait_locktype, b->wait_rel,
		     b->held_mode, b->query};
	for (size_t j = 0; j < ARRAY_LEN(s); j++)
		free(s[j]);
	free(b->blockers);
}

void pgstat_backends_free(struct pg_backend *b, int n)
{
	free_items(b, (size_t)MLC_MAX(n, 0), sizeof *b, backend_free);
}

void pgstat_snapshot_free(struct pg_snapshot *s)
{
	if (!s)
		return;
	pgstat_dbs_free(s->dbs, s->ndbs);
	pgstat_exts_free(s->exts, s->nexts);
	pgstat_backends_free(s->bk, s->nbk);
	free(s);
}

static double rate(long long now, long long before, double dt)
{
	if (now < 0 || before < 0 || now < before || dt <= 0)
		return -1;
	return (double)(now - before) / dt;
}

static long long delta(long long now, long long before)
{
	return now < 0 || before < 0 || now < before ? -1 : now - before;
}

/* WAL bytes/s and checkpoints since prev: unknown without prev, across a
 * restart or reset (a counter that went back), or on a standby. */
static void io_rates(struct pg_snapshot *cur, const struct pg_snapshot *prev, double dt)
{
	cur->wal_bps = -1;
	cur->ckpt_timed_delta = cur->ckpt_req_delta = -1;
	if (!prev)
		return;
	cur->wal_bps = rate(cur->srv.wal_bytes, prev->srv.wal_bytes, dt);
	cur->ckpt_timed_delta = delta(cur->srv.ckpt_timed, prev->srv.ckpt_timed);
	cur->ckpt_req_delta = delta(cur->srv.ckpt_req, prev->srv.ckpt_req);
}

void pgstat_rates(struct pg_snapshot *cur, const struct pg_snapshot *prev)
{
	double dt = prev ? cur->srv.now_s - prev->srv.now_s : 0;
	double tps = 0, rb = 0;
	double hit = 0, read = 0;
	bool rates_ok = prev && dt > 0;
	for (int i = 0; i < cur->ndbs; i++) {
		struct pg_db_stat *d = &cur->dbs[i];
		const struct pg_db_stat *p = NULL;
		for (int j = 0; prev && j < prev->ndbs && !p; j++)
			if (strcmp(prev->dbs[j].name, d->name) == 0)
				p = &prev->dbs[j];
		bool known = p && d->commits >= 0 && d->rollbacks >= 0 && p->commits >= 0 &&
			     p->rollbacks >= 0;
		d->tps =
		    known ? rate(d->commits + d->rollbacks, p->commits + p->rollbacks, dt) : -1;
		d->rollbacks_ps = p ? rate(d->rollbacks, p->rollbacks, dt) : -1;
		if (d->tps >= 0 && d->rollbacks_ps >= 0) {
			tps += d->tps;
			rb += d->rollbacks_ps;
		} else if (p) {
			rates_ok = false;
		}
		if (d->blks_hit > 0)
			hit += (double)d->blks_hit;
		if (d->blks_read > 0)
			read += (double)d->blks_read;
	}
	cur->tps = rates_ok ? tps : -1;
	cur->rollbacks_ps = rates_ok ? rb : -1;
	cur->hit_ratio = hit + read > 0 ? hit / (hit + read) : -1;
	io_rates(cur, prev, dt);
}

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The same moment: both unknown, or now - age equal within a quarter of
 * a second (ages show in whole seconds; now is the server query's, a few
 * ms before the activity query's own now()). */
static bool start_same(double now_a, double age_a, double now_b, double age_b)
{
	if (age_a < 0 || age_b < 0)
		return age_a < 0 && age_b < 0;
	double d = (now_a - age_a) - (now_b - age_b);
	return d > -0.25 && d < 0.25;
}

static bool backend_same(const struct pg_backend *a, double now_a, const struct pg_backend *b,
			 double now_b)
{
	if (a->pid != b->pid || a->nblockers != b->nblockers || a->workers != b->workers ||
	    a->has_query_id != b->has_query_id || (a->has_query_id && a->query_id != b->query_id))
		return false;
	if (a->nblockers && memcmp(a->blockers, b->blockers, (size_t)a->nblockers * sizeof(int)))
		return false;
	const char *sa[] = {
	    a->db,	   a->user,	 a->app,	   a->client,	a->state,     a->wait_type,
	    a->wait_event, a->wait_mode, a->wait_locktype, a->wait_rel, a->held_mode, a->query};
	const char *sb[] = {
	    b->db,	   b->user,	 b->app,	   b->client,	b->state,     b->wait_type,
	    b->wait_event, b->wait_mode, b->wait_locktype, b->wait_rel, b->held_mode, b->query};
	for (size_t i = 0; i < ARRAY_LEN(sa); i++)
		if (!str_same(sa[i], sb[i]))
			return false;
	/* The query's age shows while it runs, the state's while idle in a
	 * transaction or waiting for a lock; the transaction's always. */
	bool active = a->state && strcmp(a->state, "active") == 0;
	bool state_shown = (a->state && strncmp(a->state, "idle in transaction", 19) == 0) ||
			   a->nblockers > 0 || (a->wait_type && strcmp(a->wait_type, "Lock") == 0);
	return (!active || start_same(now_a, a->query_age_s, now_b, b->query_age_s)) &&
	       start_same(now_a, a->xact_age_s, now_b, b->xact_age_s) &&
	       (!state_shown || start_same(now_a, a->state_age_s, now_b, b->state_age_s));
}

bool pgstat_backends_same(const struct pg_snapshot *prev, const struct pg_snapshot *cur)
{
	if (!prev || !cur || prev->nbk != cur->nbk || prev->srv.now_s < 0 || cur->srv.now_s < 0)
		return false;
	for (int i = 0; i < cur->nbk; i++)
		if (!backend_same(&prev->bk[i], prev->srv.now_s, &cur->bk[i], cur->srv.now_s))
			return false;
	return true;
}

static bool has_word(const char *s, const char *w)
{
	return s && strcasestr(s, w) != NULL;
}

const char *pgstat_app_label(const char *app, const char *db, const char *user)
{
	static const struct {
		const char *needle, *label;
	} by_app[] = {
	    {"mlconsole", "mlconsole"}, {"pgadmin", "pgAdmin"}, {"psql", "psql"},
	    {"mlflow", "MLflow"},	{"prefect", "Prefect"}, {"airflow", "Airflow"},
	};
	for (size_t i = 0; i < ARRAY_LEN(by_app); i++)
		if (has_word(app, by_app[i].needle))
			return by_app[i].label;
	/* SQLAlchemy clients send no name: tell them by database or role. */
	if (app && *app)
		return NULL;
	for (size_t i = 3; i < ARRAY_LEN(by_app); i++)
		if (has_word(db, by_app[i].needle) || has_word(user, by_app[i].needle))
			return by_app[i].label;
	return NULL;
}

static int index_of_pid(const struct pg_backend *bk, int nbk, int pid)
{
	for (int i = 0; i < nbk; i++)
		if (bk[i].pid == pid)
			return i;
	return -1;
}

bool pgstat_is_blocker(const struct pg_backend *bk, int nbk, int i)
{
	for (int j = 0; j < nbk; j++)
		for (int k = 0; k < bk[j].nblockers; k++)
			if (bk[j].blockers[k] == bk[i].pid)
				return true;
	return false;
}

/* parent[i]: the blocker i sits under (-1: a root or not in the tree). The
 * deepest blocker wins; depths settle in at most nbk passes (a cycle, a
 * deadlock about to be broken, stops there). */
static void tree_parents(const struct pg_backend *bk, int nbk, int *parent, int *depth)
{
	for (int i = 0; i < nbk; i++) {
		parent[i] = -1;
		depth[i] = 0;
	}
	for (int pass = 0; pass < nbk; pass++) {
		bool changed = false;
		for (int i = 0; i < nbk; i++) {
			int best = -1, bd = -1;
			for (int k = 0; k < bk[i].nblockers; k++) {
				int j = index_of_pid(bk, nbk, bk[i].blockers[k]);
				if (j >= 0 && j != i && depth[j] > bd) {
					best = j;
					bd = depth[j];
				}
			}
			int d = best >= 0 ? bd + 1 : 0;
			if (d > nbk)
				d = nbk;
			if (best != parent[i] || d != depth[i]) {
				parent[i] = best;
				depth[i] = d;
				changed = true;
			}
		}
		if (!changed)
			break;
	}
}

static int emit(const struct pg_backend *bk, int nbk, const int *parent, int at, int d, int *order,
		int *depth, int n, bool *done)
{
	if (done[at] || n >= nbk)
		return n;
	done[at] = true;
	order[n] = at;
	depth[n++] = d;
	for (int i = 0; i < nbk; i++)
		if (parent[i] == at)
			n = emit(bk, nbk, parent, i, d + 1, order, depth, n, done);
	return n;
}

int pgstat_lock_tree(const struct pg_backend *bk, int nbk, int *order, int *depth)
{
	if (nbk <= 0)
		return 0;
	int *parent = xcalloc((size_t)nbk, sizeof *parent);
	int *dep = xcalloc((size_t)nbk, sizeof *dep);
	bool *done = xcalloc((size_t)nbk, sizeof *done);
	tree_parents(bk, nbk, parent, dep);
	int n = 0;
	for (int i = 0; i < nbk; i++)
		if (parent[i] < 0 && pgstat_is_blocker(bk, nbk, i))
			n = emit(bk, nbk, parent, i, 0, order, depth, n, done);
	/* Waiters whose blockers are not client backends we see (or a cycle). */
	for (int i = 0; i < nbk; i++)
		if (!done[i] && bk[i].nblockers > 0)
			n = emit(bk, nbk, parent, i, 0, order, depth, n, done);
	free(parent);
	free(dep);
	free(done);
	return n;
}

void pgstat_oneline(char *out, size_t n, const char *query)
{
	if (!query) {
		if (n)
			out[0] = 0;
		return;
	}
	size_t len = strlen(query);
	char *flat = xmalloc(len + 1);
	size_t k = 0;
	bool space = true; /* drops leading blanks */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)query[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			if (!space)
				flat[k++] = ' ';
			space = true;
		} else {
			flat[k++] = (char)c;
			space = false;
		}
	}
	while (k > 0 && flat[k - 1] == ' ')
		k--;
	san_into(out, n, flat, k);
	free(flat);
}
