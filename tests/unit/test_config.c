/* tests/unit/test_config.c — lib/core/config.c: the INI file (every key of the
 * key table, sections, node targets, [ray] prometheus, duplicates, errors and
 * warnings naming FILE:LINE, over-long lines, the secret-file permission
 * check), the docker-compose .env reader, the environment conventions of
 * every official client with their precedence, and endpoints shown without
 * credentials. Each test runs in its own process with a scrubbed
 * environment and a private temporary directory. */
#include "lib/core/config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/util.h"

static const char *const env_vars[] = {
    "MLFLOW_TRACKING_URI",
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
    "MLFLOW_TRACKING_TOKEN",
    "MLFLOW_TRACKING_INSECURE_TLS",
    "MLFLOW_TRACKING_SERVER_CERT_PATH",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL",
    "MLFLOW_S3_ENDPOINT_URL",
    "MINIO_ADDRESS",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "MINIO_ACCESS_KEY",
    "MINIO_SECRET_KEY",
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_DB",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "PGHOST",
    "PGPORT",
    "PGDATABASE",
    "PGUSER",
    "PGPASSWORD",
    "RAY_ADDRESS",
    "PREFECT_API_URL",
    "PREFECT_API_KEY",
    "AIRFLOW_API_URL",
    "AIRFLOW_USERNAME",
    "AIRFLOW_PASSWORD",
    "PROMETHEUS_URL",
    "XDG_CONFIG_HOME",
    "AWS_PROFILE",
};

static char dir[64];
static char paths[16][128];
static int npaths;

static void setup(void)
{
	for (size_t i = 0; i < ARRAY_LEN(env_vars); i++)
		unsetenv(env_vars[i]);
	/* never the profiles of whoever runs the tests */
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws/credentials", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/aws/config", 1);
	snprintf(dir, sizeof dir, "/tmp/mlc-config-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp");
	npaths = 0;
}

static void teardown(void)
{
	for (int i = 0; i < npaths; i++)
		unlink(paths[i]);
	rmdir(dir);
}

TestSuite(config, .init = setup, .fini = teardown);
TestSuite(config_env, .init = setup, .fini = teardown);
TestSuite(config_endpoint, .init = setup, .fini = teardown);

