/* tests/fuzz/fuzz_config.c — lib/core/config.c's INI reader (through inih) and
 * .env reader on arbitrary file contents, written to one private temporary
 * file per process; then the environment merge and every target's display
 * endpoint. Oracles: an error names the file; a secret value the file set
 * never appears in an endpoint. */
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "lib/core/config.h"
#include "lib/core/util.h"

static char path[64];
static int fd = -1;

static void cleanup(void)
{
	if (fd >= 0)
		unlink(path);
}

static bool contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle);
}

static void check_endpoint(const struct target *t)
{
	char *ep = target_endpoint(t);
	/* No user:password@ left in what is shown as the authority. */
	if (t->kind != TK_NODE && t->kind != TK_POSTGRES && t->url) {
		const char *a = strstr(ep, "://");
		if (a) {
			a += 3;
			size_t alen = strcspn(a, "/?#");
			FUZZ_CHECK(!memchr(a, '@', alen), "URL endpoint keeps userinfo");
		}
	}
	if (t->kind == TK_POSTGRES && t->conninfo &&
	    (str_starts(t->conninfo, "postgres://") || str_starts(t->conninfo, "postgresql://")))
		FUZZ_CHECK(!memchr(ep, '@', strcspn(ep, ":")), "postgres endpoint keeps userinfo");
	/* A secret set in its own key never shows, unless the shown fields hold
	 * the same text anyway. */
	const char *secrets[] = {t->password, t->token, t->secret_key, t->session_token};
	for (size_t i = 0; i < 4; i++) {
		const char *sec = secrets[i];
		if (!sec || strlen(sec) < 12 || contains("localhost:5432/postgres", sec) ||
		    contains(t->url, sec) || contains(t->conninfo, sec) || contains(t->host, sec) ||
		    contains(t->user, sec) || contains(getenv("PGHOST"), sec) ||
		    contains(getenv("PGPORT"), sec))
			continue;
		FUZZ_CHECK(!strstr(ep, sec), "endpoint shows a secret");
	}
	free(ep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		snprintf(path, sizeof path, "/tmp/mlc-fuzz-config-XXXXXX");
		fd = mkstemp(path);
		FUZZ_CHECK(fd >= 0, "temporary file");
		atexit(cleanup);
	}
	FUZZ_CHECK(ftruncate(fd, 0) == 0, "truncate");
	FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t)size, "write");
	/* Both sides of the permission check. */
	fchmod(fd, size && (data[0] & 1) ? 0644 : 0600);

	struct config c;
	struct mlc_err e;
	config_init(&c);
	mlc_err_clear(&e);
	int rc = config_read_file(&c, path, &e);
	if (rc != 0)
		FUZZ_CHECK(e.code == MLC_ERR_CONFIG && strstr(e.msg, path), "error names the file");
	for (size_t i = 0; i < c.nwarnings; i++)
		FUZZ_CHECK(strstr(c.warnings[i], path) == c.warnings[i],
			   "warning starts with FILE");
	/* The uninterpreted URL may legitimately carry user:pass@; endpoints
	 * must drop it. */
	for (size_t i = 0; i < c.ntargets; i++)
		check_endpoint(&c.targets[i]);
	mlc_err_clear(&e);
	if (config_read_env_file(&c, path, &e) != 0)
		FUZZ_CHECK(strstr(e.msg, path), "env file error names the file");
	config_apply_env(&c);
	for (size_t i = 0; i < c.ntargets; i++)
		check_endpoint(&c.targets[i]);
	config_free(&c);
	return 0;
}
