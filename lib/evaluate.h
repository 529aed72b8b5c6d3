/* Policy: turns what was measured into states. Picks the metric, applies the thresholds, merges
 * the protocols' states (OK < UNKNOWN < WARNING < CRITICAL) and fills a struct result that the
 * renderers only read. */
#ifndef EVALUATE_H
#define EVALUATE_H

#include <stdbool.h>
#include <stddef.h>

#include "attrib.h"
#include "config.h"
#include "netns.h"
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
	struct threshold warn, crit; /* the thresholds applied here: -w/-c, else the defaults
				      * (for used and free, a share of this pool) */
	double value;    /* the metric's value, the one thresholds were applied to */
	enum eph_metric judged; /* the metric judged here (--metric dest: pct for UDP) */
	enum eph_status state;
	/* TCP churn (evaluate_churn): connections closed per second. */
	bool churn_set;
	bool churn_reuse; /* connect() toward the busiest destination reuses its TIME_WAIT ports
			   * after the reuse delay (tcp_tw_reuse 1, or 2 toward loopback, and
			   * timestamps on) */
	unsigned tw_lifetime;     /* seconds a closed connection stays in TIME_WAIT */
	bool tw_configured;       /* the lifetime is a setting (Windows TcpTimedWaitDelay) */
	bool tw_estimate;         /* the lifetime is an assumed default, not known */
	struct sys_tw_info tw_info; /* the OS setting behind the lifetime, for the long output */
	double churn;             /* TIME_WAIT sockets / lifetime */
	/* Each destination has a budget of the whole pool (connect() shares a port across
	 * destinations), so the rate that matters is the busiest destination's (dest_key). */
	size_t churn_dest_tw;     /* TIME_WAIT sockets toward the busiest destination */
	double churn_dest;        /* churn_dest_tw / lifetime: its closes per second */
	double churn_window;      /* seconds a port stays taken after a close toward it: the
				   * reuse delay with reuse, else the lifetime */
	double churn_sustainable; /* tcp_churn_max: effective pool / churn_window, the closes per
				   * second the busiest destination can sustain */
	/* The forecast (evaluate_forecast): rate and ETA from the state file's samples. */
	bool fc_set; /* the forecast is on: fc holds the estimate */
	struct forecast_est fc;
	/* The --top tables, NULL when not asked for (attrib_report). */
	const struct attrib_tables *attrib;
};

/* One protocol's figures in one network namespace (--netns): the compact copy kept for every
 * namespace, for the list in the long output, JSON and Prometheus. */
struct ns_proto {
	bool checked;
	enum eph_status state;
	size_t range_size, reserved, size, used, free, sockets, dest_max;
	double pct, dest_pct, value;
	size_t states[EPH_NSTATES];
	bool churn_set;
	double churn, churn_sustainable;
	bool fc_set;    /* the forecast is on: fc holds this namespace's estimate */
	struct forecast_est fc;
	bool eta_set;   /* the forecast gave an ETA (report_eta) */
	long long eta;  /* seconds until full, an estimate */
};

/* One namespace of a --netns run. */
struct ns_result {
	const struct netns_entry *ns;
	bool skipped;          /* not read (gone, may not be entered, no time left): why says */
	bool failed;           /* read, but its figures could not be made: UNKNOWN, why says */
	char why[sizeof(((struct eph_err *)0)->msg)];
	enum eph_status state; /* of the checked protocols; UNKNOWN when failed */
	struct ns_proto p[EPH_NPROTO];
};

/* Every namespace of a --netns run, and what evaluate_ns_merge makes of them. */
struct ns_results {
	struct ns_result *v;
	size_t n;
	size_t *order;      /* indexes into v, worst first, skipped ones last */
	size_t checked;     /* read (failed ones included) */
	size_t warning, critical, unknown, skipped;
	size_t untimed;     /* skipped because -t was running out */
	size_t worst;       /* index into v of the namespace the status line shows: the worst
			     * one whose figures could be made */
	char owners_why[sizeof(((struct eph_err *)0)->msg)]; /* why the worst one's owners could not be read ("": they could) */
	const struct netns_list *list;
};

