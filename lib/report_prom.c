/* Prometheus text exposition format (version 0.0.4), for the textfile collector of
 * node_exporter or windows_exporter: write it with --output-file into the collector's
 * directory. Every metric family has its HELP and TYPE line and its samples together; label
 * values come from fixed vocabularies (protocol and state names), except a --netns
 * namespace's name, which is escaped as the format asks.
 * Every series is written on every run (zeros included), so none goes stale while others
 * update. Ratios are plain fractions (0..1), as Prometheus' conventions ask. */
#include "report.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void family(struct strbuf *sb, const char *name, const char *help)
{
	sb_printf(sb, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* The series of one family: every namespace of --netns (labelled netns="NAME"), or the one
 * run's figures. */
struct series {
	const char *netns;          /* label value, NULL without --netns */
	const struct ns_proto *p;   /* [EPH_NPROTO] */
};

/* A label value of the exposition format: backslash, double quote and newline escaped. */
static void label_value(struct strbuf *sb, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"') {
			sb_printf(sb, "\\%c", *v);
		} else if (*v == '\n') {
			sb_puts(sb, "\\n");
		} else {
			sb_append(sb, v, 1);
		}
	}
}

static void labels(struct strbuf *sb, const struct series *s, const char *proto,
		   const char *state)
{
	sb_puts(sb, "{");
	if (s->netns) {
		sb_puts(sb, "netns=\"");
		label_value(sb, s->netns);
		sb_puts(sb, "\",");
	}
	sb_printf(sb, "protocol=\"%s\"", proto);
	if (state) {
		sb_printf(sb, ",state=\"%s\"", state);
	}
	sb_puts(sb, "}");
}

static void sample(struct strbuf *sb, const char *name, const struct series *s, int proto,
		   double v, int decimals)
{
	char num[48];

	sb_puts(sb, name);
	labels(sb, s, sock_proto_name((enum eph_proto)proto), NULL);
	sb_printf(sb, " %s\n", num_format(v, decimals, num, sizeof(num)));
}

/* One gauge family with one sample per protocol checked (per namespace). */
typedef double (*getter)(const struct ns_proto *p);

/* What a family's sample needs besides a checked protocol. */
enum need { NEED_NONE, NEED_CHURN, NEED_ETA };

static bool wanted(const struct ns_proto *p, int proto, bool tcp_only, enum need need)
{
	return p->checked && (!tcp_only || proto == EPH_TCP) &&
	       (need != NEED_CHURN || p->churn_set) && (need != NEED_ETA || p->eta_set);
}

/* A family without any sample (churn when it is unknown, the ETA when nothing grows) is left out
 * whole. */
static void per_proto(struct strbuf *sb, const struct series *all, size_t n, const char *name,
		      const char *help, getter get, int decimals, bool tcp_only, enum need need)
{
	bool any = false;

	for (size_t k = 0; k < n; k++) {
		for (int i = 0; i < EPH_NPROTO; i++) {
			any = any || wanted(&all[k].p[i], i, tcp_only, need);
		}
	}
	if (!any) {
		return;
	}
	family(sb, name, help);
	for (size_t k = 0; k < n; k++) {
		for (int i = 0; i < EPH_NPROTO; i++) {
			if (wanted(&all[k].p[i], i, tcp_only, need)) {
				sample(sb, name, &all[k], i, get(&all[k].p[i]), decimals);
			}
		}
	}
}

/* One getter per family: each reads its field with the field's own type, which a table of
 * field offsets could not check; the macro keeps them one line each. */
#define PROM_GETTER(name, expr)                                                                    \
	static double get_##name(const struct ns_proto *p)                                         \
	{                                                                                          \
		return (double)(expr);                                                             \
	}

PROM_GETTER(range, p->range_size)
PROM_GETTER(reserved, p->reserved)
PROM_GETTER(size, p->size)
PROM_GETTER(used, p->used)
PROM_GETTER(free, p->free)
PROM_GETTER(ratio, (double)p->used / (double)p->size)
PROM_GETTER(sockets, p->sockets)
PROM_GETTER(dest, p->dest_max)
PROM_GETTER(dest_ratio, (double)p->dest_max / (double)p->size)
PROM_GETTER(eta, p->eta)
PROM_GETTER(churn, p->churn)
PROM_GETTER(churn_sustainable, p->churn_sustainable)

static double get_state(const struct ns_proto *p)
{
	return (double)p->state;
}

/* The state label is the key of "states" in -o json, in lower case (Prometheus' convention):
 * "time_wait", "bound", ... and "udp" for UDP sockets, which have no state. */
