/* lib/core/config_aws.c — ~/.aws/credentials and ~/.aws/config, read as
 * the AWS CLI reads them (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE,
 * "[profile NAME]" in the config file). Only fills a struct aws_profile;
 * deciding what wins is config_env.c's. A missing file is no error. */
#include "lib/core/config_priv.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"

static int aws_ini_handler(void *user, const char *section, const char *name, const char *value)
{
	struct aws_profile *p = user;
	bool match;
	if (p->in_config)
		match = strcmp(p->name, "default") == 0 ? strcmp(section, "default") == 0
							: (str_starts(section, "profile ") &&
							   strcmp(section + 8, p->name) == 0);
	else
		match = strcmp(section, p->name) == 0;
	if (!match)
		return 1;
	if (strcmp(name, "aws_access_key_id") == 0)
		config_fill(&p->access_key, value);
	else if (strcmp(name, "aws_secret_access_key") == 0)
		config_fill(&p->secret_key, value);
	else if (strcmp(name, "aws_session_token") == 0)
		config_fill(&p->session_token, value);
	else if (strcmp(name, "region") == 0)
		config_fill(&p->region, value);
	else if (strcmp(name, "endpoint_url") == 0)
		config_fill(&p->endpoint, value);
	return 1;
}

/* Reads profile name from $AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials)
 * and $AWS_CONFIG_FILE (~/.aws/config), as the AWS CLI does; a missing file
 * is no error. */
void aws_profile_read(const struct config *c, struct aws_profile *p)
{
	const char *home = getenv("HOME");
	const char *files[2] = {config_getenv(c, "AWS_SHARED_CREDENTIALS_FILE"),
				config_getenv(c, "AWS_CONFIG_FILE")};
	for (int i = 0; i < 2; i++) {
		char *path = files[i] ? xstrdup(files[i])
				      : xasprintf("%s/.aws/%s", home ? home : ".",
						  i == 0 ? "credentials" : "config");
		FILE *f = fopen(path, "r");
		if (f) {
			p->in_config = i == 1;
			ini_parse_file(f, aws_ini_handler, p);
			fclose(f);
		}
		free(path);
	}
}

void aws_profile_free(struct aws_profile *p)
{
	free(p->access_key);
	free(p->secret_key);
	free(p->session_token);
	free(p->region);
	free(p->endpoint);
}
