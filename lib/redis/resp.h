/* lib/redis/resp.h — the Redis wire format (RESP2), pure: one reply parsed
 * from a byte buffer, a command encoded, a field read from an INFO answer.
 * Bytes in, values out; never crashes on hostile input: lines, bulk strings,
 * array lengths and nesting are capped, and every failure names what broke.
 * Never allocates on the parse path. */
#ifndef MLC_RESP_H
#define MLC_RESP_H

#include <stddef.h>

#include "lib/core/err.h"
#include "lib/core/util.h"

#define RESP_MAX_LINE  (64 * 1024)   /* a simple string, error or length line */
#define RESP_MAX_BULK  (1024 * 1024) /* a bulk string (INFO is a few KiB) */
#define RESP_MAX_ARRAY 4096	     /* elements of one array */
#define RESP_MAX_DEPTH 8	     /* arrays within arrays */

enum resp_type {
	RESP_SIMPLE = '+',
	RESP_ERROR = '-',
	RESP_INT = ':',
	RESP_BULK = '$',
	RESP_ARRAY = '*',
	RESP_NIL = 'n', /* $-1 or *-1 */
};

/* One reply. str/len point into the parsed buffer (simple, error, bulk:
 * without the CRLF); num is the integer, or an array's element count (its
 * elements are checked and skipped, not kept). */
struct resp_reply {
	enum resp_type type;
	const char *str;
	size_t len;
	long long num;
};

/* Parses the reply at buf[0..len). Returns the bytes it spans (> 0), 0
 * when buf holds only part of it (read more), or a negative code with err
 * naming the fault (MLC_ERR_PROTO; MLC_ERR_TOO_BIG past a cap). */
long resp_parse(const char *buf, size_t len, struct resp_reply *out, struct mlc_err *err);

/* Appends argv as a RESP array of bulk strings (how every command is sent). */
void resp_encode(struct buf *b, int argc, const char *const *argv);

/* The value of key in an INFO answer ("redis_version:7.0.15\r\n"), copied
 * into out (truncated to n-1). 0 when found, -1 when not. */
int resp_info_field(const char *info, size_t len, const char *key, char *out, size_t n);

#endif
