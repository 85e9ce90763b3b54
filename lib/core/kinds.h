/* lib/core/kinds.h — what the configuration knows of each kind of service:
 * its section name, the keys it accepts, the scheme of its URL, the key it
 * cannot do without, and the environment conventions that fill it. Adding a
 * kind is one row here (TARGET_KINDS) and one row in lib/health/kinds.c (how
 * it is probed and checked); nothing else switches on the kind. The table is
 * split in two along the layer line: lib/core may not include lib/health. */
#ifndef MLC_KINDS_H
#define MLC_KINDS_H

#include <stdbool.h>

struct config;

/* One row per kind: X(ENUM, designated initialisers of struct kind_conf).
 * The order is the order in which the environment is consulted, and so the
 * order of the targets that only the environment names. */
#define TARGET_KINDS(X)                                                                            \
	X(MLFLOW, .section = "mlflow", .env = kind_env_mlflow,                                     \
	  .keys = "url username password token ca_file insecure artifacts_destination")            \
	X(S3, .section = "s3", .env = kind_env_s3,                                                 \
	  .keys = "url endpoint ca_file insecure access_key secret_key session_token region "      \
		  "virtual_host buckets multipart_threshold part_size concurrency")                \
	X(POSTGRES, .section = "postgres", .env = kind_env_postgres,                               \
	  .keys = "password conninfo databases extensions idle_xact")                              \
	X(RAY, .section = "ray", .env = kind_env_ray,                                              \
	  .keys = "url dashboard prometheus ca_file insecure")                                     \
	X(PREFECT, .section = "prefect", .env = kind_env_prefect,                                  \
	  .keys = "url token api_key ca_file insecure")                                            \
	X(AIRFLOW, .section = "airflow", .env = kind_env_airflow,                                  \
	  .keys = "url username password ca_file insecure")                                        \
	X(PROMETHEUS, .section = "prometheus", .env = kind_env_prometheus,                         \
	  .keys = "url username password ca_file insecure")                                        \
	X(NODE, .section = "node", .env = kind_env_node, .named = "head", .required = "host",      \
	  .keys = "host port user identity known_hosts accept_new roles jump units")               \
	X(HTTP, .section = "http", .required = "url",                                              \
	  .keys = "url username password token ca_file insecure expect_status expect_body")        \
	X(REDIS, .section = "redis", .env = kind_env_redis, .required = "url",                     \
	  .url_schemes = "redis://", .mask_userinfo = true, .keys = "url username password")

enum target_kind {
#define KIND_ENUM(name, ...) TK_##name,
	TARGET_KINDS(KIND_ENUM)
#undef KIND_ENUM
	    TK_COUNT
};

/* What a kind is to the configuration. Every kind also accepts `refresh`
 * and `timeout`; keys name rows of config_ini.c's key table (a unit test
 * holds every name to it). */
struct kind_conf {
	const char *section;	 /* "[section]" or "[section NAME]" */
	const char *keys;	 /* the keys it accepts, space-separated */
	const char *url_schemes; /* what its url must start with; NULL: http:// or https:// */
	const char *required;	 /* a key the section must set, or NULL */
	const char *named;	 /* an example NAME when the section needs one: [node head] */
	bool mask_userinfo;	 /* the endpoint shows user:***@ rather than dropping it */
	/* Fills targets of this kind from the environment (and the env file),
	 * adding one when only the environment names the service; NULL: the
	 * kind has no environment convention. Runs once, in table order. */
	void (*env)(struct config *c);
};

/* The row of k; NULL when k is no kind. */
const struct kind_conf *kind_conf(int k);
const char *target_kind_name(enum target_kind k);
/* -1 when s names no kind. */
int target_kind_parse(const char *s);
/* Whether kind k accepts key (refresh and timeout: every kind). */
bool kind_accepts_key(int k, const char *key);
/* The first key a row names that the key table (config_ini.c) does not
 * know, or NULL: what the unit tests hold the table to. */
const char *kinds_unknown_key(void);
/* Whether url starts with a scheme kind k accepts. */
bool kind_url_scheme_ok(int k, const char *url);

#endif
