/* tests/unit/test_s3_arena.c — lib/core/arena.c and the ListObjectsV2 page
 * built on it (lib/s3/s3_list.c, issue 8 item 24): a page's strings are in
 * its arena, one allocation per chunk, never one per row (asserted through
 * the page's memory layout and the arena's own count of allocations); a key
 * longer than a chunk; what a consumer adopts outlives the parser; hostile
 * pages are still refused. */
#include "lib/core/arena.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/s3/s3.h"

/* A regular chunk's payload: ARENA_CHUNK less its header (two words). */
#define PAYLOAD (ARENA_CHUNK - 2 * sizeof(void *))

Test(arena, strings_packed_one_allocation_per_chunk)
{
	struct arena a;
	arena_init(&a, 0);
	cr_assert_eq(a.nchunks, 0, "nothing allocated before the first string");
	char *prev = NULL;
	size_t total = 0;
	for (int i = 0; i < 1000; i++) {
		char s[32];
		int n = snprintf(s, sizeof s, "raw/2026/01/part-%05d", i);
		char *d = arena_strndup(&a, s, (size_t)n);
		cr_assert_str_eq(d, s);
		if (prev && a.nchunks == 1)
			cr_assert_eq(d, prev + strlen(prev) + 1, "strings packed, no padding");
		prev = d;
		total += (size_t)n + 1;
	}
	/* 28 000 bytes of strings: 7 chunks of 4 KiB, each one allocation. */
	size_t want = (total + PAYLOAD - 1) / PAYLOAD;
	cr_assert_geq(a.nchunks, want);
	cr_assert_leq(a.nchunks, want + 1, "%zu chunks for %zu bytes", a.nchunks, total);
	cr_assert_eq(a.bytes, a.nchunks * PAYLOAD);
	arena_free(&a);
	cr_assert_eq(a.nchunks, 0);
	cr_assert_null(a.head);
}

Test(arena, aligned_blocks_and_bounds)
{
	struct arena a;
	arena_init(&a, 256);
	arena_strndup(&a, "x", 1); /* leaves the free space unaligned */
	for (size_t n = 1; n < 100; n += 7) {
		void *p = arena_alloc(&a, n);
		cr_assert_eq((uintptr_t)p % _Alignof(max_align_t), 0, "%zu bytes unaligned", n);
		memset(p, 0xAB, n);
		cr_assert(arena_owns(&a, p));
		cr_assert(arena_owns(&a, (char *)p + n - 1));
	}
	/* Exactly the room left fits; one byte more takes a new chunk. */
	struct arena b;
	arena_init(&b, 128);
	size_t room = 128 - 2 * sizeof(void *);
	char *s = arena_alloc(&b, room);
	cr_assert_eq(b.nchunks, 1);
	cr_assert_eq(b.ptr, b.end, "the chunk is full");
	cr_assert_not(arena_owns(&b, s + room), "one past the end is not the arena's");
	arena_alloc(&b, 1);
	cr_assert_eq(b.nchunks, 2);
	int local;
	cr_assert_not(arena_owns(&b, &local));
	arena_free(&a);
	arena_free(&b);
}

/* A string longer than a chunk gets a chunk of its own, behind the current
 * one: the strings before and after it still share the current chunk. */
Test(arena, string_longer_than_a_chunk)
{
	struct arena a;
	arena_init(&a, 256);
	char *before = arena_strndup(&a, "before", 6);
	char big[1000];
	memset(big, 'k', sizeof big);
	char *d = arena_strndup(&a, big, sizeof big);
	cr_assert_eq(strlen(d), sizeof big);
	cr_assert_eq(memcmp(d, big, sizeof big), 0);
	cr_assert_eq(a.nchunks, 2, "one regular chunk and the big one's own");
	char *after = arena_strndup(&a, "after", 5);
	cr_assert_eq(after, before + 7, "the current chunk's room still in use");
	cr_assert_eq(a.nchunks, 2);
	cr_assert(arena_owns(&a, d) && arena_owns(&a, d + sizeof big));
	/* The first allocation of an empty arena can be the big one. */
	struct arena b;
	arena_init(&b, 256);
	cr_assert_str_eq(arena_strndup(&b, big, 300) + 299, "k");
	cr_assert_str_eq(arena_strndup(&b, "small", 5), "small");
	cr_assert_eq(b.nchunks, 2);
	arena_free(&a);
	arena_free(&b);
}

