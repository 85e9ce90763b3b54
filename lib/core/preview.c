/* lib/core/preview.c — see preview.h. Detection: the name's extension and the
 * content type first, then the bytes (NUL or invalid UTF-8 or many control
 * characters: binary; a leading { or [: JSON). Owns nothing after
 * preview_free. Never reads past len. */
#include "lib/core/preview.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"

#define CSV_COL_MAX    40 /* columns a CSV cell takes at most */
#define LINE_MAX_BYTES 4096

struct lines {
	char **v;
	size_t n, cap;
	int width;
	bool capped;
};

/* Adds a sanitized copy of len bytes of s. */
static void lines_add(struct lines *l, const char *s, size_t len)
{
	if (l->n >= PREVIEW_MAX_LINES) {
		l->capped = true;
		return;
	}
	if (l->n + 2 > l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	char *safe = san_dup(s, len);
	int w = san_width(safe);
	if (w > l->width)
		l->width = w;
	l->v[l->n++] = safe;
	l->v[l->n] = NULL;
}

/* Length of the valid UTF-8 sequence at s (1–4), or 0 when invalid; -1 when
 * it is valid so far but cut by the end of the buffer. */
static int utf8_seq(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
	int n;
	uint32_t min;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	uint32_t cp = c & (0x3F >> (n - 1));
	for (int i = 1; i < n; i++) {
		if ((size_t)i >= left)
			return -1;
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* Whether data reads as text: valid UTF-8 (a sequence cut at the very end
 * allowed when truncated), no NUL, few other controls. *textlen gets the
 * length without a cut final character. */
static bool looks_text(const char *data, size_t len, bool truncated, size_t *textlen)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t ctl = 0, i = 0;
	*textlen = len;
	while (i < len) {
		if (s[i] == 0)
			return false;
		if ((s[i] < 0x20 && s[i] != '\n' && s[i] != '\r' && s[i] != '\t' && s[i] != '\f' &&
		     s[i] != 0x1b) ||
		    s[i] == 0x7f)
			ctl++;
		int k = utf8_seq(s + i, len - i);
		if (k < 0 && truncated) {
			*textlen = i;
			break;
		}
		if (k <= 0)
			return false;
		i += (size_t)k;
	}
	return ctl * 20 <= len; /* at most 5 % control characters */
}

static const char *ext_of(const char *name)
{
	const char *slash = name ? strrchr(name, '/') : NULL;
	const char *base = slash ? slash + 1 : (name ? name : "");
	const char *dot = strrchr(base, '.');
	return dot && dot != base ? dot + 1 : "";
}

static bool ext_in(const char *ext, const char *const *list)
{
	for (; *list; list++)
		if (strcasecmp(ext, *list) == 0)
			return true;
	return false;
}

static bool ct_has(const char *ct, const char *what)
{
	return ct && strcasestr(ct, what) != NULL;
}

/* Text lines: split on LF (a CR before it dropped), tabs expanded to 8
 * columns, very long lines cut. */
static void text_lines(struct lines *l, const char *s, size_t len)
{
	struct buf b;
	buf_init(&b);
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '\n')
			continue;
		size_t end = i;
		if (end > start && s[end - 1] == '\r')
			end--;
		if (i == len && start == len)
			break; /* no empty line after a final LF */
		buf_reset(&b);
		size_t col = 0;
		for (size_t j = start; j < end && b.len < LINE_MAX_BYTES; j++) {
			if (s[j] == '\t') {
				do
					buf_append(&b, " ", 1);
				while (++col % 8);
			} else {
				buf_append(&b, s + j, 1);
				if (((unsigned char)s[j] & 0xC0) != 0x80)
					col++;
			}
		}
		lines_add(l, b.data ? b.data : "", b.len);
		start = i + 1;
		if (l->capped)
			break;
	}
	buf_free(&b);
}

