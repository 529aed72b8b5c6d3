/* One socket as every backend hands it over: already normalized, host-order ports, one state
 * enum for both operating systems. */
#ifndef SOCK_H
#define SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum eph_proto {
	EPH_TCP = 0,
	EPH_UDP = 1,
	EPH_NPROTO
};

/* Address families as a bit set, for queries. */
enum {
	EPH_FAM_V4 = 1,
	EPH_FAM_V6 = 2,
	EPH_FAM_ALL = EPH_FAM_V4 | EPH_FAM_V6
};

/* TCP states (the values follow Linux's, so that its backend maps them directly), plus the
 * bound-but-inactive pseudo-state and UDP. */
enum eph_state {
	EPH_STATE_UNKNOWN = 0,
	EPH_TCP_ESTABLISHED = 1,
	EPH_TCP_SYN_SENT,
	EPH_TCP_SYN_RECV,
	EPH_TCP_FIN_WAIT1,
	EPH_TCP_FIN_WAIT2,
	EPH_TCP_TIME_WAIT,
	EPH_TCP_CLOSE,
	EPH_TCP_CLOSE_WAIT,
	EPH_TCP_LAST_ACK,
	EPH_TCP_LISTEN,
	EPH_TCP_CLOSING,
	EPH_TCP_NEW_SYN_RECV,
	EPH_BOUND,   /* bound, neither connected nor listening */
	EPH_UDP_SOCK, /* any UDP socket; connected ones have a peer */
	EPH_NSTATES
};

#define EPH_OWNER_NONE UINT32_MAX

struct sock_rec {
	enum eph_proto proto;
	uint8_t family;        /* 4 or 6 */
	enum eph_state state;
	uint16_t lport, rport; /* host byte order; rport 0 = no peer */
	uint8_t laddr[16], raddr[16]; /* network order; IPv4 in the first 4 bytes */
	uint32_t uid;          /* owner's uid (Linux) or EPH_OWNER_NONE */
	uint32_t pid;          /* owner's pid (Windows) or EPH_OWNER_NONE */
	uint64_t inode;        /* socket inode (Linux), 0 when unknown */
};

/* "ESTABLISHED", "TIME_WAIT", ...; "UNKNOWN" for anything else. */
const char *eph_state_name(enum eph_state s);

/* "tcp" / "udp". */
const char *eph_proto_name(enum eph_proto p);

/* True when a socket of proto can be in state s: the states the outputs list for proto, zeros
 * included, so that keys never come and go between runs (TCP: every TCP state and BOUND; UDP:
 * its one state). */
bool sock_state_of(enum eph_proto proto, enum eph_state s);

/* True when the socket has a remote end (connected, or TIME_WAIT and the like). */
bool sock_has_peer(const struct sock_rec *r);

/* Copies addr to out and returns family, except for an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d): then out holds the IPv4 address in its first 4 bytes, the rest zero, and
 * the result is 4. A dual-stack IPv6 socket that talks to an IPv4 peer takes its port from the
 * IPv4 4-tuple space, so it shares destinations and local addresses with IPv4 sockets. */
uint8_t sock_addr_unmap(uint8_t family, const uint8_t addr[16], uint8_t out[16]);

/* True for a loopback address: 127.0.0.0/8, ::1, or ::ffff:127.x.y.z. */
bool sock_addr_loopback(uint8_t family, const uint8_t addr[16]);

/* Writes addr as text: dotted quad for family 4, RFC 5952 for 6 ("::1", "fe80::1"). Returns
 * buf; size 46 is always enough. */
char *sock_addr_str(uint8_t family, const uint8_t addr[16], char *buf, size_t size);

#endif
