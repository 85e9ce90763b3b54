/* lib/health/probe.h — the health probe of each kind of target: what one poll asks
 * (MLflow /health + /version, Ray /api/version, Prometheus /-/healthy +
 * buildinfo, Prefect /health + /admin/version, Airflow /health + /version,
 * S3 a signed ListBuckets with the Server header, PostgreSQL a query and
 * server_version, a node an SSH session and a trivial exec). */
#ifndef MLC_PROBE_H
#define MLC_PROBE_H

#include "lib/core/config.h"

struct probe_ops;
const struct probe_ops *probe_ops_for(enum target_kind k);

/* SSH options for a node target with this deadline. */
struct sshc_opts;
void probe_sshc_opts(const struct target *t, long timeout_ms, struct sshc_opts *o);

#endif
