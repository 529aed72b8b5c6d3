/* Unit tests of lib/nl_diag.c (Linux only): the dump request's bytes and bytecode, parsing of
 * handmade reply buffers (records, DONE, errors, DUMP_INTR, truncation, foreign sequence
 * numbers), and nl_diag_dump over a scripted fake transport (restarts, EINTR, ENOBUFS,
 * MSG_TRUNC, and the errors that mean "fall back to /proc"). No socket is opened. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "nl_diag.h"
#include "tap.h"

/* ---- building reply buffers ---- */

struct msgbuf {
	uint8_t b[16384];
	size_t len;
};

static void put_msg(struct msgbuf *m, uint16_t type, uint16_t flags, uint32_t seq,
		    const void *payload, size_t plen)
{
	struct nlmsghdr h;

	memset(&h, 0, sizeof(h));
	h.nlmsg_len = (uint32_t)NLMSG_LENGTH(plen);
	h.nlmsg_type = type;
	h.nlmsg_flags = flags;
	h.nlmsg_seq = seq;
	h.nlmsg_pid = 0;
	memset(m->b + m->len, 0, NLMSG_ALIGN(h.nlmsg_len));
	memcpy(m->b + m->len, &h, sizeof(h));
	if (plen) {
		memcpy(m->b + m->len + NLMSG_HDRLEN, payload, plen);
	}
	m->len += NLMSG_ALIGN(h.nlmsg_len);
}

/* One inet_diag_msg; addresses as text, ports in host order. */
static void put_sock(struct msgbuf *m, uint32_t seq, uint16_t flags, uint8_t family, uint8_t state,
		     const char *src, uint16_t sport, const char *dst, uint16_t dport, uint32_t uid,
		     uint32_t inode)
{
	struct inet_diag_msg d;

	memset(&d, 0, sizeof(d));
	d.idiag_family = family;
	d.idiag_state = state;
	d.id.idiag_sport = htons(sport);
	d.id.idiag_dport = htons(dport);
	inet_pton(family, src, d.id.idiag_src);
	inet_pton(family, dst, d.id.idiag_dst);
	d.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	d.idiag_uid = uid;
	d.idiag_inode = inode;
	put_msg(m, SOCK_DIAG_BY_FAMILY, flags | NLM_F_MULTI, seq, &d, sizeof(d));
}

static void put_done(struct msgbuf *m, uint32_t seq, uint16_t flags, int32_t error)
{
	put_msg(m, NLMSG_DONE, flags | NLM_F_MULTI, seq, &error, sizeof(error));
}

static void put_error(struct msgbuf *m, uint32_t seq, int error)
{
	struct nlmsgerr e;

	memset(&e, 0, sizeof(e));
	e.error = error;
	e.msg.nlmsg_len = 92;
	e.msg.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	e.msg.nlmsg_seq = seq;
	put_msg(m, NLMSG_ERROR, 0, seq, &e, sizeof(e));
}

/* ---- collecting what the parser delivers ---- */

struct got {
	struct sock_rec r[64];
	size_t n;
	unsigned resets;
	int fail_after; /* >0: the callback fails at this record */
};

static int collect(const struct sock_rec *r, void *ctx)
{
	struct got *g = ctx;

	if (!r) {
		g->n = 0;
		g->resets++;
		return 0;
	}
	if (g->fail_after && (int)g->n + 1 >= g->fail_after) {
		return -1;
	}
	if (g->n < 64) {
		g->r[g->n] = *r;
	}
	g->n++;
	return 0;
}

static int parse(const struct msgbuf *m, uint32_t seq, enum eph_proto proto, struct got *g,
		 int *nl_errno, struct eph_err *err)
{
	memset(err, 0, sizeof(*err));
	return nl_diag_parse(m->b, m->len, seq, proto, collect, g, nl_errno, err);
}

static bool addr_is(const uint8_t *a, int family, const char *text)
{
	uint8_t want[16] = { 0 };

	inet_pton(family, text, want);
	return memcmp(a, want, family == AF_INET6 ? 16 : 4) == 0;
}

/* ---- the bytecode, run as the kernel runs it (inet_diag_bc_run / inet_diag_bc_audit) ---- */

static int bc_accepts(const uint8_t *bc, int len, uint16_t sport)
{
	while (len > 0) {
		struct inet_diag_bc_op op, arg;
		int yes = 1;

		memcpy(&op, bc, sizeof(op));
		switch (op.code) {
		case INET_DIAG_BC_NOP:
			break;
		case INET_DIAG_BC_S_GE:
			memcpy(&arg, bc + sizeof(op), sizeof(arg));
			yes = sport >= arg.no;
			break;
		case INET_DIAG_BC_S_LE:
			memcpy(&arg, bc + sizeof(op), sizeof(arg));
			yes = sport <= arg.no;
			break;
		default:
			return -1;
		}
		if (yes) {
			len -= op.yes;
			bc += op.yes;
		} else {
			len -= op.no;
			bc += op.no;
		}
	}
	return len == 0;
}

/* The audit's rules for every op: yes within what is left, no at most len + 4, both multiples
 * of 4. */
