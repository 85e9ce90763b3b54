/* lib/mlflow/mlflow_runs.c — MLflow runs (key names interned in
 * mlflow_keys.c): runs/search pages, runs/get, the runs/search body, metric histories and artifact
 * listings. Pure: bytes in, structs out; jansson stays in here. Small per
 * run: key names are interned, metrics stored as 32-byte records. */
#include "lib/mlflow/mlflow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/http.h"
#include "lib/core/jsonx.h"
#include "lib/mlflow/mlflow_json.h"
#include "lib/core/util.h"

/* ---- runs -------------------------------------------------------------- */

static const char *const status_names[] = {"UNKNOWN",  "RUNNING", "SCHEDULED",
					   "FINISHED", "FAILED",  "KILLED"};

const char *mlflow_status_name(enum mlflow_status s)
{
	return (unsigned)s < ARRAY_LEN(status_names) ? status_names[s] : "UNKNOWN";
}

static void param_free(void *item)
{
	free(((struct mlflow_param *)item)->value);
}

static void dataset_free(void *item)
{
	struct mlflow_dataset *d = item;
	free(d->name);
	free(d->digest);
	free(d->source_type);
	free(d->source);
	free(d->context);
}

void mlflow_run_free(struct mlflow_run *r)
{
	free(r->run_id);
	free(r->experiment_id);
	free(r->run_name);
	free(r->user_id);
	free(r->artifact_uri);
	free(r->metrics);
	free_items(r->params, r->nparams, sizeof *r->params, param_free);
	free_items(r->tags, r->ntags, sizeof *r->tags, param_free);
	free_items(r->inputs, r->ninputs, sizeof *r->inputs, dataset_free);
	memset(r, 0, sizeof *r);
}

static void run_free_one(void *r)
{
	mlflow_run_free(r);
}

void mlflow_run_page_free(struct mlflow_run_page *p)
{
	free_items(p->items, p->n, sizeof *p->items, run_free_one);
	free(p->next_page_token);
	memset(p, 0, sizeof *p);
}

const struct mlflow_metric *mlflow_run_metric(const struct mlflow_run *r, uint32_t key)
{
	for (size_t i = 0; i < r->nmetrics; i++)
		if (r->metrics[i].key == key)
			return &r->metrics[i];
	return NULL;
}

const char *mlflow_run_param(const struct mlflow_run *r, uint32_t key)
{
	for (size_t i = 0; i < r->nparams; i++)
		if (r->params[i].key == key)
			return r->params[i].value ? r->params[i].value : "";
	return NULL;
}

const char *mlflow_run_tag(const struct mlflow_run *r, const struct mlflow_keys *k, const char *key)
{
	long idx = mlflow_keys_find(k, key);
	for (size_t i = 0; idx >= 0 && i < r->ntags; i++)
		if (r->tags[i].key == (uint32_t)idx)
			return r->tags[i].value ? r->tags[i].value : "";
	return NULL;
}

/* A metric value: a number, or MLflow's strings for the non-finite ones. */
static int get_value(json_t *o, double *out, const char *path, struct mlc_err *err)
{
	json_t *v = json_object_get(o, "value");
	*out = 0;
	if (!v)
		return 0;
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (!strcmp(s, "NaN")) {
			*out = NAN;
			return 0;
		}
		if (!strcmp(s, "Infinity")) {
			*out = INFINITY;
			return 0;
		}
		if (!strcmp(s, "-Infinity")) {
			*out = -INFINITY;
			return 0;
		}
	}
	return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s.value: expected number", path);
}

/* Interns a key as jsonx_strdup shows it (a NUL inside cannot shorten it). */
static uint32_t intern(struct mlflow_keys *k, json_t *key)
{
	char *s = jsonx_strdup(key);
	uint32_t id = mlflow_keys_intern(k, s);
	free(s);
	return id;
}

static int parse_metric(json_t *o, struct mlflow_metric *m, struct mlflow_keys *k, const char *path,
			struct mlc_err *err)
{
	if (!json_is_object(o))
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s: expected object", path);
	json_t *key = json_object_get(o, "key");
	if (!json_is_string(key))
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s.key: expected string", path);
	int rc;
	if ((rc = get_value(o, &m->value, path, err)) ||
	    (rc = jsonx_get_i64(o, "timestamp", &m->timestamp, "mlflow", path, err)) ||
	    (rc = jsonx_get_i64(o, "step", &m->step, "mlflow", path, err)))
		return rc;
	m->key = intern(k, key);
	return 0;
}

