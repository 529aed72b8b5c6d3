#include "attrib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topn.h"

const struct attrib_hooks attrib_sys_hooks = {
	.pid_for_inodes = sys_pid_for_inodes,
	.process_name = sys_process_name,
	.user_name = sys_user_name,
};

void attrib_init(struct attrib *a, enum eph_proto proto, const struct portpool *pool)
{
	memset(a, 0, sizeof(*a));
	a->proto = proto;
	a->pool = pool;
	a->laddr[ATTRIB_LADDR_MAX].other = true;
}

void attrib_reset(struct attrib *a)
{
	for (size_t i = 0; i <= ATTRIB_LADDR_MAX; i++) {
		struct attrib_laddr *l = &a->laddr[i];

		if (l->ports) {
			memset(l->ports, 0, 65536 / 8);
		}
		l->used = l->sockets = l->listening = l->time_wait = 0;
	}
	/* Addresses keep their slots: the restarted read will most likely see them again, and a
	 * slot without sockets is never shown. */
	if (a->dests) {
		memset(a->dests, 0, ATTRIB_DEST_SLOTS * sizeof(*a->dests));
	}
	a->n_dests = 0;
	a->tw_unplaced = 0;
	a->n_socks = 0;
	a->sockets = 0;
	a->owned = 0;
	memset(a->ownerless, 0, sizeof(a->ownerless));
	a->cut = false;
}

/* The row of the socket's local address; an IPv4-mapped one (a dual-stack socket) is the
 * IPv4 address's row. */
static size_t laddr_index(struct attrib *a, const struct sock_rec *r)
{
	uint8_t addr[16];
	uint8_t family = sock_addr_unmap(r->family, r->laddr, addr);
	size_t alen = family == 6 ? 16 : 4;
	struct attrib_laddr *l = &a->laddr[a->last];

	if (a->last < a->n_laddr && l->family == family && memcmp(l->addr, addr, alen) == 0) {
		return a->last;
	}
	for (size_t i = 0; i < a->n_laddr; i++) {
		l = &a->laddr[i];
		if (l->family == family && memcmp(l->addr, addr, alen) == 0) {
			a->last = i;
			return i;
		}
	}
	if (a->n_laddr == ATTRIB_LADDR_MAX) {
		return ATTRIB_LADDR_MAX;
	}
	l = &a->laddr[a->n_laddr];
	l->family = family;
	memset(l->addr, 0, sizeof(l->addr));
	memcpy(l->addr, addr, alen);
	a->last = a->n_laddr;
	return a->n_laddr++;
}

/* The slot of the socket's destination, found or added; ATTRIB_DEST_NONE without a peer, when
 * the table is full or memory ran out. */
static uint16_t dest_index(struct attrib *a, const struct sock_rec *r)
{
	struct dest_key k;
	size_t i;

	if (!sock_has_peer(r)) {
		return ATTRIB_DEST_NONE;
	}
	if (!a->dests) {
		a->dests = calloc(ATTRIB_DEST_SLOTS, sizeof(*a->dests));
		if (!a->dests) {
			a->oom = true;
			return ATTRIB_DEST_NONE;
		}
	}
	tally_dest_key(r, &k);
	i = tally_dest_hash(&k) & (ATTRIB_DEST_SLOTS - 1);
	while (a->dests[i].used && memcmp(&a->dests[i].key, &k, sizeof(k)) != 0) {
		i = (i + 1) & (ATTRIB_DEST_SLOTS - 1);
	}
	if (!a->dests[i].used) {
		if (a->n_dests == ATTRIB_DEST_MAX) {
			return ATTRIB_DEST_NONE;
		}
		a->dests[i].used = true;
		a->dests[i].key = k;
		a->n_dests++;
	}
	return (uint16_t)i;
}

/* A socket no process holds: TIME_WAIT (the kernel keeps it after close; Windows reports
 * PID 0 for it), and on Linux anything without an inode (orphaned FIN_WAIT sockets after
 * close(), half-open requests). */
static bool ownerless(const struct sock_rec *r)
{
	return r->state == EPH_TCP_TIME_WAIT || (r->pid == EPH_OWNER_NONE && r->inode == 0);
}

