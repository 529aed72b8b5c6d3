#include "check.h"

#include <string.h>

#include "histlog.h"

const struct check_os check_sys_os = {
	.read_pool = sys_read_pool,
	.read_sockets = sys_read_sockets,
	.time_wait_lifetime = sys_time_wait_lifetime,
	.time_wait_fixed = sys_time_wait_fixed,
	.clock_ms = sys_clock_ms,
	.owners = &attrib_sys_hooks,
	.host_name = sys_host_name,
	.local_time_iso8601 = sys_local_time_iso8601,
	.append_file = sys_append_file,
	.forecast = forecast_store_update,
	.time_now = sys_time_now,
};

static const char *const stage_names[CHECK_NSTAGES] = {
	"starting",
	"reading the port range",
	"reading the socket table",
	"finding the processes that hold ports",
	"writing the output",
};

const char *check_stage_name(enum check_stage s)
{
	return (unsigned)s < CHECK_NSTAGES ? stage_names[s] : stage_names[CHECK_START];
}

static void enter(struct check *c, enum check_stage s)
{
	if (c->stage) {
		*c->stage = (sig_atomic_t)s;
	}
}

/* Ends the run with a failure of stage `what` ("" when the message says it all). */
static int fail(struct check *c, const char *what)
{
	c->failed = what;
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

/* When the owner search must end: before -t does, with time left to write. It gets what remains
 * minus a quarter of -t (at least 300 ms), and never more than ATTRIB_SCAN_MAX_MS. */
static uint64_t owner_deadline(const struct check *c)
{
	uint64_t limit = (uint64_t)c->cfg->timeout * 1000u, margin = limit / 4;
	uint64_t deadline, now = c->os->clock_ms();

	if (margin < 300) {
		margin = 300;
	}
	deadline = c->start_ms + (limit > margin ? limit - margin : 0);
	if (deadline > now + ATTRIB_SCAN_MAX_MS) {
		deadline = now + ATTRIB_SCAN_MAX_MS;
	}
	if (deadline <= now) {
		deadline = now + 1; /* no time left: the search gives up at once, and says so */
	}
	return deadline;
}

/* Makes the --top tables of every protocol checked, rows each, and hangs them on the result. */
static void owner_tables(struct check *c, size_t rows)
{
	uint64_t deadline = owner_deadline(c);

	enter(c, CHECK_OWNERS);
	for (int p = 0; p < EPH_NPROTO; p++) {
		if (c->res.p[p].checked) {
			attrib_report(&c->attribs[p], &c->tallies[p], rows, c->os->owners, deadline,
				      &c->tables[p]);
			c->res.p[p].attrib = &c->tables[p];
		}
	}
}

/* Records this run's sample in the forecast's state file and estimates every protocol from the
 * samples. Waits at most 2 s for another run's lock, less when -t leaves less: the forecast is a
 * secondary step and never costs the run its result. */
static void forecast_step(struct check *c)
{
	struct forecast_key key;
	struct forecast_sample s;
	uint64_t left = owner_deadline(c) - c->os->clock_ms();

	if (!c->os->forecast || !c->os->time_now) {
		return;
	}
	evaluate_forecast_key(c->cfg, &key);
	memset(&s, 0, sizeof(s));
	s.t = c->os->time_now();
	for (int p = 0; p < EPH_NPROTO; p++) {
		s.used[p] = c->res.p[p].checked ? (int32_t)c->res.p[p].used : -1;
	}
	c->os->forecast(c->cfg->state_dir, &key, &s, left > 2000 ? 2000 : (unsigned)left,
			&c->forecast);
	for (int p = 0; p < EPH_NPROTO; p++) {
		if (c->res.p[p].checked) {
			evaluate_forecast(c->cfg, &c->forecast, s.t, &c->res.p[p]);
		}
	}
	c->res.forecast = &c->forecast;
}

/* Pool, sockets and evaluation of one protocol. Owner data takes a record per socket: it is
 * gathered in the same read when the tables are sure to be needed (owners_now); when they depend on
 * the state, a second read gathers it only if the state is not OK, so that the common OK run stays
 * small. */
static int measure_proto(struct check *c, enum eph_proto p, bool owners_now, struct eph_err *err)
{
	const struct eph_config *cfg = c->cfg;
	struct sys_pool_info pinfo;
	struct sys_sock_info sinfo;
	struct sys_query *q = &c->queries[p];

	enter(c, CHECK_RANGE);
	if (c->os->read_pool(p, cfg->range_lo, cfg->range_hi, &c->pools[p], &pinfo, err) < 0) {
		return fail(c, "reading the port range");
	}
	enter(c, CHECK_SOCKETS);
	tally_init(&c->tallies[p], p, &c->pools[p]);
	attrib_init(&c->attribs[p], p, &c->pools[p]);
	q->proto = p;
	q->families = cfg->families;
	q->lo = c->pools[p].lo;
	q->hi = c->pools[p].hi;
	if (measure_sockets_attrib(c->os->read_sockets, q, &c->tallies[p],
				   owners_now ? &c->attribs[p] : NULL, &sinfo, err) < 0) {
		return fail(c, "reading the socket table");
	}
	if (evaluate_proto(cfg, &c->pools[p], &c->tallies[p], &pinfo, &sinfo, &c->res.p[p], err) <
	    0) {
		return fail(c, "");
	}
	if (p == EPH_TCP) {
		unsigned lifetime = 0;
		bool configured = false;
		struct sys_tw_info tw;

		if (c->os->time_wait_lifetime(&lifetime, &configured, &tw, err) < 0) {
			return fail(c, "reading the TIME_WAIT lifetime");
		}
		evaluate_churn(&c->res.p[p], lifetime, configured,
			       !configured && !c->os->time_wait_fixed(), &tw);
	}
	return 0;
}

/* Reads the sockets once more for their owner data only: the tables of a state that turned out not
 * OK. */
static int read_owners(struct check *c, struct eph_err *err)
{
	enter(c, CHECK_SOCKETS);
	for (int p = 0; p < EPH_NPROTO; p++) {
		struct sys_sock_info sinfo;

		if (c->cfg->proto[p] && measure_attrib(c->os->read_sockets, &c->queries[p],
						       &c->attribs[p], &sinfo, err) < 0) {
			return fail(c, "reading the socket table");
		}
	}
	return 0;
}

/* Appends this run's lines to the history log (--log). */
static int write_log(struct check *c, struct eph_err *err)
{
	struct strbuf lines = { 0 };
	char host[256], when[40];
	int rc = -1;

	if (c->os->host_name(host, sizeof(host), err) < 0 ||
	    c->os->local_time_iso8601(when, sizeof(when), err) < 0) {
		return fail(c, "writing the log");
	}
	histlog_format(&c->res, host, when, &lines);
	if (lines.overflow) {
		eph_err_set(err, "out of memory formatting the log lines");
		goto out;
	}
	rc = c->os->append_file(c->cfg->log_file, histlog_header(), sb_str(&lines), lines.len, err);
out:
	sb_free(&lines);
	return rc < 0 ? fail(c, "writing the log") : 0;
}

/* Length of the first line, without its newline. */
static size_t first_line_len(const struct strbuf *sb)
{
	const char *nl = memchr(sb_str(sb), '\n', sb->len);

	return nl ? (size_t)(nl - sb_str(sb)) : sb->len;
}

/* Renders the result; -1 when the first line breaks the renderer's limit. */
static int render(struct check *c, struct eph_err *err)
{
	enter(c, CHECK_OUTPUT);
	c->rd->render(&c->res, &c->out);
	if (c->rd->first_line_max && first_line_len(&c->out) > c->rd->first_line_max) {
		sb_free(&c->out);
		eph_err_set(err, "the status line would exceed the 1 KB NRPE limit; please report "
				 "this as a bug");
		return fail(c, "");
	}
	c->code = c->rd->exit_code(&c->res);
	return 0;
}

int check_run(struct check *c, struct eph_err *err)
{
	const struct eph_config *cfg = c->cfg;
	/* Owner data is collected in the first read when every state needs the tables. */
	bool owners_now = owners_needed(owner_plan(cfg, c->rd, EPH_OK)) &&
			  owners_needed(owner_plan(cfg, c->rd, EPH_CRITICAL));
	struct owner_plan plan;

	for (int p = 0; p < EPH_NPROTO; p++) {
		if (cfg->proto[p] && measure_proto(c, (enum eph_proto)p, owners_now, err) < 0) {
			return -1;
		}
	}
	forecast_step(c);
	evaluate_merge(&c->res);
	plan = owner_plan(cfg, c->rd, c->res.state);
	if (owners_needed(plan) && !owners_now && read_owners(c, err) < 0) {
		return -1;
	}
	if (plan.show > 0) {
		owner_tables(c, plan.show);
	}
	if (render(c, err) < 0) {
		return -1;
	}
	/* The log's tables, when the output had none, are made now, with every address (the output
	 * is already built and does not change). */
	if (plan.log > 0) {
		owner_tables(c, plan.log);
	}
	/* The log before the output is written: when it cannot be written, the output says so
	 * instead. */
	if (cfg->log_file && write_log(c, err) < 0) {
		sb_free(&c->out);
		return -1;
	}
	return 0;
}

void check_free(struct check *c)
{
	for (int p = 0; p < EPH_NPROTO; p++) {
		tally_free(&c->tallies[p]);
		attrib_free(&c->attribs[p]);
	}
	forecast_store_free(&c->forecast);
	sb_free(&c->out);
}
