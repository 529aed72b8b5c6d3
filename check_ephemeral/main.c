/* check_ephemeral: argv -> config -> measure -> evaluate -> render -> exit code. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "evaluate.h"
#include "histlog.h"
#include "measure.h"
#include "report.h"
#include "sys.h"

/* What the plugin is doing, named in the timeout message. */
enum stage {
	STAGE_START,
	STAGE_RANGE,
	STAGE_SOCKETS,
	STAGE_OWNERS,
	STAGE_OUTPUT,
	NSTAGES
};

static const char *const stage_names[NSTAGES] = {
	"starting",
	"reading the port range",
	"reading the socket table",
	"finding the processes that hold ports",
	"writing the output",
};

/* The output for a timeout or a stop signal in each stage is built before the timer starts, so
 * the handler only writes bytes that already exist. Sized for the longest renderer
 * (Prometheus, with its HELP and TYPE lines); prepare_stops cuts what does not fit. */
static char stop_lines[SYS_NSTOP][NSTAGES][2048];
static size_t stop_lens[SYS_NSTOP][NSTAGES];
static volatile sig_atomic_t stage;
static int stop_code = 3;

static void on_stop(enum sys_stop why)
{
	int s = stage;

	/* --output-file (armed in main) shows the error too, not the last good numbers. */
	sys_file_replace_now(stop_lines[why][s], stop_lens[why][s]);
	sys_write_stdout(stop_lines[why][s], stop_lens[why][s]);
	sys_exit_now(stop_code);
}

static void prepare_stops(const struct renderer *rd, unsigned seconds)
{
	for (int w = 0; w < SYS_NSTOP; w++) {
		for (int i = 0; i < NSTAGES; i++) {
			struct strbuf sb = { 0 };
			char msg[200];

			if (w == SYS_STOP_TIMEOUT) {
				snprintf(msg, sizeof(msg), "timed out after %u s while %s (raise -t)",
					 seconds, stage_names[i]);
			} else if (w == SYS_STOP_TERM) {
				/* Nagios and NRPE send SIGTERM when their own timeout expires. */
				snprintf(msg, sizeof(msg),
					 "terminated by SIGTERM while %s (if the monitoring system "
					 "sent it at its own timeout, keep -t %u below that)",
					 stage_names[i], seconds);
			} else {
				snprintf(msg, sizeof(msg), "terminated by %s while %s",
					 w == SYS_STOP_INT ? "SIGINT" : "SIGHUP", stage_names[i]);
			}
			rd->render_error(rd->stage_apart ? stage_names[i] : "", msg, &sb);
			stop_lens[w][i] = sb.len < sizeof(stop_lines[w][i])
						  ? sb.len
						  : sizeof(stop_lines[w][i]) - 1;
			memcpy(stop_lines[w][i], sb_str(&sb), stop_lens[w][i]);
			sb_free(&sb);
		}
	}
	stop_code = rd->error_exit_code;
}

/* Writes out in one call; a failed write (stdout closed) ends with the renderer's code for a
 * failure (SAM's 4, not 3, which SAM reads as Critical). */
static int emit(const struct renderer *rd, const struct strbuf *out, int code)
{
	if (out->overflow || sys_write_stdout(sb_str(out), out->len) < 0) {
		return rd->error_exit_code;
	}
	return code;
}

/* --output-file, once the command line is known. */
static const char *output_file;

static int fail(const struct renderer *rd, const char *what, const char *msg)
{
	struct strbuf out = { 0 };
	int code;

	rd->render_error(what, msg, &out);
	/* The file shows the failure too, rather than the last good numbers; stdout has it for
	 * whoever ran the plugin (cron mails it). When the file is what failed, stdout only. */
	if (output_file && !out.overflow) {
		sys_write_file_atomic(output_file, sb_str(&out), out.len, NULL);
	}
	code = emit(rd, &out, rd->error_exit_code);
	sb_free(&out);
	return code;
}

/* When the owner search must end: before -t does, with time left to write. It gets what
 * remains minus a quarter of -t (at least 300 ms), and never more than ATTRIB_SCAN_MAX_MS. */
