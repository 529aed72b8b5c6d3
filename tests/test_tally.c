/* Unit tests of lib/tally.c: distinct ports versus sockets, states, families, what is ignored,
 * exact per-destination counts, and the bounded table's overflow path (Misra-Gries, then a
 * verify pass) with more destinations than it holds. Portable: also built with mingw. */
#include <stdlib.h>
#include <string.h>

#include "sockrec.h"
#include "tally.h"
#include "tap.h"

static struct portpool pool;
static struct tally t;

static void add(struct sock_rec r)
{
	if (tally_add(&t, &r) != 0) {
		ok(0, "setup: tally_add");
	}
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static bool key_is(const struct dest_key *k, uint8_t family, uint32_t laddr, uint32_t raddr,
		   uint16_t rport)
{
	struct sock_rec r = sockrec(EPH_TCP, family, EPH_TCP_ESTABLISHED, 1, laddr, raddr, rport);

	return k->family == family && k->rport == rport &&
	       memcmp(k->laddr, r.laddr, 16) == 0 && memcmp(k->raddr, r.raddr, 16) == 0;
}

/* The overflow scenario: `light` destinations holding one socket each, a heavy one holding
 * `heavy` sockets and (with medium) three medium ones holding 10 each. With heavy_first the heavy sockets
 * come before everything else (so the first pass loses some of them to the decrements);
 * otherwise they are spread evenly through the lights. Replaying the same order is what a
 * second read of an unchanged table gives. */
static void population(size_t light, size_t heavy, bool heavy_first, bool medium)
{
	size_t every = heavy ? light / heavy : 0, h = 0, m = 0;
	uint16_t port = 32768;

#define NEXT_PORT() (port = (uint16_t)(port == 60999 ? 32768 : port + 1))
	if (heavy_first) {
		for (; h < heavy; h++) {
			add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, NEXT_PORT(), IP(10, 0, 0, 9),
				IP(192, 0, 2, 1), 443));
		}
	}
	for (size_t i = 0; i < light; i++) {
		/* Light destinations: 10.x.y.z:80, one socket each. */
		add(sockrec(EPH_TCP, 4, (i & 1) ? EPH_TCP_TIME_WAIT : EPH_TCP_ESTABLISHED,
			    NEXT_PORT(), IP(10, 0, 0, 9),
			    IP(10, 1 + (i >> 16), (i >> 8) & 255, i & 255), 80));
		if (!heavy_first && h < heavy && every && i % every == every / 2) {
			add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, NEXT_PORT(), IP(10, 0, 0, 9),
				IP(192, 0, 2, 1), 443));
			h++;
		}
		if (medium && m < 30 && i % (light / 30) == 7) {
			add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, NEXT_PORT(), IP(10, 0, 0, 9),
				IP(198, 51, 100, 1 + (uint32_t)(m % 3)), 8443));
			m++;
		}
	}
	for (; h < heavy; h++) {
		add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, NEXT_PORT(), IP(10, 0, 0, 9),
			IP(192, 0, 2, 1), 443));
	}
#undef NEXT_PORT
}

