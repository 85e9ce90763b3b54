/* tests/unit/test_sshc_kh.c — sshc's pure half without a network: digests
 * and base64 against published vectors, fingerprints against ssh-keygen,
 * known_hosts lookups with OpenSSH semantics, appending, shell quoting. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/digest.h"
#include "lib/ssh/sshc.h"
#include "lib/core/util.h"

static void hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static char *sha1_hex(const void *p, size_t n)
{
	static char out[41];
	unsigned char d[DIGEST_SHA1_LEN];
	digest_sha1(p, n, d);
	hex(d, sizeof d, out);
	return out;
}

static char *sha256_hex(const void *p, size_t n)
{
	static char out[65];
	unsigned char d[DIGEST_SHA256_LEN];
	digest_sha256(p, n, d);
	hex(d, sizeof d, out);
	return out;
}

static const char abc448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

Test(sshc_kh, sha1_vectors)
{
	cr_assert_str_eq(sha1_hex("", 0), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	cr_assert_str_eq(sha1_hex("abc", 3), "a9993e364706816aba3e25717850c26c9cd0d89d");
	cr_assert_str_eq(sha1_hex(abc448, strlen(abc448)),
			 "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	char *m = xmalloc(1000000);
	memset(m, 'a', 1000000);
	cr_assert_str_eq(sha1_hex(m, 1000000), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	/* Same million bytes fed in odd pieces across block boundaries. */
	struct digest_sha1 c;
	unsigned char d[DIGEST_SHA1_LEN];
	char h[41];
	digest_sha1_init(&c);
	for (size_t off = 0, step = 1; off < 1000000; off += step, step = step % 97 + 13)
		digest_sha1_update(&c, m + off, MLC_MIN(step, 1000000 - off));
	digest_sha1_final(&c, d);
	hex(d, sizeof d, h);
	cr_assert_str_eq(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(m);
}