static void hex_lines(struct lines *l, const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;
	for (size_t off = 0; off < len && !l->capped; off += 16) {
		char line[96];
		int o = snprintf(line, sizeof line, "%08zx ", off);
		for (size_t i = 0; i < 16; i++) {
			if (i == 8)
				line[o++] = ' ';
			if (off + i < len)
				o += snprintf(line + o, sizeof line - (size_t)o, " %02x",
					      s[off + i]);
			else
				o += snprintf(line + o, sizeof line - (size_t)o, "   ");
		}
		o += snprintf(line + o, sizeof line - (size_t)o, "  |");
		for (size_t i = 0; i < 16 && off + i < len; i++)
			line[o++] =
			    s[off + i] >= 0x20 && s[off + i] < 0x7f ? (char)s[off + i] : '.';
		line[o++] = '|';
		line[o] = '\0';
		lines_add(l, line, (size_t)o);
	}
}

/* ---- CSV ------------------------------------------------------------------ */

struct csv_row {
	char **cells;
	size_t n;
};

static void csv_row_free(void *item)
{
	struct csv_row *row = item;
	free_items(row->cells, row->n, sizeof *row->cells, free_item_ptr);
}

/* Splits one record starting at *pos (RFC 4180 quotes, "" for a quote);
 * returns false at the end of the data. A record cut by the end of a
 * truncated buffer is reported through *cut and not returned. */
static bool csv_next(const char *s, size_t len, size_t *pos, char sep, bool truncated,
		     struct csv_row *row, bool *cut)
{
	size_t i = *pos;
	if (i >= len)
		return false;
	struct buf cell;
	buf_init(&cell);
	row->cells = NULL;
	row->n = 0;
	bool quoted = false, done = false;
	while (!done) {
		if (i >= len) {
			if (truncated) {
				*cut = true;
				csv_row_free(row);
				buf_free(&cell);
				row->cells = NULL;
				row->n = 0;
				*pos = len;
				return false;
			}
			done = true;
		} else if (quoted) {
			if (s[i] == '"' && i + 1 < len && s[i + 1] == '"') {
				buf_append(&cell, "\"", 1);
				i += 2;
				continue;
			}
			if (s[i] == '"')
				quoted = false;
			else
				buf_append(&cell, s + i, 1);
			i++;
			continue;
		} else if (s[i] == '"' && cell.len == 0) {
			quoted = true;
			i++;
			continue;
		} else if (s[i] == '\n') {
			i++;
			done = true;
		} else if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') {
			i += 2;
			done = true;
		} else if (s[i] != sep) {
			if (cell.len < LINE_MAX_BYTES)
				buf_append(&cell, s + i, 1);
			i++;
			continue;
		}
		if (!done && s[i] == sep)
			i++;
		row->cells = xrealloc(row->cells, (row->n + 1) * sizeof *row->cells);
		row->cells[row->n++] = san_dup(cell.data ? cell.data : "", cell.len);
		buf_reset(&cell);
	}
	buf_free(&cell);
	*pos = i;
	return true;
}

static void pad_to(struct buf *b, const char *safe, int width)
{
	size_t fit = san_fit(safe, width, NULL);
	int cols = 0;
	san_fit(safe, width, &cols);
	buf_append(b, safe, fit);
	for (int k = cols; k < width; k++)
		buf_append(b, " ", 1);
}

