/* The --top tables in the Nagios long output: the owners (processes or users), destinations,
 * local addresses and the TIME_WAIT per destination with who is behind it (inferred). The rest of
 * the format is lib/report_nagios.c. */
#include "report.h"
#include "report_nagios.h"

#include <stdio.h>
#include <string.h>

/* "4.1" for 41 of 1000: a share of the pool, one decimal. */
static const char *share(size_t part, size_t whole, char *buf, size_t size)
{
	return num_format_pct(whole ? 100.0 * (double)part / (double)whole : 0, buf, size);
}

/* A process or user name, "?" when it could not be read. */
static void put_name(struct strbuf *sb, const char *name)
{
	size_t start = sb->len;

	sb_puts(sb, name[0] ? name : "?");
	report_nagios_no_pipes(sb, start);
}

/* TIME_WAIT per destination and who talks to it now: the process behind the TIME_WAIT is
 * inferred, since TIME_WAIT sockets have no owner. */
static void tw_text(const struct attrib_tables *t, const char *n, struct strbuf *sb)
{
	if (t->n_tw == 0) {
		return;
	}
	sb_printf(sb, "%s: TIME_WAIT by destination (%zu of them), with the %s that talk to it "
		      "now (TIME_WAIT has no owner: inferred):\n",
		  n, t->tw_total, t->per_user ? "users" : "processes");
	for (size_t i = 0; i < t->n_tw; i++) {
		const struct attrib_tw_row *r = &t->tw[i];

		sb_printf(sb, "%s:   ", n);
		if (r->id == EPH_OWNER_NONE) {
			sb_printf(sb, "%zu in TIME_WAIT toward ", r->time_wait);
			report_remote_str(&r->key, sb);
			if (r->ports) {
				sb_printf(sb, ": %zu %s toward it, of a process not found\n", r->ports,
					  report_plural(r->ports, "socket", "sockets"));
			} else {
				sb_printf(sb, ": no %s talks to it now\n",
					  t->per_user ? "user" : "process");
			}
			continue;
		}
		put_name(sb, r->name);
		sb_printf(sb, " (%s %u): %zu %s, and ~%zu in TIME_WAIT toward ",
			  t->per_user ? "uid" : "pid", r->id, r->ports,
			  report_plural(r->ports, "port", "ports"), r->time_wait);
		report_remote_str(&r->key, sb);
		if (r->others) {
			sb_printf(sb, " (inferred; %zu more %s %s to it)\n", r->others,
				  t->per_user ? report_plural(r->others, "user", "users")
					      : report_plural(r->others, "process", "processes"),
				  report_plural(r->others, "talks", "talk"));
		} else {
			sb_puts(sb, " (inferred)\n");
		}
	}
}

void report_nagios_top(const char *n, const struct proto_result *p, struct strbuf *sb)
{
	const struct attrib_tables *t = p->attrib;
	char a[48], ad[64];
	bool first = true;

	sb_printf(sb, "%s: top %s by ports held (%zu of them; pool %zu ports)\n", n,
		  t->per_user ? "users" : "processes", t->owners_total, t->pool_size);
	if (t->note[0]) {
		sb_printf(sb, "%s: note: %s\n", n, t->note);
	}
	for (size_t i = 0; i < t->n_owners; i++) {
		const struct attrib_owner_row *r = &t->owners[i];

		if (t->per_user) {
			sb_printf(sb, "%s:   user ", n);
			put_name(sb, r->name);
			sb_printf(sb, " (uid %u)", r->id);
		} else {
			sb_printf(sb, "%s:   pid %u ", n, r->id);
			put_name(sb, r->name);
		}
		sb_printf(sb, ": %s%zu %s (%s%%), %zu %s\n", t->partial ? ">=" : "", r->ports,
			  report_plural(r->ports, "port", "ports"),
			  share(r->ports, t->pool_size, a, sizeof(a)), r->sockets,
			  report_plural(r->sockets, "socket", "sockets"));
	}
	if (t->ownerless_total) {
		sb_printf(sb, "%s: held by no process:", n);
		for (int s = 0; s < EPH_NSTATES; s++) {
			if (t->ownerless[s]) {
				sb_printf(sb, "%s %s %zu", first ? "" : ",",
					  sock_state_name((enum eph_state)s), t->ownerless[s]);
				first = false;
			}
		}
		sb_puts(sb, " sockets\n");
	}
	if (p->proto == EPH_TCP) {
		sb_printf(sb, "%s: top destinations by ports held (%zu of them%s):\n", n,
			  t->dests_total, t->dests_exact ? "" : "; more than can be told apart, "
							       "smaller ones may be missing");
		for (size_t i = 0; i < t->n_dests; i++) {
			sb_printf(sb, "%s:   ", n);
			report_dest_str(&t->dests[i].key, sb);
			sb_printf(sb, ": %zu %s (%s%% of the pool)\n", (size_t)t->dests[i].count,
				  report_plural(t->dests[i].count, "port", "ports"),
				  share(t->dests[i].count, t->pool_size, a, sizeof(a)));
		}
		tw_text(t, n, sb);
	}
	sb_printf(sb, "%s: local addresses (%zu of them): in use, of pool, %%, listening, %s\n", n,
		  t->laddrs_total, t->per_user ? "users" : "PIDs");
	for (size_t i = 0; i < t->n_laddrs; i++) {
		const struct attrib_laddr_row *r = &t->laddrs[i];

		if (r->other) {
			snprintf(ad, sizeof(ad), "other addresses");
		} else {
			sock_addr_str(r->family, r->addr, ad, sizeof(ad));
		}
		sb_printf(sb, "%s:   %s: %zu of %zu (%s%%), listening %zu, %s %zu\n", n, ad, r->used,
			  t->pool_size, num_format_pct(r->pct, a, sizeof(a)), r->listening,
			  t->per_user ? "users" : "PIDs", r->owners);
	}
}
