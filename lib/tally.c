#include "tally.h"

#include <stdlib.h>
#include <string.h>

#include "topn.h"

void tally_init(struct tally *t, enum eph_proto proto, const struct portpool *pool)
{
	memset(t, 0, sizeof(*t));
	t->proto = proto;
	t->pool = pool;
}

static void clear_counts(struct tally *t)
{
	memset(t->used, 0, sizeof(t->used));
	t->used_count = 0;
	t->sockets = 0;
	memset(t->states, 0, sizeof(t->states));
	memset(t->family, 0, sizeof(t->family));
	t->ignored = 0;
	t->peered = 0;
}

void tally_reset(struct tally *t)
{
	clear_counts(t);
	if (t->verifying) {
		for (size_t i = 0; i < t->dest_cap; i++) {
			t->dests[i].count = 0;
			t->dests[i].time_wait = 0;
		}
		return;
	}
	if (t->dests) {
		memset(t->dests, 0, t->dest_cap * sizeof(*t->dests));
	}
	t->dest_len = 0;
	t->dest_overflow = false;
	t->dest_oom = false;
}

/* FNV-1a over the key's bytes; the key is memset before it is filled, so padding is zero. */
size_t tally_dest_hash(const struct dest_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < sizeof(*k); i++) {
		h = (h ^ p[i]) * 1099511628211ull;
	}
	return (size_t)h;
}

static struct dest_entry *slot_for(struct dest_entry *tab, size_t cap, const struct dest_key *k)
{
	size_t i = tally_dest_hash(k) & (cap - 1);

	while (tab[i].used && memcmp(&tab[i].key, k, sizeof(*k)) != 0) {
		i = (i + 1) & (cap - 1);
	}
	return &tab[i];
}

/* Rebuilds the table into new_cap slots, dropping entries whose count is 0. */
static int rehash(struct tally *t, size_t new_cap)
{
	/* new_cap is never 0: callers start at 64 and double, or keep a full table's size. */
	/* NOLINTNEXTLINE(clang-analyzer-optin.portability.UnixAPI) */
	struct dest_entry *tab = calloc(new_cap, sizeof(*tab));

	if (!tab) {
		return -1;
	}
	t->dest_len = 0;
	for (size_t i = 0; i < t->dest_cap; i++) {
		struct dest_entry *e = &t->dests[i];

		/* dests is NULL only while dest_cap is 0: the analyzer cannot see that. */
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
		if (e->used && e->count > 0) {
			*slot_for(tab, new_cap, &e->key) = *e;
			t->dest_len++;
		}
	}
	free(t->dests);
	t->dests = tab;
	t->dest_cap = new_cap;
	return 0;
}

/* The table is full of distinct destinations: Misra-Gries step. Every counter loses one and
 * the new key is dropped; counters at zero leave. Each step removes TALLY_DEST_MAX+1 counts,
 * so the steps cost O(sockets) in all. */
static int decrement_all(struct tally *t)
{
	for (size_t i = 0; i < t->dest_cap; i++) {
		/* dests is NULL only while dest_cap is 0: the analyzer cannot see that. */
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
		if (t->dests[i].used && t->dests[i].count > 0) {
			t->dests[i].count--;
			if (t->dests[i].time_wait > t->dests[i].count) {
				t->dests[i].time_wait = t->dests[i].count;
			}
		}
	}
	t->dest_overflow = true;
	return rehash(t, t->dest_cap);
}

void tally_dest_key(const struct sock_rec *r, struct dest_key *k)
{
	memset(k, 0, sizeof(*k));
	/* A dual-stack socket toward ::ffff:a.b.c.d competes for the same ports as IPv4 sockets
	 * toward a.b.c.d: one destination. */
	k->family = sock_addr_unmap(r->family, r->raddr, k->raddr);
	if (k->family == r->family) {
		memcpy(k->laddr, r->laddr, sizeof(k->laddr));
	} else if (sock_addr_unmap(r->family, r->laddr, k->laddr) != 4) {
		memset(k->laddr, 0, sizeof(k->laddr));
	}
	k->rport = r->rport;
}

