/* lib/redis/redisc.h — an asynchronous Redis health exchange on the loop:
 * resolve (loop_resolve), connect (uv_tcp), then AUTH when there is a
 * password, SELECT when there is a db, PING and INFO server, pipelined on a
 * fresh connection, all within one deadline. Never blocks, never prints;
 * the password is held only for the exchange and wiped after it. */
#ifndef MLC_REDISC_H
#define MLC_REDISC_H

#include "lib/core/err.h"
#include "lib/redis/redis_url.h"

struct redisc_info {
	char version[64]; /* INFO server: redis_version ("7.0.15") */
	char mode[32];	  /* redis_mode ("standalone"), "" when absent */
	long latency_ms;  /* from the start to the INFO answer */
};

/* Called exactly once per redisc_ping, from the loop, never inside the call
 * that started it, unless redisc_cancel ran first. info is NULL when err is
 * set; both are borrowed for the call. A refused password (-WRONGPASS,
 * -ERR invalid password) and a -NOAUTH answer are MLC_ERR_AUTH naming the
 * cause; a closed port MLC_ERR_CONNECT; the deadline MLC_ERR_TIMEOUT. */
typedef void (*redisc_cb)(const struct redisc_info *info, const struct mlc_err *err, void *arg);

struct redisc_req;
/* Starts the exchange with u (copied: the caller may wipe it at once);
 * timeout_ms bounds it all, connect included. */
struct redisc_req *redisc_ping(const struct redis_url *u, long timeout_ms, redisc_cb cb, void *arg);
/* Stops the exchange; cb will not run. NULL is ignored. */
void redisc_cancel(struct redisc_req *r);

#endif
