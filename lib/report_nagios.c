/* The Nagios / Monitoring Plugins format: "EPHEMERAL STATE - summary | perfdata", then long
 * output lines with -v. */
#include "report.h"
#include "report_nagios.h"

#include <stdio.h>
#include <string.h>

#include "metric.h"

static void perf(struct strbuf *sb, const char *proto, const char *label, double v, bool pct,
		 const struct threshold *w, const struct threshold *c, size_t max)
{
	char num[48], ws[64], cs[64];

	threshold_format(w, ws, sizeof(ws));
	threshold_format(c, cs, sizeof(cs));
	if (pct) {
		num_format_pct(v, num, sizeof(num));
	} else {
		num_format(v, 0, num, sizeof(num));
	}
	sb_printf(sb, " '%s_%s'=%s%s;%s;%s;0", proto, label, num, pct ? "%" : "", ws, cs);
	if (max) {
		sb_printf(sb, ";%zu", max);
	}
}

/* One perfdata value per label; the metric's row names the one that shows the thresholds. */
static void perfdata(const struct proto_result *p, struct strbuf *sb)
{
	static const struct threshold none;
	/* Thresholds are shown where they were applied: on the label of the metric judged for
	 * this protocol (for UDP under --metric dest: udp_pct). */
	const char *judged = metric_get(p->judged)->perf_label;
	const char *n = sock_proto_name(p->proto);
	const struct {
		const char *label;
		double v;
		bool pct, tcp_only;
		size_t max;
	} vals[] = {
		{ "used", (double)p->used, false, false, p->size },
		{ "pct", p->pct, true, false, 100 },
		{ "free", (double)p->free, false, false, p->size },
		{ "established", (double)p->tally->states[EPH_TCP_ESTABLISHED], false, true, 0 },
		{ "time_wait", (double)p->tally->states[EPH_TCP_TIME_WAIT], false, true, 0 },
		{ "bound", (double)p->tally->states[EPH_BOUND], false, true, 0 },
		{ "dest", (double)p->dest_max, false, true, p->size },
		{ "dest_pct", p->dest_pct, true, true, 100 },
	};

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		bool th = strcmp(vals[i].label, judged) == 0;

		if (vals[i].tcp_only && p->proto != EPH_TCP) {
			continue;
		}
		perf(sb, n, vals[i].label, vals[i].v, vals[i].pct, th ? &p->warn : &none,
		     th ? &p->crit : &none, vals[i].max);
	}
	if (report_eta(p)) {
		bool th = strcmp("eta", judged) == 0;
		char ws[100] = "", cs[100] = "";

		/* Seconds ("s", a unit Nagios knows); present only while the count grows. */
		if (th) {
			threshold_format(&p->warn, ws, sizeof(ws));
			threshold_format(&p->crit, cs, sizeof(cs));
		}
		sb_printf(sb, " '%s_eta'=%llds;%s;%s;0", n, report_eta_seconds(p), ws, cs);
	}
	if (p->churn_set) {
		char num[48];

		/* Per second, two decimals: 1 close a minute is 0.02. */
		sb_printf(sb, " '%s_churn'=%s;;;0", n, num_format(p->churn, 2, num, sizeof(num)));
		sb_printf(sb, " '%s_churn_max'=%s;;;0", n,
			  num_format(p->churn_sustainable, 2, num, sizeof(num)));
	}
}

/* Seconds without needless decimals: "60 s", "1 s", "1.5 s". */
static const char *secs(double v, char *buf, size_t size)
{
	return num_format(v, 3, buf, size);
}