/* A [{key, value}] list (params, tags) with interned keys. */
static int parse_pairs(json_t *data, const char *name, struct mlflow_param **out, size_t *count,
		       size_t max, struct mlflow_keys *k, const char *sub, struct mlc_err *err)
{
	json_t *arr;
	int rc;
	size_t got = 0;
	*count = 0;
	if ((rc = jsonx_get_array(data, name, &arr, "mlflow", sub, err)))
		return rc;
	size_t n = arr ? MLC_MIN(json_array_size(arr), max) : 0;
	if (n)
		*out = xcalloc(n, sizeof **out);
	for (size_t i = 0; i < n && !rc; i++) {
		char p[128];
		json_t *o = json_array_get(arr, i);
		snprintf(p, sizeof p, "%s.%s[%zu]", sub, name, i);
		json_t *key = json_is_object(o) ? json_object_get(o, "key") : NULL;
		if (!json_is_string(key)) {
			rc = mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s%s", p,
					 json_is_object(o) ? ".key: expected string"
							   : ": expected object");
			break;
		}
		(*out)[i].key = intern(k, key);
		got++;
		rc = jsonx_get_str(o, "value", &(*out)[i].value, "mlflow", p, err);
	}
	*count = got;
	return rc;
}

static int parse_data(json_t *data, struct mlflow_run *r, struct mlflow_keys *k, const char *path,
		      struct mlc_err *err)
{
	char sub[96];
	json_t *arr;
	int rc;
	snprintf(sub, sizeof sub, "%s.data", path);
	if (!json_is_object(data))
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s: expected object", sub);
	if ((rc = jsonx_get_array(data, "metrics", &arr, "mlflow", sub, err)))
		return rc;
	size_t n = arr ? MLC_MIN(json_array_size(arr), 65535) : 0;
	if (n)
		r->metrics = xcalloc(n, sizeof *r->metrics);
	for (size_t i = 0; i < n; i++) {
		char p[128];
		snprintf(p, sizeof p, "%s.metrics[%zu]", sub, i);
		if ((rc = parse_metric(json_array_get(arr, i), &r->metrics[i], k, p, err)))
			return rc;
		r->nmetrics++;
	}
	size_t cnt;
	/* The counts are set whatever happened, so that a failed run frees
	 * what it holds. */
	rc = parse_pairs(data, "params", &r->params, &cnt, 65535, k, sub, err);
	r->nparams = (uint16_t)cnt;
	if (rc)
		return rc;
	rc = parse_pairs(data, "tags", &r->tags, &cnt, 1u << 20, k, sub, err);
	r->ntags = (uint32_t)cnt;
	return rc;
}

static int parse_inputs(json_t *in, struct mlflow_run *r, const char *path, struct mlc_err *err)
{
	char sub[96];
	json_t *arr;
	int rc;
	snprintf(sub, sizeof sub, "%s.inputs", path);
	if (!json_is_object(in))
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s: expected object", sub);
	if ((rc = jsonx_get_array(in, "dataset_inputs", &arr, "mlflow", sub, err)) || !arr)
		return rc;
	size_t n = MLC_MIN(json_array_size(arr), 1000);
	if (n)
		r->inputs = xcalloc(n, sizeof *r->inputs);
	for (size_t i = 0; i < n; i++) {
		char p[128];
		json_t *o = json_array_get(arr, i);
		snprintf(p, sizeof p, "%s.dataset_inputs[%zu]", sub, i);
		json_t *ds = json_is_object(o) ? json_object_get(o, "dataset") : NULL;
		if (!json_is_object(ds))
			return mlc_err_set(err, MLC_ERR_PARSE, 0,
					   "mlflow: %s.dataset: expected object", p);
		struct mlflow_dataset *d = &r->inputs[i];
		r->ninputs++;
		struct mlflow_kv *tags;
		size_t nt;
		if ((rc = jsonx_get_str(ds, "name", &d->name, "mlflow", p, err)) ||
		    (rc = jsonx_get_str(ds, "digest", &d->digest, "mlflow", p, err)) ||
		    (rc = jsonx_get_str(ds, "source_type", &d->source_type, "mlflow", p, err)) ||
		    (rc = jsonx_get_str(ds, "source", &d->source, "mlflow", p, err)))
			return rc;
		rc = mlflow_get_kv(o, "tags", &tags, &nt, p, err);
		for (size_t j = 0; !rc && j < nt; j++)
			if (!d->context && !strcmp(tags[j].key, "mlflow.data.context") &&
			    tags[j].value)
				d->context = xstrdup(tags[j].value);
		mlflow_kv_free(tags, nt); /* also what a failed list holds */
		if (rc)
			return rc;
	}
	return 0;
}

