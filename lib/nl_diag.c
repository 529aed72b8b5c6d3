#define _GNU_SOURCE
#include "nl_diag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Not in older uapi headers: the pseudo-state inet_diag uses for bound, inactive sockets
 * (include/net/tcp_states.h, Linux 6.8). Asking for it on an older kernel is harmless. */
#ifndef TCP_BOUND_INACTIVE
#define TCP_BOUND_INACTIVE 13
#endif

/* A 64 KiB buffer holds any dump datagram the kernel sends (it sizes them to the reader's
 * buffer up to 32 KiB, see netlink_dump()). */
#define NL_BUF 65536

struct nl_request {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 req;
	struct rtattr rta;
	struct inet_diag_bc_op ops[4];
};

/* The INET_DIAG_REQ_BYTECODE attribute "lo <= source port <= hi". Two conditions, as
 * iproute2's ss writes them: each op is followed by one whose `no` holds the port. On success
 * jump to the next condition; on failure jump past the end (len + 4), which the kernel reads
 * as "reject" (inet_diag_bc_run). */
static void port_filter(struct rtattr *rta, struct inet_diag_bc_op ops[4], uint16_t lo,
			uint16_t hi)
{
	const uint16_t len = 4 * sizeof(ops[0]);

	rta->rta_type = INET_DIAG_REQ_BYTECODE;
	rta->rta_len = RTA_LENGTH(len);
	ops[0] = (struct inet_diag_bc_op){ INET_DIAG_BC_S_GE, 8, len + 4 };
	ops[1] = (struct inet_diag_bc_op){ 0, 0, lo };
	ops[2] = (struct inet_diag_bc_op){ INET_DIAG_BC_S_LE, 8, len / 2 + 4 };
	ops[3] = (struct inet_diag_bc_op){ 0, 0, hi };
}

/* The header of a dump request of len bytes: every socket of the request's kind, in parts. */
static void dump_header(struct nlmsghdr *h, size_t len, uint16_t type, uint32_t seq)
{
	h->nlmsg_len = (uint32_t)len;
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	h->nlmsg_seq = seq;
}

size_t nl_diag_build_request(void *buf, size_t size, uint8_t family, uint8_t protocol, uint16_t lo,
			     uint16_t hi, uint32_t seq)
{
	struct nl_request r;

	if (size < sizeof(r)) {
		return 0;
	}
	memset(&r, 0, sizeof(r));
	dump_header(&r.nlh, sizeof(r), SOCK_DIAG_BY_FAMILY, seq);
	r.req.sdiag_family = family;
	r.req.sdiag_protocol = protocol;
	r.req.idiag_states = ~0u | (1u << TCP_BOUND_INACTIVE);
	port_filter(&r.rta, r.ops, lo, hi);
	memcpy(buf, &r, sizeof(r));
	return sizeof(r);
}

struct nl_legacy_request {
	struct nlmsghdr nlh;
	struct inet_diag_req req;
	struct rtattr rta;
	struct inet_diag_bc_op ops[4];
};

size_t nl_diag_build_legacy_request(void *buf, size_t size, uint16_t lo, uint16_t hi,
				    uint32_t seq)
{
	struct nl_legacy_request r;

	if (size < sizeof(r)) {
		return 0;
	}
	memset(&r, 0, sizeof(r));
	dump_header(&r.nlh, sizeof(r), TCPDIAG_GETSOCK, seq);
	r.req.idiag_family = AF_INET; /* ignored: the kernel dumps both families */
	r.req.idiag_states = ~0u | (1u << TCP_BOUND_INACTIVE);
	port_filter(&r.rta, r.ops, lo, hi);
	memcpy(buf, &r, sizeof(r));
	return sizeof(r);
}

static enum eph_state map_state(uint8_t proto_udp, uint8_t st)
{
	if (proto_udp) {
		return EPH_UDP_SOCK;
	}
	/* Bound-only sockets come from the bind-table walk that bit 13 asks for; the kernel
	 * reports them with their real state, TCP_CLOSE (7), or as TCP_BOUND_INACTIVE. A closed
	 * socket without a port is never dumped, so CLOSE here always means "bound, idle". */
	if (st == TCP_BOUND_INACTIVE || st == EPH_TCP_CLOSE) {
		return EPH_BOUND;
	}
	if (st >= EPH_TCP_ESTABLISHED && st <= EPH_TCP_NEW_SYN_RECV) {
		return (enum eph_state)st;
	}
	return EPH_STATE_UNKNOWN;
}

