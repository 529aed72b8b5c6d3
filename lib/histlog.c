#include "histlog.h"

#include <string.h>

const char *histlog_header(void)
{
	return "Computer,DateTime,Protocol,LocalAddress,InUse,Max,PercentUsage,Listening,PIDs\n";
}

/* RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. Line breaks
 * are replaced by blanks all the same: one run, one line per row, whatever the host name. */
static void field(struct strbuf *sb, const char *s)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;

	if (!quote) {
		sb_puts(sb, s);
		return;
	}
	sb_puts(sb, "\"");
	for (; *s; s++) {
		if (*s == '"') {
			sb_puts(sb, "\"\"");
		} else if (*s == '\r' || *s == '\n') {
			sb_puts(sb, " ");
		} else {
			sb_append(sb, s, 1);
		}
	}
	sb_puts(sb, "\"");
}

void histlog_row(const struct histlog_row *row, struct strbuf *sb)
{
	char pct[32];

	field(sb, row->computer);
	sb_puts(sb, ",");
	field(sb, row->when);
	sb_printf(sb, ",%s,", eph_proto_name(row->proto));
	field(sb, row->local_address);
	sb_printf(sb, ",%zu,%zu,%s,", row->in_use, row->max,
		  eph_fmt_num(row->pct, 1, pct, sizeof(pct)));
	if (row->listening_known) {
		sb_printf(sb, "%zu", row->listening);
	}
	sb_puts(sb, ",");
	field(sb, row->pids);
	sb_puts(sb, "\n");
}

void histlog_format(const struct result *r, const char *computer, const char *when,
		    struct strbuf *sb)
{
	for (int i = 0; i < EPH_NPROTO; i++) {
		const struct proto_result *p = &r->p[i];
		struct histlog_row row;

		if (!p->checked) {
			continue;
		}
		/* The whole host. Per-address rows (issue 5's attribution tables: ports, listeners
		 * and owner PIDs per local address) follow this one, built the same way with
		 * local_address set to the address. */
		memset(&row, 0, sizeof(row));
		row.computer = computer;
		row.when = when;
		row.proto = p->proto;
		row.local_address = "*";
		row.in_use = p->used;
		row.max = p->size;
		row.pct = p->pct;
		row.listening_known = p->proto == EPH_TCP;
		row.listening = p->tally->states[EPH_TCP_LISTEN];
		row.pids = "";
		histlog_row(&row, sb);
	}
}
