/* win_tables: the Windows socket-table reader (lib/sys_windows.c) against tables that grow
 * between the sizing call and the read, the ERROR_INSUFFICIENT_BUFFER race of FACTS §4. A
 * test-only build: this file includes sys_windows.c with GetExtendedTcpTable and
 * GetExtendedUdpTable replaced by fakes that add rows on every read; the shipped plugin calls
 * the real ones. Run under wine by tests/suite_win_faults.sh; prints TAP. */
#define COBJMACROS
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>

#include <stddef.h>

static DWORD fake_tcp(PVOID buf, PDWORD size, BOOL order, ULONG af, TCP_TABLE_CLASS cls,
		      ULONG reserved);
static DWORD fake_udp(PVOID buf, PDWORD size, BOOL order, ULONG af, UDP_TABLE_CLASS cls,
		      ULONG reserved);
#define GetExtendedTcpTable fake_tcp
#define GetExtendedUdpTable fake_udp
#include "../../lib/sys_windows.c"
#undef GetExtendedTcpTable
#undef GetExtendedUdpTable

#include "tap.h"

static DWORD rows;      /* rows in the IPv4 tables now */
static DWORD grow;      /* rows added before each read that has a buffer */
static int races;       /* reads that still find the table grown */
static int calls;       /* calls of the fakes */
static bool no_v6;      /* the IPv6 tables answer ERROR_NOT_SUPPORTED */

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
	n = af == AF_INET ? rows : 0;
	need = tcp ? (DWORD)(offsetof(MIB_TCPTABLE_OWNER_PID, table) +
			     n * sizeof(MIB_TCPROW_OWNER_PID))
		   : (DWORD)(offsetof(MIB_UDPTABLE_OWNER_PID, table) +
			     n * sizeof(MIB_UDPROW_OWNER_PID));
	if (af == AF_INET6) {
		need = tcp ? (DWORD)offsetof(MIB_TCP6TABLE_OWNER_PID, table)
			   : (DWORD)offsetof(MIB_UDP6TABLE_OWNER_PID, table);
	}
	if (!buf || *size < need) {
		*size = need;
		return ERROR_INSUFFICIENT_BUFFER;
	}
	memset(buf, 0, need);
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
	return done_testing();
}
