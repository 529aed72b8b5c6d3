/* One JSON object per run, for scripts and dashboards: everything the plugin measured, with
 * stable keys whatever the state. Numbers are plain decimals (no exponent); strings go
 * through json_str, so any host name, path or message keeps the text valid JSON.
 *
 * {"plugin": "check_ephemeral", "version": "0.1.0", "state": "OK", "metric": "pct",
 *  "thresholds": {"warning": "80", "critical": "90"},
 *  "protocols": {"tcp": {"range": {...}, "reserved": {...}, "pool_size": N, "used": N,
 *   "free": N, "pct": N, "sockets": N, "states": {...}, "families": {...}, "dest": {...},
 *   "value": N, "state": "OK", "source": {...}}},
 *  "attribution": {"tcp": {...}}}        (only with the --top tables, see attrib_json) */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "metric.h"

static void num(struct strbuf *sb, double v, int decimals)
{
	char buf[48];

	sb_puts(sb, num_format(v, decimals, buf, sizeof(buf)));
}

static void threshold_json(struct strbuf *sb, const struct threshold *t)
{
	char buf[100];

	if (!t->set) {
		sb_puts(sb, "null");
		return;
	}
	json_str(sb, threshold_format(t, buf, sizeof(buf)));
}

/* The reserved (Linux) or excluded (Windows) ports inside the range, as [lo, hi] pairs. */
static void reserved_ranges(struct strbuf *sb, const struct portpool *pool)
{
	uint32_t from = 0;
	uint16_t lo, hi;
	bool any = false;

	sb_puts(sb, "[");
	while (pool_next_reserved(pool, &from, &lo, &hi)) {
		sb_printf(sb, "%s[%u, %u]", any ? ", " : "", lo, hi);
		any = true;
	}
	sb_puts(sb, "]");
}

/* Every state a socket of this protocol can be in (sock_state_of), zeros included. */
static void states(struct strbuf *sb, const struct proto_result *p)
{
	bool first = true;

	sb_puts(sb, "{");
	for (int s = 0; s < EPH_NSTATES; s++) {
		if (!sock_state_of(p->proto, (enum eph_state)s)) {
			continue;
		}
		sb_printf(sb, "%s\"%s\": %zu", first ? "" : ", ", eph_state_name((enum eph_state)s),
			  p->tally->states[s]);
		first = false;
	}
	sb_puts(sb, "}");
}

static void dest(struct strbuf *sb, const struct proto_result *p)
{
	char a[64];

	sb_printf(sb, "{\"max\": %zu, \"pct\": ", p->dest_max);
	num(sb, p->dest_pct, 1);
	sb_printf(sb, ", \"exact\": %s", p->dest_exact ? "true" : "false");
	if (p->dest_max) {
		sb_puts(sb, ", \"local\": ");
		json_str(sb, sock_addr_str(p->dest_key.family, p->dest_key.laddr, a, sizeof(a)));
		sb_puts(sb, ", \"remote\": ");
		json_str(sb, sock_addr_str(p->dest_key.family, p->dest_key.raddr, a, sizeof(a)));
		sb_printf(sb, ", \"remote_port\": %u}", p->dest_key.rport);
	} else {
		sb_puts(sb, ", \"local\": null, \"remote\": null, \"remote_port\": null}");
	}
}

