/* lib/health/probe_redis.h — how a [redis] target becomes the redis client's
 * URL, shared by the probe and `check`: the URL's own password first, then
 * `password =` (or REDISCLI_AUTH, which the configuration put there). */
#ifndef MLC_PROBE_REDIS_H
#define MLC_PROBE_REDIS_H

#include "lib/core/config.h"
#include "lib/redis/redis_url.h"

/* 0, or a negative code with err naming what is wrong with the URL. The
 * caller wipes u with redis_url_clear. */
int probe_redis_url(const struct target *t, struct redis_url *u, struct mlc_err *err);

#endif
