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

void report_remote_str(const struct dest_key *k, struct strbuf *sb)
{
	char rr[64];

	sock_addr_str(k->family, k->raddr, rr, sizeof(rr));
	sb_printf(sb, k->family == 6 ? "[%s]:%u" : "%s:%u", rr, k->rport);
}

void report_dest_str(const struct dest_key *k, struct strbuf *sb)
{
	char l[64];

	sb_printf(sb, "%s -> ", sock_addr_str(k->family, k->laddr, l, sizeof(l)));
	report_remote_str(k, sb);
}

const char *report_plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void report_summary(const struct result *r, struct strbuf *sb)
{
	bool first = true;

	for (int i = 0; i < EPH_NPROTO; i++) {
		const struct proto_result *p = &r->p[i];
		const struct metric *m;

		if (!p->checked) {
			continue;
		}
		/* Not ";" between protocols: Nagios 4 turns it into ":". Then each metric's
		 * words, in the table's order; a metric judged other than the default one leads
		 * instead, with its value and the threshold it broke, so the line says why. */
		sb_printf(sb, "%s%s", first ? "" : " / ", eph_proto_name(p->proto));
		m = metric_get(p->judged);
		if (m->lead) {
			char why[120] = "";

			if (p->state == EPH_CRITICAL || p->state == EPH_WARNING) {
				threshold_describe(p->state == EPH_CRITICAL ? &p->crit : &p->warn, why,
						   sizeof(why));
			}
			m->lead(p, why, sb);
			sb_printf(sb, ", %zu of %zu in use", p->used, p->size);
		} else {
			for (size_t k = 0; (m = metric_at(k)) != NULL; k++) {
				if (m->summary && metric_applies(m, p->proto)) {
					m->summary(p, sb);
				}
			}
		}
		/* Without netlink, bound-only sockets are invisible: a count that may be low must
		 * not read as a plain OK at 3 a.m. */
		if (p->sock_info.fallback) {
			sb_puts(sb, " (from /proc/net: bound-only sockets not seen)");
		}
		first = false;
	}
}
