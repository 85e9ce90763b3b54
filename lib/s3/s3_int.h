/* lib/s3/s3_int.h — what the S3 parsers share and nobody else may see: the
 * mapping of the control bytes XML 1.0 forbids through the private use area
 * (s3_list.c), which the small parsers (s3_xml.c) and the DeleteObjects
 * body (s3.c) use too. Never included outside lib/s3. */
#ifndef MLC_S3_INT_H
#define MLC_S3_INT_H

#include <stdbool.h>
#include <stddef.h>

/* Whether c is a control byte XML 1.0 forbids (below 0x20 but TAB, LF, CR). */
bool s3_xml_illegal_ctl(unsigned char c);
/* A copy of chunk with each such byte as U+E000 + byte (outlen: its length). */
char *s3_ctl_to_pua(const char *chunk, size_t len, size_t *outlen);
/* The element path of a small document's walk (s3_xml.c, s3_mpu_xml.c):
 * push appends "/name" to path (n bytes) unless it does not fit or an
 * ancestor did not: then *untracked counts it and push returns false (the
 * caller's end handler decrements it instead of popping); pop removes the
 * last name when it is name. */
bool s3_xml_path_push(char *path, size_t n, unsigned *untracked, const char *name);
void s3_xml_path_pop(char *path, const char *name);
/* For the other listings (s3_mpu_xml.c): a key of an encoding-type=url
 * document decoded in place (%00 becomes S3_KEY_NUL: returns true), and
 * the mapped control bytes of s3_ctl_to_pua put back. */
bool s3_key_url_decode(char *s);
void s3_key_pua_to_ctl(char *s);

#endif
