/* libFuzzer target: procnet_parse, the /proc/net/{tcp,udp}{,6} reader, fed the input as the
 * file through fmemopen. The first byte picks the protocol and family. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procnet.h"
#include "tally.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_fn(const struct sock_rec *r, void *ctx)
{
	if (r && (r->lport < 40000 || r->lport > 40099)) {
		abort();
	}
	return tally_sock_fn(r, ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct portpool pool;
	static struct tally t;
	struct eph_err err = { "" };
	enum eph_proto proto;
	int family;
	FILE *f;

	if (size < 2) {
		return 0;
	}
	proto = (data[0] & 1) ? EPH_UDP : EPH_TCP;
	family = (data[0] & 2) ? 6 : 4;
	f = fmemopen((void *)(data + 1), size - 1, "r");
	if (!f) {
		return 0;
	}
	pool_set_range(&pool, 40000, 40099);
	tally_init(&t, proto, &pool);
	if (procnet_parse(f, proto, family, 40000, 40099, check_fn, &t, &err) < 0 &&
	    err.msg[0] == '\0') {
		abort();
	}
	fclose(f);
	tally_free(&t);
	return 0;
}
