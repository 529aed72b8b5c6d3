/* Unit tests of lib/procnet.c (Linux only): the /proc/net/{tcp,tcp6,udp} fallback reader on
 * saved tables in tests/data/ (format as this kernel writes them, lines crafted for known
 * values), IPv6 address decoding, the port filter, and tables it must refuse as a whole.
 * The fixtures hold addresses as a little-endian host prints them (x86, arm64). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "procnet.h"
#include "tap.h"

struct got {
	struct sock_rec r[32];
	size_t n;
	int fail_at; /* >0: the callback fails at this record */
};

static int collect(const struct sock_rec *r, void *ctx)
{
	struct got *g = ctx;

	if (!r) {
		g->n = 0;
		return 0;
	}
	if (g->fail_at && (int)g->n + 1 >= g->fail_at) {
		return -1;
	}
	if (g->n < 32) {
		g->r[g->n] = *r;
	}
	g->n++;
	return 0;
}

static FILE *fixture(const char *name)
{
	const char *top = getenv("TOP");
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/data/%s", top && *top ? top : ".", name);
	f = fopen(path, "r");
	if (!f) {
		printf("# cannot open %s (run from the repository root or set TOP)\n", path);
	}
	return f;
}

static int parse_file(const char *name, enum eph_proto proto, int family, uint16_t lo,
		      uint16_t hi, struct got *g, struct eph_err *err)
{
	FILE *f = fixture(name);
	int rc;

	memset(g, 0, sizeof(*g));
	memset(err, 0, sizeof(*err));
	if (!f) {
		return -99;
	}
	rc = procnet_parse(f, proto, family, lo, hi, collect, g, err);
	fclose(f);
	return rc;
}

static int parse_text(const char *text, enum eph_proto proto, int family, struct got *g,
		      struct eph_err *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	memset(g, 0, sizeof(*g));
	memset(err, 0, sizeof(*err));
	if (!f) {
		return -99;
	}
	rc = procnet_parse(f, proto, family, 1, 65535, collect, g, err);
	fclose(f);
	return rc;
}

static const char *addr(const struct sock_rec *r, const uint8_t *a)
{
	static char bufs[2][64];
	static int k;
	char *b = bufs[k++ & 1];

	return sock_addr_str(r->family, a, b, sizeof(bufs[0]));
}

static bool is_rec(const struct sock_rec *r, enum eph_state st, const char *la, uint16_t lp,
		   const char *ra, uint16_t rp, uint32_t uid, uint64_t inode)
{
	bool same = r->state == st && r->lport == lp && r->rport == rp && r->uid == uid &&
		    r->inode == inode && r->pid == EPH_OWNER_NONE &&
		    strcmp(addr(r, r->laddr), la) == 0 && strcmp(addr(r, r->raddr), ra) == 0;

	if (!same) {
		printf("#   got %s %s:%u -> %s:%u uid %u inode %llu\n", sock_state_name(r->state),
		       addr(r, r->laddr), r->lport, addr(r, r->raddr), r->rport, r->uid,
		       (unsigned long long)r->inode);
	}
	return same;
}

#define HDR4 "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
#define LINE4 "   0: 0100007F:9C41 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 123457 1 0000000000000000 20 4 30 10 -1\n"

static void garbled(const char *what, const char *line, const char *want_in_msg)
{
	char text[2048];
	struct got g;
	struct eph_err err;
	int rc;

	snprintf(text, sizeof(text), "%s%s%s", HDR4, LINE4, line);
	rc = parse_text(text, EPH_TCP, 4, &g, &err);
	ok(rc == -1 && strstr(err.msg, want_in_msg) != NULL && strchr(err.msg, '\n') == NULL,
	   "%s: refused, one line naming %s: %s", what, want_in_msg, err.msg);
}

