#include "histlog.h"

#include <stdio.h>
#include <string.h>

const char *histlog_header(void)
{
	return "Computer,DateTime,LocalAddress,InUse,Max,PercentUsage,Listening,PIDs,Protocol\n";
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
	sb_puts(sb, ",");
	field(sb, row->local_address);
	sb_printf(sb, ",%zu,%zu,%s,", row->in_use, row->max,
		  num_format(row->pct, 1, pct, sizeof(pct)));
	if (row->listening_known) {
		sb_printf(sb, "%zu", row->listening);
	}
	sb_puts(sb, ",");
	field(sb, row->pids);
	sb_printf(sb, ",%s\n", eph_proto_name(row->proto));
}

/* One line per local address of the --top tables (when they were made): its ports, listeners
 * and owner PIDs, space-separated (empty in the per-user view, where PIDs are unknown; "..."
 * after the first ATTRIB_LADDR_IDS). */
static void attrib_rows(const struct proto_result *p, const struct histlog_row *host,
			struct strbuf *sb)
{
	const struct attrib_tables *t = p->attrib;

	for (size_t i = 0; i < t->n_laddrs; i++) {
		const struct attrib_laddr_row *l = &t->laddrs[i];
		char addr[64], pids[ATTRIB_LADDR_IDS * 11 + 8];
		struct histlog_row row = *host; /* a copy: it points at addr and pids */
		size_t len = 0;

		if (l->other) {
			snprintf(addr, sizeof(addr), "other");
		} else {
			sock_addr_str(l->family, l->addr, addr, sizeof(addr));
		}
		pids[0] = '\0';
		for (size_t k = 0; !t->per_user && k < l->n_owner_ids; k++) {
			len += (size_t)snprintf(pids + len, sizeof(pids) - len, "%s%u", k ? " " : "",
						l->owner_ids[k]);
		}
		if (!t->per_user && l->owners > l->n_owner_ids) {
			snprintf(pids + len, sizeof(pids) - len, " ...");
		}
		row.local_address = addr;
		row.in_use = l->used;
		row.pct = l->pct;
		row.listening = l->listening;
		row.pids = pids;
		histlog_row(&row, sb);
	}
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
		/* The whole host, then one row per local address when the --top tables exist. */
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
		if (p->attrib) {
			attrib_rows(p, &row, sb);
		}
	}
}
