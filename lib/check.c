#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "histlog.h"

/* One line per concern of sys.h (and netns.h, forecast_store.h). */
const struct check_os check_sys_os = {
	.read_range = sys_read_range, .read_reserved = sys_read_reserved,
	.read_sockets = sys_read_sockets,
	.time_wait_lifetime = sys_time_wait_lifetime, .time_wait_fixed = sys_time_wait_fixed,
	.owners = &attrib_sys_hooks,
	.clock_ms = sys_clock_ms, .time_now = sys_time_now,
	.host_name = sys_host_name, .local_time_iso8601 = sys_local_time_iso8601,
	.append_file = sys_append_file,
	.netns_privileged = netns_privileged, .netns_list = netns_list, .netns_run = netns_run,
	.forecast_read = forecast_store_read, .forecast_record = forecast_store_record,
};

static const char *const stage_names[CHECK_NSTAGES] = {
	"starting",
	"listing the network namespaces",
	"reading the port range",
	"reading the socket table",
	"reading the TIME_WAIT lifetime",
	"updating the forecast's state file",
	"finding the processes that hold ports",
	"building the output",
	"writing the log",
	"writing the output",
};

const char *check_stage_name(enum check_stage s)
{
	return (unsigned)s < CHECK_NSTAGES ? stage_names[s] : stage_names[CHECK_START];
}

void check_stop_message(enum sys_stop why, const char *doing, const char *check, unsigned seconds,
			char *msg, size_t size)
{
	switch (why) {
	case SYS_STOP_TIMEOUT:
		snprintf(msg, size, "timed out after %u s while %s (raise -t%s%s)", seconds, doing,
			 check ? " or check " : "", check ? check : "");
		break;
	case SYS_STOP_TERM:
		/* Nagios and NRPE send SIGTERM when their own timeout expires. */
		snprintf(msg, size,
			 "terminated by SIGTERM while %s (if the monitoring system sent it at its own "
			 "timeout, keep -t %u below that)",
			 doing, seconds);
		break;
	default:
		snprintf(msg, size, "terminated by %s while %s",
			 why == SYS_STOP_INT ? "SIGINT" : "SIGHUP", doing);
		break;
	}
}

void check_enter(struct check *c, enum check_stage s)
{
	c->stage_now = s;
	if (c->stage) {
		*c->stage = (sig_atomic_t)s;
	}
}

/* Ends the run with a failure of the stage it is in, or with none when the message says it all
 * (a run's own verdicts, not an OS step). */
int check_fail(struct check *c)
{
	c->failed = c->stage_now == CHECK_START ? "" : check_stage_name(c->stage_now);
	return -1;
}

int check_fail_plain(struct check *c)
{
	c->failed = "";
	return -1;
}

void check_init(struct check *c, const struct eph_config *cfg, const struct renderer *rd,
		const struct check_os *os, uint64_t start_ms)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->rd = rd;
	c->os = os;
	c->start_ms = start_ms;
	c->failed = "";
	c->res.cfg = cfg;
	c->w = &c->work[0];
}

/* The owner tables (--top) of a run whose merged state is `state`: rows for the output, and, when
 * the output has none, rows for the history log, which has its rows per local address on every run
 * (--top 0 turns them off there too). The one place that decides. */
struct owner_plan {
	size_t show; /* rows per table in the output; 0: no tables there */
	size_t log;  /* rows made after the output, for the log only; 0: none */
};

static struct owner_plan owner_plan(const struct eph_config *cfg, const struct renderer *rd,
				    enum eph_status state)
{
	struct owner_plan p = { 0, 0 };

	/* Asked for, or by default whenever the state is not OK; SAM and Prometheus have no place
	 * for them. */
	if (rd->shows_tables) {
		p.show = cfg->top >= 0 ? (size_t)cfg->top : state != EPH_OK ? ATTRIB_TOP_DEFAULT : 0;
	}
	if (p.show == 0 && cfg->log_file && cfg->top != 0) {
		p.log = ATTRIB_TOP_MAX;
	}
	return p;
}

static bool owners_needed(struct owner_plan p)
{
	return p.show > 0 || p.log > 0;
}

/* When the owner part must end: before -t does, with time left to write: -t minus a quarter of
 * it (at least 300 ms), counted from the start. */
static uint64_t owners_end(const struct check *c)
{
	uint64_t limit = (uint64_t)c->cfg->timeout * 1000u, margin = limit / 4;

	if (margin < 300) {
		margin = 300;
	}
	return c->start_ms + (limit > margin ? limit - margin : 0);
}

