/* What the user asked for: filled by the CLI (check_ephemeral/cli.c), read by everything else. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "sock.h"
#include "threshold.h"

/* The metrics; lib/metric.c has a row for each. */
enum eph_metric {
	EPH_METRIC_PCT = 0, /* percent of the effective pool in use (default) */
	EPH_METRIC_USED,    /* ports in use */
	EPH_METRIC_FREE,    /* ports free */
	EPH_METRIC_DEST,    /* ports toward the busiest destination, percent of the pool */
	EPH_METRIC_ETA,     /* seconds until the pool is full at the current rate (forecast) */
};

#define EPH_DEFAULT_TIMEOUT 10
#define EPH_TOP_MAX 50 /* --top limit: keeps the long output bounded */

struct eph_config {
	struct threshold warn, crit; /* apply to `metric` */
	enum eph_metric metric;
	bool proto[EPH_NPROTO];     /* protocols to check */
	unsigned families;          /* EPH_FAM_* */
	uint16_t range_lo, range_hi; /* --range; 0 = from the OS */
	unsigned timeout;           /* seconds, > 0 */
	int verbose;                /* count of -v */
	const char *output;         /* renderer name, "nagios" by default */
	int top;                    /* --top N rows per owner table; -1: automatic (shown when
				     * the state is not OK) */
	bool sam_status;            /* -o solarwinds: exit with SAM's code for the state */
	const char *output_file;    /* --output-file: write the output there (atomically) */
	const char *log_file;       /* --log: append CSV history lines there */
	const char *netns;          /* --netns: "all", a name, a path or a pid (netns.h); NULL:
				     * only the plugin's own network namespace */
	const char *state_dir;      /* --state-dir: the forecast's state files; NULL = default */
};

#endif
