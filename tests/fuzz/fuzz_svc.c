/* tests/fuzz/fuzz_svc.c — every health/version parser of lib/health/svc.c, plus
 * http_error_text and http_resp_header, on arbitrary bytes. Oracles: a
 * parser that fails leaves an error message naming what it parsed; a version
 * copied out always fits its buffer. */
#include <string.h>

#include "fuzz.h"
#include "lib/core/http.h"
#include "lib/health/svc.h"

static void check_err(int rc, const struct mlc_err *e)
{
	if (rc == 0)
		return;
	FUZZ_CHECK(rc < 0 && e->code == -rc, "rc matches err.code");
	FUZZ_CHECK(e->msg[0] != '\0', "an error has a message");
	FUZZ_CHECK(memchr(e->msg, '\0', sizeof e->msg) != NULL, "message terminated");
}

static void check_out(int rc, const char *out, size_t n)
{
	if (rc == 0)
		FUZZ_CHECK(memchr(out, '\0', n) != NULL, "version terminated inside its buffer");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so that ASan sees a read past len. */
	char *body = malloc(size ? size : 1);
	if (size)
		memcpy(body, data, size);
	char out[16];
	struct mlc_err e;
	int rc, n, alive, dead;

	rc = mlflow_parse_version(body, size, out, sizeof out, &e);
	check_err(rc, &e);
	check_out(rc, out, sizeof out);
	rc = mlflow_parse_experiments_count(body, size, &n, &e);
	check_err(rc, &e);
	if (rc == 0)
		FUZZ_CHECK(n >= 0, "count is not negative");
	rc = ray_parse_version(body, size, out, sizeof out, &e);
	check_err(rc, &e);
	check_out(rc, out, sizeof out);
	rc = ray_parse_nodes(body, size, &alive, &dead, &e);
	check_err(rc, &e);
	if (rc == 0)
		FUZZ_CHECK(alive >= 0 && dead >= 0, "node counts");
	rc = prom_parse_buildinfo(body, size, out, sizeof out, &e);
	check_err(rc, &e);
	check_out(rc, out, sizeof out);
	rc = prefect_parse_version(body, size, out, sizeof out, &e);
	check_err(rc, &e);
	check_out(rc, out, sizeof out);
	rc = prefect_parse_health(body, size, &e);
	check_err(rc, &e);
	rc = airflow_parse_version(body, size, out, sizeof out, &e);
	check_err(rc, &e);
	check_out(rc, out, sizeof out);
	rc = airflow_parse_health(body, size, out, sizeof out, &e);
	check_err(rc, &e);
	rc = prefect_parse_work_pools(body, size, out, sizeof out, &e);
	check_err(rc, &e);

	/* http_error_text and http_resp_header take NUL-terminated bodies and
	 * header blocks, as lib/http hands them over. */
	char *z = malloc(size + 1);
	if (size)
		memcpy(z, data, size);
	z[size] = '\0';
	struct http_resp r = {.body = z, .body_len = size, .headers = z};
	char text[64];
	memset(text, 'X', sizeof text);
	http_error_text(&r, text, sizeof text);
	FUZZ_CHECK(memchr(text, '\0', sizeof text) != NULL, "error text terminated");
	char tiny[2];
	http_error_text(&r, tiny, sizeof tiny);
	char hv[8];
	http_resp_header(&r, "Server", hv, sizeof hv);
	FUZZ_CHECK(memchr(hv, '\0', sizeof hv) != NULL, "header value terminated");
	free(z);
	free(body);
	return 0;
}
