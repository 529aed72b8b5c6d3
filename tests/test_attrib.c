/* lib/attrib: owner, destination and local-address tables from synthetic sockets, with fake OS
 * hooks, and their Nagios rendering (tcp_churn, the 1 KB first line with 10 000 destinations).
 * Portable: builds with mingw too. Under wine the real owner PIDs are always 0 (wine does not
 * report them), so the Windows rows (pid with each socket) are tested here with synthetic
 * records, not against the OS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib.h"
#include "cli.h"
#include "evaluate.h"
#include "report.h"
#include "tap.h"

static struct portpool pool; /* 40000-40999 minus 40900-40999: 900 ports */

static struct sock_rec rec(enum eph_state st, uint8_t l4, uint16_t lport, uint16_t rport,
			   uint32_t uid, uint32_t pid, uint64_t inode)
{
	struct sock_rec r;

	memset(&r, 0, sizeof(r));
	r.proto = EPH_TCP;
	r.family = 4;
	r.state = st;
	r.laddr[0] = 127;
	r.laddr[3] = l4;
	r.lport = lport;
	r.raddr[0] = 127;
	r.raddr[3] = 1;
	r.rport = rport;
	r.uid = uid;
	r.pid = pid;
	r.inode = inode;
	return r;
}

/* Fake process search: inode i belongs to pid i/10 when i/10 is in visible[], else it is
 * another user's process. */
static uint32_t visible[8];
static size_t n_visible;
static size_t fake_denied, fake_calls;
static bool fake_gave_up, fake_fail;

static int fake_pids(const uint64_t *inodes, size_t n, uint32_t *pids, struct sys_owner_scan *s,
		     struct eph_err *err)
{
	fake_calls++;
	if (fake_fail) {
		eph_err_set(err, "cannot read /proc: No such file or directory");
		return -1;
	}
	s->needed = true;
	s->procs = 10;
	s->denied = fake_denied;
	s->gave_up = fake_gave_up;
	for (size_t i = 0; i < n; i++) {
		pids[i] = EPH_OWNER_NONE;
		for (size_t v = 0; v < n_visible; v++) {
			if (inodes[i] / 10 == visible[v]) {
				pids[i] = visible[v];
				s->found++;
			}
		}
	}
	return 0;
}

static const char *fake_name; /* when set, every process is called this */

static int fake_proc_name(uint32_t pid, char *buf, size_t size)
{
	if (fake_name) {
		snprintf(buf, size, "%s", fake_name);
		return 0;
	}
	snprintf(buf, size, "proc%u", pid);
	return 0;
}

static int fake_user_name(uint32_t uid, char *buf, size_t size)
{
	if (uid == 0) {
		snprintf(buf, size, "root");
		return 0;
	}
	buf[0] = '\0';
	return -1;
}

static const struct attrib_hooks fake = { fake_pids, fake_proc_name, fake_user_name };

static void fake_reset(void)
{
	n_visible = 0;
	fake_denied = fake_calls = 0;
	fake_gave_up = fake_fail = false;
}

/* Process 10 (root): 3 connections on 127.0.0.1 and a listener on 40500; process 20 (uid 1000):
 * 2 connections on 127.0.0.2 and one more on 127.0.0.1 that reuses port 40001; 5 TIME_WAIT
 * and 1 orphaned FIN_WAIT2 on 127.0.0.1; and sockets that must be ignored. */
