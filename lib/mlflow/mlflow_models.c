/* lib/mlflow/mlflow_models.c — the MLflow model registry: registered models,
 * model versions, aliases ([{alias, version}] on a model, ["champion"] on a
 * version), download URIs, and the bodies of the two writes (set alias,
 * transition stage). Pure parsers; jansson stays in here. */
#include "lib/mlflow/mlflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/jsonx.h"
#include "lib/mlflow/mlflow_json.h"
#include "lib/core/util.h"

void mlflow_model_version_free(struct mlflow_model_version *v)
{
	free(v->name);
	free(v->version);
	free(v->current_stage);
	free(v->description);
	free(v->source);
	free(v->run_id);
	free(v->status);
	free(v->run_link);
	mlflow_kv_free(v->tags, v->ntags);
	free_items(v->aliases, v->naliases, sizeof *v->aliases, free_item_ptr);
	memset(v, 0, sizeof *v);
}

static void version_free_one(void *v)
{
	mlflow_model_version_free(v);
}

static void model_free_one(void *m)
{
	mlflow_model_free(m);
}

void mlflow_model_free(struct mlflow_model *m)
{
	free(m->name);
	free(m->description);
	free_items(m->latest, m->nlatest, sizeof *m->latest, version_free_one);
	mlflow_kv_free(m->tags, m->ntags);
	for (size_t i = 0; i < m->naliases; i++) {
		free(m->aliases[i].alias);
		free(m->aliases[i].version);
	}
	free(m->aliases);
	memset(m, 0, sizeof *m);
}

void mlflow_model_page_free(struct mlflow_model_page *p)
{
	free_items(p->items, p->n, sizeof *p->items, model_free_one);
	free(p->next_page_token);
	memset(p, 0, sizeof *p);
}

void mlflow_version_page_free(struct mlflow_version_page *p)
{
	free_items(p->items, p->n, sizeof *p->items, version_free_one);
	free(p->next_page_token);
	memset(p, 0, sizeof *p);
}

static int parse_version(json_t *o, struct mlflow_model_version *v, const char *path,
			 struct mlc_err *err)
{
	int rc;
	json_t *arr;
	if (!json_is_object(o))
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s: expected object", path);
	if ((rc = jsonx_get_str(o, "name", &v->name, "mlflow", path, err)) ||
	    (rc = jsonx_get_str(o, "version", &v->version, "mlflow", path, err)) ||
	    (rc = jsonx_get_str(o, "current_stage", &v->current_stage, "mlflow", path, err)) ||
	    (rc = jsonx_get_str(o, "description", &v->description, "mlflow", path, err)) ||
	    (rc = jsonx_get_str(o, "source", &v->source, "mlflow", path, err)) ||
	    (rc = jsonx_get_str(o, "run_id", &v->run_id, "mlflow", path, err)) ||
	    (rc = jsonx_get_str(o, "status", &v->status, "mlflow", path, err)) ||
	    (rc = jsonx_get_str(o, "run_link", &v->run_link, "mlflow", path, err)) ||
	    (rc = jsonx_get_i64(o, "creation_timestamp", &v->creation_timestamp, "mlflow", path,
				err)) ||
	    (rc = jsonx_get_i64(o, "last_updated_timestamp", &v->last_updated_timestamp, "mlflow",
				path, err)) ||
	    (rc = mlflow_get_kv(o, "tags", &v->tags, &v->ntags, path, err)) ||
	    (rc = jsonx_get_array(o, "aliases", &arr, "mlflow", path, err)))
		return rc;
	if (!v->version)
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s.version: missing", path);
	size_t n = arr ? json_array_size(arr) : 0;
	if (n)
		v->aliases = xcalloc(n, sizeof *v->aliases);
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_array_get(arr, i);
		if (!json_is_string(a))
			return mlc_err_set(err, MLC_ERR_PARSE, 0,
					   "mlflow: %s.aliases[%zu]: expected string", path, i);
		v->aliases[v->naliases++] = jsonx_strdup(a);
	}
	return 0;
}

static int parse_model(json_t *o, struct mlflow_model *m, const char *path, struct mlc_err *err)
{
	int rc;
	json_t *arr;
	if (!json_is_object(o))
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s: expected object", path);
	if ((rc = jsonx_get_str(o, "name", &m->name, "mlflow", path, err)) ||
	    (rc = jsonx_get_str(o, "description", &m->description, "mlflow", path, err)) ||
	    (rc = jsonx_get_i64(o, "creation_timestamp", &m->creation_timestamp, "mlflow", path,
				err)) ||
	    (rc = jsonx_get_i64(o, "last_updated_timestamp", &m->last_updated_timestamp, "mlflow",
				path, err)) ||
	    (rc = mlflow_get_kv(o, "tags", &m->tags, &m->ntags, path, err)) ||
	    (rc = jsonx_get_array(o, "latest_versions", &arr, "mlflow", path, err)))
		return rc;
	if (!m->name)
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s.name: missing", path);
	size_t n = arr ? json_array_size(arr) : 0;
	if (n)
		m->latest = xcalloc(n, sizeof *m->latest);
	for (size_t i = 0; i < n; i++) {
		char sub[96];
		snprintf(sub, sizeof sub, "%s.latest_versions[%zu]", path, i);
		m->nlatest++;
		if ((rc = parse_version(json_array_get(arr, i), &m->latest[i], sub, err)))
			return rc;
	}
	if ((rc = jsonx_get_array(o, "aliases", &arr, "mlflow", path, err)))
		return rc;
	n = arr ? json_array_size(arr) : 0;
	if (n)
		m->aliases = xcalloc(n, sizeof *m->aliases);
	for (size_t i = 0; i < n; i++) {
		char sub[96];
		json_t *a = json_array_get(arr, i);
		struct mlflow_alias *al = &m->aliases[i];
		snprintf(sub, sizeof sub, "%s.aliases[%zu]", path, i);
		if (!json_is_object(a))
			return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s: expected object",
					   sub);
		m->naliases++;
		if ((rc = jsonx_get_str(a, "alias", &al->alias, "mlflow", sub, err)) ||
		    (rc = jsonx_get_str(a, "version", &al->version, "mlflow", sub, err)))
			return rc;
		if (!al->alias || !al->version)
			return mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: %s.%s: missing", sub,
					   al->alias ? "version" : "alias");
	}
	return 0;
}

