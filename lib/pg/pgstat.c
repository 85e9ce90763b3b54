/* lib/pg/pgstat.c — the polling SQL and its pure parsers (server,
 * databases, extensions, activity), rates between snapshots, application
 * labels and the lock tree. No I/O: everything here is unit-tested on
 * captured rows. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "lib/pg/pgstat.h"
#include "lib/pg/pgstat_int.h"

/* Works from PostgreSQL 12 on, with the privileges of a plain role. */
const char PGSTAT_SQL_SERVER[] =
    "SELECT current_setting('server_version'), current_setting('server_version_num'),"
    " current_database(),"
    " extract(epoch FROM now() - pg_postmaster_start_time())::float8,"
    " (SELECT sum(numbackends) FROM pg_stat_database),"
    " current_setting('max_connections'), pg_is_in_recovery(),"
    " CASE WHEN pg_is_in_recovery() THEN"
    " extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END,"
    " (SELECT max(age(datfrozenxid)) FROM pg_database),"
    " extract(epoch FROM now())::float8";

const char PGSTAT_SQL_DATABASES[] =
    "SELECT d.datname, pg_get_userbyid(d.datdba),"
    " CASE WHEN has_database_privilege(d.oid, 'CONNECT') THEN pg_database_size(d.oid) END,"
    " s.numbackends, s.xact_commit, s.xact_rollback, s.blks_read, s.blks_hit,"
    " s.temp_bytes, s.deadlocks, age(d.datfrozenxid), d.datallowconn"
    " FROM pg_database d LEFT JOIN pg_stat_database s ON s.datid = d.oid"
    " WHERE NOT d.datistemplate ORDER BY d.datname";

/* The database's name on every row, and on a row of its own (NULL
 * extension, skipped by the parser) when it has none. */
const char PGSTAT_SQL_EXTENSIONS[] =
    "SELECT e.extname, e.extversion, current_database()"
    " FROM (VALUES (1)) one(x) LEFT JOIN pg_extension e ON true ORDER BY 1";

/* Client backends but this one; for each the lock it waits for and, for a
 * blocker, the modes it holds on what others wait for. Without pg_monitor
 * another role's backend has no backend_type (nor state, times, query):
 * it is kept when it has a role and a database (a client, not a
 * launcher), shown as <insufficient privilege>. */
const char PGSTAT_SQL_ACTIVITY[] =
    "WITH a AS (SELECT *, pg_blocking_pids(pid) AS bp FROM pg_stat_activity"
    " WHERE (backend_type = 'client backend' OR (backend_type IS NULL AND usename IS NOT NULL"
    " AND datname IS NOT NULL))"
    " AND pid <> pg_backend_pid()),"
    " w AS (SELECT DISTINCT ON (pid) pid, mode, locktype, relation, transactionid"
    " FROM pg_locks WHERE NOT granted ORDER BY pid, locktype),"
    " b AS (SELECT DISTINCT unnest(bp) AS pid FROM a)"
    " SELECT a.pid, a.datname, a.usename, a.application_name,"
    " COALESCE(host(a.client_addr), CASE WHEN a.client_port = -1 THEN 'local' END),"
    " a.state, a.wait_event_type, a.wait_event,"
    " extract(epoch FROM now() - a.query_start)::float8,"
    " extract(epoch FROM now() - a.xact_start)::float8,"
    " extract(epoch FROM now() - a.state_change)::float8,"
    " array_to_string(a.bp, ' '), w.mode, w.locktype, w.relation::regclass::text,"
    " CASE WHEN a.pid IN (SELECT pid FROM b) THEN (SELECT string_agg(DISTINCT g.mode, ',')"
    " FROM pg_locks g WHERE g.pid = a.pid AND g.granted AND"
    " (g.relation IN (SELECT relation FROM w) OR"
    " g.transactionid IN (SELECT transactionid FROM w))) END,"
    " a.query"
    " FROM a LEFT JOIN w ON w.pid = a.pid ORDER BY a.pid";

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

void pgstat_exts_free(struct pg_ext *e, int n)
{
	for (int i = 0; e && i < n; i++) {
		free(e[i].name);
		free(e[i].version);
	}
	free(e);
}

void pgstat_backends_free(struct pg_backend *b, int n)
{
	for (int i = 0; b && i < n; i++) {
		char *s[] = {b[i].db,	      b[i].user,      b[i].app,
			     b[i].client,     b[i].state,     b[i].wait_type,
			     b[i].wait_event, b[i].wait_mode, b[i].wait_locktype,
			     b[i].wait_rel,   b[i].held_mode, b[i].query};
		for (size_t j = 0; j < ARRAY_LEN(s); j++)
			free(s[j]);
		free(b[i].blockers);
	}
	free(b);
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