static bool bc_valid(const uint8_t *bc, int len)
{
	while (len > 0) {
		struct inet_diag_bc_op op;

		memcpy(&op, bc, sizeof(op));
		if (op.code != INET_DIAG_BC_S_GE && op.code != INET_DIAG_BC_S_LE) {
			return false;
		}
		if (op.yes < 8 || op.yes > len || (op.yes & 3) || op.no < 8 || op.no > len + 4 ||
		    (op.no & 3)) {
			return false;
		}
		bc += op.yes;
		len -= op.yes;
	}
	return len == 0;
}

static void test_request(void)
{
	uint8_t buf[256];
	struct nlmsghdr h;
	struct inet_diag_req_v2 req;
	struct rtattr rta;
	const uint8_t *bc;
	size_t len, off = NLMSG_HDRLEN;
	int bclen;

	memset(buf, 0xee, sizeof(buf));
	len = nl_diag_build_request(buf, sizeof(buf), AF_INET6, IPPROTO_TCP, 40000, 40099, 7);
	is_int(len, 92, "the request is 92 bytes: header 16, inet_diag_req_v2 56, attribute 4+16");
	is_int(len, NLMSG_LENGTH(sizeof(req)) + RTA_LENGTH(4 * sizeof(struct inet_diag_bc_op)),
	       "the length is the sum of its parts");
	memcpy(&h, buf, sizeof(h));
	is_int(h.nlmsg_len, len, "nlmsg_len covers the whole request");
	is_int(h.nlmsg_type, SOCK_DIAG_BY_FAMILY, "type SOCK_DIAG_BY_FAMILY (20)");
	is_int(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP, "flags REQUEST|DUMP (0x301)");
	is_int(h.nlmsg_seq, 7, "the sequence number is the caller's");
	is_int(h.nlmsg_pid, 0, "pid 0: addressed to the kernel");
	memcpy(&req, buf + off, sizeof(req));
	is_int(req.sdiag_family, AF_INET6, "family AF_INET6");
	is_int(req.sdiag_protocol, IPPROTO_TCP, "protocol IPPROTO_TCP");
	ok((req.idiag_states & 0x3ffe) == 0x3ffe, "every TCP state 1..13 is asked for (0x%x)",
	   req.idiag_states);
	ok(req.idiag_states & (1u << 13), "bit 13: bound-inactive sockets");
	is_int(req.idiag_ext, 0, "no extensions: the records stay small");
	ok(req.id.idiag_sport == 0 && req.id.idiag_dport == 0 && req.id.idiag_if == 0,
	   "no socket id filter");
	off += sizeof(req);
	memcpy(&rta, buf + off, sizeof(rta));
	is_int(rta.rta_type, INET_DIAG_REQ_BYTECODE, "the attribute is INET_DIAG_REQ_BYTECODE");
	is_int(rta.rta_len, RTA_LENGTH(16), "the bytecode is 16 bytes (4 ops)");
	bc = buf + off + RTA_LENGTH(0);
	bclen = (int)(rta.rta_len - RTA_LENGTH(0));
	{
		static const uint8_t want_codes[4][2] = {
			{ INET_DIAG_BC_S_GE, 8 }, { 0, 0 }, { INET_DIAG_BC_S_LE, 8 }, { 0, 0 }
		};
		struct inet_diag_bc_op ops[4];
		bool codes = true;

		memcpy(ops, bc, sizeof(ops));
		for (int i = 0; i < 4; i++) {
			codes &= bc[4 * i] == want_codes[i][0] && bc[4 * i + 1] == want_codes[i][1];
		}
		ok(codes, "bytes: S_GE yes=8, port, S_LE yes=8, port");
		ok(ops[0].no == 20 && ops[2].no == 12,
		   "a failed test jumps past the end (no = remaining + 4: 20, 12)");
		ok(ops[1].no == 40000 && ops[3].no == 40099, "the ports are 40000 and 40099");
	}
	ok(bc_valid(bc, bclen), "the bytecode passes the kernel's audit rules");
	ok(bc_accepts(bc, bclen, 39999) == 0 && bc_accepts(bc, bclen, 40000) == 1 &&
		   bc_accepts(bc, bclen, 40050) == 1 && bc_accepts(bc, bclen, 40099) == 1 &&
		   bc_accepts(bc, bclen, 40100) == 0 && bc_accepts(bc, bclen, 0) == 0 &&
		   bc_accepts(bc, bclen, 65535) == 0,
	   "run as the kernel runs it: 40000..40099 accepted, 39999 and 40100 not");
	ok(buf[len] == 0xee, "nothing is written past the request");

	len = nl_diag_build_request(buf, sizeof(buf), AF_INET, IPPROTO_UDP, 1, 65535, 1);
	memcpy(&req, buf + NLMSG_HDRLEN, sizeof(req));
	bc = buf + NLMSG_HDRLEN + sizeof(req) + RTA_LENGTH(0);
	ok(len == 92 && req.sdiag_family == AF_INET && req.sdiag_protocol == IPPROTO_UDP &&
		   bc_accepts(bc, 16, 1) == 1 && bc_accepts(bc, 16, 65535) == 1 &&
		   bc_accepts(bc, 16, 0) == 0,
	   "UDP over 1-65535: every real port accepted");
	is_int(nl_diag_build_request(buf, 91, AF_INET, IPPROTO_TCP, 1, 2, 1), 0,
	       "a buffer one byte short gives 0");
}

