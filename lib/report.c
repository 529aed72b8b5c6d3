#include "report.h"

#include <math.h>
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

bool report_eta(const struct proto_result *p)
{
	return p->fc_set && p->fc.eta_set;
}

long long report_eta_seconds(const struct proto_result *p)
{
	return (long long)floor(p->fc.eta);
}

void report_forecast_text(const struct proto_result *p, struct strbuf *sb)
{
	const struct forecast_est *e = &p->fc;
	char slope[48];

	if (e->samples < 2 || !e->rate_set) {
		sb_printf(sb, "%zu sample%s in the last %d min (a rate needs 2, at least %d s apart)",
			  e->samples, e->samples == 1 ? "" : "s", FORECAST_WINDOW_S / 60,
			  FORECAST_MIN_SPAN_S);
		return;
	}
	num_format(e->slope, 3, slope, sizeof(slope));
	sb_printf(sb, "%zu samples over %lld s, %s%s ports/s", e->samples, (long long)e->span,
		  e->slope > 0 ? "+" : "", slope);
	if (e->eta_set) {
		sb_printf(sb, ": full in %lld s at that rate (an estimate)", report_eta_seconds(p));
	} else {
		sb_puts(sb, ": not growing, no ETA");
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
	if (r->ns) {
		netns_suffix(r->ns, sb);
	}
}