/* When the owner search must end: owners_end, and never more than ATTRIB_SCAN_MAX_MS from now. */
static uint64_t owner_deadline(const struct check *c)
{
	uint64_t deadline = owners_end(c), now = c->os->clock_ms();

	if (deadline > now + ATTRIB_SCAN_MAX_MS) {
		deadline = now + ATTRIB_SCAN_MAX_MS;
	}
	if (deadline <= now) {
		deadline = now + 1; /* no time left: the search gives up at once, and says so */
	}
	return deadline;
}

/* Makes the --top tables of every protocol checked, rows each, from the owner data of c->w, and
 * hangs them on the result. */
static void owner_tables(struct check *c, size_t rows)
{
	uint64_t deadline = owner_deadline(c);
	struct check_work *w = c->w;

	check_enter(c, CHECK_OWNERS);
	for (int p = 0; p < EPH_NPROTO; p++) {
		if (c->res.p[p].checked) {
			attrib_report(&w->attribs[p], &w->tallies[p], rows, c->os->owners, deadline,
				      &w->tables[p]);
			c->res.p[p].attrib = &w->tables[p];
		}
	}
}

/* The pool of protocol p: --range when given (the OS's range is then not read: its errors ask
 * for --range), else the OS's; the OS's reserved/excluded ports either way. */
static int read_pool(const struct check *c, enum eph_proto p, struct portpool *pool,
		     struct sys_pool_info *info, struct eph_err *err)
{
	uint16_t lo = c->cfg->range_lo, hi = c->cfg->range_hi;

	memset(info, 0, sizeof(*info));
	if (lo) {
		snprintf(info->range_source, sizeof(info->range_source), "--range");
	} else if (c->os->read_range(p, &lo, &hi, info, err) < 0) {
		return -1;
	}
	pool_set_range(pool, lo, hi);
	return c->os->read_reserved(p, pool, info, err);
}

/* Pool, sockets and evaluation of one protocol. Owner data takes a record per socket: it is
 * gathered in the same read when the tables are sure to be needed (owners_now); when they depend on
 * the state, a second read gathers it only if the state is not OK, so that the common OK run stays
 * small. */
static int measure_proto(struct check *c, struct check_work *w, enum eph_proto p, bool owners_now,
			 struct eph_err *err)
{
	const struct eph_config *cfg = c->cfg;
	struct sys_pool_info pinfo;
	struct sys_sock_info sinfo;
	struct sys_query *q = &w->queries[p];

	check_enter(c, CHECK_RANGE);
	if (read_pool(c, p, &w->pools[p], &pinfo, err) < 0) {
		return check_fail(c);
	}
	check_enter(c, CHECK_SOCKETS);
	tally_init(&w->tallies[p], p, &w->pools[p]);
	attrib_init(&w->attribs[p], p, &w->pools[p]);
	q->proto = p;
	q->families = cfg->families;
	q->lo = w->pools[p].lo;
	q->hi = w->pools[p].hi;
	if (measure_sockets_attrib(c->os->read_sockets, q, &w->tallies[p],
				   owners_now ? &w->attribs[p] : NULL, &sinfo, err) < 0) {
		return check_fail(c);
	}
	if (evaluate_proto(cfg, &w->pools[p], &w->tallies[p], &pinfo, &sinfo, &w->res.p[p], err) <
	    0) {
		return check_fail_plain(c);
	}
	if (p == EPH_TCP) {
		unsigned lifetime = 0;
		bool configured = false;
		struct sys_tw_info tw;

		check_enter(c, CHECK_TIME_WAIT);
		if (c->os->time_wait_lifetime(&lifetime, &configured, &tw, err) < 0) {
			return check_fail(c);
		}
		evaluate_churn(&w->res.p[p], lifetime, configured,
			       !configured && !c->os->time_wait_fixed(), &tw);
	}
	return 0;
}

/* Releases what a read into w allocated, so that w can take another. */
static void work_free(struct check_work *w)
{
	for (int p = 0; p < EPH_NPROTO; p++) {
		tally_free(&w->tallies[p]);
		attrib_free(&w->attribs[p]);
	}
}

/* Every protocol asked for into w, merged: the whole read of one namespace. */
int check_measure_all(struct check *c, struct check_work *w, bool owners_now, struct eph_err *err)
{
	work_free(w);
	memset(&w->res, 0, sizeof(w->res));
	w->res.cfg = c->cfg;
	for (int p = 0; p < EPH_NPROTO; p++) {
		if (c->cfg->proto[p] && measure_proto(c, w, (enum eph_proto)p, owners_now, err) < 0) {
			return -1;
		}
	}
	evaluate_merge(&w->res);
	return 0;
}