Test(arena, adopt_moves_chunks_without_copy)
{
	struct arena mine, page;
	arena_init(&mine, 256);
	arena_init(&page, 256);
	char *m = arena_strndup(&mine, "mine", 4);
	char *k[50];
	for (int i = 0; i < 50; i++) {
		char s[16];
		int n = snprintf(s, sizeof s, "key-%02d", i);
		k[i] = arena_strndup(&page, s, (size_t)n);
	}
	size_t chunks = page.nchunks, bytes = page.bytes;
	arena_adopt(&mine, &page);
	cr_assert_eq(page.nchunks, 0);
	cr_assert_null(page.head);
	cr_assert_eq(mine.nchunks, 1 + chunks);
	cr_assert_eq(mine.bytes, 256 - 2 * sizeof(void *) + bytes);
	arena_free(&page); /* the producer frees what is left: nothing */
	for (int i = 0; i < 50; i++) {
		char s[16];
		snprintf(s, sizeof s, "key-%02d", i);
		cr_assert_str_eq(k[i], s, "adopted string %d intact", i);
		cr_assert(arena_owns(&mine, k[i]));
	}
	/* dst goes on allocating from its own current chunk */
	cr_assert_eq(arena_strndup(&mine, "next", 4), m + 5);
	/* an empty dst takes src over whole; adopting an empty src is a no-op */
	struct arena empty;
	arena_init(&empty, 0);
	arena_adopt(&empty, &page);
	cr_assert_eq(empty.nchunks, 0);
	arena_adopt(&empty, &mine);
	cr_assert_eq(empty.nchunks, 1 + chunks);
	cr_assert_str_eq(k[49], "key-49");
	arena_free(&empty);
	arena_free(&mine);
}

/* ---- the ListObjectsV2 page ------------------------------------------------ */

/* A page as S3, MinIO and s3rver write it: KeyCount before the rows. */
static char *page_doc(int nkeys, const char *big_key_at, size_t *len)
{
	struct buf b;
	buf_init(&b);
	buf_printf(&b,
		   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://"
		   "s3.amazonaws.com/doc/2006-03-01/\"><Name>bench</Name><Prefix>raw/</Prefix>"
		   "<NextContinuationToken>tok+/==</NextContinuationToken><KeyCount>%d</KeyCount>"
		   "<MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>",
		   nkeys);
	for (int i = 0; i < nkeys; i++) {
		buf_puts(&b, "<Contents><Key>");
		if (big_key_at && i == nkeys / 2)
			buf_puts(&b, big_key_at);
		else
			buf_printf(&b, "raw/2026/01/part-%05d.parquet", i);
		buf_printf(&b,
			   "</Key><LastModified>2026-10-03T02:04:29.000Z</LastModified><ETag>&quot;"
			   "%032x&quot;</ETag><Size>%d</Size><StorageClass>STANDARD</StorageClass>"
			   "</Contents>",
			   i, 1000 + i);
	}
	buf_puts(&b, "</ListBucketResult>");
	*len = b.len;
	return buf_steal(&b);
}

static struct s3_list_parser *parse_in(const char *doc, size_t len, size_t step)
{
	struct s3_list_parser *p = s3_list_parser_new();
	struct mlc_err err;
	mlc_err_clear(&err);
	for (size_t off = 0; off < len; off += step)
		cr_assert_eq(s3_list_feed(p, doc + off, MLC_MIN(step, len - off), 0, &err), 0, "%s",
			     err.msg);
	cr_assert_eq(s3_list_feed(p, "", 0, 1, &err), 0, "%s", err.msg);
	return p;
}

/* What a page of 1000 rows holds: every string in the page's arena (so no
 * string was allocated on its own), as many chunks as their bytes need and
 * no more, one storage class string for the page, whatever the feeding. */