static uint8_t status_parse(const char *s)
{
	for (size_t i = 1; s && i < ARRAY_LEN(status_names); i++)
		if (!strcmp(s, status_names[i]))
			return (uint8_t)i;
	return MLFLOW_ST_UNKNOWN;
}

static int parse_run(json_t *o, struct mlflow_run *r, struct mlflow_keys *k, const char *path,
		     struct mlc_err *err)
{
	char sub[96];
	int rc;
	if (!json_is_object(o))
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s: expected object", path);
	json_t *info = json_object_get(o, "info");
	snprintf(sub, sizeof sub, "%s.info", path);
	if (!json_is_object(info))
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s: %s", sub,
				   info ? "expected object" : "missing");
	char *status = NULL, *stage = NULL;
	if ((rc = jsonx_get_str(info, "run_id", &r->run_id, "mlflow", sub, err)) ||
	    (!r->run_id &&
	     (rc = jsonx_get_str(info, "run_uuid", &r->run_id, "mlflow", sub, err))) ||
	    (rc = jsonx_get_str(info, "experiment_id", &r->experiment_id, "mlflow", sub, err)) ||
	    (rc = jsonx_get_str(info, "run_name", &r->run_name, "mlflow", sub, err)) ||
	    (rc = jsonx_get_str(info, "user_id", &r->user_id, "mlflow", sub, err)) ||
	    (rc = jsonx_get_str(info, "artifact_uri", &r->artifact_uri, "mlflow", sub, err)) ||
	    (rc = jsonx_get_i64(info, "start_time", &r->start_time, "mlflow", sub, err)) ||
	    (rc = jsonx_get_i64(info, "end_time", &r->end_time, "mlflow", sub, err)) ||
	    (rc = jsonx_get_str(info, "status", &status, "mlflow", sub, err)) ||
	    (rc = jsonx_get_str(info, "lifecycle_stage", &stage, "mlflow", sub, err))) {
		free(status);
		free(stage);
		return rc;
	}
	r->status = status_parse(status);
	r->deleted = stage && !strcmp(stage, "deleted");
	free(status);
	free(stage);
	if (!r->run_id)
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s.run_id: missing", sub);
	json_t *data = json_object_get(o, "data");
	if (data && (rc = parse_data(data, r, k, path, err)))
		return rc;
	json_t *in = json_object_get(o, "inputs");
	if (in && (rc = parse_inputs(in, r, path, err)))
		return rc;
	for (size_t i = 0; i < r->ntags; i++) {
		const char *key = mlflow_keys_name(k, r->tags[i].key);
		if (!strcmp(key, "mlflow.parentRunId"))
			r->parent_run_id = r->tags[i].value;
		else if (!strcmp(key, "mlflow.source.name"))
			r->source_name = r->tags[i].value;
		else if (!r->run_name && !strcmp(key, "mlflow.runName") && r->tags[i].value)
			r->run_name = xstrdup(r->tags[i].value);
	}
	return 0;
}

