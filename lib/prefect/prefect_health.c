/* lib/prefect/prefect_health.c — the answers the Overview's probe and
 * `check` read from Prefect (see prefect.h): /admin/version, /health, and
 * the work pools' readiness over prefect_parse_pools (one parser of pools
 * for the panel and the health rows). Never performs I/O. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "lib/core/jsonx.h"
#include "lib/core/util.h"
#include "lib/prefect/prefect.h"

int prefect_parse_version(const char *body, size_t len, char *out, size_t n, struct mlc_err *err)
{
	json_t *j = jsonx_load(body, len, "prefect /admin/version", err);
	if (!j)
		return -MLC_ERR_PARSE;
	int rc = 0;
	if (json_is_string(j))
		strlcpy_m(out, json_string_value(j), n);
	else
		rc =
		    mlc_err_set(err, MLC_ERR_PARSE, 0, "prefect /admin/version: expected a string");
	json_decref(j);
	return rc;
}

int prefect_parse_health(const char *body, size_t len, struct mlc_err *err)
{
	json_t *j = jsonx_load(body, len, "prefect /health", err);
	if (!j)
		return -MLC_ERR_PARSE;
	int rc = json_is_true(j) ? 0
				 : mlc_err_set(err, MLC_ERR_PROTO, 0,
					       "prefect /health: server reports unhealthy");
	json_decref(j);
	return rc;
}

int prefect_parse_work_pools(const char *body, size_t len, char *why, size_t n, struct mlc_err *err)
{
	struct prefect_pools p;
	if (prefect_parse_pools(&p, body, len, err) < 0) {
		char was[sizeof err->msg];
		snprintf(was, sizeof was, "%s", err->msg);
		return mlc_err_set(err, MLC_ERR_PARSE, 0,
				   "prefect work_pools/filter: expected an array of pools (%s)",
				   was);
	}
	size_t bad = 0;
	const char *first = NULL;
	for (size_t i = 0; i < p.n; i++)
		if (p.items[i].status && !strcmp(p.items[i].status, "NOT_READY")) {
			first = first ? first : p.items[i].name;
			bad++;
		}
	if (bad == 1)
		snprintf(why, n, "work pool %s NOT_READY (no worker polling it)", first);
	else if (bad > 1)
		snprintf(why, n, "%zu of %zu work pools NOT_READY (%s, ...)", bad, p.n, first);
	prefect_pools_free(&p);
	return 0;
}
