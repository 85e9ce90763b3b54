/* tests/fuzz/fuzz_nodeact.c — the [action] command-template expander
 * (nodeact_expand) on arbitrary templates and values. Input: a template,
 * a NUL, then a value (up to the next NUL) given as {image} and {node}.
 * Oracles: an error says why; a value alone round-trips through the shell's
 * quoting (unquoted as sh would, it gives back exactly the value, and
 * nothing of it is left outside quotes or a backslash escape); a value with
 * a newline, CR is refused; an expansion adds no newline the template did
 * not have. */
#include <string.h>

#include "fuzz.h"
#include "lib/core/config.h"
#include "lib/core/util.h"
#include "lib/ssh/nodeact.h"

/* sh's reading of a word made of '…' runs and \c escapes only; NULL when
 * anything else (a metacharacter the shell would act on) is in it. */
static char *unquote(const char *s)
{
	struct buf b;
	buf_init(&b);
	for (const char *p = s; *p;) {
		if (*p == '\'') {
			const char *e = strchr(p + 1, '\'');
			if (!e)
				goto bad;
			buf_append(&b, p + 1, (size_t)(e - p - 1));
			p = e + 1;
		} else if (*p == '\\' && p[1]) {
			buf_append(&b, p + 1, 1);
			p += 2;
		} else {
			goto bad;
		}
	}
	buf_append(&b, "", 1);
	return buf_steal(&b);
bad:
	buf_free(&b);
	return NULL;
}

static int expand(const char *tmpl, const char *value, struct buf *out, struct mlc_err *e)
{
	char *keys[] = {"image", NULL}, *vals[] = {(char *)value, NULL};
	struct config_section cs = {.kind = "action", .name = "a", .origin = "f:1", .keys = keys,
				    .vals = vals, .n = 1};
	struct nodeact_vars v = {value, "10.0.0.1", "10.0.0.2", 22};
	buf_init(out);
	return nodeact_expand(tmpl, &v, &cs, out, e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = xmalloc(size + 2);
	memcpy(in, data, size);
	in[size] = in[size + 1] = '\0';
	const char *tmpl = in, *value = in + strlen(in) + (strlen(in) < size);
	bool bad_value = strpbrk(value, "\r\n") != NULL;
	struct mlc_err e = {0};
	struct buf out;
	int rc = expand("{image}", value, &out, &e);
	if (bad_value) {
		FUZZ_CHECK(rc < 0 && e.msg[0], "a value with a newline or CR is refused, saying why");
	} else if (rc == 0) {
		buf_append(&out, "", 1);
		char *back = unquote(out.data);
		FUZZ_CHECK(back != NULL, "the value stays inside quotes");
		FUZZ_CHECK(strcmp(back, value) == 0, "unquoted, the value comes back exactly");
		free(back);
	} else {
		FUZZ_CHECK(0, "a value without newline or CR expands");
	}
	buf_free(&out);
	memset(&e, 0, sizeof e);
	rc = expand(tmpl, value, &out, &e);
	if (rc < 0) {
		FUZZ_CHECK(e.msg[0], "an error says why");
	} else {
		FUZZ_CHECK(memchr(out.data ? out.data : "", '\0', out.len) == NULL, "no NUL");
		if (!strpbrk(tmpl, "\r\n"))
			FUZZ_CHECK(out.len == 0 || !memchr(out.data, '\n', out.len),
				   "no newline the template did not have");
	}
	buf_free(&out);
	free(in);
	return 0;
}
