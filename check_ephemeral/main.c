/* check_ephemeral: argv -> config, the timeout armed, the run (lib/check.c), the bytes written, the
 * exit code. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cli.h"

/* The timeout output for each stage is built before the timer starts, so the handler only writes
 * bytes that already exist. Sized for the longest renderer (Prometheus, with its HELP and TYPE
 * lines); prepare_timeouts checks that each fits. */
static char timeout_lines[CHECK_NSTAGES][2048];
static size_t timeout_lens[CHECK_NSTAGES];
static volatile sig_atomic_t stage; /* set by the run (struct check.stage) */
static int timeout_code = 3;

static void on_timeout(void)
{
	int s = stage;

	/* --output-file (armed in main) shows the timeout too, not the last good numbers. */
	sys_file_replace_now(timeout_lines[s], timeout_lens[s]);
	sys_write_stdout(timeout_lines[s], timeout_lens[s]);
	sys_exit_now(timeout_code);
}

static void prepare_timeouts(const struct renderer *rd, unsigned seconds)
{
	for (int i = 0; i < CHECK_NSTAGES; i++) {
		const char *name = check_stage_name((enum check_stage)i);
		struct strbuf sb = { 0 };
		char msg[160];

		snprintf(msg, sizeof(msg), "timed out after %u s while %s (raise -t)", seconds,
			 name);
		rd->render_error(rd->stage_apart ? name : "", msg, &sb);
		timeout_lens[i] =
			sb.len < sizeof(timeout_lines[i]) ? sb.len : sizeof(timeout_lines[i]) - 1;
		memcpy(timeout_lines[i], sb_str(&sb), timeout_lens[i]);
		sb_free(&sb);
	}
	timeout_code = rd->error_exit_code;
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
	if (sys_write_file_atomic(output_file, sb_str(&c->out), c->out.len, &err) < 0) {
		output_file = NULL;
		return fail(rd, "writing --output-file", err.msg);
	}
	return c->code;
}

int main(int argc, char **argv)
{
	static struct check run;
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
	output_file = cfg.output_file;
	prepare_timeouts(rd, cfg.timeout);
	if (output_file && sys_file_arm(output_file, &err) < 0) {
		output_file = NULL;
		return fail(rd, "writing --output-file", err.msg);
	}
	if (sys_timeout_start(cfg.timeout, on_timeout, &err) < 0) {
		sys_file_disarm();
		return fail(rd, "", err.msg);
	}
	check_init(&run, &cfg, rd, &check_sys_os, start);
	run.stage = &stage;
	code = check_run(&run, &err) < 0 ? fail(rd, run.failed, err.msg) : write_output(rd, &run);
	sys_file_disarm();
	check_free(&run);
	return code;
}