/* Writes text to DIR/name with the given mode; returns the path. */
static const char *write_file(const char *name, mode_t mode, const char *text)
{
	cr_assert_lt(npaths, 16);
	char *p = paths[npaths++];
	snprintf(p, sizeof paths[0], "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f, "cannot write %s", p);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(p, mode), 0);
	return p;
}

/* Reads text as config.ini (mode 0600) and expects success. */
static const char *load_ok(struct config *c, const char *text)
{
	const char *path = write_file("config.ini", 0600, text);
	struct mlc_err err;
	mlc_err_clear(&err);
	config_init(c);
	int rc = config_read_file(c, path, &err);
	cr_assert_eq(rc, 0, "config_read_file failed: %s", err.msg);
	return path;
}

/* Reads text (mode 0600) and expects an error whose message is exactly
 * "PATH:LINE: want". */
static void load_fails_at(const char *text, int line, const char *want)
{
	const char *path = write_file("bad.ini", 0600, text);
	struct config c;
	struct mlc_err err;
	mlc_err_clear(&err);
	config_init(&c);
	int rc = config_read_file(&c, path, &err);
	cr_assert_eq(rc, -MLC_ERR_CONFIG, "expected a config error for:\n%s", text);
	cr_assert_eq(err.code, MLC_ERR_CONFIG);
	char exp[512];
	snprintf(exp, sizeof exp, "%s:%d: %s", path, line, want);
	cr_assert_str_eq(err.msg, exp);
	config_free(&c);
}

static bool has_warning(const struct config *c, const char *want)
{
	for (size_t i = 0; i < c->nwarnings; i++)
		if (strcmp(c->warnings[i], want) == 0)
			return true;
	return false;
}

static void assert_strv(char **v, const char *const *want, size_t n)
{
	cr_assert_not_null(v);
	cr_assert_eq(strv_len(v), n);
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(v[i], want[i]);
}

/* ---- every key lands in its field -------------------------------------- */

static const char full_ini[] = "; every key of lib/core/config.c's table\n"
			       "[general]\n"
			       "refresh = 5s\n"
			       "slow = 750ms\n"
			       "theme = solarized\n"
			       "profile = prod\n"
			       "readonly = yes\n"
			       "\n"
			       "[mlflow]\n"
			       "url = https://mlflow.example:5000\n"
			       "username = alice\n"
			       "password = mlflow-pass\n"
			       "token = mlflow-token\n"
			       "ca_file = /etc/ssl/ca.pem\n"
			       "insecure = true\n"
			       "refresh = 10s\n"
			       "timeout = 1500ms\n"
			       "\n"
			       "[s3]\n"
			       "endpoint = http://minio:9000\n"
			       "access_key = AKIAEXAMPLE\n"
			       "secret_key = s3-secret\n"
			       "session_token = s3-session\n"
			       "region = eu-west-3\n"
			       "virtual_host = on\n"
			       "buckets = datasets, mlflow-artifacts\n"
			       "insecure = off\n"
			       "\n"
			       "[postgres]\n"
			       "conninfo = host=db port=5432 dbname=mlflowdb user=mlflow\n"
			       "password = pg-pass\n"
			       "databases = mlflowdb airflow prefect\n"
			       "extensions = pg_trgm,vector\n"
			       "\n"
			       "[ray]\n"
			       "dashboard = http://ray-head:8265\n"
			       "ca_file = /etc/ray-ca.pem\n"
			       "\n"
			       "[prometheus]\n"
			       "url = http://prom:9090\n"
			       "username = promuser\n"
			       "password = prom-pass\n"
			       "\n"
			       "[prefect]\n"
			       "url = http://prefect:4200/api\n"
			       "api_key = pnu_key\n"
			       "\n"
			       "[airflow]\n"
			       "url = http://airflow:8080/api/v1\n"
			       "username = admin\n"
			       "password = airflow-pass\n"
			       "timeout = 3\n"
			       "\n"
			       "[node head]\n"
			       "host = 10.0.0.10\n"
			       "port = 2222\n"
			       "user = ops\n"
			       "identity = ~/.ssh/id_ed25519\n"
			       "known_hosts = ~/.ssh/known_hosts_mlc\n"
			       "accept_new = true\n"
			       "roles = ray-head, gpu\n";

Test(config, every_key_lands_in_its_field)
{
	struct config c;
	const char *path = load_ok(&c, full_ini);
	cr_assert_str_eq(c.path, path);
	cr_assert_eq(c.nwarnings, 0, "unexpected warning: %s", c.nwarnings ? c.warnings[0] : "");
	cr_assert_eq(c.refresh_ms, 5000);
	cr_assert_eq(c.slow_ms, 750);
	cr_assert_str_eq(c.theme, "solarized");
	cr_assert_str_eq(c.profile, "prod");
	cr_assert(c.readonly);
	cr_assert_eq(c.ntargets, 8);

	struct target *t = config_target(&c, "mlflow");
	cr_assert_not_null(t);
	cr_assert_eq(t->kind, TK_MLFLOW);
	cr_assert_str_eq(t->url, "https://mlflow.example:5000");
	cr_assert_str_eq(t->username, "alice");
	cr_assert_str_eq(t->password, "mlflow-pass");
	cr_assert_str_eq(t->token, "mlflow-token");
	cr_assert_str_eq(t->ca_file, "/etc/ssl/ca.pem");
	cr_assert(t->insecure);
	cr_assert_eq(t->refresh_ms, 10000);
	cr_assert_eq(t->timeout_ms, 1500);

	t = config_target(&c, "s3");
	cr_assert_not_null(t);
	cr_assert_eq(t->kind, TK_S3);
	cr_assert_str_eq(t->url, "http://minio:9000", "endpoint is the s3 url");
	cr_assert_str_eq(t->access_key, "AKIAEXAMPLE");
	cr_assert_str_eq(t->secret_key, "s3-secret");
	cr_assert_str_eq(t->session_token, "s3-session");
	cr_assert_str_eq(t->region, "eu-west-3");
	cr_assert(t->virtual_host);
	cr_assert(!t->insecure);
	assert_strv(t->buckets, (const char *[]){"datasets", "mlflow-artifacts"}, 2);
	cr_assert_eq(t->refresh_ms, 0, "no refresh: the general one applies");

	t = config_target(&c, "postgres");
	cr_assert_not_null(t);
	cr_assert_eq(t->kind, TK_POSTGRES);
	cr_assert_str_eq(t->conninfo, "host=db port=5432 dbname=mlflowdb user=mlflow");
	cr_assert_str_eq(t->password, "pg-pass");
	assert_strv(t->databases, (const char *[]){"mlflowdb", "airflow", "prefect"}, 3);
	assert_strv(t->extensions, (const char *[]){"pg_trgm", "vector"}, 2);

	t = config_target(&c, "ray");
	cr_assert_not_null(t);
	cr_assert_eq(t->kind, TK_RAY);
	cr_assert_str_eq(t->url, "http://ray-head:8265", "dashboard is the ray url");
	cr_assert_str_eq(t->ca_file, "/etc/ray-ca.pem");

	t = config_target(&c, "prometheus");
	cr_assert_not_null(t);
	cr_assert_eq(t->kind, TK_PROMETHEUS);
	cr_assert_str_eq(t->url, "http://prom:9090");
	cr_assert_str_eq(t->username, "promuser");
	cr_assert_str_eq(t->password, "prom-pass");

	t = config_target(&c, "prefect");
	cr_assert_not_null(t);
	cr_assert_eq(t->kind, TK_PREFECT);
	cr_assert_str_eq(t->url, "http://prefect:4200/api");
	cr_assert_str_eq(t->token, "pnu_key", "api_key is the bearer token");

	t = config_target(&c, "airflow");
	cr_assert_not_null(t);
	cr_assert_eq(t->kind, TK_AIRFLOW);
	cr_assert_str_eq(t->url, "http://airflow:8080/api/v1");
	cr_assert_str_eq(t->username, "admin");
	cr_assert_str_eq(t->password, "airflow-pass");
	cr_assert_eq(t->timeout_ms, 3000);

	t = config_target(&c, "head");
	cr_assert_not_null(t);
	cr_assert_eq(t->kind, TK_NODE);
	cr_assert_str_eq(t->host, "10.0.0.10");
	cr_assert_eq(t->port, 2222);
	cr_assert_str_eq(t->user, "ops");
	cr_assert_str_eq(t->identity, "~/.ssh/id_ed25519");
	cr_assert_str_eq(t->known_hosts, "~/.ssh/known_hosts_mlc");
	cr_assert(t->accept_new);
	assert_strv(t->roles, (const char *[]){"ray-head", "gpu"}, 2);

	cr_assert_null(config_target(&c, "nope"));
	config_free(&c);
}

Test(config, defaults_without_a_general_section)
{
	struct config c;
	load_ok(&c, "[mlflow]\nurl = http://127.0.0.1:5000\n");
	cr_assert_eq(c.refresh_ms, 2000);
	cr_assert_eq(c.slow_ms, 1000);
	cr_assert_str_eq(c.theme, "default");
	cr_assert_str_eq(c.profile, "local");
	cr_assert(!c.readonly);
	cr_assert_eq(c.ntargets, 1);
	config_free(&c);
}

Test(config, bool_spellings)
{
	static const char *const yes[] = {"true", "TRUE", "yes", "On", "1"};
	static const char *const no[] = {"false", "No", "OFF", "0"};
	for (size_t i = 0; i < ARRAY_LEN(yes) + ARRAY_LEN(no); i++) {
		bool want = i < ARRAY_LEN(yes);
		const char *v = want ? yes[i] : no[i - ARRAY_LEN(yes)];
		char text[128];
		snprintf(text, sizeof text, "[mlflow]\nurl = http://h\ninsecure = %s\n", v);
		struct config c;
		load_ok(&c, text);
		cr_assert_eq(config_target(&c, "mlflow")->insecure, want, "insecure = %s", v);
		config_free(&c);
	}
}

Test(config, origin_names_file_and_section_line)
{
	struct config c;
	const char *path = load_ok(&c, "# comment\n\n[mlflow]\n\nurl = http://h:5000\n");
	char want[256];
	snprintf(want, sizeof want, "%s:3", path);
	cr_assert_str_eq(config_target(&c, "mlflow")->origin, want);
	config_free(&c);
}

Test(config, postgres_without_conninfo_gets_empty_one)
{
	struct config c;
	load_ok(&c, "[postgres]\ndatabases = mlflowdb\n");
	cr_assert_str_eq(config_target(&c, "postgres")->conninfo, "");
	config_free(&c);
}

Test(config, action_sections_are_not_targets_nor_warnings)
{
	struct config c;
	load_ok(&c, "[action restart-ray]\ncommand = ray stop\nroles = ray-head\n"
		    "[mlflow]\nurl = http://h\n");
	cr_assert_eq(c.ntargets, 1);
	cr_assert_eq(c.nwarnings, 0);
	config_free(&c);
}

/* ---- named targets ----------------------------------------------------- */

Test(config, node_sections_are_named_targets)
{
	struct config c;
	load_ok(&c, "[node head]\nhost = 10.0.0.10\nuser = ops\n"
		    "[node worker-1]\nhost = 10.0.0.11\n"
		    "[mlflow prod]\nurl = http://prod:5000\n");
	cr_assert_eq(c.ntargets, 3);
	struct target *h = config_target(&c, "head"), *w = config_target(&c, "worker-1");
	cr_assert_not_null(h);
	cr_assert_not_null(w);
	cr_assert_eq(h->kind, TK_NODE);
	cr_assert_eq(w->kind, TK_NODE);
	cr_assert_str_eq(w->host, "10.0.0.11");
	cr_assert_eq(w->port, 0, "port left 0: 22 is the default");
	struct target *m = config_target(&c, "prod");
	cr_assert_not_null(m);
	cr_assert_eq(m->kind, TK_MLFLOW);
	cr_assert_null(config_target(&c, "mlflow"));
	config_free(&c);
}

Test(config, node_without_name_is_an_error)
{
	load_fails_at("[general]\nrefresh = 2s\n[node]\nhost = h\n", 3,
		      "[node] needs a name: [node head]");
}

Test(config, node_without_host_is_an_error)
{
	const char *path = write_file("n.ini", 0600, "[node head]\nuser = ops\n");
	struct config c;
	struct mlc_err err;
	config_init(&c);
	cr_assert_eq(config_read_file(&c, path, &err), -MLC_ERR_CONFIG);
	char want[256];
	snprintf(want, sizeof want, "%s:1: [node head]: host is required", path);
	cr_assert_str_eq(err.msg, want);
	config_free(&c);
}

Test(config, ray_prometheus_adds_a_prometheus_target)
{
	struct config c;
	const char *path = load_ok(&c, "[ray]\n"
				       "dashboard = http://ray-head:8265\n"
				       "prometheus = http://ray-head:9090\n"
				       "timeout = 4s\n");
	cr_assert_eq(c.ntargets, 2);
	struct target *r = config_target(&c, "ray"), *p = config_target(&c, "prometheus");
	cr_assert_not_null(r);
	cr_assert_not_null(p);
	cr_assert_eq(p->kind, TK_PROMETHEUS);
	cr_assert_str_eq(p->url, "http://ray-head:9090");
	cr_assert_str_eq(r->url, "http://ray-head:8265");
	cr_assert_eq(r->timeout_ms, 4000, "keys after prometheus= still go to [ray]");
	cr_assert_eq(p->timeout_ms, 0);
	char want[256];
	snprintf(want, sizeof want, "%s:3", path);
	cr_assert_str_eq(p->origin, want);
	config_free(&c);
}

Test(config, ray_prometheus_keeps_an_explicit_prometheus)
{
	struct config c;
	load_ok(&c, "[prometheus]\nurl = http://prom:9090\n"
		    "[ray]\nprometheus = http://other:9090\ndashboard = http://ray:8265\n");
	cr_assert_eq(c.ntargets, 2);
	cr_assert_str_eq(config_target(&c, "prometheus")->url, "http://prom:9090");
	cr_assert_str_eq(config_target(&c, "ray")->url, "http://ray:8265");
	config_free(&c);
}

Test(config, ray_prometheus_in_second_named_ray_section)
{
	struct config c;
	/* Two spaces in the header: the keys after prometheus= must still go
	 * to [ray  b], not to the first ray target. */
	load_ok(&c, "[ray a]\ndashboard = http://a:8265\n"
		    "[ray  b]\nprometheus = http://p:9090\ndashboard = http://b:8265\n");
	cr_assert_str_eq(config_target(&c, "a")->url, "http://a:8265");
	cr_assert_str_eq(config_target(&c, "b")->url, "http://b:8265");
	cr_assert_str_eq(config_target(&c, "prometheus")->url, "http://p:9090");
	config_free(&c);
}

Test(config, ray_prometheus_must_be_a_url)
{
	load_fails_at("[ray]\ndashboard = http://r:8265\nprometheus = r:9090\n", 3,
		      "prometheus: expected an http:// or https:// URL");
}

/* ---- duplicates -------------------------------------------------------- */

Test(config, duplicate_section_is_an_error)
{
	load_fails_at("[mlflow]\nurl = http://a\n[s3]\nendpoint = http://s\n\n[mlflow]\n"
		      "url = http://b\n",
		      6, "a service named 'mlflow' is defined twice");
}

Test(config, duplicate_adjacent_section_is_an_error)
{
	load_fails_at("[mlflow]\nurl = http://a\n\n[mlflow]\ntoken = t\n", 4,
		      "a service named 'mlflow' is defined twice");
}

Test(config, duplicate_name_across_kinds_is_an_error)
{
	load_fails_at("[node gpu]\nhost = 10.0.0.12\n[ray gpu]\ndashboard = http://r\n", 3,
		      "a service named 'gpu' is defined twice");
}

/* ---- errors name FILE:LINE --------------------------------------------- */

Test(config, bad_values_name_file_and_line)
{
	load_fails_at("[mlflow]\nurl = http://h\ninsecure = maybe\n", 3,
		      "insecure: expected true or false");
	load_fails_at("[node n]\nhost = h\n\n# c\nport = 70000\n", 5,
		      "port: expected a port number");
	load_fails_at("[node n]\nhost = h\nport = 22x\n", 3, "port: expected a port number");
	load_fails_at("[s3]\nendpoint = minio:9000\n", 2,
		      "endpoint: expected an http:// or https:// URL");
	load_fails_at("[mlflow]\nurl = ftp://h\n", 2, "url: expected an http:// or https:// URL");
	load_fails_at("[ray]\ndashboard = ray://h:10001\n", 2,
		      "dashboard: expected an http:// or https:// URL");
	load_fails_at("[prefect]\nurl = http://p\nrefresh = fast\n", 3,
		      "refresh: expected a duration of at least 100ms, like 2s");
	load_fails_at("[prefect]\nurl = http://p\ntimeout = 50ms\n", 3,
		      "timeout: expected a duration of at least 100ms, like 2s");
	load_fails_at("[general]\nrefresh = 10ms\n", 2,
		      "refresh: expected a duration of at least 100ms, like 2s");
	load_fails_at("[general]\nslow = never\n", 2, "slow: expected a duration, like 1s");
	load_fails_at("[general]\n\n\nreadonly = sometimes\n", 4,
		      "readonly: expected true or false");
	load_fails_at("[s3]\nendpoint = http://m\nvirtual_host = 2\n", 3,
		      "virtual_host: expected true or false");
}

Test(config, first_error_wins)
{
	load_fails_at("[mlflow]\nurl = http://h\ninsecure = maybe\nurl = ftp://x\n", 3,
		      "insecure: expected true or false");
}

Test(config, error_detail_is_the_line)
{
	const char *path = write_file("d.ini", 0600, "[mlflow]\n\n\ninsecure = x\n");
	struct config c;
	struct mlc_err err;
	config_init(&c);
	cr_assert_eq(config_read_file(&c, path, &err), -MLC_ERR_CONFIG);
	cr_assert_eq(err.detail, 4);
	config_free(&c);
}

Test(config, syntax_errors_name_the_line)
{
	static const char want[] = "syntax error (expected [section] or key = value)";
	load_fails_at("[mlflow]\nurl = http://h\njust some words\n", 3, want);
	load_fails_at("[general]\nrefresh = 2s\n[mlflow\nurl = http://h\n", 3, want);
}

/* inih's Debian build holds 200 bytes a line; the reader hands it longer
 * key lines whole: a real conninfo, a bucket list, an action's command. */
Test(config, long_lines_load_whole)
{
	char text[8000], conninfo[3000], buckets[3000];
	snprintf(conninfo, sizeof conninfo,
		 "host=db.internal port=5432 dbname=mlflowdb user=mlflow sslmode=verify-full "
		 "sslrootcert=/etc/ssl/certs/internal-root-ca.pem connect_timeout=10 "
		 "application_name=mlconsole options='-c statement_timeout=5000'%*s",
		 1500, "keepalives=1");
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < 150; i++)
		buf_printf(&b, "%sbucket-%03d", i ? " " : "", i);
	snprintf(buckets, sizeof buckets, "%s", b.data);
	buf_free(&b);
	snprintf(
	    text, sizeof text,
	    "[postgres]\nconninfo = %s\n[s3]\nendpoint = http://h\nbuckets = %s   ; a comment\n"
	    "[mlflow]\nurl = http://h\ninsecure = perhaps\n",
	    conninfo, buckets);
	/* the line after them still counts right: 8 */
	load_fails_at(text, 8, "insecure: expected true or false");
	snprintf(
	    text, sizeof text,
	    "[postgres]\nconninfo = %s\n[s3]\nendpoint = http://h\nbuckets = %s   ; a comment\n",
	    conninfo, buckets);
	struct config c;
	load_ok(&c, text);
	cr_assert_str_eq(config_target(&c, "postgres")->conninfo, conninfo);
	char **bk = config_target(&c, "s3")->buckets;
	cr_assert_eq(strv_len(bk), 150);
	cr_assert_str_eq(bk[149], "bucket-149", "the comment is not part of the list");
	config_free(&c);
}

