/* tests/fuzz/fuzz_ws.c — lib/core/ws's upgrade check and frame parser on
 * arbitrary bytes, and lib/ray/ray_logtail fed the messages as the Ray
 * panel feeds a followed log. The first byte picks the read size, so that
 * frames arrive cut anywhere. Oracles: the parser never consumes more than
 * it was given, never hands out a message over its cap, and a frame it
 * waits on is not consumed; the tail never keeps more lines than its max. */
#include <string.h>

#include "fuzz.h"
#include "lib/core/ws.h"
#include "lib/ray/ray_logtail.h"

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = (size_t)data[0] % 64 + 1;
	data++;
	size--;
	struct mlc_err e;
	long hl = ws_handshake_check((const char *)data, size, KEY, "/p", true, &e);
	FUZZ_CHECK(hl <= (long)size, "the header block lies inside the answer");
	struct ws_parser ps;
	struct ray_logtail t;
	ws_parser_init(&ps, 4096);
	ray_logtail_init(&t, 50);
	size_t off = 0, have = 0;
	while (off < size) {
		have = have + step > size - off ? size - off : have + step;
		struct ws_event ev;
		size_t used;
		if (ws_parse(&ps, data + off, have, &used, &ev, &e) < 0)
			break;
		FUZZ_CHECK(used <= have, "consumes what it was given");
		if (!used) {
			if (have == size - off)
				break; /* truncated at the end */
			continue;
		}
		if (ev.ev == WS_EV_MESSAGE) {
			FUZZ_CHECK(ev.len <= 4096, "a message within the cap");
			ray_logtail_append(&t, ev.data, ev.len);
			FUZZ_CHECK(t.n <= 50, "the tail keeps its max");
		}
		if (ev.ev == WS_EV_PING || ev.ev == WS_EV_CLOSE)
			FUZZ_CHECK(ev.len <= 125, "a control payload within 125 bytes");
		off += used;
		have = 0;
	}
	ws_parser_free(&ps);
	ray_logtail_free(&t);
	return 0;
}