void attrib_add(struct attrib *a, const struct sock_rec *r)
{
	struct attrib_laddr *l;
	struct attrib_sock *s;
	uint16_t dest;
	size_t li;

	if (r->proto != a->proto || !pool_contains(a->pool, r->lport)) {
		return;
	}
	a->sockets++;
	li = laddr_index(a, r);
	l = &a->laddr[li];
	l->sockets++;
	if (r->state == EPH_TCP_LISTEN) {
		l->listening++;
	}
	if (r->state == EPH_TCP_TIME_WAIT) {
		l->time_wait++;
	}
	if (!l->ports) {
		l->ports = calloc(65536 / 8, 1);
		if (!l->ports) {
			a->oom = true;
		}
	}
	if (l->ports && !(l->ports[r->lport >> 3] & (1u << (r->lport & 7)))) {
		l->ports[r->lport >> 3] |= (uint8_t)(1u << (r->lport & 7));
		l->used++;
	}
	dest = dest_index(a, r);
	if (r->state == EPH_TCP_TIME_WAIT) {
		if (dest == ATTRIB_DEST_NONE) {
			a->tw_unplaced++;
		} else {
			a->dests[dest].time_wait++;
		}
	}
	if (ownerless(r)) {
		if ((unsigned)r->state < EPH_NSTATES) {
			a->ownerless[r->state]++;
		}
		return;
	}
	a->owned++;
	if (a->n_socks == a->cap_socks) {
		size_t cap = a->cap_socks ? a->cap_socks * 2 : 256;
		struct attrib_sock *n;

		if (a->cap_socks >= ATTRIB_SOCK_MAX) {
			a->cut = true;
			return;
		}
		if (cap > ATTRIB_SOCK_MAX) {
			cap = ATTRIB_SOCK_MAX;
		}
		n = realloc(a->socks, cap * sizeof(*n));
		if (!n) {
			a->oom = true;
			return;
		}
		a->socks = n;
		a->cap_socks = cap;
	}
	s = &a->socks[a->n_socks++];
	s->inode = r->inode;
	s->uid = r->uid;
	s->pid = r->pid;
	s->lport = r->lport;
	s->laddr = (uint16_t)li;
	s->dest = dest;
}