Test(config, long_section_header_is_an_error)
{
	char text[600], name[400];
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	snprintf(text, sizeof text, "[node %s]\nhost = h\n", name);
	load_fails_at(text, 1, "a [section] header longer than 198 characters");
}

Test(config, directory_is_refused_as_such)
{
	struct config c;
	struct mlc_err err;
	config_init(&c);
	cr_assert_eq(config_read_file(&c, dir, &err), -MLC_ERR_CONFIG);
	cr_assert_not_null(strstr(err.msg, ": is a directory"), "%s", err.msg);
	config_free(&c);
}

/* Section names and keys from the file are shown escaped in warnings and
 * errors, like any other untrusted text. */
Test(config, file_text_is_sanitized_in_warnings)
{
	struct config c;
	const char *path =
	    load_ok(&c, "[mlflow]\nurl = http://h\nbad\x1b[2Jkey = 1\n[wat\x07 n\xff]\nk = v\n");
	cr_assert_geq(c.nwarnings, 2);
	for (size_t i = 0; i < c.nwarnings; i++)
		cr_assert_null(strpbrk(c.warnings[i], "\x1b\x07\xff"), "raw bytes in: %s",
			       c.warnings[i]);
	char want[256];
	snprintf(want, sizeof want, "%s:3: unknown key 'bad\\e[2Jkey' in [mlflow]", path);
	cr_assert(has_warning(&c, want), "%s", c.warnings[0]);
	config_free(&c);
}

