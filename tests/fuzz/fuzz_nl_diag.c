/* libFuzzer target: nl_diag_parse, the reader of NETLINK_SOCK_DIAG replies, fed the raw bytes
 * as one datagram from the kernel. The records go into a real tally, so the counting code
 * sees whatever the parser lets through. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nl_diag.h"
#include "tally.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_fn(const struct sock_rec *r, void *ctx)
{
	if (r && r->family != 4 && r->family != 6) {
		abort();
	}
	if (r && r->state >= EPH_NSTATES) {
		abort();
	}
	return tally_sock_fn(r, ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct portpool pool;
	static struct tally t;
	struct eph_err err = { "" };
	int nl_errno = 0, rc;
	/* A private, aligned copy: the kernel's buffer is aligned, and ASan then sees any read
	 * past the end. */
	void *buf = malloc(size ? size : 1);

	if (!buf) {
		return 0;
	}
	memcpy(buf, data, size);
	pool_set_range(&pool, 32768, 60999);
	for (int p = 0; p < EPH_NPROTO; p++) {
		tally_init(&t, (enum eph_proto)p, &pool);
		rc = nl_diag_parse(buf, size, 1, (enum eph_proto)p, check_fn, &t, &nl_errno, &err);
		if (rc == NL_PARSE_ERR && err.msg[0] == '\0') {
			abort();
		}
		if (rc != NL_PARSE_ERR && rc != NL_PARSE_MORE && rc != NL_PARSE_DONE &&
		    rc != NL_PARSE_INTR) {
			abort();
		}
		if (t.used_count > pool_size(&pool)) {
			abort();
		}
		tally_free(&t);
		err.msg[0] = '\0';
	}
	free(buf);
	return 0;
}
