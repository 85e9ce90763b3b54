/* lib/mlflow/mlflow.c — MLflow REST 2.0 pure parsers and request builders (first
 * slice: error bodies, experiments/search). jansson stays in here: bodies are
 * parsed into lib/mlflow/mlflow.h structs and decref'd at once. Never does I/O,
 * never includes curses. */
#include "lib/mlflow/mlflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/http.h"
#include "lib/core/jsonx.h"
#include "lib/mlflow/mlflow_json.h"
#include "lib/core/util.h"

_Static_assert(MLFLOW_STR_MAX == JSONX_STR_MAX, "one string cap for every JSON parser");

static void kv_free(void *item)
{
	struct mlflow_kv *kv = item;
	free(kv->key);
	free(kv->value);
}

void mlflow_kv_free(struct mlflow_kv *kv, size_t n)
{
	free_items(kv, n, sizeof *kv, kv_free);
}

int mlflow_get_kv(json_t *o, const char *key, struct mlflow_kv **kv, size_t *n, const char *path,
		  struct mlc_err *err)
{
	json_t *arr;
	int rc;
	*kv = NULL;
	*n = 0;
	if ((rc = jsonx_get_array(o, key, &arr, "mlflow", path, err)) || !arr)
		return rc;
	size_t cnt = json_array_size(arr);
	*kv = xcalloc(cnt ? cnt : 1, sizeof **kv);
	for (size_t i = 0; i < cnt; i++) {
		char sub[128];
		json_t *t = json_array_get(arr, i);
		snprintf(sub, sizeof sub, "%s.%s[%zu]", path, key, i);
		if (!json_is_object(t))
			return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s: expected object",
					   sub);
		(*n)++;
		if ((rc = jsonx_get_str(t, "key", &(*kv)[i].key, "mlflow", sub, err)) ||
		    (rc = jsonx_get_str(t, "value", &(*kv)[i].value, "mlflow", sub, err)))
			return rc;
		if (!(*kv)[i].key)
			return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s.key: missing", sub);
	}
	return 0;
}

void mlflow_experiment_free(struct mlflow_experiment *e)
{
	free(e->experiment_id);
	free(e->name);
	free(e->artifact_location);
	free(e->lifecycle_stage);
	mlflow_kv_free(e->tags, e->ntags);
	memset(e, 0, sizeof *e);
}

static void experiment_free_one(void *e)
{
	mlflow_experiment_free(e);
}

void mlflow_experiment_page_free(struct mlflow_experiment_page *p)
{
	free_items(p->items, p->n, sizeof *p->items, experiment_free_one);
	free(p->next_page_token);
	memset(p, 0, sizeof *p);
}

int mlflow_parse_experiment(json_t *o, struct mlflow_experiment *e, const char *path,
			    struct mlc_err *err)
{
	int rc;
	if (!json_is_object(o))
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s: expected object", path);
	if ((rc = jsonx_get_str(o, "experiment_id", &e->experiment_id, "mlflow", path, err)) ||
	    (rc = jsonx_get_str(o, "name", &e->name, "mlflow", path, err)) ||
	    (rc = jsonx_get_str(o, "artifact_location", &e->artifact_location, "mlflow", path,
				err)) ||
	    (rc = jsonx_get_str(o, "lifecycle_stage", &e->lifecycle_stage, "mlflow", path, err)) ||
	    (rc = jsonx_get_i64(o, "creation_time", &e->creation_time, "mlflow", path, err)) ||
	    (rc = jsonx_get_i64(o, "last_update_time", &e->last_update_time, "mlflow", path, err)))
		return rc;
	if (!e->experiment_id)
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s.experiment_id: missing",
				   path);
	return mlflow_get_kv(o, "tags", &e->tags, &e->ntags, path, err);
}

int mlflow_parse_experiment_page(struct mlflow_experiment_page *out, const char *body, size_t len,
				 struct mlc_err *err)
{
	int rc = 0;
	memset(out, 0, sizeof *out);
	json_t *root = jsonx_load_object(body, len, "mlflow: experiments/search", err);
	if (!root)
		return -MLC_ERR_PARSE;
	if ((rc = jsonx_get_str(root, "next_page_token", &out->next_page_token, "mlflow", "(root)",
				err)))
		goto out;
	json_t *arr = json_object_get(root, "experiments");
	if (!arr)
		goto out;
	if (!json_is_array(arr)) {
		rc = mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: experiments: expected array");
		goto out;
	}
	size_t n = json_array_size(arr);
	out->items = xcalloc(n ? n : 1, sizeof *out->items);
	for (size_t i = 0; i < n; i++) {
		char path[48];
		snprintf(path, sizeof path, "experiments[%zu]", i);
		out->n++;
		if ((rc = mlflow_parse_experiment(json_array_get(arr, i), &out->items[i], path,
						  err)))
			goto out;
	}
out:
	json_decref(root);
	if (rc)
		mlflow_experiment_page_free(out);
	return rc;
}

