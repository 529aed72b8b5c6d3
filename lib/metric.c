#include "metric.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "evaluate.h"
#include "num.h"
#include "report.h"

static double value_pct(const struct proto_result *p)
{
	return p->pct;
}

static double value_used(const struct proto_result *p)
{
	return (double)p->used;
}

static double value_free(const struct proto_result *p)
{
	return (double)p->free;
}

static double value_dest(const struct proto_result *p)
{
	return p->dest_pct;
}

/* Whole seconds, as every format shows the ETA: the state never disagrees with the number. */
static double value_eta(const struct proto_result *p)
{
	return report_eta(p) ? (double)report_eta_seconds(p) : 0;
}

static bool has_eta(const struct proto_result *p)
{
	return report_eta(p);
}

/* ", full in ~14 min" while the ETA is under an hour, whatever the metric. */
static void summary_eta(const struct proto_result *p, struct strbuf *sb)
{
	char words[32];

	if (report_eta(p)) {
		forecast_eta_words(p->fc.eta, words, sizeof(words));
		if (words[0]) {
			sb_printf(sb, ", %s", words);
		}
	}
}

static void summary_pct(const struct proto_result *p, struct strbuf *sb)
{
	char pct[32];

	sb_printf(sb, " %zu of %zu ports in use (%s%%)", p->used, p->size,
		  num_format_pct(p->pct, pct, sizeof(pct)));
}

/* "87 ports to 127.0.0.1:9002": the count and the destination, not a bare number that reads
 * like a port. */
static void dest_words(const struct proto_result *p, struct strbuf *sb)
{
	sb_printf(sb, "%s%zu %s to ", p->dest_exact ? "" : "~", p->dest_max,
		  report_plural(p->dest_max, "port", "ports"));
	report_remote_str(&p->dest_key, sb);
}

static void summary_dest(const struct proto_result *p, struct strbuf *sb)
{
	if (!p->dest_max) {
		sb_puts(sb, ", no connection toward any destination");
		return;
	}
	sb_puts(sb, ", worst destination ");
	dest_words(p, sb);
}

/* " (why)", or nothing when why is "". */
static void why_words(const char *why, struct strbuf *sb)
{
	if (why[0]) {
		sb_printf(sb, " (%s)", why);
	}
}

static void lead_used(const struct proto_result *p, const char *why, struct strbuf *sb)
{
	sb_printf(sb, " used %zu %s", p->used, report_plural(p->used, "port", "ports"));
	why_words(why, sb);
}

static void lead_free(const struct proto_result *p, const char *why, struct strbuf *sb)
{
	sb_printf(sb, " free %zu %s", p->free, report_plural(p->free, "port", "ports"));
	why_words(why, sb);
}

static void lead_dest(const struct proto_result *p, const char *why, struct strbuf *sb)
{
	char pct[32];

	if (!p->dest_max) {
		sb_puts(sb, " no connection toward any destination");
		why_words(why, sb);
		return;
	}
	sb_puts(sb, " worst destination ");
	dest_words(p, sb);
	sb_printf(sb, " (%s%%%s%s)", num_format_pct(p->dest_pct, pct, sizeof(pct)),
		  why[0] ? ", " : "", why);
}

/* In the order of the first line's words; indexed by enum eph_metric. Used and free have their
 * defaults at 80 % / 90 % in use and 20 % / 10 % free, in ports of each protocol's pool. */
static const struct metric metrics[] = {
	[EPH_METRIC_PCT] = { .id = EPH_METRIC_PCT, .name = "pct", .percent = true,
			     .warn_default = "80", .crit_default = "90", .perf_label = "pct",
			     .value = value_pct, .summary = summary_pct },
	[EPH_METRIC_USED] = { .id = EPH_METRIC_USED, .name = "used", .warn_share = 0.8,
			      .crit_share = 0.9, .perf_label = "used", .value = value_used,
			      .lead = lead_used },
	[EPH_METRIC_FREE] = { .id = EPH_METRIC_FREE, .name = "free", .warn_share = 0.2,
			      .crit_share = 0.1, .below = true, .perf_label = "free",
			      .value = value_free, .lead = lead_free },
	[EPH_METRIC_DEST] = { .id = EPH_METRIC_DEST, .name = "dest", .percent = true,
			      .tcp_only = true, .warn_default = "80", .crit_default = "90",
			      .elsewhere = EPH_METRIC_PCT, .perf_label = "dest_pct",
			      .value = value_dest, .summary = summary_dest, .lead = lead_dest },
	[EPH_METRIC_ETA] = { .id = EPH_METRIC_ETA, .name = "eta", .warn_default = "3600:",
			     .crit_default = "600:", .perf_label = "eta", .value = value_eta,
			     .summary = summary_eta, .has_value = has_eta },
};

#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

const struct metric *metric_get(enum eph_metric m)
{
	return (size_t)m < NMETRICS ? &metrics[m] : &metrics[0];
}

const struct metric *metric_find(const char *name)
{
	for (size_t i = 0; i < NMETRICS; i++) {
		if (strcmp(metrics[i].name, name) == 0) {
			return &metrics[i];
		}
	}
	return NULL;
}

const struct metric *metric_at(size_t i)
{
	return i < NMETRICS ? &metrics[i] : NULL;
}

const char *metric_name(enum eph_metric m)
{
	return metric_get(m)->name;
}

bool metric_applies(const struct metric *m, enum eph_proto proto)
{
	return !m->tcp_only || proto == EPH_TCP;
}

const struct metric *metric_judging(enum eph_metric m, enum eph_proto proto)
{
	const struct metric *row = metric_get(m);

	return metric_applies(row, proto) ? row : metric_get(row->elsewhere);
}

/* share of pool_size in whole ports, as a range: "above N" (N = the share rounded down: used
 * 22586 of 28232 is above 80 %) or "below N" (rounded up: free 5646 of 28232 is below 20 %). */
static void share_threshold(double share, bool below, size_t pool_size, struct threshold *t)
{
	double v = share * (double)pool_size;

	memset(t, 0, sizeof(*t));
	t->set = true;
	if (below) {
		t->lo = ceil(v - 1e-9);
		t->hi_inf = true;
		snprintf(t->lo_text, sizeof(t->lo_text), "%.0f", t->lo);
	} else {
		t->hi = floor(v + 1e-9);
		snprintf(t->hi_text, sizeof(t->hi_text), "%.0f", t->hi);
	}
}

void metric_thresholds_for(const struct metric *m, size_t pool_size, const struct threshold *warn,
			   const struct threshold *crit, struct threshold *w_out,
			   struct threshold *c_out)
{
	*w_out = *warn;
	*c_out = *crit;
	if (!warn->set && m->warn_share > 0) {
		share_threshold(m->warn_share, m->below, pool_size, w_out);
	}
	if (!crit->set && m->crit_share > 0) {
		share_threshold(m->crit_share, m->below, pool_size, c_out);
	}
}

void metric_list(char *buf, size_t size, bool percent_only, const char *sep, const char *last)
{
	size_t n = 0, len = 0, k = 0;

	for (size_t i = 0; i < NMETRICS; i++) {
		n += !percent_only || metrics[i].percent;
	}
	if (size) {
		buf[0] = '\0';
	}
	for (size_t i = 0; i < NMETRICS && len < size; i++) {
		if (percent_only && !metrics[i].percent) {
			continue;
		}
		k++;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					k == 1 ? "" : k == n ? last : sep, metrics[i].name);
	}
}
