/* libFuzzer target: the netsh output parsers of the Windows build (lib/winparse.c), which run
 * on both targets. The first byte picks `show dynamicport` or `show excludedportrange`; the
 * rest is netsh's output, passed without a terminating NUL as the parsers allow. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct portpool pool, before;
	struct eph_err err = { "" };
	uint16_t lo = 0, hi = 0;
	size_t ranges = 0, len;
	char *text;

	if (size < 1) {
		return 0;
	}
	len = size - 1;
	/* An exact-size copy: ASan sees any read past the end. */
	text = malloc(len ? len : 1);
	if (!text) {
		return 0;
	}
	memcpy(text, data + 1, len);
	if (data[0] & 1) {
		pool_set_range(&pool, 49152, 65535);
		before = pool;
		if (winparse_excluded(text, len, &pool, &ranges, &err) < 0) {
			/* A refused table leaves the pool as it was. */
			if (err.msg[0] == '\0' || memcmp(&pool, &before, sizeof(pool)) != 0) {
				abort();
			}
		} else if (pool_size(&pool) + pool_reserved_in_range(&pool) !=
			   pool_range_size(&pool)) {
			abort();
		}
	} else if (winparse_dynamicport(text, len, &lo, &hi, &err) == 0) {
		if (lo < 1 || lo > hi) {
			abort();
		}
	} else if (err.msg[0] == '\0') {
		abort();
	}
	free(text);
	return 0;
}