static void churn_line(const char *n, const struct proto_result *p, struct strbuf *sb)
{
	char a[48], b[48], c[48];

	sb_printf(sb, "%s: churn %s %s closed/s (%zu in TIME_WAIT / %u s, ", n,
		  num_format(p->churn, 2, a, sizeof(a)),
		  p->churn == 1 ? "connection" : "connections", p->tally->states[EPH_TCP_TIME_WAIT],
		  p->tw_lifetime);
	if (p->tw_info.ignored) {
		sb_puts(sb, "an estimated lifetime: the OS setting is out of range, ignored");
	} else if (p->tw_estimate) {
		sb_puts(sb, "an estimated lifetime: the OS setting is not configured");
	} else if (p->tw_configured) {
		sb_puts(sb, "the configured lifetime");
	} else {
		sb_puts(sb, "the lifetime fixed by the OS");
	}
	/* The sustainable rate is per destination: connect() gives a port to connections toward
	 * different destinations, so each has the whole pool, and the busiest one runs out first. */
	if (p->dest_max) {
		sb_puts(sb, "); the busiest destination ");
		report_dest_str(&p->dest_key, sb);
		sb_printf(sb, " closes %s/s (%zu in TIME_WAIT / %u s) and",
			  num_format(p->churn_dest, 2, a, sizeof(a)), p->churn_dest_tw,
			  p->tw_lifetime);
	} else {
		sb_puts(sb, "); no connection toward any destination now; each one");
	}
	sb_printf(sb, " sustains about %s/s (%zu ports / %s s",
		  num_format(p->churn_sustainable, 2, b, sizeof(b)), p->size,
		  secs(p->churn_window, c, sizeof(c)));
	if (!p->tw_info.reuse_model) {
		sb_puts(sb, ", the TIME_WAIT lifetime)"); /* this OS: no reuse model */
	} else if (!p->churn_reuse) {
		sb_puts(sb, ": no TIME_WAIT reuse)");
	} else if (p->tw_info.reuse == SYS_TW_REUSE_ALL) {
		sb_puts(sb, " reuse delay: tcp_tw_reuse 1 reuses TIME_WAIT toward every destination)");
	} else {
		sb_puts(sb, " reuse delay: tcp_tw_reuse 2 reuses TIME_WAIT toward loopback)");
	}
	if (p->dest_max && p->churn_dest >= p->churn_sustainable) {
		sb_puts(sb, ": at or above it, so connections toward it fail once its ports are "
			    "used up");
	} else if (p->dest_max) {
		sb_printf(sb, ": now at %s%% of it",
			  num_format_pct(100.0 * p->churn_dest / p->churn_sustainable, c, sizeof(c)));
	}
	sb_puts(sb, "; each destination has a budget of its own\n");
}

/* The settings behind the churn model (-v). */
static void reuse_line(const char *n, const struct proto_result *p, struct strbuf *sb)
{
	const struct sys_tw_info *i = &p->tw_info;
	static const char *const reuse_words[] = { "off", "every destination", "loopback only" };

	if (!i->reuse_model) {
		return;
	}
	sb_printf(sb, "%s: TIME_WAIT reuse: ", n);
	if (i->reuse >= 0) {
		sb_printf(sb, "tcp_tw_reuse %d (%s)", i->reuse, reuse_words[i->reuse]);
	} else {
		sb_puts(sb, "tcp_tw_reuse unknown (taken as off)");
	}
	if (i->timestamps >= 0) {
		sb_printf(sb, ", tcp_timestamps %d (%s)", i->timestamps, i->timestamps ? "on" : "off");
	} else {
		sb_puts(sb, ", tcp_timestamps unknown (taken as off)");
	}
	if (i->delay_configured) {
		sb_printf(sb, ", tcp_tw_reuse_delay %u ms", i->reuse_delay_ms);
	} else {
		sb_printf(sb, ", reuse delay %u ms (this kernel has no tcp_tw_reuse_delay)",
			  i->reuse_delay_ms);
	}
	sb_printf(sb, "; the busiest destination %s\n",
		  p->churn_reuse ? "reuses TIME_WAIT ports after the delay"
				 : "does not reuse TIME_WAIT ports");
	if (i->note[0]) {
		sb_printf(sb, "%s: note: %s\n", n, i->note);
	}
}

void report_nagios_no_pipes(struct strbuf *sb, size_t start)
{
	for (size_t i = start; i < sb->len; i++) {
		if (sb->buf[i] == '|') {
			sb->buf[i] = '/';
		}
	}
}

static void long_output(const char *n, const struct result *r, const struct proto_result *p,
			struct strbuf *sb)
{
	const struct tally *t = p->tally;
	char pct[32];
	bool first = true;