/* Reads the sockets once more for their owner data only: the tables of a state that turned out not
 * OK. */
int check_read_owners(struct check *c, struct check_work *w, struct eph_err *err)
{
	check_enter(c, CHECK_SOCKETS);
	for (int p = 0; p < EPH_NPROTO; p++) {
		struct sys_sock_info sinfo;

		if (c->cfg->proto[p] && measure_attrib(c->os->read_sockets, &w->queries[p],
						       &w->attribs[p], &sinfo, err) < 0) {
			return check_fail(c);
		}
	}
	return 0;
}

/* The owners get only the time left once the state is known: a second read of the sockets takes
 * about as long as the first did (first_ms), and the search needs some after it. */
static bool second_read_fits(const struct check *c, uint64_t first_ms)
{
	uint64_t now = c->os->clock_ms(), end = owners_end(c);

	return end > now && end - now >= first_ms + first_ms / 2 + 50;
}

/* Length of the first line, without its newline. */
static size_t first_line_len(const struct strbuf *sb)
{
	const char *nl = memchr(sb_str(sb), '\n', sb->len);

	return nl ? (size_t)(nl - sb_str(sb)) : sb->len;
}

/* Renders c->res into sb; -1 (and sb emptied) when the first line breaks the renderer's limit.
 * Tables made for the log only never show: a state other than OK has them only in a format
 * without tables (owner_plan). */
static int render_into(struct check *c, struct strbuf *sb)
{
	sb_free(sb);
	c->rd->render(&c->res, sb);
	if (c->rd->first_line_max && first_line_len(sb) > c->rd->first_line_max) {
		sb_free(sb);
		return -1;
	}
	return 0;
}

static void disarm(struct check *c)
{
	if (c->fallback_ready) {
		*c->fallback_ready = 0;
	}
}

/* The fallbacks are complete: a stop may print them from now on. */
static void arm(struct check *c)
{
	for (int w = 0; w < SYS_NSTOP; w++) {
		if (c->fallback[w].overflow) {
			return;
		}
	}
	c->fallback_code = c->rd->exit_code(&c->res);
	if (c->fallback_ready) {
		*c->fallback_ready = 1;
	}
}

/* The state is known and owners are still to be found: the output without them is made now, for
 * a timeout or a stop signal (Nagios and NRPE send SIGTERM at their own timeout) to print instead
 * of UNKNOWN. */
static void arm_owners_fallback(struct check *c)
{
	char why[200], note[260];

	disarm(c);
	for (int w = 0; w < SYS_NSTOP; w++) {
		if (w == SYS_STOP_TIMEOUT) {
			snprintf(note, sizeof(note), "owners were not listed: the time -t leaves ran "
						     "out while they were searched (raise -t)");
		} else {
			check_stop_message((enum sys_stop)w, "they were searched", NULL,
					   c->cfg->timeout, why, sizeof(why));
			snprintf(note, sizeof(note), "owners were not listed: %s", why);
		}
		c->res.owners_note = note;
		render_into(c, &c->fallback[w]);
	}
	c->res.owners_note = NULL;
	arm(c);
}

/* The state stands whatever becomes of the log: the output with a note that the log was not
 * written is made now, for each stop, to print instead of UNKNOWN. */
static void arm_log_fallback(struct check *c)
{
	char doing[200], why[sizeof(c->log_note) - 32];

	disarm(c);
	snprintf(doing, sizeof(doing), "writing the log %.120s", c->cfg->log_file);
	for (int w = 0; w < SYS_NSTOP; w++) {
		check_stop_message((enum sys_stop)w, doing, "the file", c->cfg->timeout, why,
				   sizeof(why));
		snprintf(c->log_note, sizeof(c->log_note), "the log was not written: %s", why);
		c->res.log_note = c->log_note;
		render_into(c, &c->fallback[w]);
	}
	c->res.log_note = NULL;
	arm(c);
}

/* Appends this run's lines to the history log (--log). */
static int write_log(struct check *c, struct eph_err *err)
{
	struct strbuf lines = { 0 };
	char host[256], when[40];
	int rc = -1;

	check_enter(c, CHECK_LOG);
	if (c->os->host_name(host, sizeof(host), err) < 0 ||
	    c->os->local_time_iso8601(when, sizeof(when), err) < 0) {
		return check_fail(c);
	}
	histlog_format(&c->res, host, when, &lines);
	if (lines.overflow) {
		eph_err_set(err, "out of memory formatting the log lines");
		goto out;
	}
	rc = c->os->append_file(c->cfg->log_file, histlog_header(), sb_str(&lines), lines.len, err);
out:
	sb_free(&lines);
	return rc < 0 ? check_fail(c) : 0;
}

