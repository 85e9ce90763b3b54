/* lib/health/probe.h — the probes one poll runs, by transport: HTTP (the
 * kind's steps from the kinds table: MLflow /health + /version, Ray
 * /api/version, Prometheus /-/healthy + buildinfo, Prefect /health +
 * /admin/version, Airflow /health + /version, S3 a signed ListBuckets with
 * the Server header, a generic [http] target its URL), PostgreSQL a query
 * and server_version, a node an SSH session and a trivial exec, Redis PING
 * and INFO server. Which kind uses which is lib/health/kinds.c's row. */
#ifndef MLC_PROBE_H
#define MLC_PROBE_H

#include "lib/core/config.h"
#include "lib/health/source.h"

extern const struct probe_ops http_probe_ops;
extern const struct probe_ops pg_probe_ops;
extern const struct probe_ops ssh_probe_ops;
extern const struct probe_ops redis_probe_ops; /* probe_redis.c */

/* SSH options for a node target with this deadline. */
struct sshc_opts;
void probe_sshc_opts(const struct target *t, long timeout_ms, struct sshc_opts *o);

#endif
