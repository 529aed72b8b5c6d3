/* The metric table: per metric (--metric NAME) its name, how its value comes from a protocol's
 * result, whether a threshold may end in %, its default thresholds, the perfdata label that carries
 * the thresholds, and its words on the first line. cli.c, evaluate.c and the renderers read it, so
 * a new metric is one row here (and its enum eph_metric constant in config.h). */
#ifndef METRIC_H
#define METRIC_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "sock.h"
#include "threshold.h"

struct proto_result;
struct strbuf;

struct metric {
	const char *name; /* --metric NAME, and "metric" in the JSON output */
	/* Thresholds when -w / -c are not given; NULL: none here, see the shares below. */
	const char *warn_default, *crit_default;
	/* A metric in ports has its defaults per protocol, as a share of that protocol's pool
	 * (pools differ, e.g. TCP and UDP on Windows): warning and critical at these shares.
	 * 0: no share default. */
	double warn_share, crit_share;
	/* The Nagios perfdata label ("tcp_<label>") that shows the thresholds. */
	const char *perf_label;
	/* The value the thresholds are applied to, from a result evaluate_proto filled. */
	double (*value)(const struct proto_result *p);
	/* Appends this metric's words to the protocol's part of the first line, whatever the metric
	 * chosen ("tcp" is already there); NULL: it has none. */
	void (*summary)(const struct proto_result *p, struct strbuf *sb);
	/* When it is judged and not the default metric, the first line leads with it: its name and
	 * value, and why (the threshold it broke, "" when none), e.g. " free 150 ports (below
	 * 200)". */
	void (*lead)(const struct proto_result *p, const char *why, struct strbuf *sb);
	/* False when p has no value to judge (eta: the count does not grow): the protocol is OK
	 * then. NULL: always a value. */
	bool (*has_value)(const struct proto_result *p);
	enum eph_metric id;
	/* tcp_only: the metric that judges the other protocols instead (dest: pct, since a UDP
	 * port is taken for every destination, its headroom toward one is its whole pool). */
	enum eph_metric elsewhere;
	bool percent;  /* a percentage: thresholds may be written "80%" */
	bool tcp_only; /* about TCP connections: judged on TCP only, refused without it */
	bool below;    /* the share defaults alert under them (free), not above them (used) */
};

/* The row of m (the first row, pct, for a value out of range). */
const struct metric *metric_get(enum eph_metric m);

/* The row called name, or NULL. */
const struct metric *metric_find(const char *name);

/* The i-th row, i from 0; NULL past the last. */
const struct metric *metric_at(size_t i);

/* "pct", "used", "free", "dest", "eta". */
const char *metric_name(enum eph_metric m);

/* True when m is judged on proto's sockets. */
bool metric_applies(const struct metric *m, enum eph_proto proto);

/* The metric that judges proto when m is chosen: m, or its row's elsewhere. */
const struct metric *metric_judging(enum eph_metric m, enum eph_proto proto);

/* The thresholds m applies to a protocol whose pool holds pool_size ports: the user's (given:
 * set), else m's defaults, as a share of the pool for a metric in ports. */
void metric_thresholds_for(const struct metric *m, size_t pool_size, const struct threshold *warn,
			   const struct threshold *crit, struct threshold *w_out,
			   struct threshold *c_out);

/* Writes the names of the rows (only those that accept %, when percent_only) into buf: separated by
 * sep, the last two by last ("pct, used, free or dest"). */
void metric_list(char *buf, size_t size, bool percent_only, const char *sep, const char *last);

#endif