Test(sshc_kh, sha256_vectors)
{
	cr_assert_str_eq(sha256_hex("", 0),
			 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	cr_assert_str_eq(sha256_hex("abc", 3),
			 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cr_assert_str_eq(sha256_hex(abc448, strlen(abc448)),
			 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char *m = xmalloc(1000000);
	memset(m, 'a', 1000000);
	cr_assert_str_eq(sha256_hex(m, 1000000),
			 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	struct digest_sha256 c;
	unsigned char d[DIGEST_SHA256_LEN];
	char h[65];
	digest_sha256_init(&c);
	for (size_t off = 0, step = 1; off < 1000000; off += step, step = step % 89 + 7)
		digest_sha256_update(&c, m + off, MLC_MIN(step, 1000000 - off));
	digest_sha256_final(&c, d);
	hex(d, sizeof d, h);
	cr_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* 55, 56 and 64 bytes: the padding edge cases. */
	memset(m, 'a', 64);
	cr_assert_str_eq(sha256_hex(m, 55),
			 "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	cr_assert_str_eq(sha256_hex(m, 56),
			 "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	cr_assert_str_eq(sha256_hex(m, 64),
			 "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
	free(m);
}

Test(sshc_kh, hmac_sha1_rfc2202)
{
	unsigned char k[80], d[DIGEST_SHA1_LEN];
	char h[41];
	memset(k, 0x0b, 20);
	digest_hmac_sha1(k, 20, "Hi There", 8, d);
	hex(d, sizeof d, h);
	cr_assert_str_eq(h, "b617318655057264e28bc0b6fb378c8ef146be00");

	digest_hmac_sha1("Jefe", 4, "what do ya want for nothing?", 28, d);
	hex(d, sizeof d, h);
	cr_assert_str_eq(h, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");

	memset(k, 0xaa, 20);
	unsigned char msg[50];
	memset(msg, 0xdd, sizeof msg);
	digest_hmac_sha1(k, 20, msg, sizeof msg, d);
	hex(d, sizeof d, h);
	cr_assert_str_eq(h, "125d7342b9ac11cd91a39af48aa17b4f63f175d3");

	memset(k, 0xaa, 80); /* key longer than a block: hashed first */
	const char *big = "Test Using Larger Than Block-Size Key - Hash Key First";
	digest_hmac_sha1(k, 80, big, strlen(big), d);
	hex(d, sizeof d, h);
	cr_assert_str_eq(h, "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

Test(sshc_kh, base64_rfc4648)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const enc[] = {"",	      "Zg==",	  "Zm8=",    "Zm9v",
					  "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	static const char *const nopad[] = {"",	      "Zg",	 "Zm8",	    "Zm9v",
					    "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
	for (size_t i = 0; i < ARRAY_LEN(plain); i++) {
		char out[16];
		unsigned char dec[16];
		size_t n = strlen(plain[i]);
		cr_assert_eq(digest_b64_encode(plain[i], n, true, out, sizeof out), strlen(enc[i]));
		cr_assert_str_eq(out, enc[i]);
		cr_assert_eq(digest_b64_encode(plain[i], n, false, out, sizeof out),
			     strlen(nopad[i]));
		cr_assert_str_eq(out, nopad[i]);
		cr_assert_eq(digest_b64_decode(enc[i], strlen(enc[i]), dec, sizeof dec), (long)n);
		cr_assert(memcmp(dec, plain[i], n) == 0);
		cr_assert_eq(digest_b64_decode(nopad[i], strlen(nopad[i]), dec, sizeof dec),
			     (long)n);
		cr_assert(memcmp(dec, plain[i], n) == 0);
	}
	unsigned char all[256], back[256];
	char text[400];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	size_t tl = digest_b64_encode(all, 256, true, text, sizeof text);
	cr_assert_eq(tl, 344);
	cr_assert_eq(digest_b64_decode(text, tl, back, sizeof back), 256);
	cr_assert(memcmp(all, back, 256) == 0);

	unsigned char d[8];
	char small[4];
	cr_assert_geq(digest_b64_encode("foobar", 6, true, small, sizeof small), sizeof small);
	cr_assert_eq(digest_b64_decode("Zm9v!", 5, d, sizeof d), -1);	 /* bad character */
	cr_assert_eq(digest_b64_decode("Zm9 v", 5, d, sizeof d), -1);	 /* whitespace */
	cr_assert_eq(digest_b64_decode("Z", 1, d, sizeof d), -1);	 /* impossible length */
	cr_assert_eq(digest_b64_decode("Zh==", 4, d, sizeof d), -1);	 /* non-zero spare bits */
	cr_assert_eq(digest_b64_decode("Zm9vYmFy", 8, d, 5), -1);	 /* out too small */
	cr_assert_eq(digest_b64_decode("Zm9=Zg==", 8, d, sizeof d), -1); /* '=' inside */
	cr_assert_eq(digest_b64_decode("Zg=", 3, d, sizeof d), -1);	 /* half padding */
}

/* ---- helpers around ssh-keygen in a temp folder ---- */

static char tmpdir[64];

static void mk_tmp(void)
{
	strcpy(tmpdir, "/tmp/test_sshc_kh.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void rm_tmp(void)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
}

static char *tpath(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

struct key {
	char type[64];
	char b64[1024];
	unsigned char blob[1024];
	size_t len;
};

/* ssh-keygen -t type into tmpdir/name; fills k from name.pub. */
static void gen_key(const char *type, const char *name, struct key *k)
{
	char *path = tpath(name);
	char *cmd = xasprintf("ssh-keygen -q -t %s -N '' -C test -f '%s' </dev/null", type, path);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	free(cmd);
	char *pub = xasprintf("%s.pub", path);
	FILE *f = fopen(pub, "r");
	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%63s %1023s", k->type, k->b64), 2);
	fclose(f);
	long n = digest_b64_decode(k->b64, strlen(k->b64), k->blob, sizeof k->blob);
	cr_assert_gt(n, 0);
	k->len = (size_t)n;
	free(pub);
	free(path);
}

static char *write_file(const char *name, const char *text, mode_t mode)
{
	char *path = tpath(name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(path, mode), 0);
	return path;
}

static enum sshc_khstatus check(const char *path, const char *host, int port, const struct key *k,
				struct mlc_err *e)
{
	return sshc_known_hosts_check(path, host, port, k->type, k->blob, k->len, e);
}

static size_t count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	size_t n = 0;
	int c;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	struct buf b;
	buf_init(&b);
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_append(&b, tmp, n);
	fclose(f);
	buf_append(&b, "", 0);
	return b.data ? buf_steal(&b) : xstrdup("");
}

Test(sshc_kh, fingerprint_matches_ssh_keygen, .init = mk_tmp, .fini = rm_tmp)
{
	static const char *const types[] = {"ed25519", "ecdsa", "rsa"};
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		struct key k;
		char name[32];
		snprintf(name, sizeof name, "k_%s", types[i]);
		gen_key(types[i], name, &k);
		char *pub = tpath(name);
		char *cmd = xasprintf("ssh-keygen -l -E sha256 -f '%s.pub'", pub);
		FILE *p = popen(cmd, "r");
		cr_assert_not_null(p);
		char bits[16], want[128];
		cr_assert_eq(fscanf(p, "%15s %127s", bits, want), 2);
		cr_assert_eq(pclose(p), 0);
		char got[128];
		sshc_fingerprint_sha256(k.blob, k.len, got, sizeof got);
		cr_assert_str_eq(got, want, "%s", types[i]);
		cr_assert(str_starts(got, "SHA256:") && !strchr(got, '='));
		char kt[64];
		cr_assert_eq(sshc_key_blob_type(k.blob, k.len, kt, sizeof kt), 0);
		cr_assert_str_eq(kt, k.type);
		free(cmd);
		free(pub);
	}
	char kt[64];
	cr_assert_eq(sshc_key_blob_type((const unsigned char *)"\0\0\0\x20ab", 6, kt, sizeof kt),
		     -1);
	cr_assert_str_eq(kt, "");
}

Test(sshc_kh, table_cases, .init = mk_tmp, .fini = rm_tmp)
{
	struct key ed, ed2, ec;
	gen_key("ed25519", "ed", &ed);
	gen_key("ed25519", "ed2", &ed2);
	gen_key("ecdsa", "ec", &ec);
	struct mlc_err e;
	char text[16384];

	/* same key → MATCH; another Ed25519 key → CHANGED (line number in msg) */
	snprintf(text, sizeof text, "# comment\n\n[127.0.0.1]:2222 %s %s\n", ed.type, ed.b64);
	char *p = write_file("kh1", text, 0600);
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed, &e), SSHC_KH_MATCH);
	mlc_err_clear(&e);
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed2, &e), SSHC_KH_CHANGED);
	cr_assert_eq(e.code, MLC_ERR_HOSTKEY_CHANGED);
	cr_assert(strstr(e.msg, "kh1:3"), "%s", e.msg);
	/* [host]:port is not host:22, and the reverse */
	cr_assert_eq(check(p, "127.0.0.1", 22, &ed, &e), SSHC_KH_NOTFOUND);
	cr_assert_eq(check(p, "127.0.0.2", 2222, &ed, &e), SSHC_KH_NOTFOUND);
	free(p);
	snprintf(text, sizeof text, "127.0.0.1 %s %s\n", ed.type, ed.b64);
	p = write_file("kh1b", text, 0600);
	cr_assert_eq(check(p, "127.0.0.1", 22, &ed, &e), SSHC_KH_MATCH);
	cr_assert_eq(check(p, "127.0.0.1", 0, &ed, &e), SSHC_KH_MATCH);
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed, &e), SSHC_KH_NOTFOUND);
	free(p);

	/* only an ECDSA key stored, server shows Ed25519 → CHANGED (libssh2: NOTFOUND) */
	snprintf(text, sizeof text, "[127.0.0.1]:2222 %s %s\n", ec.type, ec.b64);
	p = write_file("kh2", text, 0600);
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed, &e), SSHC_KH_CHANGED);
	cr_assert(strstr(e.msg, "ecdsa-sha2-nistp256"), "%s", e.msg);
	char types[256];
	sshc_known_hosts_types(p, "127.0.0.1", 2222, types, sizeof types);
	cr_assert_str_eq(types, "ecdsa-sha2-nistp256");
	free(p);

	/* @revoked with the offered key wins even over a plain matching line */
	snprintf(text, sizeof text, "[127.0.0.1]:2222 %s %s\n@revoked * %s %s\n", ed.type, ed.b64,
		 ed.type, ed.b64);
	p = write_file("kh3", text, 0600);
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed, &e), SSHC_KH_REVOKED);
	cr_assert(strstr(e.msg, "kh3:2"), "%s", e.msg);
	/* ... and a revoked other key does not matter */
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed2, &e), SSHC_KH_CHANGED);
	free(p);

	/* @cert-authority is ignored: neither a match nor a stored key */
	snprintf(text, sizeof text, "@cert-authority * %s %s\n", ed.type, ed.b64);
	p = write_file("kh4", text, 0600);
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed, &e), SSHC_KH_NOTFOUND);
	sshc_known_hosts_types(p, "127.0.0.1", 2222, types, sizeof types);
	cr_assert_str_eq(types, "");
	free(p);
	snprintf(text, sizeof text, "@cert-authority * %s %s\n[127.0.0.1]:2222 %s %s\n", ed2.type,
		 ed2.b64, ed.type, ed.b64);
	p = write_file("kh4b", text, 0600);
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed, &e), SSHC_KH_MATCH);
	free(p);

	/* comma list, patterns, negation, case, CRLF, several types in order */
	snprintf(text, sizeof text,
		 "web1,[127.0.0.1]:2222,Other.Example %s %s comment here\r\n"
		 "*.example.com,!bad.example.com %s %s\n"
		 "[127.0.0.1]:2222 %s %s\n"
		 "[127.0.0.1]:2222 %s %s\n",
		 ed.type, ed.b64, ed.type, ed.b64, ec.type, ec.b64, ed.type, ed.b64);
	p = write_file("kh5", text, 0600);
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed, &e), SSHC_KH_MATCH);
	cr_assert_eq(check(p, "web1", 22, &ed, &e), SSHC_KH_MATCH);
	cr_assert_eq(check(p, "other.example", 22, &ed, &e), SSHC_KH_MATCH);
	cr_assert_eq(check(p, "good.example.com", 22, &ed, &e), SSHC_KH_MATCH);
	cr_assert_eq(check(p, "bad.example.com", 22, &ed, &e), SSHC_KH_NOTFOUND);
	cr_assert_eq(check(p, "web2", 22, &ed, &e), SSHC_KH_NOTFOUND);
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ec, &e), SSHC_KH_MATCH);
	sshc_known_hosts_types(p, "127.0.0.1", 2222, types, sizeof types);
	cr_assert_str_eq(types, "ssh-ed25519,ecdsa-sha2-nistp256");
	sshc_known_hosts_types(p, "127.0.0.1", 2222, types, 16); /* no room: whole items only */
	cr_assert_str_eq(types, "ssh-ed25519");
	free(p);

	/* missing file: nothing known, no error */
	p = tpath("nonexistent");
	mlc_err_clear(&e);
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed, &e), SSHC_KH_NOTFOUND);
	cr_assert_eq(e.code, MLC_OK);
	free(p);
}

