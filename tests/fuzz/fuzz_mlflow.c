/* tests/fuzz/fuzz_mlflow.c — every MLflow parser of lib/mlflow*.c on
 * arbitrary bytes. Oracles: a failed parse leaves an error naming what it
 * parsed and an empty result; a successful one holds consistent counts and
 * interned keys inside the key table; error text always fits its buffer. */
#include <string.h>

#include "fuzz.h"
#include "lib/mlflow/mlflow.h"

static void check_err(int rc, const struct mlc_err *e)
{
	if (rc == 0)
		return;
	FUZZ_CHECK(rc < 0 && e->code == -rc, "rc matches err.code");
	FUZZ_CHECK(e->msg[0] != '\0', "an error has a message");
}

static void check_run(const struct mlflow_run *r, const struct mlflow_keys *k)
{
	FUZZ_CHECK(r->run_id != NULL, "a parsed run has an id");
	for (size_t i = 0; i < r->nmetrics; i++)
		FUZZ_CHECK(r->metrics[i].key < k->n, "metric key interned");
	for (size_t i = 0; i < r->nparams; i++)
		FUZZ_CHECK(r->params[i].key < k->n, "param key interned");
	for (size_t i = 0; i < r->ntags; i++)
		FUZZ_CHECK(r->tags[i].key < k->n, "tag key interned");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size ? size : 1);
	if (size)
		memcpy(body, data, size);
	struct mlc_err e;
	struct mlflow_keys k;
	mlflow_keys_init(&k);
	int rc;

	struct mlflow_run_page rp;
	rc = mlflow_parse_run_page(&rp, &k, body, size, &e);
	check_err(rc, &e);
	FUZZ_CHECK(rc == 0 || (rp.n == 0 && !rp.items), "failed page is empty");
	for (size_t i = 0; i < rp.n; i++)
		check_run(&rp.items[i], &k);
	char *peek = mlflow_peek_page_token(body, size);
	FUZZ_CHECK(!peek || strlen(peek) > 0, "a peeked token is not empty");
	free(peek);
	mlflow_run_page_free(&rp);

	struct mlflow_run r;
	rc = mlflow_parse_run_get(&r, &k, body, size, &e);
	check_err(rc, &e);
	if (rc == 0)
		check_run(&r, &k);
	mlflow_run_free(&r);

	struct mlflow_experiment_page ep;
	check_err(mlflow_parse_experiment_page(&ep, body, size, &e), &e);
	mlflow_experiment_page_free(&ep);
	struct mlflow_experiment ex;
	check_err(mlflow_parse_experiment_get(&ex, body, size, &e), &e);
	mlflow_experiment_free(&ex);
	struct mlflow_history h;
	check_err(mlflow_parse_history(&h, body, size, &e), &e);
	mlflow_history_free(&h);
	struct mlflow_file_list fl;
	check_err(mlflow_parse_file_list(&fl, body, size, &e), &e);
	mlflow_file_list_free(&fl);
	struct mlflow_model_page mp;
	check_err(mlflow_parse_model_page(&mp, body, size, &e), &e);
	mlflow_model_page_free(&mp);
	struct mlflow_model m;
	check_err(mlflow_parse_model_get(&m, body, size, &e), &e);
	mlflow_model_free(&m);
	struct mlflow_version_page vp;
	check_err(mlflow_parse_version_page(&vp, body, size, &e), &e);
	mlflow_version_page_free(&vp);
	struct mlflow_model_version v;
	check_err(mlflow_parse_version_get(&v, body, size, &e), &e);
	mlflow_model_version_free(&v);
	char *uri;
	rc = mlflow_parse_download_uri(&uri, body, size, &e);
	check_err(rc, &e);
	FUZZ_CHECK(rc != 0 || uri != NULL, "a download URI when ok");
	free(uri);
	char out[64];
	mlflow_parse_error(body, size, 400, out, sizeof out);
	FUZZ_CHECK(memchr(out, '\0', sizeof out) != NULL, "error text terminated");

	mlflow_keys_free(&k);
	free(body);
	return 0;
}
