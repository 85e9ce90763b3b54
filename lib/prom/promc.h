/* lib/prom/promc.h — the asynchronous Prometheus client on lib/core/http:
 * one GET of a query path (prom.h builds them) against a [prometheus]
 * target, its answer parsed by prom_result_parse. An HTTP error (400 bad
 * query, 422, 503) is shown as the server words it, through
 * lib/core/http_err. Never blocks, never includes curses. */
#ifndef MLC_PROMC_H
#define MLC_PROMC_H

#include "lib/core/config.h"
#include "lib/core/err.h"
#include "lib/prom/prom.h"

/* cb(res, err, arg) exactly once, from the loop, never inside the call,
 * unless promc_cancel() ran first: res on success (owned by the client,
 * freed after cb returns: move out and zero what you keep), err on
 * failure ("prometheus: HTTP 400 from /api/v1/query_range: ..."). */
typedef void (*promc_cb)(struct prom_result *res, const struct mlc_err *err, void *arg);
struct promc_req;
/* t and path are copied as needed; timeout_ms 0: 10 s. */
struct promc_req *promc_get(const struct target *t, const char *path, long timeout_ms, promc_cb cb,
			    void *arg);
void promc_cancel(struct promc_req *r);

#endif
