#include "evaluate.h"

#include <math.h>
#include <string.h>

const char *eph_metric_name(enum eph_metric m)
{
	switch (m) {
	case EPH_METRIC_USED:
		return "used";
	case EPH_METRIC_FREE:
		return "free";
	case EPH_METRIC_DEST:
		return "dest";
	case EPH_METRIC_ETA:
		return "eta";
	case EPH_METRIC_PCT:
	default:
		return "pct";
	}
}

static int severity(enum eph_status s)
{
	switch (s) {
	case EPH_OK:
		return 0;
	case EPH_UNKNOWN:
		return 1;
	case EPH_WARNING:
		return 2;
	case EPH_CRITICAL:
	default:
		return 3;
	}
}

enum eph_status eph_status_worse(enum eph_status a, enum eph_status b)
{
	return severity(a) >= severity(b) ? a : b;
}

const char *eph_status_name(enum eph_status s)
{
	switch (s) {
	case EPH_OK:
		return "OK";
	case EPH_WARNING:
		return "WARNING";
	case EPH_CRITICAL:
		return "CRITICAL";
	case EPH_UNKNOWN:
	default:
		return "UNKNOWN";
	}
}

double eph_round1(double v)
{
	return round(v * 10.0) / 10.0;
}

/* The state cfg's thresholds give value. */
static enum eph_status judge(const struct eph_config *cfg, double value)
{
	if (threshold_alerts(&cfg->crit, value)) {
		return EPH_CRITICAL;
	}
	return threshold_alerts(&cfg->warn, value) ? EPH_WARNING : EPH_OK;
}

int evaluate_proto(const struct eph_config *cfg, const struct portpool *pool,
		   const struct tally *t, const struct sys_pool_info *pinfo,
		   const struct sys_sock_info *sinfo, struct proto_result *pr, struct eph_err *err)
{
	memset(pr, 0, sizeof(*pr));
	pr->checked = true;
	pr->proto = t->proto;
	pr->pool = pool;
	pr->tally = t;
	pr->pool_info = *pinfo;
	pr->sock_info = *sinfo;
	pr->range_size = pool_range_size(pool);
	pr->reserved = pool_reserved_in_range(pool);
	pr->size = pool_size(pool);
	if (pr->size == 0) {
		eph_err_set(err,
			    "the %s pool is empty: every port of %u-%u is reserved (check "
			    "ip_local_reserved_ports or --range)",
			    eph_proto_name(t->proto), pool->lo, pool->hi);
		return -1;
	}
	pr->used = t->used_count;
	pr->free = pr->size - pr->used;
	pr->pct = eph_round1(100.0 * (double)pr->used / (double)pr->size);
	if (t->proto == EPH_TCP) {
		pr->dest_max = tally_dest_max(t, &pr->dest_key, &pr->dest_exact);
		pr->dest_pct = eph_round1(100.0 * (double)pr->dest_max / (double)pr->size);
	}

	switch (cfg->metric) {
	case EPH_METRIC_USED:
		pr->value = (double)pr->used;
		break;
	case EPH_METRIC_FREE:
		pr->value = (double)pr->free;
		break;
	case EPH_METRIC_DEST:
		pr->value = pr->dest_pct;
		break;
	case EPH_METRIC_ETA:
		pr->value = 0; /* judged by evaluate_forecast, once the samples are read */
		break;
	case EPH_METRIC_PCT:
	default:
		pr->value = pr->pct;
		break;
	}
	pr->state = EPH_OK;
	/* The destination metric is about connect() toward one peer: TCP only. */
	if ((cfg->metric == EPH_METRIC_DEST && t->proto != EPH_TCP) ||
	    cfg->metric == EPH_METRIC_ETA) {
		return 0;
	}
	pr->state = judge(cfg, pr->value);
	return 0;
}

void evaluate_churn(struct proto_result *pr, unsigned lifetime, bool configured, bool estimate,
		    const struct sys_tw_info *info)
{
	if (pr->proto != EPH_TCP || !pr->tally || lifetime == 0) {
		return;
	}
	pr->churn_set = true;
	pr->tw_lifetime = lifetime;
	pr->tw_configured = configured;
	pr->tw_estimate = estimate;
	if (info) {
		pr->tw_info = *info;
	} else {
		memset(&pr->tw_info, 0, sizeof(pr->tw_info));
	}
	/* Every connection closed from this side waits the whole lifetime in TIME_WAIT, so in a
	 * steady state the count divided by the lifetime is the close rate. */
	pr->churn = (double)pr->tally->states[EPH_TCP_TIME_WAIT] / (double)lifetime;
	pr->churn_sustainable = (double)pr->size / (double)lifetime;
}

void evaluate_forecast_key(const struct eph_config *cfg, struct forecast_key *k)
{
	memset(k, 0, sizeof(*k));
	for (int p = 0; p < EPH_NPROTO; p++) {
		k->proto[p] = cfg->proto[p];
	}
	k->families = cfg->families;
	k->range_lo = cfg->range_lo;
	k->range_hi = cfg->range_hi;
}

void evaluate_forecast(const struct eph_config *cfg, const struct forecast_store *fs,
		       int64_t now, struct proto_result *pr)
{
	pr->fc_set = fs->on;
	if (fs->on) {
		forecast_estimate(&fs->st, "", pr->proto, now, pr->size, &pr->fc);
	}
	if (cfg->metric != EPH_METRIC_ETA) {
		return;
	}
	/* Whole seconds, as shown: the state never disagrees with the number next to it. */
	pr->value = pr->fc_set && pr->fc.eta_set ? floor(pr->fc.eta) : 0;
	pr->state = pr->fc_set && pr->fc.eta_set ? judge(cfg, pr->value) : EPH_OK;
}

void evaluate_merge(struct result *r)
{
	r->state = EPH_OK;
	for (int i = 0; i < EPH_NPROTO; i++) {
		if (r->p[i].checked) {
			r->state = eph_status_worse(r->state, r->p[i].state);
		}
	}
}
