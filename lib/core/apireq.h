/* lib/core/apireq.h — one call of a JSON API on lib/core/http, for the
 * clients that are a list of such calls (Prefect, Airflow): the target's
 * auth and TLS, the status checked, the error mapped by lib/core/http_err,
 * the body handed to the client's pure parser, the result freed after the
 * callback. Never blocks, never logs a secret. */
#ifndef MLC_APIREQ_H
#define MLC_APIREQ_H

#include <stddef.h>

#include "lib/core/config.h"
#include "lib/core/err.h"
#include "lib/core/http.h"

/* Parses a 2xx body into res (res_size bytes, zeroed): 0 or -code with
 * err set. free releases what a successful parse left in res. */
typedef int (*apireq_parse_fn)(void *res, const char *body, size_t len, struct mlc_err *err);
typedef void (*apireq_free_fn)(void *res);

struct apireq_spec {
	const char *who;	    /* "prefect": the prefix of every message */
	const struct target *t;	    /* auth and TLS; borrowed for the call */
	const char *base;	    /* the target's URL, without trailing slash */
	const char *method;	    /* NULL: GET, or POST when body is set */
	const char *path;	    /* below base, query included; errors name it without */
	const char *body;	    /* JSON, or NULL */
	const char *const *headers; /* extra headers when no body, or NULL */
	long timeout_ms;
	size_t res_size; /* 0: the call has no result (res is NULL in cb) */
	apireq_parse_fn parse;
	apireq_free_fn free;
	/* Optional: adds to the message of a non-2xx answer what only this
	 * API says (Prefect's 422 list), after http_err_resp filled it. */
	void (*explain)(struct mlc_err *err, const struct http_resp *resp);
};

/* cb(res, err, arg) exactly once, from the loop, never inside
 * apireq_start, unless apireq_cancel ran first; res (owned by the call,
 * freed after cb) on success, err on failure. The spec is copied. */
typedef void (*apireq_cb)(void *res, const struct mlc_err *err, void *arg);
struct apireq;
struct apireq *apireq_start(const struct apireq_spec *s, apireq_cb cb, void *arg);
/* Stops the call: cb will not run. NULL is ignored. */
void apireq_cancel(struct apireq *r);

#endif