static void overflow_case(const char *name, size_t light, size_t heavy, bool heavy_first)
{
	struct dest_entry top[5];
	struct dest_key k;
	bool exact = true;
	size_t first, n;

	tally_init(&t, EPH_TCP, &pool);
	population(light, heavy, heavy_first, true);
	is_int(t.peered, light + heavy + 30, "%s: every socket with a peer is counted", name);
	ok(tally_needs_verify(&t), "%s: more than %d destinations ask for a verify pass", name,
	   TALLY_DEST_MAX);
	ok(t.dest_len <= TALLY_DEST_MAX && t.dest_cap <= 2 * TALLY_DEST_MAX,
	   "%s: the table stayed bounded (%u entries, %u slots)", name, (unsigned)t.dest_len,
	   (unsigned)t.dest_cap);
	first = tally_dest_max(&t, &k, &exact);
	ok(first <= heavy && key_is(&k, 4, IP(10, 0, 0, 9), IP(192, 0, 2, 1), 443),
	   "%s: the first pass keeps the heavy destination as a candidate (%u of %u)", name,
	   (unsigned)first, (unsigned)heavy);
	if (heavy_first) {
		ok(first < heavy, "%s: the first pass alone undercounts it (%u)", name,
		   (unsigned)first);
	}

	tally_begin_verify(&t);
	ok(!tally_needs_verify(&t), "%s: no further pass after the verify pass", name);
	population(light, heavy, heavy_first, true);
	n = tally_dest_max(&t, &k, &exact);
	is_int(n, heavy, "%s: after the verify pass the heavy destination counts exactly %u", name,
	       (unsigned)heavy);
	ok(exact, "%s: and the figure is exact", name);
	ok(key_is(&k, 4, IP(10, 0, 0, 9), IP(192, 0, 2, 1), 443),
	   "%s: the key is 10.0.0.9 -> 192.0.2.1:443", name);
	is_int(t.sockets, light + heavy + 30, "%s: socket counts are fresh in the verify pass", name);
	n = tally_dest_top(&t, top, 5);
	ok(n >= 4 && top[0].count == heavy && top[1].count == 10 && top[2].count == 10 &&
		   top[3].count == 10,
	   "%s: top 4 are %u, 10, 10, 10 (got %u entries: %u %u %u %u)", name, (unsigned)heavy,
	   (unsigned)n, n > 0 ? top[0].count : 0, n > 1 ? top[1].count : 0,
	   n > 2 ? top[2].count : 0, n > 3 ? top[3].count : 0);

	/* A read restarted during the verify pass (DUMP_INTR): counts start again, same result. */
	tally_sock_fn(NULL, &t);
	is_int(tally_dest_max(&t, NULL, NULL), 0, "%s: a reset in the verify pass zeroes counts",
	       name);
	population(light, heavy, heavy_first, true);
	n = tally_dest_max(&t, NULL, &exact);
	ok(n == heavy && exact, "%s: replayed after the reset, still exactly %u", name,
	   (unsigned)heavy);
	tally_free(&t);
}