/* The legacy TCPDIAG_GETSOCK request: both families in one walk, same states and filter. */
static void test_legacy_request(void)
{
	uint8_t buf[256];
	struct nlmsghdr h;
	struct inet_diag_req req;
	struct rtattr rta;
	const uint8_t *bc;
	size_t len;

	memset(buf, 0xee, sizeof(buf));
	len = nl_diag_build_legacy_request(buf, sizeof(buf), 40000, 40099, 9);
	is_int(len, NLMSG_LENGTH(sizeof(req)) + RTA_LENGTH(16),
	       "legacy request: header, inet_diag_req, 16 bytes of bytecode");
	memcpy(&h, buf, sizeof(h));
	is_int(h.nlmsg_type, TCPDIAG_GETSOCK, "legacy request: type TCPDIAG_GETSOCK (18)");
	is_int(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP, "legacy request: REQUEST|DUMP");
	is_int(h.nlmsg_seq, 9, "legacy request: the caller's sequence number");
	memcpy(&req, buf + NLMSG_HDRLEN, sizeof(req));
	ok((req.idiag_states & 0x3ffe) == 0x3ffe, "legacy request: states 1..13 incl. bound");
	memcpy(&rta, buf + NLMSG_HDRLEN + sizeof(req), sizeof(rta));
	is_int(rta.rta_type, INET_DIAG_REQ_BYTECODE, "legacy request: bytecode attribute");
	bc = buf + NLMSG_HDRLEN + sizeof(req) + RTA_LENGTH(0);
	ok(bc_valid(bc, 16) && bc_accepts(bc, 16, 40000) == 1 && bc_accepts(bc, 16, 40099) == 1 &&
		   bc_accepts(bc, 16, 39999) == 0 && bc_accepts(bc, 16, 40100) == 0,
	   "legacy request: the same port filter");
	ok(buf[len] == 0xee, "legacy request: nothing written past it");
	is_int(nl_diag_build_legacy_request(buf, len - 1, 1, 2, 1), 0,
	       "legacy request: a buffer one byte short gives 0");
}