/* The errno in an NLMSG_ERROR or NLMSG_DONE payload, which the kernel sends negated. A value
 * outside 1..4095 (MAX_ERRNO) cannot come from the kernel: report it as EPROTO rather than
 * negating INT_MIN (found by fuzzing). */
static int errno_of(int32_t e)
{
	if (e < 0 && e > -4096) {
		return -e;
	}
	if (e > 0 && e < 4096) {
		return e;
	}
	return EPROTO;
}

/* NLMSG_DONE: the dump's own error travels in it (netlink_dump_done()). */
static int parse_done(const uint8_t *payload, size_t plen, int *nl_errno, struct eph_err *err)
{
	int32_t e = 0;

	if (plen >= sizeof(e)) {
		memcpy(&e, payload, sizeof(e));
	}
	if (e < 0) {
		*nl_errno = errno_of(e);
		eph_err_set(err, "the kernel ended the socket dump with error: %s",
			    strerror(*nl_errno));
		return NL_PARSE_ERR;
	}
	return NL_PARSE_DONE;
}

/* NLMSG_ERROR: NL_PARSE_MORE for an ACK (error 0), else NL_PARSE_ERR. */
static int parse_error(const uint8_t *payload, size_t plen, int *nl_errno, struct eph_err *err)
{
	struct nlmsgerr ne;

	if (plen < sizeof(ne.error)) {
		eph_err_set(err, "netlink error message truncated");
		return NL_PARSE_ERR;
	}
	memcpy(&ne.error, payload, sizeof(ne.error));
	if (ne.error == 0) {
		return NL_PARSE_MORE;
	}
	*nl_errno = errno_of(ne.error);
	eph_err_set(err, "the kernel refused the socket dump: %s", strerror(*nl_errno));
	return NL_PARSE_ERR;
}

/* One inet_diag_msg, sent to fn as a sock_rec. NL_PARSE_MORE or NL_PARSE_ERR. */
static int parse_record(const uint8_t *payload, size_t plen, enum eph_proto proto, sock_fn fn,
			void *ctx, struct eph_err *err)
{
	struct inet_diag_msg m;
	struct sock_rec r;

	if (plen < sizeof(m)) {
		eph_err_set(err, "netlink socket record truncated (%zu of %zu bytes)", plen,
			    sizeof(m));
		return NL_PARSE_ERR;
	}
	memcpy(&m, payload, sizeof(m));
	if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6) {
		eph_err_set(err, "netlink socket record with unknown family %u", m.idiag_family);
		return NL_PARSE_ERR;
	}
	memset(&r, 0, sizeof(r));
	r.proto = proto;
	r.family = m.idiag_family == AF_INET6 ? 6 : 4;
	r.state = map_state(proto == EPH_UDP, m.idiag_state);
	r.lport = ntohs(m.id.idiag_sport);
	r.rport = ntohs(m.id.idiag_dport);
	memcpy(r.laddr, m.id.idiag_src, r.family == 6 ? 16 : 4);
	memcpy(r.raddr, m.id.idiag_dst, r.family == 6 ? 16 : 4);
	r.uid = m.idiag_uid;
	r.pid = EPH_OWNER_NONE;
	r.inode = m.idiag_inode;
	if (fn(&r, ctx) != 0) {
		eph_err_set(err, "out of memory while counting sockets");
		return NL_PARSE_ERR;
	}
	return NL_PARSE_MORE;
}

