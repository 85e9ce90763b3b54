/* tests/unit/test_util.c — lib/core/util.c: durations as the config file writes
 * them, the latency/age/size texts the screens show, list splitting, trimming,
 * growable buffers, the allocation helpers, free_items, the clock-read
 * count and str_hash. */
#include "lib/core/util.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- parse_duration_ms ------------------------------------------------ */

Test(util, duration_units)
{
	cr_assert_eq(parse_duration_ms("2s"), 2000);
	cr_assert_eq(parse_duration_ms("500ms"), 500);
	cr_assert_eq(parse_duration_ms("1m"), 60000);
	cr_assert_eq(parse_duration_ms("1h"), 3600000);
	cr_assert_eq(parse_duration_ms("3"), 3000, "a bare number is seconds");
	cr_assert_eq(parse_duration_ms("1.5s"), 1500);
	cr_assert_eq(parse_duration_ms("0.25"), 250);
	cr_assert_eq(parse_duration_ms("0"), 0);
}

Test(util, duration_spaces_between_number_and_unit)
{
	cr_assert_eq(parse_duration_ms("  2s"), 2000);
	cr_assert_eq(parse_duration_ms("2 s"), 2000);
	cr_assert_eq(parse_duration_ms("250 ms"), 250);
}

Test(util, duration_malformed_is_minus_one)
{
	static const char *bad[] = {
	    "",	   "   ", "abc",  "s",	 "ms",	"2x",  "2ss",  "2sec",	 "1d",	  "-1",
	    "-5s", "2s3", "1e12", "inf", "nan", "NaN", "-nan", "1e-400", "2 s s",
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		cr_expect_eq(parse_duration_ms(bad[i]), -1, "parse_duration_ms(\"%s\") = %ld",
			     bad[i], parse_duration_ms(bad[i]));
	cr_assert_eq(parse_duration_ms(NULL), -1);
}

Test(util, duration_upper_bound_is_one_day_of_seconds)
{
	cr_assert_eq(parse_duration_ms("86400000"), 86400000L * 1000);
	cr_assert_eq(parse_duration_ms("86400001"), -1);
}

/* ---- display formats -------------------------------------------------- */

static const char *lat(long ms)
{
	static char out[32];
	fmt_latency(out, sizeof out, ms);
	return out;
}

static const char *age(long ms)
{
	static char out[32];
	fmt_age(out, sizeof out, ms);
	return out;
}

static const char *bytes(uint64_t b)
{
	static char out[32];
	fmt_bytes(out, sizeof out, b);
	return out;
}

Test(util, fmt_latency_texts)
{
	cr_assert_str_eq(lat(-1), "-", "no sample yet");
	cr_assert_str_eq(lat(0), "0 ms");
	cr_assert_str_eq(lat(12), "12 ms");
	cr_assert_str_eq(lat(999), "999 ms");
	cr_assert_str_eq(lat(1000), "1.0 s");
	cr_assert_str_eq(lat(1234), "1.2 s");
	cr_assert_str_eq(lat(59000), "59.0 s");
	cr_assert_str_eq(lat(60000), "1m00s");
	cr_assert_str_eq(lat(3725000), "1h02m");
}

Test(util, fmt_age_texts)
{
	cr_assert_str_eq(age(0), "0s");
	cr_assert_str_eq(age(999), "0s");
	cr_assert_str_eq(age(59999), "59s");
	cr_assert_str_eq(age(60000), "1m00s");
	cr_assert_str_eq(age(754000), "12m34s");
	cr_assert_str_eq(age(3599000), "59m59s");
	cr_assert_str_eq(age(3600000), "1h00m");
	cr_assert_str_eq(age(3725000), "1h02m");
	cr_assert_str_eq(age(86400000), "1d00h");
	cr_assert_str_eq(age(90061000), "1d01h");
}

Test(util, fmt_bytes_texts)
{
	cr_assert_str_eq(bytes(0), "0 B");
	cr_assert_str_eq(bytes(1), "1 B");
	cr_assert_str_eq(bytes(1023), "1023 B");
	cr_assert_str_eq(bytes(1024), "1.0 KB");
	cr_assert_str_eq(bytes(1536), "1.5 KB");
	cr_assert_str_eq(bytes(1048576), "1.0 MB");
	cr_assert_str_eq(bytes(5ull << 30), "5.0 GB");
	cr_assert_str_eq(bytes(3ull << 40), "3.0 TB");
	cr_assert_str_eq(bytes(1ull << 50), "1.0 PB");
	cr_assert_str_eq(bytes(1ull << 60), "1024.0 PB", "PB is the largest unit");
}

Test(util, fmt_truncates_into_small_buffers)
{
	char out[5];
	memset(out, 'X', sizeof out);
	fmt_bytes(out, sizeof out, 1536);
	cr_assert_str_eq(out, "1.5 ");
	fmt_latency(out, sizeof out, 123456);
	cr_assert_eq(strlen(out), 4);
	fmt_age(out, sizeof out, 90061000);
	cr_assert_str_eq(out, "1d01");
}

Test(util, fmt_clock_in_utc)
{
	setenv("TZ", "UTC", 1);
	tzset();
	char out[16];
	fmt_clock(out, sizeof out, 0);
	cr_assert_str_eq(out, "00:00:00");
	fmt_clock(out, sizeof out, ((int64_t)13 * 3600 + 5 * 60 + 9) * 1000 + 999);
	cr_assert_str_eq(out, "13:05:09");
}

/* ---- strings ---------------------------------------------------------- */

static void expect_split(const char *in, const char *const *want, size_t nwant)
{
	size_t n = 99;
	char **v = strv_split(in, &n);
	cr_assert_eq(n, nwant, "strv_split(\"%s\"): %zu items, want %zu", in ? in : "(null)", n,
		     nwant);
	cr_assert_eq(strv_len(v), nwant);
	for (size_t i = 0; i < nwant; i++)
		cr_assert_str_eq(v[i], want[i], "item %zu of \"%s\"", i, in);
	cr_assert_null(v[nwant], "vector is NULL-terminated");
	strv_free(v);
}

Test(util, strv_split_spaces_and_commas)
{
	expect_split("a b c", (const char *[]){"a", "b", "c"}, 3);
	expect_split("datasets,mlflow-artifacts", (const char *[]){"datasets", "mlflow-artifacts"},
		     2);
	expect_split("  pg_trgm , vector,,\tpostgis  ",
		     (const char *[]){"pg_trgm", "vector", "postgis"}, 3);
	expect_split("one", (const char *[]){"one"}, 1);
}

Test(util, strv_split_empty)
{
	expect_split("", NULL, 0);
	expect_split(" , ,\t", NULL, 0);
	expect_split(NULL, NULL, 0);
	char **v = strv_split("x", NULL);
	cr_assert_str_eq(v[0], "x");
	strv_free(v);
	strv_free(NULL);
	cr_assert_eq(strv_len(NULL), 0);
}

Test(util, strv_split_grows_past_initial_capacity)
{
	char in[200] = "";
	for (int i = 0; i < 40; i++)
		snprintf(in + strlen(in), sizeof in - strlen(in), "%s%d", i ? "," : "", i);
	size_t n;
	char **v = strv_split(in, &n);
	cr_assert_eq(n, 40);
	for (int i = 0; i < 40; i++) {
		char want[16];
		snprintf(want, sizeof want, "%d", i);
		cr_assert_str_eq(v[i], want);
	}
	cr_assert_null(v[40]);
	strv_free(v);
}

Test(util, str_trim_in_place)
{
	char a[] = "  hello world \t\r\n";
	cr_assert_eq(str_trim(a), a, "returns its argument");
	cr_assert_str_eq(a, "hello world");
	char b[] = "   ";
	cr_assert_str_eq(str_trim(b), "");
	char c[] = "";
	cr_assert_str_eq(str_trim(c), "");
	char d[] = "x";
	cr_assert_str_eq(str_trim(d), "x");
	char e[] = "\tinner  space\t";
	cr_assert_str_eq(str_trim(e), "inner  space");
}

Test(util, starts_ends_strlcpy)
{
	cr_assert(str_starts("http://h", "http://"));
	cr_assert(!str_starts("http", "http://"));
	cr_assert(str_starts("x", ""));
	cr_assert(str_ends("config.ini", ".ini"));
	cr_assert(!str_ends("ini", ".ini"));
	char out[4];
	cr_assert_eq(strlcpy_m(out, "abcdef", sizeof out), 6, "returns strlen(src)");
	cr_assert_str_eq(out, "abc");
	cr_assert_eq(strlcpy_m(out, "", sizeof out), 0);
	cr_assert_str_eq(out, "");
	out[0] = 'Z';
	cr_assert_eq(strlcpy_m(out, "abc", 0), 3);
	cr_assert_eq(out[0], 'Z', "size 0 writes nothing");
}

/* ---- buffers ---------------------------------------------------------- */

Test(util, buf_grows_and_stays_terminated)
{
	struct buf b;
	buf_init(&b);
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	for (int i = 0; i < 1000; i++)
		buf_puts(&b, "0123456789");
	cr_assert_eq(b.len, 10000);
	cr_assert_geq(b.cap, 10001);
	cr_assert_eq(b.data[10000], '\0');
	cr_assert_eq(strlen(b.data), 10000);
	cr_assert_eq(memcmp(b.data + 9990, "0123456789", 10), 0);
	buf_free(&b);
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.cap, 0);
}