static uint64_t owner_deadline(uint64_t start, unsigned timeout)
{
	uint64_t limit = (uint64_t)timeout * 1000u, margin = limit / 4;
	uint64_t deadline, now = sys_clock_ms();

	if (margin < 300) {
		margin = 300;
	}
	deadline = start + (limit > margin ? limit - margin : 0);
	if (deadline > now + ATTRIB_SCAN_MAX_MS) {
		deadline = now + ATTRIB_SCAN_MAX_MS;
	}
	if (deadline <= now) {
		deadline = now + 1; /* no time left: the search gives up at once, and says so */
	}
	return deadline;
}

/* Makes the --top tables of every protocol checked, top rows each, and hangs them on res. */
static void owner_tables(struct result *res, struct attrib *attribs, const struct tally *tallies,
			 struct attrib_tables *tables, size_t top, uint64_t deadline)
{
	stage = STAGE_OWNERS;
	for (int p = 0; p < EPH_NPROTO; p++) {
		if (res->p[p].checked) {
			attrib_report(&attribs[p], &tallies[p], top, &attrib_sys_hooks, deadline,
				      &tables[p]);
			res->p[p].attrib = &tables[p];
		}
	}
}

/* Appends this run's lines to the history log (--log). */
static int write_log(const struct result *r, const char *path, struct eph_err *err)
{
	struct strbuf lines = { 0 };
	char host[256], when[40];
	int rc = -1;

	if (sys_host_name(host, sizeof(host), err) < 0 ||
	    sys_local_time_iso8601(when, sizeof(when), err) < 0) {
		return -1;
	}
	histlog_format(r, host, when, &lines);
	if (lines.overflow) {
		eph_err_set(err, "out of memory formatting the log lines");
		goto out;
	}
	rc = sys_append_file(path, histlog_header(), sb_str(&lines), lines.len, err);
out:
	sb_free(&lines);
	return rc;
}

/* Length of the first line, without its newline. */
static size_t first_line_len(const struct strbuf *sb)
{
	const char *nl = memchr(sb_str(sb), '\n', sb->len);

	return nl ? (size_t)(nl - sb_str(sb)) : sb->len;
}

