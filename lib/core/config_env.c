/* lib/core/config_env.c — the environment conventions of every official
 * client, one hook per kind (the kinds table in kinds.h names them): what
 * mlflow, the AWS tools, libpq, ray, prefect, the airflow client, ssh(1) and
 * redis-cli read, plus the platform's docker-compose names. Each hook fills
 * only what the file left out. Never prints. */
#include "lib/core/config_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/core/sshconf.h"
#include "lib/core/util.h"

/* The first target of kind k; when there is none and var (the variable
 * that names the service) is set, a new one whose origin says so. */
static struct target *env_target(struct config *c, enum target_kind k, const char *var)
{
	struct target *t = config_first_of_kind(c, k);
	if (t || !var)
		return t;
	char origin[80];
	snprintf(origin, sizeof origin, "environment (%s)", var);
	return config_add_target(c, k, target_kind_name(k), origin);
}

/* RAY_ADDRESS: ray://host:10001 is the client port; the dashboard is :8265. */
static char *ray_dashboard_url(const char *addr)
{
	if (str_starts(addr, "http://") || str_starts(addr, "https://"))
		return xstrdup(addr);
	const char *h = str_starts(addr, "ray://") ? addr + 6 : addr;
	if (strcmp(h, "auto") == 0 || !*h)
		return NULL;
	size_t len = strcspn(h, ":/");
	return xasprintf("http://%.*s:8265", (int)len, h);
}

static char *with_scheme(const char *addr)
{
	if (str_starts(addr, "http://") || str_starts(addr, "https://"))
		return xstrdup(addr);
	return xasprintf("http://%s", addr);
}

/* MLflow, as mlflow's own client reads it. */
void kind_env_mlflow(struct config *c)
{
	const char *v = config_getenv(c, "MLFLOW_TRACKING_URI");
	bool mlflow_http = v && (str_starts(v, "http://") || str_starts(v, "https://"));
	struct target *t = env_target(c, TK_MLFLOW, mlflow_http ? "MLFLOW_TRACKING_URI" : NULL);
	if (!t)
		return;
	if (mlflow_http)
		config_fill(&t->url, v);
	config_fill(&t->username, config_getenv(c, "MLFLOW_TRACKING_USERNAME"));
	config_fill(&t->password, config_getenv(c, "MLFLOW_TRACKING_PASSWORD"));
	config_fill(&t->token, config_getenv(c, "MLFLOW_TRACKING_TOKEN"));
	config_fill(&t->ca_file, config_getenv(c, "MLFLOW_TRACKING_SERVER_CERT_PATH"));
	config_fill(&t->artifacts_destination, config_getenv(c, "MLFLOW_ARTIFACTS_DESTINATION"));
	v = config_getenv(c, "MLFLOW_TRACKING_INSECURE_TLS");
	if (v && (!strcasecmp(v, "true") || !strcmp(v, "1")))
		t->insecure = true;
}

static void fill_from_profile(struct target *t, const struct aws_profile *p)
{
	if (!t->access_key && p->access_key && p->secret_key) {
		config_fill(&t->access_key, p->access_key);
		config_fill(&t->secret_key, p->secret_key);
		config_fill(&t->session_token, p->session_token);
	}
	config_fill(&t->region, p->region);
}

/* The S3 endpoint, in the order the AWS tools and the platform's .env name
 * it; *var gets the variable's name. */
static const char *s3_endpoint(const struct config *c, const char **var)
{
	static const char *const names[] = {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL",
					    "MLFLOW_S3_ENDPOINT_URL", "MINIO_ADDRESS"};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		const char *v = config_getenv(c, names[i]);
		if (v) {
			*var = names[i];
			return v;
		}
	}
	return NULL;
}

