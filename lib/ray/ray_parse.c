/* lib/ray/ray_parse.c — the cluster's parsers (see ray.h): /api/version,
 * /api/cluster_status (camelCased keys, [used, total] pairs) and
 * /nodes?view=summary (camelCased, numbers sometimes as strings, dead nodes
 * without host stats), plus the helpers every Ray parser shares
 * (ray_int.h). Pure: no I/O, never crashes on any input. */
#include "lib/ray/ray.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/jsonx.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "lib/ray/ray_int.h"

/* ---- shared helpers ------------------------------------------------------ */

/* One string with a NUL or a lone surrogate must not cost the whole page:
 * the body is read as jsonx_load_object reads pages of user data, wrapped
 * in {"r": ...} since Ray's roots may be arrays (/api/jobs/). */
json_t *ray_load(const char *body, size_t len, const char *what, json_type type,
		 struct mlc_err *err)
{
	char who[96];
	snprintf(who, sizeof who, "ray: %s", what);
	size_t i = 0;
	while (body && i < len &&
	       (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	if (type == JSON_OBJECT && body && i < len && body[i] == '{')
		/* an object root loads as it is: no copy of a body of megabytes */
		return jsonx_load_object(body, len, who, err);
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "{\"r\":");
	if (body)
		buf_append(&b, body, len);
	buf_puts(&b, "}");
	json_t *wrap = jsonx_load_object(b.data, b.len, who, err);
	buf_free(&b);
	if (wrap && json_object_size(wrap) != 1) { /* the body closed the wrapper */
		mlc_err_set(err, MLC_ERR_PARSE, 0, "ray: %s: malformed JSON", what);
		json_decref(wrap);
		return NULL;
	}
	json_t *root = wrap ? json_incref(json_object_get(wrap, "r")) : NULL;
	json_decref(wrap);
	if (wrap && json_typeof(root) != type) {
		mlc_err_set(err, MLC_ERR_PARSE, 0, "ray: %s: (root): expected %s", what,
			    type == JSON_ARRAY ? "array" : "object");
		json_decref(root);
		return NULL;
	}
	return root;
}

json_t *ray_load_data(const char *body, size_t len, const char *what, json_t **root,
		      struct mlc_err *err)
{
	*root = ray_load(body, len, what, JSON_OBJECT, err);
	if (!*root)
		return NULL;
	json_t *data = NULL;
	json_t *res = json_object_get(*root, "result");
	if (json_is_false(res)) {
		char *msg = rj_str(*root, "msg");
		char *safe = san_str(msg ? msg : "");
		mlc_err_set(err, MLC_ERR_HTTP, 200, "ray: %s: result false%s%.200s", what,
			    *safe ? ": " : "", safe);
		free(safe);
		free(msg);
	} else if (!json_is_object(data = json_object_get(*root, "data"))) {
		mlc_err_set(err, MLC_ERR_PARSE, 0, "ray: %s: data: expected object", what);
		data = NULL;
	}
	if (!data) {
		json_decref(*root);
		*root = NULL;
	}
	return data;
}

json_t *ray_load_rows(const char *body, size_t len, const char *what, json_t **root, int64_t *total,
		      struct mlc_err *err)
{
	*total = -1;
	json_t *data = ray_load_data(body, len, what, root, err);
	if (!data)
		return NULL;
	json_t *res = json_object_get(data, "result");
	json_t *rows = json_object_get(res, "result");
	if (!json_is_array(rows)) {
		json_decref(*root);
		*root = NULL;
		mlc_err_set(err, MLC_ERR_PARSE, 0, "ray: %s: data.result.result: expected array",
			    what);
		return NULL;
	}
	double t = rj_num(res, "total");
	*total = t >= 0 ? (int64_t)t : -1;
	return rows;
}

char *rj_str(json_t *o, const char *key)
{
	json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
	if (json_is_string(v)) {
		/* the common case (short, no NUL) copied at once; the rest capped
		 * and made visible by jsonx_strdup */
		size_t n = json_string_length(v);
		const char *sv = json_string_value(v);
		if (n < JSONX_STR_MAX && !memchr(sv, 0, n))
			return xstrndup(sv, n);
		return jsonx_strdup(v);
	}
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%g", json_real_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	return NULL;
}

double rj_numv(json_t *v)
{
	if (json_is_number(v))
		return json_number_value(v);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		double d = strtod(s, &end);
		if (end != s && !*end)
			return d;
	}
	return RAY_NA;
}

double rj_num(json_t *o, const char *key)
{
	return rj_numv(json_is_object(o) ? json_object_get(o, key) : NULL);
}

char **rj_pairs(json_t *o, size_t *n)
{
	*n = 0;
	if (!json_is_object(o) || !json_object_size(o))
		return NULL;
	char **v = xcalloc(json_object_size(o), sizeof *v);
	const char *k;
	json_t *val;
	json_object_foreach(o, k, val)
	{
		char *s = rj_str(o, k);
		v[(*n)++] = xasprintf("%.200s=%s", k, s ? s : "-");
		free(s);
	}
	return v;
}

void rj_strv_free(char **v, size_t n)
{
	free_items(v, n, sizeof *v, free_item_ptr);
}

void rj_res_free(void *res)
{
	free(((struct ray_res *)res)->name);
}

