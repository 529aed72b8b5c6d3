/* One JSON object per run, for scripts and dashboards: everything the plugin measured, with
 * stable keys whatever the state. Numbers are plain decimals (no exponent); strings go
 * through json_str, so any host name, path or message keeps the text valid JSON.
 *
 * {"plugin": "check_ephemeral", "version": "0.1.0", "state": "OK", "metric": "pct",
 *  "thresholds": {"warning": "80", "critical": "90"},
 *  "protocols": {"tcp": {"range": {...}, "reserved": {...}, "pool_size": N, "used": N,
 *   "free": N, "pct": N, "sockets": N, "states": {...}, "families": {...}, "dest": {...},
 *   "value": N, "state": "OK", "source": {...}}},
 *  "attribution": ...}                     (only with the attribution tables, see below) */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "json.h"

static void num(struct strbuf *sb, double v, int decimals)
{
	char buf[48];

	sb_puts(sb, eph_fmt_num(v, decimals, buf, sizeof(buf)));
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
	bool any = false;

	sb_puts(sb, "[");
	for (uint32_t port = pool->lo; port <= pool->hi; port++) {
		uint32_t end = port;

		if (pool_contains(pool, (uint16_t)port)) {
			continue;
		}
		while (end < pool->hi && !pool_contains(pool, (uint16_t)(end + 1))) {
			end++;
		}
		sb_printf(sb, "%s[%u, %u]", any ? ", " : "", port, end);
		any = true;
		port = end;
	}
	sb_puts(sb, "]");
}

/* Every state a socket of this protocol can be in, zeros included, so that keys never come
 * and go between runs. */
static void states(struct strbuf *sb, const struct proto_result *p)
{
	bool first = true;

	sb_puts(sb, "{");
	for (int s = 0; s < EPH_NSTATES; s++) {
		bool tcp_state = s != EPH_UDP_SOCK && s != EPH_STATE_UNKNOWN;

		if (p->proto == EPH_TCP ? !tcp_state : s != EPH_UDP_SOCK) {
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

/* The attribution tables (issue 5: ports per local address, per process or user) go here, as
 * one more top-level member "attribution" written by a function of that module; it is only
 * written when they were asked for, so the object keeps its shape otherwise. */
static void attribution(struct strbuf *sb, const struct result *r)
{
	(void)sb;
	(void)r;
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
	json_str(sb, eph_metric_name(cfg->metric));
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

static int json_exit(const struct result *r)
{
	return (int)r->state;
}

const struct renderer report_json = {
	.name = "json",
	.render = render_json,
	.render_error = render_json_error,
	.exit_code = json_exit,
	.error_exit_code = 3,
};