static void fill(struct attrib *a)
{
	struct sock_rec r;

	attrib_init(a, EPH_TCP, &pool);
	for (uint16_t i = 0; i < 3; i++) {
		r = rec(EPH_TCP_ESTABLISHED, 1, (uint16_t)(40001 + i), 5001, 0, EPH_OWNER_NONE,
			100 + i);
		attrib_add(a, &r);
	}
	r = rec(EPH_TCP_LISTEN, 1, 40500, 0, 0, EPH_OWNER_NONE, 104);
	attrib_add(a, &r);
	for (uint16_t i = 0; i < 2; i++) {
		r = rec(EPH_TCP_ESTABLISHED, 2, (uint16_t)(40001 + i), 5001, 1000, EPH_OWNER_NONE,
			200 + i);
		attrib_add(a, &r);
	}
	r = rec(EPH_TCP_ESTABLISHED, 1, 40001, 5002, 1000, EPH_OWNER_NONE, 202);
	attrib_add(a, &r);
	for (uint16_t i = 0; i < 5; i++) {
		r = rec(EPH_TCP_TIME_WAIT, 1, (uint16_t)(40010 + i), 5003, 0, EPH_OWNER_NONE, 0);
		attrib_add(a, &r);
	}
	r = rec(EPH_TCP_FIN_WAIT2, 1, 40020, 5003, 0, EPH_OWNER_NONE, 0);
	attrib_add(a, &r);
	/* Ignored: a reserved port, a port below the range, and a UDP socket. */
	r = rec(EPH_TCP_ESTABLISHED, 1, 40950, 5001, 0, EPH_OWNER_NONE, 105);
	attrib_add(a, &r);
	r = rec(EPH_TCP_ESTABLISHED, 1, 5001, 40001, 0, EPH_OWNER_NONE, 106);
	attrib_add(a, &r);
	r = rec(EPH_UDP_SOCK, 1, 40030, 0, 0, EPH_OWNER_NONE, 107);
	r.proto = EPH_UDP;
	attrib_add(a, &r);
}

static const struct attrib_laddr_row *find_laddr(const struct attrib_tables *t, uint8_t l4)
{
	for (size_t i = 0; i < t->n_laddrs; i++) {
		if (!t->laddrs[i].other && t->laddrs[i].addr[3] == l4) {
			return &t->laddrs[i];
		}
	}
	return NULL;
}

static void test_per_process(void)
{
	static struct attrib a;
	static struct attrib_tables t;
	const struct attrib_laddr_row *l1, *l2;

	fake_reset();
	visible[n_visible++] = 10;
	visible[n_visible++] = 20;
	fill(&a);
	is_int(a.sockets, 13, "13 sockets in the pool, 3 ignored");
	is_int(a.owned, 7, "7 of them have an owner");
	attrib_report(&a, NULL, 5, &fake, 0, &t);
	ok(!t.per_user && !t.partial, "every socket found: per process, exact");
	is_str(t.note, "", "nothing to note");
	is_int(fake_calls, 1, "one process search");
	is_int(t.scan.found, 7, "7 inodes looked up");
	is_int(t.owners_total, 2, "2 processes");
	is_int(t.n_owners, 2, "2 rows");
	is_int(t.owners[0].id, 10, "process 10 first");
	is_int(t.owners[0].ports, 4, "process 10 holds 4 ports");
	is_int(t.owners[0].sockets, 4, "in 4 sockets");
	is_str(t.owners[0].name, "proc10", "named by the hook");
	is_int(t.owners[1].id, 20, "process 20 second");
	is_int(t.owners[1].ports, 3,
	       "process 20 holds 3 ports: 40001 on two addresses counts twice");
	is_int(t.ownerless[EPH_TCP_TIME_WAIT], 5, "5 TIME_WAIT without owner");
	is_int(t.ownerless[EPH_TCP_FIN_WAIT2], 1, "1 orphaned FIN_WAIT2 without owner");
	is_int(t.ownerless_total, 6, "6 without owner in all");
	is_int(t.n_dests, 0, "no tally: no destinations");
	is_int(t.laddrs_total, 2, "2 local addresses");
	l1 = find_laddr(&t, 1);
	l2 = find_laddr(&t, 2);
	ok(l1 && l2 && l1 == &t.laddrs[0], "127.0.0.1 (more ports) first");
	if (l1 && l2) {
		is_int(l1->used, 10, "127.0.0.1: 4+5+1 ports (40001 shared by two sockets)");
		is_int(l1->sockets, 11, "127.0.0.1: 11 sockets");
		is_int(l1->listening, 1, "127.0.0.1: 1 listening");
		is_int(l1->time_wait, 5, "127.0.0.1: 5 TIME_WAIT");
		is_int(l1->owners, 2, "127.0.0.1: 2 PIDs");
		ok(l1->pct > 1.09 && l1->pct < 1.11, "127.0.0.1: 10 of 900 = 1.1%%");
		is_int(l2->used, 2, "127.0.0.2: 2 ports");
		is_int(l2->owners, 1, "127.0.0.2: 1 PID");
	}
	attrib_free(&a);
}

