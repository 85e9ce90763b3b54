/* lib/core/http_err.c — the one mapping from an HTTP answer to an mlc_err
 * (see http_err.h), and http_error_text, the raw first line a body says.
 * Owns no state. Never performs I/O, never logs. */
#include "lib/core/http_err.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"

int http_err_code(long status)
{
	if (status >= 200 && status < 300)
		return MLC_OK;
	if (status == 401 || status == 403)
		return MLC_ERR_AUTH;
	if (status == 404)
		return MLC_ERR_NOTFOUND;
	return MLC_ERR_HTTP;
}

/* Copies the first line of s (whitespace runs folded to one space, leading
 * blanks dropped) into out. Bytes are copied raw. */
static void first_text_line(const char *s, size_t len, char *out, size_t n)
{
	size_t o = 0;
	bool space = false;
	for (size_t i = 0; i < len && o + 1 < n; i++) {
		char c = s[i];
		if (c == '\n' && o > 0)
			break;
		if (c == '\r' || c == '\n' || c == '\t' || c == ' ') {
			space = o > 0;
			continue;
		}
		if (space) {
			if (o + 2 >= n)
				break; /* no room for the space and a character */
			out[o++] = ' ';
		}
		space = false;
		out[o++] = c;
	}
	out[o] = '\0';
}

/* The text of the first <tag>…</tag> in b (case-sensitive unless icase). */
static bool tag_text(const char *b, size_t len, const char *tag, bool icase, char *out, size_t n)
{
	char open[32], close[34];
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	const char *t = icase ? strcasestr(b, open) : strstr(b, open);
	if (!t || (size_t)(t - b) >= len)
		return false;
	t += strlen(open);
	const char *end = icase ? strcasestr(t, close) : strstr(t, close);
	size_t avail = len - (size_t)(t - b);
	first_text_line(t, end && (size_t)(end - t) < avail ? (size_t)(end - t) : avail, out, n);
	return out[0] != '\0';
}

/* A JSON error body: MLflow's {"error_code", "message"}, FastAPI's detail
 * (a string, or a list of {"msg"}), and the usual single keys. */
static bool json_text(const char *b, size_t len, bool codes, char *out, size_t n)
{
	json_error_t je;
	json_t *j = json_loadb(b, len, JSON_ALLOW_NUL, &je);
	if (!json_is_object(j)) {
		json_decref(j);
		return false;
	}
	json_t *code = json_object_get(j, "error_code");
	json_t *msg = json_object_get(j, "message");
	if (codes && json_is_string(code)) {
		char *s = xasprintf("%s: %s", json_string_value(code),
				    json_is_string(msg) ? json_string_value(msg) : "");
		first_text_line(s, strlen(s), out, n);
		free(s);
		json_decref(j);
		return out[0] != '\0';
	}
	json_t *detail = json_object_get(j, "detail");
	if (json_is_array(detail)) {
		json_t *m = json_object_get(json_array_get(detail, 0), "msg");
		if (json_is_string(m))
			first_text_line(json_string_value(m), json_string_length(m), out, n);
	}
	static const char *keys[] = {"message", "detail", "msg",
				     "error",	"title",  "exception_message" /* Prefect 422 */};
	for (size_t i = 0; i < ARRAY_LEN(keys) && !out[0]; i++) {
		json_t *v = json_object_get(j, keys[i]);
		if (json_is_string(v) && json_string_length(v) > 0)
			first_text_line(json_string_value(v), json_string_length(v), out, n);
	}
	json_decref(j);
	return out[0] != '\0';
}

/* The raw (unsanitized) text; b is NUL-terminated at len. With codes, the
 * machine-readable code goes first (MLflow's error_code, S3's <Code>). */
static void raw_text(const char *b, size_t len, bool codes, char *out, size_t n)
{
	out[0] = '\0';
	if (!b || len == 0 || n == 0)
		return;
	if (json_text(b, len, codes, out, n))
		return;
	if (tag_text(b, len, "title", true, out, n))
		return;
	char code[64] = "", msg[256] = "";
	if (codes)
		tag_text(b, len, "Code", false, code, sizeof code);
	if (tag_text(b, len, "Message", false, msg, sizeof msg)) {
		snprintf(out, n, "%s%s%s", code, code[0] ? ": " : "", msg);
		return;
	}
	first_text_line(b, len, out, n);
}

void http_error_text(const struct http_resp *resp, char *out, size_t n)
{
	out[0] = '\0';
	if (resp && resp->body)
		raw_text(resp->body, resp->body_len, false, out, n);
}

void http_err_text(const char *body, size_t len, char *out, size_t n)
{
	if (!n)
		return;
	out[0] = '\0';
	if (!body || !len)
		return;
	/* A body that is not NUL-terminated at len is copied so that the
	 * string searches stay inside it. */
	char *copy = xmalloc(len + 1);
	memcpy(copy, body, len);
	copy[len] = '\0';
	char raw[512];
	raw_text(copy, len, true, raw, sizeof raw);
	free(copy);
	san_into(out, n, raw, strlen(raw));
}

static const char *reason(long status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 416:
		return "Range Not Satisfiable";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return status >= 500 ? "server error" : "unexpected answer";
	}
}

int http_err_set(struct mlc_err *e, const char *who, const struct http_answer *a)
{
	char pre[80] = "", path[200], text[200];
	if (who && *who)
		snprintf(pre, sizeof pre, "%s: ", who);
	san_into(path, sizeof path, a->path ? a->path : "", a->path ? strlen(a->path) : 0);
	int code = http_err_code(a->status);
	if (code == MLC_OK)
		code = MLC_ERR_HTTP; /* asked to report a 2xx: the caller found it wrong */
	if (a->status >= 300 && a->status < 400) {
		char loc[200];
		const char *l = a->location && *a->location ? a->location : "(no Location)";
		san_into(loc, sizeof loc, l, strlen(l));
		return mlc_err_set(e, code, a->status,
				   "%sHTTP %ld redirect to %s not followed (%s)", pre, a->status,
				   loc, path);
	}
	http_err_text(a->body, a->len, text, sizeof text);
	if (!text[0] && a->fallback)
		san_into(text, sizeof text, a->fallback, strlen(a->fallback));
	return mlc_err_set(e, code, a->status, "%sHTTP %ld from %s: %s", pre, a->status, path,
			   text[0] ? text : reason(a->status));
}

int http_err_resp(struct mlc_err *e, const char *who, const struct http_resp *r, const char *path)
{
	char loc[512] = "";
	if (r->headers)
		http_resp_header(r, "Location", loc, sizeof loc);
	struct http_answer a = {.status = r->status,
				.path = path,
				.location = loc,
				.body = r->body,
				.len = r->body_len};
	return http_err_set(e, who, &a);
}
