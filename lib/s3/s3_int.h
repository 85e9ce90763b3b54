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

#endif
