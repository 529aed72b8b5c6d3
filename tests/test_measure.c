/* Unit tests of lib/measure.c against a fake socket source (measure_read_fn), so that no real
 * socket table (netlink, /proc, iphlpapi) is read. Each call of the fake plays the next
 * scripted read: some sockets, optionally a restart (r == NULL) part-way, or a failure.
 * Checked: one read fills the tally; a restart never counts a socket twice; a failed read is a
 * failure, never a partial tally; more destinations than the table holds cause exactly one
 * second read, whose failure fails the whole; the attribution is collected in the same pass
 * and reset with the tally; measure_attrib reads once for the owners alone. Portable. */
#include <stdlib.h>
#include <string.h>

#include "measure.h"
#include "tap.h"

#define MAX_READS 4

struct fake_read {
	size_t n;             /* sockets delivered */
	size_t restart_after; /* > 0: deliver this many, send NULL, then all n */
	unsigned restarts;    /* what the read reports in info->restarts */
	bool fail;            /* -1 with an error after the sockets */
	bool many_dests;      /* every socket toward a destination of its own */
};

static struct fake_read reads[MAX_READS];
static size_t n_reads, calls;

/* Socket i of a read: TCP ESTABLISHED from 10.0.0.1:(40000 + i % 100) to 10.0.1.1:80, or with
 * many_dests to 10.(i >> 16).(i >> 8).(i) port 443, one destination each. Every tenth socket
 * of the plain kind is IPv6. */
static struct sock_rec sock(size_t i, bool many_dests)
{
	struct sock_rec r;

	memset(&r, 0, sizeof(r));
	r.proto = EPH_TCP;
	r.family = (!many_dests && i % 10 == 9) ? 6 : 4;
	r.state = EPH_TCP_ESTABLISHED;
	r.lport = (uint16_t)(40000 + i % 100);
	r.laddr[0] = 10;
	r.laddr[3] = 1;
	r.raddr[0] = 10;
	if (many_dests) {
		r.raddr[1] = (uint8_t)(i >> 16);
		r.raddr[2] = (uint8_t)(i >> 8);
		r.raddr[3] = (uint8_t)i;
		r.rport = 443;
	} else {
		r.raddr[2] = 1;
		r.raddr[3] = 1;
		r.rport = 80;
	}
	r.uid = 1000;
	r.pid = EPH_OWNER_NONE;
	r.inode = 1000 + i;
	return r;
}

static int fake_read(const struct sys_query *q, sock_fn fn, void *ctx, struct sys_sock_info *info,
		     struct eph_err *err)
{
	const struct fake_read *f;
	struct sock_rec r;

	(void)q;
	memset(info, 0, sizeof(*info));
	if (calls >= n_reads) {
		calls++;
		eph_err_set(err, "fake: read %zu was not scripted", calls);
		return -1;
	}
	f = &reads[calls++];
	for (size_t i = 0; i < f->restart_after; i++) {
		r = sock(i, f->many_dests);
		if (fn(&r, ctx) != 0) {
			return -1;
		}
	}
	if (f->restart_after > 0 && fn(NULL, ctx) != 0) {
		return -1;
	}
	for (size_t i = 0; i < f->n; i++) {
		r = sock(i, f->many_dests);
		if (fn(&r, ctx) != 0) {
			return -1;
		}
	}
	info->restarts = f->restarts;
	info->bound_visible = true;
	if (f->fail) {
		eph_err_set(err, "fake: the table could not be read");
		return -1;
	}
	return 0;
}

static struct portpool pool;
static const struct sys_query query = { EPH_TCP, EPH_FAM_ALL, 32768, 60999 };

static void script(size_t n, const struct fake_read *r)
{
	memcpy(reads, r, n * sizeof(*r));
	n_reads = n;
	calls = 0;
}

