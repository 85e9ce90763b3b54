/* lib/prom/prom.c — Prometheus's query answers into struct prom_result
 * (see prom.h): the {status, data: {resultType, result}} envelope, matrix
 * series of [t, "v"] pairs, vector series of one pair, a scalar or string
 * result as a bare pair; errors as the server words them. Pure: no I/O,
 * never crashes on any input. */
#include "lib/prom/prom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/http.h"
#include "lib/core/jsonx.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"

/* [t, "v"] into p; false when the pair is not one. */
static bool pair(json_t *a, struct prom_point *p)
{
	json_t *t = json_array_get(a, 0), *v = json_array_get(a, 1);
	if (!json_is_array(a) || !json_is_number(t) || !json_is_string(v))
		return false;
	p->t = json_number_value(t);
	p->v = jsonx_strdup(v);
	return true;
}

static void series_from(struct prom_series *s, json_t *o)
{
	const char *k;
	json_t *v;
	json_t *m = json_object_get(o, "metric");
	s->labels = xcalloc(json_object_size(m) + 1, sizeof *s->labels);
	json_object_foreach(m, k, v)
	{
		if (json_is_string(v))
			s->labels[s->nlabels++] =
			    xasprintf("%.200s=%.400s", k, json_string_value(v));
	}
	json_t *vals = json_object_get(o, "values");
	size_t i;
	json_t *e;
	if (json_is_array(vals)) {
		s->pts = xcalloc(json_array_size(vals) + 1, sizeof *s->pts);
		json_array_foreach(vals, i, e)
		{
			if (pair(e, &s->pts[s->n]))
				s->n++;
		}
	} else {
		s->pts = xcalloc(1, sizeof *s->pts);
		if (pair(json_object_get(o, "value"), &s->pts[0]))
			s->n = 1;
	}
}

/* status "error": "prometheus: TYPE: TEXT" in the server's words. */
static int status_error(json_t *root, struct mlc_err *err)
{
	json_t *et = json_object_get(root, "errorType"), *e = json_object_get(root, "error");
	char *t = san_str(json_is_string(et) ? json_string_value(et) : "error");
	char *m = san_str(json_is_string(e) ? json_string_value(e) : "no error text");
	mlc_err_set(err, MLC_ERR_PROTO, 0, "prometheus: %.60s: %.180s", t, m);
	free(t);
	free(m);
	return -MLC_ERR_PROTO;
}

int prom_result_parse(struct prom_result *out, const char *body, size_t len, struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = jsonx_load_object(body ? body : "", body ? len : 0, "prometheus", err);
	if (!root)
		return -err->code;
	int rc = 0;
	json_t *st = json_object_get(root, "status");
	json_t *data = json_object_get(root, "data");
	json_t *type = json_object_get(data, "resultType");
	json_t *res = json_object_get(data, "result");
	if (!json_is_string(st) || strcmp(json_string_value(st), "success") != 0) {
		rc = status_error(root, err);
	} else if (!json_is_string(type)) {
		rc = mlc_err_set(err, MLC_ERR_PARSE, 0,
				 "prometheus: data.resultType: expected string");
	} else if (!strcmp(json_string_value(type), "scalar") ||
		   !strcmp(json_string_value(type), "string")) {
		out->type = jsonx_strdup(type);
		out->v = xcalloc(1, sizeof *out->v);
		out->v[0].pts = xcalloc(1, sizeof *out->v[0].pts);
		if (!pair(res, &out->v[0].pts[0]))
			rc = mlc_err_set(err, MLC_ERR_PARSE, 0,
					 "prometheus: data.result: expected [time, \"value\"]");
		out->n = 1;
		out->v[0].n = rc ? 0 : 1;
	} else if (!json_is_array(res)) {
		rc = mlc_err_set(err, MLC_ERR_PARSE, 0, "prometheus: data.result: expected array");
	} else {
		out->type = jsonx_strdup(type);
		out->v = xcalloc(json_array_size(res) + 1, sizeof *out->v);
		size_t i;
		json_t *e;
		json_array_foreach(res, i, e)
		{
			if (json_is_object(e))
				series_from(&out->v[out->n++], e);
		}
	}
	json_decref(root);
	if (rc)
		prom_result_free(out);
	return rc;
}

static void point_free(void *item)
{
	free(((struct prom_point *)item)->v);
}

static void series_free(void *item)
{
	struct prom_series *s = item;
	free_items(s->labels, s->nlabels, sizeof *s->labels, free_item_ptr);
	free_items(s->pts, s->n, sizeof *s->pts, point_free);
}

void prom_result_free(struct prom_result *r)
{
	free_items(r->v, r->n, sizeof *r->v, series_free);
	free(r->type);
	memset(r, 0, sizeof *r);
}

const char *prom_label(const struct prom_series *s, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < s->nlabels; i++)
		if (!strncmp(s->labels[i], key, kl) && s->labels[i][kl] == '=')
			return s->labels[i] + kl + 1;
	return NULL;
}

double prom_value(const char *v)
{
	if (!v)
		return NAN;
	char *end;
	double d = strtod(v, &end);
	return end != v && !*end ? d : NAN;
}

long prom_step(long range_s, int columns, long min_step_s)
{
	/* range / step + 1 <= pts  <=>  step > range / pts: the smallest
	 * such step */
	long pts = columns > 0 ? 2L * columns : 1;
	long step = (range_s > 0 ? range_s : 0) / pts + 1;
	if (step < min_step_s)
		step = min_step_s;
	return step < 1 ? 1 : step;
}

long prom_points(long range_s, long step_s)
{
	return range_s < 0 ? 0 : range_s / (step_s > 0 ? step_s : 1) + 1;
}

char *prom_quote(const char *s)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "\"");
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(&b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(&b, "\\x%02x", *p);
		else
			buf_printf(&b, "%c", *p);
	}
	buf_puts(&b, "\"");
	return buf_steal(&b);
}

char *prom_query_range_path(const char *query, int64_t start_s, int64_t end_s, long step_s)
{
	char *q = http_urlencode(query, false);
	char *p = xasprintf("/api/v1/query_range?query=%s&start=%lld&end=%lld&step=%ld", q,
			    (long long)start_s, (long long)end_s, step_s);
	free(q);
	return p;
}

char *prom_query_path(const char *query)
{
	char *q = http_urlencode(query, false);
	char *p = xasprintf("/api/v1/query?query=%s", q);
	free(q);
	return p;
}