/* Returns false when the data does not look like a table. */
static bool csv_lines(struct preview *p, struct lines *l, const char *s, size_t len, char sep,
		      bool truncated)
{
	struct csv_row *rows = NULL;
	size_t nrows = 0, cap = 0, ncols = 0;
	size_t pos = 0;
	bool cut = false;
	struct csv_row r;
	while (nrows < PREVIEW_MAX_LINES && csv_next(s, len, &pos, sep, truncated, &r, &cut)) {
		if (r.n == 1 && r.cells[0][0] == '\0' && pos >= len) {
			free(r.cells[0]);
			free(r.cells);
			break;
		}
		if (nrows == cap) {
			cap = cap ? 2 * cap : 64;
			rows = xrealloc(rows, cap * sizeof *rows);
		}
		rows[nrows++] = r;
		if (r.n > ncols)
			ncols = r.n;
	}
	bool ok = nrows > 0 && ncols >= 2 && ncols <= 512;
	if (ok) {
		int *w = xcalloc(ncols, sizeof *w);
		for (size_t i = 0; i < nrows; i++)
			for (size_t c = 0; c < rows[i].n; c++) {
				int cw = san_width(rows[i].cells[c]);
				w[c] = MLC_MAX(w[c], MLC_MIN(cw, CSV_COL_MAX));
			}
		struct buf b;
		buf_init(&b);
		for (size_t i = 0; i < nrows; i++) {
			buf_reset(&b);
			for (size_t c = 0; c < ncols; c++) {
				const char *cell = c < rows[i].n ? rows[i].cells[c] : "";
				if (c + 1 < ncols) {
					pad_to(&b, cell, w[c]);
					buf_append(&b, "  ", 2);
				} else {
					pad_to(&b, cell, MLC_MIN(san_width(cell), CSV_COL_MAX));
				}
			}
			/* cells are sanitized already: add without a second pass */
			if (l->n + 2 > l->cap) {
				l->cap = l->cap ? 2 * l->cap : 64;
				l->v = xrealloc(l->v, l->cap * sizeof *l->v);
			}
			while (b.len && b.data[b.len - 1] == ' ')
				b.data[--b.len] = '\0';
			int lw = san_width(b.data ? b.data : "");
			l->width = MLC_MAX(l->width, lw);
			l->v[l->n++] = xstrdup(b.data ? b.data : "");
			l->v[l->n] = NULL;
		}
		buf_free(&b);
		free(w);
		snprintf(p->label, sizeof p->label, "%s table, %zu columns",
			 sep == '\t' ? "TSV" : "CSV", ncols);
		if (cut)
			snprintf(p->note, sizeof p->note,
				 "the last row was cut by the preview limit");
	}
	free_items(rows, nrows, sizeof *rows, csv_row_free);
	return ok;
}

/* ---- JSON ----------------------------------------------------------------- */

static void newline_indent(struct buf *b, int depth)
{
	buf_puts(b, "\n");
	for (int i = 0; i < depth; i++)
		buf_puts(b, "  ");
}

static bool json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Re-indents a valid JSON text by its own tokens, two spaces a level, in
 * jansson's layout ("key": value, empty containers as {} and []): strings
 * and numbers are copied exactly as written (0.42 stays 0.42; a parsed
 * double would print 0.41999999999999998). The caller has checked s. */
static char *json_reindent(const char *s, size_t len)
{
	struct buf b;
	int depth = 0;
	buf_init(&b);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (json_ws(c))
			continue;
		if (c == '"') {
			size_t j = i + 1;
			while (j < len && s[j] != '"')
				j += s[j] == '\\' ? 2 : 1;
			j = MLC_MIN(j + 1, len);
			buf_append(&b, s + i, j - i);
			i = j - 1;
		} else if (c == '{' || c == '[') {
			size_t j = i + 1;
			while (j < len && json_ws(s[j]))
				j++;
			if (j < len && s[j] == (c == '{' ? '}' : ']')) {
				buf_puts(&b, c == '{' ? "{}" : "[]");
				i = j;
				continue;
			}
			buf_append(&b, &c, 1);
			newline_indent(&b, ++depth);
		} else if (c == '}' || c == ']') {
			newline_indent(&b, --depth);
			buf_append(&b, &c, 1);
		} else if (c == ',') {
			buf_puts(&b, ",");
			newline_indent(&b, depth);
		} else if (c == ':') {
			buf_puts(&b, ": ");
		} else {
			size_t j = i;
			while (j < len && !json_ws(s[j]) && !strchr(",:]}", s[j]))
				j++;
			buf_append(&b, s + i, j - i);
			i = j - 1;
		}
	}
	buf_append(&b, "", 0);
	return buf_steal(&b);
}