static int count_dest(struct tally *t, const struct sock_rec *r)
{
	uint32_t tw = r->state == EPH_TCP_TIME_WAIT;
	struct dest_key k;
	struct dest_entry *e;

	tally_dest_key(r, &k);
	if (t->verifying) {
		e = slot_for(t->dests, t->dest_cap, &k);
		if (e->used) {
			e->count++;
			e->time_wait += tw;
		}
		return 0;
	}
	/* Keep the load factor at or below 1/2 so probes stay short. */
	if (!t->dests || (t->dest_len + 1) * 2 > t->dest_cap) {
		size_t cap = t->dest_cap ? t->dest_cap * 2 : 64;

		if (cap <= 2 * TALLY_DEST_MAX && rehash(t, cap) < 0) {
			t->dest_oom = true;
			return -1;
		}
	}
	e = slot_for(t->dests, t->dest_cap, &k);
	if (e->used) {
		e->count++;
		e->time_wait += tw;
		return 0;
	}
	if (t->dest_len >= TALLY_DEST_MAX) {
		if (decrement_all(t) < 0) {
			t->dest_oom = true;
			return -1;
		}
		return 0;
	}
	e->used = true;
	e->key = k;
	e->count = 1;
	e->time_wait = tw;
	t->dest_len++;
	return 0;
}

int tally_add(struct tally *t, const struct sock_rec *r)
{
	if (r->proto != t->proto || !pool_contains(t->pool, r->lport)) {
		t->ignored++;
		return 0;
	}
	t->sockets++;
	if ((unsigned)r->state < EPH_NSTATES) {
		t->states[r->state]++;
	}
	t->family[r->family == 6 ? 1 : 0]++;
	if (!(t->used[r->lport >> 3] & (1u << (r->lport & 7)))) {
		t->used[r->lport >> 3] |= (uint8_t)(1u << (r->lport & 7));
		t->used_count++;
	}
	if (sock_has_peer(r)) {
		t->peered++;
		if (!t->dest_oom) {
			return count_dest(t, r);
		}
	}
	return 0;
}

int tally_sock_fn(const struct sock_rec *r, void *ctx)
{
	struct tally *t = ctx;

	if (!r) {
		tally_reset(t);
		return 0;
	}
	return tally_add(t, r);
}

bool tally_needs_verify(const struct tally *t)
{
	return t->dest_overflow && !t->verifying;
}

void tally_begin_verify(struct tally *t)
{
	t->verifying = true;
	tally_reset(t);
}

size_t tally_dest_max(const struct tally *t, struct dest_key *out, bool *exact)
{
	const struct dest_entry *best = NULL;

	for (size_t i = 0; i < t->dest_cap; i++) {
		const struct dest_entry *e = &t->dests[i];

		if (e->used && (!best || e->count > best->count)) {
			best = e;
		}
	}
	if (exact) {
		/* After a verify pass the best candidate is exact when it holds more than
		 * peered/(MAX+1): no destination outside the table can hold that many. */
		*exact = !t->dest_oom &&
			 (!t->dest_overflow ||
			  (best && (size_t)best->count * (TALLY_DEST_MAX + 1) > t->peered));
	}
	if (!best) {
		if (out) {
			memset(out, 0, sizeof(*out));
		}
		return 0;
	}
	if (out) {
		*out = best->key;
	}
	return best->count;
}

const struct dest_entry *tally_dest_find(const struct tally *t, const struct dest_key *k)
{
	const struct dest_entry *e;

	if (!t->dests) {
		return NULL;
	}
	e = slot_for(t->dests, t->dest_cap, k);
	return e->used ? e : NULL;
}

/* Most sockets first; equal counts in the order of their keys' bytes. */
static bool dest_before(const void *a, const void *b)
{
	const struct dest_entry *x = a, *y = b;

	if (x->count != y->count) {
		return x->count > y->count;
	}
	return memcmp(&x->key, &y->key, sizeof(x->key)) < 0;
}

size_t tally_dest_top(const struct tally *t, struct dest_entry *out, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < t->dest_cap; i++) {
		const struct dest_entry *e = &t->dests[i];

		if (e->used && e->count > 0) {
			topn_offer(out, &k, n, sizeof(*out), e, dest_before);
		}
	}
	return k;
}

void tally_free(struct tally *t)
{
	free(t->dests);
	t->dests = NULL;
	t->dest_cap = 0;
	t->dest_len = 0;
}
