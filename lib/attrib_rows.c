/* The tables of --top, made from the socket list attrib.c collected: owners (processes or
 * users), local addresses, and the destinations with the most TIME_WAIT. Each is a top-N
 * (topn.c) over one sort of the list. */
#include "attrib.h"
#include "attrib_rows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "topn.h"

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

/* The order both tables start with: more ports first, then more sockets. -1 when x (with
 * x_ports and x_sockets) comes first, 1 when y does, 0 when they tie. */
static int more_first(size_t x_ports, size_t x_sockets, size_t y_ports, size_t y_sockets)
{
	if (x_ports != y_ports) {
		return x_ports > y_ports ? -1 : 1;
	}
	if (x_sockets != y_sockets) {
		return x_sockets > y_sockets ? -1 : 1;
	}
	return 0;
}

/* Order of the owner rows: most ports first, then most sockets, then the lower id. */
static bool row_before(const void *a, const void *b)
{
	const struct attrib_owner_row *x = a, *y = b;
	int c = more_first(x->ports, x->sockets, y->ports, y->sockets);

	return c ? c < 0 : x->id < y->id;
}

void attrib_rows_owners(struct attrib *a, struct attrib_tables *out)
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
	int c = more_first(x->used, x->sockets, y->used, y->sockets);

	if (c) {
		return c < 0;
	}
	if (x->other != y->other) {
		return y->other; /* "other" last among equals */
	}
	if (x->family != y->family) {
		return x->family < y->family;
	}
	return memcmp(x->addr, y->addr, sizeof(x->addr)) < 0;
}

void attrib_rows_laddrs(struct attrib *a, struct attrib_tables *out)
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
void attrib_rows_tw(struct attrib *a, struct attrib_tables *out)
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
