/* lib/redis/redis_url.h — redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], read
 * exactly as `redis-cli -u` reads it: userinfo without a colon is the
 * password, an empty USER means the default user, user and password are
 * percent-decoded, [v6] hosts in brackets, HOST defaults to 127.0.0.1, PORT
 * to 6379, DB to none. Pure. Error messages never repeat the password. */
#ifndef MLC_REDIS_URL_H
#define MLC_REDIS_URL_H

#include <stdbool.h>

#include "lib/core/err.h"

struct redis_url {
	char host[256];
	int port;
	int db;		/* -1: none given (the server's 0, no SELECT) */
	char user[128]; /* "" : the default user (AUTH PASSWORD) */
	char password[256];
	bool has_password;
};

/* 0, or a negative code with err naming what is wrong (MLC_ERR_CONFIG). */
int redis_url_parse(const char *url, struct redis_url *out, struct mlc_err *err);
/* Wipes the password. */
void redis_url_clear(struct redis_url *u);

#endif