void attrib_free(struct attrib *a)
{
	for (size_t i = 0; i <= ATTRIB_LADDR_MAX; i++) {
		free(a->laddr[i].ports);
		a->laddr[i].ports = NULL;
	}
	free(a->dests);
	a->dests = NULL;
	a->n_dests = 0;
	free(a->socks);
	a->socks = NULL;
	a->n_socks = a->cap_socks = 0;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_owner_port(const void *x, const void *y)
{
	const struct attrib_sock *a = x, *b = y;
	int c = cmp_u32(a->key, b->key);

	if (!c) {
		c = cmp_u32(a->laddr, b->laddr);
	}
	return c ? c : cmp_u32(a->lport, b->lport);
}

static int cmp_laddr_owner(const void *x, const void *y)
{
	const struct attrib_sock *a = x, *b = y;
	int c = cmp_u32(a->laddr, b->laddr);

	return c ? c : cmp_u32(a->key, b->key);
}

/* Finds the processes behind sockets that came without one (Linux) and writes them into the
 * socket list. Returns the search's -1 when it could not run. */
static int resolve_pids(struct attrib *a, const struct attrib_hooks *h, uint64_t deadline_ms,
			struct attrib_tables *out, struct eph_err *err)
{
	uint64_t *inodes = NULL;
	uint32_t *pids = NULL;
	size_t n = 0, u = 0;
	int rc = -1;

	for (size_t i = 0; i < a->n_socks; i++) {
		n += a->socks[i].pid == EPH_OWNER_NONE && a->socks[i].inode != 0;
	}
	if (n == 0) {
		return 0;
	}
	inodes = malloc(n * sizeof(*inodes));
	pids = malloc(n * sizeof(*pids));
	if (!inodes || !pids) {
		eph_err_set(err, "out of memory for %zu socket inodes", n);
		goto out;
	}
	for (size_t i = 0; i < a->n_socks; i++) {
		if (a->socks[i].pid == EPH_OWNER_NONE && a->socks[i].inode != 0) {
			inodes[u++] = a->socks[i].inode;
		}
	}
	qsort(inodes, n, sizeof(*inodes), cmp_u64);
	u = 0;
	for (size_t i = 0; i < n; i++) {
		if (u == 0 || inodes[u - 1] != inodes[i]) {
			inodes[u++] = inodes[i];
		}
	}
	out->scan.deadline_ms = deadline_ms;
	out->scan.max_links = ATTRIB_SCAN_MAX_LINKS;
	if (h->pid_for_inodes(inodes, u, pids, &out->scan, err) < 0) {
		goto out;
	}
	for (size_t i = 0; i < a->n_socks; i++) {
		struct attrib_sock *s = &a->socks[i];
		const uint64_t *hit;

		if (s->pid != EPH_OWNER_NONE || s->inode == 0) {
			continue;
		}
		hit = bsearch(&s->inode, inodes, u, sizeof(*inodes), cmp_u64);
		if (hit) {
			s->pid = pids[hit - inodes];
		}
	}
	rc = 0;
out:
	free(inodes);
	free(pids);
	return rc;
}

/* Order of the owner rows: most ports first, then most sockets, then the lower id. */
static bool row_before(const void *a, const void *b)
{
	const struct attrib_owner_row *x = a, *y = b;

	if (x->ports != y->ports) {
		return x->ports > y->ports;
	}
	if (x->sockets != y->sockets) {
		return x->sockets > y->sockets;
	}
	return x->id < y->id;
}

static void owner_rows(struct attrib *a, struct attrib_tables *out)
{
	size_t i = 0;

	if (a->n_socks > 1) { /* qsort(NULL, 0, ...) is undefined behaviour */
		qsort(a->socks, a->n_socks, sizeof(*a->socks), cmp_owner_port);
	}
	while (i < a->n_socks) {
		struct attrib_owner_row row;
		uint32_t key = a->socks[i].key;
		size_t j = i;

		memset(&row, 0, sizeof(row));
		row.id = key;
		for (; j < a->n_socks && a->socks[j].key == key; j++) {
			row.sockets++;
			/* A port is one (local address, port) pair, as in the address rows:
			 * 127.0.0.1:40000 and 127.0.0.2:40000 are two. */
			if (j == i || a->socks[j].lport != a->socks[j - 1].lport ||
			    a->socks[j].laddr != a->socks[j - 1].laddr) {
				row.ports++;
			}
		}
		i = j;
		if (key == EPH_OWNER_NONE) {
			continue; /* counted as unresolved */
		}
		out->owners_total++;
		topn_offer(out->owners, &out->n_owners, out->top, sizeof(row), &row, row_before);
	}
}

static bool laddr_before(const void *a, const void *b)
{
	const struct attrib_laddr_row *x = a, *y = b;

	if (x->used != y->used) {
		return x->used > y->used;
	}
	if (x->sockets != y->sockets) {
		return x->sockets > y->sockets;
	}
	if (x->other != y->other) {
		return y->other; /* "other" last among equals */
	}
	if (x->family != y->family) {
		return x->family < y->family;
	}
	return memcmp(x->addr, y->addr, sizeof(x->addr)) < 0;
}

static void laddr_rows(struct attrib *a, struct attrib_tables *out)
{
	uint32_t ids[ATTRIB_LADDR_MAX + 1][ATTRIB_LADDR_IDS]; /* 4 KiB */
	size_t owners[ATTRIB_LADDR_MAX + 1] = { 0 };

	/* Distinct owners per address: one sorted walk over (address, owner). */
	if (a->n_socks > 1) {
		qsort(a->socks, a->n_socks, sizeof(*a->socks), cmp_laddr_owner);
	}
	for (size_t i = 0; i < a->n_socks; i++) {
		const struct attrib_sock *s = &a->socks[i];

		if (s->key == EPH_OWNER_NONE) {
			continue;
		}
		if (i == 0 || s->laddr != a->socks[i - 1].laddr || s->key != a->socks[i - 1].key) {
			if (owners[s->laddr] < ATTRIB_LADDR_IDS) {
				ids[s->laddr][owners[s->laddr]] = s->key;
			}
			owners[s->laddr]++;
		}
	}
	for (size_t i = 0; i <= ATTRIB_LADDR_MAX; i++) {
		const struct attrib_laddr *l = &a->laddr[i];
		struct attrib_laddr_row row;

		if (l->sockets == 0) {
			continue;
		}
		memset(&row, 0, sizeof(row));
		row.family = l->family;
		memcpy(row.addr, l->addr, sizeof(row.addr));
		row.other = l->other;
		row.used = l->used;
		row.pct = out->pool_size
				  ? round(1000.0 * (double)l->used / (double)out->pool_size) / 10.0
				  : 0;
		row.sockets = l->sockets;
		row.listening = l->listening;
		row.time_wait = l->time_wait;
		row.owners = owners[i];
		row.n_owner_ids = owners[i] < ATTRIB_LADDR_IDS ? owners[i] : ATTRIB_LADDR_IDS;
		memcpy(row.owner_ids, ids[i], row.n_owner_ids * sizeof(row.owner_ids[0]));
		out->laddrs_total++;
		topn_offer(out->laddrs, &out->n_laddrs, out->top, sizeof(row), &row, laddr_before);
	}
}

static int cmp_dest_owner(const void *x, const void *y)
{
	const struct attrib_sock *a = x, *b = y;
	int c = cmp_u32(a->dest, b->dest);

	return c ? c : cmp_u32(a->key, b->key);
}

/* Most TIME_WAIT first; equal counts in the order of their keys' bytes. */
static bool tw_before(const void *a, const void *b)
{
	const struct attrib_tw_row *x = a, *y = b;

	if (x->time_wait != y->time_wait) {
		return x->time_wait > y->time_wait;
	}
	return memcmp(&x->key, &y->key, sizeof(x->key)) < 0;
}

/* The destinations with the most TIME_WAIT, and for each the owner that holds the most sockets
 * toward it now: TIME_WAIT has no owner, but the process that made it usually still talks to
 * the same destination. One sort of the socket list by (destination, owner). */
static void tw_rows(struct attrib *a, struct attrib_tables *out)
{
	static uint8_t rank[ATTRIB_DEST_SLOTS]; /* 1 + row of a slot in out->tw; 0: not shown */
	size_t i = 0;

	out->tw_unplaced = a->tw_unplaced;
	if (!a->dests || out->top == 0) {
		return;
	}
	for (size_t d = 0; d < ATTRIB_DEST_SLOTS; d++) {
		struct attrib_tw_row row;

		rank[d] = 0;
		if (!a->dests[d].used || a->dests[d].time_wait == 0) {
			continue;
		}
		memset(&row, 0, sizeof(row));
		row.key = a->dests[d].key;
		row.time_wait = a->dests[d].time_wait;
		row.id = (uint32_t)d; /* while selecting, a row's id holds its slot */
		out->tw_total++;
		topn_offer(out->tw, &out->n_tw, out->top, sizeof(row), &row, tw_before);
	}
	for (size_t r = 0; r < out->n_tw; r++) {
		rank[out->tw[r].id] = (uint8_t)(r + 1);
		out->tw[r].id = EPH_OWNER_NONE;
	}
	if (a->n_socks > 1) {
		qsort(a->socks, a->n_socks, sizeof(*a->socks), cmp_dest_owner);
	}
	while (i < a->n_socks) {
		const struct attrib_sock *s = &a->socks[i];
		struct attrib_tw_row *row;
		size_t j = i;

		if (s->dest == ATTRIB_DEST_NONE || rank[s->dest] == 0) {
			i++;
			continue;
		}
		while (j < a->n_socks && a->socks[j].dest == s->dest && a->socks[j].key == s->key) {
			j++;
		}
		/* Sockets toward one destination hold one port each. */
		row = &out->tw[rank[s->dest] - 1];
		if (s->key == EPH_OWNER_NONE) {
			if (row->id == EPH_OWNER_NONE) {
				row->ports += j - i; /* no process found (yet) */
			}
		} else if (row->id == EPH_OWNER_NONE) {
			row->id = s->key;
			row->ports = j - i;
		} else {
			row->others++;
			if (j - i > row->ports) {
				row->id = s->key;
				row->ports = j - i;
			}
		}
		i = j;
	}
}

/* Appends a sentence to the note, "; " between sentences. */
static void note_add(struct attrib_tables *out, const char *text)
{
	size_t len = strlen(out->note);

	snprintf(out->note + len, sizeof(out->note) - len, "%s%s", len ? "; " : "", text);
}

void attrib_report(struct attrib *a, const struct tally *t, size_t top,
		   const struct attrib_hooks *h, uint64_t deadline_ms, struct attrib_tables *out)
{
	struct eph_err err = { "" };
	char msg[300];
	bool scan_failed, by_user;

	memset(out, 0, sizeof(*out));
	out->proto = a->proto;
	out->top = top > ATTRIB_TOP_MAX ? ATTRIB_TOP_MAX : top;
	out->pool_size = pool_size(a->pool);

	scan_failed = resolve_pids(a, h, deadline_ms, out, &err) < 0;
	for (size_t i = 0; i < a->n_socks; i++) {
		out->unresolved += a->socks[i].pid == EPH_OWNER_NONE;
	}
	/* Sockets left without a process because this user may not look at them, or the search
	 * ran out of time: show every socket by its user instead, complete and exact, rather than
	 * a process list with holes. uids exist only where sockets carry them (Linux). */
	by_user = out->unresolved > 0 &&
		  (scan_failed || out->scan.denied > 0 || out->scan.gave_up);
	out->per_user = by_user;
	for (size_t i = 0; i < a->n_socks; i++) {
		a->socks[i].key = by_user ? a->socks[i].uid : a->socks[i].pid;
	}
	if (scan_failed) {
		snprintf(msg, sizeof(msg), "owners per user: the process search failed (%.200s)",
			 err.msg);
		note_add(out, msg);
	} else if (by_user && out->scan.denied > 0) {
		/* No counts here: the number of processes changes from run to run, and the
		 * long output should not (the JSON "search" member has them). */
		note_add(out, "owners per user: this user may not read other users' processes "
			      "(root sees processes)");
	}
	if (out->scan.gave_up) {
		snprintf(msg, sizeof(msg),
			 "the process search stopped after %llu ms, %zu processes and %zu descriptors "
			 "(limits: %u ms and what -t leaves, %u descriptors)%s",
			 (unsigned long long)out->scan.elapsed_ms, out->scan.procs, out->scan.links,
			 (unsigned)ATTRIB_SCAN_MAX_MS, (unsigned)ATTRIB_SCAN_MAX_LINKS,
			 by_user ? ", so owners are shown per user" : "");
		note_add(out, msg);
	}
	if (a->cut) {
		snprintf(msg, sizeof(msg),
			 "only the first %u of %zu sockets with an owner were kept: counts are lower "
			 "bounds",
			 (unsigned)ATTRIB_SOCK_MAX, a->owned);
		note_add(out, msg);
		out->partial = true;
	}
	if (a->oom) {
		note_add(out, "memory ran out while collecting owners: counts are lower bounds");
		out->partial = true;
	}
	if (!by_user && out->unresolved > 0) {
		snprintf(msg, sizeof(msg),
			 "%zu sockets matched no process (it ended during the check, or the kernel "
			 "holds them)",
			 out->unresolved);
		note_add(out, msg);
	}

	if (a->proto == EPH_TCP) {
		tw_rows(a, out);
	}
	owner_rows(a, out);
	laddr_rows(a, out);
	for (size_t i = 0; i < out->n_tw; i++) {
		struct attrib_tw_row *r = &out->tw[i];

		if (r->id == EPH_OWNER_NONE) {
			continue;
		}
		if (by_user) {
			h->user_name(r->id, r->name, sizeof(r->name));
		} else {
			h->process_name(r->id, r->name, sizeof(r->name));
		}
		eph_printable(r->name);
	}
	for (size_t i = 0; i < out->n_owners; i++) {
		struct attrib_owner_row *r = &out->owners[i];

		if (by_user) {
			h->user_name(r->id, r->name, sizeof(r->name));
		} else {
			h->process_name(r->id, r->name, sizeof(r->name));
		}
		/* Any user can name a process anything (prctl, argv[0]): escape sequences or
		 * invalid UTF-8 must not reach the monitoring system. */
		eph_printable(r->name);
	}
	for (int s = 0; s < EPH_NSTATES; s++) {
		out->ownerless[s] = a->ownerless[s];
		out->ownerless_total += a->ownerless[s];
	}
	if (t && a->proto == EPH_TCP) {
		out->n_dests = tally_dest_top(t, out->dests, out->top);
		out->dests_total = t->dest_len;
		tally_dest_max(t, NULL, &out->dests_exact);
	}
}
