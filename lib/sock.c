#include "sock.h"

#include <stdio.h>
#include <string.h>

const char *eph_state_name(enum eph_state s)
{
	static const char *const names[EPH_NSTATES] = {
		[EPH_STATE_UNKNOWN] = "UNKNOWN",	 [EPH_TCP_ESTABLISHED] = "ESTABLISHED",
		[EPH_TCP_SYN_SENT] = "SYN_SENT",	 [EPH_TCP_SYN_RECV] = "SYN_RECV",
		[EPH_TCP_FIN_WAIT1] = "FIN_WAIT1",	 [EPH_TCP_FIN_WAIT2] = "FIN_WAIT2",
		[EPH_TCP_TIME_WAIT] = "TIME_WAIT",	 [EPH_TCP_CLOSE] = "CLOSE",
		[EPH_TCP_CLOSE_WAIT] = "CLOSE_WAIT",	 [EPH_TCP_LAST_ACK] = "LAST_ACK",
		[EPH_TCP_LISTEN] = "LISTEN",		 [EPH_TCP_CLOSING] = "CLOSING",
		[EPH_TCP_NEW_SYN_RECV] = "NEW_SYN_RECV", [EPH_BOUND] = "BOUND",
		[EPH_UDP_SOCK] = "UDP",
	};

	if ((unsigned)s >= EPH_NSTATES) {
		return "UNKNOWN";
	}
	return names[s];
}

bool sock_state_of(enum eph_proto proto, enum eph_state s)
{
	if (proto != EPH_TCP) {
		return s == EPH_UDP_SOCK;
	}
	return s != EPH_UDP_SOCK && s != EPH_STATE_UNKNOWN && (unsigned)s < EPH_NSTATES;
}

const char *eph_proto_name(enum eph_proto p)
{
	return p == EPH_UDP ? "udp" : "tcp";
}

bool sock_has_peer(const struct sock_rec *r)
{
	return r->rport != 0 && r->state != EPH_TCP_LISTEN && r->state != EPH_BOUND;
}

uint8_t sock_addr_unmap(uint8_t family, const uint8_t addr[16], uint8_t out[16])
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (family == 6 && memcmp(addr, prefix, sizeof(prefix)) == 0) {
		uint8_t v4[4];

		memcpy(v4, addr + 12, sizeof(v4));
		memset(out, 0, 16);
		memcpy(out, v4, sizeof(v4));
		return 4;
	}
	memmove(out, addr, 16);
	return family;
}

char *sock_addr_str(uint8_t family, const uint8_t addr[16], char *buf, size_t size)
{
	uint16_t w[8];
	int best = -1, best_len = 0, pos = 0;
	size_t n = 0;

	if (family != 6) {
		snprintf(buf, size, "%u.%u.%u.%u", addr[0], addr[1], addr[2], addr[3]);
		return buf;
	}
	for (int i = 0; i < 8; i++) {
		w[i] = (uint16_t)(addr[2 * i] << 8 | addr[2 * i + 1]);
	}
	/* RFC 5952: the longest run of two or more zero groups, the first one on a tie, is "::". */
	for (int i = 0; i < 8; i++) {
		int j = i;

		while (j < 8 && w[j] == 0) {
			j++;
		}
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		if (j > i) {
			i = j - 1;
		}
	}
	/* IPv4-mapped addresses read better with the IPv4 part dotted. */
	if (best == 0 && best_len == 5 && w[5] == 0xffff) {
		snprintf(buf, size, "::ffff:%u.%u.%u.%u", addr[12], addr[13], addr[14], addr[15]);
		return buf;
	}
	buf[0] = '\0';
	while (pos < 8 && n < size) {
		int k;

		if (pos == best) {
			k = snprintf(buf + n, size - n, "::");
			pos += best_len;
		} else {
			k = snprintf(buf + n, size - n, "%s%x",
				     (pos > 0 && pos != best + best_len) ? ":" : "", w[pos]);
			pos++;
		}
		if (k < 0) {
			break;
		}
		n += (size_t)k;
	}
	return buf;
}

bool sock_addr_loopback(uint8_t family, const uint8_t addr[16])
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	uint8_t a[16];

	if (sock_addr_unmap(family, addr, a) == 4) {
		return a[0] == 127;
	}
	return memcmp(a, v6_loopback, sizeof(v6_loopback)) == 0;
}
