/* check_ephemeral: argv -> config -> measure -> evaluate -> render -> exit code. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "evaluate.h"
#include "histlog.h"
#include "measure.h"
#include "netns.h"
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

/* The timeout output for each stage is built before the timer starts, so the handler only
 * writes bytes that already exist. Sized for the longest renderer (Prometheus, with its HELP
 * and TYPE lines); prepare_timeouts checks that each fits. */
static char timeout_lines[NSTAGES][2048];
static size_t timeout_lens[NSTAGES];
static volatile sig_atomic_t stage;
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
	for (int i = 0; i < NSTAGES; i++) {
		struct strbuf sb = { 0 };
		char msg[160];

		snprintf(msg, sizeof(msg), "timed out after %u s while %s (raise -t)", seconds,
			 stage_names[i]);
		rd->render_error(rd->stage_apart ? stage_names[i] : "", msg, &sb);
		timeout_lens[i] = sb.len < sizeof(timeout_lines[i]) ? sb.len
								     : sizeof(timeout_lines[i]) - 1;
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

/* What one read of every protocol asked for works in: one namespace's (or the only) pools,
 * tallies and result. --netns keeps two, the worst namespace's and the one being read. */
struct slot {
	struct portpool pools[EPH_NPROTO];
	struct tally tallies[EPH_NPROTO];
	struct attrib attribs[EPH_NPROTO];
	struct attrib_tables tables[EPH_NPROTO];
	struct sys_query queries[EPH_NPROTO];
	struct result res;
};

static void slot_free(struct slot *s)
{
	for (int p = 0; p < EPH_NPROTO; p++) {
		tally_free(&s->tallies[p]);
		attrib_free(&s->attribs[p]);
	}
}

/* Pool, sockets and evaluation of every protocol of cfg into s, merged. Owner data takes a
 * record per socket: it is gathered in the same read when the tables are sure to be needed
 * (owners_now, --top N or --log); when they depend on the state, a second read gathers it only
 * if the state is not OK, so that the common OK run stays small. -1: *what names the stage
 * that failed ("" when the message says it all) and err the reason. */
static int measure_all(struct slot *s, const struct eph_config *cfg, bool owners_now,
		       const char **what, struct eph_err *err)
{
	slot_free(s);
	memset(&s->res, 0, sizeof(s->res));
	s->res.cfg = cfg;
	for (int p = 0; p < EPH_NPROTO; p++) {
		struct sys_pool_info pinfo;
		struct sys_sock_info sinfo;
		struct sys_query *q = &s->queries[p];

		if (!cfg->proto[p]) {
			continue;
		}
		stage = STAGE_RANGE;
		if (sys_read_pool((enum eph_proto)p, cfg->range_lo, cfg->range_hi, &s->pools[p],
				  &pinfo, err) < 0) {
			*what = "reading the port range";
			return -1;
		}
		stage = STAGE_SOCKETS;
		tally_init(&s->tallies[p], (enum eph_proto)p, &s->pools[p]);
		q->proto = (enum eph_proto)p;
		q->families = cfg->families;
		q->lo = s->pools[p].lo;
		q->hi = s->pools[p].hi;
		attrib_init(&s->attribs[p], (enum eph_proto)p, &s->pools[p]);
		if (measure_sockets_attrib(q, &s->tallies[p], owners_now ? &s->attribs[p] : NULL,
					   &sinfo, err) < 0) {
			*what = "reading the socket table";
			return -1;
		}
		if (evaluate_proto(cfg, &s->pools[p], &s->tallies[p], &pinfo, &sinfo, &s->res.p[p],
				   err) < 0) {
			*what = "";
			return -1;
		}
		if (p == EPH_TCP) {
			unsigned lifetime = 0;
			bool configured = false;
			struct sys_tw_info tw_info;

			if (sys_time_wait_lifetime(&lifetime, &configured, &tw_info, err) < 0) {
				*what = "reading the TIME_WAIT lifetime";
				return -1;
			}
			evaluate_churn(&s->res.p[p], lifetime, configured,
				       !configured && !sys_time_wait_fixed(), &tw_info);
		}
	}
	evaluate_merge(&s->res);
	return 0;
}

/* Reads the sockets once more for their owner data only. */
static int measure_owners(struct slot *s, const struct eph_config *cfg, struct eph_err *err)
{
	stage = STAGE_SOCKETS;
	for (int p = 0; p < EPH_NPROTO; p++) {
		struct sys_sock_info sinfo;

		if (cfg->proto[p] &&
		    measure_attrib(&s->queries[p], &s->attribs[p], &sinfo, err) < 0) {
			return -1;
		}
	}
	return 0;
}

/* What a thread inside a namespace does (netns_run): measure_all, or measure_owners. */
struct ns_job {
	struct slot *s;
	const struct eph_config *cfg;
	bool owners;
	const char *what;
	struct eph_err err;
};

static int ns_measure(void *ctx)
{
	struct ns_job *j = ctx;

	return measure_all(j->s, j->cfg, false, &j->what, &j->err);
}

static int ns_owners(void *ctx)
{
	struct ns_job *j = ctx;

	j->what = "reading the socket table";
	return measure_owners(j->s, j->cfg, &j->err);
}

/* When --netns stops entering namespaces: three quarters of -t after the start, so that what
 * was found (a CRITICAL among them) is still reported in time. */
static uint64_t ns_deadline(uint64_t start, unsigned timeout)
{
	return start + (uint64_t)timeout * 750u;
}

/* --netns: every namespace asked for, each judged on its own pool; the worst one's figures
 * end up in *worst_slot's result, with every namespace's in all. -1 with *what and err set
 * when the run cannot be made at all (no privilege, no namespace). */
static int measure_netns(const struct eph_config *cfg, struct slot *slots, int *worst_slot,
			 struct netns_list *list, struct ns_results *all, uint64_t start,
			 const char **what, struct eph_err *err)
{
	size_t held[2] = { 0, 0 }; /* the namespace each slot holds */
	int cur = 0;

	*what = "";
	*worst_slot = -1;
	if (netns_privileged(err) < 0 || netns_list(cfg->netns, list, err) < 0) {
		return -1;
	}
	all->list = list;
	all->v = calloc(list->n ? list->n : 1, sizeof(*all->v));
	all->order = calloc(list->n ? list->n : 1, sizeof(*all->order));
	if (!all->v || !all->order) {
		eph_err_set(err, "out of memory for %zu network namespaces", list->n);
		return -1;
	}
	all->n = list->n;
	for (size_t i = 0; i < list->n; i++) {
		struct ns_result *nr = &all->v[i];
		struct ns_job job = { &slots[cur], cfg, false, "", { "" } };
		int fn_rc = 0, rc;

		nr->ns = &list->v[i];
		if (sys_clock_ms() > ns_deadline(start, cfg->timeout)) {
			nr->skipped = true;
			all->untimed++;
			snprintf(nr->why, sizeof(nr->why), "not checked: -t %u s was running out",
				 cfg->timeout);
			continue;
		}
		rc = netns_run(nr->ns, ns_measure, &job, &fn_rc, err);
		if (rc < 0) {
			return -1;
		}
		if (rc == 1) {
			nr->skipped = true;
			snprintf(nr->why, sizeof(nr->why), "%s", err->msg);
			continue;
		}
		if (fn_rc < 0) {
			nr->failed = true;
			nr->state = EPH_UNKNOWN;
			snprintf(nr->why, sizeof(nr->why), "%s%s%s", job.what, job.what[0] ? ": " : "",
				 job.err.msg);
		} else {
			evaluate_ns_fill(nr, &slots[cur].res);
		}
		if (!nr->failed &&
		    (*worst_slot < 0 || evaluate_ns_worse(cfg, nr, &all->v[held[*worst_slot]]))) {
			/* This namespace's figures are kept; the other slot is read into next. */
			held[cur] = i;
			*worst_slot = cur;
			cur = 1 - cur;
		}
	}
	if (*worst_slot >= 0) {
		all->worst = held[*worst_slot];
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct slot slots[2];
	static struct netns_list list;
	static struct ns_results all;
	uint64_t start = sys_clock_ms();
	int top, worst = 0;
	bool owners_now;
	const struct renderer *rd = &report_nagios;
	struct eph_config cfg;
	struct result res;
	struct strbuf out = { 0 };
	struct eph_err err = { "" };
	const char *what = "";
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
	prepare_timeouts(rd, cfg.timeout);
	if (output_file && sys_file_arm(output_file, &err) < 0) {
		output_file = NULL;
		return fail(rd, "writing --output-file", err.msg);
	}
	if (sys_timeout_start(cfg.timeout, on_timeout, &err) < 0) {
		sys_file_disarm();
		return fail(rd, "", err.msg);
	}

	owners_now = (cfg.top > 0 && rd->shows_tables) || (cfg.log_file && cfg.top != 0);
	if (cfg.netns) {
		/* Owner data is read again for the worst namespace only, once it is known. */
		owners_now = false;
		if (measure_netns(&cfg, slots, &worst, &list, &all, start, &what, &err) < 0) {
			code = fail(rd, what, err.msg);
			goto out;
		}
		if (worst < 0) {
			/* Nothing could be read: say why, with the first namespace's reason. */
			code = fail(rd, "",
				    all.n && all.v[0].why[0] ? all.v[0].why
							     : "no network namespace could be checked");
			goto out;
		}
		res = slots[worst].res;
		res.ns = &all;
		res.state = evaluate_ns_merge(&cfg, &all);
	} else {
		if (measure_all(&slots[0], &cfg, owners_now, &what, &err) < 0) {
			code = fail(rd, what, err.msg);
			goto out;
		}
		res = slots[0].res;
	}

	/* Who holds the ports: asked for, or by default whenever the state is not OK. */
	top = cfg.top >= 0 ? cfg.top : res.state != EPH_OK ? ATTRIB_TOP_DEFAULT : 0;
	if (!rd->shows_tables) {
		top = 0; /* SAM and Prometheus have no place for them */
	}
	if ((top > 0 || (cfg.log_file && cfg.top != 0)) && !owners_now) {
		if (cfg.netns) {
			struct ns_job job = { &slots[worst], &cfg, true, "", { "" } };
			int fn_rc = 0;

			rc = netns_run(all.v[all.worst].ns, ns_owners, &job, &fn_rc, &err);
			if (rc != 0 || fn_rc < 0) {
				code = fail(rd, "reading the socket table", rc ? err.msg : job.err.msg);
				goto out;
			}
		} else if (top > 0 && measure_owners(&slots[0], &cfg, &err) < 0) {
			code = fail(rd, "reading the socket table", err.msg);
			goto out;
		}
	}
	if (top > 0) {
		owner_tables(&res, slots[worst].attribs, slots[worst].tallies, slots[worst].tables,
			     (size_t)top, owner_deadline(start, cfg.timeout));
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
		owner_tables(&res, slots[worst].attribs, slots[worst].tallies, slots[worst].tables,
			     ATTRIB_TOP_MAX, owner_deadline(start, cfg.timeout));
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
	slot_free(&slots[0]);
	slot_free(&slots[1]);
	free(all.v);
	free(all.order);
	netns_list_free(&list);
	sb_free(&out);
	return code;
}
