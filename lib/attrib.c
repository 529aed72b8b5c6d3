#include "attrib.h"
#include "attrib_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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

/* Appends a sentence to the note, "; " between sentences. */
static void note_add(struct attrib_tables *out, const char *text)
{
	size_t len = strlen(out->note);

	snprintf(out->note + len, sizeof(out->note) - len, "%s%s", len ? "; " : "", text);
}

/* Finds the process behind each socket and keys the sockets by process or, when the search
 * leaves holes, by user (out->per_user). *scan_failed: the search failed (err says why). */
static void resolve_owners(struct attrib *a, const struct attrib_hooks *h, uint64_t deadline_ms,
			   struct attrib_tables *out, bool *scan_failed, struct eph_err *err)
{
	bool by_user;

	*scan_failed = resolve_pids(a, h, deadline_ms, out, err) < 0;
	for (size_t i = 0; i < a->n_socks; i++) {
		out->unresolved += a->socks[i].pid == EPH_OWNER_NONE;
	}
	/* Sockets left without a process because this user may not look at them, or the search
	 * ran out of time: show every socket by its user instead, complete and exact, rather than
	 * a process list with holes. uids exist only where sockets carry them (Linux). */
	by_user = out->unresolved > 0 &&
		  (*scan_failed || out->scan.denied > 0 || out->scan.gave_up);
	out->per_user = by_user;
	for (size_t i = 0; i < a->n_socks; i++) {
		a->socks[i].key = by_user ? a->socks[i].uid : a->socks[i].pid;
	}
}

/* The name of owner id, a user's (by_user) or a process's, into name. */
static void owner_name(const struct attrib_hooks *h, bool by_user, uint32_t id, char *name,
		       size_t size)
{
	if (by_user) {
		h->user_name(id, name, size);
	} else {
		h->process_name(id, name, size);
	}
	/* Any user can name a process anything (prctl, argv[0]): escape sequences or invalid
	 * UTF-8 must not reach the monitoring system. */
	eph_printable(name);
}

/* The rows that need no owner: sockets without one per state, and TCP's destinations. */
static void ownerless_and_dests(const struct attrib *a, const struct tally *t,
				struct attrib_tables *out)
{
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

	resolve_owners(a, h, deadline_ms, out, &scan_failed, &err);
	by_user = out->per_user;
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
		attrib_rows_tw(a, out);
	}
	attrib_rows_owners(a, out);
	attrib_rows_laddrs(a, out);
	for (size_t i = 0; i < out->n_tw; i++) {
		struct attrib_tw_row *r = &out->tw[i];

		if (r->id != EPH_OWNER_NONE) {
			owner_name(h, by_user, r->id, r->name, sizeof(r->name));
		}
	}
	for (size_t i = 0; i < out->n_owners; i++) {
		owner_name(h, by_user, out->owners[i].id, out->owners[i].name,
			   sizeof(out->owners[i].name));
	}
	ownerless_and_dests(a, t, out);
}
