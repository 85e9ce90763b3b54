/* lib/core/log.c — file + ring log (see log.h). Owns the ring's strings and the
 * file handle. Sanitizes every message; never writes to the terminal unless
 * log_set_stderr asked for it. */
#include "lib/core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"

static struct log_entry *ring;
static int ring_cap, ring_start, ring_len;
static unsigned long seq;
static FILE *log_file;
static char *logpath;
static int stderr_min = 100;

static void mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0700);
			*s = '/';
		}
	free(p);
}

void log_open(const char *path, int ring_size)
{
	log_close();
	ring_cap = ring_size > 0 ? ring_size : 1000;
	ring = xcalloc((size_t)ring_cap, sizeof *ring);
	if (path && !*path)
		return;
	if (path) {
		logpath = xstrdup(path);
	} else {
		const char *st = getenv("XDG_STATE_HOME");
		const char *home = getenv("HOME");
		if (st && *st)
			logpath = xasprintf("%s/mlconsole/mlconsole.log", st);
		else
			logpath = xasprintf("%s/.local/state/mlconsole/mlconsole.log",
					    home ? home : "/tmp");
	}
	mkdirs(logpath);
	log_file = fopen(logpath, "a");
	if (log_file)
		chmod(logpath, 0600);
}

void log_close(void)
{
	for (int i = 0; i < ring_len; i++)
		free(ring[(ring_start + i) % ring_cap].text);
	free(ring);
	ring = NULL;
	ring_cap = ring_start = ring_len = 0;
	if (log_file)
		fclose(log_file);
	log_file = NULL;
	free(logpath);
	logpath = NULL;
}

void log_set_stderr(enum log_level min)
{
	stderr_min = (int)min;
}

const char *log_level_name(enum log_level lv)
{
	static const char *names[] = {"debug", "info", "audit", "warn", "error"};
	return (unsigned)lv < 5 ? names[lv] : "?";
}

void log_msg(enum log_level lv, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	char *text = san_str(raw);
	free(raw);
	int64_t now = wall_ms();
	seq++;
	if (log_file || (int)lv >= stderr_min) {
		char clock[16];
		fmt_clock(clock, sizeof clock, now);
		if (log_file && lv == LOG_AUDIT) {
			/* an audit line carries the day too: it is read days later */
			char day[40];
			time_t t = (time_t)(now / 1000);
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%SZ", &tm);
			fprintf(log_file, "%s %-5s %s\n", day, log_level_name(lv), text);
			fflush(log_file);
		} else if (log_file) {
			fprintf(log_file, "%s %-5s %s\n", clock, log_level_name(lv), text);
			fflush(log_file);
		}
		if ((int)lv >= stderr_min)
			fprintf(stderr, "mlconsole: %s\n", text);
	}
	if (!ring) {
		free(text);
		return;
	}
	if (ring_len == ring_cap) {
		free(ring[ring_start].text);
		ring_start = (ring_start + 1) % ring_cap;
		ring_len--;
	}
	struct log_entry *e = &ring[(ring_start + ring_len) % ring_cap];
	e->wall_ms = now;
	e->level = lv;
	e->text = text;
	ring_len++;
}

void log_audit(const char *target, const char *request, const char *result)
{
	log_msg(LOG_AUDIT, "%s: %s -> %s", target, request, result);
}

int log_count(void)
{
	return ring_len;
}

const struct log_entry *log_get(int i)
{
	if (i < 0 || i >= ring_len)
		return NULL;
	return &ring[(ring_start + i) % ring_cap];
}

unsigned long log_seq(void)
{
	return seq;
}
const char *log_path(void)
{
	return logpath;
}
