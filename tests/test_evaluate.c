/* Unit tests of lib/evaluate.c: percentages rounded to one decimal, each metric's value,
 * warning/critical precedence, "@" ranges, the destination metric ignored for UDP, an empty pool
 * refused, and the merge order OK < UNKNOWN < WARNING < CRITICAL. Portable: also built with
 * mingw and run under wine. */
#include <string.h>

#include "evaluate.h"
#include "metric.h"
#include "tap.h"

static struct portpool pool;
static struct tally tcp, udp;
static struct eph_config cfg;
static const struct sys_pool_info pinfo = { "--range", "test reserved", "", "" };
static const struct sys_sock_info sinfo = { "test source", true, "", 0, false };

static void config(enum eph_metric m, const char *w, const char *c)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.metric = m;
	cfg.proto[EPH_TCP] = true;
	cfg.families = EPH_FAM_ALL;
	cfg.timeout = 10;
	cfg.output = "nagios";
	if (w && threshold_parse(w, &cfg.warn) != THRESHOLD_OK) {
		ok(0, "setup: -w %s parses", w);
	}
	if (c && threshold_parse(c, &cfg.crit) != THRESHOLD_OK) {
		ok(0, "setup: -c %s parses", c);
	}
}

/* A TCP tally over pool holding `used` distinct ports, the first `dest` of them connected to
 * one destination and the rest to distinct ones. */
static void fill(struct tally *t, enum eph_proto proto, size_t used, size_t dest)
{
	size_t n = 0;

	tally_free(t);
	tally_init(t, proto, &pool);
	for (uint32_t port = pool.lo; port <= pool.hi && n < used; port++) {
		struct sock_rec r;

		if (!pool_contains(&pool, (uint16_t)port)) {
			continue;
		}
		memset(&r, 0, sizeof(r));
		r.proto = proto;
		r.family = 4;
		r.state = proto == EPH_TCP ? EPH_TCP_ESTABLISHED : EPH_UDP_SOCK;
		r.lport = (uint16_t)port;
		r.rport = 443;
		r.laddr[0] = 10;
		r.raddr[0] = 192;
		if (n >= dest) {
			r.raddr[2] = (uint8_t)(n >> 8);
			r.raddr[3] = (uint8_t)n;
			r.raddr[1] = 1;
		}
		tally_add(t, &r);
		n++;
	}
}

static enum eph_status judge(struct proto_result *pr, const struct tally *t)
{
	struct eph_err err = { "" };

	if (evaluate_proto(&cfg, &pool, t, &pinfo, &sinfo, pr, &err) < 0) {
		ok(0, "setup: evaluate_proto: %s", err.msg);
		return EPH_UNKNOWN;
	}
	return pr->state;
}

static void pct_of(unsigned lo, unsigned hi, size_t used, double want)
{
	struct proto_result pr;

	pool_set_range(&pool, (uint16_t)lo, (uint16_t)hi);
	fill(&tcp, EPH_TCP, used, 0);
	config(EPH_METRIC_PCT, "80", "90");
	judge(&pr, &tcp);
	ok(pr.pct == want && pr.value == want, "%u of %u ports is %.1f%% (got %.17g)",
	   (unsigned)used, hi - lo + 1, want, pr.pct);
}

static void state_is(enum eph_metric m, const char *w, const char *c, size_t used,
		     enum eph_status want)
{
	struct proto_result pr;

	fill(&tcp, EPH_TCP, used, used / 2);
	config(m, w, c);
	is_int(judge(&pr, &tcp), want, "--metric %s -w %s -c %s, %u ports used: %s",
	       metric_name(m), w ? w : "(none)", c ? c : "(none)", (unsigned)used,
	       evaluate_status_name(want));
}