static void test_parse(void)
{
	struct msgbuf m;
	struct got g;
	struct eph_err err;
	int nle, rc;

	/* Several records, IPv4 and IPv6, then DONE. */
	memset(&m, 0, sizeof(m));
	memset(&g, 0, sizeof(g));
	put_sock(&m, 5, 0, AF_INET, 1, "127.0.0.1", 40001, "127.0.0.1", 8080, 1000, 123);
	put_sock(&m, 5, 0, AF_INET6, 6, "::1", 40002, "2001:db8::2", 443, 0, 0);
	put_sock(&m, 5, 0, AF_INET, 13, "10.0.0.9", 40003, "0.0.0.0", 0, 33, 456);
	put_sock(&m, 5, 0, AF_INET6, 7, "::", 40004, "::", 0, 33, 457);
	put_sock(&m, 5, 0, AF_INET, 10, "0.0.0.0", 40005, "0.0.0.0", 0, 0, 458);
	put_sock(&m, 5, 0, AF_INET, 12, "10.0.0.9", 40006, "10.0.0.1", 5000, 0, 0);
	put_sock(&m, 5, 0, AF_INET, 99, "10.0.0.9", 40007, "10.0.0.1", 5000, 0, 0);
	put_done(&m, 5, 0, 0);
	rc = parse(&m, 5, EPH_TCP, &g, &nle, &err);
	is_int(rc, NL_PARSE_DONE, "records then NLMSG_DONE: the dump is complete");
	is_int(g.n, 7, "seven records delivered");
	ok(g.r[0].proto == EPH_TCP && g.r[0].family == 4 && g.r[0].state == EPH_TCP_ESTABLISHED &&
		   g.r[0].lport == 40001 && g.r[0].rport == 8080 &&
		   addr_is(g.r[0].laddr, AF_INET, "127.0.0.1") &&
		   addr_is(g.r[0].raddr, AF_INET, "127.0.0.1") && g.r[0].uid == 1000 &&
		   g.r[0].inode == 123 && g.r[0].pid == EPH_OWNER_NONE,
	   "IPv4 ESTABLISHED: ports in host order, addresses, uid, inode");
	ok(g.r[1].family == 6 && g.r[1].state == EPH_TCP_TIME_WAIT && g.r[1].lport == 40002 &&
		   g.r[1].rport == 443 && addr_is(g.r[1].laddr, AF_INET6, "::1") &&
		   addr_is(g.r[1].raddr, AF_INET6, "2001:db8::2"),
	   "IPv6 TIME_WAIT with both addresses");
	ok(g.r[2].state == EPH_BOUND && g.r[2].rport == 0, "state 13 (bound-inactive) is BOUND");
	ok(g.r[3].state == EPH_BOUND && g.r[3].family == 6,
	   "state 7 (CLOSE, how the bind-table walk reports idle bound sockets) is BOUND");
	is_int(g.r[4].state, EPH_TCP_LISTEN, "state 10 is LISTEN");
	is_int(g.r[5].state, EPH_TCP_NEW_SYN_RECV, "state 12 is NEW_SYN_RECV");
	is_int(g.r[6].state, EPH_STATE_UNKNOWN, "an unknown state number is UNKNOWN");

	/* UDP: every record is a UDP socket, whatever state number the kernel uses. */
	memset(&g, 0, sizeof(g));
	memset(&m, 0, sizeof(m));
	put_sock(&m, 9, 0, AF_INET, 7, "0.0.0.0", 40010, "0.0.0.0", 0, 0, 1);
	put_sock(&m, 9, 0, AF_INET6, 1, "::1", 40011, "::1", 53, 0, 2);
	rc = parse(&m, 9, EPH_UDP, &g, &nle, &err);
	ok(rc == NL_PARSE_MORE && g.n == 2 && g.r[0].proto == EPH_UDP &&
		   g.r[0].state == EPH_UDP_SOCK && g.r[1].state == EPH_UDP_SOCK &&
		   g.r[1].rport == 53,
	   "UDP records, no DONE yet: MORE");

	/* Empty buffer, ACK, and message types that are not ours. */
	memset(&m, 0, sizeof(m));
	memset(&g, 0, sizeof(g));
	is_int(parse(&m, 1, EPH_TCP, &g, &nle, &err), NL_PARSE_MORE, "an empty buffer: MORE");
	put_error(&m, 1, 0);
	put_msg(&m, NLMSG_NOOP, 0, 1, NULL, 0);
	put_sock(&m, 1, 0, AF_INET, 1, "10.0.0.9", 40001, "10.0.0.1", 80, 0, 0);
	rc = parse(&m, 1, EPH_TCP, &g, &nle, &err);
	ok(rc == NL_PARSE_MORE && g.n == 1, "an ACK (error 0) and NLMSG_NOOP are skipped");

	/* Messages of another sequence number are skipped, even DONE and errors. */
	memset(&m, 0, sizeof(m));
	memset(&g, 0, sizeof(g));
	put_sock(&m, 99, 0, AF_INET, 1, "10.0.0.9", 40001, "10.0.0.1", 80, 0, 0);
	put_done(&m, 99, 0, 0);
	put_error(&m, 99, -EPERM);
	put_sock(&m, 99, NLM_F_DUMP_INTR, AF_INET, 1, "10.0.0.9", 40002, "10.0.0.1", 80, 0, 0);
	put_sock(&m, 4, 0, AF_INET, 1, "10.0.0.9", 40003, "10.0.0.1", 80, 0, 0);
	put_done(&m, 4, 0, 0);
	rc = parse(&m, 4, EPH_TCP, &g, &nle, &err);
	ok(rc == NL_PARSE_DONE && g.n == 1 && g.r[0].lport == 40003,
	   "another sequence number's records, DONE, error and DUMP_INTR are skipped");

	/* DONE carrying the dump's error. */
	memset(&m, 0, sizeof(m));
	memset(&g, 0, sizeof(g));
	put_done(&m, 3, 0, -EBUSY);
	rc = parse(&m, 3, EPH_TCP, &g, &nle, &err);
	ok(rc == NL_PARSE_ERR && nle == EBUSY && strstr(err.msg, strerror(EBUSY)) != NULL,
	   "NLMSG_DONE with a negative error fails with it: %s", err.msg);
	memset(&m, 0, sizeof(m));
	put_msg(&m, NLMSG_DONE, NLM_F_MULTI, 3, NULL, 0);
	is_int(parse(&m, 3, EPH_TCP, &g, &nle, &err), NL_PARSE_DONE,
	       "NLMSG_DONE without a payload ends the dump");

	/* NLMSG_ERROR: the kernel refused. */
	memset(&m, 0, sizeof(m));
	put_error(&m, 3, -EPERM);
	rc = parse(&m, 3, EPH_TCP, &g, &nle, &err);
	ok(rc == NL_PARSE_ERR && nle == EPERM && strstr(err.msg, strerror(EPERM)) != NULL,
	   "NLMSG_ERROR EPERM: %s", err.msg);
	memset(&m, 0, sizeof(m));
	put_error(&m, 3, -EINVAL);
	rc = parse(&m, 3, EPH_TCP, &g, &nle, &err);
	ok(rc == NL_PARSE_ERR && nle == EINVAL, "NLMSG_ERROR EINVAL: %s", err.msg);
	memset(&m, 0, sizeof(m));
	put_msg(&m, NLMSG_ERROR, 0, 3, "\xff\xff", 2);
	rc = parse(&m, 3, EPH_TCP, &g, &nle, &err);
	ok(rc == NL_PARSE_ERR && strstr(err.msg, "truncated") != NULL,
	   "an NLMSG_ERROR too short for its error code: %s", err.msg);
	/* Found by fuzzing: negating INT_MIN overflowed. No kernel errno is that large. */
	memset(&m, 0, sizeof(m));
	put_error(&m, 3, INT32_MIN);
	rc = parse(&m, 3, EPH_TCP, &g, &nle, &err);
	ok(rc == NL_PARSE_ERR && nle == EPROTO, "NLMSG_ERROR INT_MIN is EPROTO: %s", err.msg);
	memset(&m, 0, sizeof(m));
	put_done(&m, 3, NLM_F_MULTI, INT32_MIN);
	rc = parse(&m, 3, EPH_TCP, &g, &nle, &err);
	ok(rc == NL_PARSE_ERR && nle == EPROTO, "NLMSG_DONE error INT_MIN is EPROTO: %s", err.msg);

	/* NLM_F_DUMP_INTR: the table changed under the dump, on a record or on DONE. */
	memset(&m, 0, sizeof(m));
	memset(&g, 0, sizeof(g));
	put_sock(&m, 2, 0, AF_INET, 1, "10.0.0.9", 40001, "10.0.0.1", 80, 0, 0);
	put_sock(&m, 2, NLM_F_DUMP_INTR, AF_INET, 1, "10.0.0.9", 40002, "10.0.0.1", 80, 0, 0);
	put_done(&m, 2, 0, 0);
	is_int(parse(&m, 2, EPH_TCP, &g, &nle, &err), NL_PARSE_INTR,
	       "NLM_F_DUMP_INTR on a record: INTR");
	memset(&m, 0, sizeof(m));
	put_done(&m, 2, NLM_F_DUMP_INTR, 0);
	is_int(parse(&m, 2, EPH_TCP, &g, &nle, &err), NL_PARSE_INTR,
	       "NLM_F_DUMP_INTR on NLMSG_DONE: INTR, not DONE");

	/* Truncated and malformed buffers. */
	memset(&m, 0, sizeof(m));
	put_sock(&m, 2, 0, AF_INET, 1, "10.0.0.9", 40001, "10.0.0.1", 80, 0, 0);
	{
		struct msgbuf cut = m;

		cut.len = 10;
		rc = parse(&cut, 2, EPH_TCP, &g, &nle, &err);
		ok(rc == NL_PARSE_ERR && strstr(err.msg, "header") != NULL,
		   "a buffer shorter than a header: %s", err.msg);
		cut.len = m.len + 8;
		rc = parse(&cut, 2, EPH_TCP, &g, &nle, &err);
		ok(rc == NL_PARSE_ERR, "8 stray bytes after a record: %s", err.msg);
		cut.len = m.len - 4;
		rc = parse(&cut, 2, EPH_TCP, &g, &nle, &err);
		ok(rc == NL_PARSE_ERR && strstr(err.msg, "truncated") != NULL,
		   "nlmsg_len larger than the buffer: %s", err.msg);
	}
	{
		struct msgbuf bad = m;
		uint32_t l = 8;

		memcpy(bad.b, &l, sizeof(l));
		rc = parse(&bad, 2, EPH_TCP, &g, &nle, &err);
		ok(rc == NL_PARSE_ERR, "nlmsg_len below the header size: %s", err.msg);
		l = 0;
		memcpy(bad.b, &l, sizeof(l));
		rc = parse(&bad, 2, EPH_TCP, &g, &nle, &err);
		ok(rc == NL_PARSE_ERR, "nlmsg_len 0 (no endless loop): %s", err.msg);
		l = 0xffffffffu;
		memcpy(bad.b, &l, sizeof(l));
		rc = parse(&bad, 2, EPH_TCP, &g, &nle, &err);
		ok(rc == NL_PARSE_ERR, "nlmsg_len 4 GiB: %s", err.msg);
	}
	memset(&m, 0, sizeof(m));
	{
		struct inet_diag_msg d;

		memset(&d, 0, sizeof(d));
		d.idiag_family = AF_INET;
		put_msg(&m, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, 2, &d, sizeof(d) - 1);
		memset(&g, 0, sizeof(g));
		rc = parse(&m, 2, EPH_TCP, &g, &nle, &err);
		ok(rc == NL_PARSE_ERR && g.n == 0 && strstr(err.msg, "record truncated") != NULL,
		   "a record shorter than inet_diag_msg: %s", err.msg);
		memset(&m, 0, sizeof(m));
		d.idiag_family = AF_UNIX;
		put_msg(&m, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, 2, &d, sizeof(d));
		rc = parse(&m, 2, EPH_TCP, &g, &nle, &err);
		ok(rc == NL_PARSE_ERR && g.n == 0, "a record of another family: %s", err.msg);
	}

	/* The callback's failure stops the parse. */
	memset(&m, 0, sizeof(m));
	memset(&g, 0, sizeof(g));
	put_sock(&m, 2, 0, AF_INET, 1, "10.0.0.9", 40001, "10.0.0.1", 80, 0, 0);
	put_sock(&m, 2, 0, AF_INET, 1, "10.0.0.9", 40002, "10.0.0.1", 80, 0, 0);
	put_done(&m, 2, 0, 0);
	g.fail_after = 2;
	rc = parse(&m, 2, EPH_TCP, &g, &nle, &err);
	ok(rc == NL_PARSE_ERR && g.n == 1, "a failing callback stops the parse: %s", err.msg);
}