int nl_diag_parse(const void *buf, size_t len, uint32_t seq, enum eph_proto proto, sock_fn fn,
		  void *ctx, int *nl_errno, struct eph_err *err)
{
	const uint8_t *p = buf;
	size_t left = len;

	*nl_errno = 0;
	while (left > 0) {
		struct nlmsghdr h;
		const uint8_t *payload;
		size_t plen, step;
		int rc;

		if (left < sizeof(h)) {
			eph_err_set(err, "netlink reply truncated inside a message header");
			return NL_PARSE_ERR;
		}
		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > left) {
			eph_err_set(err, "netlink reply truncated or malformed (message of %u bytes, %zu left)",
				    h.nlmsg_len, left);
			return NL_PARSE_ERR;
		}
		payload = p + NLMSG_HDRLEN;
		plen = h.nlmsg_len - NLMSG_HDRLEN;
		step = NLMSG_ALIGN(h.nlmsg_len);
		if (step > left) {
			step = left;
		}
		p += step;
		left -= step;

		if (h.nlmsg_seq != seq) {
			continue;
		}
		if (h.nlmsg_flags & NLM_F_DUMP_INTR) {
			return NL_PARSE_INTR;
		}
		if (h.nlmsg_type == NLMSG_DONE) {
			return parse_done(payload, plen, nl_errno, err);
		}
		if (h.nlmsg_type == NLMSG_ERROR) {
			rc = parse_error(payload, plen, nl_errno, err);
		} else if (h.nlmsg_type == SOCK_DIAG_BY_FAMILY || h.nlmsg_type == TCPDIAG_GETSOCK) {
			/* Replies to the legacy request carry its type, TCPDIAG_GETSOCK. */
			rc = parse_record(payload, plen, proto, fn, ctx, err);
		} else {
			continue;
		}
		if (rc != NL_PARSE_MORE) {
			return rc;
		}
	}
	return NL_PARSE_MORE;
}

static int kernel_open(void *tctx)
{
	int *fd = tctx;

	*fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	return *fd < 0 ? -1 : 0;
}

static ssize_t kernel_send(void *tctx, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	do {
		n = sendto(*(int *)tctx, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	} while (n < 0 && errno == EINTR);
	return n;
}

static ssize_t kernel_recv(void *tctx, void *buf, size_t len, int *truncated)
{
	struct sockaddr_nl sa;
	struct iovec iov = { buf, len };
	struct msghdr msg = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov,
			      .msg_iovlen = 1 };
	ssize_t n = recvmsg(*(int *)tctx, &msg, 0);

	*truncated = n >= 0 && (msg.msg_flags & MSG_TRUNC);
	return n;
}

