/* lib/health/svc.c — health and version parsers per service (see svc.h). Pure:
 * bytes in, values out. Every error message names the document and path. */
#include "lib/health/svc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lib/core/jsonx.h"
#include "lib/core/util.h"
#include "lib/ray/ray.h"

static int copy_out(const char *v, char *out, size_t n)
{
	strlcpy_m(out, v, n);
	return 0;
}

int mlflow_parse_version(const char *body, size_t len, char *out, size_t n, struct mlc_err *err)
{
	size_t i = 0;
	while (i < len && isspace((unsigned char)body[i]))
		i++;
	size_t j = i;
	while (j < len && body[j] != '\n' && j - i < 64)
		j++;
	while (j > i && (body[j - 1] == '\r' || body[j - 1] == ' '))
		j--;
	if (j == i || body[i] == '<' || body[i] == '{')
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow /version: not a version string");
	snprintf(out, n, "%.*s", (int)(j - i), body + i);
	return 0;
}

int mlflow_parse_experiments_count(const char *body, size_t len, int *count, struct mlc_err *err)
{
	json_t *j = jsonx_load(body, len, "mlflow experiments/search", err);
	if (!j)
		return -MLC_ERR_PARSE;
	int rc = 0;
	json_t *e = json_object_get(j, "experiments");
	if (!json_is_object(j))
		rc = mlc_err_set(err, MLC_ERR_PARSE, 0,
				 "mlflow experiments/search: expected object");
	else if (e && !json_is_array(e))
		rc = mlc_err_set(err, MLC_ERR_PARSE, 0,
				 "mlflow experiments/search: experiments: expected array");
	else
		*count = e ? (int)json_array_size(e) : 0;
	json_decref(j);
	return rc;
}

/* Ray's two come from lib/ray's parsers, the ones the Ray panel uses (one
 * reading of the dashboard's answers); err may be NULL here. */
int ray_parse_version(const char *body, size_t len, char *out, size_t n, struct mlc_err *err)
{
	struct mlc_err e;
	struct ray_version v;
	mlc_err_clear(&e);
	if (ray_version_parse(&v, body, len, &e) == 0 && !v.ray_version)
		mlc_err_set(&e, MLC_ERR_PARSE, 0,
			    "ray: /api/version: ray_version: expected string");
	if (e.code == MLC_OK)
		copy_out(v.ray_version, out, n);
	ray_version_free(&v);
	if (err)
		*err = e;
	return -e.code;
}

int ray_parse_nodes(const char *body, size_t len, int *alive, int *dead, struct mlc_err *err)
{
	struct mlc_err e, e2;
	struct ray_state_nodes s;
	*alive = *dead = 0;
	mlc_err_clear(&e);
	if (ray_state_nodes_parse(&s, body, len, &e) == 0) {
		ray_state_nodes_count(&s, alive, dead);
		ray_state_nodes_free(&s);
	} else if (e.code == MLC_ERR_PARSE) {
		/* not the state API's list: /nodes?view=summary's, else the first
		 * error */
		struct ray_nodes ns;
		mlc_err_clear(&e2);
		if (ray_nodes_parse(&ns, body, len, &e2) == 0) {
			for (size_t i = 0; i < ns.n; i++)
				*(ns.v[i].state && !strcmp(ns.v[i].state, "ALIVE") ? alive
										   : dead) += 1;
			ray_nodes_free(&ns);
			mlc_err_clear(&e);
		}
	}
	if (err)
		*err = e;
	return -e.code;
}

int prom_parse_buildinfo(const char *body, size_t len, char *out, size_t n, struct mlc_err *err)
{
	const char *what = "prometheus buildinfo";
	json_t *j = jsonx_load(body, len, what, err);
	if (!j)
		return -MLC_ERR_PARSE;
	int rc;
	const char *st = jsonx_str(j, "status", what, NULL);
	if (!st || strcmp(st, "success") != 0) {
		const char *e = jsonx_str(j, "error", what, NULL);
		rc = mlc_err_set(err, MLC_ERR_PROTO, 0, "%s: %s", what,
				 e ? e : "status not success");
	} else {
		const char *v = jsonx_str(j, "data.version", what, err);
		rc = v ? copy_out(v, out, n) : -MLC_ERR_PARSE;
	}
	json_decref(j);
	return rc;
}

int http_parse_version(const char *body, size_t len, char *out, size_t n)
{
	out[0] = '\0';
	size_t i = 0;
	while (i < len && isspace((unsigned char)body[i]))
		i++;
	if (i == len || body[i] != '{')
		return 0;
	json_t *j = jsonx_load(body, len, "version", NULL);
	if (!j)
		return 0;
	json_t *v = json_is_object(j) ? json_object_get(j, "version") : NULL;
	if (json_is_string(v))
		strlcpy_m(out, json_string_value(v), n);
	json_decref(j);
	return 0;
}

static bool status_matches(const char *want, long status)
{
	char have[8];
	snprintf(have, sizeof have, "%ld", status);
	if (strlen(have) != 3)
		return false;
	for (int i = 0; i < 3; i++)
		if (want[i] != have[i] && !(i > 0 && (want[i] == 'x' || want[i] == 'X')))
			return false;
	return want[3] == '\0';
}

int http_check_expect(char *const *statuses, const char *want_body, long status, const char *body,
		      size_t len, struct mlc_err *err)
{
	bool ok = false;
	for (char *const *s = statuses; s && *s; s++)
		ok = ok || status_matches(*s, status);
	if (!statuses || !*statuses)
		ok = status >= 200 && status <= 299;
	if (!ok) {
		struct buf want;
		buf_init(&want);
		for (char *const *s = statuses; s && *s; s++)
			buf_printf(&want, "%s%s", s == statuses ? "" : " or ", *s);
		int code = (status == 401 || status == 403) ? MLC_ERR_AUTH : MLC_ERR_HTTP;
		mlc_err_set(err, code, status, "HTTP %ld, expected %s", status,
			    want.len ? want.data : "2xx");
		buf_free(&want);
		return -code;
	}
	if (want_body && *want_body && !memmem(body, len, want_body, strlen(want_body))) {
		/* The start of what came instead, on one line. */
		char got[61];
		size_t k = 0;
		for (size_t i = 0; i < len && k < sizeof got - 1; i++)
			got[k++] =
			    (body[i] == '\n' || body[i] == '\r' || body[i] == '\t') ? ' ' : body[i];
		got[k] = '\0';
		return mlc_err_set(err, MLC_ERR_PROTO, status,
				   "HTTP %ld but the body does not contain \"%s\" (got \"%s%s\")",
				   status, want_body, got, len > k ? "..." : "");
	}
	return 0;
}