/* Which destinations connect() reuses TIME_WAIT toward (net/ipv4/tcp_ipv4.c, tcp_twsk_unique). */
static void test_tw_reuse(void)
{
	struct sys_tw_info i;
	struct dest_key lo4, remote4, lo6, remote6, mapped;

	memset(&lo4, 0, sizeof(lo4));
	lo4.family = 4;
	lo4.laddr[0] = 10;
	lo4.raddr[0] = 127;
	lo4.raddr[3] = 1;
	remote4 = lo4;
	remote4.raddr[0] = 10;
	memset(&lo6, 0, sizeof(lo6));
	lo6.family = 6;
	lo6.laddr[15] = 1; /* from ::1 to a remote address: still loopback */
	lo6.raddr[0] = 0x20;
	remote6 = lo6;
	remote6.laddr[15] = 2;
	mapped = remote6;
	mapped.raddr[0] = 0;
	mapped.raddr[10] = mapped.raddr[11] = 0xff;
	mapped.raddr[12] = 127;
	mapped.raddr[15] = 1;

	memset(&i, 0, sizeof(i));
	i.reuse_model = true;
	i.reuse = SYS_TW_REUSE_LOOPBACK;
	i.timestamps = 1;
	i.reuse_delay_ms = 1000;
	ok(evaluate_tw_reuse(&i, &lo4) && !evaluate_tw_reuse(&i, &remote4) &&
		   evaluate_tw_reuse(&i, &lo6) && !evaluate_tw_reuse(&i, &remote6) &&
		   evaluate_tw_reuse(&i, &mapped) && !evaluate_tw_reuse(&i, NULL),
	   "tcp_tw_reuse 2: loopback remote or local address only (127/8, ::1, ::ffff:127.x)");
	i.reuse = SYS_TW_REUSE_ALL;
	ok(evaluate_tw_reuse(&i, &remote4) && evaluate_tw_reuse(&i, NULL),
	   "tcp_tw_reuse 1: every destination");
	i.timestamps = 0;
	ok(!evaluate_tw_reuse(&i, &lo4), "no reuse without TCP timestamps");
	i.timestamps = -1;
	ok(!evaluate_tw_reuse(&i, &lo4), "no reuse when tcp_timestamps could not be read");
	i.timestamps = 1;
	i.reuse = -1;
	ok(!evaluate_tw_reuse(&i, &lo4), "tcp_tw_reuse unknown: taken as off");
	i.reuse = SYS_TW_REUSE_OFF;
	ok(!evaluate_tw_reuse(&i, &lo4), "tcp_tw_reuse 0: off");
	i.reuse = SYS_TW_REUSE_ALL;
	i.reuse_model = false;
	ok(!evaluate_tw_reuse(&i, &lo4), "no reuse model (Windows): never");
}