Test(config, over_long_line_keeps_later_line_numbers_right)
{
	char text[800];
	char longc[500];
	memset(longc, '#', sizeof longc - 1);
	longc[sizeof longc - 1] = '\0';
	/* A comment longer than the limit (one physical line) then a bad value
	 * on line 4: the error must say 4, not a count shifted by the split. */
	snprintf(text, sizeof text, "[mlflow]\n%s\nurl = http://h\ninsecure = perhaps\n", longc);
	load_fails_at(text, 4, "insecure: expected true or false");
}

Test(config, missing_file_names_the_path)
{
	char path[128];
	snprintf(path, sizeof path, "%s/does-not-exist.ini", dir);
	struct config c;
	struct mlc_err err;
	config_init(&c);
	cr_assert_eq(config_read_file(&c, path, &err), -MLC_ERR_CONFIG);
	char want[256];
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	cr_assert_str_eq(err.msg, want);
	config_free(&c);
}

/* ---- warnings ---------------------------------------------------------- */

Test(config, unknown_key_is_a_warning_with_file_line)
{
	struct config c;
	const char *path =
	    load_ok(&c, "[general]\ncolour = red\n[mlflow]\nurl = http://h\nhost = x\n");
	cr_assert_eq(c.nwarnings, 2);
	char w1[256], w2[256];
	snprintf(w1, sizeof w1, "%s:2: unknown key 'colour' in [general]", path);
	snprintf(w2, sizeof w2, "%s:5: unknown key 'host' in [mlflow]", path);
	cr_assert(has_warning(&c, w1), "missing warning %s (got %s)", w1, c.warnings[0]);
	cr_assert(has_warning(&c, w2), "missing warning %s (got %s)", w2, c.warnings[1]);
	cr_assert_str_eq(config_target(&c, "mlflow")->url, "http://h", "the rest still loads");
	config_free(&c);
}

Test(config, unknown_section_is_a_warning_with_file_line)
{
	struct config c;
	const char *path = load_ok(&c, "[mlflow]\nurl = http://h\n\n[grafana]\n# dashboards\n"
				       "url = http://g\nkey = v\n[s3]\nendpoint = http://m\n");
	cr_assert_eq(c.nwarnings, 1, "one warning per unknown section");
	char want[256];
	snprintf(want, sizeof want, "%s:4: unknown section [grafana]", path);
	cr_assert_str_eq(c.warnings[0], want);
	cr_assert_eq(c.ntargets, 2);
	config_free(&c);
}

Test(config, key_before_any_section_is_a_warning)
{
	struct config c;
	const char *path = load_ok(&c, "url = http://h\n[mlflow]\nurl = http://m\n");
	char want[256];
	snprintf(want, sizeof want, "%s:1: key 'url' outside any [section]", path);
	cr_assert_eq(c.nwarnings, 1);
	cr_assert_str_eq(c.warnings[0], want);
	config_free(&c);
}

/* ---- secrets and file permissions ------------------------------------- */

static void expect_refused(const char *key, const char *section, const char *secret, mode_t mode)
{
	char text[256];
	snprintf(text, sizeof text, "%s\nurl = http://h\nendpoint = http://h\n%s = %s\n", section,
		 key, secret);
	const char *path = write_file("secret.ini", mode, text);
	struct config c;
	struct mlc_err err;
	config_init(&c);
	cr_assert_eq(config_read_file(&c, path, &err), -MLC_ERR_CONFIG, "%s with mode %o loaded",
		     key, (unsigned)mode);
	char chmod_hint[256];
	snprintf(chmod_hint, sizeof chmod_hint, "chmod 600 %s", path);
	cr_assert_not_null(strstr(err.msg, chmod_hint), "no '%s' in: %s", chmod_hint, err.msg);
	cr_assert_null(strstr(err.msg, secret), "secret shown: %s", err.msg);
	cr_assert_not_null(strstr(err.msg, key), "the message names the key: %s", err.msg);
	config_free(&c);
	unlink(path);
	npaths--;
}

Test(config, world_readable_secrets_are_refused)
{
	expect_refused("password", "[mlflow]", "hunter2-pw", 0644);
	expect_refused("secret_key", "[s3]", "wJalrXUtnFEMI-sk", 0644);
	expect_refused("token", "[prefect]", "pnu-tok-123", 0644);
	expect_refused("session_token", "[s3]", "FwoGZXIvYXdz-st", 0604);
	expect_refused("api_key", "[prefect]", "pnu-apikey-9", 0640);
}

Test(config, refusal_names_the_secret_line)
{
	const char *path = write_file("s.ini", 0644,
				      "[general]\nrefresh = 2s\n[mlflow]\nurl = http://h\n"
				      "username = u\npassword = pw-value-42\n");
	struct config c;
	struct mlc_err err;
	config_init(&c);
	cr_assert_eq(config_read_file(&c, path, &err), -MLC_ERR_CONFIG);
	char want[512];
	snprintf(want, sizeof want,
		 "%s:6: holds a secret (password) but group or others can read the file; run: "
		 "chmod 600 %s",
		 path, path);
	cr_assert_str_eq(err.msg, want);
	config_free(&c);
}