static void test_per_user(void)
{
	static struct attrib a;
	static struct attrib_tables t;

	/* An unprivileged user (uid 1000) sees its own process 20 only. */
	fake_reset();
	visible[n_visible++] = 20;
	fake_denied = 9;
	fill(&a);
	attrib_report(&a, NULL, 5, &fake, 0, &t);
	ok(t.per_user, "unreadable processes: per user");
	ok(!t.partial, "per user is complete");
	is_str(t.note,
	       "owners per user: this user may not read other users' processes (root sees "
	       "processes)",
	       "the note says why");
	ok(t.scan.denied == 9 && t.scan.procs == 10, "the counts stay in the search record");
	is_int(t.n_owners, 2, "2 users");
	is_int(t.owners[0].id, 0, "root first");
	is_str(t.owners[0].name, "root", "named root");
	is_int(t.owners[0].ports, 4, "root holds 4 ports");
	is_int(t.owners[1].id, 1000, "uid 1000 second");
	is_str(t.owners[1].name, "", "no name for uid 1000: empty");
	is_int(t.owners[1].ports, 3, "uid 1000 holds 3 ports");
	is_int(find_laddr(&t, 1)->owners, 2, "127.0.0.1: 2 users");
	attrib_free(&a);

	/* The search stopped before it found everything: per user too, and said. */
	fake_reset();
	visible[n_visible++] = 20;
	fake_gave_up = true;
	fill(&a);
	attrib_report(&a, NULL, 5, &fake, 0, &t);
	ok(t.per_user, "stopped search with sockets left: per user");
	ok(strstr(t.note, "the process search stopped after") &&
		   strstr(t.note, "so owners are shown per user"),
	   "the note says the search stopped: %s", t.note);
	attrib_free(&a);

	/* Stopped, but everything was already found: still per process. */
	fake_reset();
	visible[n_visible++] = 10;
	visible[n_visible++] = 20;
	fake_gave_up = true;
	fill(&a);
	attrib_report(&a, NULL, 5, &fake, 0, &t);
	ok(!t.per_user && t.n_owners == 2 && t.owners[0].id == 10,
	   "stopped after finding everything: per process");
	attrib_free(&a);

	/* The search could not run at all. */
	fake_reset();
	fake_fail = true;
	fill(&a);
	attrib_report(&a, NULL, 5, &fake, 0, &t);
	ok(t.per_user, "failed search: per user");
	ok(strstr(t.note, "the process search failed (cannot read /proc") != NULL,
	   "the note gives the reason: %s", t.note);
	attrib_free(&a);

	/* Root, but a process ended between the read and the search. */
	fake_reset();
	visible[n_visible++] = 10;
	fill(&a);
	attrib_report(&a, NULL, 5, &fake, 0, &t);
	ok(!t.per_user && t.unresolved == 3 && t.n_owners == 1,
	   "root: 3 sockets of an ended process are unresolved, per process stays");
	is_str(t.note,
	       "3 sockets matched no process (it ended during the check, or the kernel holds them)",
	       "and said");
	attrib_free(&a);
}

/* Windows: the pid comes with each socket; TIME_WAIT has PID 0 there. */
static void test_pid_given(void)
{
	static struct attrib a;
	static struct attrib_tables t;
	struct sock_rec r;

	fake_reset();
	attrib_init(&a, EPH_TCP, &pool);
	for (uint16_t i = 0; i < 3; i++) {
		r = rec(EPH_TCP_ESTABLISHED, 1, (uint16_t)(40001 + i), 443, EPH_OWNER_NONE, 4, 0);
		attrib_add(&a, &r);
	}
	r = rec(EPH_BOUND, 1, 40100, 0, EPH_OWNER_NONE, 1234, 0);
	attrib_add(&a, &r);
	r = rec(EPH_TCP_TIME_WAIT, 1, 40200, 443, EPH_OWNER_NONE, 0, 0);
	attrib_add(&a, &r);
	attrib_report(&a, NULL, 5, &fake, 0, &t);
	is_int(fake_calls, 0, "pids given: no process search");
	ok(!t.scan.needed && !t.per_user, "nothing scanned, per process");
	is_int(t.n_owners, 2, "2 processes");
	ok(t.owners[0].id == 4 && t.owners[0].ports == 3, "PID 4 holds 3 ports");
	ok(t.owners[1].id == 1234 && t.owners[1].ports == 1, "PID 1234 holds 1 (bound)");
	is_int(t.ownerless[EPH_TCP_TIME_WAIT], 1, "TIME_WAIT (PID 0) has no owner");
	attrib_free(&a);
}

