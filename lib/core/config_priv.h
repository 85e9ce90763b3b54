/* lib/core/config_priv.h — what the files of the configuration share among
 * themselves (config.c, config_ini.c, config_env.c, config_aws.c,
 * config_envfile.c, kinds.c) and nobody else: adding targets, warnings, the
 * environment hooks the kinds table names, the AWS shared files. */
#ifndef MLC_CONFIG_PRIV_H
#define MLC_CONFIG_PRIV_H

#include <stdbool.h>

#include "lib/core/config.h"

/* Appends a target (moves c->targets: pointers into it go stale). */
struct target *config_add_target(struct config *c, enum target_kind k, const char *name,
				 const char *origin);
/* The first target of kind k, with or without a URL, or NULL. */
struct target *config_first_of_kind(struct config *c, enum target_kind k);
void config_warn(struct config *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets *field to a copy of v when it is unset and v is not NULL. */
void config_fill(char **field, const char *v);

/* Whether the key table (config_ini.c) has a row for key. */
bool config_key_known(const char *key);

/* The environment hooks of the kinds table (config_env.c). */
void kind_env_mlflow(struct config *c);
void kind_env_s3(struct config *c);
void kind_env_postgres(struct config *c);
void kind_env_ray(struct config *c);
void kind_env_prefect(struct config *c);
void kind_env_airflow(struct config *c);
void kind_env_prometheus(struct config *c);
void kind_env_node(struct config *c);
void kind_env_redis(struct config *c);

/* One profile of ~/.aws/credentials and ~/.aws/config (config_aws.c). */
struct aws_profile {
	const char *name; /* the profile */
	bool in_config;	  /* parsing the config file: "[profile NAME]" */
	char *access_key, *secret_key, *session_token, *region, *endpoint;
};
/* Reads p->name from $AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials) and
 * $AWS_CONFIG_FILE (~/.aws/config), as the AWS CLI does; a missing file is
 * no error. */
void aws_profile_read(const struct config *c, struct aws_profile *p);
void aws_profile_free(struct aws_profile *p);

#endif
