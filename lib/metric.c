#include "metric.h"

#include <stdio.h>
#include <string.h>

#include "evaluate.h"
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
		  num_format(p->pct, 1, pct, sizeof(pct)));
}

static void summary_dest(const struct proto_result *p, struct strbuf *sb)
{
	sb_printf(sb, ", worst destination %s%zu", p->dest_exact ? "" : "~", p->dest_max);
}

/* In the order of the first line's words; indexed by enum eph_metric. */
static const struct metric metrics[] = {
	[EPH_METRIC_PCT] = { .id = EPH_METRIC_PCT, .name = "pct", .percent = true,
			     .warn_default = "80", .crit_default = "90", .perf_label = "pct",
			     .value = value_pct, .summary = summary_pct },
	[EPH_METRIC_USED] = { .id = EPH_METRIC_USED, .name = "used", .perf_label = "used",
			      .value = value_used },
	[EPH_METRIC_FREE] = { .id = EPH_METRIC_FREE, .name = "free", .perf_label = "free",
			      .value = value_free },
	[EPH_METRIC_DEST] = { .id = EPH_METRIC_DEST, .name = "dest", .percent = true,
			      .tcp_only = true, .warn_default = "80", .crit_default = "90",
			      .perf_label = "dest_pct", .value = value_dest,
			      .summary = summary_dest },
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
