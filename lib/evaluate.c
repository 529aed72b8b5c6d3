#include "evaluate.h"

#include <math.h>
#include <string.h>

#include "metric.h"

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

/* The metric's value of pr and the state the thresholds give it; a protocol without a value (no
 * ETA) is OK. */
static void judge(const struct eph_config *cfg, const struct metric *m, struct proto_result *pr)
{
	/* A TCP-only metric (dest: connect() toward one peer) leaves the other protocols to the
	 * metric its row names (pct: a UDP port is taken for every destination), with the same
	 * thresholds; used and free get their defaults from this protocol's pool. */
	m = metric_judging(m->id, pr->proto);
	pr->judged = m->id;
	metric_thresholds_for(m, pr->size, &cfg->warn, &cfg->crit, &pr->warn, &pr->crit);
	pr->value = m->value(pr);
	pr->state = EPH_OK;
	if (m->has_value && !m->has_value(pr)) {
		return;
	}
	if (threshold_alerts(&pr->crit, pr->value)) {
		pr->state = EPH_CRITICAL;
	} else if (threshold_alerts(&pr->warn, pr->value)) {
		pr->state = EPH_WARNING;
	}
}

int evaluate_proto(const struct eph_config *cfg, const struct portpool *pool,
		   const struct tally *t, const struct sys_pool_info *pinfo,
		   const struct sys_sock_info *sinfo, struct proto_result *pr, struct eph_err *err)
{
	const struct metric *m = metric_judging(cfg->metric, t->proto);

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
	pr->pct = num_round1(100.0 * (double)pr->used / (double)pr->size);
	if (t->proto == EPH_TCP) {
		pr->dest_max = tally_dest_max(t, &pr->dest_key, &pr->dest_exact);
		pr->dest_pct = num_round1(100.0 * (double)pr->dest_max / (double)pr->size);
	}

	judge(cfg, m, pr);
	return 0;
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
	k->netns = cfg->netns;
}

void evaluate_forecast(const struct eph_config *cfg, const struct forecast_est *est,
		       struct proto_result *pr)
{
	pr->fc_set = est != NULL;
	if (est) {
		pr->fc = *est;
	}
	judge(cfg, metric_get(cfg->metric), pr);
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
	pr->churn_dest_tw = 0;
	if (pr->dest_max) {
		const struct dest_entry *e = tally_dest_find(pr->tally, &pr->dest_key);

		pr->churn_dest_tw = e ? e->time_wait : 0;
	}
	pr->churn_dest = (double)pr->churn_dest_tw / (double)lifetime;
	pr->churn_reuse = evaluate_tw_reuse(&pr->tw_info, pr->dest_max ? &pr->dest_key : NULL);
	pr->churn_window = pr->churn_reuse ? pr->tw_info.reuse_delay_ms / 1000.0 : (double)lifetime;
	pr->churn_sustainable = (double)pr->size / pr->churn_window;
}

bool evaluate_tw_reuse(const struct sys_tw_info *info, const struct dest_key *k)
{
	/* net/ipv4/tcp_ipv4.c, tcp_twsk_unique(): a TIME_WAIT socket is taken over only when it
	 * saw a timestamp; with tcp_tw_reuse 2 only when its remote or local address is a
	 * loopback one. No destination known: only 1 applies to every destination. */
	if (!info->reuse_model || info->timestamps <= 0 || info->reuse_delay_ms == 0) {
		return false;
	}
	if (info->reuse == SYS_TW_REUSE_ALL) {
		return true;
	}
	return info->reuse == SYS_TW_REUSE_LOOPBACK && k &&
	       (sock_addr_loopback(k->family, k->raddr) || sock_addr_loopback(k->family, k->laddr));
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

void evaluate_ns_fill(struct ns_result *nr, const struct result *r)
{
	nr->state = r->state;
	for (int i = 0; i < EPH_NPROTO; i++) {
		const struct proto_result *p = &r->p[i];
		struct ns_proto *q = &nr->p[i];

		memset(q, 0, sizeof(*q));
		if (!p->checked) {
			continue;
		}
		q->checked = true;
		q->state = p->state;
		q->range_size = p->range_size;
		q->reserved = p->reserved;
		q->size = p->size;
		q->used = p->used;
		q->free = p->free;
		q->pct = p->pct;
		q->dest_max = p->dest_max;
		q->dest_pct = p->dest_pct;
		q->value = p->value;
		q->sockets = p->tally->sockets;
		memcpy(q->states, p->tally->states, sizeof(q->states));
		q->churn_set = p->churn_set;
		q->churn = p->churn;
		q->churn_sustainable = p->churn_sustainable;
		q->fc_set = p->fc_set;
		q->fc = p->fc;
		q->eta_set = p->fc_set && p->fc.eta_set;
		q->eta = q->eta_set ? (long long)floor(p->fc.eta) : 0;
	}
}

/* How near the limit a namespace is, larger is worse: its protocols' worst metric value. */
static double badness(const struct eph_config *cfg, const struct ns_result *nr)
{
	double worst = -1e300;

	for (int i = 0; i < EPH_NPROTO; i++) {
		const struct ns_proto *q = &nr->p[i];
		double v;

		if (!q->checked || (cfg->metric == EPH_METRIC_DEST && i != EPH_TCP)) {
			continue;
		}
		if (cfg->metric == EPH_METRIC_ETA) {
			/* Sooner is worse; no ETA (not growing) is below every ETA. */
			v = q->eta_set ? -(double)q->eta : -1e299;
		} else {
			v = cfg->metric == EPH_METRIC_FREE ? -q->value : q->value;
		}
		if (v > worst) {
			worst = v;
		}
	}
	return worst;
}

/* The state order of eph_status_worse as a rank: OK 0, UNKNOWN 1, WARNING 2, CRITICAL 3. */
static int rank(enum eph_status s)
{
	return s == EPH_OK ? 0 : s == EPH_UNKNOWN ? 1 : s == EPH_WARNING ? 2 : 3;
}

bool evaluate_ns_worse(const struct eph_config *cfg, const struct ns_result *a,
		       const struct ns_result *b)
{
	if (a->skipped || b->skipped) {
		return !a->skipped && b->skipped;
	}
	if (rank(a->state) != rank(b->state)) {
		return rank(a->state) > rank(b->state);
	}
	return badness(cfg, a) > badness(cfg, b);
}

enum eph_status evaluate_ns_merge(const struct eph_config *cfg, struct ns_results *all)
{
	enum eph_status state = EPH_OK;

	all->checked = all->warning = all->critical = all->unknown = all->skipped = 0;
	/* Insertion sort: stable, and the list is at most NETNS_MAX long; runs once. */
	for (size_t i = 0; i < all->n; i++) {
		size_t j = i;

		all->order[i] = i;
		while (j > 0 && evaluate_ns_worse(cfg, &all->v[all->order[j]],
						  &all->v[all->order[j - 1]])) {
			size_t t = all->order[j];

			all->order[j] = all->order[j - 1];
			all->order[j - 1] = t;
			j--;
		}
	}
	for (size_t i = 0; i < all->n; i++) {
		const struct ns_result *nr = &all->v[i];

		if (nr->skipped) {
			all->skipped++;
			continue;
		}
		all->checked++;
		all->warning += nr->state == EPH_WARNING;
		all->critical += nr->state == EPH_CRITICAL;
		all->unknown += nr->state == EPH_UNKNOWN;
		state = eph_status_worse(state, nr->state);
	}
	if (all->untimed || all->checked == 0) {
		state = eph_status_worse(state, EPH_UNKNOWN);
	}
	return state;
}
