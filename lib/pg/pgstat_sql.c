/* lib/pg/pgstat_sql.c — the SQL of every poll, per server version
 * (server_version_num, PostgreSQL 12 to 17): the columns a version lacks
 * are selected as NULL so that one parser reads them all. What changed:
 * pg_stat_activity.leader_pid (13), query_id (14); pg_stat_database's
 * session counters (14); pg_stat_wal (14; before it the WAL position);
 * the checkpoint counters moved from pg_stat_bgwriter to
 * pg_stat_checkpointer (17). Pure: constant strings. */
#include "lib/pg/pgstat.h"

/* Works on every version, with the privileges of a plain role. */
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

/* The database's name on every row, and on a row of its own (NULL
 * extension, skipped by the parser) when it has none. */
const char PGSTAT_SQL_EXTENSIONS[] =
    "SELECT e.extname, e.extversion, current_database()"
    " FROM (VALUES (1)) one(x) LEFT JOIN pg_extension e ON true ORDER BY 1";

#define DB_HEAD                                                                                    \
	"SELECT d.datname, pg_get_userbyid(d.datdba),"                                             \
	" CASE WHEN has_database_privilege(d.oid, 'CONNECT') THEN pg_database_size(d.oid) END,"    \
	" s.numbackends, s.xact_commit, s.xact_rollback, s.blks_read, s.blks_hit,"                 \
	" s.temp_bytes, s.deadlocks, age(d.datfrozenxid), d.datallowconn"
#define DB_TAIL                                                                                    \
	" FROM pg_database d LEFT JOIN pg_stat_database s ON s.datid = d.oid"                      \
	" WHERE NOT d.datistemplate ORDER BY d.datname"

static const char db_12[] = DB_HEAD ", NULL::bigint, NULL::bigint" DB_TAIL;
/* 14: sessions, and those that ended abnormally */
static const char db_14[] =
    DB_HEAD ", s.sessions, s.sessions_abandoned + s.sessions_fatal + s.sessions_killed" DB_TAIL;

/* Client backends but this one and the console's short extension checks
 * (PGSTAT_CHECK_APP: pg_activity does not list itself either); for each the lock it waits for and,
 * for a blocker, the modes it holds on what others wait for; its parallel workers (13) and query_id
 * (14). Without pg_monitor another role's backend has no backend_type (nor state, times, query): it
 * is kept when it has a role and a database (a client, not a launcher), shown as <insufficient
 * privilege>. */
#define ACT_WITH                                                                                   \
	"WITH a AS (SELECT *, pg_blocking_pids(pid) AS bp FROM pg_stat_activity"                   \
	" WHERE (backend_type = 'client backend' OR (backend_type IS NULL AND usename IS NOT NULL" \
	" AND datname IS NOT NULL))"                                                               \
	" AND pid <> pg_backend_pid() AND application_name <> '" PGSTAT_CHECK_APP "'),"            \
	" w AS (SELECT DISTINCT ON (pid) pid, mode, locktype, relation, transactionid"             \
	" FROM pg_locks WHERE NOT granted ORDER BY pid, locktype),"                                \
	" b AS (SELECT DISTINCT unnest(bp) AS pid FROM a)"
#define ACT_WORKERS                                                                                \
	", pw AS (SELECT leader_pid, count(*) AS n FROM pg_stat_activity"                          \
	" WHERE leader_pid IS NOT NULL AND leader_pid <> pid GROUP BY 1)"
#define ACT_SELECT                                                                                 \
	" SELECT a.pid, a.datname, a.usename, a.application_name,"                                 \
	" COALESCE(host(a.client_addr), CASE WHEN a.client_port = -1 THEN 'local' END),"           \
	" a.state, a.wait_event_type, a.wait_event,"                                               \
	" extract(epoch FROM now() - a.query_start)::float8,"                                      \
	" extract(epoch FROM now() - a.xact_start)::float8,"                                       \
	" extract(epoch FROM now() - a.state_change)::float8,"                                     \
	" array_to_string(a.bp, ' '), w.mode, w.locktype, w.relation::regclass::text,"             \
	" CASE WHEN a.pid IN (SELECT pid FROM b) THEN (SELECT string_agg(DISTINCT g.mode, ',')"    \
	" FROM pg_locks g WHERE g.pid = a.pid AND g.granted AND"                                   \
	" (g.relation IN (SELECT relation FROM w) OR"                                              \
	" g.transactionid IN (SELECT transactionid FROM w))) END,"                                 \
	" a.query"