static void copy_clean(char *out, size_t n, const char *s, size_t slen)
{
	size_t j = 0;
	for (size_t i = 0; i < slen && j + 1 < n; i++)
		out[j++] = s[i];
	out[j] = '\0';
}

void mlflow_stopped_text(size_t rows, char *out, size_t n)
{
	snprintf(out, n, "stopped at %zu rows: more on the server; narrow the listing (a filter)",
		 rows);
}

int mlflow_parse_error(const char *body, size_t len, long status, char *out, size_t n)
{
	if (!out || !n)
		return 1;
	out[0] = '\0';
	if (body && len && len < (1u << 20)) {
		json_error_t je;
		json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
		json_t *code = root ? json_object_get(root, "error_code") : NULL;
		json_t *msg = root ? json_object_get(root, "message") : NULL;
		if (json_is_string(code)) {
			char *s = xasprintf("%s: %s", json_string_value(code),
					    json_is_string(msg) ? json_string_value(msg) : "");
			copy_clean(out, n, s, strlen(s));
			free(s);
			json_decref(root);
			return 0;
		}
		json_decref(root);
		/* Flask HTML page: take <title>…</title>. */
		const char *end = body + len;
		const char *t = memmem(body, len, "<title>", 7);
		if (t) {
			t += 7;
			const char *e = memmem(t, (size_t)(end - t), "</title>", 8);
			if (e && e - t < 200) {
				char tmp[256];
				copy_clean(tmp, sizeof tmp, t, (size_t)(e - t));
				snprintf(out, n, "HTTP %s", tmp);
				return 1;
			}
		}
	}
	snprintf(out, n, "HTTP %ld", status);
	return 1;
}

char *mlflow_experiments_search_url(const char *base, int max_results, const char *view_type,
				    const char *filter, const char *page_token)
{
	char *url =
	    xasprintf("%s/api/2.0/mlflow/experiments/search?max_results=%d", base, max_results);
	const char *names[3] = {"view_type", "filter", "page_token"};
	const char *vals[3] = {view_type, filter, page_token};
	for (int i = 0; i < 3; i++) {
		if (!vals[i])
			continue;
		char *enc = http_urlencode(vals[i], false);
		char *next = xasprintf("%s&%s=%s", url, names[i], enc);
		free(enc);
		free(url);
		url = next;
	}
	return url;
}

/* experiments/get and get-by-name: {"experiment": {...}}. */
int mlflow_parse_experiment_get(struct mlflow_experiment *out, const char *body, size_t len,
				struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = jsonx_load_object(body, len, "mlflow: experiments/get", err);
	if (!root)
		return -MLC_ERR_PARSE;
	json_t *e = jsonx_member(root, "experiment", "mlflow", err);
	int rc = e ? mlflow_parse_experiment(e, out, "experiment", err) : -MLC_ERR_PARSE;
	json_decref(root);
	if (rc)
		mlflow_experiment_free(out);
	return rc;
}

char *mlflow_name_filter(const char *name)
{
	/* name='…' with ' doubled: the filter grammar's SQL-style escape. */
	struct buf f;
	buf_init(&f);
	buf_puts(&f, "name='");
	for (const char *s = name; *s; s++) {
		if (*s == '\'')
			buf_puts(&f, "'");
		buf_append(&f, s, 1);
	}
	buf_puts(&f, "'");
	return buf_steal(&f);
}

char *mlflow_url(const char *base, const char *path, const char *const *kv)
{
	struct buf b;
	buf_init(&b);
	buf_printf(&b, "%s%s", base, path);
	char sep = strchr(path, '?') ? '&' : '?';
	for (size_t i = 0; kv && kv[i]; i += 2) {
		if (!kv[i + 1])
			continue;
		char *enc = http_urlencode(kv[i + 1], false);
		buf_printf(&b, "%c%s=%s", sep, kv[i], enc);
		free(enc);
		sep = '&';
	}
	return buf_steal(&b);
}