Test(sshc_kh, hashed_entries, .init = mk_tmp, .fini = rm_tmp)
{
	struct key ed, ed2;
	gen_key("ed25519", "ed", &ed);
	gen_key("ed25519", "ed2", &ed2);
	char text[16384];
	snprintf(text, sizeof text, "[127.0.0.1]:2222 %s %s\nbuild.example %s %s\n", ed.type,
		 ed.b64, ed2.type, ed2.b64);
	char *p = write_file("kh", text, 0600);
	char *cmd = xasprintf("ssh-keygen -q -H -f '%s' >/dev/null 2>&1", p);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	char *body = slurp(p);
	cr_assert(str_starts(body, "|1|"), "%s", body);
	cr_assert_null(strstr(body, "127.0.0.1"));
	free(body);

	struct mlc_err e;
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed, &e), SSHC_KH_MATCH);
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed2, &e), SSHC_KH_CHANGED);
	cr_assert_eq(check(p, "127.0.0.1", 22, &ed, &e), SSHC_KH_NOTFOUND);
	cr_assert_eq(check(p, "BUILD.example", 22, &ed2, &e), SSHC_KH_MATCH);
	char types[64];
	sshc_known_hosts_types(p, "127.0.0.1", 2222, types, sizeof types);
	cr_assert_str_eq(types, "ssh-ed25519");
	free(p);
}