Test(s3_page, thousand_keys_one_allocation_per_chunk)
{
	size_t len;
	char *doc = page_doc(1000, NULL, &len);
	size_t chunks[3];
	const size_t steps[] = {len, 16384, 7};
	for (int s = 0; s < 3; s++) {
		struct s3_list_parser *p = parse_in(doc, len, steps[s]);
		const struct s3_list_page *pg = s3_list_result(p);
		cr_assert_eq(pg->nobjects, 1000);
		size_t strings = strlen(pg->next_token) + 1, breaks = 0;
		for (size_t i = 0; i < pg->nobjects; i++) {
			const struct s3_object *o = &pg->objects[i];
			char want[64];
			snprintf(want, sizeof want, "raw/2026/01/part-%05zu.parquet", i);
			cr_assert_str_eq(o->key, want);
			cr_assert_eq(o->size, 1000 + (int64_t)i);
			cr_assert_eq(o->last_modified_ms, 1790993069000LL);
			cr_assert_eq(strlen(o->etag), 34);
			cr_assert(arena_owns(pg->strings, o->key), "key %zu outside the arena", i);
			cr_assert(arena_owns(pg->strings, o->etag), "etag %zu outside the arena",
				  i);
			cr_assert_eq(o->storage_class, pg->objects[0].storage_class,
				     "one class string per page");
			/* packed: a row's key right after the previous ETag, but
			 * where a chunk ended (and after row 0's class) */
			if (i > 0 && o->key != pg->objects[i - 1].etag + 35)
				breaks++;
			strings += strlen(o->key) + 1 + strlen(o->etag) + 1;
		}
		cr_assert(arena_owns(pg->strings, pg->next_token));
		cr_assert(arena_owns(pg->strings, pg->objects[0].storage_class));
		strings += strlen("STANDARD") + 1;
		size_t least = (strings + PAYLOAD - 1) / PAYLOAD;
		chunks[s] = pg->strings->nchunks;
		cr_assert_leq(breaks, chunks[s], "%zu rows not packed", breaks);
		cr_assert_geq(chunks[s], least);
		/* a string that does not fit the room left starts a chunk: the
		 * tails lost are at most a row's strings each */
		cr_assert_leq(chunks[s], least + 1, "%zu chunks for %zu bytes of strings",
			      chunks[s], strings);
		s3_list_parser_free(p);
	}
	cr_assert_eq(chunks[1], chunks[0], "16 KiB feeds: same chunks as one feed");
	cr_assert_eq(chunks[2], chunks[0], "7-byte feeds: same chunks as one feed");
	free(doc);
}

/* A key longer than a chunk (the cap is 8192) takes a chunk of its own; the
 * rows around it share the regular chunks. */
