/* lib/core/http_err.h — the one mapping from an HTTP answer that is not a
 * success to a struct mlc_err, for every client and probe: the code from the
 * status, and a message that says what the server said in its own words
 * (a JSON error's message, an S3 <Error>, an HTML title, or the first line
 * of text), sanitized. Pure: never performs I/O, never logs. */
#ifndef MLC_HTTP_ERR_H
#define MLC_HTTP_ERR_H

#include <stddef.h>

#include "lib/core/err.h"
#include "lib/core/http.h"

/* An answer as the mapping needs it; every pointer is borrowed. */
struct http_answer {
	long status;
	const char *path;     /* what was asked: "/api/2.0/mlflow/runs/search", "s3://b/k" */
	const char *location; /* the Location header of a 3xx, or NULL */
	const char *body;     /* the error body (may hold NULs), or NULL */
	size_t len;
	const char *fallback; /* text when the body says nothing (HEAD has no body), or NULL */
};

/* The code an HTTP status stands for: 401/403 MLC_ERR_AUTH, 404
 * MLC_ERR_NOTFOUND, anything else not 2xx MLC_ERR_HTTP; MLC_OK for 2xx. */
int http_err_code(long status);

/* The server's own words in an error body, one line, sanitized (escapes
 * shown as \e, invalid UTF-8 replaced): MLflow's "ERROR_CODE: message", a
 * JSON "message"/"detail" (FastAPI's detail list: its first msg)/"msg"/
 * "error"/"title"/"exception_message", an S3 <Error>'s "Code: Message", an
 * HTML <title>, else the first line of text. "" when the body says nothing. */
void http_err_text(const char *body, size_t len, char *out, size_t n);

/* Fills e for an answer that is not 2xx. The message is
 *   "WHO: HTTP 404 from PATH: <server's text>"
 * or, for a 3xx, "WHO: HTTP 302 redirect to LOCATION not followed (PATH)";
 * without server text, the fallback or the status's reason phrase. who may
 * be NULL (no prefix). detail is the status. Returns -code. */
int http_err_set(struct mlc_err *e, const char *who, const struct http_answer *a);

/* http_err_set from a whole response: body and Location taken from r. */
int http_err_resp(struct mlc_err *e, const char *who, const struct http_resp *r, const char *path);

#endif
