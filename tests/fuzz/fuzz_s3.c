/* tests/fuzz/fuzz_s3.c — lib/s3/s3.c's expat parsers (ListBuckets, <Error>) on
 * arbitrary bytes, and s3_canonical_query on name/value pairs cut from the
 * input. Oracles: a bucket list is NULL-terminated and NULL on error; an
 * error text fits its buffer; a canonical query holds only unreserved
 * characters, '%XX', '=' and '&'. */
#include <ctype.h>
#include <string.h>

#include "fuzz.h"
#include "lib/s3/s3.h"
#include "lib/core/util.h"

static void check_query(const char *q)
{
	for (const char *p = q; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '%') {
			FUZZ_CHECK(isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]),
				   "percent escape has two hex digits");
			p += 2;
			continue;
		}
		FUZZ_CHECK(isalnum(c) || strchr("-_.~=&", c),
			   "only unreserved characters in a query");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size ? size : 1);
	if (size)
		memcpy(body, data, size);

	char **names = (char **)1;
	struct mlc_err e;
	int rc = s3_parse_list_buckets(body, size, &names, &e);
	if (rc == 0) {
		FUZZ_CHECK(names != NULL, "a list on success");
		size_t n = strv_len(names);
		FUZZ_CHECK(names[n] == NULL, "list NULL-terminated");
		strv_free(names);
	} else {
		FUZZ_CHECK(names == NULL, "no list on error");
		FUZZ_CHECK(e.code == -rc && e.msg[0], "error message set");
	}

	char out[48];
	memset(out, 'X', sizeof out);
	if (s3_parse_error(body, size, out, sizeof out) == 0)
		FUZZ_CHECK(memchr(out, '\0', sizeof out) != NULL, "error text terminated");

	/* Pairs: the input split on newlines, NUL-terminated strings. */
	char *z = malloc(size + 1);
	if (size)
		memcpy(z, data, size);
	z[size] = '\0';
	const char *pairs[17];
	size_t np = 0;
	for (char *p = z; np < 16;) {
		pairs[np++] = p;
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	if (np % 2)
		np--;
	pairs[np] = NULL;
	char *q = s3_canonical_query(pairs);
	check_query(q);
	free(q);
	free(z);
	free(body);
	return 0;
}