/* The shared shape of both searches: {ITEMS: [...], next_page_token}. */
typedef int (*item_fn)(json_t *o, void *item, const char *path, struct mlc_err *err);

static int parse_list(const char *body, size_t len, const char *what, const char *key,
		      size_t item_size, item_fn fn, void **items, size_t *n, char **token,
		      struct mlc_err *err)
{
	int rc;
	json_t *arr;
	*items = NULL;
	*n = 0;
	*token = NULL;
	json_t *root = jsonx_load_object(body, len, what, err);
	if (!root)
		return -MLC_ERR_PARSE;
	if ((rc = jsonx_get_str(root, "next_page_token", token, "mlflow", "(root)", err)) ||
	    (rc = jsonx_get_array(root, key, &arr, "mlflow", "(root)", err)) || !arr)
		goto out;
	size_t cnt = json_array_size(arr);
	*items = xcalloc(cnt ? cnt : 1, item_size);
	for (size_t i = 0; i < cnt; i++) {
		char path[64];
		snprintf(path, sizeof path, "%s[%zu]", key, i);
		(*n)++;
		if ((rc = fn(json_array_get(arr, i), (char *)*items + i * item_size, path, err)))
			goto out;
	}
out:
	json_decref(root);
	return rc;
}

static int model_item(json_t *o, void *item, const char *path, struct mlc_err *err)
{
	return parse_model(o, item, path, err);
}

static int version_item(json_t *o, void *item, const char *path, struct mlc_err *err)
{
	return parse_version(o, item, path, err);
}

int mlflow_parse_model_page(struct mlflow_model_page *out, const char *body, size_t len,
			    struct mlc_err *err)
{
	void *items;
	int rc =
	    parse_list(body, len, "mlflow: registered-models/search", "registered_models",
		       sizeof *out->items, model_item, &items, &out->n, &out->next_page_token, err);
	out->items = items;
	if (rc)
		mlflow_model_page_free(out);
	return rc;
}

int mlflow_parse_version_page(struct mlflow_version_page *out, const char *body, size_t len,
			      struct mlc_err *err)
{
	void *items;
	int rc = parse_list(body, len, "mlflow: model-versions/search", "model_versions",
			    sizeof *out->items, version_item, &items, &out->n,
			    &out->next_page_token, err);
	out->items = items;
	if (rc)
		mlflow_version_page_free(out);
	return rc;
}

int mlflow_parse_model_get(struct mlflow_model *out, const char *body, size_t len,
			   struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = jsonx_load_object(body, len, "mlflow: registered-models/get", err);
	if (!root)
		return -MLC_ERR_PARSE;
	json_t *m = jsonx_member(root, "registered_model", "mlflow", err);
	int rc = m ? parse_model(m, out, "registered_model", err) : -MLC_ERR_PARSE;
	json_decref(root);
	if (rc)
		mlflow_model_free(out);
	return rc;
}

int mlflow_parse_version_get(struct mlflow_model_version *out, const char *body, size_t len,
			     struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = jsonx_load_object(body, len, "mlflow: model-versions/get", err);
	if (!root)
		return -MLC_ERR_PARSE;
	json_t *v = jsonx_member(root, "model_version", "mlflow", err);
	int rc = v ? parse_version(v, out, "model_version", err) : -MLC_ERR_PARSE;
	json_decref(root);
	if (rc)
		mlflow_model_version_free(out);
	return rc;
}

int mlflow_parse_download_uri(char **out, const char *body, size_t len, struct mlc_err *err)
{
	*out = NULL;
	json_t *root = jsonx_load_object(body, len, "mlflow: get-download-uri", err);
	if (!root)
		return -MLC_ERR_PARSE;
	int rc = jsonx_get_str(root, "artifact_uri", out, "mlflow", "(root)", err);
	if (!rc && !*out)
		rc = mlc_err_set(err, MLC_ERR_PARSE, 0, "mlflow: artifact_uri: missing");
	json_decref(root);
	return rc;
}

char *mlflow_alias_body(const char *name, const char *alias, const char *version)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(name ? name : ""));
	json_object_set_new(o, "alias", json_string(alias ? alias : ""));
	if (version)
		json_object_set_new(o, "version", json_string(version));
	return jsonx_dump(o);
}

char *mlflow_transition_body(const char *name, const char *version, const char *stage,
			     bool archive_existing)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(name ? name : ""));
	json_object_set_new(o, "version", json_string(version ? version : ""));
	json_object_set_new(o, "stage", json_string(stage ? stage : ""));
	json_object_set_new(o, "archive_existing_versions", json_boolean(archive_existing));
	return jsonx_dump(o);
}