/* ---- nl_diag_dump over a scripted transport ---- */

enum step_kind {
	S_END = 0,  /* script exhausted: recv returns 0 (EOF) */
	S_SOCKS,    /* one record of the requested family, no DONE */
	S_DONE,     /* one record and NLMSG_DONE */
	S_INTR,     /* one record flagged NLM_F_DUMP_INTR, then DONE */
	S_ERRNO,    /* recv fails with errno = arg */
	S_NLERR,    /* NLMSG_ERROR with -arg */
	S_TRUNC,    /* a datagram that did not fit (MSG_TRUNC) */
	S_DONE_ERR, /* NLMSG_DONE carrying -arg */
};

struct step {
	enum step_kind kind;
	int arg;
};

struct fake {
	const struct step *script;
	size_t pos, nsteps;
	int open_errno; /* open fails with this errno */
	int send_errno; /* send fails with this errno */
	bool short_send; /* send takes only part of the request */
	int opens, closes, sends, recvs;
	bool is_open;
	uint32_t seq;
	uint8_t family[16];
	uint16_t lo, hi;
};

static int f_open(void *tctx)
{
	struct fake *f = tctx;

	if (f->open_errno) {
		errno = f->open_errno;
		return -1;
	}
	f->opens++;
	f->is_open = true;
	return 0;
}

