/* lib/core/jsonx.c — the jansson helper layer (see jsonx.h). Owns the \u
 * escape repair done before jansson sees a body. Never performs I/O. */
#include "lib/core/jsonx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"

static int hex4(const char *p, const char *end)
{
	if (end - p < 4)
		return -1;
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Whether a \u escape at p (just after the backslash's 'u') is one jansson
 * takes; *used gets how many bytes after "\u" belong to it. */
static bool u_escape_ok(const char *p, const char *end, size_t *used)
{
	int v = hex4(p, end);
	*used = 0;
	if (v < 0)
		return false;
	*used = 4;
	if (v >= 0xDC00 && v <= 0xDFFF)
		return false; /* a low surrogate alone */
	if (v < 0xD800 || v > 0xDBFF)
		return true;
	int lo = end - p >= 10 && p[4] == '\\' && p[5] == 'u' ? hex4(p + 6, end) : -1;
	if (lo < 0xDC00 || lo > 0xDFFF)
		return false; /* a high surrogate without its low half */
	*used = 10;
	return true;
}

/* A copy of the body with every \u escape jansson would refuse replaced by
 * \ufffd, or NULL when there is none (the common case: one pass, no copy). */
static char *repair_escapes(const char *b, size_t len, size_t *outlen)
{
	struct buf o;
	bool any = false, in_str = false;
	size_t from = 0;
	buf_init(&o);
	for (size_t i = 0; i < len; i++) {
		char c = b[i];
		if (!in_str) {
			in_str = c == '"';
			continue;
		}
		if (c == '"') {
			in_str = false;
			continue;
		}
		if (c != '\\' || i + 1 >= len)
			continue;
		if (b[i + 1] != 'u') {
			i++; /* \" \\ \n …: skip the escaped character */
			continue;
		}
		size_t used;
		if (u_escape_ok(b + i + 2, b + len, &used)) {
			i += 1 + used;
			continue;
		}
		any = true;
		buf_append(&o, b + from, i - from);
		buf_puts(&o, "\\ufffd");
		from = i + 2 + used; /* the bad escape's hex digits go with it */
		i = from - 1;
	}
	if (!any) {
		buf_free(&o);
		return NULL;
	}
	buf_append(&o, b + from, len - from);
	*outlen = o.len;
	return buf_steal(&o);
}

static json_t *load(const char *body, size_t len, size_t flags, const char *what,
		    struct mlc_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(body ? body : "", body ? len : 0,
			       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | flags, &je);
	if (!j)
		mlc_err_set(err, MLC_ERR_PARSE, je.line, "%s: malformed JSON at line %d: %s", what,
			    je.line, je.text);
	return j;
}

json_t *jsonx_load(const char *body, size_t len, const char *what, struct mlc_err *err)
{
	return load(body, len, 0, what, err);
}

json_t *jsonx_load_object(const char *body, size_t len, const char *what, struct mlc_err *err)
{
	size_t fixed_len = 0;
	char *fixed = body ? repair_escapes(body, len, &fixed_len) : NULL;
	json_t *root =
	    load(fixed ? fixed : body, fixed ? fixed_len : len, JSON_ALLOW_NUL, what, err);
	free(fixed);
	if (root && !json_is_object(root)) {
		mlc_err_set(err, MLC_ERR_PARSE, 0, "%s: (root): expected object", what);
		json_decref(root);
		return NULL;
	}
	return root;
}

json_t *jsonx_path(json_t *root, const char *path)
{
	json_t *cur = root;
	const char *p = path;
	while (cur && *p) {
		size_t n = strcspn(p, ".");
		char key[128];
		snprintf(key, sizeof key, "%.*s", (int)MLC_MIN(n, sizeof key - 1), p);
		cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
		p += n;
		if (*p == '.')
			p++;
	}
	return cur;
}

const char *jsonx_str(json_t *root, const char *path, const char *what, struct mlc_err *err)
{
	json_t *v = jsonx_path(root, path);
	if (json_is_string(v))
		return json_string_value(v);
	if (err)
		mlc_err_set(err, MLC_ERR_PARSE, 0, "%s: %s: expected string", what, path);
	return NULL;
}

/* Copies n bytes of s, NUL as "^@", stopping before JSONX_STR_MAX on a
 * character boundary. */
static char *capped_copy(const char *s, size_t n)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		size_t room = JSONX_STR_MAX - b.len;
		if (s[i] == '\0') {
			if (room < 2)
				break;
			buf_puts(&b, "^@");
			continue;
		}
		if (room < 1)
			break;
		/* Do not split a UTF-8 sequence at the cap. */
		unsigned char c = (unsigned char)s[i];
		size_t seq = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		if (seq > room && seq <= n - i)
			break;
		buf_append(&b, s + i, 1);
	}
	buf_append(&b, "", 0);
	return buf_steal(&b);
}

char *jsonx_strdup(json_t *v)
{
	return json_is_string(v) ? capped_copy(json_string_value(v), json_string_length(v))
				 : xstrdup("");
}

char *jsonx_capdup(const char *s)
{
	return capped_copy(s, strnlen(s, JSONX_STR_MAX));
}

static int wrong(struct mlc_err *err, const char *who, const char *path, const char *key,
		 const char *type)
{
	return mlc_err_set(err, MLC_ERR_PARSE, 0, "%s: %s.%s: expected %s", who, path, key, type);
}

int jsonx_get_str(json_t *o, const char *key, char **out, const char *who, const char *path,
		  struct mlc_err *err)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return wrong(err, who, path, key, "string");
	*out = jsonx_strdup(v);
	return 0;
}

int jsonx_get_i64(json_t *o, const char *key, int64_t *out, const char *who, const char *path,
		  struct mlc_err *err)
{
	json_t *v = json_object_get(o, key);
	*out = 0;
	if (!v)
		return 0;
	if (!json_is_integer(v))
		return wrong(err, who, path, key, "integer");
	*out = (int64_t)json_integer_value(v);
	return 0;
}

int jsonx_get_bool(json_t *o, const char *key, bool *out, const char *who, const char *path,
		   struct mlc_err *err)
{
	json_t *v = json_object_get(o, key);
	*out = false;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return wrong(err, who, path, key, "boolean");
	*out = json_is_true(v);
	return 0;
}

int jsonx_get_array(json_t *o, const char *key, json_t **arr, const char *who, const char *path,
		    struct mlc_err *err)
{
	*arr = json_object_get(o, key);
	if (*arr && !json_is_array(*arr)) {
		*arr = NULL;
		return wrong(err, who, path, key, "array");
	}
	return 0;
}

json_t *jsonx_member(json_t *root, const char *key, const char *who, struct mlc_err *err)
{
	json_t *v = json_object_get(root, key);
	if (!json_is_object(v)) {
		mlc_err_set(err, MLC_ERR_PARSE, 0, "%s: %s: %s", who, key,
			    v ? "expected object" : "missing");
		return NULL;
	}
	return v;
}

char *jsonx_dump(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	char *r = xstrdup(s ? s : "");
	free(s);
	return r;
}