	sb_printf(sb, "%s: range %u-%u (%zu ports) from %s\n", n, p->pool->lo, p->pool->hi,
		  p->range_size, p->pool_info.range_source);
	if (p->pool_info.range_note[0]) {
		sb_printf(sb, "%s: %s\n", n, p->pool_info.range_note);
	}
	sb_printf(sb, "%s: reserved in range: %zu (", n, p->reserved);
	pool_format_reserved(p->pool, sb, 200);
	sb_printf(sb, ") from %s; effective pool %zu ports\n", p->pool_info.reserved_source,
		  p->size);
	sb_printf(sb, "%s: %zu sockets on %zu ports in the pool:", n, t->sockets, p->used);
	for (int s = 0; s < EPH_NSTATES; s++) {
		if (t->states[s]) {
			sb_printf(sb, "%s %s %zu", first ? "" : ",", sock_state_name((enum eph_state)s),
				  t->states[s]);
			first = false;
		}
	}
	if (first) {
		sb_puts(sb, " none");
	}
	sb_printf(sb, "; IPv4 %zu, IPv6 %zu\n", t->family[0], t->family[1]);
	if (p->proto == EPH_TCP) {
		if (p->dest_max) {
			sb_printf(sb, "%s: busiest destination ", n);
			report_dest_str(&p->dest_key, sb);
			sb_printf(sb, " holds %s%zu %s (%s%% of the pool)%s\n",
				  p->dest_exact ? "" : "at least ", p->dest_max,
				  report_plural(p->dest_max, "port", "ports"),
				  num_format_pct(p->dest_pct, pct, sizeof(pct)),
				  p->dest_exact ? "" : ", more destinations than can be told apart");
		} else {
			sb_printf(sb, "%s: no connection toward any destination\n", n);
		}
		if (!p->sock_info.bound_visible) {
			sb_printf(sb, "%s: bound-only sockets: %s cannot show them, tcp_bound is 0\n", n,
				  p->sock_info.fallback ? "/proc/net" : "the kernel");
		}
	}
	sb_printf(sb, "%s: source %s", n, p->sock_info.source);
	if (p->sock_info.restarts) {
		sb_printf(sb, ", %u restart(s) because the table changed", p->sock_info.restarts);
	}
	if (p->sock_info.note[0]) {
		sb_printf(sb, "; %s", p->sock_info.note);
	}
	if (p->pool_info.note[0]) {
		sb_printf(sb, "; %s", p->pool_info.note);
	}
	sb_puts(sb, "\n");
	if (p->fc_set) {
		sb_printf(sb, "%s: forecast: ", n);
		report_forecast_text(p, sb);
		sb_puts(sb, "\n");
	}
	if (r->cfg->verbose >= 2) {
		char ws[100], cs[100];

		sb_printf(sb, "%s: metric %s = %s, warning '%s', critical '%s' -> %s\n", n,
			  metric_name(p->judged), num_format(p->value, 1, pct, sizeof(pct)),
			  threshold_format(&p->warn, ws, sizeof(ws)),
			  threshold_format(&p->crit, cs, sizeof(cs)),
			  evaluate_status_name(p->state));
	}
}

/* How many namespaces the --netns list shows: --top N, else 5 when not OK or with -v. */
static size_t netns_rows(const struct result *r)
{
	if (r->cfg->top >= 0) {
		return (size_t)r->cfg->top;
	}
	return r->state != EPH_OK || r->cfg->verbose > 0 ? 5 : 0;
}

/* The worst namespaces, one line each, then (-v) the ones skipped and why, and what the
 * listing could not see. */
static void netns_text(const struct result *r, struct strbuf *sb)
{
	const struct ns_results *a = r->ns;
	size_t rows = netns_rows(r), shown = 0, start = sb->len;
	char pct[32];

	if (rows > 0) {
		sb_printf(sb, "netns: the worst %zu of %zu checked:\n",
			  rows < a->checked ? rows : a->checked, a->checked);
	}
	for (size_t k = 0; k < a->n && shown < rows; k++) {
		const struct ns_result *nr = &a->v[a->order[k]];

		if (nr->skipped) {
			continue;
		}
		shown++;
		sb_printf(sb, "netns   %s: %s", nr->ns->name, evaluate_status_name(nr->state));
		if (nr->failed) {
			sb_printf(sb, " - %s\n", nr->why);
			continue;
		}
		for (int i = 0; i < EPH_NPROTO; i++) {
			const struct ns_proto *q = &nr->p[i];

			if (!q->checked) {
				continue;
			}
			sb_printf(sb, ", %s %zu of %zu (%s%%)", sock_proto_name((enum eph_proto)i),
				  q->used, q->size, num_format_pct(q->pct, pct, sizeof(pct)));
			if (i == EPH_TCP) {
				sb_printf(sb, " dest %zu", q->dest_max);
			}
			if (q->eta_set) {
				sb_printf(sb, " full in ~%lld s", q->eta);
			}
		}
		sb_printf(sb, " [%s]\n", nr->ns->path);
	}
	if (r->cfg->verbose > 0) {
		for (size_t i = 0; i < a->n; i++) {
			if (a->v[i].skipped) {
				sb_printf(sb, "netns skipped %s: %s\n", a->v[i].ns->name, a->v[i].why);
			}
		}
		if (a->list && a->list->hidden) {
			sb_printf(sb, "netns: %zu process(es) whose namespace could not be read "
				      "(ended during the listing, or refused by the kernel)\n",
				  a->list->hidden);
		}
	}
	if (a->owners_why[0]) {
		sb_printf(sb, "netns: no --top tables: the owners of %s's ports could not be read: %s\n",
			  a->v[a->worst].ns->name, a->owners_why);
	}
	if (a->list && a->list->dropped) {
		sb_printf(sb, "netns: more than %d namespaces: %zu process(es) or files in the others "
			      "were not checked\n",
			  NETNS_MAX, a->list->dropped);
	}
	report_nagios_no_pipes(sb, start);
}