Test(config, private_secret_file_loads)
{
	const char *path = write_file("ok.ini", 0600,
				      "[mlflow]\nurl = http://h\npassword = pw\n[s3]\n"
				      "endpoint = http://m\nsecret_key = sk\n[prefect]\n"
				      "url = http://p\ntoken = tk\n");
	struct config c;
	struct mlc_err err;
	mlc_err_clear(&err);
	config_init(&c);
	cr_assert_eq(config_read_file(&c, path, &err), 0, "%s", err.msg);
	cr_assert_str_eq(config_target(&c, "mlflow")->password, "pw");
	cr_assert_str_eq(config_target(&c, "s3")->secret_key, "sk");
	cr_assert_str_eq(config_target(&c, "prefect")->token, "tk");
	config_free(&c);
}

Test(config, readable_file_without_secrets_loads)
{
	const char *path = write_file("pub.ini", 0644, "[mlflow]\nurl = http://h\nusername = u\n");
	struct config c;
	struct mlc_err err;
	mlc_err_clear(&err);
	config_init(&c);
	cr_assert_eq(config_read_file(&c, path, &err), 0, "%s", err.msg);
	config_free(&c);
}

/* ---- the .env file ----------------------------------------------------- */

Test(config_env, env_file_syntax)
{
	const char *path = write_file(".env", 0600,
				      "# platform settings\n"
				      "\n"
				      "export MINIO_ROOT_USER=minio\n"
				      "MINIO_ROOT_PASSWORD=\"quoted secret\"\n"
				      "SINGLE='single # kept'\n"
				      "INLINE=value # trailing comment\n"
				      "HASHED=a#b\n"
				      "  SPACED  =  padded value  \n"
				      "EMPTY=\n"
				      "URL=postgres://u:p@db:5432/x?sslmode=require\n"
				      "export\tTABBED=1\n"
				      "INLINE=second wins\n");
	struct config c;
	struct mlc_err err;
	mlc_err_clear(&err);
	config_init(&c);
	cr_assert_eq(config_read_env_file(&c, path, &err), 0, "%s", err.msg);
	cr_assert_str_eq(config_getenv(&c, "MINIO_ROOT_USER"), "minio");
	cr_assert_str_eq(config_getenv(&c, "MINIO_ROOT_PASSWORD"), "quoted secret");
	cr_assert_str_eq(config_getenv(&c, "SINGLE"), "single # kept");
	cr_assert_str_eq(config_getenv(&c, "INLINE"), "second wins");
	cr_assert_str_eq(config_getenv(&c, "HASHED"), "a#b");
	cr_assert_str_eq(config_getenv(&c, "SPACED"), "padded value");
	cr_assert_null(config_getenv(&c, "EMPTY"), "an empty value counts as unset");
	cr_assert_str_eq(config_getenv(&c, "URL"), "postgres://u:p@db:5432/x?sslmode=require");
	cr_assert_str_eq(config_getenv(&c, "TABBED"), "1");
	cr_assert_null(config_getenv(&c, "NOT_THERE"));
	config_free(&c);
}

Test(config_env, env_file_inline_comment_after_value)
{
	const char *path = write_file(".env", 0644, "A=x # note\nB=\"y\" \n");
	struct config c;
	struct mlc_err err;
	config_init(&c);
	cr_assert_eq(config_read_env_file(&c, path, &err), 0, "%s", err.msg);
	cr_assert_str_eq(config_getenv(&c, "A"), "x");
	cr_assert_str_eq(config_getenv(&c, "B"), "y");
	config_free(&c);
}

static void env_file_fails_at(const char *text, int line, const char *want)
{
	const char *path = write_file("bad.env", 0644, text);
	struct config c;
	struct mlc_err err;
	config_init(&c);
	cr_assert_eq(config_read_env_file(&c, path, &err), -MLC_ERR_CONFIG, "loaded:\n%s", text);
	char exp[256];
	snprintf(exp, sizeof exp, "%s:%d: %s", path, line, want);
	cr_assert_str_eq(err.msg, exp);
	cr_assert_eq(err.detail, line);
	config_free(&c);
	unlink(path);
	npaths--;
}

Test(config_env, env_file_errors_name_file_and_line)
{
	env_file_fails_at("A=1\n1BAD=x\n", 2, "bad variable name");
	env_file_fails_at("# c\n\nBAD-NAME=x\n", 3, "bad variable name");
	env_file_fails_at("A=1\nexport =x\n", 2, "bad variable name");
	env_file_fails_at("A=1\nB=2\njust words\n", 3, "expected NAME=VALUE");
	env_file_fails_at("=value\n", 1, "bad variable name");
	env_file_fails_at("A=1\nMINIO_SECRET_KEY=\"abc\nB=2\n", 2,
			  "MINIO_SECRET_KEY: unbalanced quote: a quoted value ends with the same "
			  "quote on its line (multi-line values are not supported)");
	env_file_fails_at("A='x\n", 1,
			  "A: unbalanced quote: a quoted value ends with the same quote on its "
			  "line (multi-line values are not supported)");
	env_file_fails_at("A=\"x\"y\n", 1, "A: text after the closing quote");
}

/* A world- or group-readable env file holding a secret is refused like a
 * config file; without a secret it is read. */
Test(config_env, env_file_with_a_secret_must_be_private)
{
	const char *path = write_file("open.env", 0644,
				      "MINIO_ADDRESS=http://h:9000\nMINIO_ACCESS_KEY=minio\n"
				      "MINIO_SECRET_KEY=s3cret\n");
	struct config c;
	struct mlc_err err;
	config_init(&c);
	cr_assert_eq(config_read_env_file(&c, path, &err), -MLC_ERR_CONFIG);
	char want[512];
	snprintf(want, sizeof want,
		 "%s:3: holds a secret (MINIO_SECRET_KEY) but group or others can read the "
		 "file; run: chmod 600 %s",
		 path, path);
	cr_assert_str_eq(err.msg, want);
	cr_assert_null(strstr(err.msg, "s3cret"));
	config_free(&c);
	chmod(path, 0600);
	config_init(&c);
	cr_assert_eq(config_read_env_file(&c, path, &err), 0, "%s", err.msg);
	config_free(&c);
	path = write_file("public.env", 0644, "MINIO_ADDRESS=http://h:9000\nPOSTGRES_PASSWORD=\n");
	config_init(&c);
	cr_assert_eq(config_read_env_file(&c, path, &err), 0, "no secret (an empty one): %s",
		     err.msg);
	config_free(&c);
	config_init(&c);
	cr_assert_eq(config_read_env_file(&c, dir, &err), -MLC_ERR_CONFIG);
	cr_assert_not_null(strstr(err.msg, ": is a directory"), "%s", err.msg);
	config_free(&c);
}

Test(config_env, env_file_missing)
{
	char path[128];
	snprintf(path, sizeof path, "%s/none.env", dir);
	struct config c;
	struct mlc_err err;
	config_init(&c);
	cr_assert_eq(config_read_env_file(&c, path, &err), -MLC_ERR_CONFIG);
	cr_assert_not_null(strstr(err.msg, path));
	config_free(&c);
}

/* ---- the environment --------------------------------------------------- */

Test(config_env, nothing_set_adds_nothing)
{
	struct config c;
	config_init(&c);
	config_apply_env(&c);
	cr_assert_eq(c.ntargets, 0);
	config_free(&c);
}