Test(s3_page, key_longer_than_a_chunk)
{
	char big[6001];
	memset(big, 'b', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	size_t len;
	char *doc = page_doc(100, big, &len);
	struct s3_list_parser *p = parse_in(doc, len, 4096);
	const struct s3_list_page *pg = s3_list_result(p);
	cr_assert_eq(pg->nobjects, 100);
	cr_assert_str_eq(pg->objects[50].key, big);
	cr_assert(arena_owns(pg->strings, pg->objects[50].key));
	cr_assert_str_eq(pg->objects[51].key, "raw/2026/01/part-00051.parquet");
	cr_assert_eq(pg->objects[50].etag, pg->objects[49].etag + 35,
		     "the big key aside, row 50's ETag follows row 49's in the current chunk");
	cr_assert_eq(pg->objects[49].key, pg->objects[48].etag + 35);
	size_t strings = 0;
	for (size_t i = 0; i < pg->nobjects; i++)
		if (i != 50)
			strings += strlen(pg->objects[i].key) + 1;
	strings += 100 * 35 + strlen(pg->next_token) + 1 + strlen("STANDARD") + 1;
	size_t regular = (strings + PAYLOAD - 1) / PAYLOAD;
	cr_assert_geq(pg->strings->nchunks, regular + 1);
	cr_assert_leq(pg->strings->nchunks, regular + 2, "%zu chunks", pg->strings->nchunks);
	cr_assert_eq(pg->strings->bytes, (pg->strings->nchunks - 1) * PAYLOAD + sizeof big,
		     "the big key's chunk is its own size");
	s3_list_parser_free(p);
	free(doc);
}

/* A consumer keeps rows past the parser by adopting the page's strings
 * (what panels/buckets_list.c does page by page); the parser then frees
 * only its arrays. Run under ASan: a use after free fails here. */
Test(s3_page, adopted_strings_outlive_the_parser)
{
	struct arena kept;
	arena_init(&kept, 0);
	const char *keys[3 * 200];
	size_t n = 0;
	for (int page = 0; page < 3; page++) {
		size_t len;
		char *doc = page_doc(200, NULL, &len);
		struct s3_list_parser *p = parse_in(doc, len, 16384);
		const struct s3_list_page *pg = s3_list_result(p);
		for (size_t i = 0; i < pg->nobjects; i++)
			keys[n++] = pg->objects[i].key;
		size_t chunks = pg->strings->nchunks;
		arena_adopt(&kept, pg->strings);
		cr_assert_eq(pg->strings->nchunks, 0);
		cr_assert_eq(kept.nchunks >= chunks, true);
		s3_list_parser_free(p);
		free(doc);
	}
	for (size_t i = 0; i < n; i++) {
		char want[64];
		snprintf(want, sizeof want, "raw/2026/01/part-%05zu.parquet", i % 200);
		cr_assert_str_eq(keys[i], want);
	}
	arena_free(&kept);
}

/* The arena changes nothing of what is refused: text over the cap in a key
 * (and a key at the cap kept whole), a DOCTYPE, a huge token before the
 * root (comment, PI, DOCTYPE name) that expat would otherwise rescan. */
Test(s3_page, hostile_pages_still_refused)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "<ListBucketResult><KeyCount>2</KeyCount><Contents><Key>");
	for (int i = 0; i < S3_LIST_MAX_TEXT; i++)
		buf_puts(&b, "k");
	buf_puts(&b, "</Key></Contents><Contents><Key>");
	for (int i = 0; i < S3_LIST_MAX_TEXT + 1; i++)
		buf_puts(&b, "k");
	buf_puts(&b, "</Key></Contents></ListBucketResult>");
	struct s3_list_parser *p = s3_list_parser_new();
	struct mlc_err err;
	mlc_err_clear(&err);
	cr_assert_lt(s3_list_feed(p, b.data, b.len, 1, &err), 0);
	cr_assert(strstr(err.msg, "longer than 8192"), "%s", err.msg);
	cr_assert_eq(s3_list_result(p)->nobjects, 2);
	cr_assert_eq(strlen(s3_list_result(p)->objects[0].key), S3_LIST_MAX_TEXT);
	s3_list_parser_free(p);
	buf_free(&b);
	static const char *const before_root[] = {"<!--", "<?pi ", "<!DOCTYPE "};
	const size_t big = 1u << 20, step = 16384;
	char *filler = xmalloc(big);
	memset(filler, 'x', big);
	for (size_t i = 0; i < ARRAY_LEN(before_root); i++) {
		buf_init(&b);
		buf_puts(&b, "<?xml version=\"1.0\"?>\n");
		buf_puts(&b, before_root[i]);
		buf_append(&b, filler, big);
		p = s3_list_parser_new();
		mlc_err_clear(&err);
		int rc = 0;
		size_t off = 0;
		for (; rc == 0 && off < b.len; off += step)
			rc = s3_list_feed(p, b.data + off, MLC_MIN(step, b.len - off), 0, &err);
		cr_assert_lt(rc, 0, "%s: a 1 MiB token accepted", before_root[i]);
		cr_assert(strstr(err.msg, "token longer than"), "%s: %s", before_root[i], err.msg);
		cr_assert_leq(off, (size_t)S3_LIST_MAX_TOKEN + 2 * step + 32, "%s: refused late",
			      before_root[i]);
		s3_list_parser_free(p);
		buf_free(&b);
	}
	free(filler);
}

/* Control bytes ride through expat as U+E0xx and come back only in a page
 * that held some: a page without any keeps a real U+E001 as it is. */
Test(s3_page, private_use_kept_when_no_control_byte_came)
{
	const char doc[] = "<ListBucketResult><Contents><Key>a\xee\x80\x81"
			   "b</Key></Contents>"
			   "</ListBucketResult>";
	struct s3_list_parser *p = parse_in(doc, sizeof doc - 1, 5);
	cr_assert_str_eq(s3_list_result(p)->objects[0].key, "a\xee\x80\x81"
							    "b");
	s3_list_parser_free(p);
	const char ctl[] = "<ListBucketResult><Contents><Key>a\x01"
			   "b</Key></Contents>"
			   "</ListBucketResult>";
	p = parse_in(ctl, sizeof ctl - 1, 5);
	cr_assert_str_eq(s3_list_result(p)->objects[0].key, "a\x01"
							    "b");
	s3_list_parser_free(p);
}