/* S3 / MinIO, as the AWS tools and the platform's .env name them. */
void kind_env_s3(struct config *c)
{
	const char *evar = NULL;
	const char *endpoint = s3_endpoint(c, &evar);
	/* AWS_PROFILE names a profile that wins over the platform's MINIO_*
	 * names; without it the "default" profile only fills what is left. */
	const char *profile_env = config_getenv(c, "AWS_PROFILE");
	struct aws_profile prof = {.name = profile_env && *profile_env ? profile_env : "default"};
	aws_profile_read(c, &prof);
	if (!endpoint && prof.endpoint) {
		endpoint = prof.endpoint;
		evar = "AWS_PROFILE endpoint_url";
	}
	struct target *t = env_target(c, TK_S3, endpoint ? evar : NULL);
	if (t) {
		if (endpoint && !t->url)
			t->url = with_scheme(endpoint);
		config_fill(&t->access_key, config_getenv(c, "AWS_ACCESS_KEY_ID"));
		config_fill(&t->secret_key, config_getenv(c, "AWS_SECRET_ACCESS_KEY"));
		if (profile_env && *profile_env)
			fill_from_profile(t, &prof);
		config_fill(&t->access_key, config_getenv(c, "MINIO_ACCESS_KEY"));
		config_fill(&t->secret_key, config_getenv(c, "MINIO_SECRET_KEY"));
		config_fill(&t->access_key, config_getenv(c, "MINIO_ROOT_USER"));
		config_fill(&t->secret_key, config_getenv(c, "MINIO_ROOT_PASSWORD"));
		config_fill(&t->session_token, config_getenv(c, "AWS_SESSION_TOKEN"));
		config_fill(&t->region, config_getenv(c, "AWS_REGION"));
		config_fill(&t->region, config_getenv(c, "AWS_DEFAULT_REGION"));
		fill_from_profile(t, &prof);
	}
	aws_profile_free(&prof);
	for (size_t i = 0; i < c->ntargets; i++)
		if (c->targets[i].kind == TK_S3)
			config_fill(&c->targets[i].region, "us-east-1");
}

/* PostgreSQL: libpq reads PG* itself; the platform's .env uses POSTGRES_*. */
void kind_env_postgres(struct config *c)
{
	const char *v, *pghost = config_getenv(c, "POSTGRES_HOST");
	const char *pgvar = pghost ? "POSTGRES_HOST" : (getenv("PGHOST") ? "PGHOST" : NULL);
	struct target *t = env_target(c, TK_POSTGRES, pgvar);
	if (!t)
		return;
	if (!t->conninfo && pghost) {
		struct buf b;
		buf_init(&b);
		buf_printf(&b, "host=%s", pghost);
		if ((v = config_getenv(c, "POSTGRES_PORT")))
			buf_printf(&b, " port=%s", v);
		if ((v = config_getenv(c, "POSTGRES_DB")))
			buf_printf(&b, " dbname=%s", v);
		if ((v = config_getenv(c, "POSTGRES_USER")))
			buf_printf(&b, " user=%s", v);
		t->conninfo = buf_steal(&b);
	}
	config_fill(&t->conninfo, "");
	config_fill(&t->password, config_getenv(c, "POSTGRES_PASSWORD"));
}

void kind_env_ray(struct config *c)
{
	const char *v = config_getenv(c, "RAY_ADDRESS");
	char *dash = v ? ray_dashboard_url(v) : NULL;
	struct target *t = env_target(c, TK_RAY, dash ? "RAY_ADDRESS" : NULL);
	if (t && dash && !t->url) {
		t->url = dash;
		dash = NULL;
	}
	free(dash);
}

void kind_env_prefect(struct config *c)
{
	const char *v = config_getenv(c, "PREFECT_API_URL");
	struct target *t = env_target(c, TK_PREFECT, v ? "PREFECT_API_URL" : NULL);
	if (t) {
		config_fill(&t->url, v);
		config_fill(&t->token, config_getenv(c, "PREFECT_API_KEY"));
	}
}