static ssize_t f_send(void *tctx, const void *buf, size_t len)
{
	struct fake *f = tctx;
	struct nlmsghdr h;
	struct inet_diag_req_v2 req;
	struct inet_diag_bc_op ops[4];

	if (f->send_errno) {
		errno = f->send_errno;
		return -1;
	}
	if (f->short_send) {
		errno = 0; /* what a short send leaves: no error of its own */
		return (ssize_t)(len / 2);
	}
	if (len < sizeof(h) + sizeof(req) + 4 + sizeof(ops)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.nlmsg_type == TCPDIAG_GETSOCK) {
		/* Legacy: struct inet_diag_req; the kernel answers for both families. */
		memset(&req, 0, sizeof(req));
		req.sdiag_family = 0;
		memcpy(ops, (const uint8_t *)buf + NLMSG_HDRLEN + sizeof(struct inet_diag_req) + 4,
		       sizeof(ops));
	} else {
		memcpy(&req, (const uint8_t *)buf + NLMSG_HDRLEN, sizeof(req));
		memcpy(ops, (const uint8_t *)buf + NLMSG_HDRLEN + sizeof(req) + 4, sizeof(ops));
	}
	f->seq = h.nlmsg_seq;
	if (f->sends < 16) {
		f->family[f->sends] = req.sdiag_family;
	}
	f->lo = ops[1].no;
	f->hi = ops[3].no;
	f->sends++;
	return (ssize_t)len;
}

static ssize_t f_recv(void *tctx, void *buf, size_t len, int *truncated)
{
	struct fake *f = tctx;
	struct msgbuf m;
	struct step s = { S_END, 0 };
	uint8_t fam = f->family[f->sends > 0 ? (f->sends - 1) & 15 : 0];
	const char *a = fam == AF_INET6 ? "::1" : "127.0.0.1";

	f->recvs++;
	*truncated = 0;
	if (fam == 0) {
		/* A legacy request: its answer mixes families; alternate them. */
		fam = (f->recvs & 1) ? AF_INET : AF_INET6;
		a = fam == AF_INET6 ? "::1" : "127.0.0.1";
	}
	if (f->pos < f->nsteps) {
		s = f->script[f->pos++];
	}
	memset(&m, 0, sizeof(m));
	switch (s.kind) {
	case S_END:
		return 0;
	case S_ERRNO:
		errno = s.arg;
		return -1;
	case S_TRUNC:
		*truncated = 1;
		put_sock(&m, f->seq, 0, fam, 1, a, f->lo, a, 80, 0, 0);
		break;
	case S_SOCKS:
		put_sock(&m, f->seq, 0, fam, 1, a, f->lo, a, 80, 0, 0);
		break;
	case S_DONE:
		put_sock(&m, f->seq, 0, fam, 1, a, f->lo, a, 80, 0, 0);
		put_done(&m, f->seq, 0, 0);
		break;
	case S_INTR:
		put_sock(&m, f->seq, NLM_F_DUMP_INTR, fam, 1, a, f->lo, a, 80, 0, 0);
		put_done(&m, f->seq, NLM_F_DUMP_INTR, 0);
		break;
	case S_NLERR:
		put_error(&m, f->seq, -s.arg);
		break;
	case S_DONE_ERR:
		put_done(&m, f->seq, 0, -s.arg);
		break;
	}
	if (m.len > len) {
		*truncated = 1;
		m.len = len;
	}
	memcpy(buf, m.b, m.len);
	return (ssize_t)m.len;
}

static void f_close(void *tctx)
{
	struct fake *f = tctx;

	if (f->is_open) {
		f->closes++;
		f->is_open = false;
	}
}

static const struct nl_transport fake_transport = { f_open, f_send, f_recv, f_close };

static int run(struct fake *f, const struct step *script, size_t n, unsigned families,
	       struct got *g, unsigned *restarts, struct eph_err *err)
{
	struct sys_query q = { EPH_TCP, families, 40000, 40099 };

	f->script = script;
	f->nsteps = n;
	memset(g, 0, sizeof(*g));
	memset(err, 0, sizeof(*err));
	*restarts = 99;
	return nl_diag_dump(&fake_transport, f, &q, collect, g, restarts, err);
}

#define RUN(f, script, fams, g, restarts, err)                                                  \
	run(f, script, sizeof(script) / sizeof(script[0]), fams, g, restarts, err)

