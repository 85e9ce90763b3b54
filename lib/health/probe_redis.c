/* lib/health/probe_redis.c — the Redis probe: each poll a fresh redisc_ping
 * (AUTH, SELECT, PING, INFO server) to the target's redis:// URL, the
 * password from the URL, else from `password =` or REDISCLI_AUTH. Owns its
 * in-flight request; reports through source_probe_done exactly once. */
#include "lib/health/probe.h"

#include <stdlib.h>

#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/health/probe_redis.h"
#include "lib/redis/redisc.h"

int probe_redis_url(const struct target *t, struct redis_url *u, struct mlc_err *err)
{
	if (redis_url_parse(t->url ? t->url : "", u, err) < 0)
		return -MLC_ERR_CONFIG;
	if (!u->has_password && t->password) {
		strlcpy_m(u->password, t->password, sizeof u->password);
		u->has_password = true;
	}
	if (!u->user[0] && t->username)
		strlcpy_m(u->user, t->username, sizeof u->user);
	return 0;
}

struct redis_probe {
	struct redisc_req *req;
	struct loop_defer *defer;
	struct mlc_err err; /* a URL error, reported on the next turn */
};

static void redis_done(const struct redisc_info *info, const struct mlc_err *err, void *arg)
{
	struct source *s = arg;
	struct redis_probe *p = s->priv;
	p->req = NULL;
	if (err) {
		source_probe_done(s, err, -1, NULL);
		return;
	}
	source_probe_done(s, NULL, info->latency_ms, info->version);
}

static void redis_url_failed(void *arg)
{
	struct source *s = arg;
	struct redis_probe *p = s->priv;
	p->defer = NULL;
	source_probe_done(s, &p->err, -1, NULL);
}

static void redis_start(struct source *s)
{
	if (!s->priv)
		s->priv = xcalloc(1, sizeof(struct redis_probe));
	struct redis_probe *p = s->priv;
	struct redis_url u;
	if (probe_redis_url(s->target, &u, &p->err) < 0) {
		p->defer = loop_defer(redis_url_failed, s);
		return;
	}
	p->req = redisc_ping(&u, s->timeout_ms, redis_done, s);
	redis_url_clear(&u);
}

static void redis_cancel(struct source *s)
{
	struct redis_probe *p = s->priv;
	if (!p)
		return;
	redisc_cancel(p->req);
	p->req = NULL;
	loop_defer_cancel(p->defer);
	p->defer = NULL;
}

static void redis_destroy(struct source *s)
{
	redis_cancel(s);
	free(s->priv);
	s->priv = NULL;
}

const struct probe_ops redis_probe_ops = {
    .start = redis_start,
    .cancel = redis_cancel,
    .destroy = redis_destroy,
};
