/* sockrec.h: the socket records the unit tests feed to the tally, in one place. Header only (each
 * tests/test_*.c is built on its own, also with mingw), so include it in one test file each. */
#ifndef SOCKREC_H
#define SOCKREC_H

#include <stdint.h>
#include <string.h>

#include "sock.h"

/* sockrec PROTO FAMILY STATE LPORT LADDR RADDR RPORT: a socket with the IPv4 addresses LADDR and
 * RADDR as numbers (0x0a000001 is 10.0.0.1); with FAMILY 6 the same numbers at the end of the
 * IPv6 addresses (::a.b.c.d). Owned by uid 1000, no process known. */
static inline struct sock_rec sockrec(enum eph_proto proto, uint8_t family,
				      enum eph_state state, uint16_t lport, uint32_t laddr,
				      uint32_t raddr, uint16_t rport)
{
	struct sock_rec r;

	memset(&r, 0, sizeof(r));
	r.proto = proto;
	r.family = family;
	r.state = state;
	r.lport = lport;
	r.rport = rport;
	for (int i = 0; i < 4; i++) {
		r.laddr[family == 6 ? 12 + i : i] = (uint8_t)(laddr >> (24 - 8 * i));
		r.raddr[family == 6 ? 12 + i : i] = (uint8_t)(raddr >> (24 - 8 * i));
	}
	r.uid = 1000;
	r.pid = EPH_OWNER_NONE;
	return r;
}

#endif