/* Airflow (apache-airflow-client conventions). */
void kind_env_airflow(struct config *c)
{
	const char *v = config_getenv(c, "AIRFLOW_API_URL");
	struct target *t = env_target(c, TK_AIRFLOW, v ? "AIRFLOW_API_URL" : NULL);
	if (t) {
		config_fill(&t->url, v);
		config_fill(&t->username, config_getenv(c, "AIRFLOW_USERNAME"));
		config_fill(&t->password, config_getenv(c, "AIRFLOW_PASSWORD"));
	}
}

void kind_env_prometheus(struct config *c)
{
	const char *v = config_getenv(c, "PROMETHEUS_URL");
	struct target *t = env_target(c, TK_PROMETHEUS, v ? "PROMETHEUS_URL" : NULL);
	if (t)
		config_fill(&t->url, v);
}

/* A jump host spec as sshc takes it: a bare name is looked up as a
 * [node] section, then in ssh_config (HostName, User, Port), as ssh -J
 * does; "none" means no jump; anything else is kept as written. */
static char *jump_resolve(struct config *c, const char *sshcfg, const char *spec)
{
	if (!strcasecmp(spec, "none") || !*spec)
		return NULL;
	if (strpbrk(spec, "@:[, "))
		return xstrdup(spec);
	const struct target *b = config_target(c, spec);
	struct sshconf_host h;
	const char *user = NULL, *host = spec;
	int port = 0;
	if (b && b->kind == TK_NODE && b->host) {
		user = b->user;
		host = b->host;
		port = b->port;
	} else if (sshconf_lookup(sshcfg, spec, &h)) {
		user = h.user[0] ? h.user : NULL;
		host = h.hostname[0] ? h.hostname : spec;
		port = h.port;
	}
	char pbuf[16] = "";
	if (port)
		snprintf(pbuf, sizeof pbuf, ":%d", port);
	return xasprintf("%s%s%s%s", user ? user : "", user ? "@" : "", host, pbuf);
}

/* Nodes: ~/.ssh/config (or $MLC_SSH_CONFIG) fills HostName, User, Port,
 * IdentityFile and ProxyJump where the node's section is silent, as ssh(1)
 * would; then a jump naming a node or a Host is resolved to its address. */
void kind_env_node(struct config *c)
{
	const char *sshcfg = config_getenv(c, "MLC_SSH_CONFIG");
	for (size_t i = 0; i < c->ntargets; i++) {
		struct target *n = &c->targets[i];
		struct sshconf_host h;
		if (n->kind != TK_NODE || !n->host || !sshconf_lookup(sshcfg, n->host, &h))
			continue;
		if (h.hostname[0]) {
			free(n->host);
			n->host = xstrdup(h.hostname);
		}
		if (h.user[0])
			config_fill(&n->user, h.user);
		if (h.identity[0])
			config_fill(&n->identity, h.identity);
		if (!n->port && h.port)
			n->port = h.port;
		if (h.proxyjump[0])
			config_fill(&n->jump, h.proxyjump);
	}
	for (size_t i = 0; i < c->ntargets; i++) {
		struct target *n = &c->targets[i];
		if (n->kind != TK_NODE || !n->jump)
			continue;
		char *j = jump_resolve(c, sshcfg, n->jump);
		free(n->jump);
		n->jump = j;
	}
}

/* Redis: REDISCLI_AUTH is redis-cli's password when the URL has none; the
 * URL's own password wins (the probe applies that order). */
void kind_env_redis(struct config *c)
{
	const char *v = config_getenv(c, "REDISCLI_AUTH");
	for (size_t i = 0; v && i < c->ntargets; i++)
		if (c->targets[i].kind == TK_REDIS)
			config_fill(&c->targets[i].password, v);
}

void config_apply_env(struct config *c)
{
	for (int k = 0; k < TK_COUNT; k++)
		if (kind_conf(k)->env)
			kind_conf(k)->env(c);
}
