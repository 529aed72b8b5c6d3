/* The Windows socket reader behind sys.h: sys_read_sockets from iphlpapi's owner-PID tables
 * (GetExtendedTcpTable, GetExtendedUdpTable), IPv4 and IPv6. The four table types differ only
 * in their rows' layout: one converter reads any of them through a table of field offsets.
 * tests/helper/win_tables.c includes this file with fake table calls. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>

#include "sys.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Not in mingw's headers: the "BOUND" state that netstat -q shows (probably 100; see
 * docs/windows.md, "BOUND sockets"). */
#define TCP_STATE_BOUND 100
/* Sizing rounds for the socket tables, which can grow between calls. */
#define TABLE_TRIES 8
/* A field a row type does not have (UDP rows: no state, no peer). */
#define NO_FIELD ((size_t)-1)

/* Where one row type keeps what a sock_rec needs. Every field but the addresses is a DWORD;
 * ports are in network byte order in its low 16 bits. */
struct win_row_layout {
	size_t rows;     /* offset of the first row in the table (dwNumEntries comes first) */
	size_t size;     /* one row */
	size_t state;    /* dwState, or NO_FIELD */
	size_t laddr, lport, raddr, rport, pid;
	size_t addr_len; /* 4 or 16 */
};

/* The layout of a TCP row type (state, peer) and of a UDP one; pre is the prefix of the
 * address fields: dw (a DWORD, IPv4) or uc (16 bytes, IPv6). */
