/* lib/core/digest.c — see digest.h. Every primitive is OpenSSL's; what is
 * left here is the contract of the old interface: one-shot and incremental
 * digests that cannot fail short of memory exhaustion, and base64 that
 * refuses anything but the RFC 4648 alphabet. */
#include "lib/core/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libcrypto fails only on exhaustion here: abort as xmalloc does. */
static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "mlconsole: %s failed (out of memory?)\n", what);
		abort();
	}
}

static void *md_init(const EVP_MD *md)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	must(c != NULL, "EVP_MD_CTX_new");
	must(EVP_DigestInit_ex(c, md, NULL), "EVP_DigestInit_ex");
	return c;
}

static void md_final(void *ctx, unsigned char *out)
{
	must(EVP_DigestFinal_ex(ctx, out, NULL), "EVP_DigestFinal_ex");
	EVP_MD_CTX_free(ctx);
}

void digest_sha1_init(struct digest_sha1 *c)
{
	c->ctx = md_init(EVP_sha1());
}

void digest_sha1_update(struct digest_sha1 *c, const void *p, size_t n)
{
	must(EVP_DigestUpdate(c->ctx, p, n), "EVP_DigestUpdate");
}

void digest_sha1_final(struct digest_sha1 *c, unsigned char out[DIGEST_SHA1_LEN])
{
	md_final(c->ctx, out);
	c->ctx = NULL;
}

void digest_sha256_init(struct digest_sha256 *c)
{
	c->ctx = md_init(EVP_sha256());
}

void digest_sha256_update(struct digest_sha256 *c, const void *p, size_t n)
{
	must(EVP_DigestUpdate(c->ctx, p, n), "EVP_DigestUpdate");
}

void digest_sha256_final(struct digest_sha256 *c, unsigned char out[DIGEST_SHA256_LEN])
{
	md_final(c->ctx, out);
	c->ctx = NULL;
}

static void one_shot(const EVP_MD *md, const void *p, size_t n, unsigned char *out)
{
	must(EVP_Digest(p, n, out, NULL, md, NULL), "EVP_Digest");
}

void digest_md5(const void *p, size_t n, unsigned char out[DIGEST_MD5_LEN])
{
	one_shot(EVP_md5(), p, n, out);
}

void digest_sha1(const void *p, size_t n, unsigned char out[DIGEST_SHA1_LEN])
{
	one_shot(EVP_sha1(), p, n, out);
}

void digest_sha256(const void *p, size_t n, unsigned char out[DIGEST_SHA256_LEN])
{
	one_shot(EVP_sha256(), p, n, out);
}

static void hmac(const EVP_MD *md, const void *key, size_t keylen, const void *msg, size_t n,
		 unsigned char *out)
{
	static const unsigned char none;
	/* HMAC() takes an int key length; longer keys are hashed first anyway */
	unsigned char kd[EVP_MAX_MD_SIZE];
	unsigned int kl;
	if (keylen > (size_t)EVP_MD_get_block_size(md)) {
		must(EVP_Digest(key, keylen, kd, &kl, md, NULL), "EVP_Digest");
		key = kd;
		keylen = kl;
	}
	must(HMAC(md, keylen ? key : &none, (int)keylen, n ? msg : &none, n, out, NULL) != NULL,
	     "HMAC");
}

void digest_hmac_sha1(const void *key, size_t keylen, const void *msg, size_t n,
		      unsigned char out[DIGEST_SHA1_LEN])
{
	hmac(EVP_sha1(), key, keylen, msg, n, out);
}

void digest_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
			unsigned char out[DIGEST_SHA256_LEN])
{
	hmac(EVP_sha256(), key, keylen, msg, n, out);
}

size_t digest_b64_encode(const void *p, size_t n, bool pad, char *out, size_t outsz)
{
	size_t full = 4 * ((n + 2) / 3);
	size_t need = full;
	if (!pad)
		need -= n % 3 == 1 ? 2 : n % 3 == 2 ? 1 : 0;
	if (outsz)
		out[0] = '\0';
	if (need >= outsz || n > (size_t)0x3fffffff)
		return need;
	/* EVP_EncodeBlock writes full + 1 bytes: encode whole groups straight
	 * into out, the tail through a small buffer */
	size_t whole = n / 3 * 3;
	if (whole)
		EVP_EncodeBlock((unsigned char *)out, p, (int)whole);
	if (n > whole) {
		unsigned char tail[8];
		EVP_EncodeBlock(tail, (const unsigned char *)p + whole, (int)(n - whole));
		memcpy(out + whole / 3 * 4, tail, need - whole / 3 * 4);
	}
	out[need] = '\0';
	return need;
}

/* The value of a base64 character, or -1. */
static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

long digest_b64_decode(const char *s, size_t len, unsigned char *out, size_t outsz)
{
	/* the alphabet only, then at most two '=' at the end (EVP_DecodeBlock
	 * would skip blanks and accept more) */
	size_t body = len;
	while (body > 0 && s[body - 1] == '=' && len - body < 2)
		body--;
	if (body % 4 == 1 || (len != body && len % 4 != 0))
		return -1;
	for (size_t i = 0; i < body; i++)
		if (b64_val((unsigned char)s[i]) < 0)
			return -1;
	/* canonical only: the bits after the last byte are zero ("Zg==", not "Zh==") */
	if (body % 4 == 2 && (b64_val((unsigned char)s[body - 1]) & 0x0f))
		return -1;
	if (body % 4 == 3 && (b64_val((unsigned char)s[body - 1]) & 0x03))
		return -1;
	size_t bytes = body / 4 * 3 + (body % 4 ? body % 4 - 1 : 0);
	if (bytes > outsz || body > (size_t)0x3ffffff0)
		return -1;
	size_t padded = (body + 3) / 4 * 4;
	char *in = malloc(padded + 1);
	unsigned char *tmp = malloc(padded / 4 * 3 + 1);
	must(in && tmp, "malloc");
	memcpy(in, s, body);
	memset(in + body, '=', padded - body);
	int r = padded ? EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)padded) : 0;
	if (r >= 0)
		memcpy(out, tmp, bytes);
	free(in);
	free(tmp);
	return r < 0 ? -1 : (long)bytes;
}
