/* tests/integ/sigv4srv.c — see sigv4srv.h. */
#include "sigv4srv.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/core/util.h"

void sigv4srv_start(struct sigv4srv *s, const char *dir, const char *const *args)
{
	char script[PATH_MAX];
	cr_assert_not_null(realpath("tests/stack/sigv4_s3.py", script),
			   "tests/stack/sigv4_s3.py: %s (run from the repository root)",
			   strerror(errno));
	const char *argv[64] = {"python3", script};
	int n = 2;
	for (; args[n - 2] && n < 62; n++)
		argv[n] = args[n - 2];
	argv[n++] = "--exit-on-stdin-eof";
	argv[n] = NULL;
	int in[2], out[2];
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	s->pid = fork();
	cr_assert_geq(s->pid, 0, "fork: %s", strerror(errno));
	if (s->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (chdir(dir) != 0)
			_exit(126);
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->stdin_fd = in[1];
	/* The port line, as soon as the server listens. */
	char line[32];
	size_t got = 0;
	while (got < sizeof line - 1 && !memchr(line, '\n', got)) {
		struct pollfd p = {.fd = out[0], .events = POLLIN};
		cr_assert_eq(poll(&p, 1, 15000), 1, "sigv4_s3.py printed no port in 15 s");
		ssize_t r = read(out[0], line + got, sizeof line - 1 - got);
		cr_assert_gt(r, 0, "sigv4_s3.py exited before listening (python3 missing?)");
		got += (size_t)r;
	}
	line[got] = '\0';
	close(out[0]);
	s->port = atoi(line);
	cr_assert_gt(s->port, 0, "port line %s", line);
}

void sigv4srv_stop(struct sigv4srv *s, const char *dir)
{
	if (s->stdin_fd >= 0)
		close(s->stdin_fd);
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = -1;
	s->stdin_fd = -1;
	if (dir && dir[0]) {
		char *cmd = xasprintf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
		free(cmd);
	}
}
