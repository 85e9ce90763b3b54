/* lib/probe.h — the health probe of each kind of target: what one poll asks
 * (MLflow /health + /version, Ray /api/version, Prometheus /-/healthy +
 * buildinfo, Prefect /health + /admin/version, Airflow /health + /version,
 * S3 a signed ListBuckets with the Server header, PostgreSQL a query and
 * server_version, a node an SSH session and a trivial exec). */
#ifndef MLC_PROBE_H
#define MLC_PROBE_H

#include "config.h"

struct probe_ops;
const struct probe_ops *probe_ops_for(enum target_kind k);

/* Shared HTTP options for a target (auth, TLS, deadline): fills o for a GET
 * of url. Used by the probes and by `check`. */
struct http_opts;
void probe_http_opts(const struct target *t, long timeout_ms, const char *url, struct http_opts *o);

/* SSH options for a node target with this deadline. */
struct sshc_opts;
void probe_sshc_opts(const struct target *t, long timeout_ms, struct sshc_opts *o);

#endif
