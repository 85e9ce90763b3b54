/* lib/core/target_http.h — the HTTP options of a configured target: its
 * auth (bearer token, else basic), its TLS settings and a deadline. Every
 * client and the health probes build their requests from here, so a
 * target's credentials are applied the same way everywhere. Pure. */
#ifndef MLC_TARGET_HTTP_H
#define MLC_TARGET_HTTP_H

#include "lib/core/config.h"
#include "lib/core/http.h"

/* Fills o for a GET of url with t's auth and TLS, a total deadline of
 * timeout_ms (connect: at most 3 s) and a 1 MiB response cap. Strings are
 * borrowed from t and url. */
void target_http_opts(const struct target *t, long timeout_ms, const char *url,
		      struct http_opts *o);

#endif