static void test_limits(void)
{
	static struct attrib a;
	static struct attrib_tables t;
	struct sock_rec r;

	/* 60 processes with 1..60 ports: top is capped at ATTRIB_TOP_MAX, most ports first. */
	fake_reset();
	attrib_init(&a, EPH_TCP, &pool);
	for (uint32_t p = 1; p <= 60; p++) {
		for (uint32_t k = 0; k < p; k++) {
			r = rec(EPH_TCP_ESTABLISHED, 1, (uint16_t)(40000 + k), (uint16_t)(1000 + p),
				EPH_OWNER_NONE, p, 0);
			attrib_add(&a, &r);
		}
	}
	attrib_report(&a, NULL, 500, &fake, 0, &t);
	is_int(t.top, ATTRIB_TOP_MAX, "--top above the limit is capped");
	is_int(t.n_owners, ATTRIB_TOP_MAX, "50 rows");
	is_int(t.owners_total, 60, "60 processes seen");
	ok(t.owners[0].id == 60 && t.owners[49].id == 11, "60 first, 11 last");
	attrib_report(&a, NULL, 3, &fake, 0, &t);
	ok(t.n_owners == 3 && t.owners[2].id == 58, "--top 3: 60, 59, 58");
	attrib_reset(&a);
	ok(a.sockets == 0 && a.owned == 0 && a.n_socks == 0 && a.laddr[0].used == 0,
	   "reset forgets every socket");
	attrib_free(&a);

	/* 70 local addresses: 64 rows of their own, the rest summed as "other". */
	attrib_init(&a, EPH_TCP, &pool);
	for (uint16_t i = 0; i < 70; i++) {
		r = rec(EPH_TCP_ESTABLISHED, (uint8_t)(i + 1), 40001, 443, 0, 7, 0);
		r.laddr[2] = 1; /* 127.0.1.x */
		attrib_add(&a, &r);
	}
	attrib_report(&a, NULL, 50, &fake, 0, &t);
	is_int(t.laddrs_total, ATTRIB_LADDR_MAX + 1, "64 addresses and one 'other' row");
	is_int(t.n_laddrs, 50, "50 rows shown");
	ok(t.laddrs[0].other && t.laddrs[0].used == 1 && t.laddrs[0].sockets == 6,
	   "'other' sums the last 6 addresses: 1 port each, 6 sockets, so it leads the ties");
	ok(!t.laddrs[1].other && t.laddrs[1].addr[3] == 1, "then 127.0.1.1");
	attrib_free(&a);

	/* More owned sockets than remembered: lower bounds, said. */
	attrib_init(&a, EPH_TCP, &pool);
	for (size_t i = 0; i < (size_t)ATTRIB_SOCK_MAX + 10; i++) {
		r = rec(EPH_TCP_ESTABLISHED, 1, (uint16_t)(40000 + i % 900), 443, 0, 9, 0);
		attrib_add(&a, &r);
	}
	attrib_report(&a, NULL, 5, &fake, 0, &t);
	ok(a.cut && t.partial, "cut: partial");
	is_int(a.owned, ATTRIB_SOCK_MAX + 10, "every owned socket still counted");
	is_int(t.owners[0].sockets, ATTRIB_SOCK_MAX, "the row counts the ones kept");
	ok(strstr(t.note, "only the first 262144 of 262154 sockets with an owner were kept") !=
		   NULL,
	   "the note says so: %s", t.note);
	attrib_free(&a);
}

/* Renders res with cfg and returns the output (static buffer owned by the caller's sb). */
static void render(const struct result *res, struct strbuf *sb)
{
	sb_reset(sb);
	report_nagios.render(res, sb);
}

