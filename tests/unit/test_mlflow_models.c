/* tests/unit/test_mlflow_models.c — lib/mlflow/mlflow_models.c and the experiment
 * getters on the captured MLflow 2.12.2 registry responses (aliases as
 * objects on a model, strings on a version; "run_link": "" present), the
 * write bodies, then hostile bodies. */
#include "lib/mlflow/mlflow.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "parse_fx.h"
#include "lib/core/util.h"

#define LIT(s) s, sizeof(s) - 1
#define FX     "tests/fixtures/mlflow/"

#define models(file, p)	  PARSE_FX(mlflow_parse_model_page, p, file)
#define versions(file, p) PARSE_FX(mlflow_parse_version_page, p, file)
#define version(file, v)  PARSE_FX(mlflow_parse_version_get, v, file)

/* A parsed version against its object in the capture. */
static void version_matches(const struct mlflow_model_version *v, const json_t *o)
{
	FX_STR_EQ(v->name, o, "name");
	FX_STR_EQ(v->version, o, "version");
	FX_STR_EQ(v->current_stage, o, "current_stage");
	FX_STR_EQ(v->source, o, "source");
	FX_STR_EQ(v->run_id, o, "run_id");
	FX_STR_EQ(v->status, o, "status");
	FX_INT_EQ(v->creation_timestamp, o, "creation_timestamp");
	FX_INT_EQ(v->last_updated_timestamp, o, "last_updated_timestamp");
	cr_assert_eq(v->ntags, fx_len(o, "tags"));
	cr_assert_eq(v->naliases, fx_len(o, "aliases"));
}

/* Every model of the page against the capture's registered_models. */
static void models_match(const struct mlflow_model_page *p, const char *path)
{
	json_t *doc = fx_json(path);
	json_t *arr = json_object_get(doc, "registered_models");
	cr_assert_eq(p->n, json_array_size(arr), "%s: %zu models", path, p->n);
	for (size_t i = 0; i < p->n; i++) {
		const struct mlflow_model *m = &p->items[i];
		json_t *o = json_array_get(arr, i);
		FX_STR_EQ(m->name, o, "name");
		FX_STR_EQ(m->description, o, "description");
		FX_INT_EQ(m->creation_timestamp, o, "creation_timestamp");
		FX_INT_EQ(m->last_updated_timestamp, o, "last_updated_timestamp");
		cr_assert_eq(m->ntags, fx_len(o, "tags"));
		cr_assert_eq(m->naliases, fx_len(o, "aliases"));
		json_t *latest = json_object_get(o, "latest_versions");
		cr_assert_eq(m->nlatest, json_array_size(latest), "%s: %s", path, m->name);
		for (size_t k = 0; k < m->nlatest; k++)
			version_matches(&m->latest[k], json_array_get(latest, k));
	}
	json_decref(doc);
}

/* Every version of the page against the capture's model_versions. */
static void versions_match(const struct mlflow_version_page *p, const char *path)
{
	json_t *doc = fx_json(path);
	json_t *arr = json_object_get(doc, "model_versions");
	cr_assert_eq(p->n, json_array_size(arr), "%s: %zu versions", path, p->n);
	for (size_t i = 0; i < p->n; i++)
		version_matches(&p->items[i], json_array_get(arr, i));
	json_decref(doc);
}

Test(mlflow_models, search_models_with_aliases)
{
	struct mlflow_model_page p;
	models(FX "registered-models-search.json", &p);
	cr_assert_eq(p.n, 3);
	models_match(&p, FX "registered-models-search.json");
	cr_assert_null(p.next_page_token);
	struct mlflow_model *m = &p.items[1];
	cr_assert_str_eq(m->name, "fraud-detector");
	cr_assert_eq(m->nlatest, 3);
	cr_assert_eq(m->naliases, 2);
	cr_assert_str_eq(m->aliases[0].alias, "challenger");
	cr_assert_str_eq(m->aliases[0].version, "4");
	cr_assert_str_eq(m->aliases[1].alias, "champion");
	cr_assert_str_eq(m->aliases[1].version, "3");
	cr_assert_eq(p.items[2].naliases, 0);
	mlflow_model_page_free(&p);
	const char *f[] = {"registered-models-search-page2.json",
			   "registered-models-search-filter.json",
			   "registered-models-search-defaults.json"};
	for (size_t i = 0; i < ARRAY_LEN(f); i++) {
		char path[128];
		snprintf(path, sizeof path, FX "%s", f[i]);
		models(path, &p);
		models_match(&p, path);
		mlflow_model_page_free(&p);
	}
	models(FX "registered-models-search-page1.json", &p);
	cr_assert_eq(p.n, 2);
	cr_assert_str_eq(p.next_page_token, "eyJvZmZzZXQiOiAyfQ==");
	mlflow_model_page_free(&p);
	models(FX "registered-models-search-empty.json", &p);
	cr_assert_eq(p.n, 0);
	mlflow_model_page_free(&p);
}

