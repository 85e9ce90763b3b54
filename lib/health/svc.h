/* lib/health/svc.h — the pure parsers the Overview and `check` need from each
 * service: bytes in, values out, never crash, errors naming what failed.
 * Each service's full client grows in its own file (lib/mlflow/mlflow.c, lib/ray.c,
 * ...); these are the health and version parts they share. */
#ifndef MLC_SVC_H
#define MLC_SVC_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/airflow/airflow.h"
#include "lib/core/err.h"
#include "lib/prefect/prefect.h"

/* MLflow /version: a bare text body ("2.12.2"). */
int mlflow_parse_version(const char *body, size_t len, char *out, size_t n, struct mlc_err *err);
/* MLflow experiments/search: number of experiments in the page (0 for {}). */
int mlflow_parse_experiments_count(const char *body, size_t len, int *count, struct mlc_err *err);

/* Ray /api/version → ray_version (lib/ray's parser: the panel's). */
int ray_parse_version(const char *body, size_t len, char *out, size_t n, struct mlc_err *err);
/* Ray /api/v0/nodes (state API envelope) or /nodes?view=summary: counts of
 * ALIVE and other nodes, through lib/ray's parsers (the panel's). Checks
 * the envelope's "result" too. */
int ray_parse_nodes(const char *body, size_t len, int *alive, int *dead, struct mlc_err *err);

/* Prometheus /api/v1/status/buildinfo → data.version. */
int prom_parse_buildinfo(const char *body, size_t len, char *out, size_t n, struct mlc_err *err);

/* Prefect's and Airflow's (prefect_parse_version, prefect_parse_health,
 * prefect_parse_work_pools, airflow_parse_version, airflow_parse_health)
 * are their clients' own, in lib/prefect/prefect.h and lib/airflow/airflow.h. */

/* A generic [http] target: "version" of a JSON object answer (Grafana's
 * /api/health, Jupyter's /api) into out; "" when the answer has none, which
 * is no error (nginx, pgAdmin's "PING"). Always 0. */
int http_parse_version(const char *body, size_t len, char *out, size_t n);
/* Whether a generic [http] answer is what the target expects: status among
 * statuses ("200", "2xx"; NULL: any 2xx) and, when want_body is set, the
 * body holding it. 0, or a negative code with err saying what differed
 * (MLC_ERR_AUTH for an unexpected 401/403, MLC_ERR_HTTP for another
 * status, MLC_ERR_PROTO for the body). */
int http_check_expect(char *const *statuses, const char *want_body, long status, const char *body,
		      size_t len, struct mlc_err *err);

#endif
