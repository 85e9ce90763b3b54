/* lib/core/digest.c — SHA-1 (FIPS 180-4), SHA-256, HMAC-SHA1 (RFC 2104) and
 * base64 (RFC 4648) for known_hosts and fingerprints (see digest.h).
 * Straightforward, portable, not constant-time: nothing secret passes here. */
#include "lib/core/digest.h"

#include <string.h>

static uint32_t rol32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}
static uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t load_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void store_be64(unsigned char *p, uint64_t v)
{
	store_be32(p, (uint32_t)(v >> 32));
	store_be32(p + 4, (uint32_t)v);
}

/* ---- SHA-1 ---- */

static void sha1_block(uint32_t h[5], const unsigned char *blk)
{
	uint32_t w[80];
	for (int i = 0; i < 16; i++)
		w[i] = load_be32(blk + 4 * i);
	for (int i = 16; i < 80; i++)
		w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		uint32_t t = rol32(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol32(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void digest_sha1_init(struct digest_sha1 *c)
{
	static const uint32_t iv[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
	memcpy(c->h, iv, sizeof iv);
	c->total = 0;
	c->used = 0;
}

/* Shared block buffering for both hashes: feeds whole 64-byte blocks to fn. */
static void md_update(uint32_t *h, unsigned char *block, size_t *used, uint64_t *total,
		      void (*fn)(uint32_t *, const unsigned char *), const void *p, size_t n)
{
	const unsigned char *s = p;
	*total += n;
	if (*used) {
		size_t take = 64 - *used < n ? 64 - *used : n;
		memcpy(block + *used, s, take);
		*used += take;
		s += take;
		n -= take;
		if (*used < 64)
			return;
		fn(h, block);
		*used = 0;
	}
	while (n >= 64) {
		fn(h, s);
		s += 64;
		n -= 64;
	}
	if (n) {
		memcpy(block, s, n);
		*used = n;
	}
}

static void md_final(uint32_t *h, unsigned char *block, size_t used, uint64_t total,
		     void (*fn)(uint32_t *, const unsigned char *))
{
	block[used++] = 0x80;
	if (used > 56) {
		memset(block + used, 0, 64 - used);
		fn(h, block);
		used = 0;
	}
	memset(block + used, 0, 56 - used);
	store_be64(block + 56, total * 8);
	fn(h, block);
}

void digest_sha1_update(struct digest_sha1 *c, const void *p, size_t n)
{
	md_update(c->h, c->block, &c->used, &c->total, sha1_block, p, n);
}

void digest_sha1_final(struct digest_sha1 *c, unsigned char out[DIGEST_SHA1_LEN])
{
	md_final(c->h, c->block, c->used, c->total, sha1_block);
	for (int i = 0; i < 5; i++)
		store_be32(out + 4 * i, c->h[i]);
	memset(c, 0, sizeof *c);
}

void digest_sha1(const void *p, size_t n, unsigned char out[DIGEST_SHA1_LEN])
{
	struct digest_sha1 c;
	digest_sha1_init(&c);
	digest_sha1_update(&c, p, n);
	digest_sha1_final(&c, out);
}

/* ---- SHA-256 ---- */

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static void sha256_block(uint32_t h[8], const unsigned char *blk)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = load_be32(blk + 4 * i);
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t s1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = hh + s1 + ch + sha256_k[i] + w[i];
		uint32_t s0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
		uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = s0 + maj;
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += hh;
}

void digest_sha256_init(struct digest_sha256 *c)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, iv, sizeof iv);
	c->total = 0;
	c->used = 0;
}

void digest_sha256_update(struct digest_sha256 *c, const void *p, size_t n)
{
	md_update(c->h, c->block, &c->used, &c->total, sha256_block, p, n);
}

void digest_sha256_final(struct digest_sha256 *c, unsigned char out[DIGEST_SHA256_LEN])
{
	md_final(c->h, c->block, c->used, c->total, sha256_block);
	for (int i = 0; i < 8; i++)
		store_be32(out + 4 * i, c->h[i]);
	memset(c, 0, sizeof *c);
}

void digest_sha256(const void *p, size_t n, unsigned char out[DIGEST_SHA256_LEN])
{
	struct digest_sha256 c;
	digest_sha256_init(&c);
	digest_sha256_update(&c, p, n);
	digest_sha256_final(&c, out);
}

/* ---- HMAC-SHA1 ---- */

void digest_hmac_sha1(const void *key, size_t keylen, const void *msg, size_t n,
		      unsigned char out[DIGEST_SHA1_LEN])
{
	unsigned char k[64] = {0}, pad[64], inner[DIGEST_SHA1_LEN];
	if (keylen > sizeof k)
		digest_sha1(key, keylen, k);
	else if (keylen)
		memcpy(k, key, keylen);

	struct digest_sha1 c;
	for (size_t i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	digest_sha1_init(&c);
	digest_sha1_update(&c, pad, sizeof pad);
	digest_sha1_update(&c, msg, n);
	digest_sha1_final(&c, inner);

	for (size_t i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	digest_sha1_init(&c);
	digest_sha1_update(&c, pad, sizeof pad);
	digest_sha1_update(&c, inner, sizeof inner);
	digest_sha1_final(&c, out);
}

/* ---- base64 ---- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t digest_b64_encode(const void *p, size_t n, bool pad, char *out, size_t outsz)
{
	const unsigned char *s = p;
	size_t need = pad ? (n + 2) / 3 * 4 : n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
	if (outsz == 0)
		return need;
	if (need >= outsz) {
		out[0] = '\0';
		return need;
	}
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)s[i] << 16;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long digest_b64_decode(const char *s, size_t len, unsigned char *out, size_t outsz)
{
	/* Up to two '=' at the very end, and only where a group is incomplete. */
	size_t npad = 0;
	while (len > 0 && s[len - 1] == '=' && npad < 2) {
		len--;
		npad++;
	}
	if (npad && (len + npad) % 4 != 0)
		return -1;
	if (len % 4 == 1)
		return -1;
	size_t need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	if (need > outsz)
		return -1;
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value((unsigned char)s[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Leftover bits of the last, partial group must be zero (canonical). */
	if (bits && acc != 0)
		return -1;
	return (long)o;
}

/* ---- MD5 (RFC 1321) ------------------------------------------------------- */

static uint32_t md5_rol(uint32_t x, int c)
{
	return (x << c) | (x >> (32 - c));
}

static void md5_block(uint32_t h[4], const unsigned char *b)
{
	static const uint32_t k[64] = {
	    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
	    0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
	    0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
	    0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	    0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
	    0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
	    0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
	    0xeb86d391};
	static const int r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
				  5, 9,	 14, 20, 5, 9,	14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
				  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
				  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
	uint32_t w[16];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
		       (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
	uint32_t a = h[0], bb = h[1], c = h[2], d = h[3];
	for (int i = 0; i < 64; i++) {
		uint32_t f;
		int g;
		if (i < 16) {
			f = (bb & c) | (~bb & d);
			g = i;
		} else if (i < 32) {
			f = (d & bb) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = bb ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (bb | ~d);
			g = (7 * i) % 16;
		}
		uint32_t t = d;
		d = c;
		c = bb;
		bb = bb + md5_rol(a + f + k[i] + w[g], r[i]);
		a = t;
	}
	h[0] += a;
	h[1] += bb;
	h[2] += c;
	h[3] += d;
}

void digest_md5(const void *p, size_t n, unsigned char out[DIGEST_MD5_LEN])
{
	uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
	const unsigned char *s = p;
	size_t i = 0;
	for (; i + 64 <= n; i += 64)
		md5_block(h, s + i);
	unsigned char tail[128] = {0};
	size_t rest = n - i;
	memcpy(tail, s + i, rest);
	tail[rest] = 0x80;
	size_t tl = rest + 1 + 8 <= 64 ? 64 : 128;
	uint64_t bits = (uint64_t)n * 8;
	for (int k = 0; k < 8; k++)
		tail[tl - 8 + k] = (unsigned char)(bits >> (8 * k));
	md5_block(h, tail);
	if (tl == 128)
		md5_block(h, tail + 64);
	for (int k = 0; k < 4; k++)
		for (int j = 0; j < 4; j++)
			out[4 * k + j] = (unsigned char)(h[k] >> (8 * j));
}
