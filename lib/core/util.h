/* lib/core/util.h — allocation that aborts on exhaustion, growable buffers, clocks
 * and small string helpers shared by every module. Never touches the screen. */
#ifndef MLC_UTIL_H
#define MLC_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a)  (sizeof(a) / sizeof((a)[0]))
#define MLC_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MLC_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Allocation: abort with a message on out-of-memory, never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* A growable byte buffer, always NUL-terminated after its len bytes. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the data over to the caller (free() it) and leaves b empty. */
char *buf_steal(struct buf *b);

/* Clocks in milliseconds: monotonic for deadlines, wall for display. */
int64_t mono_ms(void);
int64_t wall_ms(void);
/* How many times this thread has read mono_ms or wall_ms: the screen
 * compares it before and after drawing a view to learn whether what it
 * drew depended on the time (such a view is redrawn every second). */
unsigned long clock_reads(void);

/* Frees an array of n items of size bytes each: free_one(&item) on each
 * (NULL: the items own nothing), then the array; NULL items frees nothing.
 * The end of every parsed list ("free each item, free the array"); the
 * caller zeroes its own struct. */
void free_items(void *items, size_t n, size_t size, void (*free_one)(void *));
/* free_one for an array of pointers (strings): frees what the item holds. */
void free_item_ptr(void *item);

/* Folds s into the string hash h (djb2; start from 5381): for telling
 * whether a text changed, never for security. */
unsigned long str_hash(unsigned long h, const char *s);

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t strlcpy_m(char *dst, const char *src, size_t size);
bool str_starts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);
/* The value of a hexadecimal digit, -1 for any other character. */
int hex_digit(int c);
/* Trims ASCII space in place and returns s. */
char *str_trim(char *s);
/* Splits on ASCII space and commas; returns a NULL-terminated vector the
 * caller frees with strv_free. *n gets the count when n is not NULL. */
char **strv_split(const char *s, size_t *n);
void strv_free(char **v);
size_t strv_len(char *const *v);

/* "2s", "500ms", "1m", "3" (seconds) → milliseconds; -1 when malformed. */
long parse_duration_ms(const char *s);
/* 1234 → "1.2 s", 12 → "12 ms"; 3725000 → "1h02m". Write into out. */
void fmt_latency(char *out, size_t n, long ms);
void fmt_age(char *out, size_t n, long ms);
void fmt_bytes(char *out, size_t n, uint64_t bytes);
/* 1234567 → "1,234,567". */
void fmt_count(char *out, size_t n, long long v);
/* Local wall clock "HH:MM:SS" of an epoch-ms time. */
void fmt_clock(char *out, size_t n, int64_t epoch_ms);

#endif
