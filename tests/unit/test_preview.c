/* tests/unit/test_preview.c — lib/core/preview.c: the kind chosen from name,
 * content type and bytes; JSON pretty-printed, CSV aligned, hex dumps; cut
 * tails (a UTF-8 character, a JSON document, a CSV row); hostile bytes
 * (ESC, bidi controls, NUL, random noise) never reach a line unescaped. */
#include "lib/core/preview.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"

static void assert_all_safe(const struct preview *p)
{
	cr_assert_not_null(p->lines);
	cr_assert_null(p->lines[p->nlines]);
	for (size_t i = 0; i < p->nlines; i++) {
		for (const unsigned char *c = (const unsigned char *)p->lines[i]; *c; c++)
			cr_assert(*c >= 0x20 && *c != 0x7f, "line %zu holds control 0x%02x: %s", i,
				  *c, p->lines[i]);
		char *again = san_str(p->lines[i]);
		cr_assert_str_eq(again, p->lines[i], "line %zu is not sanitizer output", i);
		free(again);
	}
}

Test(preview, json_is_pretty_printed_in_order)
{
	static const char doc[] = "{\"b\":1,\"a\":[true,null],\"s\":\"x\"}";
	struct preview p;
	preview_build(&p, "run/metrics.json", "application/json", doc, sizeof doc - 1, false);
	cr_assert_eq(p.kind, PREVIEW_JSON);
	cr_assert_str_eq(p.label, "JSON");
	cr_assert_str_eq(p.lines[0], "{");
	cr_assert_str_eq(p.lines[1], "  \"b\": 1,");
	cr_assert_str_eq(p.lines[2], "  \"a\": [");
	cr_assert_str_eq(p.lines[3], "    true,");
	cr_assert_str_eq(p.lines[p.nlines - 1], "}");
	cr_assert_str_eq(p.note, "");
	assert_all_safe(&p);
	preview_free(&p);
}

/* Issue 8 item 7: numbers as the file writes them, not as a double prints. */
Test(preview, json_numbers_printed_as_written)
{
	static const char doc[] = "{\"auc\": 0.42, \"lr\":1e-3,\"n\" : 1.10,"
				  "\"e\":{ },\"l\":[ ],\"s\":\"a,b:[c]\\\"\"}";
	struct preview p;
	preview_build(&p, "metrics.json", NULL, doc, sizeof doc - 1, false);
	cr_assert_eq(p.kind, PREVIEW_JSON);
	cr_assert_eq(p.nlines, 8, "%zu lines", p.nlines);
	cr_assert_str_eq(p.lines[0], "{");
	cr_assert_str_eq(p.lines[1], "  \"auc\": 0.42,");
	cr_assert_str_eq(p.lines[2], "  \"lr\": 1e-3,");
	cr_assert_str_eq(p.lines[3], "  \"n\": 1.10,");
	cr_assert_str_eq(p.lines[4], "  \"e\": {},");
	cr_assert_str_eq(p.lines[5], "  \"l\": [],");
	cr_assert_str_eq(p.lines[6], "  \"s\": \"a,b:[c]\\\"\"");
	cr_assert_str_eq(p.lines[7], "}");
	preview_free(&p);
}

Test(preview, json_sniffed_from_content_without_a_name)
{
	static const char doc[] = "  [1, 2]";
	struct preview p;
	preview_build(&p, "blob", NULL, doc, sizeof doc - 1, false);
	cr_assert_eq(p.kind, PREVIEW_JSON);
	cr_assert_eq(p.nlines, 4);
	preview_free(&p);
}

Test(preview, json_string_with_escape_stays_escaped)
{
	static const char doc[] = "{\"k\":\"\\u001b[2Jboom \\u202e evil\"}";
	struct preview p;
	preview_build(&p, "x.json", NULL, doc, sizeof doc - 1, false);
	cr_assert_eq(p.kind, PREVIEW_JSON);
	assert_all_safe(&p);
	cr_assert_not_null(strstr(p.lines[1], "\\u001b[2Jboom"), "as written: %s", p.lines[1]);
	cr_assert_not_null(strstr(p.lines[1], "\\u202e evil"), "as written: %s", p.lines[1]);
	preview_free(&p);
}