static void proto_json(struct strbuf *sb, const struct proto_result *p)
{
	const struct tally *t = p->tally;

	sb_printf(sb, "{\"range\": {\"lo\": %u, \"hi\": %u, \"size\": %zu, \"source\": ",
		  p->pool->lo, p->pool->hi, p->range_size);
	json_str(sb, p->pool_info.range_source);
	sb_printf(sb, "}, \"reserved\": {\"count\": %zu, \"ranges\": ", p->reserved);
	reserved_ranges(sb, p->pool);
	sb_puts(sb, ", \"source\": ");
	json_str(sb, p->pool_info.reserved_source);
	sb_printf(sb, "}, \"pool_size\": %zu, \"used\": %zu, \"free\": %zu, \"pct\": ", p->size,
		  p->used, p->free);
	num(sb, p->pct, 1);
	sb_printf(sb, ", \"sockets\": %zu, \"states\": ", t->sockets);
	states(sb, p);
	sb_printf(sb, ", \"families\": {\"ipv4\": %zu, \"ipv6\": %zu}", t->family[0], t->family[1]);
	if (p->proto == EPH_TCP) {
		sb_puts(sb, ", \"dest\": ");
		dest(sb, p);
	}
	if (p->churn_set) {
		/* Connections closed per second (TIME_WAIT / lifetime) and what the pool carries. */
		sb_puts(sb, ", \"churn\": {\"per_second\": ");
		num(sb, p->churn, 2);
		sb_puts(sb, ", \"sustainable_per_second\": ");
		num(sb, p->churn_sustainable, 2);
		sb_printf(sb, ", \"time_wait_lifetime\": %u, \"lifetime\": ", p->tw_lifetime);
		json_str(sb, p->tw_estimate ? "estimate" : p->tw_configured ? "configured" : "fixed");
		sb_puts(sb, "}");
	}
	/* The forecast: null when off; slope and ETA null when there is no rate or no growth. */
	sb_puts(sb, ", \"forecast\": ");
	if (!p->fc_set) {
		sb_puts(sb, "null");
	} else {
		sb_printf(sb, "{\"samples\": %zu, \"span_seconds\": %lld, \"slope_per_second\": ",
			  p->fc.samples, (long long)p->fc.span);
		if (p->fc.rate_set) {
			num(sb, p->fc.slope, 6);
		} else {
			sb_puts(sb, "null");
		}
		sb_puts(sb, ", \"eta_seconds\": ");
		if (report_eta(p)) {
			sb_printf(sb, "%lld", report_eta_seconds(p));
		} else {
			sb_puts(sb, "null");
		}
		sb_puts(sb, "}");
	}
	sb_puts(sb, ", \"value\": ");
	num(sb, p->value, 1);
	sb_puts(sb, ", \"state\": ");
	json_str(sb, eph_status_name(p->state));
	sb_puts(sb, ", \"source\": {\"sockets\": ");
	json_str(sb, p->sock_info.source);
	sb_printf(sb, ", \"bound_visible\": %s, \"restarts\": %u, \"notes\": [",
		  p->sock_info.bound_visible ? "true" : "false", p->sock_info.restarts);
	if (p->sock_info.note[0]) {
		json_str(sb, p->sock_info.note);
	}
	if (p->pool_info.note[0]) {
		sb_puts(sb, p->sock_info.note[0] ? ", " : "");
		json_str(sb, p->pool_info.note);
	}
	sb_puts(sb, "]}}");
}

/* One protocol's --top tables, the same rows as the Nagios long output. Every key is always
 * there (empty lists, zeros, null for what is unknown), so scripts need no special cases. */
static void attrib_json(struct strbuf *sb, const struct proto_result *p)
{
	const struct attrib_tables *t = p->attrib;
	const struct sys_owner_scan *s = &t->scan;
	size_t tw = t->ownerless[EPH_TCP_TIME_WAIT];
	char a[64];

	sb_printf(sb, "{\"top\": %zu, \"pool_size\": %zu, \"view\": ", t->top, t->pool_size);
	json_str(sb, t->per_user ? "user" : "process");
	sb_printf(sb, ", \"partial\": %s, \"note\": ", t->partial ? "true" : "false");
	json_str(sb, t->note[0] ? t->note : NULL);
	sb_printf(sb,
		  ", \"search\": {\"needed\": %s, \"processes\": %zu, \"denied\": %zu, "
		  "\"descriptors\": %zu, \"found\": %zu, \"stopped\": %s, \"ms\": %llu}",
		  s->needed ? "true" : "false", s->procs, s->denied, s->links, s->found,
		  s->gave_up ? "true" : "false", (unsigned long long)s->elapsed_ms);
	sb_printf(sb, ", \"owners_total\": %zu, \"owners\": [", t->owners_total);
	for (size_t i = 0; i < t->n_owners; i++) {
		const struct attrib_owner_row *r = &t->owners[i];

		sb_printf(sb, "%s{\"%s\": %u, \"name\": ", i ? ", " : "",
			  t->per_user ? "uid" : "pid", r->id);
		json_str(sb, r->name[0] ? r->name : NULL);
		sb_printf(sb, ", \"ports\": %zu, \"pct\": ", r->ports);
		num(sb, t->pool_size ? num_round1(100.0 * (double)r->ports / (double)t->pool_size) : 0,
		    1);
		sb_printf(sb, ", \"sockets\": %zu}", r->sockets);
	}
	sb_printf(sb,
		  "], \"unresolved\": %zu, \"no_owner\": {\"total\": %zu, \"time_wait\": %zu, "
		  "\"other\": %zu}",
		  t->unresolved, t->ownerless_total, tw, t->ownerless_total - tw);
	sb_printf(sb, ", \"destinations_total\": %zu, \"destinations_exact\": %s, "
		      "\"destinations\": [",
		  t->dests_total, t->dests_exact ? "true" : "false");
	for (size_t i = 0; i < t->n_dests; i++) {
		const struct dest_entry *d = &t->dests[i];

		sb_puts(sb, i ? ", {\"local\": " : "{\"local\": ");
		json_str(sb, sock_addr_str(d->key.family, d->key.laddr, a, sizeof(a)));
		sb_puts(sb, ", \"remote\": ");
		json_str(sb, sock_addr_str(d->key.family, d->key.raddr, a, sizeof(a)));
		sb_printf(sb, ", \"remote_port\": %u, \"ports\": %u, \"pct\": ", d->key.rport,
			  (unsigned)d->count);
		num(sb, t->pool_size ? num_round1(100.0 * d->count / (double)t->pool_size) : 0, 1);
		sb_puts(sb, "}");
	}
	sb_printf(sb, "], \"local_addresses_total\": %zu, \"local_addresses\": [",
		  t->laddrs_total);
	for (size_t i = 0; i < t->n_laddrs; i++) {
		const struct attrib_laddr_row *r = &t->laddrs[i];

		sb_puts(sb, i ? ", {\"address\": " : "{\"address\": ");
		/* null: the addresses beyond the ones told apart, summed. */
		json_str(sb, r->other ? NULL : sock_addr_str(r->family, r->addr, a, sizeof(a)));
		sb_printf(sb, ", \"in_use\": %zu, \"max\": %zu, \"pct\": ", r->used, t->pool_size);
		num(sb, r->pct, 1);
		sb_printf(sb,
			  ", \"listening\": %zu, \"sockets\": %zu, \"time_wait\": %zu, "
			  "\"owners\": %zu}",
			  r->listening, r->sockets, r->time_wait, r->owners);
	}
	sb_puts(sb, "]}");
}

