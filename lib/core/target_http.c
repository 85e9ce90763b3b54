/* lib/core/target_http.c — see target_http.h. */
#include "lib/core/target_http.h"

#include <string.h>

#include "lib/core/util.h"

void target_http_opts(const struct target *t, long timeout_ms, const char *url, struct http_opts *o)
{
	memset(o, 0, sizeof *o);
	o->url = url;
	o->timeout_ms = timeout_ms;
	o->connect_timeout_ms = MLC_MIN(timeout_ms, 3000);
	o->max_bytes = 1u << 20;
	o->ca_file = t->ca_file;
	o->insecure = t->insecure;
	if (t->token)
		o->bearer = t->token;
	else if (t->username) {
		o->username = t->username;
		o->password = t->password;
	}
}
