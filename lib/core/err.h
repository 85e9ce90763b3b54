/* lib/core/err.h — the one list of status codes and the error record every module
 * fills. msg is what the status line shows: it names the service, the request
 * and what went wrong, and holds no secret. */
#ifndef MLC_ERR_H
#define MLC_ERR_H

#define MLC_STATUS_CODES(X)                                                                        \
	X(OK, "ok")                                                                                \
	X(ERR_USAGE, "usage error")                                                                \
	X(ERR_CONFIG, "configuration error")                                                       \
	X(ERR_DNS, "name resolution failed")                                                       \
	X(ERR_CONNECT, "connection failed")                                                        \
	X(ERR_TIMEOUT, "timed out")                                                                \
	X(ERR_TLS, "TLS error")                                                                    \
	X(ERR_HTTP, "HTTP error")                                                                  \
	X(ERR_PARSE, "malformed response")                                                         \
	X(ERR_TOO_BIG, "response too large")                                                       \
	X(ERR_AUTH, "authentication failed")                                                       \
	X(ERR_HOSTKEY_UNKNOWN, "unknown host key")                                                 \
	X(ERR_HOSTKEY_CHANGED, "host key changed")                                                 \
	X(ERR_PROTO, "protocol error")                                                             \
	X(ERR_IO, "I/O error")                                                                     \
	X(ERR_NOTFOUND, "not found")                                                               \
	X(ERR_READONLY, "read-only mode")                                                          \
	X(ERR_CANCELLED, "cancelled")                                                              \
	X(ERR_INTERNAL, "internal error")

enum mlc_status {
#define MLC_X(name, text) MLC_##name,
	MLC_STATUS_CODES(MLC_X)
#undef MLC_X
	    MLC_STATUS_COUNT
};

struct mlc_err {
	int code;      /* enum mlc_status; MLC_OK when there is no error */
	long detail;   /* HTTP status, libpq/libssh2/curl code, errno... */
	char msg[256]; /* human text for the status line, already sanitized-safe ASCII/UTF-8 */
};

const char *mlc_strerror(int code);
/* Sets code and detail and formats msg; returns -code (negative) so that
 * `return mlc_err_set(e, ...)` reads naturally. e may be NULL. */
int mlc_err_set(struct mlc_err *e, int code, long detail, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void mlc_err_clear(struct mlc_err *e);

#endif
