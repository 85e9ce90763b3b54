/* tests/integ/sigv4srv.h — starts tests/stack/sigv4_s3.py, the S3 test
 * server that verifies SigV4 itself, for an integration suite: in dir, with
 * the suite's arguments, bound to a free loopback port it reads back from
 * the server's first line. The server exits when stdin_fd closes (a test
 * that dies takes it along) or on SIGTERM. */
#ifndef MLC_TEST_SIGV4SRV_H
#define MLC_TEST_SIGV4SRV_H

#include <sys/types.h>

struct sigv4srv {
	pid_t pid;
	int stdin_fd;
	int port;
};

/* Runs `python3 tests/stack/sigv4_s3.py ARGS... --exit-on-stdin-eof` in dir
 * (args NULL-terminated) and waits for its port; fails the test if it
 * does not listen within 15 s. */
void sigv4srv_start(struct sigv4srv *s, const char *dir, const char *const *args);

/* Stops it (stdin closed, SIGTERM, waited for) and removes dir. */
void sigv4srv_stop(struct sigv4srv *s, const char *dir);

#endif
