/* NETLINK_SOCK_DIAG (inet_diag) reader, Linux only: builds the dump request with a kernel-side
 * source-port filter, parses replies in place, and runs a dump over a transport that tests can
 * replace (fault injection without touching the kernel). */
#ifndef NL_DIAG_H
#define NL_DIAG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "eph.h"
#include "sys.h"

/* Outcome of parsing one buffer of replies. */
enum nl_parse_rc {
	NL_PARSE_MORE = 0, /* all messages handled, the dump goes on */
	NL_PARSE_DONE = 1, /* NLMSG_DONE seen: the dump is complete */
	NL_PARSE_INTR = 2, /* NLM_F_DUMP_INTR seen: the table changed, restart the dump */
	NL_PARSE_ERR = -1, /* err is set; *nl_errno holds the kernel's errno when it sent one */
};

/* Builds an inet_diag_req_v2 dump request for family/protocol, every state plus bound-inactive,
 * with bytecode accepting only source ports lo..hi. Returns its length, or 0 when size is too
 * small. */
size_t nl_diag_build_request(void *buf, size_t size, uint8_t family, uint8_t protocol, uint16_t lo,
			     uint16_t hi, uint32_t seq);

/* Builds the legacy TCPDIAG_GETSOCK dump request (struct inet_diag_req) with the same states
 * and filter. The kernel answers it with the TCP sockets of both families in one walk of its
 * tables, where inet_diag_req_v2 needs one walk per family (inet_diag_dump_compat() sets
 * sdiag_family to AF_UNSPEC). Returns its length, or 0 when size is too small. */
size_t nl_diag_build_legacy_request(void *buf, size_t size, uint16_t lo, uint16_t hi,
				    uint32_t seq);

/* Parses len bytes of replies to request seq, calling fn for each socket (proto is stamped into
 * the records). A message for another sequence number is skipped. */
int nl_diag_parse(const void *buf, size_t len, uint32_t seq, enum eph_proto proto, sock_fn fn,
		  void *ctx, int *nl_errno, struct eph_err *err);

/* The transport: the real one wraps a NETLINK_SOCK_DIAG socket. send returns the bytes sent
 * (fewer than len: the request did not go out whole) or -1 with errno; recv returns bytes, 0
 * at EOF, -1 with errno; *truncated is set when the datagram did not fit. */
struct nl_transport {
	int (*open)(void *tctx);
	ssize_t (*send)(void *tctx, const void *buf, size_t len);
	ssize_t (*recv)(void *tctx, void *buf, size_t len, int *truncated);
	void (*close)(void *tctx);
};

/* The kernel transport; tctx is an int * holding the socket fd. */
extern const struct nl_transport nl_kernel_transport;

#define NL_DIAG_MAX_RESTARTS 5

enum nl_dump_rc {
	NL_DUMP_OK = 0,
	NL_DUMP_UNAVAILABLE = 1, /* netlink or this protocol's diag module is not there: fall back */
	NL_DUMP_FAILED = -1,     /* err is set */
};

/* Dumps q->proto for each family in q->families through t, delivering every socket to fn; on
 * NLM_F_DUMP_INTR or ENOBUFS it calls fn(NULL) and starts over, at most NL_DIAG_MAX_RESTARTS
 * times. *restarts counts them. */
int nl_diag_dump(const struct nl_transport *t, void *tctx, const struct sys_query *q, sock_fn fn,
		 void *ctx, unsigned *restarts, struct eph_err *err);

/* Like nl_diag_dump for TCP and both families, with one legacy request: about a third less
 * kernel time on a big table. q->proto must be EPH_TCP and q->families EPH_FAM_ALL. Any
 * failure can be retried with nl_diag_dump (after fn(NULL)). */
int nl_diag_dump_legacy(const struct nl_transport *t, void *tctx, const struct sys_query *q,
			sock_fn fn, void *ctx, unsigned *restarts, struct eph_err *err);

#endif