Test(mlflow_models, get_model)
{
	size_t len;
	struct mlc_err err;
	struct mlflow_model m;
	char *body = fixture_read(FX "registered-models-get.json", &len);
	cr_assert_eq(mlflow_parse_model_get(&m, body, len, &err), 0, "%s", err.msg);
	cr_assert_str_eq(m.description, "XGBoost card-fraud classifier. Owner: risk-ml.");
	cr_assert_eq(m.ntags, 2);
	cr_assert_str_eq(m.latest[2].current_stage, "Production");
	cr_assert_str_eq(m.latest[2].run_id, "32d24c3e42c74f33b2a4a0346d4d3746");
	cr_assert_str_eq(m.latest[0].run_link, "");
	mlflow_model_free(&m);
	free(body);
	body = fixture_read(FX "registered-models-get-no-aliases.json", &len);
	cr_assert_eq(mlflow_parse_model_get(&m, body, len, &err), 0, "%s", err.msg);
	cr_assert_eq(m.naliases, 0);
	mlflow_model_free(&m);
	free(body);
}

Test(mlflow_models, versions_and_version_aliases_as_strings)
{
	struct mlflow_version_page p;
	versions(FX "model-versions-search.json", &p);
	cr_assert_eq(p.n, 4);
	versions_match(&p, FX "model-versions-search.json");
	cr_assert_str_eq(p.items[0].version, "3");
	cr_assert_str_eq(p.items[0].current_stage, "Production");
	mlflow_version_page_free(&p);
	const char *f[] = {"model-versions-search-page1.json", "model-versions-search-page2.json",
			   "model-versions-search-by-run.json", "model-versions-search-all.json"};
	for (size_t i = 0; i < ARRAY_LEN(f); i++) {
		char path[128];
		snprintf(path, sizeof path, FX "%s", f[i]);
		versions(path, &p);
		versions_match(&p, path);
		mlflow_version_page_free(&p);
	}
	struct mlflow_model_version v;
	version(FX "get-model-version.json", &v);
	cr_assert_eq(v.naliases, 1);
	cr_assert_str_eq(v.aliases[0], "champion");
	cr_assert_eq(v.ntags, 2);
	cr_assert_str_eq(v.status, "READY");
	mlflow_model_version_free(&v);
	version(FX "get-model-version-archived.json", &v);
	cr_assert_str_eq(v.current_stage, "Archived");
	mlflow_model_version_free(&v);
	version(FX "registered-model-alias.json", &v);
	cr_assert_str_eq(v.version, "3");
	mlflow_model_version_free(&v);
}

Test(mlflow_models, download_uri_and_experiment_get)
{
	size_t len;
	struct mlc_err err;
	char *uri;
	char *body = fixture_read(FX "model-versions-get-download-uri.json", &len);
	cr_assert_eq(mlflow_parse_download_uri(&uri, body, len, &err), 0, "%s", err.msg);
	cr_assert_str_eq(uri,
			 "mlflow-artifacts:/1/32d24c3e42c74f33b2a4a0346d4d3746/artifacts/model");
	free(uri);
	free(body);
	cr_assert_lt(mlflow_parse_download_uri(&uri, LIT("{}"), &err), 0);
	const char *f[] = {"experiments-get.json", "experiments-get-by-name.json",
			   "experiments-get-deleted.json"};
	for (size_t i = 0; i < ARRAY_LEN(f); i++) {
		char path[128];
		struct mlflow_experiment e;
		snprintf(path, sizeof path, FX "%s", f[i]);
		body = fixture_read(path, &len);
		cr_assert_eq(mlflow_parse_experiment_get(&e, body, len, &err), 0, "%s: %s", f[i],
			     err.msg);
		cr_assert_not_null(e.name);
		if (i == 2)
			cr_assert_str_eq(e.lifecycle_stage, "deleted");
		mlflow_experiment_free(&e);
		free(body);
	}
	struct mlflow_experiment e;
	cr_assert_lt(mlflow_parse_experiment_get(&e, LIT("{\"experiment\": []}"), &err), 0);
	cr_assert_str_eq(err.msg, "mlflow: experiment: expected object");
}