Test(sshc_kh, unsafe_file_refused, .init = mk_tmp, .fini = rm_tmp)
{
	struct key ed;
	gen_key("ed25519", "ed", &ed);
	char text[16384];
	snprintf(text, sizeof text, "[127.0.0.1]:2222 %s %s\n", ed.type, ed.b64);
	struct mlc_err e;
	static const mode_t bad[] = {0620, 0602, 0666};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *p = write_file("kh", text, bad[i]);
		mlc_err_clear(&e);
		cr_assert_eq(check(p, "127.0.0.1", 2222, &ed, &e), SSHC_KH_ERROR);
		cr_assert_eq(e.code, MLC_ERR_CONFIG);
		cr_assert(strstr(e.msg, "writable"), "%s", e.msg);
		char types[64];
		sshc_known_hosts_types(p, "127.0.0.1", 2222, types, sizeof types);
		cr_assert_str_eq(types, "");
		/* nor extended */
		cr_assert_lt(
		    sshc_known_hosts_add(p, "127.0.0.1", 2223, ed.type, ed.blob, ed.len, &e), 0);
		cr_assert_eq(count_lines(p), 1);
		free(p);
	}
	char *p = write_file("kh", text, 0644); /* readable by all is fine, as for ssh */
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed, &e), SSHC_KH_MATCH);
	free(p);
	p = tpath("dir");
	cr_assert_eq(mkdir(p, 0700), 0);
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed, &e), SSHC_KH_ERROR);
	free(p);
}

