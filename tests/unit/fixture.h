/* tests/unit/fixture.h — reads captured responses from tests/fixtures/ for
 * the unit tests. Paths are relative to the repository root, where the
 * runner starts the binary. */
#ifndef MLC_TEST_FIXTURE_H
#define MLC_TEST_FIXTURE_H

#include <stddef.h>

/* Reads the whole file at relpath ("tests/fixtures/ray/api-version.json")
 * into a new NUL-terminated buffer the caller frees; *len (may be NULL) gets
 * its size without the NUL. A missing or unreadable file fails the current
 * test with a message naming the path and the working directory; it never
 * returns NULL. */
char *fixture_read(const char *relpath, size_t *len);

#endif
