/* Who holds the pool: the --top tables. While the sockets are read (the same single read that
 * feeds the tally) an attrib collects, with bounded memory, per local address the ports in use,
 * the sockets, listeners and TIME_WAITs, and for every socket that has an owner its inode,
 * uid, pid and port. Only when the tables are wanted does attrib_report find the owning
 * processes (Linux: the /proc fd search behind sys.h, bounded in time and count; Windows: the
 * pid came with the socket), falling back to the socket's user where another user's processes
 * cannot be read, and build the top lists: owners, destinations (from the tally) and local
 * addresses. Portable: the OS work goes through struct attrib_hooks, so tests feed synthetic
 * sockets and fake owners. */
#ifndef ATTRIB_H
#define ATTRIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "portpool.h"
#include "sock.h"
#include "sys.h"
#include "tally.h"

#define ATTRIB_TOP_DEFAULT 5 /* rows per table when the state is not OK and --top is not given */
#define ATTRIB_TOP_MAX EPH_TOP_MAX /* --top limit (config.h) */
#define ATTRIB_LADDR_MAX 64  /* local addresses told apart; the rest share one "other" row */
#define ATTRIB_LADDR_IDS 16  /* owner ids listed per local address (the history log) */
#define ATTRIB_SOCK_MAX 262144 /* owned sockets remembered (32 bytes each); more: lower bounds */
#define ATTRIB_SCAN_MAX_MS 3000 /* the owner search never takes longer, whatever -t allows */
#define ATTRIB_SCAN_MAX_LINKS 2000000 /* nor reads more descriptors */
#define ATTRIB_DEST_MAX 2048 /* destinations told apart for the TIME_WAIT inference */
#define ATTRIB_DEST_SLOTS (2 * ATTRIB_DEST_MAX) /* hash slots: load at most 1/2 */
#define ATTRIB_DEST_NONE 0xFFFF /* a socket without a peer, or beyond ATTRIB_DEST_MAX */

/* One local address (0.0.0.0 and :: included: listeners and bound sockets). */
struct attrib_laddr {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
	bool other;     /* stands for every address beyond the first ATTRIB_LADDR_MAX */
	uint8_t *ports; /* 65 536-bit set of the pool's ports held on it, NULL until used */
	size_t used;    /* bits set in ports */
	size_t sockets, listening, time_wait;
};

/* A socket that has an owner (not TIME_WAIT, not orphaned). */
struct attrib_sock {
	uint64_t inode;    /* Linux; 0 when unknown */
	uint32_t uid, pid; /* EPH_OWNER_NONE when unknown */
	uint16_t lport;
	uint16_t laddr; /* index into struct attrib.laddr */
	uint16_t dest;  /* slot in struct attrib.dests, ATTRIB_DEST_NONE */
	uint32_t key;   /* the owner in the view attrib_report chose: pid, or uid per user */
};

/* A destination of sockets in the pool, for the TIME_WAIT inference: TIME_WAIT sockets have no
 * owner, but the process that made them usually still talks to the same destination. */
struct attrib_dest {
	struct dest_key key;
	size_t time_wait; /* TIME_WAIT sockets toward it */
	bool used;
};

struct attrib {
	enum eph_proto proto;
	const struct portpool *pool;
	struct attrib_laddr laddr[ATTRIB_LADDR_MAX + 1]; /* [ATTRIB_LADDR_MAX] is "other" */
	size_t n_laddr;                                  /* addresses in laddr[0..n_laddr) */
	size_t last;                                     /* the last address hit: sockets come
							  * in runs from one address */
	struct attrib_sock *socks;
	size_t n_socks, cap_socks;
	size_t sockets;                 /* sockets in the pool */
	size_t owned;                   /* of which have an owner (also those beyond the cap) */
	size_t ownerless[EPH_NSTATES];  /* the others, per state: TIME_WAIT, orphaned closes */
	struct attrib_dest *dests;      /* ATTRIB_DEST_SLOTS slots, NULL until a peer is seen */
	size_t n_dests;                 /* slots used */
	size_t tw_unplaced;             /* TIME_WAIT toward destinations beyond ATTRIB_DEST_MAX */
	bool cut;                       /* more owned sockets than ATTRIB_SOCK_MAX */
	bool oom;                       /* memory ran out: the tables say they are incomplete */
};

/* Prepares a for proto over pool (which must outlive a). Allocates nothing yet. */
void attrib_init(struct attrib *a, enum eph_proto proto, const struct portpool *pool);