int mlflow_parse_run_page(struct mlflow_run_page *out, struct mlflow_keys *k, const char *body,
			  size_t len, struct mlc_err *err)
{
	int rc = 0;
	json_t *arr;
	memset(out, 0, sizeof *out);
	json_t *root = jsonx_load_object(body, len, "mlflow: runs/search", err);
	if (!root)
		return -MLC_ERR_PARSE;
	if ((rc = jsonx_get_str(root, "next_page_token", &out->next_page_token, "mlflow", "(root)",
				err)) ||
	    (rc = jsonx_get_array(root, "runs", &arr, "mlflow", "(root)", err)) || !arr)
		goto out;
	size_t n = json_array_size(arr);
	out->items = xcalloc(n ? n : 1, sizeof *out->items);
	for (size_t i = 0; i < n; i++) {
		char path[48];
		snprintf(path, sizeof path, "runs[%zu]", i);
		out->n++;
		if ((rc = parse_run(json_array_get(arr, i), &out->items[i], k, path, err)))
			goto out;
	}
out:
	json_decref(root);
	if (rc)
		mlflow_run_page_free(out);
	return rc;
}

int mlflow_parse_run_get(struct mlflow_run *out, struct mlflow_keys *k, const char *body,
			 size_t len, struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = jsonx_load_object(body, len, "mlflow: runs/get", err);
	if (!root)
		return -MLC_ERR_PARSE;
	json_t *r = jsonx_member(root, "run", "mlflow", err);
	int rc = r ? parse_run(r, out, k, "run", err) : -MLC_ERR_PARSE;
	json_decref(root);
	if (rc)
		mlflow_run_free(out);
	return rc;
}

char *mlflow_peek_page_token(const char *body, size_t len)
{
	static const char key[] = "\"next_page_token\"";
	if (!body || len < sizeof key - 1)
		return NULL;
	const char *end = body + len;
	/* MLflow writes it last: search from the end. */
	for (size_t off = len - (sizeof key - 1) + 1; off-- > 0;) {
		const char *k = body + off;
		if (memcmp(k, key, sizeof key - 1) != 0)
			continue;
		const char *p = k + sizeof key - 1;
		while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
			p++;
		if (p >= end || *p++ != ':')
			continue;
		while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
			p++;
		if (p >= end || *p++ != '"')
			return NULL;
		struct buf b;
		buf_init(&b);
		for (; p < end && *p != '"' && b.len < MLFLOW_STR_MAX; p++) {
			if (*p == '\\') {
				if (++p >= end || (*p != '"' && *p != '\\' && *p != '/'))
					break;
			} else if ((unsigned char)*p < 0x20) {
				break;
			}
			buf_append(&b, p, 1);
		}
		if (p < end && *p == '"' && b.len)
			return buf_steal(&b);
		buf_free(&b);
		return NULL;
	}
	return NULL;
}

static json_t *str_array(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		if (v[i] && v[i][0])
			json_array_append_new(a, json_string(v[i]));
	return a;
}

char *mlflow_runs_search_body(const struct mlflow_runs_query *q)
{
	json_t *o = json_object();
	json_object_set_new(o, "experiment_ids", str_array(q->experiment_ids, q->nexp));
	if (q->filter && q->filter[0])
		json_object_set_new(o, "filter", json_string(q->filter));
	if (q->norder)
		json_object_set_new(o, "order_by", str_array(q->order_by, q->norder));
	if (q->run_view_type && q->run_view_type[0])
		json_object_set_new(o, "run_view_type", json_string(q->run_view_type));
	int mr = q->max_results < 1 ? 1 : q->max_results > 1000 ? 1000 : q->max_results;
	json_object_set_new(o, "max_results", json_integer(mr));
	if (q->page_token && q->page_token[0])
		json_object_set_new(o, "page_token", json_string(q->page_token));
	return jsonx_dump(o);
}

/* ---- metric history ---------------------------------------------------- */

void mlflow_history_free(struct mlflow_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->pts[i].run_id);
	free(h->pts);
	memset(h, 0, sizeof *h);
}