Test(config_env, mlflow_variables)
{
	setenv("MLFLOW_TRACKING_URI", "https://mlflow.corp:5000", 1);
	setenv("MLFLOW_TRACKING_USERNAME", "alice", 1);
	setenv("MLFLOW_TRACKING_PASSWORD", "pw", 1);
	setenv("MLFLOW_TRACKING_TOKEN", "tok", 1);
	setenv("MLFLOW_TRACKING_INSECURE_TLS", "true", 1);
	setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", "/etc/ca.pem", 1);
	struct config c;
	config_init(&c);
	config_apply_env(&c);
	cr_assert_eq(c.ntargets, 1);
	struct target *t = config_target(&c, "mlflow");
	cr_assert_not_null(t);
	cr_assert_eq(t->kind, TK_MLFLOW);
	cr_assert_str_eq(t->url, "https://mlflow.corp:5000");
	cr_assert_str_eq(t->username, "alice");
	cr_assert_str_eq(t->password, "pw");
	cr_assert_str_eq(t->token, "tok");
	cr_assert_str_eq(t->ca_file, "/etc/ca.pem");
	cr_assert(t->insecure);
	cr_assert_str_eq(t->origin, "environment (MLFLOW_TRACKING_URI)");
	config_free(&c);
}

Test(config_env, mlflow_insecure_spellings)
{
	static const struct {
		const char *v;
		bool want;
	} cases[] = {{"true", true}, {"TRUE", true}, {"1", true}, {"false", false}, {"0", false}};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		setenv("MLFLOW_TRACKING_URI", "http://h:5000", 1);
		setenv("MLFLOW_TRACKING_INSECURE_TLS", cases[i].v, 1);
		struct config c;
		config_init(&c);
		config_apply_env(&c);
		cr_assert_eq(config_target(&c, "mlflow")->insecure, cases[i].want,
			     "INSECURE_TLS=%s", cases[i].v);
		config_free(&c);
	}
}

Test(config_env, mlflow_non_http_uri_adds_no_target)
{
	setenv("MLFLOW_TRACKING_URI", "file:///tmp/mlruns", 1);
	setenv("MLFLOW_TRACKING_USERNAME", "alice", 1);
	struct config c;
	config_init(&c);
	config_apply_env(&c);
	cr_assert_null(config_target(&c, "mlflow"));
	cr_assert_eq(c.ntargets, 0);
	config_free(&c);
}

static char *s3_url_from_env(void)
{
	struct config c;
	config_init(&c);
	config_apply_env(&c);
	struct target *t = config_target(&c, "s3");
	char *r = t && t->url ? xasprintf("%s|%s", t->url, t->origin) : xstrdup("(none)");
	config_free(&c);
	return r;
}

Test(config_env, s3_endpoint_precedence)
{
	setenv("AWS_ENDPOINT_URL_S3", "http://s3-specific:9000", 1);
	setenv("AWS_ENDPOINT_URL", "http://aws-generic:9000", 1);
	setenv("MLFLOW_S3_ENDPOINT_URL", "http://mlflow-s3:9000", 1);
	setenv("MINIO_ADDRESS", "minio:9000", 1);
	char *u = s3_url_from_env();
	cr_assert_str_eq(u, "http://s3-specific:9000|environment (AWS_ENDPOINT_URL_S3)");
	free(u);
	unsetenv("AWS_ENDPOINT_URL_S3");
	u = s3_url_from_env();
	cr_assert_str_eq(u, "http://aws-generic:9000|environment (AWS_ENDPOINT_URL)");
	free(u);
	unsetenv("AWS_ENDPOINT_URL");
	u = s3_url_from_env();
	cr_assert_str_eq(u, "http://mlflow-s3:9000|environment (MLFLOW_S3_ENDPOINT_URL)");
	free(u);
	unsetenv("MLFLOW_S3_ENDPOINT_URL");
	u = s3_url_from_env();
	cr_assert_str_eq(u, "http://minio:9000|environment (MINIO_ADDRESS)", "scheme added");
	free(u);
	setenv("MINIO_ADDRESS", "https://minio:9000", 1);
	u = s3_url_from_env();
	cr_assert_str_eq(u, "https://minio:9000|environment (MINIO_ADDRESS)", "scheme kept");
	free(u);
	unsetenv("MINIO_ADDRESS");
	u = s3_url_from_env();
	cr_assert_str_eq(u, "(none)");
	free(u);
}

Test(config_env, aws_credentials_and_region)
{
	setenv("AWS_ENDPOINT_URL", "http://minio:9000", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIA1", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret1", 1);
	setenv("AWS_SESSION_TOKEN", "session1", 1);
	setenv("AWS_REGION", "eu-central-1", 1);
	setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
	setenv("MINIO_ACCESS_KEY", "minio-loses", 1);
	struct config c;
	config_init(&c);
	config_apply_env(&c);
	struct target *t = config_target(&c, "s3");
	cr_assert_not_null(t);
	cr_assert_str_eq(t->access_key, "AKIA1", "AWS_ACCESS_KEY_ID before MINIO_ACCESS_KEY");
	cr_assert_str_eq(t->secret_key, "secret1");
	cr_assert_str_eq(t->session_token, "session1");
	cr_assert_str_eq(t->region, "eu-central-1", "AWS_REGION before AWS_DEFAULT_REGION");
	config_free(&c);
}

Test(config_env, aws_default_region_then_us_east_1)
{
	setenv("AWS_ENDPOINT_URL", "http://minio:9000", 1);
	setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
	struct config c;
	config_init(&c);
	config_apply_env(&c);
	cr_assert_str_eq(config_target(&c, "s3")->region, "ap-south-1");
	config_free(&c);
	unsetenv("AWS_DEFAULT_REGION");
	config_init(&c);
	config_apply_env(&c);
	cr_assert_str_eq(config_target(&c, "s3")->region, "us-east-1");
	config_free(&c);
}

Test(config_env, file_s3_target_gets_default_region)
{
	struct config c;
	load_ok(&c, "[s3]\nendpoint = http://m:9000\n[s3 backup]\nendpoint = http://b:9000\n"
		    "region = eu-west-1\n");
	config_apply_env(&c);
	cr_assert_str_eq(config_target(&c, "s3")->region, "us-east-1");
	cr_assert_str_eq(config_target(&c, "backup")->region, "eu-west-1");
	config_free(&c);
}

Test(config_env, minio_keys_from_env_file)
{
	const char *path = write_file(".env", 0600,
				      "MLFLOW_S3_ENDPOINT_URL=http://minio:9000\n"
				      "MINIO_ACCESS_KEY=minioadmin\n"
				      "MINIO_SECRET_KEY=minio-secret\n");
	struct config c;
	struct mlc_err err;
	config_init(&c);
	cr_assert_eq(config_read_env_file(&c, path, &err), 0, "%s", err.msg);
	config_apply_env(&c);
	struct target *t = config_target(&c, "s3");
	cr_assert_not_null(t);
	cr_assert_str_eq(t->url, "http://minio:9000");
	cr_assert_str_eq(t->access_key, "minioadmin");
	cr_assert_str_eq(t->secret_key, "minio-secret");
	cr_assert_str_eq(t->origin, "environment (MLFLOW_S3_ENDPOINT_URL)");
	config_free(&c);
}