/* Forgets every socket (the read restarted); keeps memory. */
void attrib_reset(struct attrib *a);

/* Counts one socket; ignores it when its local port is not in the pool or its protocol is not
 * a's. Never fails: when memory runs out a->oom is set and the socket is counted where it
 * still can be. */
void attrib_add(struct attrib *a, const struct sock_rec *r);

/* Releases the memory; a can be initialised again. */
void attrib_free(struct attrib *a);

/* One owner row: a process, or a user in the per-user view. */
struct attrib_owner_row {
	uint32_t id;   /* pid, or uid in the per-user view */
	char name[64]; /* process or user name; "" when it could not be read */
	size_t ports;  /* distinct ports of the pool held */
	size_t sockets;
};

struct attrib_laddr_row {
	uint8_t family;
	uint8_t addr[16];
	bool other; /* the addresses beyond ATTRIB_LADDR_MAX, summed */
	size_t used;
	double pct; /* 100*used/pool size, one decimal */
	size_t sockets, listening, time_wait;
	size_t owners; /* distinct processes (users in the per-user view) with a socket on it */
	uint32_t owner_ids[ATTRIB_LADDR_IDS]; /* the first of them, ascending */
	size_t n_owner_ids;
};

/* TIME_WAIT toward one destination, and who talks to it now (inferred: TIME_WAIT has no
 * owner). */
struct attrib_tw_row {
	struct dest_key key;
	size_t time_wait;
	uint32_t id;    /* the owner (pid, or uid in the per-user view) with the most sockets
			 * toward it now; EPH_OWNER_NONE when none */
	char name[64];  /* its name; "" when it could not be read */
	size_t ports;   /* ports it holds toward the destination (or, with id EPH_OWNER_NONE, held
			 * toward it by sockets whose process was not found) */
	size_t others;  /* further owners with sockets toward it */
};

struct attrib_tables {
	size_t top;       /* rows asked for per table */
	size_t pool_size; /* effective pool, the base of every share */
	enum eph_proto proto;
	bool per_user;    /* owner rows are users: some processes could not be read */
	bool partial;     /* owner figures are lower bounds; note says why */
	bool dests_exact; /* false: more destinations than the tally tells apart */
	char note[400];   /* what the reader must know about the owner rows; "" when nothing */
	struct sys_owner_scan scan;

	struct attrib_owner_row owners[ATTRIB_TOP_MAX];
	size_t n_owners, owners_total; /* rows filled; distinct owners seen */
	size_t unresolved;             /* sockets with an owner no process was found for */
	size_t ownerless[EPH_NSTATES]; /* sockets no process holds, per state */
	size_t ownerless_total;

	struct dest_entry dests[ATTRIB_TOP_MAX]; /* TCP: busiest destinations, from the tally */
	size_t n_dests, dests_total;

	struct attrib_laddr_row laddrs[ATTRIB_TOP_MAX];
	size_t n_laddrs, laddrs_total;

	struct attrib_tw_row tw[ATTRIB_TOP_MAX]; /* TCP: most TIME_WAIT first */
	size_t n_tw, tw_total; /* rows filled; destinations with TIME_WAIT told apart */
	size_t tw_unplaced;    /* TIME_WAIT toward destinations beyond ATTRIB_DEST_MAX */
};

/* The OS side of attrib_report; attrib_sys_hooks is the real one (sys.h). */
struct attrib_hooks {
	int (*pid_for_inodes)(const uint64_t *inodes, size_t n, uint32_t *pids,
			      struct sys_owner_scan *s, struct eph_err *err);
	int (*process_name)(uint32_t pid, char *buf, size_t size);
	int (*user_name)(uint32_t uid, char *buf, size_t size);
};

extern const struct attrib_hooks attrib_sys_hooks;

/* Finds the owners of a's sockets (the search stops at deadline_ms of sys_clock_ms(), 0 = no
 * limit, or after ATTRIB_SCAN_MAX_LINKS descriptors) and fills out with up to top rows
 * (at most ATTRIB_TOP_MAX) per table; t (may be NULL) gives the destinations. Reorders a's
 * socket list. Never fails: whatever could not be found is said in out->note. */
void attrib_report(struct attrib *a, const struct tally *t, size_t top,
		   const struct attrib_hooks *h, uint64_t deadline_ms, struct attrib_tables *out);

#endif
