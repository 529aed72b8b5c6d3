/* The history log (--log FILE): one CSV line per run and protocol (and, with the attribution
 * tables, per local address), in the columns of the classic Windows port-statistics log plus
 * the protocol as a last column, so existing spreadsheets and scripts that read the classic
 * columns by position keep working:
 *
 *   Computer,DateTime,LocalAddress,InUse,Max,PercentUsage,Listening,PIDs,Protocol
 *   web01,2026-11-26T01:55:56+01:00,*,1234,28232,4.4,12,,tcp
 *
 * LocalAddress "*" is the whole host. Listening counts the TCP listeners on ports of the pool
 * (empty for UDP, which has no such state); PIDs lists the owners of the address's ports,
 * separated by spaces. Per-address rows (LocalAddress an address, or "other" for those beyond
 * the ones told apart) are written when the --top tables were made; lib/check.c makes them
 * for the log on every run unless --top 0. PIDs is empty on the "*" row and in the per-user
 * view. Fields are quoted per RFC 4180 when they need it. Portable: the file itself is written by sys_append_file. */
#ifndef HISTLOG_H
#define HISTLOG_H

#include "evaluate.h"
#include "strbuf.h"

/* The header line, with its CRLF-free "\n" ending. */
const char *histlog_header(void);

/* Appends the lines of one run to sb: computer and when (ISO 8601) are the same on every
 * line. */
void histlog_format(const struct result *r, const char *computer, const char *when,
		    struct strbuf *sb);

/* One CSV line; exposed for the attribution module's per-address rows and for the tests. */
struct histlog_row {
	const char *computer, *when;
	enum eph_proto proto;
	const char *local_address; /* "*" for all */
	size_t in_use, max;
	double pct;
	bool listening_known; /* false: the column stays empty (UDP) */
	size_t listening;
	const char *pids; /* "" when unknown */
};
void histlog_row(const struct histlog_row *row, struct strbuf *sb);

#endif
