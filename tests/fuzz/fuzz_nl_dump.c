/* libFuzzer target: the whole netlink dump loop (nl_diag_dump and nl_diag_dump_legacy) over a
 * transport that replays the input: a sequence of datagrams, each prefixed by a 2-byte
 * little-endian length, where a length of 0xFFFF means "recv fails" with the errno in the next
 * byte (EINTR, ENOBUFS, EPERM, ...). Covers restarts, errors mid-dump and the tally's reset
 * path. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nl_diag.h"
#include "tally.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct replay {
	const uint8_t *data;
	size_t size, pos;
	int opened;
};

static int r_open(void *tctx)
{
	struct replay *r = tctx;

	r->opened++;
	return 0;
}

static ssize_t r_send(void *tctx, const void *buf, size_t len)
{
	(void)tctx;
	(void)buf;
	return (ssize_t)len;
}

static ssize_t r_recv(void *tctx, void *buf, size_t len, int *truncated)
{
	static const int errs[] = { EINTR, ENOBUFS, EPERM, EINVAL, ENOENT, EAGAIN };
	struct replay *r = tctx;
	size_t n;

	*truncated = 0;
	if (r->size - r->pos < 2) {
		return 0;
	}
	n = (size_t)r->data[r->pos] | (size_t)r->data[r->pos + 1] << 8;
	r->pos += 2;
	if (n == 0xFFFF) {
		int e = r->pos < r->size ? errs[r->data[r->pos++] % 6] : EINTR;

		errno = e;
		return -1;
	}
	if (n > r->size - r->pos) {
		n = r->size - r->pos;
	}
	if (n > len) {
		*truncated = 1;
		n = len;
	}
	memcpy(buf, r->data + r->pos, n);
	r->pos += n;
	return (ssize_t)n;
}

static void r_close(void *tctx)
{
	(void)tctx;
}

static const struct nl_transport replay_transport = { r_open, r_send, r_recv, r_close };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct portpool pool;
	static struct tally t;
	struct replay r = { data, size, 0, 0 };
	struct sys_query q = { EPH_TCP, EPH_FAM_ALL, 32768, 60999 };
	struct eph_err err = { "" };
	unsigned restarts = 0;
	int rc;

	pool_set_range(&pool, 32768, 60999);
	/* The same replies to the per-family dumps and to the one-walk legacy dump. */
	for (int legacy = 0; legacy < 2; legacy++) {
		r.pos = 0;
		err.msg[0] = '\0';
		tally_init(&t, EPH_TCP, &pool);
		rc = legacy ? nl_diag_dump_legacy(&replay_transport, &r, &q, tally_sock_fn, &t,
						  &restarts, &err)
			    : nl_diag_dump(&replay_transport, &r, &q, tally_sock_fn, &t, &restarts,
					   &err);
		if (rc != NL_DUMP_OK && err.msg[0] == '\0') {
			abort();
		}
		if (restarts > NL_DIAG_MAX_RESTARTS) {
			abort();
		}
		tally_free(&t);
	}
	return 0;
}
