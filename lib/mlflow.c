/* lib/mlflow.c — MLflow REST 2.0 pure parsers and request builders (first
 * slice: error bodies, experiments/search). jansson stays in here: bodies are
 * parsed into lib/mlflow.h structs and decref'd at once. Never does I/O,
 * never includes curses. */
#include "mlflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jsonx.h"
#include "util.h"

static char *capdup(const char *s)
{
	size_t l = strnlen(s, MLFLOW_STR_MAX);
	char *d = xmalloc(l + 1);
	memcpy(d, s, l);
	d[l] = '\0';
	return d;
}

/* Optional string field: absent → NULL; present but not a string → error. */
static int get_str(json_t *o, const char *key, char **out, const char *path, struct mlc_err *err)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s.%s: expected string", path,
				   key);
	*out = capdup(json_string_value(v));
	return 0;
}

static int get_i64(json_t *o, const char *key, int64_t *out, const char *path, struct mlc_err *err)
{
	json_t *v = json_object_get(o, key);
	*out = 0;
	if (!v)
		return 0;
	if (!json_is_integer(v))
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s.%s: expected integer", path,
				   key);
	*out = (int64_t)json_integer_value(v);
	return 0;
}

void mlflow_experiment_free(struct mlflow_experiment *e)
{
	free(e->experiment_id);
	free(e->name);
	free(e->artifact_location);
	free(e->lifecycle_stage);
	for (size_t i = 0; i < e->ntags; i++) {
		free(e->tags[i].key);
		free(e->tags[i].value);
	}
	free(e->tags);
	memset(e, 0, sizeof *e);
}

void mlflow_experiment_page_free(struct mlflow_experiment_page *p)
{
	for (size_t i = 0; i < p->n; i++)
		mlflow_experiment_free(&p->items[i]);
	free(p->items);
	free(p->next_page_token);
	memset(p, 0, sizeof *p);
}

static int parse_experiment(json_t *o, struct mlflow_experiment *e, const char *path,
			    struct mlc_err *err)
{
	int rc;
	if (!json_is_object(o))
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s: expected object", path);
	if ((rc = get_str(o, "experiment_id", &e->experiment_id, path, err)) ||
	    (rc = get_str(o, "name", &e->name, path, err)) ||
	    (rc = get_str(o, "artifact_location", &e->artifact_location, path, err)) ||
	    (rc = get_str(o, "lifecycle_stage", &e->lifecycle_stage, path, err)) ||
	    (rc = get_i64(o, "creation_time", &e->creation_time, path, err)) ||
	    (rc = get_i64(o, "last_update_time", &e->last_update_time, path, err)))
		return rc;
	if (!e->experiment_id)
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s.experiment_id: missing",
				   path);
	json_t *tags = json_object_get(o, "tags");
	if (!tags)
		return 0;
	if (!json_is_array(tags))
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s.tags: expected array", path);
	size_t n = json_array_size(tags);
	e->tags = xcalloc(n ? n : 1, sizeof *e->tags);
	for (size_t i = 0; i < n; i++) {
		char sub[96];
		json_t *t = json_array_get(tags, i);
		snprintf(sub, sizeof sub, "%s.tags[%zu]", path, i);
		if (!json_is_object(t))
			return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s: expected object",
					   sub);
		e->ntags++;
		if ((rc = get_str(t, "key", &e->tags[i].key, sub, err)) ||
		    (rc = get_str(t, "value", &e->tags[i].value, sub, err)))
			return rc;
		if (!e->tags[i].key)
			return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s.key: missing", sub);
	}
	return 0;
}

int mlflow_parse_experiment_page(struct mlflow_experiment_page *out, const char *body, size_t len,
				 struct mlc_err *err)
{
	int rc = 0;
	memset(out, 0, sizeof *out);
	json_t *root = jsonx_load(body, len, "mlflow: experiments/search", err);
	if (!root)
		return -MLC_ERR_PARSE;
	if (!json_is_object(root)) {
		rc = mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: (root): expected object");
		goto out;
	}
	if ((rc = get_str(root, "next_page_token", &out->next_page_token, "(root)", err)))
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
		if ((rc = parse_experiment(json_array_get(arr, i), &out->items[i], path, err)))
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
