/* lib/core/kinds.c — the configuration's table of kinds (see kinds.h): the
 * rows expanded from TARGET_KINDS and the lookups over them. Pure data;
 * the environment hooks the rows name live in config_env.c. */
#include "lib/core/kinds.h"

#include <stdio.h>
#include <string.h>

#include "lib/core/config_priv.h"
#include "lib/core/util.h"

static const struct kind_conf kinds[TK_COUNT] = {
#define KIND_ROW(name, ...) [TK_##name] = {__VA_ARGS__},
    TARGET_KINDS(KIND_ROW)
#undef KIND_ROW
};

const struct kind_conf *kind_conf(int k)
{
	return k >= 0 && k < TK_COUNT ? &kinds[k] : NULL;
}

const char *target_kind_name(enum target_kind k)
{
	return (unsigned)k < TK_COUNT ? kinds[k].section : "?";
}

int target_kind_parse(const char *s)
{
	for (int i = 0; i < TK_COUNT; i++)
		if (strcmp(s, kinds[i].section) == 0)
			return i;
	return -1;
}

/* Whether the space-separated list holds word. */
static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p && *p;) {
		p += strspn(p, " ");
		size_t len = strcspn(p, " ");
		if (len == n && n && strncmp(p, word, n) == 0)
			return true;
		p += len;
	}
	return false;
}

bool kind_accepts_key(int k, const char *key)
{
	const struct kind_conf *kc = kind_conf(k);
	if (!kc)
		return false;
	return strcmp(key, "refresh") == 0 || strcmp(key, "timeout") == 0 || word_in(kc->keys, key);
}

bool kind_url_scheme_ok(int k, const char *url)
{
	const struct kind_conf *kc = kind_conf(k);
	const char *schemes = kc && kc->url_schemes ? kc->url_schemes : "http:// https://";
	for (const char *p = schemes; *p;) {
		p += strspn(p, " ");
		size_t len = strcspn(p, " ");
		if (len && strncmp(url, p, len) == 0)
			return true;
		p += len;
	}
	return false;
}

const char *kinds_unknown_key(void)
{
	static char bad[64];
	for (int k = 0; k < TK_COUNT; k++)
		for (const char *p = kinds[k].keys; p && *p;) {
			p += strspn(p, " ");
			size_t len = strcspn(p, " ");
			snprintf(bad, sizeof bad, "%.*s", (int)len, p);
			if (len && !config_key_known(bad))
				return bad;
			p += len;
		}
	return NULL;
}