Test(config_env, minio_root_user_as_last_resort)
{
	setenv("MINIO_ADDRESS", "127.0.0.1:9000", 1);
	setenv("MINIO_ROOT_USER", "root", 1);
	setenv("MINIO_ROOT_PASSWORD", "rootpw", 1);
	struct config c;
	config_init(&c);
	config_apply_env(&c);
	struct target *t = config_target(&c, "s3");
	cr_assert_str_eq(t->url, "http://127.0.0.1:9000");
	cr_assert_str_eq(t->access_key, "root");
	cr_assert_str_eq(t->secret_key, "rootpw");
	config_free(&c);
}

Test(config_env, postgres_variables_make_a_conninfo)
{
	setenv("POSTGRES_HOST", "db.internal", 1);
	setenv("POSTGRES_PORT", "5433", 1);
	setenv("POSTGRES_DB", "mlflowdb", 1);
	setenv("POSTGRES_USER", "mlflow", 1);
	setenv("POSTGRES_PASSWORD", "pg-secret", 1);
	struct config c;
	config_init(&c);
	config_apply_env(&c);
	struct target *t = config_target(&c, "postgres");
	cr_assert_not_null(t);
	cr_assert_str_eq(t->conninfo, "host=db.internal port=5433 dbname=mlflowdb user=mlflow");
	cr_assert_str_eq(t->password, "pg-secret");
	cr_assert_null(strstr(t->conninfo, "pg-secret"), "password kept out of the conninfo");
	cr_assert_str_eq(t->origin, "environment (POSTGRES_HOST)");
	char *ep = target_endpoint(t);
	cr_assert_str_eq(ep, "db.internal:5433/mlflowdb");
	free(ep);
	config_free(&c);
}

Test(config_env, postgres_host_only)
{
	setenv("POSTGRES_HOST", "db", 1);
	struct config c;
	config_init(&c);
	config_apply_env(&c);
	cr_assert_str_eq(config_target(&c, "postgres")->conninfo, "host=db");
	config_free(&c);
}

Test(config_env, pghost_alone_adds_a_target_libpq_configures)
{
	setenv("PGHOST", "pg.example", 1);
	struct config c;
	config_init(&c);
	config_apply_env(&c);
	struct target *t = config_target(&c, "postgres");
	cr_assert_not_null(t);
	cr_assert_str_eq(t->conninfo, "");
	cr_assert_str_eq(t->origin, "environment (PGHOST)");
	char *ep = target_endpoint(t);
	cr_assert_str_eq(ep, "pg.example:5432/postgres");
	free(ep);
	config_free(&c);
}

Test(config_env, ray_address_client_port_maps_to_dashboard)
{
	setenv("RAY_ADDRESS", "ray://ray-head:10001", 1);
	struct config c;
	config_init(&c);
	config_apply_env(&c);
	struct target *t = config_target(&c, "ray");
	cr_assert_not_null(t);
	cr_assert_str_eq(t->url, "http://ray-head:8265");
	cr_assert_str_eq(t->origin, "environment (RAY_ADDRESS)");
	config_free(&c);
}

Test(config_env, ray_address_variants)
{
	static const struct {
		const char *v, *want;
	} cases[] = {
	    {"http://ray-head:8265", "http://ray-head:8265"},
	    {"https://ray.example/dash", "https://ray.example/dash"},
	    {"10.0.0.10:6379", "http://10.0.0.10:8265"},
	    {"ray://head", "http://head:8265"},
	    {"auto", NULL},
	    {"ray://", NULL},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		setenv("RAY_ADDRESS", cases[i].v, 1);
		struct config c;
		config_init(&c);
		config_apply_env(&c);
		struct target *t = config_target(&c, "ray");
		if (!cases[i].want)
			cr_assert_null(t, "RAY_ADDRESS=%s adds no target", cases[i].v);
		else
			cr_assert_str_eq(t->url, cases[i].want, "RAY_ADDRESS=%s", cases[i].v);
		config_free(&c);
	}
}

Test(config_env, prefect_airflow_prometheus)
{
	setenv("PREFECT_API_URL", "http://prefect:4200/api", 1);
	setenv("PREFECT_API_KEY", "pnu_xyz", 1);
	setenv("AIRFLOW_API_URL", "http://airflow:8080/api/v1", 1);
	setenv("AIRFLOW_USERNAME", "admin", 1);
	setenv("AIRFLOW_PASSWORD", "af-pw", 1);
	setenv("PROMETHEUS_URL", "http://prom:9090", 1);
	struct config c;
	config_init(&c);
	config_apply_env(&c);
	cr_assert_eq(c.ntargets, 3);
	struct target *p = config_target(&c, "prefect");
	cr_assert_str_eq(p->url, "http://prefect:4200/api");
	cr_assert_str_eq(p->token, "pnu_xyz");
	cr_assert_str_eq(p->origin, "environment (PREFECT_API_URL)");
	struct target *a = config_target(&c, "airflow");
	cr_assert_str_eq(a->url, "http://airflow:8080/api/v1");
	cr_assert_str_eq(a->username, "admin");
	cr_assert_str_eq(a->password, "af-pw");
	cr_assert_str_eq(config_target(&c, "prometheus")->url, "http://prom:9090");
	config_free(&c);
}

Test(config_env, file_wins_over_environment)
{
	setenv("MLFLOW_TRACKING_URI", "http://env-mlflow:5000", 1);
	setenv("MLFLOW_TRACKING_USERNAME", "env-user", 1);
	setenv("MLFLOW_TRACKING_PASSWORD", "env-pass", 1);
	setenv("AWS_ENDPOINT_URL", "http://env-minio:9000", 1);
	setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
	setenv("AWS_REGION", "env-region", 1);
	setenv("PREFECT_API_URL", "http://env-prefect/api", 1);
	struct config c;
	const char *path =
	    load_ok(&c, "[mlflow]\nurl = http://file-mlflow:5000\n"
			"username = file-user\n"
			"[s3]\nendpoint = http://file-minio:9000\nregion = file-region\n");
	config_apply_env(&c);
	struct target *m = config_target(&c, "mlflow");
	cr_assert_str_eq(m->url, "http://file-mlflow:5000");
	cr_assert_str_eq(m->username, "file-user");
	cr_assert_str_eq(m->password, "env-pass", "what the file left out comes from the env");
	char origin[256];
	snprintf(origin, sizeof origin, "%s:1", path);
	cr_assert_str_eq(m->origin, origin);
	struct target *s = config_target(&c, "s3");
	cr_assert_str_eq(s->url, "http://file-minio:9000");
	cr_assert_str_eq(s->region, "file-region");
	cr_assert_str_eq(s->access_key, "ENVKEY");
	cr_assert_eq(c.ntargets, 3, "prefect added from the environment");
	config_free(&c);
}

Test(config_env, process_environment_wins_over_env_file)
{
	const char *path = write_file(".env", 0600,
				      "AWS_ENDPOINT_URL=http://file-minio:9000\n"
				      "AWS_ACCESS_KEY_ID=FILEKEY\n"
				      "AWS_SECRET_ACCESS_KEY=file-secret\n"
				      "POSTGRES_HOST=file-db\n");
	setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "", 1); /* empty: the file's value applies */
	struct config c;
	struct mlc_err err;
	config_init(&c);
	cr_assert_eq(config_read_env_file(&c, path, &err), 0, "%s", err.msg);
	cr_assert_str_eq(config_getenv(&c, "AWS_ACCESS_KEY_ID"), "ENVKEY");
	config_apply_env(&c);
	struct target *t = config_target(&c, "s3");
	cr_assert_str_eq(t->url, "http://file-minio:9000");
	cr_assert_str_eq(t->access_key, "ENVKEY");
	cr_assert_str_eq(t->secret_key, "file-secret");
	cr_assert_str_eq(config_target(&c, "postgres")->conninfo, "host=file-db");
	config_free(&c);
}