int main(int argc, char **argv)
{
	static struct portpool pools[EPH_NPROTO];
	static struct tally tallies[EPH_NPROTO];
	static struct attrib attribs[EPH_NPROTO];
	static struct attrib_tables tables[EPH_NPROTO];
	uint64_t start = sys_clock_ms();
	unsigned tw_lifetime = 0;
	bool tw_configured = false;
	struct sys_tw_info tw_info;
	int top;
	bool owners_now;
	struct sys_query queries[EPH_NPROTO];
	const struct renderer *rd = &report_nagios;
	struct eph_config cfg;
	struct result res;
	struct strbuf out = { 0 };
	struct eph_err err = { "" };
	int rc, code = 3;

	sys_init();
	if (cli_output_format(argc, argv)) {
		rd = report_find(cli_output_format(argc, argv));
	}
	rc = cli_parse(argc, argv, &cfg, &out, &err);
	if (rc == CLI_RUN) {
		rd = report_find(cfg.output);
	}
	if (rc == CLI_EXIT) {
		code = emit(rd, &out, 3);
		sb_free(&out);
		return code;
	}
	if (rc == CLI_ERROR) {
		sb_free(&out);
		return fail(rd, "", err.msg);
	}

	output_file = cfg.output_file;
	prepare_stops(rd, cfg.timeout);
	/* The handlers first: a SIGTERM right after arming must not leave the temporary file. */
	if (sys_timeout_start(cfg.timeout, on_stop, &err) < 0) {
		return fail(rd, "", err.msg);
	}
	if (output_file && sys_file_arm(output_file, &err) < 0) {
		output_file = NULL;
		return fail(rd, "writing --output-file", err.msg);
	}

	memset(&res, 0, sizeof(res));
	res.cfg = &cfg;
	owners_now = (cfg.top > 0 && rd->shows_tables) || (cfg.log_file && cfg.top != 0);
	for (int p = 0; p < EPH_NPROTO; p++) {
		struct sys_pool_info pinfo;
		struct sys_sock_info sinfo;
		struct sys_query q;

		if (!cfg.proto[p]) {
			continue;
		}
		stage = STAGE_RANGE;
		if (sys_read_pool((enum eph_proto)p, cfg.range_lo, cfg.range_hi, &pools[p], &pinfo,
				  &err) < 0) {
			code = fail(rd, "reading the port range", err.msg);
			goto out;
		}
		stage = STAGE_SOCKETS;
		tally_init(&tallies[p], (enum eph_proto)p, &pools[p]);
		q.proto = (enum eph_proto)p;
		q.families = cfg.families;
		q.lo = pools[p].lo;
		q.hi = pools[p].hi;
		queries[p] = q;
		/* Owner data takes a record per socket. It is gathered in the same read when the
		 * tables are sure to be needed (--top N, --log); when they depend on the state,
		 * a second read gathers it only if the state is not OK, so that the common OK
		 * run stays small. */
		attrib_init(&attribs[p], (enum eph_proto)p, &pools[p]);
		if (measure_sockets_attrib(&q, &tallies[p], owners_now ? &attribs[p] : NULL, &sinfo,
					   &err) < 0) {
			code = fail(rd, "reading the socket table", err.msg);
			goto out;
		}
		if (evaluate_proto(&cfg, &pools[p], &tallies[p], &pinfo, &sinfo, &res.p[p], &err) <
		    0) {
			code = fail(rd, "", err.msg);
			goto out;
		}
		if (p == EPH_TCP) {
			if (sys_time_wait_lifetime(&tw_lifetime, &tw_configured, &tw_info, &err) <
			    0) {
				code = fail(rd, "reading the TIME_WAIT lifetime", err.msg);
				goto out;
			}
			evaluate_churn(&res.p[p], tw_lifetime, tw_configured,
				       !tw_configured && !sys_time_wait_fixed(), &tw_info);
		}
	}
	evaluate_merge(&res);

	/* Who holds the ports: asked for, or by default whenever the state is not OK. */
	top = cfg.top >= 0 ? cfg.top : res.state != EPH_OK ? ATTRIB_TOP_DEFAULT : 0;
	if (!rd->shows_tables) {
		top = 0; /* SAM and Prometheus have no place for them */
	}
	if (top > 0 && !owners_now) {
		stage = STAGE_SOCKETS;
		for (int p = 0; p < EPH_NPROTO; p++) {
			struct sys_sock_info sinfo;

			if (cfg.proto[p] && measure_attrib(&queries[p], &attribs[p], &sinfo, &err) < 0) {
				code = fail(rd, "reading the socket table", err.msg);
				goto out;
			}
		}
	}
	if (top > 0) {
		owner_tables(&res, attribs, tallies, tables, (size_t)top,
			     owner_deadline(start, cfg.timeout));
	}
	stage = STAGE_OUTPUT;
	rd->render(&res, &out);
	if (strcmp(rd->name, "nagios") == 0 && first_line_len(&out) > EPH_NRPE_MAX) {
		code = fail(rd, "", "the status line would exceed the 1 KB NRPE limit; please report "
				    "this as a bug");
		goto out;
	}
	/* The history log has its rows per local address on every run, not only when the
	 * tables are shown: when they were not made for the output, they are made now, with
	 * every address (the output is already built and does not change). --top 0 turns them
	 * off here too. */
	if (cfg.log_file && top == 0 && cfg.top != 0) {
		owner_tables(&res, attribs, tallies, tables, ATTRIB_TOP_MAX,
			     owner_deadline(start, cfg.timeout));
	}
	/* The log first: when it cannot be written, the output says so instead. */
	if (cfg.log_file && write_log(&res, cfg.log_file, &err) < 0) {
		code = fail(rd, "writing the log", err.msg);
		goto out;
	}
	if (cfg.output_file) {
		if (out.overflow) {
			code = fail(rd, "", "out of memory building the output");
			goto out;
		}
		if (sys_write_file_atomic(cfg.output_file, sb_str(&out), out.len, &err) < 0) {
			output_file = NULL;
			code = fail(rd, "writing --output-file", err.msg);
			goto out;
		}
		code = rd->exit_code(&res);
		goto out;
	}
	code = emit(rd, &out, rd->exit_code(&res));
out:
	sys_file_disarm();
	for (int p = 0; p < EPH_NPROTO; p++) {
		tally_free(&tallies[p]);
		attrib_free(&attribs[p]);
	}
	sb_free(&out);
	return code;
}