/* The --top tables as one more top-level member, only when they were made (asked for, or the
 * state is not OK), so the object keeps its shape otherwise. */
static void attribution(struct strbuf *sb, const struct result *r)
{
	bool first = true;

	for (int i = 0; i < EPH_NPROTO; i++) {
		if (!r->p[i].checked || !r->p[i].attrib) {
			continue;
		}
		sb_printf(sb, "%s\"%s\": ", first ? ", \"attribution\": {" : ", ",
			  eph_proto_name(r->p[i].proto));
		attrib_json(sb, &r->p[i]);
		first = false;
	}
	if (!first) {
		sb_puts(sb, "}");
	}
}

static void render_json(const struct result *r, struct strbuf *sb)
{
	const struct eph_config *cfg = r->cfg;
	bool first = true;

	sb_puts(sb, "{\"plugin\": ");
	json_str(sb, EPH_NAME);
	sb_puts(sb, ", \"version\": ");
	json_str(sb, EPH_VERSION);
	sb_puts(sb, ", \"state\": ");
	json_str(sb, eph_status_name(r->state));
	sb_printf(sb, ", \"exit_code\": %d, \"metric\": ", (int)r->state);
	json_str(sb, metric_name(cfg->metric));
	sb_puts(sb, ", \"thresholds\": {\"warning\": ");
	threshold_json(sb, &cfg->warn);
	sb_puts(sb, ", \"critical\": ");
	threshold_json(sb, &cfg->crit);
	sb_puts(sb, "}, \"protocols\": {");
	for (int i = 0; i < EPH_NPROTO; i++) {
		if (!r->p[i].checked) {
			continue;
		}
		sb_printf(sb, "%s\"%s\": ", first ? "" : ", ", eph_proto_name(r->p[i].proto));
		proto_json(sb, &r->p[i]);
		first = false;
	}
	sb_puts(sb, "}");
	if (r->forecast) {
		const struct forecast_store *fs = r->forecast;

		sb_printf(sb, ", \"forecast\": {\"on\": %s, \"recorded\": %s, \"state_file\": ",
			  fs->on ? "true" : "false", fs->recorded ? "true" : "false");
		json_str(sb, fs->path);
		sb_puts(sb, ", \"note\": ");
		json_str(sb, fs->note);
		sb_puts(sb, "}");
	}
	attribution(sb, r);
	sb_puts(sb, "}\n");
}

static void render_json_error(const char *what, const char *msg, struct strbuf *sb)
{
	sb_puts(sb, "{\"plugin\": ");
	json_str(sb, EPH_NAME);
	sb_puts(sb, ", \"version\": ");
	json_str(sb, EPH_VERSION);
	sb_puts(sb, ", \"state\": \"UNKNOWN\", \"exit_code\": 3, \"error\": {\"stage\": ");
	json_str(sb, what && *what ? what : NULL);
	sb_puts(sb, ", \"message\": ");
	json_str(sb, msg);
	sb_puts(sb, "}}\n");
}

const struct renderer report_json = {
	.name = "json",
	.render = render_json,
	.render_error = render_json_error,
	.exit_code = report_exit_state,
	.error_exit_code = 3,
	.shows_tables = true,
	.stage_apart = true,
};