int main(void)
{
	struct got g;
	struct eph_err err;
	int rc;

	/* /proc/net/tcp, the whole table. */
	rc = parse_file("proc_net_tcp", EPH_TCP, 4, 1, 65535, &g, &err);
	ok(rc == 0 && g.n == 11, "proc_net_tcp: 11 sockets over 1-65535 (rc %d, %u) %s", rc,
	   (unsigned)g.n, err.msg);
	ok(g.r[0].proto == EPH_TCP && g.r[0].family == 4 &&
		   is_rec(&g.r[0], EPH_TCP_LISTEN, "0.0.0.0", 2024, "0.0.0.0", 0, 0, 19),
	   "line 0: LISTEN 0.0.0.0:2024");
	ok(is_rec(&g.r[1], EPH_TCP_ESTABLISHED, "127.0.0.1", 40001, "127.0.0.1", 8080, 1000,
		  123457),
	   "line 1: ESTABLISHED 127.0.0.1:40001 -> 127.0.0.1:8080, uid 1000, inode 123457");
	ok(is_rec(&g.r[2], EPH_TCP_TIME_WAIT, "10.0.0.5", 40002, "93.184.216.34", 443, 0, 0),
	   "line 2: TIME_WAIT 10.0.0.5:40002 -> 93.184.216.34:443 (the short timewait line)");
	ok(is_rec(&g.r[3], EPH_TCP_SYN_SENT, "10.0.0.5", 40003, "93.184.216.34", 443, 1000, 123460),
	   "line 3: SYN_SENT");
	ok(is_rec(&g.r[7], EPH_TCP_CLOSE_WAIT, "10.0.0.5", 40035, "93.184.216.34", 80, 1000, 123470),
	   "line 7: CLOSE_WAIT");
	ok(is_rec(&g.r[8], EPH_TCP_FIN_WAIT1, "10.0.0.5", 40099, "93.184.216.34", 80, 1000, 123471),
	   "line 8: FIN_WAIT1 on 40099");

	/* The port filter: only 40000..40099, both ends included. */
	rc = parse_file("proc_net_tcp", EPH_TCP, 4, 40000, 40099, &g, &err);
	ok(rc == 0 && g.n == 6, "40000-40099: 6 of the 11 sockets (got %u)", (unsigned)g.n);
	{
		static const uint16_t want[6] = { 40001, 40002, 40003, 40004, 40035, 40099 };
		bool same = g.n == 6;

		for (size_t i = 0; i < 6 && same; i++) {
			same = g.r[i].lport == want[i];
		}
		ok(same, "the ports kept: 40001 40002 40003 40004 40035 40099 (not 39999, 40100, "
			 "8080, 61000)");
	}
	rc = parse_file("proc_net_tcp", EPH_TCP, 4, 40100, 40100, &g, &err);
	ok(rc == 0 && g.n == 1 && g.r[0].lport == 40100, "a one-port range keeps that port");
	rc = parse_file("proc_net_tcp", EPH_TCP, 4, 50000, 50100, &g, &err);
	ok(rc == 0 && g.n == 0, "a range nobody uses: 0 sockets, still success");

	/* /proc/net/tcp6: four 32-bit words per address. */
	rc = parse_file("proc_net_tcp6", EPH_TCP, 6, 1, 65535, &g, &err);
	ok(rc == 0 && g.n == 5, "proc_net_tcp6: 5 sockets (rc %d, %u) %s", rc, (unsigned)g.n,
	   err.msg);
	ok(g.r[0].family == 6 && is_rec(&g.r[0], EPH_TCP_LISTEN, "::", 8080, "::", 0, 0, 22001),
	   "tcp6 line 0: LISTEN [::]:8080");
	ok(is_rec(&g.r[1], EPH_TCP_ESTABLISHED, "::1", 40010, "::1", 8080, 1000, 223344),
	   "tcp6 line 1: ::1");
	ok(is_rec(&g.r[2], EPH_TCP_TIME_WAIT, "2001:db8::1", 40011, "2001:db8::2", 443, 0, 0),
	   "tcp6 line 2: 2001:db8::1 -> 2001:db8::2 TIME_WAIT");
	ok(is_rec(&g.r[3], EPH_TCP_ESTABLISHED, "::ffff:127.0.0.1", 40012, "::ffff:127.0.0.1", 8080,
		  1000, 223346),
	   "tcp6 line 3: IPv4-mapped ::ffff:127.0.0.1");
	ok(is_rec(&g.r[4], EPH_TCP_ESTABLISHED, "fe80::1", 40013, "fe80::2", 22, 0, 223347),
	   "tcp6 line 4: link-local fe80::1 -> fe80::2:22");
	{
		static const uint8_t db8_1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
						   0,	 0,    0,    0,	   0, 0, 0, 1 };

		ok(memcmp(g.r[2].laddr, db8_1, 16) == 0, "2001:db8::1 decodes to its network-order bytes");
	}
	rc = parse_file("proc_net_tcp6", EPH_TCP, 6, 40011, 40012, &g, &err);
	ok(rc == 0 && g.n == 2 && g.r[0].lport == 40011 && g.r[1].lport == 40012,
	   "tcp6 with the port filter 40011-40012: 2 sockets");

	/* /proc/net/udp: every socket is a UDP socket; connected ones have a peer. */
	rc = parse_file("proc_net_udp", EPH_UDP, 4, 1, 65535, &g, &err);
	ok(rc == 0 && g.n == 4, "proc_net_udp: 4 sockets (rc %d, %u) %s", rc, (unsigned)g.n,
	   err.msg);
	ok(g.r[1].proto == EPH_UDP &&
		   is_rec(&g.r[1], EPH_UDP_SOCK, "127.0.0.1", 40005, "0.0.0.0", 0, 1000, 34567),
	   "udp line 101: 127.0.0.1:40005, unconnected");
	ok(is_rec(&g.r[2], EPH_UDP_SOCK, "10.0.0.5", 40006, "8.8.8.8", 53, 1000, 34568),
	   "udp line 102: connected to 8.8.8.8:53");
	ok(is_rec(&g.r[3], EPH_UDP_SOCK, "127.0.0.53", 53, "0.0.0.0", 0, 101, 14002),
	   "udp line 245: 127.0.0.53:53 (a five-digit sl column)");
	rc = parse_file("proc_net_udp", EPH_UDP, 4, 40000, 40099, &g, &err);
	ok(rc == 0 && g.n == 2, "udp with the port filter: 2 sockets");

	/* Tables it must refuse whole: no partial count. */
	rc = parse_text("", EPH_TCP, 4, &g, &err);
	ok(rc == -1 && strstr(err.msg, "empty") != NULL, "an empty file: %s", err.msg);
	rc = parse_text(HDR4, EPH_TCP, 4, &g, &err);
	ok(rc == 0 && g.n == 0, "a header alone: no sockets, success");
	rc = parse_text(LINE4, EPH_TCP, 4, &g, &err);
	ok(rc == -1 && strstr(err.msg, "header") != NULL, "no header line: %s", err.msg);
	rc = parse_text(HDR4 LINE4 "\n" LINE4, EPH_TCP, 4, &g, &err);
	ok(rc == 0 && g.n == 2, "a blank line is skipped");
	{
		/* The last line without its newline is still read. */
		char text[1024];

		snprintf(text, sizeof(text), "%s%.*s", HDR4, (int)strlen(LINE4) - 1, LINE4);
		rc = parse_text(text, EPH_TCP, 4, &g, &err);
		ok(rc == 0 && g.n == 1, "a last line without a newline is read");
	}
	garbled("a short address",
		"   1: 0100007F:9C4 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000 0 5\n",
		"line 3");
	garbled("a non-hex address",
		"   1: 0100G07F:9C41 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000 0 5\n",
		"line 3");
	garbled("no ':' before the port",
		"   1: 0100007F-9C41 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000 0 5\n",
		"line 3");
	garbled("a missing state",
		"   1: 0100007F:9C41 0100007F:1F90\n", "line 3");
	garbled("no inode", "   1: 0100007F:9C41 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000 0\n",
		"line 3");
	garbled("a letter for the uid",
		"   1: 0100007F:9C41 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  x 0 5\n",
		"line 3");
	garbled("no sl column", "0100007F:9C41 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000 0 5\n",
		"line 3");
	garbled("an IPv6 address in the IPv4 table",
		"   1: 00000000000000000000000001000000:9C4A 00000000000000000000000001000000:1F90 01 00000000:00000000 00:00000000 00000000  1000 0 5\n",
		"line 3");
	garbled("plain text", "garbage\n", "'garbage'");
	{
		char text[2048];

		memset(text, 0, sizeof(text));
		strcpy(text, HDR4);
		memset(text + strlen(text), 'x', 700);
		rc = parse_text(text, EPH_TCP, 4, &g, &err);
		ok(rc == -1 && strstr(err.msg, "too long") != NULL, "a 700-byte line: %s", err.msg);
	}
	{
		/* An IPv4 line in the tcp6 table is as wrong as the other way round. */
		char text[1024];

		snprintf(text, sizeof(text), "%s%s", HDR4, LINE4);
		rc = parse_text(text, EPH_TCP, 6, &g, &err);
		ok(rc == -1 && g.n == 0, "an IPv4 line read as tcp6 is refused: %s", err.msg);
	}
	{
		FILE *f = fixture("proc_net_tcp");

		memset(&g, 0, sizeof(g));
		g.fail_at = 3;
		rc = f ? procnet_parse(f, EPH_TCP, 4, 1, 65535, collect, &g, &err) : -99;
		if (f) {
			fclose(f);
		}
		ok(rc == -1 && g.n == 2, "a failing callback stops the read: %s", err.msg);
	}
	return done_testing();
}
