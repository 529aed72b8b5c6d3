/* win_tables: the Windows socket-table reader (lib/win_tables.c) against tables that grow
 * between the sizing call and the read, the ERROR_INSUFFICIENT_BUFFER race of
 * docs/platform-notes.md §4, and against rows that wine's real tables never contain: BOUND (MIB
 * state 100, docs/platform-notes.md §2), DELETE_TCB, owner PID 0, IPv6. A test-only build: this file includes win_tables.c with
 * GetExtendedTcpTable and GetExtendedUdpTable replaced by fakes; the shipped plugin calls the
 * real ones. Run under wine by tests/suite_win_faults.sh; prints TAP. */
#define COBJMACROS
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>

#include <stddef.h>

#include "evaluate.h"
#include "measure.h"
#include "report.h"

static DWORD fake_tcp(PVOID buf, PDWORD size, BOOL order, ULONG af, TCP_TABLE_CLASS cls,
		      ULONG reserved);
static DWORD fake_udp(PVOID buf, PDWORD size, BOOL order, ULONG af, UDP_TABLE_CLASS cls,
		      ULONG reserved);
#define GetExtendedTcpTable fake_tcp
#define GetExtendedUdpTable fake_udp
#include "../../lib/win_tables.c"
#undef GetExtendedTcpTable
#undef GetExtendedUdpTable

#include "tap.h"

static DWORD rows;      /* rows in the IPv4 tables now */
static DWORD grow;      /* rows added before each read that has a buffer */
static int races;       /* reads that still find the table grown */
static int calls;       /* calls of the fakes */
static bool no_v6;      /* the IPv6 tables answer ERROR_NOT_SUPPORTED */
static bool mixed;      /* the tables are mixed_rows instead of rows ESTABLISHED IPv4 rows */

/* One row of the mixed tables. Local addresses 10.0.0.2 / 2001:db8::2, remote 10.0.0.1 /
 * 2001:db8::1 (none when rport is 0); the query asks for 49152-65535. */
struct fake_row {
	bool tcp, v6;
	DWORD state; /* MIB_TCP_STATE_*, or 100: BOUND */
	u_short lport, rport;
	DWORD pid;
};

static const struct fake_row mixed_rows[] = {
	{ true, false, MIB_TCP_STATE_ESTAB, 50001, 443, 1234 },
	{ true, false, MIB_TCP_STATE_ESTAB, 50002, 443, 1234 },
	{ true, false, MIB_TCP_STATE_ESTAB, 50001, 8443, 1234 }, /* a second socket on 50001 */
	{ true, false, MIB_TCP_STATE_TIME_WAIT, 50010, 443, 0 },  /* Windows: PID 0 */
	{ true, false, MIB_TCP_STATE_TIME_WAIT, 50011, 443, 0 },
	{ true, false, 100, 50020, 0, 1234 },
	{ true, false, 100, 50021, 0, 1234 },
	{ true, false, MIB_TCP_STATE_DELETE_TCB, 50030, 443, 1234 },
	{ true, false, MIB_TCP_STATE_LISTEN, 50040, 0, 1234 },
	{ true, false, MIB_TCP_STATE_LISTEN, 445, 0, 4 },          /* outside the range */
	{ true, false, MIB_TCP_STATE_ESTAB, 40000, 443, 1234 },    /* outside the range */
	{ true, true, MIB_TCP_STATE_ESTAB, 50050, 443, 1234 },
	{ true, true, MIB_TCP_STATE_ESTAB, 50001, 443, 1234 },     /* IPv4 holds 50001 too */
	{ true, true, MIB_TCP_STATE_TIME_WAIT, 50052, 443, 0 },
	{ true, true, 100, 50053, 0, 1234 },
	{ false, false, 0, 50001, 0, 1234 },
	{ false, false, 0, 50002, 0, 1234 },
	{ false, false, 0, 53, 0, 1234 },                           /* outside the range */
	{ false, true, 0, 50001, 0, 1234 },
	{ false, true, 0, 50003, 0, 1234 },
};

/* The mixed rows of one table. */
static DWORD mixed_count(ULONG af, bool tcp)
{
	DWORD n = 0;

	for (size_t i = 0; i < sizeof(mixed_rows) / sizeof(mixed_rows[0]); i++) {
		n += mixed_rows[i].tcp == tcp && mixed_rows[i].v6 == (af == AF_INET6);
	}
	return n;
}

