/* lib/core/digest.h — SHA-1, SHA-256, MD5, HMAC and base64 as thin
 * wrappers over OpenSSL's libcrypto (EVP digests, HMAC(), EVP_EncodeBlock):
 * libssh2, libpq and libcurl load it already, and it is several times
 * faster than hand-written code. What known_hosts hashing, OpenSSH
 * fingerprints and S3 need. No I/O; the incremental contexts own an
 * EVP_MD_CTX from init to final (abort on exhaustion, as xmalloc). */
#ifndef MLC_DIGEST_H
#define MLC_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DIGEST_SHA1_LEN	  20
#define DIGEST_SHA256_LEN 32

/* Incremental contexts: init, update any number of times, final once. */
struct digest_sha1 {
	void *ctx; /* EVP_MD_CTX, freed by final */
};
void digest_sha1_init(struct digest_sha1 *c);
void digest_sha1_update(struct digest_sha1 *c, const void *p, size_t n);
void digest_sha1_final(struct digest_sha1 *c, unsigned char out[DIGEST_SHA1_LEN]);

struct digest_sha256 {
	void *ctx; /* EVP_MD_CTX, freed by final */
};
void digest_sha256_init(struct digest_sha256 *c);
void digest_sha256_update(struct digest_sha256 *c, const void *p, size_t n);
void digest_sha256_final(struct digest_sha256 *c, unsigned char out[DIGEST_SHA256_LEN]);

/* MD5 (RFC 1321): only for the Content-MD5 header S3 asks of some requests
 * (DeleteObjects); never for anything that needs collision resistance. */
#define DIGEST_MD5_LEN 16
void digest_md5(const void *p, size_t n, unsigned char out[DIGEST_MD5_LEN]);

/* One-shot forms. */
void digest_sha1(const void *p, size_t n, unsigned char out[DIGEST_SHA1_LEN]);
void digest_sha256(const void *p, size_t n, unsigned char out[DIGEST_SHA256_LEN]);
/* HMAC-SHA1 and HMAC-SHA256 (RFC 2104) of msg under key; any key length. */
void digest_hmac_sha1(const void *key, size_t keylen, const void *msg, size_t n,
		      unsigned char out[DIGEST_SHA1_LEN]);
void digest_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
			unsigned char out[DIGEST_SHA256_LEN]);

/* Standard base64 (RFC 4648, "+/"). Encodes n bytes into out, with "="
 * padding when pad is true; always NUL-terminates when outsz > 0. Returns the
 * length the full encoding needs (without NUL): a result >= outsz means out
 * was too small and holds nothing useful. */
size_t digest_b64_encode(const void *p, size_t n, bool pad, char *out, size_t outsz);
/* Decodes len characters of s (padding optional; no whitespace or other
 * characters allowed) into out. Returns the byte count, or -1 when s is not
 * base64 or out (outsz bytes) is too small. */
long digest_b64_decode(const char *s, size_t len, unsigned char *out, size_t outsz);

#endif
