/* lib/airflow/airflow_health.c — the answers the Overview's probe, `check`
 * and the client's version probe read from Airflow (see airflow.h):
 * /version (v1 and v2 alike) and /health (v2: /monitor/health, the same
 * components and a dag_processor). Never performs I/O. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "lib/airflow/airflow.h"
#include "lib/core/jsonx.h"
#include "lib/core/util.h"

int airflow_parse_version(const char *body, size_t len, char *out, size_t n, struct mlc_err *err)
{
	json_t *j = jsonx_load(body, len, "airflow /version", err);
	if (!j)
		return -MLC_ERR_PARSE;
	const char *v = jsonx_str(j, "version", "airflow /version", err);
	int rc = v ? (strlcpy_m(out, v, n), 0) : -MLC_ERR_PARSE;
	json_decref(j);
	return rc;
}

int airflow_parse_health(const char *body, size_t len, char *why, size_t n, struct mlc_err *err)
{
	const char *what = "airflow /health";
	json_t *j = jsonx_load(body, len, what, err);
	if (!j)
		return -MLC_ERR_PARSE;
	int rc = 0;
	const char *db = jsonx_str(j, "metadatabase.status", what, NULL);
	const char *sch = jsonx_str(j, "scheduler.status", what, NULL);
	if (!db || !sch)
		rc = mlc_err_set(err, MLC_ERR_PARSE, 0,
				 "%s: expected metadatabase.status and scheduler.status", what);
	else if (strcmp(db, "healthy") != 0)
		rc = mlc_err_set(err, MLC_ERR_PROTO, 0, "%s: metadatabase %s", what, db);
	else if (strcmp(sch, "healthy") != 0) {
		/* The API answers: the service is up, but no DAG runs start. */
		const char *hb = jsonx_str(j, "scheduler.latest_scheduler_heartbeat", what, NULL);
		snprintf(why, n, "scheduler %s (last heartbeat %s)", sch, hb ? hb : "never");
	}
	json_decref(j);
	return rc;
}

const char *airflow_probe_path(const char *url, bool health)
{
	size_t n = url ? strlen(url) : 0;
	while (n && url[n - 1] == '/')
		n--;
	if (n >= 7 && !strncmp(url + n - 7, "/api/v1", 7))
		return health ? "/health" : "/version";
	if (n >= 7 && !strncmp(url + n - 7, "/api/v2", 7))
		return health ? "/monitor/health" : "/version";
	return health ? "/api/v2/monitor/health" : "/api/v2/version";
}
