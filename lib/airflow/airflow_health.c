/* lib/airflow/airflow_health.c — the answers the Overview's probe, `check`
 * and the client's version probe read from Airflow (see airflow.h):
 * /version (v1 and v2 alike) and /health (v2: /monitor/health, the same
 * components and a dag_processor). Never performs I/O. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "lib/airflow/airflow.h"
#include "lib/core/isotime.h"
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

static const char *const component_names[AIRFLOW_COMPONENTS] = {"metadatabase", "scheduler",
								"triggerer", "dag_processor"};

int airflow_parse_components(struct airflow_components *out, const char *body, size_t len,
			     struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *j = jsonx_load(body, len, "airflow /health", err);
	if (!j)
		return -MLC_ERR_PARSE;
	if (!json_is_object(j)) {
		json_decref(j);
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "airflow /health: expected an object");
	}
	for (int i = 0; i < AIRFLOW_COMPONENTS; i++) {
		json_t *c = json_object_get(j, component_names[i]);
		out->name[i] = component_names[i];
		if (!json_is_object(c))
			continue;
		out->present[i] = true;
		json_t *st = json_object_get(c, "status");
		out->status[i] = json_is_string(st) ? jsonx_strdup(st) : NULL;
		const char *key;
		json_t *v;
		json_object_foreach(c, key, v) if (strstr(key, "heartbeat") && json_is_string(v))
		    out->heartbeat_ms[i] = iso_time_ms(json_string_value(v));
	}
	json_decref(j);
	return 0;
}

void airflow_components_free(struct airflow_components *c)
{
	for (int i = 0; i < AIRFLOW_COMPONENTS; i++)
		free(c->status[i]);
	memset(c, 0, sizeof *c);
}
