/* Reader of /proc/net/tcp, tcp6, udp and udp6: the fallback when netlink is not available.
 * Slower (the kernel formats text for every socket) and blind to bound-only sockets. */
#ifndef PROCNET_H
#define PROCNET_H

#include <stdio.h>

#include "eph.h"
#include "sys.h"

/* Parses one /proc/net/{tcp,tcp6,udp,udp6} table from f (family 4 or 6) and calls fn for each
 * socket whose local port is in lo..hi. Returns 0, or -1 with err set on a line it cannot
 * read (the whole table is then unusable: no partial count) or when fn fails. */
int procnet_parse(FILE *f, enum eph_proto proto, int family, uint16_t lo, uint16_t hi, sock_fn fn,
		  void *ctx, struct eph_err *err);

#endif