static void by_state(struct strbuf *sb, const struct series *all, size_t n)
{
	family(sb, "ephemeral_sockets_by_state",
	       "Sockets whose local port lies in the pool, by state (bound = bound but neither "
	       "connected nor listening; udp = any UDP socket).");
	for (size_t k = 0; k < n; k++) {
		for (int i = 0; i < EPH_NPROTO; i++) {
			const struct ns_proto *p = &all[k].p[i];

			if (!p->checked) {
				continue;
			}
			for (int s = 0; s < EPH_NSTATES; s++) {
				char name[32];
				size_t c;

				if (!sock_state_of((enum eph_proto)i, (enum eph_state)s)) {
					continue;
				}
				snprintf(name, sizeof(name), "%s",
					 sock_state_name((enum eph_state)s));
				for (c = 0; name[c]; c++) {
					name[c] = (char)tolower((unsigned char)name[c]);
				}
				sb_puts(sb, "ephemeral_sockets_by_state");
				labels(sb, &all[k], sock_proto_name((enum eph_proto)i), name);
				sb_printf(sb, " %zu\n", p->states[s]);
			}
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
	{ "ephemeral_sockets_by_state", NULL, NULL, 0, false, NEED_NONE },
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
	  "Closes per second the busiest destination can sustain (each destination has the whole "
	  "pool): pool size divided by the TIME_WAIT lifetime, or by the reuse delay where "
	  "tcp_tw_reuse applies to it.",
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

/* The text of a comment line: a line break would end it. */
static void comment_text(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		sb_printf(sb, "%c", *s == '\n' || *s == '\r' ? ' ' : *s);
	}
}

/* The two unlabelled families every output ends with, a failed run's too. */
static void check_state(struct strbuf *sb, enum eph_status state, bool success)
{
	family(sb, "ephemeral_check_state",
	       "State of the whole check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.");
	sb_printf(sb, "ephemeral_check_state %d\n", (int)state);
	family(sb, "ephemeral_check_success",
	       "1 when the ports could be measured (a history log that could not be written does "
	       "not change it), else 0.");
	sb_printf(sb, "ephemeral_check_success %d\n", success ? 1 : 0);
}

/* Every namespace of --netns that was read, or the one run's figures. */
static void render_prom(const struct result *r, struct strbuf *sb)
{
	struct ns_result one;
	struct series single, *all = &single;
	size_t n = 1;

	if (r->ns) {
		all = calloc(r->ns->n ? r->ns->n : 1, sizeof(*all));
		if (!all) {
			sb->overflow = true;
			return;
		}
		n = 0;
		for (size_t k = 0; k < r->ns->n; k++) {
			const struct ns_result *nr = &r->ns->v[r->ns->order[k]];

			if (!nr->skipped && !nr->failed) {
				all[n].netns = nr->ns->name;
				all[n].p = nr->p;
				n++;
			}
		}
	} else {
		evaluate_ns_fill(&one, r);
		single.netns = NULL;
		single.p = one.p;
	}
	/* The ports were measured (ephemeral_check_success 1) and the state stands, but the log
	 * was not written: a comment says so, as a failure's reason is given. */
	if (r->log_note) {
		sb_puts(sb, "# check_ephemeral note: ");
		comment_text(sb, r->log_note);
		sb_puts(sb, "\n");
	}
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const struct family_def *f = &families[i];

		if (!f->get) {
			by_state(sb, all, n);
			continue;
		}
		per_proto(sb, all, n, f->name, f->help, f->get, f->decimals, f->tcp_only, f->need);
	}
	check_state(sb, r->state, true);
	/* Only a measurement writes it: a failed run's file lacks it, a stopped timer lets it age,
	 * and an alert on time() minus it catches both (contrib/prometheus/ephemeral.rules.yml). */
	if (r->measured_at > 0) {
		family(sb, "ephemeral_last_success_timestamp_seconds",
		       "When the ports were last measured, in seconds since the Unix epoch.");
		sb_printf(sb, "ephemeral_last_success_timestamp_seconds %lld\n", r->measured_at);
	}
	if (all != &single) {
		free(all);
	}
}

/* A failed run still replaces the file: the collector then shows the failure instead of the
 * last good numbers. The reason is a comment, which every parser skips. */
static void render_prom_error(const char *what, const char *msg, struct strbuf *sb)
{
	sb_puts(sb, "# check_ephemeral UNKNOWN: ");
	if (what && *what) {
		sb_printf(sb, "%s: ", what);
	}
	comment_text(sb, msg);
	sb_puts(sb, "\n");
	check_state(sb, EPH_UNKNOWN, false);
}

const struct renderer report_prometheus = {
	.name = "prometheus",
	.render = render_prom, .render_error = render_prom_error,
	.exit_code = report_exit_state, .error_exit_code = 3,
	.shows_tables = false,
};
