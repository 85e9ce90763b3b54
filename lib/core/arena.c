/* lib/core/arena.c — the bump allocator of arena.h: chunks in a list, the
 * newest one allocated from; oversized requests in chunks of their own.
 * Owns its chunks until arena_free or arena_adopt hands them on. */
#include "lib/core/arena.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;	    /* payload bytes */
	max_align_t data[]; /* the payload */
};

#define ALIGN _Alignof(max_align_t)

static size_t payload(const struct arena *a)
{
	size_t c = a->chunk_size ? a->chunk_size : ARENA_CHUNK;
	return c > sizeof(struct arena_chunk) + ALIGN ? c - sizeof(struct arena_chunk) : ALIGN;
}

void arena_init(struct arena *a, size_t chunk_size)
{
	memset(a, 0, sizeof *a);
	a->chunk_size = chunk_size;
}

static struct arena_chunk *chunk_new(struct arena *a, size_t size)
{
	struct arena_chunk *c = xmalloc(sizeof *c + size);
	c->size = size;
	a->nchunks++;
	a->bytes += size;
	return c;
}

/* Room for n bytes at alignment al: from the current chunk, a fresh
 * regular chunk, or (n larger than a regular chunk) one of its own. */
static char *take(struct arena *a, size_t n, size_t al)
{
	uintptr_t at = ((uintptr_t)a->ptr + al - 1) & ~(uintptr_t)(al - 1);
	if (a->ptr && n <= (size_t)((uintptr_t)a->end - at)) {
		a->ptr = (char *)at + n;
		return (char *)at;
	}
	if (n > payload(a)) {
		struct arena_chunk *c = chunk_new(a, n);
		if (a->head) { /* behind the current chunk, whose room stays in use */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = NULL;
			a->head = c;
		}
		return (char *)c->data;
	}
	struct arena_chunk *c = chunk_new(a, payload(a));
	c->next = a->head;
	a->head = c;
	a->ptr = (char *)c->data + n;
	a->end = (char *)c->data + c->size;
	return (char *)c->data;
}

void *arena_alloc(struct arena *a, size_t n)
{
	return take(a, n ? n : 1, ALIGN);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *d = take(a, n + 1, 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void arena_adopt(struct arena *dst, struct arena *src)
{
	if (!src->head)
		return;
	if (!dst->head) {
		dst->head = src->head;
		dst->ptr = src->ptr;
		dst->end = src->end;
	} else {
		struct arena_chunk *tail = src->head;
		while (tail->next)
			tail = tail->next;
		tail->next = dst->head->next;
		dst->head->next = src->head;
	}
	dst->nchunks += src->nchunks;
	dst->bytes += src->bytes;
	arena_init(src, src->chunk_size);
}

bool arena_owns(const struct arena *a, const void *p)
{
	for (const struct arena_chunk *c = a->head; c; c = c->next) {
		const char *d = (const char *)c->data;
		if ((const char *)p >= d && (const char *)p < d + c->size)
			return true;
	}
	return false;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	arena_init(a, a->chunk_size);
}