/* ---- /api/version --------------------------------------------------------- */

int ray_version_parse(struct ray_version *out, const char *body, size_t len, struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = ray_load(body, len, "/api/version", JSON_OBJECT, err);
	if (!root)
		return -err->code;
	out->ray_version = rj_str(root, "ray_version");
	out->api_version = rj_str(root, "version");
	out->session = rj_str(root, "session_name");
	json_decref(root);
	return 0;
}

void ray_version_free(struct ray_version *v)
{
	free(v->ray_version);
	free(v->api_version);
	free(v->session);
	memset(v, 0, sizeof *v);
}

/* ---- /api/cluster_status --------------------------------------------------- */

static void push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = s;
}

/* "{CPU: 4, GPU: 1}" from a resource dict. */
static char *shape_text(json_t *shape)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "{");
	const char *k;
	json_t *val;
	int i = 0;
	json_object_foreach(shape, k, val)
	{
		double d = rj_numv(val);
		if (d == RAY_NA)
			buf_printf(&b, "%s%s: ?", i++ ? ", " : "", k);
		else
			buf_printf(&b, "%s%s: %g", i++ ? ", " : "", k, d);
	}
	buf_puts(&b, "}");
	return buf_steal(&b);
}

/* resourceDemand / requestDemand / pgDemand: [[shape, count], ...]. */
static void parse_demands(struct ray_cluster *c, json_t *list, const char *kind)
{
	size_t i;
	json_t *d;
	json_array_foreach(list, i, d)
	{
		json_t *shape = json_array_get(d, 0);
		double count = rj_numv(json_array_get(d, 1));
		char *s = json_is_object(shape) && !json_object_get(shape, "bundles")
			      ? shape_text(shape)
			      : xstrdup("{placement group}");
		char cnt[32] = "?";
		if (count != RAY_NA)
			snprintf(cnt, sizeof cnt, "%g", count);
		push(&c->demands, &c->ndemands, xasprintf("%s: %s+ pending %s", s, cnt, kind));
		free(s);
	}
}

/* autoscalerReport: pendingNodes [[ip, type, status]], pendingLaunches
 * {type: n}, failedNodes [[ip, type]]. */
static void parse_autoscaler(struct ray_cluster *c, json_t *rep)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(rep, "pendingNodes"), i, e)
	{
		char *ip = jsonx_strdup(json_array_get(e, 0)),
		     *type = jsonx_strdup(json_array_get(e, 1)),
		     *st = jsonx_strdup(json_array_get(e, 2));
		push(&c->pending, &c->npending,
		     xasprintf("%s %s %s", *ip ? ip : "-", *type ? type : "-", *st ? st : "-"));
		free(ip), free(type), free(st);
	}
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(rep, "pendingLaunches"), k, v)
	{
		double n = rj_numv(v);
		char cnt[32] = "?";
		if (n != RAY_NA)
			snprintf(cnt, sizeof cnt, "%g", n);
		push(&c->pending, &c->npending, xasprintf("%s x %s launching", k, cnt));
	}
	json_array_foreach(json_object_get(rep, "failedNodes"), i, e)
	{
		char *ip = jsonx_strdup(json_array_get(e, 0)),
		     *type = jsonx_strdup(json_array_get(e, 1));
		push(&c->failed, &c->nfailed,
		     xasprintf("%s %s", *ip ? ip : "-", *type ? type : "-"));
		free(ip), free(type);
	}
}

int ray_cluster_parse(struct ray_cluster *out, const char *body, size_t len, struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root;
	json_t *data = ray_load_data(body, len, "/api/cluster_status", &root, err);
	if (!data)
		return -err->code;
	json_t *e = json_object_get(data, "autoscalingError");
	if (json_is_string(e) && json_string_length(e))
		out->error = jsonx_strdup(e);
	json_t *cs = json_object_get(data, "clusterStatus");
	out->has_status = json_is_object(cs);
	json_t *lm = json_object_get(cs, "loadMetricsReport");
	json_t *usage = json_object_get(lm, "usage");
	const char *k;
	json_t *v;
	if (json_is_object(usage)) {
		out->res = xcalloc(json_object_size(usage) + 1, sizeof *out->res);
		json_object_foreach(usage, k, v)
		{
			if (str_starts(k, "node:"))
				continue;
			struct ray_res *r = &out->res[out->nres++];
			r->name = jsonx_capdup(k);
			r->used = rj_numv(json_array_get(v, 0));
			r->total = rj_numv(json_array_get(v, 1));
		}
	}
	parse_demands(out, json_object_get(lm, "resourceDemand"), "tasks/actors");
	parse_demands(out, json_object_get(lm, "pgDemand"), "placement groups");
	parse_demands(out, json_object_get(lm, "requestDemand"), "requests");
	parse_autoscaler(out, json_object_get(cs, "autoscalerReport"));
	json_decref(root);
	return 0;
}

void ray_cluster_free(struct ray_cluster *c)
{
	free_items(c->res, c->nres, sizeof *c->res, rj_res_free);
	rj_strv_free(c->demands, c->ndemands);
	rj_strv_free(c->pending, c->npending);
	rj_strv_free(c->failed, c->nfailed);
	free(c->error);
	memset(c, 0, sizeof *c);
}