/* ---- endpoints never show credentials ---------------------------------- */

static void expect_endpoint(struct target *t, const char *want, const char *secret)
{
	char *ep = target_endpoint(t);
	cr_assert_str_eq(ep, want);
	if (secret)
		cr_assert_null(strstr(ep, secret), "'%s' shows the secret", ep);
	free(ep);
}

Test(config_endpoint, http_urls_drop_userinfo)
{
	struct target t = {.kind = TK_MLFLOW, .url = "http://alice:s3cr3t@mlflow:5000/api"};
	expect_endpoint(&t, "http://mlflow:5000/api", "s3cr3t");
	t.url = "https://user:pw@host";
	expect_endpoint(&t, "https://host", "pw@");
	t.url = "http://mlflow:5000/path?x=a@b";
	expect_endpoint(&t, "http://mlflow:5000/path?x=a@b", NULL);
	t.url = "http://plain:5000";
	expect_endpoint(&t, "http://plain:5000", NULL);
	t.url = NULL;
	expect_endpoint(&t, "-", NULL);
}

Test(config_endpoint, password_with_at_sign_never_shown)
{
	struct target t = {.kind = TK_MLFLOW, .url = "http://admin:p@ss@w0rd@mlflow:5000/"};
	expect_endpoint(&t, "http://mlflow:5000/", "w0rd");
}

Test(config_endpoint, postgres_uri_hides_password)
{
	struct target t = {.kind = TK_POSTGRES,
			   .conninfo = "postgresql://mlflow:pg-s3cret@db.internal:5433/mlflowdb"
				       "?sslmode=require"};
	expect_endpoint(&t, "db.internal:5433/mlflowdb", "s3cret");
	t.conninfo = "postgres://mlflow:pw@db/x";
	expect_endpoint(&t, "db:5432/x", "pw");
	t.conninfo = "postgres://u:a@b@db:6000/y";
	expect_endpoint(&t, "db:6000/y", "a@b");
	t.conninfo = "postgresql://db.example";
	expect_endpoint(&t, "db.example:5432/postgres", NULL);
}

Test(config_endpoint, conninfo_hides_password)
{
	struct target t = {.kind = TK_POSTGRES,
			   .conninfo = "host=10.0.0.5 port=5432 dbname=mlflowdb user=mlflow "
				       "password=kv-s3cret"};
	expect_endpoint(&t, "10.0.0.5:5432/mlflowdb", "s3cret");
	t.conninfo = "password=only-secret";
	expect_endpoint(&t, "localhost:5432/postgres", "only-secret");
	t.conninfo = "";
	expect_endpoint(&t, "localhost:5432/postgres", NULL);
	t.conninfo = NULL;
	expect_endpoint(&t, "localhost:5432/postgres", NULL);
}

Test(config_endpoint, postgres_defaults_from_pg_environment)
{
	setenv("PGHOST", "envhost", 1);
	setenv("PGPORT", "6543", 1);
	struct target t = {.kind = TK_POSTGRES, .conninfo = "dbname=x"};
	expect_endpoint(&t, "envhost:6543/x", NULL);
}

Test(config_endpoint, nodes)
{
	struct target t = {.kind = TK_NODE, .host = "10.0.0.10", .user = "ops"};
	expect_endpoint(&t, "ops@10.0.0.10:22", NULL);
	t.user = NULL;
	t.port = 2222;
	expect_endpoint(&t, "10.0.0.10:2222", NULL);
}

/* ---- small helpers ----------------------------------------------------- */

Test(config, kind_names_round_trip)
{
	for (int k = 0; k < TK_COUNT; k++)
		cr_assert_eq(target_kind_parse(target_kind_name((enum target_kind)k)), k);
	cr_assert_eq(target_kind_parse("grafana"), -1);
	cr_assert_eq(target_kind_parse(""), -1);
	cr_assert_str_eq(target_kind_name(TK_COUNT), "?");
}

Test(config, default_path)
{
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	char *p = config_default_path();
	cr_assert_str_eq(p, "/xdg/mlconsole/config.ini");
	free(p);
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/u", 1);
	p = config_default_path();
	cr_assert_str_eq(p, "/home/u/.config/mlconsole/config.ini");
	free(p);
}

Test(config_endpoint, target_url_joins_without_double_slash)
{
	struct target t = {.url = (char *)"http://h:4200/api//"};
	char *u = target_url(&t, "/health");
	cr_assert_str_eq(u, "http://h:4200/api/health");
	free(u);
	struct target none = {0};
	u = target_url(&none, "/x");
	cr_assert_str_eq(u, "/x");
	free(u);
}

/* AWS_PROFILE reads ~/.aws/credentials and ~/.aws/config as the AWS CLI
 * does ("[name]" in one, "[profile name]" in the other); it wins over the
 * platform's MINIO_* names, loses to AWS_ACCESS_KEY_ID; without AWS_PROFILE
 * the default profile only fills what nothing else set. */
Test(config_env, aws_profile_files)
{
	const char *cred =
	    write_file("credentials", 0600,
		       "[default]\naws_access_key_id = DEFKEY\n"
		       "aws_secret_access_key = defsecret\n\n"
		       "[lab]\naws_access_key_id = LABKEY\n"
		       "aws_secret_access_key = labsecret\naws_session_token = labtok\n");
	const char *conf = write_file("config", 0600,
				      "[default]\nregion = eu-west-1\n\n[profile lab]\nregion = "
				      "ap-east-1\nendpoint_url = http://minio.lab:9000\n");
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
	setenv("AWS_CONFIG_FILE", conf, 1);
	setenv("AWS_PROFILE", "lab", 1);
	setenv("MINIO_ACCESS_KEY", "minio-loses", 1);
	setenv("MINIO_SECRET_KEY", "minio-loses", 1);
	struct config c;
	config_init(&c);
	config_apply_env(&c);
	struct target *t = config_target(&c, "s3");
	cr_assert_not_null(t, "endpoint_url of the profile adds the target");
	cr_assert_str_eq(t->url, "http://minio.lab:9000");
	cr_assert_str_eq(t->access_key, "LABKEY");
	cr_assert_str_eq(t->secret_key, "labsecret");
	cr_assert_str_eq(t->session_token, "labtok");
	cr_assert_str_eq(t->region, "ap-east-1");
	config_free(&c);

	/* the environment's keys win over the profile */
	setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	config_init(&c);
	config_apply_env(&c);
	t = config_target(&c, "s3");
	cr_assert_str_eq(t->access_key, "ENVKEY");
	cr_assert_str_eq(t->secret_key, "envsecret");
	config_free(&c);

	/* no AWS_PROFILE: MINIO_* first, the default profile's region after */
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	setenv("MINIO_ADDRESS", "127.0.0.1:9000", 1);
	config_init(&c);
	config_apply_env(&c);
	t = config_target(&c, "s3");
	cr_assert_str_eq(t->access_key, "minio-loses");
	cr_assert_str_eq(t->region, "eu-west-1");
	config_free(&c);
}
