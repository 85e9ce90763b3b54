/* lib/core/config.h — the configuration: an INI file read with inih
 * (config_ini.c), the environment conventions of every official client
 * (config_env.c, with the AWS shared files in config_aws.c), and the
 * platform's docker-compose .env (--env-file, config_envfile.c); what each
 * kind of service accepts is its row in kinds.h. The file wins over the environment for
 * what it sets; command-line flags (applied by the caller) win over both.
 * Every error names file:line. Secrets are kept here and handed only to the
 * clients; nothing in this module prints or logs them. */
#ifndef MLC_CONFIG_H
#define MLC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"
#include "lib/core/kinds.h"

/* One configured service endpoint or node. Strings are owned by the config;
 * NULL when not set. */
struct target {
	char *name;
	enum target_kind kind;
	char *url;	/* http(s) base: mlflow, s3 endpoint, ray dashboard, prometheus, prefect,
			 * airflow; the checked URL of an http target; redis://... of a redis target */
	char *username; /* basic auth (mlflow, airflow, prometheus, http); redis ACL user */
	char *password; /* secret: basic auth or postgres password */
	char *token;	/* secret: bearer token (mlflow, prefect api key) */
	char *ca_file;
	bool insecure;
	/* mlflow: where the server stores proxied artifacts (its
	 * --artifacts-destination, "s3://mlflow"): mlflow-artifacts:/ URIs
	 * map there */
	char *artifacts_destination;
	/* s3 */
	char *access_key;
	char *secret_key;    /* secret */
	char *session_token; /* secret */
	char *region;
	bool virtual_host;
	char **buckets; /* expected buckets (check) */
	/* uploads: a file above multipart_threshold bytes goes as a multipart
	 * upload of part_size parts (both 0: the defaults, 64 MiB and 8 MiB),
	 * concurrency parts in flight (0: 4) */
	int64_t multipart_threshold, part_size;
	int concurrency;
	/* postgres */
	char *conninfo;
	char **databases;  /* expected databases (check) */
	char **extensions; /* expected extensions (check) */
	long idle_xact_ms; /* idle in transaction this long is highlighted; 0 → 60 s */
	/* node */
	char *host;
	int port;
	char *user;
	char *identity;
	char *known_hosts;
	bool accept_new;
	char **roles;
	char **units; /* systemd units whose state the Nodes panel shows */
	char *jump;   /* ProxyJump: "[user@]host[:port]" of one bastion, or NULL */
	/* http: the statuses that mean up ("200", "2xx"; NULL: any 2xx) and a
	 * substring the body must hold (NULL: any) */
	char **expect_status;
	char *expect_body;
	/* polling */
	long refresh_ms; /* 0 → general refresh */
	long timeout_ms; /* 0 → default deadline per kind */
	/* where it came from: "FILE:LINE" or "environment (NAME)" */
	char *origin;
};

/* A section kept as written for the panel that reads it ([action NAME],
 * [plan NAME]): its keys and values in file order, repeated keys each
 * kept; origin is "FILE:LINE" of the header. */
struct config_section {
	char *kind, *name, *origin;
	char **keys, **vals;
	size_t n;
};

struct config {
	char *path; /* the file read, or NULL */
	char *profile;
	char *theme;
	long refresh_ms; /* default 2000 */
	long slow_ms;	 /* latency above which a service is "slow"; default 1000 */
	bool readonly;
	struct target *targets;
	size_t ntargets;
	char **warnings; /* "FILE:LINE: unknown key 'x' in [mlflow]" */
	size_t nwarnings;
	/* --env-file values, consulted after the process environment */
	char **envfile_keys, **envfile_vals;
	size_t nenvfile;
	struct config_section *sections; /* [action NAME], [plan NAME] */
	size_t nsections;
};

/* "64MiB", "8M", "1 GiB", "5242880": bytes (K, M, G, T with an optional i
 * and B are powers of 1024); -1 when not a size. */
int64_t config_parse_size(const char *s);

void config_init(struct config *c);
void config_free(struct config *c);

/* Reads KEY=VALUE lines (optional `export`, quotes, # comments) of a
 * docker-compose .env file into c. Errors name file:line. */
int config_read_env_file(struct config *c, const char *path, struct mlc_err *err);

/* Reads an INI file. A file holding a secret that group or others can read
 * is refused with the chmod to run. Unknown keys and sections become
 * warnings; bad values are errors naming FILE:LINE. */
int config_read_file(struct config *c, const char *path, struct mlc_err *err);

/* The default path: $XDG_CONFIG_HOME/mlconsole/config.ini or
 * ~/.config/mlconsole/config.ini. Caller frees. */
char *config_default_path(void);

/* Fills what the file left out from the environment (and the env file):
 * MLFLOW_TRACKING_*, AWS_*, MLFLOW_S3_ENDPOINT_URL, MINIO_*, PG and POSTGRES_ variables,
 * RAY_ADDRESS, PREFECT_API_URL/KEY, AIRFLOW_*; adds a target for a service
 * that only the environment names. */
void config_apply_env(struct config *c);

/* Looks a name up in the process environment, then in the --env-file. */
const char *config_getenv(const struct config *c, const char *name);

/* The first target of kind k with a URL (the one a panel talks to), or NULL. */
const struct target *config_first_target(const struct config *c, enum target_kind k);
/* The target named name, or NULL. */
struct target *config_target(struct config *c, const char *name);
/* The target's base URL joined with path ("/health"), trailing slashes of
 * the base dropped. Caller frees. */
char *target_url(const struct target *t, const char *path);
/* A short endpoint for display, without credentials: "http://h:5000",
 * "127.0.0.1:5432/mlflowdb", "ops@10.0.0.10:22". Caller frees. */
char *target_endpoint(const struct target *t);

#endif