Test(sshc_kh, add_keeps_mode_one_line, .init = mk_tmp, .fini = rm_tmp)
{
	struct key ed, ec;
	gen_key("ed25519", "ed", &ed);
	gen_key("ecdsa", "ec", &ec);
	struct mlc_err e;
	char text[16384];
	snprintf(text, sizeof text, "web1 %s %s\n", ec.type, ec.b64);
	char *p = write_file("kh", text, 0640);
	cr_assert_eq(sshc_known_hosts_add(p, "127.0.0.1", 2222, ed.type, ed.blob, ed.len, &e), 0);
	struct stat st;
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640);
	cr_assert_eq(count_lines(p), 2);
	char *body = slurp(p);
	char want[20000];
	snprintf(want, sizeof want, "%s[127.0.0.1]:2222 ssh-ed25519 %s\n", text, ed.b64);
	cr_assert_str_eq(body, want);
	free(body);
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed, &e), SSHC_KH_MATCH);
	/* ssh-keygen agrees with what we wrote */
	char *cmd = xasprintf("ssh-keygen -F '[127.0.0.1]:2222' -f '%s' | grep -q ssh-ed25519", p);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	free(p);

	/* port 22: plain host name */
	p = write_file("kh22", "", 0600);
	cr_assert_eq(sshc_known_hosts_add(p, "Example.COM", 22, ed.type, ed.blob, ed.len, &e), 0);
	body = slurp(p);
	cr_assert(str_starts(body, "example.com ssh-ed25519 "), "%s", body);
	free(body);
	free(p);

	/* no trailing newline: ours still becomes a line of its own */
	snprintf(text, sizeof text, "web1 %s %s", ec.type, ec.b64);
	p = write_file("knl", text, 0600);
	cr_assert_eq(sshc_known_hosts_add(p, "127.0.0.1", 2222, ed.type, ed.blob, ed.len, &e), 0);
	cr_assert_eq(count_lines(p), 2);
	cr_assert_eq(check(p, "web1", 22, &ec, &e), SSHC_KH_MATCH);
	cr_assert_eq(check(p, "127.0.0.1", 2222, &ed, &e), SSHC_KH_MATCH);
	free(p);

	/* missing file (and folder): created 0600 whatever the umask */
	mode_t old = umask(0);
	p = tpath("sub/known_hosts");
	cr_assert_eq(sshc_known_hosts_add(p, "127.0.0.1", 2222, ed.type, ed.blob, ed.len, &e), 0);
	umask(old);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(count_lines(p), 1);
	free(p);

	/* host names that would inject patterns or lines are refused */
	p = tpath("kh22");
	static const char *const evil[] = {"a b", "a,b", "*", "a\nb", "[a]:1", "", "|1|x", "!a"};
	for (size_t i = 0; i < ARRAY_LEN(evil); i++)
		cr_assert_lt(sshc_known_hosts_add(p, evil[i], 22, ed.type, ed.blob, ed.len, &e), 0,
			     "%s", evil[i]);
	cr_assert_lt(sshc_known_hosts_add(p, "ok", 22, "ssh ed25519", ed.blob, ed.len, &e), 0);
	cr_assert_eq(count_lines(p), 1);
	free(p);
}

