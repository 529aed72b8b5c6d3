/* One JSON object per run, for scripts and dashboards: everything the plugin measured, with
 * stable keys whatever the state. Numbers are plain decimals (no exponent); strings go
 * through json_str, so any host name, path or message keeps the text valid JSON.
 *
 * {"plugin": "check_ephemeral", "version": "0.1.0", "state": "OK", "exit_code": 0,
 *  "metric": "pct", "thresholds": {"warning": "80", "critical": "90"},
 *  "protocols": {"tcp": {"range": {...}, "reserved": {...}, "pool_size": N, "used": N,
 *   "free": N, "pct": N, "sockets": N, "states": {...}, "families": {...}, "dest": {...},
 *   "churn": {...}, "value": N, "state": "OK", "source": {...}}},
 *  "forecast": {...},                     (null when no forecast step ran)
 *  "attribution": {"tcp": {...}},        ({} without the --top tables, see attrib_json)
 *  "netns": {...},                        (null without --netns, see netns_json)
 *  "error": null}
 * The same top-level keys on every run, a failed one's too (null or empty where nothing was
 * measured); docs/check_ephemeral.schema.json describes every key. */
#include "report.h"

#include <math.h>
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

/* The members "warning" and "critical" of a pair of thresholds. */
static void warn_crit(struct strbuf *sb, const struct threshold *warn, const struct threshold *crit)
{
	sb_puts(sb, "\"warning\": ");
	threshold_json(sb, warn);
	sb_puts(sb, ", \"critical\": ");
	threshold_json(sb, crit);
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

/* ", \"forecast\": ..." of a protocol (of a namespace): null when the forecast is off (e NULL);
 * slope and ETA null when there is no rate or no growth. The ETA in whole seconds, rounded down,
 * as report_eta_seconds. */
static void forecast_json(struct strbuf *sb, const struct forecast_est *e)
{
	sb_puts(sb, ", \"forecast\": ");
	if (!e) {
		sb_puts(sb, "null");
		return;
	}
	sb_printf(sb, "{\"samples\": %zu, \"span_seconds\": %lld, \"slope_per_second\": ",
		  e->samples, (long long)e->span);
	if (e->rate_set) {
		num(sb, e->slope, 6);
	} else {
		sb_puts(sb, "null");
	}
	sb_puts(sb, ", \"eta_seconds\": ");
	if (e->eta_set) {
		sb_printf(sb, "%lld", (long long)floor(e->eta));
	} else {
		sb_puts(sb, "null");
	}
	sb_puts(sb, "}");
}

/* Starts the member key of an object: ", " before every member but the first. */
static void member(struct strbuf *sb, bool *first, const char *key)
{
	sb_printf(sb, "%s\"%s\": ", *first ? "" : ", ", key);
	*first = false;
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
		member(sb, &first, sock_state_name((enum eph_state)s));
		sb_printf(sb, "%zu", p->tally->states[s]);
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

/* r: the run, whose notes (owners not listed, log not written) are among each protocol's. */
static void proto_json(struct strbuf *sb, const struct result *r, const struct proto_result *p)
{
	const char *notes[] = { p->sock_info.note, p->pool_info.note, r->owners_note, r->log_note };
	bool first = true;
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
	/* null: not a figure of this protocol (dest for UDP) or not known (churn). */
	sb_puts(sb, ", \"dest\": ");
	if (p->proto == EPH_TCP) {
		dest(sb, p);
	} else {
		sb_puts(sb, "null");
	}
	sb_puts(sb, ", \"churn\": ");
	if (!p->churn_set) {
		sb_puts(sb, "null");
	} else {
		/* Connections closed per second (TIME_WAIT / lifetime) and what the pool carries. */
		sb_puts(sb, "{\"per_second\": ");
		num(sb, p->churn, 2);
		sb_puts(sb, ", \"sustainable_per_second\": ");
		num(sb, p->churn_sustainable, 2);
		sb_printf(sb, ", \"time_wait_lifetime\": %u, \"lifetime\": ", p->tw_lifetime);
		json_str(sb, p->tw_estimate ? "estimate" : p->tw_configured ? "configured" : "fixed");
		/* sustainable_per_second is the busiest destination's, reuse-aware: */
		sb_printf(sb, ", \"busiest_destination_per_second\": ");
		num(sb, p->churn_dest, 2);
		sb_printf(sb, ", \"reuse\": %s, \"window_seconds\": ", p->churn_reuse ? "true" : "false");
		num(sb, p->churn_window, 3);
		sb_puts(sb, "}");
	}
	forecast_json(sb, p->fc_set ? &p->fc : NULL);
	/* The metric and thresholds applied to this protocol: with --metric dest UDP is judged by
	 * pct, and used/free have their defaults in this pool's ports. */
	sb_puts(sb, ", \"judged\": {\"metric\": ");
	json_str(sb, metric_name(p->judged));
	sb_puts(sb, ", ");
	warn_crit(sb, &p->warn, &p->crit);
	sb_puts(sb, "}, \"value\": ");
	num(sb, p->value, 1);
	sb_puts(sb, ", \"state\": ");
	json_str(sb, evaluate_status_name(p->state));
	sb_puts(sb, ", \"source\": {\"sockets\": ");
	json_str(sb, p->sock_info.source);
	sb_printf(sb, ", \"bound_visible\": %s, \"restarts\": %u, \"notes\": [",
		  p->sock_info.bound_visible ? "true" : "false", p->sock_info.restarts);
	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
		if (notes[i] && notes[i][0]) {
			sb_puts(sb, first ? "" : ", ");
			json_str(sb, notes[i]);
			first = false;
		}
	}
	sb_puts(sb, "]}}");
}

/* The start of a destination row, row i of its list: {"local": .., "remote": .., "remote_port": N
 * (the object is left open). */
static void dest_head(struct strbuf *sb, size_t i, const struct dest_key *k)
{
	char a[64];

	sb_puts(sb, i ? ", {\"local\": " : "{\"local\": ");
	json_str(sb, sock_addr_str(k->family, k->laddr, a, sizeof(a)));
	sb_puts(sb, ", \"remote\": ");
	json_str(sb, sock_addr_str(k->family, k->raddr, a, sizeof(a)));
	sb_printf(sb, ", \"remote_port\": %u", k->rport);
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

		dest_head(sb, i, &d->key);
		sb_printf(sb, ", \"ports\": %u, \"pct\": ", (unsigned)d->count);
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
	/* TIME_WAIT per destination and the owner that talks to it now: inferred, TIME_WAIT has
	 * no owner. owner null: nobody talks to it now. */
	sb_printf(sb, "], \"time_wait_destinations_total\": %zu, \"time_wait_destinations\": [",
		  t->tw_total);
	for (size_t i = 0; i < t->n_tw; i++) {
		const struct attrib_tw_row *w = &t->tw[i];

		dest_head(sb, i, &w->key);
		sb_printf(sb, ", \"time_wait\": %zu, \"inferred_owner\": ", w->time_wait);
		if (w->id == EPH_OWNER_NONE) {
			sb_puts(sb, "null");
		} else {
			sb_printf(sb, "{\"%s\": %u, \"name\": ", t->per_user ? "uid" : "pid", w->id);
			json_str(sb, w->name[0] ? w->name : NULL);
			sb_printf(sb, ", \"ports\": %zu, \"other_owners\": %zu}", w->ports, w->others);
		}
		sb_puts(sb, "}");
	}
	sb_puts(sb, "]}");
}

/* The --top tables per protocol, when they were made (asked for, or the state is not OK);
 * an empty object otherwise. */
static void attribution(struct strbuf *sb, const struct result *r)
{
	bool first = true;

	sb_puts(sb, ", \"attribution\": {");
	for (int i = 0; i < EPH_NPROTO; i++) {
		if (!r->p[i].checked || !r->p[i].attrib) {
			continue;
		}
		member(sb, &first, sock_proto_name(r->p[i].proto));
		attrib_json(sb, &r->p[i]);
	}
	sb_puts(sb, "}");
}

static const char *const kind_names[] = { "host",     "named",    "container", "folder",
					  "hostname", "pid",      "path" };

/* One namespace of --netns: who it is, its state, and each protocol's figures. */
static void ns_json(struct strbuf *sb, const struct ns_result *nr)
{
	const struct netns_entry *e = nr->ns;
	bool first = true;

	sb_puts(sb, "{\"name\": ");
	json_str(sb, e->name);
	sb_puts(sb, ", \"kind\": ");
	json_str(sb, kind_names[e->kind]);
	sb_puts(sb, ", \"path\": ");
	json_str(sb, e->path);
	sb_printf(sb, ", \"inode\": %llu, \"pid\": ", (unsigned long long)e->ino);
	if (e->pid) {
		sb_printf(sb, "%u", (unsigned)e->pid);
	} else {
		sb_puts(sb, "null");
	}
	sb_printf(sb, ", \"processes\": %u, \"self\": %s, \"checked\": %s, \"state\": ",
		  (unsigned)e->procs, e->self ? "true" : "false", nr->skipped ? "false" : "true");
	json_str(sb, nr->skipped ? NULL : evaluate_status_name(nr->state));
	sb_puts(sb, ", \"reason\": ");
	json_str(sb, nr->why[0] ? nr->why : NULL);
	sb_puts(sb, ", \"protocols\": {");
	for (int i = 0; i < EPH_NPROTO; i++) {
		const struct ns_proto *q = &nr->p[i];

		if (!q->checked) {
			continue;
		}
		member(sb, &first, sock_proto_name((enum eph_proto)i));
		sb_printf(sb, "{\"range_size\": %zu, \"reserved\": %zu, \"pool_size\": %zu, "
			      "\"used\": %zu, \"free\": %zu, \"pct\": ",
			  q->range_size, q->reserved, q->size, q->used, q->free);
		num(sb, q->pct, 1);
		sb_printf(sb, ", \"sockets\": %zu", q->sockets);
		if (i == EPH_TCP) {
			sb_printf(sb, ", \"dest_max\": %zu, \"dest_pct\": ", q->dest_max);
			num(sb, q->dest_pct, 1);
		}
		forecast_json(sb, q->fc_set ? &q->fc : NULL);
		sb_puts(sb, ", \"value\": ");
		num(sb, q->value, 1);
		sb_puts(sb, ", \"state\": ");
		json_str(sb, evaluate_status_name(q->state));
		sb_puts(sb, "}");
	}
	sb_puts(sb, "}}");
}

/* --netns: the counts, the worst namespace (whose figures "protocols" holds) and every
 * namespace, worst first. */
static void netns_json(struct strbuf *sb, const struct ns_results *a)
{
	sb_printf(sb,
		  ", \"netns\": {\"checked\": %zu, \"warning\": %zu, \"critical\": %zu, "
		  "\"unknown\": %zu, \"skipped\": %zu, \"not_checked_in_time\": %zu, "
		  "\"unreadable_processes\": %zu, \"dropped\": %zu, \"worst\": ",
		  a->checked, a->warning, a->critical, a->unknown, a->skipped - a->untimed,
		  a->untimed, a->list ? a->list->hidden : 0, a->list ? a->list->dropped : 0);
	json_str(sb, a->v[a->worst].ns->name);
	sb_puts(sb, ", \"namespaces\": [");
	for (size_t k = 0; k < a->n; k++) {
		sb_puts(sb, k ? ", " : "");
		ns_json(sb, &a->v[a->order[k]]);
	}
	sb_puts(sb, "]}");
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
	json_str(sb, evaluate_status_name(r->state));
	sb_printf(sb, ", \"exit_code\": %d, \"metric\": ", (int)r->state);
	json_str(sb, metric_name(cfg->metric));
	sb_puts(sb, ", \"thresholds\": {");
	warn_crit(sb, &cfg->warn, &cfg->crit);
	sb_puts(sb, "}, \"protocols\": {");
	for (int i = 0; i < EPH_NPROTO; i++) {
		if (!r->p[i].checked) {
			continue;
		}
		member(sb, &first, sock_proto_name(r->p[i].proto));
		proto_json(sb, r, &r->p[i]);
	}
	sb_puts(sb, "}");
	/* The forecast's state file; null when no forecast step ran. */
	if (!r->forecast) {
		sb_puts(sb, ", \"forecast\": null");
	} else {
		const struct forecast_store *fs = r->forecast;

		sb_printf(sb, ", \"forecast\": {\"on\": %s, \"recorded\": %s, \"state_file\": ",
			  fs->on ? "true" : "false", fs->recorded ? "true" : "false");
		json_str(sb, fs->path);
		sb_puts(sb, ", \"note\": ");
		json_str(sb, fs->note);
		sb_puts(sb, "}");
	}
	attribution(sb, r);
	if (r->ns) {
		netns_json(sb, r->ns);
	} else {
		sb_puts(sb, ", \"netns\": null");
	}
	sb_puts(sb, ", \"error\": null}\n");
}

static void render_json_error(const char *what, const char *msg, struct strbuf *sb)
{
	sb_puts(sb, "{\"plugin\": ");
	json_str(sb, EPH_NAME);
	sb_puts(sb, ", \"version\": ");
	json_str(sb, EPH_VERSION);
	sb_puts(sb, ", \"state\": \"UNKNOWN\", \"exit_code\": 3, \"metric\": null, \"thresholds\": null, "
		    "\"protocols\": {}, \"forecast\": null, \"attribution\": {}, \"netns\": null, "
		    "\"error\": {\"stage\": ");
	json_str(sb, what && *what ? what : NULL);
	sb_puts(sb, ", \"message\": ");
	json_str(sb, msg);
	sb_puts(sb, "}}\n");
}

const struct renderer report_json = {
	.name = "json",
	.render = render_json, .render_error = render_json_error,
	.exit_code = report_exit_state, .error_exit_code = 3,
	.shows_tables = true, .stage_apart = true,
};