static size_t first_len(const struct strbuf *sb)
{
	const char *nl = strchr(sb_str(sb), '\n');

	return nl ? (size_t)(nl - sb_str(sb)) : sb->len;
}

static void test_render(void)
{
	static struct tally t;
	static struct attrib a;
	static struct attrib_tables tab;
	static struct result res;
	struct eph_config cfg;
	struct sys_pool_info pinfo;
	struct sys_sock_info sinfo;
	struct strbuf sb = { 0 }, junk = { 0 };
	struct eph_err err;
	char *argv[] = { "check_ephemeral", "--top", "5", NULL };
	struct sock_rec r;

	ok(cli_parse(3, argv, &cfg, &junk, &err) == CLI_RUN && cfg.top == 5, "--top 5 parses");
	memset(&pinfo, 0, sizeof(pinfo));
	memset(&sinfo, 0, sizeof(sinfo));
	snprintf(sinfo.source, sizeof(sinfo.source), "test");
	sinfo.bound_visible = true;

	/* 100 TIME_WAIT toward one destination, 41 connections of process 10. */
	fake_reset();
	visible[n_visible++] = 10;
	tally_init(&t, EPH_TCP, &pool);
	attrib_init(&a, EPH_TCP, &pool);
	for (uint16_t i = 0; i < 100; i++) {
		r = rec(EPH_TCP_TIME_WAIT, 1, (uint16_t)(40100 + i), 5003, 0, EPH_OWNER_NONE, 0);
		tally_add(&t, &r);
		attrib_add(&a, &r);
	}
	for (uint16_t i = 0; i < 41; i++) {
		r = rec(EPH_TCP_ESTABLISHED, 2, (uint16_t)(40300 + i), 5001, 0, 10, 0);
		tally_add(&t, &r);
		attrib_add(&a, &r);
	}
	memset(&res, 0, sizeof(res));
	res.cfg = &cfg;
	ok(evaluate_proto(&cfg, &pool, &t, &pinfo, &sinfo, &res.p[EPH_TCP], &err) == 0,
	   "evaluates");
	evaluate_churn(&res.p[EPH_TCP], 60, false, false, NULL);
	evaluate_merge(&res);
	attrib_report(&a, &t, 5, &fake, 0, &tab);
	res.p[EPH_TCP].attrib = &tab;
	render(&res, &sb);
	ok(strstr(sb_str(&sb), " 'tcp_churn'=1.67;;;0 'tcp_churn_max'=15;;;0\n") != NULL,
	   "tcp_churn = 100/60, two decimals; tcp_churn_max = 900/60, last perfdata");
	ok(strstr(sb_str(&sb),
		  "tcp: top processes by ports held (1 of them; pool 900 ports)\n"
		  "tcp:   pid 10 proc10: 41 ports (4.6%), 41 sockets\n"
		  "tcp: held by no process: TIME_WAIT 100 sockets\n"
		  "tcp: top destinations by ports held (2 of them):\n"
		  "tcp:   127.0.0.1 -> 127.0.0.1:5003: 100 ports (11.1% of the pool)\n"
		  "tcp:   127.0.0.2 -> 127.0.0.1:5001: 41 ports (4.6% of the pool)\n"
		  "tcp: TIME_WAIT by destination (1 of them), with the processes that talk to it "
		  "now (TIME_WAIT has no owner: inferred):\n"
		  "tcp:   100 in TIME_WAIT toward 127.0.0.1:5003: no process talks to it now\n"
		  "tcp: local addresses (2 of them): in use, of pool, %, listening, PIDs\n"
		  "tcp:   127.0.0.1: 100 of 900 (11.1%), listening 0, PIDs 0\n"
		  "tcp:   127.0.0.2: 41 of 900 (4.6%), listening 0, PIDs 1\n"
		  "tcp: churn 1.67 connections closed/s (100 in TIME_WAIT / 60 s, the lifetime "
		  "fixed by the OS); the busiest destination 127.0.0.1 -> 127.0.0.1:5003 closes "
		  "1.67/s (100 in TIME_WAIT / 60 s) and sustains about 15/s (900 ports / 60 s, the "
		  "TIME_WAIT lifetime): now at 11.1% of it; each destination has a budget of its "
		  "own\n") != NULL,
	   "long output tables");
	if (tap_failed) {
		printf("# %s", sb_str(&sb));
	}

	/* A process can name itself anything (prctl): no perfdata, escape or invalid byte may
	 * reach Nagios through the long output. */
	fake_name = "a|b=1;2;3\x1b[31m\xff";
	attrib_report(&a, &t, 5, &fake, 0, &tab);
	fake_name = NULL;
	render(&res, &sb);
	ok(strstr(sb_str(&sb), "tcp:   pid 10 a/b=1;2;3?[31m?: 41 ports (4.6%), 41 sockets\n") &&
		   strchr(sb_str(&sb), '|') == strrchr(sb_str(&sb), '|'),
	   "a hostile process name: '|' as '/', control and invalid bytes as '?'");
	attrib_report(&a, &t, 5, &fake, 0, &tab);

	/* Windows without TcpTimedWaitDelay: an estimate, said so. */
	evaluate_churn(&res.p[EPH_TCP], 120, false, true, NULL);
	render(&res, &sb);
	ok(strstr(sb_str(&sb), "'tcp_churn'=0.83;;;0") &&
		   strstr(sb_str(&sb), "(100 in TIME_WAIT / 120 s, an estimated lifetime: the OS "
				       "setting is not configured)"),
	   "an estimated lifetime is labelled");
	evaluate_churn(&res.p[EPH_TCP], 30, true, false, NULL);
	render(&res, &sb);
	ok(strstr(sb_str(&sb), "'tcp_churn'=3.33;;;0") &&
		   strstr(sb_str(&sb), "30 s, the configured lifetime)"),
	   "a configured lifetime is labelled");

	/* -v names the setting behind the lifetime, next to the churn line; an out-of-range
	 * TcpTimedWaitDelay is ignored and the churn line says why it is an estimate. */
	{
		const struct sys_tw_info ignored = {
			.ignored = true,
			.setting = "TcpTimedWaitDelay 1 is outside 30-300, ignored (HKLM\\X); 240 s assumed"
		};

		cfg.verbose = 1;
		evaluate_churn(&res.p[EPH_TCP], 240, false, true, &ignored);
		render(&res, &sb);
		ok(strstr(sb_str(&sb), "'tcp_churn'=0.42;;;0 'tcp_churn_max'=3.75;;;0\n") != NULL,
		   "ignored setting: tcp_churn = 100/240, tcp_churn_max 900/240");
		ok(strstr(sb_str(&sb),
			  "\ntcp: TcpTimedWaitDelay 1 is outside 30-300, ignored (HKLM\\X); 240 s "
			  "assumed\n"
			  "tcp: churn 0.42 connections closed/s (100 in TIME_WAIT / 240 s, an "
			  "estimated lifetime: the OS setting is out of range, ignored); the busiest "
			  "destination 127.0.0.1 -> 127.0.0.1:5003 closes 0.42/s (100 in TIME_WAIT "
			  "/ 240 s) and sustains about 3.75/s (900 ports / 240 s, the TIME_WAIT "
			  "lifetime): now at 11.1% of it; each destination has a budget of its own\n") !=
			   NULL,
		   "-v: the setting line, then the churn line that says it was ignored");
		cfg.verbose = 0;
		render(&res, &sb);
		ok(strstr(sb_str(&sb), "TcpTimedWaitDelay") == NULL,
		   "without -v the setting line is not shown");
		cfg.verbose = 1;
		evaluate_churn(&res.p[EPH_TCP], 60, false, false, NULL);
		render(&res, &sb);
		ok(strstr(sb_str(&sb), "TcpTimedWaitDelay") == NULL &&
			   strstr(sb_str(&sb), "/ 60 s, the lifetime fixed by the OS)") != NULL,
		   "no setting (Linux): -v has no setting line, the churn line says fixed");
		cfg.verbose = 0;
	}

	/* Without the tables (--top 0, or OK by default) there is no long output. */
	res.p[EPH_TCP].attrib = NULL;
	render(&res, &sb);
	ok(strchr(sb_str(&sb), '\n') == sb_str(&sb) + sb.len - 1, "no tables: one line");
	attrib_free(&a);
	tally_free(&t);

	/* 10 000 destinations, 2 ports each, and --top 50: the first line stays under 1 KB,
	 * the long output is bounded. */
	fake_reset();
	tally_init(&t, EPH_TCP, &pool);
	attrib_init(&a, EPH_TCP, &pool);
	for (size_t d = 0; d < 10000; d++) {
		for (uint16_t k = 0; k < 2; k++) {
			r = rec(EPH_TCP_ESTABLISHED, 1, (uint16_t)(40000 + k), (uint16_t)(1000 + d),
				0, 77, 0);
			r.raddr[1] = (uint8_t)(d >> 8);
			r.raddr[2] = (uint8_t)d;
			tally_add(&t, &r);
			attrib_add(&a, &r);
		}
	}
	ok(evaluate_proto(&cfg, &pool, &t, &pinfo, &sinfo, &res.p[EPH_TCP], &err) == 0,
	   "evaluates 10 000 destinations");
	evaluate_churn(&res.p[EPH_TCP], 60, false, false, NULL);
	attrib_report(&a, &t, 50, &fake, 0, &tab);
	res.p[EPH_TCP].attrib = &tab;
	render(&res, &sb);
	is_int(tab.dests_total, 10000, "10 000 destinations counted");
	is_int(tab.n_dests, 50, "50 shown");
	ok(first_len(&sb) < 1024, "first line with perfdata: %zu bytes, under 1 KB", first_len(&sb));
	ok(sb.len < 16384, "whole output %zu bytes, bounded", sb.len);
	attrib_free(&a);
	tally_free(&t);
	sb_free(&sb);
	sb_free(&junk);
}

