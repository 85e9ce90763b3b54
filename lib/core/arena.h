/* lib/core/arena.h — a bump allocator for many small strings that live and
 * die together (a listing page's keys): one allocation per chunk, never one
 * per string, freed all at once. A consumer that keeps the strings past
 * their producer takes the chunks over with arena_adopt (no copy). Not
 * thread-safe; never frees a single string. */
#ifndef MLC_ARENA_H
#define MLC_ARENA_H

#include <stdbool.h>
#include <stddef.h>

/* A regular chunk's size, header included (one malloc each). */
#define ARENA_CHUNK 4096

struct arena_chunk;

/* Zero-initialized (or arena_init) is an empty arena with regular chunks of
 * ARENA_CHUNK. The counters are for tests and the bench: nchunks is how
 * many allocations the arena made and still holds, bytes their payload. */
struct arena {
	struct arena_chunk *head; /* newest chunk first; head->next: older */
	char *ptr, *end;	  /* the free space of the current chunk */
	size_t chunk_size;	  /* 0: ARENA_CHUNK */
	size_t nchunks;
	size_t bytes;
};

/* An empty arena whose regular chunks are chunk_size bytes (0: ARENA_CHUNK). */
void arena_init(struct arena *a, size_t chunk_size);
/* n bytes aligned for any object, valid until arena_free (of a, or of the
 * arena that adopted a's chunks). A request larger than a regular chunk
 * gets a chunk of its own, filed behind the current one so that the
 * current one's free space is still used. */
void *arena_alloc(struct arena *a, size_t n);
/* s[0..n) and a NUL, byte-aligned (no padding between strings). */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Moves every chunk of src into dst (no copy: pointers into src stay valid,
 * now owned by dst); src is left empty and reusable. dst keeps allocating
 * from its own current chunk. */
void arena_adopt(struct arena *dst, struct arena *src);
/* Whether p points into one of a's chunks (tests). */
bool arena_owns(const struct arena *a, const void *p);
/* Frees every chunk; a is empty and reusable (same chunk size). */
void arena_free(struct arena *a);

#endif