static void fill_mixed(PVOID buf, ULONG af, bool tcp)
{
	static const uint8_t v6_local[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	static const uint8_t v6_remote[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	DWORD n = 0;

	for (size_t i = 0; i < sizeof(mixed_rows) / sizeof(mixed_rows[0]); i++) {
		const struct fake_row *f = &mixed_rows[i];

		if (f->tcp != tcp || f->v6 != (af == AF_INET6)) {
			continue;
		}
		if (tcp && !f->v6) {
			MIB_TCPROW_OWNER_PID *r = &((MIB_TCPTABLE_OWNER_PID *)buf)->table[n];

			r->dwState = f->state;
			r->dwLocalAddr = htonl(f->rport ? 0x0A000002 : 0);
			r->dwLocalPort = htons(f->lport);
			r->dwRemoteAddr = f->rport ? htonl(0x0A000001) : 0;
			r->dwRemotePort = htons(f->rport);
			r->dwOwningPid = f->pid;
		} else if (tcp) {
			MIB_TCP6ROW_OWNER_PID *r = &((MIB_TCP6TABLE_OWNER_PID *)buf)->table[n];

			r->dwState = f->state;
			memcpy(r->ucLocalAddr, v6_local, 16);
			r->dwLocalPort = htons(f->lport);
			if (f->rport) {
				memcpy(r->ucRemoteAddr, v6_remote, 16);
			}
			r->dwRemotePort = htons(f->rport);
			r->dwOwningPid = f->pid;
		} else if (!f->v6) {
			MIB_UDPROW_OWNER_PID *r = &((MIB_UDPTABLE_OWNER_PID *)buf)->table[n];

			r->dwLocalAddr = htonl(0x0A000002);
			r->dwLocalPort = htons(f->lport);
			r->dwOwningPid = f->pid;
		} else {
			MIB_UDP6ROW_OWNER_PID *r = &((MIB_UDP6TABLE_OWNER_PID *)buf)->table[n];

			memcpy(r->ucLocalAddr, v6_local, 16);
			r->dwLocalPort = htons(f->lport);
			r->dwOwningPid = f->pid;
		}
		n++;
	}
	/* dwNumEntries comes first in all four table types. */
	*(DWORD *)buf = n;
}

static DWORD fake_table(PVOID buf, PDWORD size, ULONG af, bool tcp)
{
	DWORD n, need;

	calls++;
	if (af == AF_INET6 && no_v6) {
		return ERROR_NOT_SUPPORTED;
	}
	if (buf && races > 0) {
		races--;
		rows += grow; /* connections opened since the sizing call */
	}
	n = mixed ? mixed_count(af, tcp) : af == AF_INET ? rows : 0;
	if (af == AF_INET) {
		need = tcp ? (DWORD)(offsetof(MIB_TCPTABLE_OWNER_PID, table) +
				     n * sizeof(MIB_TCPROW_OWNER_PID))
			   : (DWORD)(offsetof(MIB_UDPTABLE_OWNER_PID, table) +
				     n * sizeof(MIB_UDPROW_OWNER_PID));
	} else {
		need = tcp ? (DWORD)(offsetof(MIB_TCP6TABLE_OWNER_PID, table) +
				     n * sizeof(MIB_TCP6ROW_OWNER_PID))
			   : (DWORD)(offsetof(MIB_UDP6TABLE_OWNER_PID, table) +
				     n * sizeof(MIB_UDP6ROW_OWNER_PID));
	}
	if (!buf || *size < need) {
		*size = need;
		return ERROR_INSUFFICIENT_BUFFER;
	}
	memset(buf, 0, need);
	if (mixed) {
		fill_mixed(buf, af, tcp);
		return NO_ERROR;
	}
	if (af == AF_INET6) {
		return NO_ERROR; /* dwNumEntries 0 */
	}
	if (tcp) {
		MIB_TCPTABLE_OWNER_PID *t = buf;

		t->dwNumEntries = n;
		for (DWORD i = 0; i < n; i++) {
			t->table[i].dwState = MIB_TCP_STATE_ESTAB;
			t->table[i].dwLocalAddr = htonl(0x0A000002);
			t->table[i].dwLocalPort = htons((u_short)(50000 + i));
			t->table[i].dwRemoteAddr = htonl(0x0A000001);
			t->table[i].dwRemotePort = htons(443);
			t->table[i].dwOwningPid = 1234;
		}
	} else {
		MIB_UDPTABLE_OWNER_PID *t = buf;

		t->dwNumEntries = n;
		for (DWORD i = 0; i < n; i++) {
			t->table[i].dwLocalAddr = htonl(0x0A000002);
			t->table[i].dwLocalPort = htons((u_short)(50000 + i));
			t->table[i].dwOwningPid = 1234;
		}
	}
	return NO_ERROR;
}

static DWORD fake_tcp(PVOID buf, PDWORD size, BOOL order, ULONG af, TCP_TABLE_CLASS cls,
		      ULONG reserved)
{
	(void)order;
	(void)cls;
	(void)reserved;
	return fake_table(buf, size, af, true);
}

static DWORD fake_udp(PVOID buf, PDWORD size, BOOL order, ULONG af, UDP_TABLE_CLASS cls,
		      ULONG reserved)
{
	(void)order;
	(void)cls;
	(void)reserved;
	return fake_table(buf, size, af, false);
}

struct count {
	size_t socks, resets;
	uint16_t lo, hi;
};

static int count_fn(const struct sock_rec *r, void *ctx)
{
	struct count *c = ctx;

	if (!r) {
		c->resets++;
		c->socks = 0;
		return 0;
	}
	if (c->socks == 0 || r->lport < c->lo) {
		c->lo = r->lport;
	}
	if (c->socks == 0 || r->lport > c->hi) {
		c->hi = r->lport;
	}
	c->socks++;
	return 0;
}

/* Reads proto over both families with the table starting at start rows, growing by g rows
 * before each of the first n reads. Returns sys_read_sockets' result. */
static int read_with(enum eph_proto proto, DWORD start, DWORD g, int n, struct count *c,
		     struct eph_err *err)
{
	struct sys_query q = { proto, EPH_FAM_ALL, 49152, 65535 };
	struct sys_sock_info info;

	rows = start;
	grow = g;
	races = n;
	calls = 0;
	memset(c, 0, sizeof(*c));
	err->msg[0] = '\0';
	return sys_read_sockets(&q, count_fn, c, &info, err);
}

/* Counts the records the reader sends with no owner (PID 0 on Windows). */
struct owners {
	struct tally *t;
	size_t none, pid1234, other;
};

static int owners_fn(const struct sock_rec *r, void *ctx)
{
	struct owners *o = ctx;

	if (r) {
		if (r->pid == EPH_OWNER_NONE) {
			o->none++;
		} else if (r->pid == 1234) {
			o->pid1234++;
		} else {
			o->other++;
		}
	}
	return tally_sock_fn(r, o->t);
}

/* The mixed tables through the plugin's own path: reader, tally, evaluate, the Nagios output
 * with -v. Every figure is exact. */
static void test_mixed(void)
{
	static struct portpool pool;
	static struct tally t, u;
	static struct result res;
	struct sys_query q = { EPH_TCP, EPH_FAM_ALL, 49152, 65535 };
	struct sys_pool_info pinfo;
	struct sys_sock_info sinfo;
	struct eph_config cfg;
	struct strbuf sb = { 0 };
	struct owners o = { &t, 0, 0, 0 };
	struct eph_err err = { "" };
	const char *out;

	mixed = true;
	pool_set_range(&pool, 49152, 65535);
	memset(&cfg, 0, sizeof(cfg));
	cfg.proto[EPH_TCP] = cfg.proto[EPH_UDP] = true;
	cfg.families = EPH_FAM_ALL;
	cfg.verbose = 1;
	cfg.top = 0;
	memset(&pinfo, 0, sizeof(pinfo));
	snprintf(pinfo.range_source, sizeof(pinfo.range_source), "test");
	memset(&res, 0, sizeof(res));
	res.cfg = &cfg;

	tally_init(&t, EPH_TCP, &pool);
	ok(sys_read_sockets(&q, owners_fn, &o, &sinfo, &err) == 0, "mixed TCP tables read (%s)",
	   err.msg);
	is_int(o.none, 3, "the 3 TIME_WAIT rows with PID 0 have no owner");
	is_int(o.pid1234, 10, "the other 10 rows in range keep PID 1234");
	is_int(o.other, 0, "no row gets another owner, and the 2 rows outside 49152-65535 are not sent");
	is_int(t.states[EPH_BOUND], 3, "state 100 is BOUND: 2 IPv4 + 1 IPv6");
	is_int(t.states[EPH_TCP_TIME_WAIT], 3, "TIME_WAIT (11): 2 IPv4 + 1 IPv6");
	is_int(t.states[EPH_TCP_ESTABLISHED], 5, "ESTABLISHED: 3 IPv4 + 2 IPv6");
	is_int(t.states[EPH_TCP_CLOSE], 1, "DELETE_TCB (12) still holds its port: counted as CLOSE");
	is_int(t.states[EPH_TCP_LISTEN], 1, "LISTEN in range: 1 (445 is outside)");
	is_int(t.states[EPH_STATE_UNKNOWN], 0, "no row maps to UNKNOWN");
	is_int(t.sockets, 13, "13 sockets in range");
	is_int(t.family[0], 9, "IPv4 sockets: 9");
	is_int(t.family[1], 4, "IPv6 sockets: 4");
	is_int(t.used_count, 11, "11 distinct ports: 50001 held thrice (IPv4 twice, IPv6) counts once");
	ok(evaluate_proto(&cfg, &pool, &t, &pinfo, &sinfo, &res.p[EPH_TCP], &err) == 0,
	   "TCP evaluates (%s)", err.msg);
	is_int(res.p[EPH_TCP].used, 11, "tcp used 11");
	is_int(res.p[EPH_TCP].dest_max, 5,
	       "busiest destination 10.0.0.1:443: 2 ESTABLISHED, 2 TIME_WAIT, 1 DELETE_TCB");

	q.proto = EPH_UDP;
	tally_init(&u, EPH_UDP, &pool);
	ok(measure_sockets(&q, &u, &sinfo, &err) == 0, "mixed UDP tables read (%s)", err.msg);
	is_int(u.sockets, 4, "UDP: 4 sockets in range (2 IPv4, 2 IPv6; port 53 ignored)");
	is_int(u.used_count, 3, "UDP: 3 distinct ports (50001 on both families once)");
	ok(evaluate_proto(&cfg, &pool, &u, &pinfo, &sinfo, &res.p[EPH_UDP], &err) == 0,
	   "UDP evaluates (%s)", err.msg);
	evaluate_merge(&res);

	report_nagios.render(&res, &sb);
	out = sb_str(&sb);
	ok(strstr(out, " | 'tcp_used'=11;;;0;16384 'tcp_pct'=0.1%;;;0;100 'tcp_free'=16373;;;0;16384 "
		       "'tcp_established'=5;;;0 'tcp_time_wait'=3;;;0 'tcp_bound'=3;;;0 "
		       "'tcp_dest'=5;;;0;16384 'tcp_dest_pct'=0.0%;;;0;100 'udp_used'=3;;;0;16384 ") !=
		   NULL,
	   "perfdata: tcp_used 11, tcp_established 5, tcp_time_wait 3, tcp_bound 3, tcp_dest 5, "
	   "udp_used 3");
	ok(strstr(out, "\ntcp: 13 sockets on 11 ports in the pool: ESTABLISHED 5, TIME_WAIT 3, "
		       "CLOSE 1, LISTEN 1, BOUND 3; IPv4 9, IPv6 4\n") != NULL,
	   "-v: the states and families of the 13 TCP sockets");
	ok(strstr(out, "\nudp: 4 sockets on 3 ports in the pool: UDP 4; IPv4 2, IPv6 2\n") != NULL,
	   "-v: the 4 UDP sockets");
	if (tap_failed) {
		printf("# %s\n", out);
	}
	sb_free(&sb);
	tally_free(&t);
	tally_free(&u);
	mixed = false;
}

int main(void)
{
	struct eph_err err;
	struct count c;
	int rc;

	rc = read_with(EPH_TCP, 1000, 0, 0, &c, &err);
	ok(rc == 0 && c.socks == 1000 && c.lo == 50000 && c.hi == 50999,
	   "a quiet table: all 1000 rows, ports 50000-50999 (%s)", err.msg);

	/* Growth within the headroom (an eighth of the size plus 4 KiB): read at once. */
	rc = read_with(EPH_TCP, 1000, 20, 1, &c, &err);
	ok(rc == 0 && c.socks == 1020, "20 rows more after sizing: the new size, 1020 rows (%zu)",
	   c.socks);

	/* Growth past the headroom three times: sized again each time, then every row. */
	rc = read_with(EPH_TCP, 1000, 4000, 3, &c, &err);
	ok(rc == 0 && c.socks == 13000 && c.hi == 50000 + 12999,
	   "4000 rows more before each of 3 reads: retried, all 13000 rows (%zu; %s)", c.socks,
	   err.msg);
	ok(calls <= 8 + 2 * 8, "bounded: %d calls of GetExtendedTcpTable", calls);

	/* A table that never stops growing: UNKNOWN with the reason, not a partial table. */
	rc = read_with(EPH_TCP, 1000, 4000, 1000, &c, &err);
	ok(rc == -1 && strstr(err.msg, "kept growing") != NULL,
	   "a table that keeps growing: fails after a bounded number of tries: %s", err.msg);
	ok(calls <= 8, "the endless race stops after %d calls", calls);

	rc = read_with(EPH_UDP, 300, 4000, 2, &c, &err);
	ok(rc == 0 && c.socks == 8300, "UDP: 4000 rows more before 2 reads: all 8300 rows (%zu)",
	   c.socks);

	/* No IPv6 stack: the IPv6 table call says ERROR_NOT_SUPPORTED; IPv4 is still complete. */
	no_v6 = true;
	rc = read_with(EPH_TCP, 500, 0, 0, &c, &err);
	ok(rc == 0 && c.socks == 500, "no IPv6 stack: the 500 IPv4 rows, no error (%s)", err.msg);
	no_v6 = false;

	test_mixed();
	return done_testing();
}