/* A dual-stack socket bound to ::ffff:127.0.0.1 is in 127.0.0.1's row, not a row of its own. */
/* Toward 127.0.0.1:5003: process 10 (root) holds 3, process 20 (uid 1000) 1, and 50 in
 * TIME_WAIT; toward :5004 7 in TIME_WAIT and nobody. */
static void tw_population(struct tally *t, struct attrib *a)
{
	struct sock_rec r;

	tally_init(t, EPH_TCP, &pool);
	attrib_init(a, EPH_TCP, &pool);
	for (uint16_t i = 0; i < 3; i++) {
		r = rec(EPH_TCP_ESTABLISHED, 1, (uint16_t)(40001 + i), 5003, 0, EPH_OWNER_NONE,
			100 + i);
		tally_add(t, &r);
		attrib_add(a, &r);
	}
	r = rec(EPH_TCP_ESTABLISHED, 1, 40004, 5003, 1000, EPH_OWNER_NONE, 200);
	tally_add(t, &r);
	attrib_add(a, &r);
	for (uint16_t i = 0; i < 57; i++) {
		r = rec(EPH_TCP_TIME_WAIT, 1, (uint16_t)(40100 + i), i < 50 ? 5003 : 5004, 0,
			EPH_OWNER_NONE, 0);
		tally_add(t, &r);
		attrib_add(a, &r);
	}
}