int main(void)
{
	struct proto_result pr;
	struct eph_err err;

	/* Rounding to one decimal, half away from zero, as shown and judged. */
	ok(num_round1(4.37) == 4.4 && num_round1(4.34) == 4.3 && num_round1(99.96) == 100 &&
		   num_round1(0.04) == 0 && num_round1(33.333) == 33.3 && num_round1(66.666) == 66.7 &&
		   num_round1(0.25) == 0.3 && num_round1(0) == 0,
	   "num_round1 rounds to one decimal");
	test_tw_reuse();
	pct_of(40000, 40099, 45, 45);
	pct_of(40000, 40002, 1, 33.3);
	pct_of(40000, 40002, 2, 66.7);
	pct_of(32768, 60999, 1234, 4.4); /* 4.3709 */
	pct_of(32768, 60999, 0, 0);
	pct_of(32768, 60999, 28232, 100);
	pct_of(32768, 60999, 28231, 100); /* 99.996: shown and judged as 100 */
	pct_of(32768, 60999, 14, 0);      /* 0.0496 */
	pct_of(32768, 60999, 15, 0.1);    /* 0.0531 */

	/* Judged after rounding: 80.04% is 80.0 (not above 80), 80.05% is 80.1. */
	pool_set_range(&pool, 32768, 60999);
	state_is(EPH_METRIC_PCT, "80", "90", 22597, EPH_OK);      /* 80.041 */
	state_is(EPH_METRIC_PCT, "80", "90", 22600, EPH_WARNING); /* 80.051 */

	/* Each metric's value: 100 ports, 10 reserved (size 90), 45 used, 20 toward one peer. */
	pool_set_range(&pool, 40000, 40099);
	pool_reserve(&pool, 40090, 40099);
	fill(&tcp, EPH_TCP, 45, 20);
	config(EPH_METRIC_PCT, "80", "90");
	judge(&pr, &tcp);
	ok(pr.checked && pr.proto == EPH_TCP && pr.range_size == 100 && pr.reserved == 10 &&
		   pr.size == 90 && pr.used == 45 && pr.free == 45,
	   "sizes: range 100, reserved 10, effective 90, used 45, free 45");
	ok(pr.pct == 50 && pr.value == 50, "pct: 45 of 90 is 50%%");
	ok(pr.dest_max == 20 && pr.dest_exact && pr.dest_pct == 22.2 && pr.dest_key.raddr[0] == 192,
	   "dest: 20 toward one destination, 22.2%% of 90");
	ok(pr.pool == &pool && pr.tally == &tcp && strcmp(pr.pool_info.range_source, "--range") == 0 &&
		   strcmp(pr.sock_info.source, "test source") == 0,
	   "the result points at its pool and tally and copies the sources");
	config(EPH_METRIC_USED, NULL, NULL);
	judge(&pr, &tcp);
	ok(pr.value == 45 && pr.state == EPH_OK, "used: value 45; no thresholds, OK");
	config(EPH_METRIC_FREE, NULL, NULL);
	judge(&pr, &tcp);
	ok(pr.value == 45, "free: value 90 - 45 = 45");
	config(EPH_METRIC_DEST, NULL, NULL);
	judge(&pr, &tcp);
	ok(pr.value == 22.2, "dest: value 22.2 (percent of the pool)");

	/* Warning and critical: critical wins; endpoints do not alert. */
	state_is(EPH_METRIC_PCT, "40", "60", 30, EPH_OK);       /* 33.3 */
	state_is(EPH_METRIC_PCT, "40", "60", 36, EPH_OK);       /* 40.0: the endpoint */
	state_is(EPH_METRIC_PCT, "40", "60", 37, EPH_WARNING);  /* 41.1 */
	state_is(EPH_METRIC_PCT, "40", "60", 54, EPH_WARNING);  /* 60.0 */
	state_is(EPH_METRIC_PCT, "40", "60", 55, EPH_CRITICAL); /* 61.1 */
	state_is(EPH_METRIC_PCT, "40%", "60%", 55, EPH_CRITICAL);
	state_is(EPH_METRIC_PCT, "60", "40", 50, EPH_CRITICAL); /* both alert: critical */
	state_is(EPH_METRIC_PCT, NULL, "60", 55, EPH_CRITICAL);
	state_is(EPH_METRIC_PCT, "40", NULL, 55, EPH_WARNING);
	state_is(EPH_METRIC_PCT, NULL, NULL, 90, EPH_OK);
	state_is(EPH_METRIC_USED, "40", "50", 40, EPH_OK);
	state_is(EPH_METRIC_USED, "40", "50", 41, EPH_WARNING);
	state_is(EPH_METRIC_USED, "40", "50", 51, EPH_CRITICAL);
	state_is(EPH_METRIC_FREE, "20:", "10:", 70, EPH_OK);       /* free 20 */
	state_is(EPH_METRIC_FREE, "20:", "10:", 71, EPH_WARNING);  /* free 19 */
	state_is(EPH_METRIC_FREE, "20:", "10:", 80, EPH_WARNING);  /* free 10: endpoint */
	state_is(EPH_METRIC_FREE, "20:", "10:", 81, EPH_CRITICAL); /* free 9 */
	state_is(EPH_METRIC_FREE, "20:", "10:", 90, EPH_CRITICAL); /* free 0 */
	state_is(EPH_METRIC_DEST, "25", "40", 40, EPH_OK);       /* 20 of 90 toward one: 22.2 */
	state_is(EPH_METRIC_DEST, "20", "40", 40, EPH_WARNING);  /* 22.2 */
	state_is(EPH_METRIC_DEST, "20", "40", 80, EPH_CRITICAL); /* 40 of 90: 44.4 */
	/* "@" ranges alert inside. */
	state_is(EPH_METRIC_USED, "@0:10", NULL, 5, EPH_WARNING);
	state_is(EPH_METRIC_USED, "@0:10", NULL, 11, EPH_OK);
	state_is(EPH_METRIC_USED, "@10:20", "@15:20", 15, EPH_CRITICAL);
	state_is(EPH_METRIC_PCT, "~:50", "~:75", 70, EPH_CRITICAL);

	/* The destination metric is about connect(): a UDP port is taken for every destination,
	 * so UDP is judged by its percent, with the same thresholds. */
	fill(&tcp, EPH_TCP, 60, 60);
	fill(&udp, EPH_UDP, 60, 60);
	config(EPH_METRIC_DEST, "@0:100", "@0:100");
	ok(judge(&pr, &udp) == EPH_CRITICAL && pr.dest_max == 0 && pr.used == 60 &&
		   pr.judged == EPH_METRIC_PCT && pr.value == pr.pct,
	   "--metric dest: UDP is judged by its percent");
	ok(judge(&pr, &tcp) == EPH_CRITICAL && pr.dest_pct == 66.7,
	   "--metric dest: TCP 60 of 90 toward one destination (66.7%%) alerts");
	config(EPH_METRIC_DEST, "80", "90");
	ok(judge(&pr, &udp) == EPH_OK, "--metric dest: UDP at 66.7 %% is OK under 80/90");
	config(EPH_METRIC_DEST, "50", "75");
	fill(&tcp, EPH_TCP, 60, 20);
	ok(judge(&pr, &tcp) == EPH_OK && pr.pct == 66.7 && pr.dest_pct == 22.2,
	   "--metric dest: 66.7%% of the pool used but 22.2%% toward one destination: OK");

	/* An empty effective pool cannot be judged. */
	pool_set_range(&pool, 40000, 40009);
	pool_reserve(&pool, 40000, 40009);
	fill(&tcp, EPH_TCP, 0, 0);
	config(EPH_METRIC_PCT, "80", "90");
	memset(&err, 0, sizeof(err));
	ok(evaluate_proto(&cfg, &pool, &tcp, &pinfo, &sinfo, &pr, &err) == -1 &&
		   strstr(err.msg, "empty") != NULL && strstr(err.msg, "40000-40009") != NULL,
	   "every port reserved: -1 and a reason: %s", err.msg);

	/* Names. */
	ok(strcmp(evaluate_status_name(EPH_OK), "OK") == 0 &&
		   strcmp(evaluate_status_name(EPH_WARNING), "WARNING") == 0 &&
		   strcmp(evaluate_status_name(EPH_CRITICAL), "CRITICAL") == 0 &&
		   strcmp(evaluate_status_name(EPH_UNKNOWN), "UNKNOWN") == 0,
	   "status names");
	ok(strcmp(metric_name(EPH_METRIC_PCT), "pct") == 0 &&
		   strcmp(metric_name(EPH_METRIC_USED), "used") == 0 &&
		   strcmp(metric_name(EPH_METRIC_FREE), "free") == 0 &&
		   strcmp(metric_name(EPH_METRIC_DEST), "dest") == 0,
	   "metric names");
	ok(EPH_OK == 0 && EPH_WARNING == 1 && EPH_CRITICAL == 2 && EPH_UNKNOWN == 3,
	   "states are the Nagios exit codes");

	/* Merge order OK < UNKNOWN < WARNING < CRITICAL, both ways round. */
	{
		static const enum eph_status order[4] = { EPH_OK, EPH_UNKNOWN, EPH_WARNING,
							  EPH_CRITICAL };
		bool all = true;

		for (int i = 0; i < 4; i++) {
			for (int j = 0; j < 4; j++) {
				enum eph_status want = order[i > j ? i : j];

				all &= evaluate_status_worse(order[i], order[j]) == want;
			}
		}
		ok(all, "evaluate_status_worse follows OK < UNKNOWN < WARNING < CRITICAL for all 16 pairs");
	}
	{
		struct result r;

		memset(&r, 0, sizeof(r));
		r.cfg = &cfg;
		r.p[EPH_TCP].checked = true;
		r.p[EPH_TCP].state = EPH_WARNING;
		r.p[EPH_UDP].checked = true;
		r.p[EPH_UDP].state = EPH_CRITICAL;
		evaluate_merge(&r);
		is_int(r.state, EPH_CRITICAL, "merge: WARNING and CRITICAL give CRITICAL");
		r.p[EPH_UDP].state = EPH_UNKNOWN;
		evaluate_merge(&r);
		is_int(r.state, EPH_WARNING, "merge: WARNING and UNKNOWN give WARNING");
		r.p[EPH_TCP].state = EPH_OK;
		evaluate_merge(&r);
		is_int(r.state, EPH_UNKNOWN, "merge: OK and UNKNOWN give UNKNOWN");
		r.p[EPH_UDP].checked = false;
		r.p[EPH_UDP].state = EPH_CRITICAL;
		evaluate_merge(&r);
		is_int(r.state, EPH_OK, "merge: a protocol not checked does not count");
		r.state = EPH_CRITICAL;
		r.p[EPH_TCP].checked = false;
		evaluate_merge(&r);
		is_int(r.state, EPH_OK, "merge starts from OK");
	}
	tally_free(&tcp);
	tally_free(&udp);
	return done_testing();
}