int mlflow_parse_history(struct mlflow_history *out, const char *body, size_t len,
			 struct mlc_err *err)
{
	int rc = 0;
	json_t *arr;
	memset(out, 0, sizeof *out);
	json_t *root = jsonx_load_object(body, len, "mlflow: metrics/get-history", err);
	if (!root)
		return -MLC_ERR_PARSE;
	if ((rc = jsonx_get_array(root, "metrics", &arr, "mlflow", "(root)", err)) || !arr)
		goto out;
	size_t n = json_array_size(arr);
	out->pts = xcalloc(n ? n : 1, sizeof *out->pts);
	for (size_t i = 0; i < n; i++) {
		char path[48];
		json_t *o = json_array_get(arr, i);
		struct mlflow_point *p = &out->pts[i];
		snprintf(path, sizeof path, "metrics[%zu]", i);
		if (!json_is_object(o)) {
			rc =
			    mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s: expected object", path);
			goto out;
		}
		out->n++;
		if ((rc = get_value(o, &p->value, path, err)) ||
		    (rc = jsonx_get_i64(o, "timestamp", &p->timestamp, "mlflow", path, err)) ||
		    (rc = jsonx_get_i64(o, "step", &p->step, "mlflow", path, err)) ||
		    (rc = jsonx_get_str(o, "run_id", &p->run_id, "mlflow", path, err)))
			goto out;
	}
out:
	json_decref(root);
	if (rc)
		mlflow_history_free(out);
	return rc;
}

/* ---- artifacts ----------------------------------------------------------- */

void mlflow_file_list_free(struct mlflow_file_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->files[i].path);
	free(l->files);
	free(l->root_uri);
	memset(l, 0, sizeof *l);
}

int mlflow_parse_file_list(struct mlflow_file_list *out, const char *body, size_t len,
			   struct mlc_err *err)
{
	int rc = 0;
	json_t *arr;
	memset(out, 0, sizeof *out);
	json_t *root = jsonx_load_object(body, len, "mlflow: artifacts/list", err);
	if (!root)
		return -MLC_ERR_PARSE;
	if ((rc = jsonx_get_str(root, "root_uri", &out->root_uri, "mlflow", "(root)", err)) ||
	    (rc = jsonx_get_array(root, "files", &arr, "mlflow", "(root)", err)) || !arr)
		goto out;
	size_t n = json_array_size(arr);
	out->files = xcalloc(n ? n : 1, sizeof *out->files);
	for (size_t i = 0; i < n; i++) {
		char path[48];
		json_t *o = json_array_get(arr, i);
		struct mlflow_file *f = &out->files[i];
		snprintf(path, sizeof path, "files[%zu]", i);
		if (!json_is_object(o)) {
			rc =
			    mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s: expected object", path);
			goto out;
		}
		out->n++;
		if ((rc = jsonx_get_str(o, "path", &f->path, "mlflow", path, err)) ||
		    (rc = jsonx_get_bool(o, "is_dir", &f->is_dir, "mlflow", path, err)) ||
		    (rc = jsonx_get_i64(o, "file_size", &f->file_size, "mlflow", path, err)))
			goto out;
		if (!f->path) {
			rc = mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s.path: missing", path);
			goto out;
		}
		if (f->is_dir)
			f->file_size = -1;
	}
out:
	json_decref(root);
	if (rc)
		mlflow_file_list_free(out);
	return rc;
}

char *mlflow_artifact_url(const char *base, const char *artifact_uri, const char *run_id,
			  const char *path)
{
	static const char proxy[] = "mlflow-artifacts:/";
	if (artifact_uri && str_starts(artifact_uri, proxy)) {
		const char *rest = artifact_uri + strlen(proxy);
		while (*rest == '/')
			rest++;
		char *full = xasprintf("%s%s%s", rest, *rest && path[0] ? "/" : "", path);
		char *enc = http_urlencode(full, true);
		char *url = xasprintf("%s/api/2.0/mlflow-artifacts/artifacts/%s", base, enc);
		free(enc);
		free(full);
		return url;
	}
	const char *kv[] = {"path", path, "run_uuid", run_id, NULL};
	return mlflow_url(base, "/get-artifact", kv);
}

void mlflow_fmt_metric(char *out, size_t n, double v)
{
	if (isnan(v))
		snprintf(out, n, "NaN");
	else if (v >= 1.7976931348623157e308)
		snprintf(out, n, "+Inf");
	else if (v <= -1.7976931348623157e308)
		snprintf(out, n, "-Inf");
	else if (v != 0 && (fabs(v) >= 1e7 || fabs(v) < 1e-4))
		snprintf(out, n, "%.3g", v);
	else
		snprintf(out, n, "%.6g", v);
}
