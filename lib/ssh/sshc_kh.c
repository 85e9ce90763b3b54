/* lib/ssh/sshc_kh.c — the pure half of sshc (see sshc.h): OpenSSH known_hosts
 * lookup with OpenSSH's semantics (hashed entries, patterns, @revoked,
 * another key type = changed), appending a host, SHA256 fingerprints and
 * shell quoting. Reads and appends files; no network, no loop, no libssh2. */
#include "lib/ssh/sshc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/digest.h"
#include "lib/core/util.h"

/* The largest key blob we decode (RSA 16384 is ~2 KiB; be generous). */
#define KH_MAX_BLOB 8192

enum kh_marker { KH_PLAIN, KH_REVOKED, KH_CA };

struct kh_line {
	enum kh_marker marker;
	char *hosts; /* NUL-terminated fields inside the line buffer */
	char *type;
	char *b64;
};

/* "host" for port 22 (or 0), "[host]:port" otherwise, lower-cased as OpenSSH
 * does before matching or hashing. */
static void kh_name(const char *host, int port, char *out, size_t n)
{
	char lower[256];
	size_t i = 0;
	for (; host[i] && i < sizeof lower - 1; i++)
		lower[i] = (char)tolower((unsigned char)host[i]);
	lower[i] = '\0';
	if (port == 0 || port == 22)
		snprintf(out, n, "%s", lower);
	else
		snprintf(out, n, "[%s]:%d", lower, port);
}

static char *next_field(char **p)
{
	char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	char *start = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return start;
}

/* Splits one known_hosts line in place. False for blank lines, comments and
 * lines we cannot use (SSH-1 "bits e n" keys, unknown markers). */
static bool kh_parse_line(char *line, struct kh_line *l)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	char *p = line;
	char *f = next_field(&p);
	if (!f || f[0] == '#')
		return false;
	l->marker = KH_PLAIN;
	if (f[0] == '@') {
		if (strcmp(f, "@revoked") == 0)
			l->marker = KH_REVOKED;
		else if (strcmp(f, "@cert-authority") == 0)
			l->marker = KH_CA;
		else
			return false;
		f = next_field(&p);
		if (!f)
			return false;
	}
	l->hosts = f;
	l->type = next_field(&p);
	l->b64 = next_field(&p);
	if (!l->type || !l->b64 || isdigit((unsigned char)l->type[0]))
		return false;
	return true;
}

/* OpenSSH's match_pattern: '*' any run, '?' one character. Both sides are
 * already lower-case. */
static bool glob_match(const char *s, const char *pat)
{
	for (;;) {
		if (!*pat)
			return !*s;
		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			if (!*pat)
				return true;
			for (; *s; s++)
				if (glob_match(s, pat))
					return true;
			return false;
		}
		if (!*s)
			return false;
		if (*pat != '?' && *pat != *s)
			return false;
		s++;
		pat++;
	}
}

/* |1|base64(salt)|base64(HMAC-SHA1(salt, name)) */
static bool hashed_match(const char *entry, const char *name)
{
	const char *salt = entry + 3;
	const char *bar = strchr(salt, '|');
	if (!bar)
		return false;
	unsigned char key[64], want[64], got[DIGEST_SHA1_LEN];
	long klen = digest_b64_decode(salt, (size_t)(bar - salt), key, sizeof key);
	long wlen = digest_b64_decode(bar + 1, strlen(bar + 1), want, sizeof want);
	if (klen <= 0 || wlen != DIGEST_SHA1_LEN)
		return false;
	digest_hmac_sha1(key, (size_t)klen, name, strlen(name), got);
	return memcmp(got, want, DIGEST_SHA1_LEN) == 0;
}

/* OpenSSH match_hostname: a comma list of patterns, '!' negates; a matching
 * negation wins over any positive match. */