/* Renders the result into c->out; -1 when the first line breaks the renderer's limit. */
static int render(struct check *c, struct eph_err *err)
{
	if (render_into(c, &c->out) < 0) {
		eph_err_set(err, "the status line would exceed the 1 KB NRPE limit; please report "
				 "this as a bug");
		return check_fail_plain(c);
	}
	c->code = c->rd->exit_code(&c->res);
	return 0;
}

/* The history log (--log): its owner tables when the output has none (log_rows rows, made now,
 * after the output), then its lines. The log's failure is an UNKNOWN, merged with the state as
 * any other (OK < UNKNOWN < WARNING < CRITICAL): an OK run fails with the reason; any other state
 * stands, and the output says the log was not written and why. From the first step on, a stop
 * prints that state too, with the stop as the reason. */
static int log_step(struct check *c, size_t log_rows, struct eph_err *err)
{
	bool stands = c->res.state != EPH_OK;
	int rc;

	if (stands) {
		arm_log_fallback(c);
	}
	if (log_rows > 0) {
		owner_tables(c, log_rows);
	}
	rc = write_log(c, err);
	if (rc < 0 && stands) {
		snprintf(c->log_note, sizeof(c->log_note), "the log was not written: %s", err->msg);
		memset(err, 0, sizeof(*err));
		c->failed = "";
		c->res.log_note = c->log_note;
		check_enter(c, CHECK_RENDER);
		rc = render(c, err);
	}
	disarm(c);
	if (rc < 0) {
		sb_free(&c->out);
	}
	return rc;
}

int check_run(struct check *c, struct eph_err *err)
{
	const struct eph_config *cfg = c->cfg;
	/* Owner data is collected in the first read when every state needs the tables. */
	bool owners_now = owners_needed(owner_plan(cfg, c->rd, EPH_OK)) &&
			  owners_needed(owner_plan(cfg, c->rd, EPH_CRITICAL));
	struct owner_plan plan;
	uint64_t t0 = c->os->clock_ms(), first_ms;
	int rc = 0;

	if (cfg->netns) {
		/* Owner data is read again for the worst namespace only, once it is known. */
		owners_now = false;
		if (check_netns_measure(c, err) < 0) {
			return -1;
		}
		/* That read takes about one namespace's share of the time. */
		first_ms = (c->os->clock_ms() - t0) / (c->ns.n ? c->ns.n : 1);
	} else {
		if (check_measure_all(c, c->w, owners_now, err) < 0) {
			return -1;
		}
		first_ms = c->os->clock_ms() - t0;
		c->res = c->w->res;
		check_enter(c, CHECK_FORECAST);
		check_forecast_own(c);
		evaluate_merge(&c->res);
	}
	c->res.measured_at = c->os->time_now ? (long long)c->os->time_now() : 0;
	plan = owner_plan(cfg, c->rd, c->res.state);
	/* A known state is never lost to the owner part: it gets what time is left, and if -t
	 * ends it anyway, the handler prints the state without owners. */
	if (owners_needed(plan)) {
		arm_owners_fallback(c);
	}
	if (owners_needed(plan) && !owners_now && !second_read_fits(c, first_ms)) {
		c->res.owners_note = "owners were not listed: a second read of the socket table "
				     "would not fit in the time -t leaves (raise -t, or give --top N "
				     "to read owners in the first read)";
		plan.show = plan.log = 0;
	}
	if (owners_needed(plan) && !owners_now) {
		rc = check_netns_reread_owners(c, err);
		if (rc < 0) {
			return -1;
		}
	}
	if (rc == 1) {
		plan.show = plan.log = 0;
	}
	if (plan.show > 0) {
		owner_tables(c, plan.show);
	}
	/* The owners are done: from here on a timeout names its own stage. */
	disarm(c);
	check_enter(c, CHECK_RENDER);
	if (render(c, err) < 0) {
		return -1;
	}
	/* The log before the output is written: when it cannot be written, the output says so. */
	if (cfg->log_file && log_step(c, plan.log, err) < 0) {
		return -1;
	}
	check_enter(c, CHECK_OUTPUT);
	return 0;
}

void check_free(struct check *c)
{
	work_free(&c->work[0]);
	work_free(&c->work[1]);
	free(c->ns.v);
	free(c->ns.order);
	memset(&c->ns, 0, sizeof(c->ns));
	netns_list_free(&c->netns);
	forecast_store_free(&c->forecast);
	sb_free(&c->out);
	for (int w = 0; w < SYS_NSTOP; w++) {
		sb_free(&c->fallback[w]);
	}
}
