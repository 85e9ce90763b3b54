/* tests/integ/simproc.c — see simproc.h. */
#include "simproc.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/core/http.h"
#include "lib/core/util.h"
#include "stackenv.h"

void simproc_start(struct simproc *s, const char *script, const char *const *args)
{
	snprintf(s->dir, sizeof s->dir, "/tmp/mlc-simproc-XXXXXX");
	cr_assert_not_null(mkdtemp(s->dir), "mkdtemp: %s", strerror(errno));
	char *path = xasprintf("tests/stack/sim/%s", script);
	char *pf = xasprintf("%s/port", s->dir);
	cr_assert_eq(access(path, R_OK), 0, "%s: %s (run from the repository root)", path,
		     strerror(errno));
	const char *argv[32] = {"python3", path, "--port", "0", "--port-file", pf};
	int n = 6;
	for (; args && args[n - 6] && n < 30; n++)
		argv[n] = args[n - 6];
	argv[n] = NULL;
	s->pid = fork();
	cr_assert_geq(s->pid, 0, "fork: %s", strerror(errno));
	if (s->pid == 0) {
		/* gone with the test, even one that fails before simproc_stop */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int null = open("/dev/null", O_RDWR);
		dup2(null, 1);
		dup2(null, 2);
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	/* The port file appears (renamed into place) once it listens. */
	FILE *f = NULL;
	for (int i = 0; i < 1500 && !f; i++) {
		f = fopen(pf, "r");
		cr_assert_eq(waitpid(s->pid, NULL, WNOHANG), 0, "%s exited before listening",
			     script);
		if (!f)
			poll(NULL, 0, 10); /* a bounded wait for the file, not a measurement */
	}
	cr_assert_not_null(f, "%s wrote no port file in 15 s", script);
	cr_assert_eq(fscanf(f, "%d", &s->port), 1);
	fclose(f);
	free(path);
	free(pf);
}

void simproc_stop(struct simproc *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = -1;
	char *pf = xasprintf("%s/port", s->dir);
	unlink(pf);
	free(pf);
	rmdir(s->dir);
}

struct raw {
	volatile bool done;
	char *body;
};

static void raw_done(const struct http_resp *r, const struct mlc_err *err, void *arg)
{
	struct raw *g = arg;
	g->body = xstrdup(err || !r->body ? "" : r->body);
	g->done = true;
}

char *simproc_requests(const struct simproc *s)
{
	struct raw g = {0};
	char *url = xasprintf("http://127.0.0.1:%d/__sim/requests", s->port);
	struct http_opts o = {.url = url};
	http_request(&o, raw_done, &g);
	free(url);
	cr_assert(stackenv_run_until(&g.done, 30000), "no answer from /__sim/requests");
	json_t *j = json_loads(g.body, 0, NULL);
	free(g.body);
	cr_assert(json_is_array(j), "bad /__sim/requests body");
	struct buf b;
	buf_init(&b);
	size_t i;
	json_t *r;
	json_array_foreach(j, i, r)
	{
		const char *m = json_string_value(json_object_get(r, "method"));
		const char *p = json_string_value(json_object_get(r, "path"));
		char *line = xasprintf("%s %s\n", m ? m : "?", p ? p : "?");
		buf_append(&b, line, strlen(line));
		free(line);
	}
	json_decref(j);
	buf_append(&b, "", 1);
	return b.data;
}
