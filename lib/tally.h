/* Counts what one protocol's sockets hold of the pool: distinct ports (a 65 536-bit set),
 * sockets per state and family, and sockets per destination (local address, remote address,
 * remote port), whose maximum is the pool connect() has left toward the busiest destination.
 *
 * Memory is bounded: the destination table holds at most TALLY_DEST_MAX entries. When more
 * destinations appear it keeps the heaviest ones (Misra-Gries: any destination holding more than
 * sockets/(TALLY_DEST_MAX+1) survives) and asks for a second read (tally_needs_verify), in which
 * it counts only those candidates exactly. */
#ifndef TALLY_H
#define TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portpool.h"
#include "sock.h"

#define TALLY_DEST_MAX 16384

struct dest_key {
	uint8_t laddr[16], raddr[16];
	uint16_t rport;
	uint8_t family;
	uint8_t pad; /* always 0: keys are hashed and compared as bytes, so no implicit padding */
};

struct dest_entry {
	struct dest_key key;
	uint32_t count;
	uint32_t time_wait; /* of which in TIME_WAIT: the closes toward it in the last lifetime */
	bool used;
};

struct tally {
	enum eph_proto proto;
	const struct portpool *pool;
	uint8_t used[65536 / 8]; /* ports of the pool held by at least one socket */
	size_t used_count;       /* bits set in used */
	size_t sockets;          /* sockets whose local port is in the pool */
	size_t states[EPH_NSTATES];
	size_t family[2]; /* [0] IPv4, [1] IPv6 sockets */
	size_t ignored;   /* sockets outside the pool (reserved or out of range) */
	size_t peered;    /* sockets with a peer: what the destination table counts */

	struct dest_entry *dests; /* open addressing, dest_cap slots, NULL until needed */
	size_t dest_cap, dest_len;
	bool dest_overflow; /* candidates only: a verify pass is needed for exact counts */
	bool verifying;     /* second pass: count known keys, insert nothing */
	bool dest_oom;      /* the table could not grow: the destination figures are unknown */
};

/* The destination a socket with a peer counts toward: (local address, remote address, remote
 * port), a dual-stack socket toward ::ffff:a.b.c.d as the IPv4 one. */
void tally_dest_key(const struct sock_rec *r, struct dest_key *k);

/* A hash of the key's bytes, for tables keyed by destination. */
size_t tally_dest_hash(const struct dest_key *k);

/* Prepares t for proto over pool (which must outlive t). */
void tally_init(struct tally *t, enum eph_proto proto, const struct portpool *pool);

/* Forgets every socket counted (a read restarted); keeps memory. In the verify pass it zeroes
 * the candidates' counts instead. */
void tally_reset(struct tally *t);

/* Counts one socket; ignores it when its local port is not in the pool or its protocol is not
 * t's. Returns 0; -1 only if memory for the destination table ran out (dest_oom is set). */
int tally_add(struct tally *t, const struct sock_rec *r);

/* sock_fn-compatible adapter: ctx is a struct tally; r == NULL resets. */
int tally_sock_fn(const struct sock_rec *r, void *ctx);

/* True after a first pass that had more destinations than the table holds. The caller reads
 * the sockets again through tally_begin_verify/tally_add. */
bool tally_needs_verify(const struct tally *t);
void tally_begin_verify(struct tally *t);

/* The busiest destination: its socket count, and its key when out != NULL. Zero when no
 * socket has a peer. exact is false when the figure is only a lower bound (more destinations
 * than the table holds, each holding few ports). */
size_t tally_dest_max(const struct tally *t, struct dest_key *out, bool *exact);

/* The entry of destination k, NULL when the table does not hold it. */
const struct dest_entry *tally_dest_find(const struct tally *t, const struct dest_key *k);

/* Fills keys/counts with up to n destinations in descending order of count; returns how many. */
size_t tally_dest_top(const struct tally *t, struct dest_entry *out, size_t n);

/* Frees the destination table. */
void tally_free(struct tally *t);

#endif
