/* lib/core/log.h — the log: a file under $XDG_STATE_HOME/mlconsole/ and an
 * in-memory ring the Log panel shows. Every message passes the sanitizer
 * before it is stored. Callers never pass secrets. lib/ never prints to
 * stdout or stderr while the screen is up: it logs here. */
#ifndef MLC_LOG_H
#define MLC_LOG_H

#include <stdint.h>

/* LOG_AUDIT: a change the user made (a delete, an upload, an alias move,
 * a trusted key): written with the full date and time. */
enum log_level { LOG_DEBUG, LOG_INFO, LOG_AUDIT, LOG_WARN, LOG_ERROR };

struct log_entry {
	int64_t wall_ms;
	enum log_level level;
	char *text; /* sanitized */
};

/* Opens the log file (path NULL → default under XDG_STATE_HOME; "" → no
 * file) and sizes the ring. Safe to skip: logging then only fills the ring. */
void log_open(const char *path, int ring_size);
void log_close(void);
/* Also copy messages to stderr (used by `check` and before the screen is up). */
void log_set_stderr(enum log_level min);

void log_msg(enum log_level lv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* The audit record of one mutation, after its result is known: who it went
 * to (the target's name), the exact request ("DELETE s3://b/k", "POST
 * /api/2.0/mlflow/registered-models/alias {name, alias, version}") and what
 * came back ("204", "HTTP 403: …"). Never a secret: callers pass names,
 * paths and ids, never credentials or signed URLs. */
void log_audit(const char *target, const char *request, const char *result);

/* The ring, oldest first: entry i of log_count(). Borrowed until the next
 * log_msg. log_seq() grows with every message (to notice changes). */
int log_count(void);
const struct log_entry *log_get(int i);
unsigned long log_seq(void);
const char *log_level_name(enum log_level lv);
const char *log_path(void);

#endif
