#include "report.h"

#include <string.h>

#include "metric.h"

/* Every output format; a new renderer is one line here. */
static const struct renderer *const renderers[] = {
	&report_nagios,
	&report_solarwinds,
	&report_json,
	&report_prometheus,
};

const struct renderer *report_find(const char *name)
{
	for (size_t i = 0; i < sizeof(renderers) / sizeof(renderers[0]); i++) {
		if (strcmp(renderers[i]->name, name) == 0) {
			return renderers[i];
		}
	}
	return NULL;
}

const char *report_names(void)
{
	return "nagios, solarwinds, json, prometheus";
}

int report_exit_state(const struct result *r)
{
	return (int)r->state;
}

void report_dest_str(const struct dest_key *k, struct strbuf *sb)
{
	char l[64], rr[64];

	sock_addr_str(k->family, k->laddr, l, sizeof(l));
	sock_addr_str(k->family, k->raddr, rr, sizeof(rr));
	if (k->family == 6) {
		sb_printf(sb, "%s -> [%s]:%u", l, rr, k->rport);
	} else {
		sb_printf(sb, "%s -> %s:%u", l, rr, k->rport);
	}
}

/* "netns NAME: " before the worst namespace's figures; a '|' in the name (a host name may
 * hold one) would start Nagios perfdata, so it shows as '/'. */
static void netns_prefix(const struct result *r, struct strbuf *sb)
{
	size_t start = sb->len;

	sb_printf(sb, "netns %s: ", r->ns->v[r->ns->worst].ns->name);
	for (size_t i = start; i < sb->len; i++) {
		if (sb->buf[i] == '|') {
			sb->buf[i] = '/';
		}
	}
}

/* "; 12 namespaces checked: 2 critical, 1 warning, 1 unknown; 3 skipped". */
static void netns_suffix(const struct ns_results *a, struct strbuf *sb)
{
	sb_printf(sb, "; %zu namespace%s checked: %zu critical, %zu warning", a->checked,
		  a->checked == 1 ? "" : "s", a->critical, a->warning);
	if (a->unknown) {
		sb_printf(sb, ", %zu unknown", a->unknown);
	}
	if (a->untimed) {
		sb_printf(sb, "; %zu not checked before -t ran out", a->untimed);
	}
	if (a->skipped > a->untimed) {
		sb_printf(sb, "; %zu skipped (gone or not enterable)", a->skipped - a->untimed);
	}
}

void report_summary(const struct result *r, struct strbuf *sb)
{
	bool first = true;

	if (r->ns) {
		netns_prefix(r, sb);
	}
	for (int i = 0; i < EPH_NPROTO; i++) {
		const struct proto_result *p = &r->p[i];
		const struct metric *m;

		if (!p->checked) {
			continue;
		}
		/* Not ";" between protocols: Nagios 4 turns it into ":". Then each metric's
		 * words, in the table's order. */
		sb_printf(sb, "%s%s", first ? "" : " / ", eph_proto_name(p->proto));
		for (size_t k = 0; (m = metric_at(k)) != NULL; k++) {
			if (m->summary && metric_applies(m, p->proto)) {
				m->summary(p, sb);
			}
		}
		/* Without netlink, bound-only sockets are invisible: a count that may be low must
		 * not read as a plain OK at 3 a.m. */
		if (p->sock_info.fallback) {
			sb_puts(sb, " (from /proc/net: bound-only sockets not seen)");
		}
		first = false;
	}
	if (r->ns) {
		netns_suffix(r->ns, sb);
	}
}
