/* tests/integ/stackenv.c — see stackenv.h. */
#include "stackenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "lib/core/loop.h"
#include "lib/core/util.h"

static char **keys, **vals;
static size_t nkeys;

const char *stackenv_dir(void)
{
	const char *d = getenv("MLC_STACK_DIR");
	if (!d || !*d) {
		fprintf(stderr, "integration tests need MLC_STACK_DIR (tests/stack/stack up)\n");
		exit(2);
	}
	return d;
}

static void load(void)
{
	if (keys)
		return;
	keys = xcalloc(128, sizeof *keys);
	vals = xcalloc(128, sizeof *vals);
	char *path = xasprintf("%s/env", stackenv_dir());
	FILE *f = fopen(path, "r");
	free(path);
	if (!f)
		return;
	char line[4096];
	while (fgets(line, sizeof line, f) && nkeys < 128) {
		str_trim(line);
		char *eq = strchr(line, '=');
		if (!eq || line[0] == '#')
			continue;
		*eq = '\0';
		char *v = eq + 1;
		size_t n = strlen(v);
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
			v[n - 1] = '\0';
			v++;
		}
		const char *k = line;
		if (str_starts(k, "export "))
			k += 7;
		keys[nkeys] = xstrdup(k);
		vals[nkeys] = xstrdup(v);
		nkeys++;
	}
	fclose(f);
}

const char *stackenv(const char *key)
{
	load();
	for (size_t i = 0; i < nkeys; i++)
		if (strcmp(keys[i], key) == 0)
			return vals[i];
	return NULL;
}

int stackenv_service(const char *verb, const char *service)
{
	char *cmd = xasprintf("tests/stack/stack %s '%s' %s >/dev/null 2>&1", verb, stackenv_dir(),
			      service);
	int rc = system(cmd);
	free(cmd);
	return rc;
}

struct run_ctx {
	bool (*pred)(const void *arg);
	const void *arg;
	bool expired;
};

static void on_deadline(uv_timer_t *t)
{
	((struct run_ctx *)t->data)->expired = true;
}

/* A callback that runs in the timer phase (a transfer that lib/http
 * completes inside curl's timeout action: the whole answer read at once)
 * makes the condition true after UV_RUN_ONCE has looked at it, and the loop
 * would then sleep in its poll until the next event, up to the deadline.
 * Checked again just before the poll, the condition stops the loop instead. */
static void on_prepare(uv_prepare_t *p)
{
	struct run_ctx *c = p->data;
	if (c->expired || c->pred(c->arg))
		uv_stop(p->loop);
}

bool stackenv_run_until_true(bool (*pred)(const void *arg), const void *arg, long timeout_ms)
{
	uv_timer_t t;
	uv_prepare_t prep;
	struct run_ctx c = {.pred = pred, .arg = arg};
	uv_timer_init(loop_get(), &t);
	t.data = &c;
	uv_timer_start(&t, on_deadline, (uint64_t)timeout_ms, 0);
	uv_prepare_init(loop_get(), &prep);
	prep.data = &c;
	uv_prepare_start(&prep, on_prepare);
	while (!pred(arg) && !c.expired)
		uv_run(loop_get(), UV_RUN_ONCE);
	uv_timer_stop(&t);
	uv_prepare_stop(&prep);
	uv_close((uv_handle_t *)&t, NULL);
	uv_close((uv_handle_t *)&prep, NULL);
	uv_run(loop_get(), UV_RUN_NOWAIT);
	return pred(arg);
}

static bool flag_set(const void *flag)
{
	return *(const volatile bool *)flag;
}

bool stackenv_run_until(volatile bool *flag, long timeout_ms)
{
	return stackenv_run_until_true(flag_set, (const void *)flag, timeout_ms);
}