int main(void)
{
	struct tally t;
	struct attrib a;
	struct sys_sock_info info;
	struct eph_err err = { "" };
	struct dest_key key;
	bool exact = false;
	int rc;

	pool_set_range(&pool, 32768, 60999);

	/* One plain read. */
	script(1, (struct fake_read[]){ { .n = 50, .restarts = 2 } });
	tally_init(&t, EPH_TCP, &pool);
	rc = measure_sockets_attrib(fake_read, &query, &t, NULL, &info, &err);
	is_int(rc, 0, "one read: success");
	is_int(calls, 1, "one read: the source is read once");
	is_int(t.sockets, 50, "one read: 50 sockets");
	is_int(t.used_count, 50, "one read: 50 distinct ports");
	is_int(t.family[1], 5, "one read: 5 of them IPv6");
	is_int(tally_dest_max(&t, NULL, &exact), 45, "one read: busiest destination 45 (IPv4)");
	ok(exact, "one read: the destination figure is exact");
	is_int(info.restarts, 2, "one read: the source's restarts are reported");
	tally_free(&t);

	/* A restart part-way: what came before the NULL is forgotten. */
	script(1, (struct fake_read[]){ { .n = 150, .restart_after = 70, .restarts = 1 } });
	tally_init(&t, EPH_TCP, &pool);
	rc = measure_sockets_attrib(fake_read, &query, &t, NULL, &info, &err);
	is_int(rc, 0, "restart: success");
	is_int(t.sockets, 150, "restart: 150 sockets, not 220");
	is_int(t.used_count, 100, "restart: 100 distinct ports");
	is_int(t.states[EPH_TCP_ESTABLISHED], 150, "restart: 150 established");
	tally_free(&t);

	/* A failed read is a failure with the source's reason, never a partial success. */
	script(1, (struct fake_read[]){ { .n = 30, .fail = true } });
	tally_init(&t, EPH_TCP, &pool);
	err.msg[0] = '\0';
	rc = measure_sockets_attrib(fake_read, &query, &t, NULL, &info, &err);
	is_int(rc, -1, "failed read: -1");
	is_str(err.msg, "fake: the table could not be read", "failed read: the source's reason");
	is_int(calls, 1, "failed read: not retried");
	tally_free(&t);

	/* More destinations than the table holds: exactly one second read for the exact count. */
	size_t many = TALLY_DEST_MAX + 1000;
	script(2, (struct fake_read[]){ { .n = many, .many_dests = true, .restarts = 1 },
					{ .n = many, .many_dests = true, .restarts = 3 } });
	tally_init(&t, EPH_TCP, &pool);
	rc = measure_sockets_attrib(fake_read, &query, &t, NULL, &info, &err);
	is_int(rc, 0, "many destinations: success");
	is_int(calls, 2, "many destinations: a second read verifies the candidates");
	is_int(info.restarts, 4, "many destinations: restarts of both reads add up");
	is_int(t.sockets, many, "many destinations: every socket counted once");
	is_int(tally_dest_max(&t, &key, &exact), 1, "many destinations: busiest holds 1");
	tally_free(&t);

	/* The second read fails: the whole fails. */
	script(2, (struct fake_read[]){ { .n = many, .many_dests = true },
					{ .n = 10, .many_dests = true, .fail = true } });
	tally_init(&t, EPH_TCP, &pool);
	err.msg[0] = '\0';
	rc = measure_sockets_attrib(fake_read, &query, &t, NULL, &info, &err);
	is_int(rc, -1, "second read fails: -1");
	is_str(err.msg, "fake: the table could not be read", "second read fails: its reason");
	tally_free(&t);

	/* The owners in the same pass, reset with the tally on a restart. */
	script(1, (struct fake_read[]){ { .n = 40, .restart_after = 25 } });
	tally_init(&t, EPH_TCP, &pool);
	attrib_init(&a, EPH_TCP, &pool);
	rc = measure_sockets_attrib(fake_read, &query, &t, &a, &info, &err);
	is_int(rc, 0, "with owners: success");
	is_int(calls, 1, "with owners: one read for both");
	is_int(t.sockets, 40, "with owners: the tally has 40 sockets");
	is_int(a.sockets, 40, "with owners: the attribution has the same 40, not 65");
	attrib_free(&a);
	tally_free(&t);

	/* NULL attribution (what measure_sockets does with sys_read_sockets). */
	script(1, (struct fake_read[]){ { .n = 12 } });
	tally_init(&t, EPH_TCP, &pool);
	rc = measure_sockets_attrib(fake_read, &query, &t, NULL, &info, &err);
	is_int(rc, 0, "no attribution: success");
	is_int(t.sockets, 12, "no attribution: 12 sockets");
	tally_free(&t);

	/* measure_attrib: one more read, for the owners alone. */
	script(1, (struct fake_read[]){ { .n = 60, .restart_after = 10 } });
	attrib_init(&a, EPH_TCP, &pool);
	rc = measure_attrib(fake_read, &query, &a, &info, &err);
	is_int(rc, 0, "owners only: success");
	is_int(calls, 1, "owners only: one read");
	is_int(a.sockets, 60, "owners only: 60 sockets after the restart");
	attrib_free(&a);

	script(1, (struct fake_read[]){ { .n = 5, .fail = true } });
	attrib_init(&a, EPH_TCP, &pool);
	err.msg[0] = '\0';
	rc = measure_attrib(fake_read, &query, &a, &info, &err);
	is_int(rc, -1, "owners only, failed read: -1");
	is_str(err.msg, "fake: the table could not be read", "owners only, failed read: its reason");
	attrib_free(&a);

	return done_testing();
}