#define ACT_FROM  " FROM a LEFT JOIN w ON w.pid = a.pid"
#define ACT_ORDER " ORDER BY a.pid"

static const char act_12[] = ACT_WITH ACT_SELECT ", NULL::bigint, NULL::bigint" ACT_FROM ACT_ORDER;
static const char act_13[] = ACT_WITH ACT_WORKERS ACT_SELECT
    ", COALESCE(pw.n, 0), NULL::bigint" ACT_FROM " LEFT JOIN pw ON pw.leader_pid = a.pid" ACT_ORDER;
static const char act_14[] = ACT_WITH ACT_WORKERS ACT_SELECT
    ", COALESCE(pw.n, 0), a.query_id" ACT_FROM " LEFT JOIN pw ON pw.leader_pid = a.pid" ACT_ORDER;

/* Checkpoints (timed, requested) and WAL written, in bytes. Before 14
 * the WAL position stands in for the bytes (its deltas are the same; a
 * standby has none). */
static const char io_12[] = "SELECT c.checkpoints_timed, c.checkpoints_req,"
			    " CASE WHEN pg_is_in_recovery() THEN NULL"
			    " ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint END"
			    " FROM pg_stat_bgwriter c";
static const char io_14[] = "SELECT c.checkpoints_timed, c.checkpoints_req, w.wal_bytes::bigint"
			    " FROM pg_stat_bgwriter c, pg_stat_wal w";
static const char io_17[] = "SELECT c.num_timed, c.num_requested, w.wal_bytes::bigint"
			    " FROM pg_stat_checkpointer c, pg_stat_wal w";

const char PGSTAT_SQL_TABLES[] =
    "SELECT n.nspname, c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid),"
    " pg_indexes_size(c.oid),"
    " CASE WHEN c.reltoastrelid <> 0 THEN pg_total_relation_size(c.reltoastrelid) ELSE 0 END,"
    " s.n_live_tup, s.n_dead_tup,"
    " to_char(s.last_vacuum, 'YYYY-MM-DD HH24:MI'),"
    " to_char(s.last_autovacuum, 'YYYY-MM-DD HH24:MI'),"
    " to_char(GREATEST(s.last_analyze, s.last_autoanalyze), 'YYYY-MM-DD HH24:MI'),"
    " s.seq_scan, s.idx_scan"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid"
    " WHERE c.relkind IN ('r', 'm', 'p') AND n.nspname <> 'information_schema'"
    " AND n.nspname NOT LIKE 'pg\\_%'"
    " ORDER BY 3 DESC NULLS LAST, 1, 2 LIMIT 2000";

const char PGSTAT_SQL_VECTOR_INDEXES[] =
    "SELECT n.nspname, c.relname, t.relname, am.amname, pg_relation_size(c.oid),"
    " array_to_string(c.reloptions, ',')"
    " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
    " JOIN pg_class t ON t.oid = i.indrelid JOIN pg_am am ON am.oid = c.relam"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE am.amname IN ('ivfflat', 'hnsw') ORDER BY 5 DESC NULLS LAST, 1, 2";

const char *pgstat_sql(enum pgstat_query q, int version_num)
{
	int v = version_num > 0 ? version_num : 120000;
	switch (q) {
	case PGQ_SERVER:
		return PGSTAT_SQL_SERVER;
	case PGQ_DATABASES:
		return v >= 140000 ? db_14 : db_12;
	case PGQ_EXTENSIONS:
		return PGSTAT_SQL_EXTENSIONS;
	case PGQ_ACTIVITY:
		return v >= 140000 ? act_14 : v >= 130000 ? act_13 : act_12;
	case PGQ_IO:
		return v >= 170000 ? io_17 : v >= 140000 ? io_14 : io_12;
	case PGQ_TABLES:
		return PGSTAT_SQL_TABLES;
	case PGQ_VECTOR_INDEXES:
		return PGSTAT_SQL_VECTOR_INDEXES;
	}
	return "";
}