static char *quoted(const char *arg, int *rc)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "echo ");
	*rc = sshc_quote_arg(&b, arg);
	return buf_steal(&b);
}

Test(sshc_kh, quote_arg)
{
	int rc;
	char *q = quoted("it's", &rc);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(q, "echo 'it'\\''s'");
	free(q);
	q = quoted("wow!", &rc);
	cr_assert_str_eq(q, "echo 'wow'\\!''");
	free(q);
	q = quoted("", &rc);
	cr_assert_str_eq(q, "echo ''");
	free(q);
	q = quoted("$(rm -rf /) `x` \"y\" ;|&<>*?~", &rc);
	cr_assert_str_eq(q, "echo '$(rm -rf /) `x` \"y\" ;|&<>*?~'");
	free(q);
	static const char *const bad[] = {"a\nb", "a\rb", "\n"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		q = quoted(bad[i], &rc);
		cr_assert_eq(rc, -1);
		cr_assert_str_eq(q, "echo ", "command left alone");
		free(q);
	}
	struct buf b;
	buf_init(&b);
	cr_assert_eq(sshc_quote_argn(&b, "a\0b", 3), -1);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(sshc_quote_argn(&b, "ab", 2), 0);
	cr_assert_str_eq(b.data, "'ab'");
	buf_free(&b);

	/* A real shell reads each quoted argument back unchanged. */
	static const char *const args[] = {"it's", "a!b", "  spaced  ", "$HOME", "'", "!!", "\\"};
	for (size_t i = 0; i < ARRAY_LEN(args); i++) {
		struct buf c;
		buf_init(&c);
		buf_puts(&c, "printf %s ");
		cr_assert_eq(sshc_quote_arg(&c, args[i]), 0);
		FILE *p = popen(c.data, "r");
		char out[64] = "";
		size_t n = fread(out, 1, sizeof out - 1, p);
		out[n] = '\0';
		pclose(p);
		cr_assert_str_eq(out, args[i], "%s", c.data);
		buf_free(&c);
	}
}
