/* SolarWinds SAM script monitors (Linux/Unix Script Monitor, Windows Script Monitor): up to ten
 * pairs "Statistic.NAME: <integer>" / "Message.NAME: <text>". SAM binds thresholds and history
 * to the names, so the set of names depends only on the protocols asked for (-p), never on the
 * state. SAM drops the messages when the script exits non-zero, so a measured result exits 0
 * and SAM's thresholds on the statistics decide; --sam-status maps the state to SAM's codes
 * instead (docs/platform-notes.md §6). A failed measurement always exits 4 (Unknown) with a
 * message. */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* SAM's exit codes: 0 Up, 1 Down, 2 Warning, 3 Critical, anything else Unknown. */
enum {
	SAM_UP = 0,
	SAM_WARNING = 2,
	SAM_CRITICAL = 3,
	SAM_UNKNOWN = 4,
};

/* Whole numbers only: percentages are rounded half up (40.5 -> 41). */
static long long sam_round(double v)
{
	return (long long)floor(v + 0.5);
}

/* A message is one line: any line break or control character would end or corrupt it. */
static void sam_text(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		sb_printf(sb, "%c", c < 0x20 || c == 0x7f ? ' ' : (char)c);
	}
}

static void pair(struct strbuf *sb, const char *proto, const char *name, long long v,
		 const char *msg)
{
	sb_printf(sb, "Statistic.%s%s%s: %lld\n", proto ? proto : "", proto ? "_" : "", name, v);
	sb_printf(sb, "Message.%s%s%s: ", proto ? proto : "", proto ? "_" : "", name);
	sam_text(sb, msg);
	sb_puts(sb, "\n");
}

static void proto_pairs(const struct proto_result *p, struct strbuf *sb)
{
	const char *n = sock_proto_name(p->proto);
	char msg[256], pct[32];

	snprintf(msg, sizeof(msg), "%s ports in use: %zu of %zu in %u-%u (%zu reserved)", n,
		 p->used, p->size, p->pool->lo, p->pool->hi, p->reserved);
	pair(sb, n, "used", (long long)p->used, msg);
	snprintf(msg, sizeof(msg), "%s ports free: %zu of %zu", n, p->free, p->size);
	pair(sb, n, "free", (long long)p->free, msg);
	snprintf(msg, sizeof(msg), "%s percent of the pool in use: %s%%", n,
		 num_format_pct(p->pct, pct, sizeof(pct)));
	pair(sb, n, "pct", sam_round(p->pct), msg);
	if (p->proto != EPH_TCP) {
		return;
	}
	if (p->dest_max) {
		struct strbuf d = { 0 };

		report_dest_str(&p->dest_key, &d);
		snprintf(msg, sizeof(msg), "tcp ports toward the busiest destination %s: %s%zu (%s%%)",
			 sb_str(&d), p->dest_exact ? "" : "at least ", p->dest_max,
			 num_format_pct(p->dest_pct, pct, sizeof(pct)));
		sb_free(&d);
	} else {
		snprintf(msg, sizeof(msg), "tcp ports toward the busiest destination: none");
	}
	pair(sb, n, "dest", (long long)p->dest_max, msg);
	snprintf(msg, sizeof(msg), "tcp sockets in TIME_WAIT: %zu",
		 p->tally->states[EPH_TCP_TIME_WAIT]);
	pair(sb, n, "time_wait", (long long)p->tally->states[EPH_TCP_TIME_WAIT], msg);
}

static void render_sam(const struct result *r, struct strbuf *sb)
{
	struct strbuf msg = { 0 };

	/* The state first: its message is the summary a SAM user sees at a glance. Its value
	 * is the plugin state (0 OK, 1 WARNING, 2 CRITICAL), for a threshold "state >= 1". */
	sb_printf(&msg, "%s - ", evaluate_status_name(r->state));
	report_summary(r, &msg);
	/* SAM shows no long output: the reason goes into the message. */
	if (r->log_note) {
		sb_printf(&msg, ", %s", r->log_note);
	}
	pair(sb, NULL, "state", (long long)r->state, sb_str(&msg));
	sb_free(&msg);
	for (int i = 0; i < EPH_NPROTO; i++) {
		if (r->p[i].checked) {
			proto_pairs(&r->p[i], sb);
		}
	}
}

static void render_sam_error(const char *what, const char *msg, struct strbuf *sb)
{
	struct strbuf m = { 0 };

	if (what && *what) {
		sb_printf(&m, "UNKNOWN - %s: %s", what, msg);
	} else {
		sb_printf(&m, "UNKNOWN - %s", msg);
	}
	pair(sb, NULL, "state", EPH_UNKNOWN, sb_str(&m));
	sb_free(&m);
}

static int sam_exit(const struct result *r)
{
	if (!r->cfg->sam_status) {
		return SAM_UP;
	}
	switch (r->state) {
	case EPH_OK:
		return SAM_UP;
	case EPH_WARNING:
		return SAM_WARNING;
	case EPH_CRITICAL:
		return SAM_CRITICAL;
	case EPH_UNKNOWN:
	default:
		return SAM_UNKNOWN;
	}
}

const struct renderer report_solarwinds = {
	.name = "solarwinds",
	.render = render_sam, .render_error = render_sam_error,
	.exit_code = sam_exit, .error_exit_code = SAM_UNKNOWN,
	.shows_tables = false,
};