/* TIME_WAIT has no owner: the rows name, per destination, the owner that talks to it now. */
static void test_time_wait(void)
{
	static struct tally t;
	static struct attrib a;
	static struct attrib_tables tab;
	static struct result res;
	struct eph_config cfg;
	struct sys_pool_info pinfo;
	struct sys_sock_info sinfo;
	struct strbuf sb = { 0 }, junk = { 0 };
	struct eph_err err;
	char *argv[] = { "check_ephemeral", "--top", "5", NULL };

	ok(cli_parse(3, argv, &cfg, &junk, &err) == CLI_RUN, "--top 5 parses");
	memset(&pinfo, 0, sizeof(pinfo));
	memset(&sinfo, 0, sizeof(sinfo));
	fake_reset();
	visible[n_visible++] = 10;
	visible[n_visible++] = 20;
	tw_population(&t, &a);
	attrib_report(&a, &t, 5, &fake, 0, &tab);
	is_int(tab.tw_total, 2, "two destinations with TIME_WAIT");
	is_int(tab.n_tw, 2, "both shown");
	ok(tab.tw[0].key.rport == 5003 && tab.tw[0].time_wait == 50 && tab.tw[0].id == 10 &&
		   tab.tw[0].ports == 3 && tab.tw[0].others == 1 &&
		   strcmp(tab.tw[0].name, "proc10") == 0,
	   "5003: 50 in TIME_WAIT, inferred to process 10 (3 ports), one more talks to it");
	ok(tab.tw[1].key.rport == 5004 && tab.tw[1].time_wait == 7 &&
		   tab.tw[1].id == EPH_OWNER_NONE && tab.tw[1].ports == 0,
	   "5004: 7 in TIME_WAIT, nobody talks to it");

	memset(&res, 0, sizeof(res));
	res.cfg = &cfg;
	ok(evaluate_proto(&cfg, &pool, &t, &pinfo, &sinfo, &res.p[EPH_TCP], &err) == 0,
	   "evaluates");
	evaluate_merge(&res);
	res.p[EPH_TCP].attrib = &tab;
	render(&res, &sb);
	ok(strstr(sb_str(&sb), "\ntcp:   proc10 (pid 10): 3 ports, and ~50 in TIME_WAIT toward "
			       "127.0.0.1:5003 (inferred; 1 more process talks to it)\n") &&
		   strstr(sb_str(&sb), "\ntcp:   7 in TIME_WAIT toward 127.0.0.1:5004: no process "
				       "talks to it now\n"),
	   "rendered: the inferred owner, and the destination nobody talks to");

	/* Per user (another user's processes hidden): the user behind the TIME_WAIT. */
	fake_reset();
	visible[n_visible++] = 10;
	fake_denied = 1;
	attrib_free(&a);
	tally_free(&t);
	tw_population(&t, &a);
	attrib_report(&a, &t, 5, &fake, 0, &tab);
	ok(tab.per_user && tab.tw[0].id == 0 && tab.tw[0].ports == 3 && tab.tw[0].others == 1 &&
		   strcmp(tab.tw[0].name, "root") == 0,
	   "per user: root behind the TIME_WAIT toward 5003, one more user talks to it");
	render(&res, &sb);
	ok(strstr(sb_str(&sb), "\ntcp:   root (uid 0): 3 ports, and ~50 in TIME_WAIT toward "
			       "127.0.0.1:5003 (inferred; 1 more user talks to it)\n") != NULL,
	   "rendered per user");

	/* --top 1: one row, the busiest. */
	attrib_report(&a, &t, 1, &fake, 0, &tab);
	ok(tab.n_tw == 1 && tab.tw_total == 2 && tab.tw[0].key.rport == 5003, "--top 1: one row");
	sb_free(&sb);
	sb_free(&junk);
	attrib_free(&a);
	tally_free(&t);
}