static void test_dump(void)
{
	struct fake f;
	struct got g;
	struct eph_err err;
	unsigned restarts;
	int rc;

	{
		static const struct step s[] = { { S_DONE, 0 }, { S_DONE, 0 } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_OK && g.n == 2 && restarts == 0 && g.resets == 0,
		   "a clean dump of both families: OK, 2 records");
		ok(f.sends == 2 && f.family[0] == AF_INET && f.family[1] == AF_INET6,
		   "one request per family, IPv4 then IPv6");
		ok(f.lo == 40000 && f.hi == 40099, "the query's range is in the bytecode");
		ok(g.r[0].family == 4 && g.r[1].family == 6 && g.r[0].lport == 40000,
		   "records come from each family's reply");
		ok(f.opens == 1 && f.closes == 1 && !f.is_open, "one socket, closed at the end");
	}
	{
		static const struct step s[] = { { S_SOCKS, 0 }, { S_SOCKS, 0 }, { S_DONE, 0 } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_V6, &g, &restarts, &err);
		ok(rc == NL_DUMP_OK && g.n == 3 && f.sends == 1 && f.family[0] == AF_INET6,
		   "-6: one request; a reply over three datagrams gives 3 records");
	}
	{
		static const struct step s[] = { { S_INTR, 0 }, { S_DONE, 0 }, { S_DONE, 0 } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_OK && restarts == 1 && g.resets == 1 && g.n == 2,
		   "DUMP_INTR: the callback is reset once and the dump starts over (%u restarts)",
		   restarts);
		ok(f.opens == 2 && f.closes == 2 && !f.is_open,
		   "the socket is reopened for the restart and closed at the end");
		ok(f.sends == 3 && f.family[1] == AF_INET && f.family[2] == AF_INET6,
		   "the restart asks for IPv4 again");
	}
	{
		/* IPv4 done, IPv6 interrupted: the whole query restarts, IPv4 included. */
		static const struct step s[] = { { S_DONE, 0 }, { S_INTR, 0 }, { S_DONE, 0 },
						 { S_DONE, 0 } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_OK && restarts == 1 && g.resets == 1 && g.n == 2 && f.sends == 4,
		   "DUMP_INTR in the second family restarts both");
	}
	{
		static const struct step s[] = { { S_INTR, 0 }, { S_INTR, 0 }, { S_INTR, 0 },
						 { S_INTR, 0 }, { S_INTR, 0 }, { S_INTR, 0 },
						 { S_DONE, 0 }, { S_DONE, 0 } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_FAILED && restarts == NL_DIAG_MAX_RESTARTS &&
			   g.resets == NL_DIAG_MAX_RESTARTS,
		   "DUMP_INTR every time: %d restarts, then failure", NL_DIAG_MAX_RESTARTS);
		ok(strstr(err.msg, "changed") != NULL && strstr(err.msg, "try again") != NULL,
		   "the reason says the table kept changing: %s", err.msg);
		ok(f.sends == NL_DIAG_MAX_RESTARTS + 1 && f.opens == f.closes && !f.is_open,
		   "%d attempts, every socket closed", NL_DIAG_MAX_RESTARTS + 1);
	}
	{
		static const struct step s[] = { { S_INTR, 0 }, { S_INTR, 0 }, { S_INTR, 0 },
						 { S_INTR, 0 }, { S_INTR, 0 }, { S_DONE, 0 },
						 { S_DONE, 0 } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_OK && restarts == NL_DIAG_MAX_RESTARTS && g.n == 2,
		   "%d interruptions and then a clean dump: OK", NL_DIAG_MAX_RESTARTS);
	}
	{
		static const struct step s[] = { { S_SOCKS, 0 }, { S_ERRNO, ENOBUFS }, { S_DONE, 0 },
						 { S_DONE, 0 } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_OK && restarts == 1 && g.resets == 1 && g.n == 2,
		   "ENOBUFS (messages lost): reset and restart, then OK");
	}
	{
		static const struct step s[] = { { S_ERRNO, EINTR }, { S_SOCKS, 0 },
						 { S_ERRNO, EINTR }, { S_DONE, 0 }, { S_DONE, 0 } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_OK && restarts == 0 && g.resets == 0 && g.n == 3,
		   "EINTR is retried without a restart");
	}
	{
		static const struct step s[] = { { S_SOCKS, 0 }, { S_TRUNC, 0 }, { S_DONE, 0 },
						 { S_DONE, 0 } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_FAILED && strstr(err.msg, "did not fit") != NULL,
		   "MSG_TRUNC fails: %s", err.msg);
		ok(!f.is_open, "the socket is closed after a failure");
	}
	{
		static const struct step s[] = { { S_SOCKS, 0 } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_FAILED && strstr(err.msg, "without NLMSG_DONE") != NULL,
		   "EOF before NLMSG_DONE fails: %s", err.msg);
	}
	{
		static const struct step s[] = { { S_DONE_ERR, ENOMEM } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_FAILED, "NLMSG_DONE with -ENOMEM fails: %s", err.msg);
	}
	{
		static const struct step s[] = { { S_ERRNO, EIO } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_FAILED && strstr(err.msg, strerror(EIO)) != NULL,
		   "recv EIO fails: %s", err.msg);
	}

	/* "This kernel cannot answer": the caller falls back to /proc. */
	{
		static const struct step s[] = { { S_NLERR, ENOENT } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_UNAVAILABLE && !f.is_open,
		   "NLMSG_ERROR ENOENT (no diag module for the protocol): UNAVAILABLE");
	}
	{
		static const struct step s[] = { { S_NLERR, EPERM } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		is_int(rc, NL_DUMP_UNAVAILABLE, "NLMSG_ERROR EPERM (a sandbox): UNAVAILABLE");
	}
	{
		static const struct step s[] = { { S_NLERR, EINVAL } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_FAILED && strstr(err.msg, strerror(EINVAL)) != NULL,
		   "NLMSG_ERROR EINVAL (a request the kernel rejects) fails: %s", err.msg);
	}
	{
		static const struct step s[] = { { S_ERRNO, EPERM } };

		memset(&f, 0, sizeof(f));
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		is_int(rc, NL_DUMP_UNAVAILABLE, "recv EPERM: UNAVAILABLE");
	}
	{
		static const struct step s[] = { { S_DONE, 0 } };

		memset(&f, 0, sizeof(f));
		f.open_errno = EPROTONOSUPPORT;
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_UNAVAILABLE && strstr(err.msg, "NETLINK_SOCK_DIAG") != NULL,
		   "socket() EPROTONOSUPPORT: UNAVAILABLE: %s", err.msg);
		memset(&f, 0, sizeof(f));
		f.open_errno = EMFILE;
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_FAILED && strstr(err.msg, strerror(EMFILE)) != NULL,
		   "socket() EMFILE fails: %s", err.msg);
		memset(&f, 0, sizeof(f));
		f.send_errno = EACCES;
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_UNAVAILABLE && !f.is_open, "send EACCES: UNAVAILABLE");
		memset(&f, 0, sizeof(f));
		f.send_errno = ENOMEM;
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_FAILED && !f.is_open, "send ENOMEM fails: %s", err.msg);
		memset(&f, 0, sizeof(f));
		f.short_send = true;
		rc = RUN(&f, s, EPH_FAM_ALL, &g, &restarts, &err);
		ok(rc == NL_DUMP_FAILED && !f.is_open &&
			   strstr(err.msg, "the kernel took ") != NULL &&
			   strstr(err.msg, strerror(0)) == NULL,
		   "a short send fails with its own reason, not a stale errno: %s", err.msg);
	}
	{
		static const struct step s[] = { { S_DONE, 0 }, { S_DONE, 0 } };

		memset(&f, 0, sizeof(f));
		f.script = s;
		f.nsteps = 2;
		memset(&g, 0, sizeof(g));
		g.fail_after = 1;
		{
			struct sys_query q = { EPH_TCP, EPH_FAM_ALL, 40000, 40099 };

			rc = nl_diag_dump(&fake_transport, &f, &q, collect, &g, &restarts, &err);
		}
		ok(rc == NL_DUMP_FAILED && !f.is_open, "a failing callback fails the dump: %s",
		   err.msg);
	}
}