Test(util, buf_append_binary_and_printf)
{
	struct buf b;
	buf_init(&b);
	buf_append(&b, "a\0b", 3);
	cr_assert_eq(b.len, 3);
	cr_assert_eq(memcmp(b.data, "a\0b", 4), 0, "NULs kept, terminator after");
	buf_printf(&b, "[%d:%s]", 42, "x");
	cr_assert_eq(b.len, 9);
	cr_assert_eq(memcmp(b.data + 3, "[42:x]", 7), 0);
	buf_append(&b, NULL, 0);
	cr_assert_eq(b.len, 9);
	buf_free(&b);
}

Test(util, buf_append_nothing_to_empty_buffer_gives_empty_string)
{
	struct buf b;
	buf_init(&b);
	buf_append(&b, "", 0);
	cr_assert_not_null(b.data);
	cr_assert_str_eq(b.data, "");
	buf_free(&b);
}

Test(util, buf_reset_keeps_capacity)
{
	struct buf b;
	buf_init(&b);
	buf_reset(&b); /* on a never-used buffer: harmless */
	buf_puts(&b, "something long enough");
	size_t cap = b.cap;
	char *data = b.data;
	buf_reset(&b);
	cr_assert_eq(b.len, 0);
	cr_assert_str_eq(b.data, "");
	cr_assert_eq(b.cap, cap);
	cr_assert_eq(b.data, data);
	buf_puts(&b, "again");
	cr_assert_str_eq(b.data, "again");
	buf_free(&b);
}

