/* libFuzzer target: pool_parse_range (ip_local_port_range and --range) and
 * pool_parse_reserved (ip_local_reserved_ports). The first byte picks the range the reserved
 * list is applied to; the rest is the text for both parsers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portpool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct portpool pool, before;
	static const uint16_t ranges[4][2] = { { 32768, 60999 }, { 1, 65535 }, { 40000, 40099 },
					       { 65535, 65535 } };
	struct eph_err err = { "" };
	struct strbuf sb = { 0 };
	uint16_t lo = 0, hi = 0;
	char *text;

	if (size < 1) {
		return 0;
	}
	text = malloc(size);
	if (!text) {
		return 0;
	}
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';

	if (pool_parse_range(text, "fuzz", &lo, &hi, &err) == 0) {
		if (lo < 1 || lo > hi) {
			abort();
		}
	} else if (err.msg[0] == '\0') {
		abort();
	}

	pool_set_range(&pool, ranges[data[0] & 3][0], ranges[data[0] & 3][1]);
	if (data[0] & 4) {
		pool_reserve(&pool, 40010, 40019);
	}
	before = pool;
	err.msg[0] = '\0';
	if (pool_parse_reserved(&pool, text, "fuzz", &err) < 0) {
		/* A refused list leaves the pool as it was. */
		if (err.msg[0] == '\0' || memcmp(&pool, &before, sizeof(pool)) != 0) {
			abort();
		}
	}
	if (pool_size(&pool) + pool_reserved_in_range(&pool) != pool_range_size(&pool)) {
		abort();
	}
	pool_format_reserved(&pool, &sb, 200);
	if (sb.overflow) {
		abort();
	}
	sb_free(&sb);
	free(text);
	return 0;
}
