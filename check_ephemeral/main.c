/* check_ephemeral: argv -> config, the timeout armed, the run (lib/check.c), the bytes written, the
 * exit code. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cli.h"

/* The output for a timeout or a stop signal in each stage is built before the timer starts, so
 * the handler only writes bytes that already exist. Sized for the longest renderer
 * (Prometheus, with its HELP and TYPE lines); prepare_stops cuts what does not fit. */
static char stop_lines[SYS_NSTOP][CHECK_NSTAGES][2048];
static size_t stop_lens[SYS_NSTOP][CHECK_NSTAGES];
static volatile sig_atomic_t stage; /* set by the run (struct check.stage) */
static int stop_code = 3;
static struct check run;
static volatile sig_atomic_t fallback_ready; /* run.fallback holds the known state's output */

static void on_stop(enum sys_stop why)
{
	int s = stage;

	/* The state was known, only a secondary step (owners, log) is cut short: the state's
	 * output with a note, not UNKNOWN. */
	if (fallback_ready && run.fallback[why].len > 0) {
		sys_file_replace_now(sb_str(&run.fallback[why]), run.fallback[why].len);
		sys_write_stdout(sb_str(&run.fallback[why]), run.fallback[why].len);
		sys_exit_now(run.fallback_code);
	}
	/* --output-file (armed in main) shows the error too, not the last good numbers. */
	sys_file_replace_now(stop_lines[why][s], stop_lens[why][s]);
	sys_write_stdout(stop_lines[why][s], stop_lens[why][s]);
	sys_exit_now(stop_code);
}

static void prepare_stops(const struct renderer *rd, unsigned seconds)
{
	for (int w = 0; w < SYS_NSTOP; w++) {
		for (int i = 0; i < CHECK_NSTAGES; i++) {
			const char *name = check_stage_name((enum check_stage)i);
			struct strbuf sb = { 0 };
			char msg[200];

			check_stop_message((enum sys_stop)w, name, NULL, seconds, msg, sizeof(msg));
			rd->render_error(rd->stage_apart ? name : "", msg, &sb);
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

/* --output-file, once it is armed. */
static const char *output_file;

static int fail(const struct renderer *rd, const char *what, const char *msg)
{
	struct strbuf out = { 0 };
	int code;

	rd->render_error(what, msg, &out);
	/* The file shows the failure too, rather than the last good numbers, through the
	 * temporary file armed at the start (a failure for want of descriptors could not open a
	 * new one); stdout has it for whoever ran the plugin (cron mails it). When the file is
	 * what failed, stdout only. */
	if (output_file && !out.overflow) {
		sys_file_commit(sb_str(&out), out.len, NULL);
	}
	output_file = NULL;
	code = emit(rd, &out, rd->error_exit_code);
	sb_free(&out);
	return code;
}

/* The run's output, to --output-file or to stdout. */
static int write_output(const struct renderer *rd, const struct check *c)
{
	struct eph_err err = { "" };

	if (!output_file) {
		return emit(rd, &c->out, c->code);
	}
	if (c->out.overflow) {
		return fail(rd, "", "out of memory building the output");
	}
	if (sys_file_commit(sb_str(&c->out), c->out.len, &err) < 0) {
		output_file = NULL;
		return fail(rd, "writing --output-file", err.msg);
	}
	return c->code;
}

int main(int argc, char **argv)
{
	uint64_t start = sys_clock_ms();
	const struct renderer *rd = &report_nagios;
	struct eph_config cfg;
	struct strbuf out = { 0 };
	struct eph_err err = { "" };
	int rc, code;

	sys_init();
	if (cli_output_format(argc, argv)) {
		rd = report_find(cli_output_format(argc, argv));
	}
	rc = cli_parse(argc, argv, &cfg, &out, &err);
	if (rc != CLI_RUN) {
		code = rc == CLI_EXIT ? emit(rd, &out, 3) : fail(rd, "", err.msg);
		sb_free(&out);
		return code;
	}
	rd = report_find(cfg.output);
	prepare_stops(rd, cfg.timeout);
	/* The handlers first: a SIGTERM right after arming must not leave the temporary file. */
	if (sys_timeout_start(cfg.timeout, on_stop, &err) < 0) {
		return fail(rd, "", err.msg);
	}
	if (cfg.output_file && sys_file_arm(cfg.output_file, &err) < 0) {
		return fail(rd, "writing --output-file", err.msg);
	}
	output_file = cfg.output_file;
	check_init(&run, &cfg, rd, &check_sys_os, start);
	run.stage = &stage;
	run.fallback_ready = &fallback_ready;
	rc = check_run(&run, &err);
	/* Whatever the run ended with is written now: no timeout may print the fallback instead. */
	fallback_ready = 0;
	code = rc < 0 ? fail(rd, run.failed, err.msg) : write_output(rd, &run);
	sys_file_disarm();
	check_free(&run);
	return code;
}