Test(util, buf_steal_hands_over_and_empties)
{
	struct buf b;
	buf_init(&b);
	buf_printf(&b, "%s=%d", "k", 7);
	char *s = buf_steal(&b);
	cr_assert_str_eq(s, "k=7");
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.cap, 0);
	free(s);
	/* stealing from an empty buffer still gives a string to free */
	char *e = buf_steal(&b);
	cr_assert_not_null(e);
	cr_assert_str_eq(e, "");
	free(e);
	/* the buffer is usable after a steal */
	buf_puts(&b, "next");
	cr_assert_str_eq(b.data, "next");
	buf_free(&b);
}

/* ---- allocation ------------------------------------------------------- */

Test(util, xasprintf_formats)
{
	char *s = xasprintf("%s:%d/%s", "127.0.0.1", 5432, "mlflowdb");
	cr_assert_str_eq(s, "127.0.0.1:5432/mlflowdb");
	free(s);
	char *e = xasprintf("%s", "");
	cr_assert_str_eq(e, "");
	free(e);
	char big[5000];
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	char *l = xasprintf("<%s>", big);
	cr_assert_eq(strlen(l), sizeof big + 1);
	cr_assert_eq(l[0], '<');
	cr_assert_eq(l[sizeof big], '>');
	free(l);
}

Test(util, xstrdup_xstrndup)
{
	char *a = xstrdup("abc");
	cr_assert_str_eq(a, "abc");
	free(a);
	char *b = xstrndup("abcdef", 3);
	cr_assert_str_eq(b, "abc");
	free(b);
	char *c = xstrndup("ab", 10);
	cr_assert_str_eq(c, "ab", "stops at the NUL");
	free(c);
}