/* The legacy single-walk dump: one request, records of both families, the same restarts. */
static void test_legacy_dump(void)
{
	struct sys_query q = { EPH_TCP, EPH_FAM_ALL, 40000, 40099 };
	struct fake f;
	struct got g;
	struct eph_err err;
	unsigned restarts;
	int rc;

	{
		static const struct step s[] = { { S_SOCKS, 0 }, { S_DONE, 0 } };

		memset(&f, 0, sizeof(f));
		f.script = s;
		f.nsteps = 2;
		memset(&g, 0, sizeof(g));
		rc = nl_diag_dump_legacy(&fake_transport, &f, &q, collect, &g, &restarts, &err);
		ok(rc == NL_DUMP_OK && g.n == 2 && restarts == 0, "legacy dump: OK, 2 records");
		ok(f.sends == 1 && f.family[0] == 0, "legacy dump: one request for both families");
		ok(g.r[0].family == 4 && g.r[1].family == 6,
		   "legacy dump: IPv4 and IPv6 records from the one reply stream");
		ok(f.lo == 40000 && f.hi == 40099, "legacy dump: the query's range in the bytecode");
		ok(f.opens == 1 && f.closes == 1 && !f.is_open, "legacy dump: socket closed at the end");
	}
	{
		static const struct step s[] = { { S_INTR, 0 }, { S_DONE, 0 } };

		memset(&f, 0, sizeof(f));
		f.script = s;
		f.nsteps = 2;
		memset(&g, 0, sizeof(g));
		rc = nl_diag_dump_legacy(&fake_transport, &f, &q, collect, &g, &restarts, &err);
		ok(rc == NL_DUMP_OK && restarts == 1 && g.resets == 1 && f.sends == 2,
		   "legacy dump: DUMP_INTR resets the callback and asks again");
	}
	{
		static const struct step s[] = { { S_NLERR, EINVAL } };

		memset(&f, 0, sizeof(f));
		f.script = s;
		f.nsteps = 1;
		memset(&g, 0, sizeof(g));
		rc = nl_diag_dump_legacy(&fake_transport, &f, &q, collect, &g, &restarts, &err);
		ok(rc == NL_DUMP_FAILED && !f.is_open,
		   "legacy dump: a kernel that refuses it fails (the caller retries with v2)");
	}
}

int main(void)
{
	test_request();
	test_legacy_request();
	test_parse();
	test_dump();
	test_legacy_dump();
	return done_testing();
}