static bool kh_hosts_match(const char *hosts, const char *name)
{
	if (strncmp(hosts, "|1|", 3) == 0)
		return hashed_match(hosts, name);
	bool positive = false;
	const char *p = hosts;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		bool neg = len && p[0] == '!';
		char pat[512];
		size_t off = neg ? 1 : 0;
		if (len - off < sizeof pat && len > off) {
			for (size_t i = 0; i < len - off; i++)
				pat[i] = (char)tolower((unsigned char)p[off + i]);
			pat[len - off] = '\0';
			if (glob_match(name, pat)) {
				if (neg)
					return false;
				positive = true;
			}
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return positive;
}

/* Opens path for reading after OpenSSH-style safety checks. Returns 1 with
 * *fp set, 0 when the file does not exist (an empty known_hosts), or a
 * negative status with err filled. */
static int kh_open(const char *path, FILE **fp, struct mlc_err *err)
{
	*fp = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return mlc_err_set(err, MLC_ERR_IO, errno, "known_hosts %s: %s", path,
				   strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return mlc_err_set(err, MLC_ERR_CONFIG, 0, "known_hosts %s: not a regular file",
				   path);
	}
	if (st.st_mode & 022) {
		close(fd);
		return mlc_err_set(err, MLC_ERR_CONFIG, (long)(st.st_mode & 07777),
				   "known_hosts %s is writable by group or others (mode %04o); "
				   "refusing it (chmod go-w)",
				   path, (unsigned)(st.st_mode & 07777));
	}
	if (st.st_uid != getuid() && st.st_uid != 0) {
		close(fd);
		return mlc_err_set(err, MLC_ERR_CONFIG, (long)st.st_uid,
				   "known_hosts %s is owned by uid %u, not by you; refusing it",
				   path, (unsigned)st.st_uid);
	}
	*fp = fdopen(fd, "r");
	if (!*fp) {
		int e = errno;
		close(fd);
		return mlc_err_set(err, MLC_ERR_IO, e, "known_hosts %s: %s", path, strerror(e));
	}
	return 1;
}

enum sshc_khstatus sshc_known_hosts_check(const char *path, const char *host, int port,
					  const char *keytype, const unsigned char *key,
					  size_t keylen, struct mlc_err *err)
{
	FILE *f;
	int rc = kh_open(path, &f, err);
	if (rc < 0)
		return SSHC_KH_ERROR;
	if (rc == 0)
		return SSHC_KH_NOTFOUND;

	char name[300];
	kh_name(host, port, name, sizeof name);
	unsigned char *blob = xmalloc(KH_MAX_BLOB);
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0, other_line = 0, revoked_line = 0;
	char other_type[64] = "";
	bool match = false;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		struct kh_line l;
		if (!kh_parse_line(line, &l) || l.marker == KH_CA)
			continue;
		if (!kh_hosts_match(l.hosts, name))
			continue;
		long blen = digest_b64_decode(l.b64, strlen(l.b64), blob, KH_MAX_BLOB);
		bool same = blen >= 0 && (size_t)blen == keylen && memcmp(blob, key, keylen) == 0 &&
			    strcmp(l.type, keytype) == 0;
		if (l.marker == KH_REVOKED) {
			if (same && !revoked_line)
				revoked_line = lineno;
			continue;
		}
		if (same) {
			match = true;
		} else if (!other_line) {
			other_line = lineno;
			strlcpy_m(other_type, l.type, sizeof other_type);
		}
	}
	free(line);
	free(blob);
	fclose(f);

	if (revoked_line) {
		mlc_err_set(err, MLC_ERR_HOSTKEY_CHANGED, revoked_line,
			    "%s:%ld marks this %s key @revoked", path, revoked_line, keytype);
		return SSHC_KH_REVOKED;
	}
	if (match)
		return SSHC_KH_MATCH;
	if (other_line) {
		mlc_err_set(err, MLC_ERR_HOSTKEY_CHANGED, other_line, "%s:%ld holds another %s key",
			    path, other_line, other_type);
		return SSHC_KH_CHANGED;
	}
	return SSHC_KH_NOTFOUND;
}

void sshc_known_hosts_types(const char *path, const char *host, int port, char *out, size_t n)
{
	if (n)
		out[0] = '\0';
	FILE *f;
	if (kh_open(path, &f, NULL) <= 0)
		return;
	char name[300];
	kh_name(host, port, name, sizeof name);
	char *line = NULL;
	size_t cap = 0, used = 0;
	while (getline(&line, &cap, f) >= 0) {
		struct kh_line l;
		if (!kh_parse_line(line, &l) || l.marker != KH_PLAIN ||
		    !kh_hosts_match(l.hosts, name))
			continue;
		/* Skip duplicates: "type" already present as a whole list item. */
		size_t tl = strlen(l.type);
		bool dup = false;
		for (const char *p = out; *p;) {
			const char *c = strchr(p, ',');
			size_t il = c ? (size_t)(c - p) : strlen(p);
			if (il == tl && memcmp(p, l.type, tl) == 0)
				dup = true;
			p += il + (c ? 1 : 0);
		}
		if (dup)
			continue;
		size_t need = used + (used ? 1 : 0) + tl;
		if (need + 1 > n)
			break;
		if (used)
			out[used++] = ',';
		memcpy(out + used, l.type, tl + 1);
		used += tl;
	}
	free(line);
	fclose(f);
}