Test(preview, cut_json_falls_back_to_text_with_a_note)
{
	static const char doc[] = "{\"a\": [1, 2, 3,\n \"b\": {\"c\": ";
	struct preview p;
	preview_build(&p, "big.json", "application/json", doc, sizeof doc - 1, true);
	cr_assert_eq(p.kind, PREVIEW_TEXT);
	cr_assert_not_null(strstr(p.note, "JSON cut"), "%s", p.note);
	cr_assert_eq(p.nlines, 2);
	cr_assert_str_eq(p.lines[0], "{\"a\": [1, 2, 3,");
	preview_free(&p);
}

Test(preview, invalid_json_named_json_is_text_with_the_reason)
{
	static const char doc[] = "{not json}";
	struct preview p;
	preview_build(&p, "x.json", NULL, doc, sizeof doc - 1, false);
	cr_assert_eq(p.kind, PREVIEW_TEXT);
	cr_assert_not_null(strstr(p.note, "not valid JSON"), "%s", p.note);
	cr_assert_str_eq(p.lines[0], "{not json}");
	preview_free(&p);
}

Test(preview, csv_fixture_is_an_aligned_table)
{
	size_t len;
	char *csv = fixture_read("tests/fixtures/mlflow/get-artifact-feature-importance.csv", &len);
	struct preview p;
	preview_build(&p, "1/abc/artifacts/feature_importance.csv", "text/csv", csv, len, false);
	cr_assert_eq(p.kind, PREVIEW_CSV);
	cr_assert(str_starts(p.label, "CSV table, "), "%s", p.label);
	cr_assert_gt(p.nlines, 2);
	/* the second column starts at the same offset on every line */
	const char *first_sep = strstr(p.lines[0], "  ");
	cr_assert_not_null(first_sep);
	size_t col2 = (size_t)(first_sep - p.lines[0]);
	while (p.lines[0][col2] == ' ')
		col2++;
	for (size_t i = 1; i < p.nlines; i++) {
		cr_assert_gt(strlen(p.lines[i]), col2, "%s", p.lines[i]);
		cr_assert_neq(p.lines[i][col2], ' ', "line %zu: %s", i, p.lines[i]);
		cr_assert_eq(p.lines[i][col2 - 1], ' ', "line %zu: %s", i, p.lines[i]);
	}
	assert_all_safe(&p);
	preview_free(&p);
	free(csv);
}

Test(preview, csv_quotes_and_embedded_separators)
{
	static const char csv[] = "name,note\r\n\"a,b\",\"say \"\"hi\"\"\"\r\nc,\"two\nlines\"\r\n";
	struct preview p;
	preview_build(&p, "q.csv", NULL, csv, sizeof csv - 1, false);
	cr_assert_eq(p.kind, PREVIEW_CSV);
	cr_assert_eq(p.nlines, 3);
	cr_assert_str_eq(p.lines[0], "name  note");
	cr_assert_str_eq(p.lines[1], "a,b   say \"hi\"");
	cr_assert_str_eq(p.lines[2], "c     two\\nlines");
	preview_free(&p);
}

Test(preview, tsv_and_a_cut_last_row)
{
	static const char tsv[] = "k\tv\nalpha\t1\nbeta\t2\ngam";
	struct preview p;
	preview_build(&p, "t.tsv", NULL, tsv, sizeof tsv - 1, true);
	cr_assert_eq(p.kind, PREVIEW_CSV);
	cr_assert(str_starts(p.label, "TSV"), "%s", p.label);
	cr_assert_eq(p.nlines, 3, "the cut row is left out");
	cr_assert_str_eq(p.lines[1], "alpha  1");
	cr_assert_not_null(strstr(p.note, "cut"), "%s", p.note);
	preview_free(&p);
}