int main(void)
{
	struct sock_rec r;
	struct dest_entry top[8];
	struct dest_key k;
	bool exact = false;
	size_t n;

	pool_set_range(&pool, 40000, 40099);
	pool_reserve(&pool, 40090, 40099);
	tally_init(&t, EPH_TCP, &pool);
	ok(t.used_count == 0 && t.sockets == 0 && tally_dest_max(&t, NULL, &exact) == 0 && exact,
	   "a fresh tally is empty and its (zero) destination figure exact");

	/* Three sockets on one port: one port used, three sockets. */
	add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, 40001, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443));
	add(sockrec(EPH_TCP, 4, EPH_TCP_TIME_WAIT, 40001, IP(10, 0, 0, 9), IP(10, 0, 0, 2), 443));
	add(sockrec(EPH_TCP, 6, EPH_TCP_ESTABLISHED, 40001, IP(0, 0, 0, 1), IP(0, 0, 0, 1), 443));
	add(sockrec(EPH_TCP, 4, EPH_TCP_LISTEN, 40002, 0, 0, 0));
	add(sockrec(EPH_TCP, 4, EPH_BOUND, 40003, IP(10, 0, 0, 9), 0, 0));
	add(sockrec(EPH_TCP, 4, EPH_TCP_CLOSE_WAIT, 40089, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443));
	/* Ignored: reserved, below, above the range, and another protocol. */
	add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, 40090, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443));
	add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, 40099, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443));
	add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, 39999, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443));
	add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, 40100, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443));
	add(sockrec(EPH_TCP, 4, EPH_TCP_LISTEN, 22, 0, 0, 0));
	add(sockrec(EPH_UDP, 4, EPH_UDP_SOCK, 40005, IP(10, 0, 0, 9), 0, 0));

	is_int(t.used_count, 4, "distinct ports: 40001, 40002, 40003, 40089");
	is_int(t.sockets, 6, "sockets in the pool: 6");
	is_int(t.states[EPH_TCP_ESTABLISHED], 2, "ESTABLISHED 2");
	is_int(t.states[EPH_TCP_TIME_WAIT], 1, "TIME_WAIT 1");
	is_int(t.states[EPH_TCP_LISTEN], 1, "LISTEN 1");
	is_int(t.states[EPH_BOUND], 1, "BOUND 1");
	is_int(t.states[EPH_TCP_CLOSE_WAIT], 1, "CLOSE_WAIT 1");
	ok(t.family[0] == 5 && t.family[1] == 1, "IPv4 5, IPv6 1 (got %u, %u)",
	   (unsigned)t.family[0], (unsigned)t.family[1]);
	is_int(t.ignored, 6, "reserved, out-of-range and UDP sockets are ignored");
	is_int(t.peered, 4, "sockets with a peer: not LISTEN, not BOUND");
	n = tally_dest_max(&t, &k, &exact);
	ok(n == 2 && exact && key_is(&k, 4, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443),
	   "busiest destination 10.0.0.9 -> 10.0.0.1:443 with 2 (got %u)", (unsigned)n);
	ok(!tally_needs_verify(&t), "few destinations need no verify pass");

	/* Reset forgets everything (a restarted read), through the sock_fn adapter too. */
	is_int(tally_sock_fn(NULL, &t), 0, "tally_sock_fn(NULL) succeeds");
	ok(t.used_count == 0 && t.sockets == 0 && t.ignored == 0 && t.peered == 0 &&
		   t.states[EPH_TCP_ESTABLISHED] == 0 && t.family[0] == 0 && t.dest_len == 0 &&
		   tally_dest_max(&t, NULL, NULL) == 0,
	   "reset forgets ports, sockets, states, families and destinations");
	r = sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, 40001, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443);
	is_int(tally_sock_fn(&r, &t), 0, "tally_sock_fn counts a socket");
	ok(t.used_count == 1 && t.sockets == 1 && tally_dest_max(&t, NULL, NULL) == 1,
	   "counting starts over after a reset");
	tally_free(&t);

	/* A UDP tally ignores TCP; connected UDP sockets have a peer. */
	tally_init(&t, EPH_UDP, &pool);
	add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, 40001, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443));
	add(sockrec(EPH_UDP, 4, EPH_UDP_SOCK, 40010, IP(10, 0, 0, 9), 0, 0));
	add(sockrec(EPH_UDP, 6, EPH_UDP_SOCK, 40010, IP(0, 0, 0, 1), 0, 0));
	add(sockrec(EPH_UDP, 4, EPH_UDP_SOCK, 40011, IP(10, 0, 0, 9), IP(8, 8, 8, 8), 53));
	ok(t.used_count == 2 && t.sockets == 3 && t.ignored == 1 && t.states[EPH_UDP_SOCK] == 3 &&
		   t.peered == 1,
	   "UDP: 2 ports, 3 sockets, TCP ignored, one connected");
	tally_free(&t);

	/* Exact destination counts and their order. */
	tally_init(&t, EPH_TCP, &pool);
	for (uint16_t i = 0; i < 5; i++) {
		add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, (uint16_t)(40000 + i), IP(10, 0, 0, 9),
			IP(10, 0, 0, 1), 443));
	}
	for (uint16_t i = 0; i < 3; i++) {
		add(sockrec(EPH_TCP, 4, EPH_TCP_TIME_WAIT, (uint16_t)(40010 + i), IP(10, 0, 0, 9),
			IP(10, 0, 0, 2), 443));
	}
	for (uint16_t i = 0; i < 2; i++) {
		add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, (uint16_t)(40020 + i), IP(10, 0, 0, 9),
			IP(10, 0, 0, 1), 80));
	}
	/* Same remote, other local address: another destination for connect(). */
	for (uint16_t i = 0; i < 4; i++) {
		add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, (uint16_t)(40030 + i), IP(10, 0, 0, 8),
			IP(10, 0, 0, 1), 443));
	}
	/* IPv6 ::10.0.0.1 is not the IPv4 10.0.0.1. */
	add(sockrec(EPH_TCP, 6, EPH_TCP_ESTABLISHED, 40040, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443));
	n = tally_dest_max(&t, &k, &exact);
	ok(n == 5 && exact && key_is(&k, 4, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443),
	   "exact maximum 5 toward 10.0.0.1:443 (got %u)", (unsigned)n);
	n = tally_dest_top(&t, top, 8);
	is_int(n, 5, "tally_dest_top lists the 5 destinations");
	ok(n == 5 && top[0].count == 5 && top[1].count == 4 && top[2].count == 3 &&
		   top[3].count == 2 && top[4].count == 1,
	   "in descending order 5, 4, 3, 2, 1");
	ok(n == 5 && key_is(&top[1].key, 4, IP(10, 0, 0, 8), IP(10, 0, 0, 1), 443) &&
		   key_is(&top[2].key, 4, IP(10, 0, 0, 9), IP(10, 0, 0, 2), 443) &&
		   key_is(&top[3].key, 4, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 80) &&
		   key_is(&top[4].key, 6, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443),
	   "each with its key");
	n = tally_dest_top(&t, top, 2);
	ok(n == 2 && top[0].count == 5 && top[1].count == 4, "top 2 are the two largest");
	is_int(tally_dest_top(&t, top, 0), 0, "top 0 is empty");
	tally_free(&t);

	/* A dual-stack socket toward ::ffff:10.0.0.1 is connect()'s IPv4 destination 10.0.0.1:
	 * the kernel picks its port from the IPv4 4-tuple space. */
	tally_init(&t, EPH_TCP, &pool);
	for (uint16_t i = 0; i < 3; i++) {
		add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, (uint16_t)(40000 + i), IP(10, 0, 0, 9),
			IP(10, 0, 0, 1), 443));
	}
	for (uint16_t i = 0; i < 4; i++) {
		r = sockrec(EPH_TCP, 6, i ? EPH_TCP_ESTABLISHED : EPH_TCP_TIME_WAIT,
			(uint16_t)(40010 + i), IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443);
		r.laddr[10] = r.laddr[11] = r.raddr[10] = r.raddr[11] = 0xff;
		add(r);
	}
	n = tally_dest_max(&t, &k, &exact);
	ok(n == 7 && exact && key_is(&k, 4, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443),
	   "3 IPv4 + 4 IPv4-mapped sockets: one destination 10.0.0.9 -> 10.0.0.1:443 with 7 "
	   "(got %u)",
	   (unsigned)n);
	is_int(tally_dest_top(&t, top, 8), 1, "and only that one");
	ok(t.family[0] == 3 && t.family[1] == 4, "the sockets keep their family: IPv4 3, IPv6 4");
	tally_free(&t);

	/* Ties: a stable order by key, whatever the hash order. */
	tally_init(&t, EPH_TCP, &pool);
	for (uint32_t d = 20; d > 0; d--) {
		add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, (uint16_t)(40000 + d), IP(10, 0, 0, 9),
			IP(10, 0, 0, d), 443));
	}
	n = tally_dest_top(&t, top, 3);
	ok(n == 3 && key_is(&top[0].key, 4, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 443) &&
		   key_is(&top[1].key, 4, IP(10, 0, 0, 9), IP(10, 0, 0, 2), 443) &&
		   key_is(&top[2].key, 4, IP(10, 0, 0, 9), IP(10, 0, 0, 3), 443),
	   "equal counts come out in key order");
	tally_free(&t);

	/* Many destinations, but fewer than the table holds: exact without a second pass. */
	pool_set_range(&pool, 32768, 60999);
	tally_init(&t, EPH_TCP, &pool);
	for (uint32_t i = 0; i < TALLY_DEST_MAX; i++) {
		add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, (uint16_t)(32768 + i), IP(10, 0, 0, 9),
			IP(10, 1, i >> 8, i & 255), 80));
	}
	add(sockrec(EPH_TCP, 4, EPH_TCP_ESTABLISHED, 60000, IP(10, 0, 0, 9), IP(10, 1, 0, 0), 80));
	n = tally_dest_max(&t, &k, &exact);
	ok(!tally_needs_verify(&t) && n == 2 && exact &&
		   key_is(&k, 4, IP(10, 0, 0, 9), IP(10, 1, 0, 0), 80),
	   "exactly %d destinations fit: no verify pass, maximum 2 exact", TALLY_DEST_MAX);
	tally_free(&t);

	/* More destinations than the table holds: the heavy one is found and counted exactly. */
	overflow_case("spread", 40000, 100, false);
	overflow_case("heavy first", 40000, 100, true);
	overflow_case("just over", TALLY_DEST_MAX + 10, 50, false);

	/* Only light destinations: the maximum is a lower bound, and says so. */
	tally_init(&t, EPH_TCP, &pool);
	population(20000, 0, false, false);
	ok(tally_needs_verify(&t), "20000 light destinations overflow the table");
	tally_begin_verify(&t);
	population(20000, 0, false, false);
	n = tally_dest_max(&t, NULL, &exact);
	ok(n >= 1 && !exact, "all light: the maximum (%u) is not claimed exact", (unsigned)n);
	tally_free(&t);
	return done_testing();
}