Test(util, xcalloc_zeroes_and_zero_sizes_are_valid)
{
	int *p = xcalloc(16, sizeof *p);
	for (int i = 0; i < 16; i++)
		cr_assert_eq(p[i], 0);
	free(p);
	void *z = xmalloc(0);
	cr_assert_not_null(z);
	free(z);
	void *r = xrealloc(NULL, 0);
	cr_assert_not_null(r);
	free(r);
}

Test(util, mono_clock_never_goes_back)
{
	int64_t a = mono_ms();
	int64_t b = mono_ms();
	cr_assert_geq(b, a);
	cr_assert_gt(wall_ms(), (int64_t)1600000000000, "wall clock is epoch ms");
}

Test(util, fmt_count_groups_thousands)
{
	char out[32];
	static const struct {
		long long v;
		const char *want;
	} cases[] = {{0, "0"},
		     {999, "999"},
		     {1000, "1,000"},
		     {100000, "100,000"},
		     {1234567, "1,234,567"},
		     {-1234, "-1,234"},
		     {-123, "-123"},
		     {-123456, "-123,456"}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fmt_count(out, sizeof out, cases[i].v);
		cr_assert_str_eq(out, cases[i].want, "%lld", cases[i].v);
	}
	fmt_count(out, 4, 1234567); /* cut short, still terminated */
	cr_assert_eq(strlen(out), 3);
}

/* ---- free_items -------------------------------------------------------- */

struct fi_item {
	char *name;
	int pad[3]; /* items wider than a pointer: the stride is size */
};

static const void *fi_seen[8];
static int fi_calls;

static void fi_free_one(void *item)
{
	fi_seen[fi_calls++] = item;
	free(((struct fi_item *)item)->name);
}

Test(util, free_items_frees_each_item_at_its_stride_then_the_array)
{
	struct fi_item *v = xcalloc(3, sizeof *v);
	for (int i = 0; i < 3; i++)
		v[i].name = xasprintf("item %d", i);
	fi_calls = 0;
	free_items(v, 3, sizeof *v, fi_free_one);
	cr_assert_eq(fi_calls, 3);
	/* the addresses of v[0..2] (v itself is freed, so compare as numbers) */
	for (int i = 0; i < 3; i++)
		cr_assert_eq((uintptr_t)fi_seen[i], (uintptr_t)v + (uintptr_t)i * sizeof *v);
}

Test(util, free_items_on_null_or_empty_or_without_free_one)
{
	fi_calls = 0;
	free_items(NULL, 5, sizeof(struct fi_item), fi_free_one);
	cr_assert_eq(fi_calls, 0, "NULL items: nothing is called");
	free_items(xcalloc(1, sizeof(struct fi_item)), 0, sizeof(struct fi_item), fi_free_one);
	cr_assert_eq(fi_calls, 0, "no items: the array alone");
	/* items that own nothing: the array alone (ASan sees no leak) */
	free_items(xcalloc(4, sizeof(int)), 4, sizeof(int), NULL);
}

Test(util, free_item_ptr_frees_an_array_of_strings)
{
	char **v = xcalloc(3, sizeof *v);
	v[0] = xstrdup("a");
	v[2] = xstrdup("c"); /* v[1] NULL: free(NULL) */
	free_items(v, 3, sizeof *v, free_item_ptr);
	/* what is proven here is under ASan (build-asan/unit_tests): no leak */
}

/* ---- clock_reads, str_hash ---------------------------------------------- */

Test(util, clock_reads_counts_this_threads_reads)
{
	unsigned long before = clock_reads();
	(void)mono_ms();
	(void)wall_ms();
	cr_assert_eq(clock_reads() - before, 2);
	char buf[8];
	strlcpy_m(buf, "no clock", sizeof buf);
	cr_assert_eq(clock_reads() - before, 2, "other calls do not count");
}

Test(util, str_hash_tells_texts_apart)
{
	cr_assert_eq(str_hash(5381, ""), 5381);
	cr_assert_eq(str_hash(5381, "12:00:01"), str_hash(5381, "12:00:01"));
	cr_assert_neq(str_hash(5381, "12:00:01"), str_hash(5381, "12:00:02"));
	cr_assert_neq(str_hash(str_hash(5381, "ab"), "c"), str_hash(str_hash(5381, "a"), "c"));
}