Test(preview, text_with_tabs_crlf_and_escapes)
{
	static const char txt[] = "a\tb\r\nESC \x1b[2J here\n\xe2\x80\xae"
				  "bidi\n";
	struct preview p;
	preview_build(&p, "logs/train.log", "text/plain", txt, sizeof txt - 1, false);
	cr_assert_eq(p.kind, PREVIEW_TEXT);
	cr_assert_eq(p.nlines, 3);
	cr_assert_str_eq(p.lines[0], "a       b");
	cr_assert_str_eq(p.lines[1], "ESC \\e[2J here");
	cr_assert_str_eq(p.lines[2], "<U+202E>bidi");
	assert_all_safe(&p);
	preview_free(&p);
}

Test(preview, cut_utf8_character_at_the_end_is_dropped)
{
	static const char txt[] = "caf\xc3\xa9 \xe6\x97"; /* "café " + 2 of 3 bytes of 日 */
	struct preview p;
	preview_build(&p, "notes.txt", NULL, txt, sizeof txt - 1, true);
	cr_assert_eq(p.kind, PREVIEW_TEXT);
	cr_assert_eq(p.nlines, 1);
	cr_assert_str_eq(p.lines[0], "café ");
	preview_free(&p);
	/* not truncated: the same bytes are not text */
	preview_build(&p, "notes.txt", NULL, txt, sizeof txt - 1, false);
	cr_assert_eq(p.kind, PREVIEW_HEX);
	preview_free(&p);
}

Test(preview, binary_is_a_hex_dump)
{
	static const char bin[] = "PAR1\x00\x01\x02\xff\xfe hello world!!";
	struct preview p;
	preview_build(&p, "raw/part-0000.parquet", NULL, bin, sizeof bin - 1, false);
	cr_assert_eq(p.kind, PREVIEW_HEX);
	cr_assert_eq(p.nlines, 2);
	cr_assert_str_eq(
	    p.lines[0],
	    "00000000  50 41 52 31 00 01 02 ff  fe 20 68 65 6c 6c 6f 20  |PAR1..... hello |");
	cr_assert(str_starts(p.lines[1], "00000010  77 6f 72 6c 64 21 21"), "%s", p.lines[1]);
	cr_assert(str_ends(p.lines[1], "|world!!|"), "%s", p.lines[1]);
	preview_free(&p);
}

Test(preview, empty_object)
{
	struct preview p;
	preview_build(&p, "_SUCCESS", NULL, "", 0, false);
	cr_assert_eq(p.kind, PREVIEW_EMPTY);
	cr_assert_eq(p.nlines, 1);
	preview_free(&p);
}

Test(preview, random_bytes_never_crash_and_stay_safe)
{
	unsigned seed = 12345;
	char buf[4096];
	static const char *const names[] = {"a.json", "b.csv", "c.tsv", "d.txt", "e", "f.parquet"};
	for (int round = 0; round < 300; round++) {
		size_t len = (size_t)(rand_r(&seed) % (int)sizeof buf);
		int mode = round % 4;
		for (size_t i = 0; i < len; i++) {
			int r = rand_r(&seed);
			/* mostly text-like bytes so the text/CSV/JSON paths run too */
			buf[i] = mode == 0   ? (char)r
				 : mode == 1 ? "{}[],\":0a \n\t\"\\"[r % 15]
				 : mode == 2 ? "a,b\"\r\n\x1b\xc3\xa9"[r % 9]
					     : (char)(0x20 + r % 95);
		}
		struct preview p;
		preview_build(&p, names[round % 6], round % 3 ? "text/csv" : NULL, buf, len,
			      round % 2);
		assert_all_safe(&p);
		preview_free(&p);
	}
}