/* Host names we are willing to write into known_hosts: no pattern, marker,
 * separator or control characters can slip into the file. */
static bool kh_host_ok(const char *host)
{
	if (!*host)
		return false;
	for (const char *p = host; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-_:%", *p))
			return false;
	return true;
}

static bool kh_type_ok(const char *type)
{
	if (!*type)
		return false;
	for (const char *p = type; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-@", *p))
			return false;
	return true;
}

/* Creates the parent folder (0700) when it is missing, as ssh does for ~/.ssh. */
static void kh_mkparent(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return;
	char *dir = xstrndup(path, (size_t)(slash - path));
	mkdir(dir, 0700);
	free(dir);
}

int sshc_known_hosts_add(const char *path, const char *host, int port, const char *keytype,
			 const unsigned char *key, size_t keylen, struct mlc_err *err)
{
	if (!kh_host_ok(host))
		return mlc_err_set(err, MLC_ERR_USAGE, 0,
				   "known_hosts: refusing to record host name \"%.64s\"", host);
	if (!kh_type_ok(keytype) || keylen == 0 || keylen > KH_MAX_BLOB)
		return mlc_err_set(err, MLC_ERR_USAGE, 0, "known_hosts: bad key for %.64s", host);

	/* Same safety rules as for reading: never extend a file others can write. */
	FILE *chk;
	int rc = kh_open(path, &chk, err);
	if (rc < 0)
		return rc;
	if (chk)
		fclose(chk);
	else
		kh_mkparent(path);

	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return mlc_err_set(err, MLC_ERR_IO, errno, "known_hosts %s: %s", path,
				   strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return mlc_err_set(err, MLC_ERR_IO, e, "known_hosts %s: %s", path, strerror(e));
	}
	if (!chk && st.st_size == 0)
		fchmod(fd, 0600); /* new file: exactly 0600 whatever the umask */

	/* A file whose last line lacks its newline gets one first, so that ours
	 * stays a line of its own. */
	bool need_nl = false;
	if (st.st_size > 0) {
		char last;
		if (pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
			need_nl = true;
	}
	char name[300];
	kh_name(host, port, name, sizeof name);
	size_t b64n = digest_b64_encode(key, keylen, true, NULL, 0) + 1;
	char *b64 = xmalloc(b64n);
	digest_b64_encode(key, keylen, true, b64, b64n);
	char *text = xasprintf("%s%s %s %s\n", need_nl ? "\n" : "", name, keytype, b64);
	free(b64);
	size_t len = strlen(text);
	ssize_t w = write(fd, text, len); /* one write: O_APPEND keeps it whole */
	int e = errno;
	free(text);
	if (close(fd) != 0 && w == (ssize_t)len) {
		w = -1;
		e = errno;
	}
	if (w != (ssize_t)len)
		return mlc_err_set(err, MLC_ERR_IO, e, "known_hosts %s: write failed: %s", path,
				   w < 0 ? strerror(e) : "short write");
	return 0;
}

void sshc_fingerprint_sha256(const unsigned char *key, size_t keylen, char *out, size_t n)
{
	unsigned char h[DIGEST_SHA256_LEN];
	char b64[64];
	digest_sha256(key, keylen, h);
	digest_b64_encode(h, sizeof h, false, b64, sizeof b64);
	snprintf(out, n, "SHA256:%s", b64);
}

int sshc_key_blob_type(const unsigned char *key, size_t keylen, char *out, size_t n)
{
	if (n)
		out[0] = '\0';
	if (keylen < 4)
		return -1;
	size_t tl = (size_t)key[0] << 24 | (size_t)key[1] << 16 | (size_t)key[2] << 8 | key[3];
	if (tl == 0 || tl > keylen - 4 || tl >= n)
		return -1;
	memcpy(out, key + 4, tl);
	out[tl] = '\0';
	return kh_type_ok(out) ? 0 : (out[0] = '\0', -1);
}

int sshc_quote_argn(struct buf *cmd, const char *arg, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (arg[i] == '\0' || arg[i] == '\r' || arg[i] == '\n')
			return -1;
	buf_append(cmd, "'", 1);
	for (size_t i = 0; i < len; i++) {
		if (arg[i] == '\'')
			buf_puts(cmd, "'\\''");
		else if (arg[i] == '!')
			buf_puts(cmd, "'\\!'");
		else
			buf_append(cmd, &arg[i], 1);
	}
	buf_append(cmd, "'", 1);
	return 0;
}

int sshc_quote_arg(struct buf *cmd, const char *arg)
{
	return sshc_quote_argn(cmd, arg, strlen(arg));
}