static bool json_lines(struct preview *p, struct lines *l, const char *s, size_t len,
		       bool truncated, bool said_json)
{
	json_error_t je;
	json_t *j = json_loadb(s, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!j) {
		if (truncated)
			snprintf(p->note, sizeof p->note,
				 "JSON cut by the preview limit: shown as text");
		else if (said_json)
			snprintf(p->note, sizeof p->note,
				 "not valid JSON (line %d: %.80s): shown as text", je.line,
				 je.text);
		return false;
	}
	json_decref(j); /* valid: now lay out its own tokens */
	char *out = json_reindent(s, len);
	text_lines(l, out, strlen(out));
	free(out);
	snprintf(p->label, sizeof p->label, "JSON");
	return true;
}

void preview_build(struct preview *p, const char *name, const char *content_type, const char *data,
		   size_t len, bool truncated)
{
	static const char *const bin_ext[] = {
	    "parquet", "pkl", "pickle", "pt",  "pth",  "bin", "png",	  "jpg",  "jpeg",
	    "gif",     "gz",  "zip",	"tar", "npy",  "npz", "h5",	  "onnx", "safetensors",
	    "xz",      "zst", "whl",	"so",  "avro", "orc", "tfrecord", NULL};
	static const char *const json_ext[] = {"json", "ipynb", "geojson", NULL};
	memset(p, 0, sizeof *p);
	struct lines l = {0};
	const char *ext = ext_of(name);
	if (!data)
		len = 0;
	size_t textlen = len;
	bool text = len > 0 && looks_text(data, len, truncated, &textlen);
	if (len == 0) {
		p->kind = PREVIEW_EMPTY;
		snprintf(p->label, sizeof p->label, "empty");
		lines_add(&l, "(empty object)", 14);
		goto out;
	}
	bool want_bin = ext_in(ext, bin_ext) || ct_has(content_type, "octet-stream") ||
			ct_has(content_type, "image/");
	if (want_bin && !text) {
		/* the name says binary and the bytes agree */
	} else if (text) {
		bool said_json = ext_in(ext, json_ext) || ct_has(content_type, "json");
		size_t k = 0;
		while (k < textlen &&
		       (data[k] == ' ' || data[k] == '\n' || data[k] == '\r' || data[k] == '\t'))
			k++;
		bool looks_json = k < textlen && (data[k] == '{' || data[k] == '[');
		bool is_jsonl = strcasecmp(ext, "jsonl") == 0 || strcasecmp(ext, "ndjson") == 0;
		if ((said_json || looks_json) && !is_jsonl &&
		    json_lines(p, &l, data, textlen, truncated, said_json)) {
			p->kind = PREVIEW_JSON;
			goto out;
		}
		char sep = 0;
		if (strcasecmp(ext, "csv") == 0 || ct_has(content_type, "text/csv"))
			sep = ',';
		else if (strcasecmp(ext, "tsv") == 0 || ct_has(content_type, "tab-separated"))
			sep = '\t';
		if (sep && csv_lines(p, &l, data, textlen, sep, truncated)) {
			p->kind = PREVIEW_CSV;
			goto out;
		}
		p->kind = PREVIEW_TEXT;
		snprintf(p->label, sizeof p->label, "text");
		text_lines(&l, data, textlen);
		goto out;
	}
	p->kind = PREVIEW_HEX;
	snprintf(p->label, sizeof p->label, "binary (hex)");
	hex_lines(&l, data, len);
out:
	if (truncated && !p->note[0])
		snprintf(p->note, sizeof p->note, "first %zu bytes of a longer object", len);
	if (l.capped && !p->note[0])
		snprintf(p->note, sizeof p->note, "only the first %d lines", PREVIEW_MAX_LINES);
	if (!l.v) {
		l.v = xcalloc(1, sizeof *l.v);
	}
	/* the note may quote the document: sanitize it too */
	char *safe = san_str(p->note);
	strlcpy_m(p->note, safe, sizeof p->note);
	free(safe);
	p->lines = l.v;
	p->nlines = l.n;
	p->width = l.width;
}

void preview_free(struct preview *p)
{
	strv_free(p->lines);
	memset(p, 0, sizeof *p);
}