static void test_mapped(void)
{
	static struct attrib a;
	static struct attrib_tables t;
	const struct attrib_laddr_row *l1;
	struct sock_rec r;

	fake_reset();
	attrib_init(&a, EPH_TCP, &pool);
	r = rec(EPH_TCP_ESTABLISHED, 1, 40001, 5001, 0, EPH_OWNER_NONE, 0);
	attrib_add(&a, &r);
	r = rec(EPH_TCP_ESTABLISHED, 1, 40002, 5001, 0, EPH_OWNER_NONE, 0);
	r.family = 6;
	memset(r.laddr, 0, sizeof(r.laddr));
	r.laddr[10] = r.laddr[11] = 0xff;
	r.laddr[12] = 127;
	r.laddr[15] = 1;
	attrib_add(&a, &r);
	attrib_report(&a, NULL, 5, &fake, 0, &t);
	l1 = find_laddr(&t, 1);
	is_int(t.laddrs_total, 1, "IPv4 and IPv4-mapped 127.0.0.1: one local address");
	ok(l1 && l1->family == 4 && l1->used == 2 && l1->sockets == 2,
	   "127.0.0.1: 2 ports, 2 sockets");
	attrib_free(&a);
}

int main(void)
{
	pool_set_range(&pool, 40000, 40999);
	pool_reserve(&pool, 40900, 40999);
	test_per_process();
	test_per_user();
	test_pid_given();
	test_limits();
	test_render();
	test_time_wait();
	test_mapped();
	return done_testing();
}
