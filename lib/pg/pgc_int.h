/* lib/pg/pgc_int.h — what the two halves of the PostgreSQL client share and
 * nobody else may see: the connection and query structs, and the conninfo
 * functions (pgc_conninfo.c) that the async client (pgc.c) calls. Never
 * included outside lib/pg. */
#ifndef MLC_PGC_INT_H
#define MLC_PGC_INT_H

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "lib/core/err.h"
#include "lib/core/loop.h"
#include "lib/pg/pgc.h"

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
	pgc_multi_cb mcb; /* instead of cb: pgc_query_multi */
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
	PGresult *res;	 /* result being collected */
	bool multi;	 /* the query sent is pgc_query_multi's: */
	PGresult **mres; /* the results before res, in order */
	int nmres;
	char server_version[64];
};

/* pgc_conninfo.c */
long pgc_sqlstate_pack(const char *s);
void pgc_one_line(char *out, size_t n, const char *src);
void pgc_conn_err(const struct pgc_conn *c, struct mlc_err *err, int code, long detail,
		  const char *what);
bool pgc_auth_message(const char *m);
char *pgc_home_file(const char *name);
const char *pgc_kv_get(const struct pgc_conn *c, const char *k);
void pgc_configure(struct pgc_conn *c, const struct pgc_opts *opts);

/* pgc.c: scheduling and the socket watch */
void pgc_arm_timer(struct pgc_conn *c);
void pgc_close_pg(struct pgc_conn *c);
void pgc_connect_failed(struct pgc_conn *c, const struct mlc_err *err);
void pgc_connect_failed_msg(struct pgc_conn *c, const char *msg);
void pgc_schedule_kick(struct pgc_conn *c);
void pgc_send_query(struct pgc_conn *c);
void pgc_free_query(struct pgc_query *q);
/* pgc_result.value over the PGresult in r->priv */
const char *pgc_res_value(const struct pgc_result *r, int row, int col);
void pgc_clear_mres(struct pgc_conn *c);
int pgc_watch(struct pgc_conn *c, int events);

/* pgc_query.c: queueing, cancelling, delivering */
void pgc_deliver(struct pgc_query *q, const struct pgc_result *r, const struct mlc_err *err);
void pgc_deliver_multi(struct pgc_query *q, PGresult *last, PGresult **mres, int nmres);

/* pgc_connect.c */
void pgc_start_connect(struct pgc_conn *c);
void pgc_connect_step(struct pgc_conn *c);

#endif
