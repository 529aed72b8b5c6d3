/* Policy: turns what was measured into states. Picks the metric, applies the thresholds, merges
 * the protocols' states (OK < UNKNOWN < WARNING < CRITICAL) and fills a struct result that the
 * renderers only read. */
#ifndef EVALUATE_H
#define EVALUATE_H

#include <stdbool.h>
#include <stddef.h>

#include "attrib.h"
#include "config.h"
#include "forecast_store.h"
#include "num.h"
#include "portpool.h"
#include "sys.h"
#include "tally.h"

enum eph_status {
	EPH_OK = 0,
	EPH_WARNING = 1,
	EPH_CRITICAL = 2,
	EPH_UNKNOWN = 3,
};

/* What one protocol's check found. */
struct proto_result {
	bool checked;
	enum eph_proto proto;
	const struct portpool *pool;
	const struct tally *tally;
	struct sys_pool_info pool_info;
	struct sys_sock_info sock_info;
	size_t range_size, reserved, size; /* size = effective pool */
	size_t used, free;
	double pct;      /* 100*used/size, rounded to one decimal */
	size_t dest_max; /* TCP: sockets toward the busiest destination */
	struct dest_key dest_key;
	bool dest_exact;
	double dest_pct; /* 100*dest_max/size, rounded to one decimal */
	double value;    /* the metric's value, the one thresholds were applied to */
	enum eph_status state;
	/* TCP churn (evaluate_churn): connections closed per second. */
	bool churn_set;
	unsigned tw_lifetime;     /* seconds a closed connection stays in TIME_WAIT */
	bool tw_configured;       /* the lifetime is a setting (Windows TcpTimedWaitDelay) */
	bool tw_estimate;         /* the lifetime is an assumed default, not known */
	struct sys_tw_info tw_info; /* the OS setting behind the lifetime, for the long output */
	double churn;             /* TIME_WAIT sockets / lifetime */
	double churn_sustainable; /* effective pool / lifetime: the rate the pool can carry */
	/* The forecast (evaluate_forecast): rate and ETA from the state file's samples. */
	bool fc_set; /* the forecast is on: fc holds the estimate */
	struct forecast_est fc;
	/* The --top tables, NULL when not asked for (attrib_report). */
	const struct attrib_tables *attrib;
};

struct result {
	const struct eph_config *cfg;
	struct proto_result p[EPH_NPROTO];
	enum eph_status state;
	const struct forecast_store *forecast; /* the state file, for the long output; NULL:
						* no forecast step ran */
};

/* Worse of two states, in the Monitoring Plugins order OK < UNKNOWN < WARNING < CRITICAL. */
enum eph_status eph_status_worse(enum eph_status a, enum eph_status b);

/* "OK", "WARNING", "CRITICAL", "UNKNOWN". */
const char *eph_status_name(enum eph_status s);

/* Fills pr from a protocol's pool and tally (which must outlive the result) and applies cfg's
 * thresholds to it. Returns -1 with err set when the numbers cannot be judged (an empty
 * effective pool). */
int evaluate_proto(const struct eph_config *cfg, const struct portpool *pool,
		   const struct tally *t, const struct sys_pool_info *pinfo,
		   const struct sys_sock_info *sinfo, struct proto_result *pr, struct eph_err *err);

/* Fills pr's churn (TCP only) from its TIME_WAIT count and the TIME_WAIT lifetime in seconds
 * (sys_time_wait_lifetime; estimate when that is an assumed default; info, copied, may be
 * NULL: no setting to name). lifetime 0 leaves it unset. */
void evaluate_churn(struct proto_result *pr, unsigned lifetime, bool configured, bool estimate,
		    const struct sys_tw_info *info);

/* The forecast of pr from the samples fs holds (forecast_store_update ran at now with this
 * run's sample): fills pr->fc when fs->on, then judges the metric again, since --metric eta's
 * value comes from it. No ETA (too few samples, not growing, forecast off) is OK. */
void evaluate_forecast(const struct eph_config *cfg, const struct forecast_store *fs,
		       int64_t now, struct proto_result *pr);

/* The key of the options that change what is counted, for the state file. */
void evaluate_forecast_key(const struct eph_config *cfg, struct forecast_key *k);

/* Merges the checked protocols' states into r->state. */
void evaluate_merge(struct result *r);

#endif