#define WIN_TCP_ROW(tab, row, pre, len)                                                     \
	{ offsetof(tab, table), sizeof(row), offsetof(row, dwState),                         \
	  offsetof(row, pre##LocalAddr), offsetof(row, dwLocalPort),                         \
	  offsetof(row, pre##RemoteAddr), offsetof(row, dwRemotePort),                       \
	  offsetof(row, dwOwningPid), len }
#define WIN_UDP_ROW(tab, row, pre, len)                                                     \
	{ offsetof(tab, table), sizeof(row), NO_FIELD, offsetof(row, pre##LocalAddr),       \
	  offsetof(row, dwLocalPort), NO_FIELD, NO_FIELD, offsetof(row, dwOwningPid), len }

/* [proto][0 IPv4, 1 IPv6] */
static const struct win_row_layout win_layouts[EPH_NPROTO][2] = {
	[EPH_TCP] = { WIN_TCP_ROW(MIB_TCPTABLE_OWNER_PID, MIB_TCPROW_OWNER_PID, dw, 4),
		      WIN_TCP_ROW(MIB_TCP6TABLE_OWNER_PID, MIB_TCP6ROW_OWNER_PID, uc, 16) },
	[EPH_UDP] = { WIN_UDP_ROW(MIB_UDPTABLE_OWNER_PID, MIB_UDPROW_OWNER_PID, dw, 4),
		      WIN_UDP_ROW(MIB_UDP6TABLE_OWNER_PID, MIB_UDP6ROW_OWNER_PID, uc, 16) },
};

/* MIB_TCP_STATE_* to the shared enum. */
static enum eph_state win_map_state(DWORD s)
{
	switch (s) {
	case MIB_TCP_STATE_CLOSED:
		return EPH_TCP_CLOSE;
	case MIB_TCP_STATE_LISTEN:
		return EPH_TCP_LISTEN;
	case MIB_TCP_STATE_SYN_SENT:
		return EPH_TCP_SYN_SENT;
	case MIB_TCP_STATE_SYN_RCVD:
		return EPH_TCP_SYN_RECV;
	case MIB_TCP_STATE_ESTAB:
		return EPH_TCP_ESTABLISHED;
	case MIB_TCP_STATE_FIN_WAIT1:
		return EPH_TCP_FIN_WAIT1;
	case MIB_TCP_STATE_FIN_WAIT2:
		return EPH_TCP_FIN_WAIT2;
	case MIB_TCP_STATE_CLOSE_WAIT:
		return EPH_TCP_CLOSE_WAIT;
	case MIB_TCP_STATE_CLOSING:
		return EPH_TCP_CLOSING;
	case MIB_TCP_STATE_LAST_ACK:
		return EPH_TCP_LAST_ACK;
	case MIB_TCP_STATE_TIME_WAIT:
		return EPH_TCP_TIME_WAIT;
	case MIB_TCP_STATE_DELETE_TCB:
		/* Being torn down: it still holds its port until the TCB is gone. */
		return EPH_TCP_CLOSE;
	case TCP_STATE_BOUND:
		return EPH_BOUND;
	default:
		return EPH_STATE_UNKNOWN;
	}
}

/* Reads one owner-PID table into a malloc'ed buffer (*out, freed by the caller). The first
 * call sizes the buffer; the table can grow between that and the read, so retry with
 * headroom, bounded. *missing is set when the address family is not installed. */
static int win_get_table(enum eph_proto proto, ULONG af, void **out, bool *missing,
			 struct eph_err *err)
{
	DWORD size = 0, rc = ERROR_INSUFFICIENT_BUFFER;
	void *buf = NULL;

	*out = NULL;
	*missing = false;
	for (int i = 0; i < TABLE_TRIES && rc == ERROR_INSUFFICIENT_BUFFER; i++) {
		if (size > 0) {
			free(buf);
			size += size / 8 + 4096;
			buf = malloc(size);
			if (!buf) {
				eph_err_set(err, "out of memory for the %s table",
					    eph_proto_name(proto));
				return -1;
			}
		}
		if (proto == EPH_TCP) {
			rc = GetExtendedTcpTable(buf, &size, FALSE, af, TCP_TABLE_OWNER_PID_ALL, 0);
		} else {
			rc = GetExtendedUdpTable(buf, &size, FALSE, af, UDP_TABLE_OWNER_PID, 0);
		}
	}
	if (rc == NO_ERROR && buf) {
		*out = buf;
		return 0;
	}
	free(buf);
	if (af == AF_INET6 && (rc == ERROR_NOT_SUPPORTED || rc == ERROR_INVALID_PARAMETER)) {
		*missing = true; /* no IPv6 stack: no IPv6 sockets */
		return 0;
	}
	if (rc == NO_ERROR) {
		/* A size-0 answer with success: an empty table. */
		return 0;
	}
	eph_err_set(err, "GetExtended%sTable(%s) failed: error %lu%s",
		    proto == EPH_TCP ? "Tcp" : "Udp", af == AF_INET ? "IPv4" : "IPv6", rc,
		    rc == ERROR_INSUFFICIENT_BUFFER ? " (the table kept growing)" : "");
	return -1;
}

static DWORD win_field(const unsigned char *row, size_t off)
{
	DWORD v;

	memcpy(&v, row + off, sizeof(v));
	return v;
}

/* Owner PID 0 is the System Idle Process: Windows shows TIME_WAIT sockets, sockets whose
 * process has ended (and wine all sockets) with it, which means "no owner"; the --top tables
 * count those by state instead of naming a process (docs/windows.md). */
static uint32_t win_owner(DWORD pid)
{
	return pid == 0 ? EPH_OWNER_NONE : (uint32_t)pid;
}

/* The one row converter: a row of any of the four tables into r (whose proto, family and uid
 * are set already). A UDP row has no state and no peer. */
static void win_row_to_rec(const struct win_row_layout *l, const unsigned char *row,
			   struct sock_rec *r)
{
	r->state = l->state == NO_FIELD ? EPH_UDP_SOCK : win_map_state(win_field(row, l->state));
	r->lport = ntohs((u_short)win_field(row, l->lport));
	memcpy(r->laddr, row + l->laddr, l->addr_len);
	if (l->raddr != NO_FIELD) {
		r->rport = ntohs((u_short)win_field(row, l->rport));
		memcpy(r->raddr, row + l->raddr, l->addr_len);
	}
	r->pid = win_owner(win_field(row, l->pid));
}

/* Sends every row of one table whose local port lies in q->lo..q->hi to fn. */
static int win_send_table(const struct sys_query *q, ULONG af, const void *table, sock_fn fn,
			  void *ctx, struct eph_err *err)
{
	const struct win_row_layout *l = &win_layouts[q->proto][af == AF_INET6];
	const unsigned char *rows = (const unsigned char *)table + l->rows;
	struct sock_rec r;
	DWORD n;

	memcpy(&n, table, sizeof(n)); /* dwNumEntries, first in all four table types */
	memset(&r, 0, sizeof(r));
	r.proto = q->proto;
	r.family = af == AF_INET ? 4 : 6;
	r.uid = EPH_OWNER_NONE;
	for (DWORD i = 0; i < n; i++) {
		win_row_to_rec(l, rows + (size_t)i * l->size, &r);
		if (r.lport < q->lo || r.lport > q->hi) {
			continue;
		}
		if (fn(&r, ctx) != 0) {
			eph_err_set(err, "out of memory while counting sockets");
			return -1;
		}
	}
	return 0;
}

/* Wine implements these tables from Linux's /proc/net, which lists no bound-only socket
 * (docs/windows.md); the long output should say so rather than claim tcp_bound is complete. */
static bool win_under_wine(void)
{
	HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");

	return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

int sys_read_sockets(const struct sys_query *q, sock_fn fn, void *ctx, struct sys_sock_info *info,
		     struct eph_err *err)
{
	static const ULONG afs[2] = { AF_INET, AF_INET6 };
	bool no_v6 = false;

	memset(info, 0, sizeof(*info));
	for (int i = 0; i < 2; i++) {
		void *table = NULL;
		bool missing;
		int rc;

		if (!(q->families & (i == 0 ? EPH_FAM_V4 : EPH_FAM_V6))) {
			continue;
		}
		if (win_get_table(q->proto, afs[i], &table, &missing, err) < 0) {
			return -1;
		}
		no_v6 |= missing;
		rc = table ? win_send_table(q, afs[i], table, fn, ctx, err) : 0;
		free(table);
		if (rc < 0) {
			return -1;
		}
	}
	snprintf(info->source, sizeof(info->source), "GetExtended%sTable (owner PID)",
		 q->proto == EPH_TCP ? "Tcp" : "Udp");
	info->bound_visible = true;
	if (win_under_wine()) {
		info->bound_visible = q->proto == EPH_UDP;
		snprintf(info->note, sizeof(info->note),
			 "running under wine, whose tables come from Linux /proc/net%s",
			 q->proto == EPH_TCP ? ": bound-only sockets cannot be seen" : "");
	} else if (no_v6) {
		snprintf(info->note, sizeof(info->note), "no IPv6 stack: no IPv6 sockets");
	}
	return 0;
}