static void kernel_close(void *tctx)
{
	int *fd = tctx;

	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

const struct nl_transport nl_kernel_transport = { kernel_open, kernel_send, kernel_recv,
						  kernel_close };

/* Errors that mean "this kernel cannot answer", not "the answer went wrong". */
static int unavailable_errno(int e)
{
	return e == ENOENT || e == EOPNOTSUPP || e == EPROTONOSUPPORT || e == EAFNOSUPPORT ||
	       e == EPERM || e == EACCES;
}

/* One dump of one family (family 0: the legacy request for both). Returns NL_PARSE_DONE,
 * NL_PARSE_INTR (restart) or NL_PARSE_ERR with *unavail set when falling back makes sense. */
static int dump_one(const struct nl_transport *t, void *tctx, uint8_t *buf, uint8_t family,
		    const struct sys_query *q, uint32_t seq, sock_fn fn, void *ctx, int *unavail,
		    struct eph_err *err)
{
	size_t len = family ? nl_diag_build_request(buf, NL_BUF, family,
						    q->proto == EPH_UDP ? IPPROTO_UDP : IPPROTO_TCP,
						    q->lo, q->hi, seq)
			    : nl_diag_build_legacy_request(buf, NL_BUF, q->lo, q->hi, seq);
	int rc, nl_errno = 0;
	ssize_t sent;

	*unavail = 0;
	sent = t->send(tctx, buf, len);
	if (sent < 0) {
		*unavail = unavailable_errno(errno);
		eph_err_set(err, "cannot send the netlink socket-dump request: %s", strerror(errno));
		return NL_PARSE_ERR;
	}
	/* A datagram goes out whole or not at all; errno says nothing here (it may hold an
	 * older call's value), so the reason is given in words. */
	if ((size_t)sent != len) {
		eph_err_set(err,
			    "cannot send the netlink socket-dump request: the kernel took %zd of its "
			    "%zu bytes",
			    sent, len);
		return NL_PARSE_ERR;
	}
	for (unsigned spins = 0;; spins++) {
		int truncated = 0;
		ssize_t n = t->recv(tctx, buf, NL_BUF, &truncated);

		if (n < 0 && errno == EINTR && spins < 1000) {
			continue;
		}
		if (n < 0 && errno == ENOBUFS) {
			/* The receive queue overflowed: messages were lost. Start over. */
			return NL_PARSE_INTR;
		}
		if (n < 0) {
			*unavail = unavailable_errno(errno);
			eph_err_set(err, "reading the netlink socket dump failed: %s",
				    strerror(errno));
			return NL_PARSE_ERR;
		}
		if (n == 0) {
			eph_err_set(err, "the netlink socket dump ended without NLMSG_DONE");
			return NL_PARSE_ERR;
		}
		if (truncated) {
			eph_err_set(err, "a netlink reply did not fit the %d-byte buffer", NL_BUF);
			return NL_PARSE_ERR;
		}
		rc = nl_diag_parse(buf, (size_t)n, seq, q->proto, fn, ctx, &nl_errno, err);
		if (rc == NL_PARSE_ERR) {
			*unavail = nl_errno != 0 && unavailable_errno(nl_errno);
			return rc;
		}
		if (rc != NL_PARSE_MORE) {
			return rc;
		}
	}
}

static int dump(const struct nl_transport *t, void *tctx, const struct sys_query *q, bool legacy,
		sock_fn fn, void *ctx, unsigned *restarts, struct eph_err *err)
{
	static const uint8_t fams[2] = { AF_INET, AF_INET6 };
	uint8_t *buf;
	int rc = NL_DUMP_FAILED, unavail = 0;
	uint32_t seq = 1;

	*restarts = 0;
	buf = malloc(NL_BUF);
	if (!buf) {
		eph_err_set(err, "out of memory for the netlink buffer");
		return NL_DUMP_FAILED;
	}
	if (t->open(tctx) < 0) {
		rc = unavailable_errno(errno) ? NL_DUMP_UNAVAILABLE : NL_DUMP_FAILED;
		eph_err_set(err, "cannot open a NETLINK_SOCK_DIAG socket: %s", strerror(errno));
		free(buf);
		return rc;
	}
	for (;;) {
		int prc = NL_PARSE_DONE;

		for (size_t i = 0; i < 2 && prc == NL_PARSE_DONE; i++) {
			if (legacy) {
				prc = dump_one(t, tctx, buf, 0, q, seq++, fn, ctx, &unavail, err);
				break;
			}
			if (!(q->families & (i == 0 ? EPH_FAM_V4 : EPH_FAM_V6))) {
				continue;
			}
			prc = dump_one(t, tctx, buf, fams[i], q, seq++, fn, ctx, &unavail, err);
		}
		if (prc == NL_PARSE_DONE) {
			rc = NL_DUMP_OK;
			break;
		}
		if (prc == NL_PARSE_ERR) {
			rc = unavail ? NL_DUMP_UNAVAILABLE : NL_DUMP_FAILED;
			break;
		}
		/* NL_PARSE_INTR: what was delivered is inconsistent; forget it and start over.
		 * The socket may still hold the rest of the old dump, so reopen it. */
		if (*restarts >= NL_DIAG_MAX_RESTARTS) {
			eph_err_set(err,
				    "the socket table changed during %u dumps in a row; try again",
				    *restarts + 1);
			rc = NL_DUMP_FAILED;
			break;
		}
		(*restarts)++;
		if (fn(NULL, ctx) != 0) {
			rc = NL_DUMP_FAILED;
			break;
		}
		t->close(tctx);
		if (t->open(tctx) < 0) {
			eph_err_set(err, "cannot reopen the NETLINK_SOCK_DIAG socket: %s",
				    strerror(errno));
			rc = NL_DUMP_FAILED;
			break;
		}
	}
	t->close(tctx);
	free(buf);
	return rc;
}

int nl_diag_dump(const struct nl_transport *t, void *tctx, const struct sys_query *q, sock_fn fn,
		 void *ctx, unsigned *restarts, struct eph_err *err)
{
	return dump(t, tctx, q, false, fn, ctx, restarts, err);
}

int nl_diag_dump_legacy(const struct nl_transport *t, void *tctx, const struct sys_query *q,
			sock_fn fn, void *ctx, unsigned *restarts, struct eph_err *err)
{
	return dump(t, tctx, q, true, fn, ctx, restarts, err);
}