static void expect_models_err(const char *body, size_t len, const char *want)
{
	struct mlflow_model_page p;
	struct mlc_err err;
	cr_assert_lt(mlflow_parse_model_page(&p, body, len, &err), 0, "accepted %.*s", (int)len,
		     body);
	cr_assert_not_null(strstr(err.msg, want), "'%s' lacks '%s'", err.msg, want);
	cr_assert_eq(p.n, 0);
}

Test(mlflow_models, hostile)
{
	expect_models_err(LIT("{\"registered_models\": {}}"), "registered_models: expected array");
	expect_models_err(LIT("{\"registered_models\": [{}]}"),
			  "registered_models[0].name: missing");
	expect_models_err(LIT("{\"registered_models\": [{\"name\": \"m\", \"aliases\": "
			      "[\"champion\"]}]}"),
			  "registered_models[0].aliases[0]: expected object");
	expect_models_err(LIT("{\"registered_models\": [{\"name\": \"m\", \"aliases\": "
			      "[{\"alias\": \"a\"}]}]}"),
			  "registered_models[0].aliases[0].version: missing");
	expect_models_err(LIT("{\"registered_models\": [{\"name\": \"m\", \"latest_versions\": "
			      "[{\"version\": 3}]}]}"),
			  "registered_models[0].latest_versions[0].version: expected string");
	expect_models_err(LIT("{\"registered_models\": [{\"name\": \"m\""), "malformed");
	struct mlflow_version_page vp;
	struct mlc_err err;
	cr_assert_lt(mlflow_parse_version_page(&vp,
					       LIT("{\"model_versions\": [{\"version\": "
						   "\"1\", \"aliases\": [{\"alias\": "
						   "\"x\"}]}]}"),
					       &err),
		     0);
	cr_assert_not_null(strstr(err.msg, "model_versions[0].aliases[0]: expected string"), "%s",
			   err.msg);
	/* ESC and bidi in a description stay raw (the UI sanitizes). */
	cr_assert_eq(mlflow_parse_version_page(&vp,
					       LIT("{\"model_versions\": [{\"version\": "
						   "\"1\", \"description\": "
						   "\"\\u001b[2J\\u202e\"}]}"),
					       &err),
		     0, "%s", err.msg);
	cr_assert_str_eq(vp.items[0].description, "\x1b[2J\xe2\x80\xae");
	mlflow_version_page_free(&vp);
	size_t len;
	char *body = fixture_read(FX "registered-models-search.json", &len);
	for (size_t cut = 0; cut < len; cut += 61) {
		struct mlflow_model_page p;
		cr_assert_lt(mlflow_parse_model_page(&p, body, cut, &err), 0, "cut %zu", cut);
	}
	free(body);
}

Test(mlflow_models, write_bodies)
{
	char *b = mlflow_alias_body("fraud-detector", "champion", "4");
	cr_assert_str_eq(b,
			 "{\"name\":\"fraud-detector\",\"alias\":\"champion\",\"version\":\"4\"}");
	free(b);
	b = mlflow_alias_body("m", "a", NULL);
	cr_assert_str_eq(b, "{\"name\":\"m\",\"alias\":\"a\"}");
	free(b);
	b = mlflow_transition_body("m", "2", "Production", true);
	cr_assert_str_eq(b, "{\"name\":\"m\",\"version\":\"2\",\"stage\":\"Production\","
			    "\"archive_existing_versions\":true}");
	free(b);
}