struct result {
	const struct eph_config *cfg;
	struct proto_result p[EPH_NPROTO];
	enum eph_status state;
	/* Why the owner tables that were due are missing (the time -t leaves ran out); NULL when
	 * they are there or were not due. */
	const char *owners_note;
	/* Why the history log (--log) was not written while the state stands without it (a state
	 * other than OK): "the log was not written: ..."; NULL when it was, or was not asked for.
	 * The status line says so in short, the long output (JSON: the notes) gives this. */
	const char *log_note;
	const struct ns_results *ns; /* --netns: every namespace; p[] is the worst one's; NULL
				      * without --netns */
	/* When the sockets were counted, in seconds since the Unix epoch; 0 when not known. */
	long long measured_at;
	const struct forecast_store *forecast; /* the state file, for the long output; NULL:
						* no forecast step ran */
};

/* Worse of two states, in the Monitoring Plugins order OK < UNKNOWN < WARNING < CRITICAL. */
enum eph_status evaluate_status_worse(enum eph_status a, enum eph_status b);

/* "OK", "WARNING", "CRITICAL", "UNKNOWN". */
const char *evaluate_status_name(enum eph_status s);

/* Fills pr from a protocol's pool and tally (which must outlive the result) and applies cfg's
 * thresholds to it. Returns -1 with err set when the numbers cannot be judged (an empty
 * effective pool). */
int evaluate_proto(const struct eph_config *cfg, const struct portpool *pool,
		   const struct tally *t, const struct sys_pool_info *pinfo,
		   const struct sys_sock_info *sinfo, struct proto_result *pr, struct eph_err *err);

/* Fills pr's churn (TCP only) from its TIME_WAIT count and the TIME_WAIT lifetime in seconds
 * (sys_time_wait_lifetime; estimate when that is an assumed default; info, copied, may be
 * NULL: no setting to name and no reuse). The sustainable rate is the busiest destination's
 * (evaluate_proto found it): pool / reuse delay where connect() reuses TIME_WAIT toward it,
 * else pool / lifetime. lifetime 0 leaves it unset. */
void evaluate_churn(struct proto_result *pr, unsigned lifetime, bool configured, bool estimate,
		    const struct sys_tw_info *info);

/* True when connect() toward destination k (NULL: one not known) reuses TIME_WAIT ports after
 * info's reuse delay. */
bool evaluate_tw_reuse(const struct sys_tw_info *info, const struct dest_key *k);
/* Hangs the forecast's estimate est on pr (NULL: the forecast is off), then judges the metric
 * again, since --metric eta's value comes from it. No ETA (too few samples, not growing,
 * forecast off) is OK. */
void evaluate_forecast(const struct eph_config *cfg, const struct forecast_est *est,
		       struct proto_result *pr);

/* The key of the options that change what is counted, for the state file. */
void evaluate_forecast_key(const struct eph_config *cfg, struct forecast_key *k);

/* Merges the checked protocols' states into r->state. */
void evaluate_merge(struct result *r);

/* Copies r's figures (a whole run in one namespace, merged) into nr. */
void evaluate_ns_fill(struct ns_result *nr, const struct result *r);

/* True when a is worse than b: a worse state, or the same state and a value nearer the limit
 * (higher; lower with --metric free; a shorter ETA with --metric eta, where none is the
 * farthest). Skipped namespaces are never worse. */
bool evaluate_ns_worse(const struct eph_config *cfg, const struct ns_result *a,
		       const struct ns_result *b);

/* Counts all's states, sorts all->order (all->order must hold all->n indexes) worst first and
 * returns the merged state: the worst namespace's, and at least UNKNOWN when one was skipped for
 * lack of time or none could be checked. */
enum eph_status evaluate_ns_merge(const struct eph_config *cfg, struct ns_results *all);

#endif