/* Where the samples are kept, or why the forecast is off (-v). */
static void forecast_lines(const struct result *r, struct strbuf *sb)
{
	const struct forecast_store *fs = r->forecast;
	size_t start = sb->len;

	if (!fs) {
		return;
	}
	if (fs->on) {
		sb_printf(sb, "forecast: state file %s%s\n", fs->path,
			  fs->recorded ? "" : " (this run's sample not recorded)");
	}
	if (fs->note[0]) {
		/* A note of a forecast that is off starts with "forecast off:". */
		sb_printf(sb, "%s%s\n", fs->on ? "forecast: " : "", fs->note);
	}
	report_nagios_no_pipes(sb, start);
}

/* What starts a protocol's long-output lines: "tcp"; with --netns, whose figures they are, as
 * they show the worst namespace only: "tcp (netns hostname web-b)". */
static void proto_label(const struct result *r, const struct proto_result *p, char *buf,
			size_t size)
{
	if (r->ns) {
		snprintf(buf, size, "%s (netns %s)", sock_proto_name(p->proto),
			 r->ns->v[r->ns->worst].ns->name);
	} else {
		snprintf(buf, size, "%s", sock_proto_name(p->proto));
	}
}

static void render_nagios(const struct result *r, struct strbuf *sb)
{
	sb_printf(sb, "EPHEMERAL %s - ", evaluate_status_name(r->state));
	report_summary(r, sb);
	if (r->log_note) {
		sb_puts(sb, ", the log was not written");
	}
	sb_puts(sb, " |");
	for (int i = 0; i < EPH_NPROTO; i++) {
		if (r->p[i].checked) {
			perfdata(&r->p[i], sb);
		}
	}
	if (r->ns) {
		sb_printf(sb, " 'netns_checked'=%zu;;;0 'netns_warning'=%zu;;;0 'netns_critical'=%zu;;;0",
			  r->ns->checked, r->ns->warning, r->ns->critical);
	}
	sb_puts(sb, "\n");
	if (r->owners_note) {
		sb_printf(sb, "note: %s\n", r->owners_note);
	}
	if (r->log_note) {
		sb_printf(sb, "note: %s\n", r->log_note);
	}
	if (r->ns) {
		netns_text(r, sb);
	}
	for (int i = 0; i < EPH_NPROTO; i++) {
		const struct proto_result *p = &r->p[i];
		size_t start = sb->len;
		char n[200];

		if (!p->checked) {
			continue;
		}
		proto_label(r, p, n, sizeof(n));
		if (r->cfg->verbose > 0) {
			long_output(n, r, p, sb);
		}
		if (p->attrib) {
			report_nagios_top(n, p, sb);
		}
		/* The setting behind the lifetime (Windows TcpTimedWaitDelay, or "default"), next
		 * to the line that divides by it; Linux has none to name. */
		if (p->churn_set && r->cfg->verbose > 0 && p->tw_info.setting[0]) {
			sb_printf(sb, "%s: %s\n", n, p->tw_info.setting);
		}
		if (p->churn_set && r->cfg->verbose > 0) {
			reuse_line(n, p, sb);
		}
		if (p->churn_set && (p->attrib || r->cfg->verbose > 0)) {
			churn_line(n, p, sb);
		}
		if (r->ns) {
			report_nagios_no_pipes(sb, start);
		}
	}
	if (r->cfg->verbose > 0) {
		forecast_lines(r, sb);
	}
}

static void render_nagios_error(const char *what, const char *msg, struct strbuf *sb)
{
	size_t start = sb->len;

	if (what && *what) {
		sb_printf(sb, "EPHEMERAL UNKNOWN - %s: %s\n", what, msg);
	} else {
		sb_printf(sb, "EPHEMERAL UNKNOWN - %s\n", msg);
	}
	/* One quoted from an argument ("-w 'a|b'") would cut the reason and hand Nagios the rest
	 * as perfdata. */
	report_nagios_no_pipes(sb, start);
}

const struct renderer report_nagios = {
	.name = "nagios",
	.render = render_nagios, .render_error = render_nagios_error,
	.exit_code = report_exit_state, .error_exit_code = 3,
	.shows_tables = true, .first_line_max = EPH_NRPE_MAX,
};
