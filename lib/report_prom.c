/* Prometheus text exposition format (version 0.0.4), for the textfile collector of
 * node_exporter or windows_exporter: write it with --output-file into the collector's
 * directory. Every metric family has its HELP and TYPE line and its samples together; label
 * values come from fixed vocabularies (protocol and state names), so they need no escaping.
 * Every series is written on every run (zeros included), so none goes stale while others
 * update. Ratios are plain fractions (0..1), as Prometheus' conventions ask. */
#include "report.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static void family(struct strbuf *sb, const char *name, const char *help)
{
	sb_printf(sb, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void sample(struct strbuf *sb, const char *name, const char *proto, double v,
		   int decimals)
{
	char num[48];

	num_format(v, decimals, num, sizeof(num));
	if (proto) {
		sb_printf(sb, "%s{protocol=\"%s\"} %s\n", name, proto, num);
	} else {
		sb_printf(sb, "%s %s\n", name, num);
	}
}

/* One gauge family with one sample per protocol checked. */
typedef double (*getter)(const struct proto_result *p);

/* What a family's sample needs besides a checked protocol. */
enum need { NEED_NONE, NEED_CHURN, NEED_ETA };

static bool wanted(const struct proto_result *p, bool tcp_only, enum need need)
{
	return p->checked && (!tcp_only || p->proto == EPH_TCP) &&
	       (need != NEED_CHURN || p->churn_set) && (need != NEED_ETA || report_eta(p));
}

/* A family without any sample (churn when it is unknown, the ETA when nothing grows) is left out
 * whole. */
static void per_proto(struct strbuf *sb, const struct result *r, const char *name,
		      const char *help, getter get, int decimals, bool tcp_only, enum need need)
{
	bool any = false;

	for (int i = 0; i < EPH_NPROTO; i++) {
		any = any || wanted(&r->p[i], tcp_only, need);
	}
	if (!any) {
		return;
	}
	family(sb, name, help);
	for (int i = 0; i < EPH_NPROTO; i++) {
		const struct proto_result *p = &r->p[i];

		if (wanted(p, tcp_only, need)) {
			sample(sb, name, eph_proto_name(p->proto), get(p), decimals);
		}
	}
}

static double get_range(const struct proto_result *p)
{
	return (double)p->range_size;
}

static double get_reserved(const struct proto_result *p)
{
	return (double)p->reserved;
}

static double get_size(const struct proto_result *p)
{
	return (double)p->size;
}

static double get_used(const struct proto_result *p)
{
	return (double)p->used;
}

static double get_free(const struct proto_result *p)
{
	return (double)p->free;
}

static double get_ratio(const struct proto_result *p)
{
	return (double)p->used / (double)p->size;
}

static double get_sockets(const struct proto_result *p)
{
	return (double)p->tally->sockets;
}

static double get_dest(const struct proto_result *p)
{
	return (double)p->dest_max;
}

static double get_dest_ratio(const struct proto_result *p)
{
	return (double)p->dest_max / (double)p->size;
}

static double get_eta(const struct proto_result *p)
{
	return (double)report_eta_seconds(p);
}

static double get_churn(const struct proto_result *p)
{
	return p->churn;
}

static double get_churn_sustainable(const struct proto_result *p)
{
	return p->churn_sustainable;
}

static double get_state(const struct proto_result *p)
{
	return (double)p->state;
}

static void by_state(struct strbuf *sb, const struct result *r)
{
	family(sb, "ephemeral_ports_by_state",
	       "Sockets holding a port of the pool, by state (bound = bound but neither "
	       "connected nor listening).");
	for (int i = 0; i < EPH_NPROTO; i++) {
		const struct proto_result *p = &r->p[i];

		if (!p->checked) {
			continue;
		}
		for (int s = 0; s < EPH_NSTATES; s++) {
			char name[32];
			size_t k;

			if (!sock_state_of(p->proto, (enum eph_state)s)) {
				continue;
			}
			/* Prometheus label values by convention are lower case. */
			snprintf(name, sizeof(name), "%s", eph_state_name((enum eph_state)s));
			for (k = 0; name[k]; k++) {
				name[k] = (char)tolower((unsigned char)name[k]);
			}
			if (s == EPH_UDP_SOCK) {
				snprintf(name, sizeof(name), "any");
			}
			sb_printf(sb, "ephemeral_ports_by_state{protocol=\"%s\",state=\"%s\"} %zu\n",
				  eph_proto_name(p->proto), name, p->tally->states[s]);
		}
	}
}

/* The families, in output order. A NULL getter is the place of ephemeral_ports_by_state. */
static const struct family_def {
	const char *name, *help;
	getter get;
	int decimals;
	bool tcp_only;
	enum need need;
} families[] = {
	{ "ephemeral_ports_range_size", "Ports in the dynamic (ephemeral) port range.", get_range,
	  0, false, NEED_NONE },
	{ "ephemeral_ports_reserved",
	  "Ports of the range that are reserved or excluded from automatic assignment.",
	  get_reserved, 0, false, NEED_NONE },
	{ "ephemeral_ports_pool_size", "Ports in the effective pool: the range minus reserved ports.",
	  get_size, 0, false, NEED_NONE },
	{ "ephemeral_ports_used",
	  "Distinct ports of the pool held by at least one socket, in any state.", get_used, 0,
	  false, NEED_NONE },
	{ "ephemeral_ports_free", "Ports of the pool held by no socket.", get_free, 0, false, NEED_NONE },
	{ "ephemeral_ports_usage_ratio", "Ports used divided by the pool size (0 to 1).", get_ratio,
	  6, false, NEED_NONE },
	{ "ephemeral_sockets", "Sockets whose local port lies in the pool (several can share a port).",
	  get_sockets, 0, false, NEED_NONE },
	{ "ephemeral_ports_by_state", NULL, NULL, 0, false, NEED_NONE },
	{ "ephemeral_ports_dest_max",
	  "Ports held toward the busiest destination (local address, remote address, remote port): "
	  "connect() to it fails when this reaches the pool size.",
	  get_dest, 0, true, NEED_NONE },
	{ "ephemeral_ports_dest_ratio", "ephemeral_ports_dest_max divided by the pool size (0 to 1).",
	  get_dest_ratio, 6, true, NEED_NONE },
	{ "ephemeral_churn_per_second",
	  "TCP connections closed per second: sockets in TIME_WAIT divided by its lifetime.",
	  get_churn, 2, true, NEED_CHURN },
	{ "ephemeral_churn_sustainable_per_second",
	  "The rate of closed connections the pool can carry: pool size divided by the TIME_WAIT "
	  "lifetime.",
	  get_churn_sustainable, 2, true, NEED_CHURN },
	{ "ephemeral_ports_full_eta_seconds",
	  "Seconds until the pool is full at the rate the used count grew over the last 10 minutes "
	  "(least squares over the samples of earlier runs; an estimate). Absent while it does not "
	  "grow.",
	  get_eta, 0, false, NEED_ETA },
	{ "ephemeral_check_protocol_state",
	  "State of this protocol's check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.", get_state, 0,
	  false, NEED_NONE },
};

/* The two unlabelled families every output ends with, a failed run's too. */
static void check_state(struct strbuf *sb, enum eph_status state, bool success)
{
	family(sb, "ephemeral_check_state",
	       "State of the whole check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.");
	sample(sb, "ephemeral_check_state", NULL, (double)state, 0);
	family(sb, "ephemeral_check_success", "1 when the ports could be measured, else 0.");
	sample(sb, "ephemeral_check_success", NULL, success ? 1 : 0, 0);
}

static void render_prom(const struct result *r, struct strbuf *sb)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const struct family_def *f = &families[i];

		if (!f->get) {
			by_state(sb, r);
			continue;
		}
		per_proto(sb, r, f->name, f->help, f->get, f->decimals, f->tcp_only, f->need);
	}
	check_state(sb, r->state, true);
}

/* A failed run still replaces the file: the collector then shows the failure instead of the
 * last good numbers. The reason is a comment, which every parser skips. */
static void render_prom_error(const char *what, const char *msg, struct strbuf *sb)
{
	const char *s;

	sb_puts(sb, "# check_ephemeral UNKNOWN: ");
	if (what && *what) {
		sb_printf(sb, "%s: ", what);
	}
	for (s = msg; *s; s++) {
		sb_printf(sb, "%c", *s == '\n' || *s == '\r' ? ' ' : *s);
	}
	sb_puts(sb, "\n");
	check_state(sb, EPH_UNKNOWN, false);
}

const struct renderer report_prometheus = {
	.name = "prometheus",
	.render = render_prom,
	.render_error = render_prom_error,
	.exit_code = report_exit_state,
	.error_exit_code = 3,
	.shows_tables = false,
};
