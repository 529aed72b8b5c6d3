/* Unit tests of lib/check.c: the whole run over a fake OS layer (struct check_os). A fixed
 * population in a fixed pool; the tests assert the states and first lines, that the owner tables
 * are made only when the output or the log needs them (and the sockets read a second time only
 * then), that each stage's failure is reported with its stage and reason, the renderer's first-line
 * limit, and the stage the run is in for the timeout message. --netns through fake namespaces: the
 * worst one decides and is named, a gone, failing or late one is counted, and the owners are read
 * inside the worst one. Portable: also built with mingw and run under wine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"
#include "histlog.h"
#include "sockrec.h"
#include "tap.h"

static volatile sig_atomic_t stage;    /* where the run says it is */
static volatile sig_atomic_t fallback; /* the run's fallback_ready */

/* What the fake OS does and what it saw. */
static struct {
	int fail_pool, fail_tw, fail_host, fail_append;
	int fail_read_at; /* the n-th socket read (1-based) fails; 0: none */
	int reads, pid_searches;
	int stage_at_tw, stage_at_append; /* the run's stage when the fake was called */
	int armed_at_append;              /* the run's fallback_ready then */
	int range_reads, reserved_reads;
	char log[8192];
	char header[256];
	const char *log_path;
	uint64_t now; /* the fake clock, in ms */
	/* --netns: namespaces ns0 (the plugin's own) .. ns<n_ns - 1>; extra[k] more ESTABLISHED
	 * sockets in ns k; run_ns the one being read (-1: none); gone the one that is gone when
	 * entered (-1: none), gone_later the one gone from its second entry on; ns_ms how long
	 * entering and reading one takes on the clock. */
	int n_ns, run_ns, gone, gone_later, no_priv;
	int extra[8], entries[8], owner_ns;
	uint64_t ns_ms;
	uint64_t read_ms; /* how long each socket read takes on the clock */
} os = { .run_ns = -1, .gone = -1, .gone_later = -1, .owner_ns = -1 };

/* The OS's range: 40000-40099; fail_pool makes it unreadable, as Linux's can be. */
static int fake_range(enum eph_proto proto, uint16_t *lo, uint16_t *hi, struct sys_pool_info *info,
		      struct eph_err *err)
{
	(void)proto;
	os.range_reads++;
	if (os.fail_pool) {
		eph_err_set(err, "fake pool unreadable");
		return -1;
	}
	snprintf(info->range_source, sizeof(info->range_source), "fake");
	*lo = 40000;
	*hi = 40099;
	return 0;
}

/* The OS's reserved ports: 40090-40099. */
static int fake_reserved(enum eph_proto proto, struct portpool *pool, struct sys_pool_info *info,
			 struct eph_err *err)
{
	(void)proto;
	(void)err;
	os.reserved_reads++;
	snprintf(info->reserved_source, sizeof(info->reserved_source), "fake");
	pool_reserve(pool, 40090, 40099);
	return 0;
}

/* From 127.0.0.1 toward 10.0.0.R4 (none when R4 is 0). */
static struct sock_rec sock(enum eph_proto proto, enum eph_state st, uint16_t lport, uint8_t r4,
			    uint16_t rport, uint64_t inode)
{
	uint32_t raddr = r4 ? 0x0a000000u | r4 : 0;
	struct sock_rec r = sockrec(proto, 4, st, lport, 0x7f000001, raddr, rport);

	r.inode = inode;
	return r;
}

/* TCP: 5 ESTABLISHED toward 10.0.0.1:443, 2 TIME_WAIT toward 10.0.0.2:80, 1 in a reserved port (not
 * counted): 7 of 90 ports. UDP: 2 sockets. */
static int fake_read(const struct sys_query *q, sock_fn fn, void *ctx, struct sys_sock_info *info,
		     struct eph_err *err)
{
	struct sock_rec r;

	os.reads++;
	os.now += os.read_ms;
	if (os.fail_read_at == os.reads) {
		eph_err_set(err, "fake netlink error");
		return -1;
	}
	memset(info, 0, sizeof(*info));
	snprintf(info->source, sizeof(info->source), "fake");
	info->bound_visible = true;
	if (q->proto == EPH_UDP) {
		r = sock(EPH_UDP, EPH_UDP_SOCK, 40050, 0, 0, 900);
		fn(&r, ctx);
		r = sock(EPH_UDP, EPH_UDP_SOCK, 40051, 0, 0, 901);
		return fn(&r, ctx);
	}
	for (uint16_t i = 0; i < 5; i++) {
		r = sock(EPH_TCP, EPH_TCP_ESTABLISHED, (uint16_t)(40000 + i), 1, 443, 100u + i);
		fn(&r, ctx);
	}
	for (int i = 0; os.run_ns >= 0 && i < os.extra[os.run_ns]; i++) {
		r = sock(EPH_TCP, EPH_TCP_ESTABLISHED, (uint16_t)(40010 + i), 3, 22, 300u + (unsigned)i);
		fn(&r, ctx);
	}
	r = sock(EPH_TCP, EPH_TCP_TIME_WAIT, 40005, 2, 80, 0);
	fn(&r, ctx);
	r = sock(EPH_TCP, EPH_TCP_TIME_WAIT, 40006, 2, 80, 0);
	fn(&r, ctx);
	r = sock(EPH_TCP, EPH_TCP_ESTABLISHED, 40095, 1, 443, 200);
	return fn(&r, ctx);
}

static int fake_tw(unsigned *seconds, bool *configured, struct sys_tw_info *info,
		   struct eph_err *err)
{
	os.stage_at_tw = stage;
	if (os.fail_tw) {
		eph_err_set(err, "fake registry error");
		return -1;
	}
	*seconds = 60;
	*configured = false;
	memset(info, 0, sizeof(*info));
	return 0;
}

static bool fake_fixed(void)
{
	return true;
}

static uint64_t fake_clock(void)
{
	return os.now;
}

/* Every inode belongs to process 4242. */
static int fake_pids(const uint64_t *inodes, size_t n, uint32_t *pids, struct sys_owner_scan *s,
		     struct eph_err *err)
{
	(void)inodes;
	(void)err;
	os.pid_searches++;
	for (size_t i = 0; i < n; i++) {
		pids[i] = 4242;
	}
	s->needed = true;
	s->found = n;
	return 0;
}

static int fake_process_name(uint32_t pid, char *buf, size_t size)
{
	snprintf(buf, size, "proc%u", pid);
	return 0;
}

static int fake_user_name(uint32_t uid, char *buf, size_t size)
{
	snprintf(buf, size, "user%u", uid);
	return 0;
}

static const struct attrib_hooks fake_owners = { fake_pids, fake_process_name, fake_user_name };

static int fake_host(char *buf, size_t size, struct eph_err *err)
{
	if (os.fail_host) {
		eph_err_set(err, "fake: no host name");
		return -1;
	}
	snprintf(buf, size, "testhost");
	return 0;
}

static int fake_time(char *buf, size_t size, struct eph_err *err)
{
	(void)err;
	snprintf(buf, size, "2026-01-02T03:04:05+00:00");
	return 0;
}

static int fake_append(const char *path, const char *header, const char *lines, size_t len,
		       struct eph_err *err)
{
	os.stage_at_append = stage;
	os.armed_at_append = fallback;
	if (os.fail_append) {
		eph_err_set(err, "fake: %s is read-only", path);
		return -1;
	}
	os.log_path = path;
	snprintf(os.header, sizeof(os.header), "%s", header);
	snprintf(os.log, sizeof(os.log), "%.*s", (int)len, lines);
	return 0;
}

static int fake_privileged(struct eph_err *err)
{
	if (os.no_priv) {
		eph_err_set(err, "fake: --netns needs CAP_SYS_ADMIN");
		return -1;
	}
	return 0;
}

/* "all": every namespace; "nsK": that one. */
static int fake_list(const char *spec, struct netns_list *l, struct eph_err *err)
{
	int from = 0, to = os.n_ns;

	if (strcmp(spec, "all") != 0) {
		from = atoi(spec + 2);
		to = from + 1;
	}
	l->v = calloc((size_t)os.n_ns, sizeof(*l->v));
	if (!l->v) {
		eph_err_set(err, "out of memory");
		return -1;
	}
	for (int k = from; k < to; k++) {
		struct netns_entry *e = &l->v[k - from];

		e->ino = 4026531840u + (unsigned)k;
		e->self = k == 0;
		e->kind = k == 0 ? NETNS_HOST : NETNS_NAMED;
		snprintf(e->name, sizeof(e->name), "ns%d", k);
		snprintf(e->path, sizeof(e->path), "/run/netns/ns%d", k);
	}
	l->n = l->cap = (size_t)(to - from);
	return 0;
}

/* Runs fn "inside" namespace ns<k>: the fake readers see run_ns = k. */
static int fake_run(const struct netns_entry *e, int (*fn)(void *ctx), void *ctx, int *fn_rc,
		    struct eph_err *why)
{
	int k = atoi(e->name + 2);

	os.now += os.ns_ms;
	os.entries[k]++;
	if (k == os.gone || (k == os.gone_later && os.entries[k] > 1)) {
		eph_err_set(why, "%s: gone (its processes ended)", e->path);
		return 1;
	}
	os.run_ns = k;
	if (os.entries[k] > 1) {
		os.owner_ns = k;
	}
	*fn_rc = fn(ctx);
	os.run_ns = -1;
	return 0;
}

static const struct check_os fake_os = {
	.read_range = fake_range,
	.read_reserved = fake_reserved,
	.read_sockets = fake_read,
	.time_wait_lifetime = fake_tw,
	.time_wait_fixed = fake_fixed,
	.clock_ms = fake_clock,
	.owners = &fake_owners,
	.host_name = fake_host,
	.local_time_iso8601 = fake_time,
	.append_file = fake_append,
	.netns_privileged = fake_privileged,
	.netns_list = fake_list,
	.netns_run = fake_run,
};

/* The forecast's state file, in memory: what the last run recorded; its key; the run's time. */
#define WALL 1764118556
static struct forecast_state fake_file;
static char fake_key[FORECAST_KEY_MAX];
static struct forecast_drops fake_drops;

static void copy_state(struct forecast_state *to, const struct forecast_state *from)
{
	forecast_free(to);
	to->s = calloc(from->n + 1, sizeof(*to->s));
	if (to->s) {
		if (from->n) { /* from->s is NULL when nothing was recorded */
			memcpy(to->s, from->s, from->n * sizeof(*to->s));
		}
		to->n = to->cap = from->n;
	}
}

static void fake_fc_read(const char *dir, const struct forecast_key *k, unsigned wait_ms,
			 struct forecast_store *fs)
{
	(void)dir;
	(void)wait_ms;
	memset(fs, 0, sizeof(*fs));
	forecast_key_string(k, fake_key, sizeof(fake_key));
	snprintf(fs->path, sizeof(fs->path), "/fake/state");
	copy_state(&fs->st, &fake_file);
	fs->on = true;
}

static void fake_fc_record(const struct forecast_key *k, const struct forecast_sample *s, size_t n,
			   unsigned wait_ms, struct forecast_store *fs)
{
	struct eph_err e;

	(void)k;
	(void)wait_ms;
	if (forecast_add(&fake_file, s, n, &fake_drops, &e) < 0) {
		snprintf(fs->note, sizeof(fs->note), "%s", e.msg);
		return;
	}
	copy_state(&fs->st, &fake_file);
	fs->recorded = true;
}

static int64_t fake_wall(void)
{
	return WALL;
}

/* The fake OS with the forecast's hooks. */
static struct check_os fake_os_fc;
static const struct check_os *use_os = &fake_os;

static struct check run;
static struct eph_config cfg;
static struct eph_err err;

/* Runs the check with the command line args (NULL-terminated, program name first). Returns
 * check_run's result; the fake's counters start at zero, its failure switches stay. */
static int run_with(char **args)
{
	struct strbuf out = { 0 };
	int argc = 0;

	while (args[argc]) {
		argc++;
	}
	os.reads = os.pid_searches = os.range_reads = os.reserved_reads = 0;
	os.log[0] = os.header[0] = '\0';
	os.now = 1000;
	os.owner_ns = -1;
	memset(os.entries, 0, sizeof(os.entries));
	memset(&err, 0, sizeof(err));
	check_free(&run);
	if (cli_parse(argc, args, &cfg, &out, &err) != CLI_RUN) {
		printf("# cli_parse refused the arguments: %s\n", err.msg);
		sb_free(&out);
		return -2;
	}
	check_init(&run, &cfg, report_find(cfg.output), use_os, fake_clock());
	run.stage = &stage;
	run.fallback_ready = &fallback;
	stage = CHECK_START;
	return check_run(&run, &err);
}

/* The first line of the output. */
static const char *first_line(void)
{
	static char line[1200];
	const char *s = sb_str(&run.out);
	size_t n = strcspn(s, "\n");

	snprintf(line, sizeof(line), "%.*s", (int)n, s);
	return line;
}

static void test_ok(void)
{
	char *args[] = { "p", NULL };

	is_int(run_with(args), 0, "an OK run succeeds");
	is_int(run.res.state, EPH_OK, "7 of 90 ports is OK under the default 80/90");
	is_int(run.code, 0, "exit code 0");
	is_str(first_line(),
	       "EPHEMERAL OK - tcp 7 of 90 ports in use (7.8%), worst destination 5 ports to "
	       "10.0.0.1:443 | "
	       "'tcp_used'=7;;;0;90 'tcp_pct'=7.8%;80;90;0;100 'tcp_free'=83;;;0;90 "
	       "'tcp_established'=5;;;0 'tcp_time_wait'=2;;;0 'tcp_bound'=0;;;0 "
	       "'tcp_dest'=5;;;0;90 'tcp_dest_pct'=5.6%;;;0;100 'tcp_churn'=0.03;;;0 "
	       "'tcp_churn_max'=1.5;;;0",
	       "the Nagios line of the fake population");
	is_int(os.reads, 1, "the sockets are read once");
	is_int(os.pid_searches, 0, "no owner search when OK");
	ok(run.res.p[EPH_TCP].attrib == NULL, "no owner tables when OK");
	is_int(stage, CHECK_OUTPUT, "the run ends in the output stage");
	is_int(os.range_reads, 1, "no --range: the OS's range is read");
	is_int(os.reserved_reads, 1, "and its reserved ports");
}

static void test_not_ok(void)
{
	char *args[] = { "p", "-w", "5", "-c", "6", NULL };

	is_int(run_with(args), 0, "a CRITICAL run succeeds");
	is_int(run.res.state, EPH_CRITICAL, "7.8%% is CRITICAL above 6");
	is_int(run.code, 2, "exit code 2");
	is_int(os.reads, 2, "a second read gathers the owners once the state is not OK");
	is_int(os.pid_searches, 1, "one owner search");
	ok(run.res.p[EPH_TCP].attrib && run.res.p[EPH_TCP].attrib->top == ATTRIB_TOP_DEFAULT,
	   "tables of the default size");
	ok(strstr(sb_str(&run.out), "tcp:   pid 4242 proc4242: 5 ports") != NULL,
	   "the owner row is in the long output");
}

/* The owners get only the time left once the state is known: a first read that took too long
 * leaves no room for a second one; and from the state on, a timeout has the state to print. */
static void test_owner_time(void)
{
	char *args[] = { "p", "-w", "5", "-c", "6", "-t", "1", NULL };

	os.read_ms = 600; /* -t 1: the owners must be done 700 ms after the start */
	is_int(run_with(args), 0, "a slow first read: the run succeeds");
	is_int(run.code, 2, "CRITICAL, exit 2");
	is_int(os.reads, 1, "no second read: it would not fit in what -t leaves");
	ok(run.res.owners_note && strstr(sb_str(&run.out), "\nnote: owners were not listed: a "
							 "second read of the socket table would "
							 "not fit") != NULL,
	   "the output says why owners are missing");
	ok(strncmp(sb_str(&run.fallback[SYS_STOP_TIMEOUT]),
		   "EPHEMERAL CRITICAL - tcp 7 of 90 ports in use ", 46) == 0 &&
		   strstr(sb_str(&run.fallback[SYS_STOP_TIMEOUT]),
			  "\nnote: owners were not listed: the time -t leaves ran out") != NULL &&
		   run.fallback_code == 2,
	   "the fallback for a timeout: the state, its perfdata and a note");
	if (tap_failed) {
		printf("# fallback: %s", sb_str(&run.fallback[SYS_STOP_TIMEOUT]));
	}
	ok(strncmp(sb_str(&run.fallback[SYS_STOP_TERM]), "EPHEMERAL CRITICAL - tcp 7 of 90 ", 33) ==
		   0 &&
		   strstr(sb_str(&run.fallback[SYS_STOP_TERM]),
			  "\nnote: owners were not listed: terminated by SIGTERM while they were "
			  "searched") != NULL,
	   "the fallback for SIGTERM (a monitoring system's own timeout): the state and a note");
	ok(strstr(sb_str(&run.fallback[SYS_STOP_HUP]), "terminated by SIGHUP") != NULL,
	   "and for SIGHUP");
	is_int(fallback, 0, "disarmed once the owner part is over");
	os.read_ms = 100;
	is_int(run_with(args), 0, "a fast first read");
	is_int(os.reads, 2, "the second read fits");
	ok(run.res.owners_note == NULL && run.res.p[EPH_TCP].attrib != NULL, "owners listed");
	os.read_ms = 0;
}

static void test_top(void)
{
	char *top3[] = { "p", "--top", "3", NULL };
	char *top0[] = { "p", "--top", "0", "-w", "5", "-c", "6", NULL };
	char *prom[] = { "p", "-o", "prometheus", "-w", "5", "-c", "6", "--top", "3", NULL };

	is_int(run_with(top3), 0, "--top 3 succeeds");
	is_int(os.reads, 1, "--top N: owners gathered in the one read");
	ok(run.res.p[EPH_TCP].attrib && run.res.p[EPH_TCP].attrib->top == 3, "tables of 3 rows");
	is_int(run_with(top0), 0, "--top 0 succeeds");
	is_int(run.code, 2, "--top 0 CRITICAL exits 2");
	ok(os.reads == 1 && os.pid_searches == 0 && !run.res.p[EPH_TCP].attrib,
	   "--top 0: no owners even when CRITICAL");
	is_int(run_with(prom), 0, "prometheus succeeds");
	ok(os.reads == 1 && os.pid_searches == 0 && !run.res.p[EPH_TCP].attrib,
	   "a format without tables never searches for owners");
}

static void test_log(void)
{
	char *log[] = { "p", "--log", "h.csv", NULL };
	char *log0[] = { "p", "--log", "h.csv", "--top", "0", NULL };

	is_int(run_with(log), 0, "--log succeeds");
	is_str(os.log_path, "h.csv", "the log goes to --log's path");
	is_str(os.header, histlog_header(), "with the header");
	is_int(os.reads, 1, "--log: owners gathered in the one read");
	is_int(os.pid_searches, 1, "--log: the owners are searched for the log");
	ok(strstr(os.log, "testhost,2026-01-02T03:04:05+00:00,*,7,90,7.8,0,,tcp\n") == os.log,
	   "the host line first");
	ok(strstr(os.log, ",127.0.0.1,7,90,7.8,0,4242,tcp\n") != NULL, "a row per local address");
	ok(strstr(sb_str(&run.out), "top processes") == NULL, "an OK output still has no tables");
	/* The log's own owner search comes after the output is built: the log must not be
	 * written under the owner stage's name (a stalled log said "finding the processes"). */
	is_int(os.stage_at_append, CHECK_LOG, "the log is written in the log stage");
	is_int(stage, CHECK_OUTPUT, "after it, the output stage (the caller's)");
	is_int(run_with(log0), 0, "--log --top 0 succeeds");
	ok(os.pid_searches == 0 && strstr(os.log, "127.0.0.1") == NULL,
	   "--top 0 turns the log's address rows off");
}

/* The log's failure is an UNKNOWN merged with the state: a CRITICAL stands, with the reason; from
 * the log step on, every stop has that state to print; an OK run still fails (test_failures). */
static void test_log_fails(void)
{
	char *crit[] = { "p", "-w", "5", "-c", "6", "-t", "7", "--log", "h.csv", NULL };
	char *json[] = { "p", "-w", "5", "-c", "6", "--log", "h.csv", "-o", "json", NULL };
	char *prom[] = { "p", "-w", "5", "-c", "6", "--log", "h.csv", "-o", "prometheus", NULL };
	char *sam[] = { "p", "-w", "5", "--log", "h.csv",
			"-o", "solarwinds", "--sam-status", NULL };
	char *good[] = { "p", "--log", "h.csv", NULL };
	const char *s;

	is_int(run_with(crit), 0, "CRITICAL, the log written: the run succeeds");
	is_int(os.armed_at_append, 1, "while the log is written, a stop has the state to print");
	is_int(fallback, 0, "disarmed after it");
	ok(run.res.log_note == NULL && strstr(sb_str(&run.out), "log was not written") == NULL,
	   "a written log: no note");
	s = sb_str(&run.fallback[SYS_STOP_TIMEOUT]);
	ok(strncmp(s, "EPHEMERAL CRITICAL - tcp 7 of 90 ports in use (7.8%), worst destination 5 "
		      "ports to 10.0.0.1:443, the log was not written | 'tcp_used'=7;",
		   110) == 0,
	   "the timeout's fallback: the state, a short note on the status line, the perfdata");
	ok(strstr(s, "\nnote: the log was not written: timed out after 7 s while writing the log "
		     "h.csv (raise -t or check the file)\n") != NULL,
	   "and the reason in the long output");
	ok(strstr(s, "tcp:   pid 4242 proc4242: 5 ports") != NULL, "with the owner tables");
	if (tap_failed) {
		printf("# fallback: %s", s);
	}
	ok(strstr(sb_str(&run.fallback[SYS_STOP_TERM]),
		  "\nnote: the log was not written: terminated by SIGTERM while writing the log "
		  "h.csv (if the monitoring system") != NULL,
	   "SIGTERM's fallback names the signal");
	s = sb_str(&run.fallback[SYS_STOP_HUP]);
	ok(strstr(s, "terminated by SIGHUP while writing") != NULL, "SIGHUP's too");
	is_int(run.fallback_code, 2, "the fallbacks exit with the state's code");

	os.fail_append = 1;
	is_int(run_with(crit), 0, "CRITICAL, the log refused: the run still succeeds");
	is_int(run.code, 2, "exit code 2");
	is_str(run.failed, "", "no failed stage");
	ok(strncmp(first_line(), "EPHEMERAL CRITICAL - tcp 7 of 90 ports in use (7.8%), worst "
				 "destination 5 ports to 10.0.0.1:443, the log was not written | ",
		   106) == 0,
	   "the status line says the log was not written (%s)", first_line());
	s = sb_str(&run.out);
	ok(strstr(s, "\nnote: the log was not written: fake: h.csv is read-only\n") != NULL,
	   "the long output says why");
	ok(strstr(sb_str(&run.out), "tcp:   pid 4242 proc4242: 5 ports") != NULL,
	   "and keeps the owner tables");
	is_int(stage, CHECK_OUTPUT, "the run ends in the output stage");
	is_int(fallback, 0, "disarmed");

	is_int(run_with(json), 0, "-o json, the log refused: the run succeeds");
	s = sb_str(&run.out);
	ok(strstr(s, "\"state\": \"CRITICAL\", \"exit_code\": 2") != NULL &&
		   strstr(s, "\"notes\": [\"the log was not written: fake: h.csv is "
			     "read-only\"]") != NULL,
	   "-o json: CRITICAL, the reason among the notes");
	is_int(run_with(prom), 0, "-o prometheus, the log refused: the run succeeds");
	s = sb_str(&run.out);
	ok(strncmp(s, "# check_ephemeral note: the log was not written: fake: h.csv is read-only\n",
		   74) == 0 &&
		   strstr(s, "\nephemeral_check_state 2\n") != NULL &&
		   strstr(s, "\nephemeral_check_success 1\n") != NULL,
	   "-o prometheus: a comment says why; state 2, success 1 (the ports were measured)");
	is_int(run_with(sam), 0, "-o solarwinds, the log refused: the run succeeds");
	ok(strstr(sb_str(&run.out), "Message.state: WARNING - tcp 7 of 90 ports in use (7.8%), "
				    "worst destination 5 ports to 10.0.0.1:443, the log was not "
				    "written: fake: h.csv is read-only\n") != NULL &&
		   run.code == 2,
	   "-o solarwinds: WARNING (SAM's 2), the message gives the reason");

	is_int(run_with(good), -1, "OK, the log refused: the run fails (an admin must see it)");
	is_str(run.failed, "writing the log", "naming the log's stage");
	is_int(os.armed_at_append, 0, "an OK run prepares no fallback for the log");
	os.fail_append = 0;
}

static void test_protocols(void)
{
	char *all[] = { "p", "-p", "all", "-o", "solarwinds", "--sam-status", "-w", "5", NULL };
	char *range[] = { "p", "--range", "40000-40049", "-o", "json", NULL };

	is_int(run_with(all), 0, "-p all succeeds");
	ok(run.res.p[EPH_TCP].checked && run.res.p[EPH_UDP].checked, "both protocols checked");
	is_int(run.res.p[EPH_UDP].used, 2, "udp: 2 ports");
	is_int(run.res.state, EPH_WARNING, "tcp WARNING wins over udp OK");
	is_int(run.code, 2, "SAM's code for Warning");
	is_int(run_with(range), 0, "--range succeeds");
	is_int(os.range_reads, 0, "--range: the OS's range is not read");
	is_int(os.reserved_reads, 1, "--range: the OS's reserved ports are still read");
	is_int(run.res.p[EPH_TCP].size, 50, "the pool is the given range");
	is_str(run.res.p[EPH_TCP].pool_info.range_source, "--range", "its source is --range");
}

static void test_failures(void)
{
	char *plain[] = { "p", NULL };
	char *crit[] = { "p", "-w", "5", "-c", "6", NULL };
	char *log[] = { "p", "--log", "h.csv", NULL };
	char *empty[] = { "p", "--range", "40090-40099", NULL };
	char *given[] = { "p", "--range", "40000-40049", NULL };

	os.fail_pool = 1;
	is_int(run_with(plain), -1, "an unreadable pool fails the run");
	is_str(run.failed, "reading the port range", "naming its stage");
	is_str(err.msg, "fake pool unreadable", "with the reader's reason");
	is_int(stage, CHECK_RANGE, "in the range stage");
	ok(run.out.len == 0, "no output is left");
	is_int(run_with(given), 0, "an unreadable OS range with --range: the run succeeds");
	is_int(os.range_reads, 0, "the OS's range was not read");
	os.fail_pool = 0;

	os.fail_read_at = 1;
	is_int(run_with(plain), -1, "a failed socket read fails the run");
	is_str(run.failed, "reading the socket table", "naming its stage");
	is_str(err.msg, "fake netlink error", "with the reader's reason");
	is_int(stage, CHECK_SOCKETS, "in the sockets stage");
	os.fail_read_at = 2;
	is_int(run_with(crit), -1, "a failed second read (owners) fails the run");
	is_str(run.failed, "reading the socket table", "naming its stage");
	os.fail_read_at = 0;

	is_int(run_with(empty), -1, "an empty pool fails the run");
	is_str(run.failed, "", "the message says it all");
	ok(strstr(err.msg, "pool is empty") != NULL, "the pool is empty (%s)", err.msg);

	os.fail_tw = 1;
	is_int(run_with(plain), -1, "an unreadable TIME_WAIT lifetime fails the run");
	is_str(run.failed, "reading the TIME_WAIT lifetime", "naming its stage");
	is_int(os.stage_at_tw, CHECK_TIME_WAIT, "read in a stage of its own");
	os.fail_tw = 0;

	os.fail_host = 1;
	is_int(run_with(log), -1, "no host name fails a run with --log");
	is_str(run.failed, "writing the log", "naming its stage");
	ok(run.out.len == 0, "the output is not written then");
	os.fail_host = 0;
	os.fail_append = 1;
	is_int(run_with(log), -1, "an unwritable log fails the run");
	is_str(err.msg, "fake: h.csv is read-only", "with the reason");
	os.fail_append = 0;
}

static void test_first_line_limit(void)
{
	struct renderer tight = report_nagios;
	char *args[] = { "p", NULL };

	tight.first_line_max = 40;
	is_int(run_with(args), 0, "the run succeeds with the real renderer");
	check_free(&run);
	check_init(&run, &cfg, &tight, &fake_os, fake_clock());
	is_int(check_run(&run, &err), -1, "a first line above the renderer's limit fails");
	ok(strstr(err.msg, "NRPE limit") != NULL, "as a bug to report (%s)", err.msg);
	ok(run.out.len == 0, "and leaves no output");
}

static void test_stage_names(void)
{
	is_str(check_stage_name(CHECK_START), "starting", "stage names");
	is_str(check_stage_name(CHECK_OWNERS), "finding the processes that hold ports",
	       "the owner stage");
	is_str(check_stage_name(CHECK_LOG), "writing the log", "the log stage");
	is_str(check_stage_name(CHECK_RENDER), "building the output", "the render stage");
	is_str(check_stage_name(CHECK_NSTAGES), "starting", "out of range: starting");
}

/* Three namespaces: ns0 7 of 90 ports (OK), ns1 87 (CRITICAL), ns2 77 (WARNING). */
static void three_ns(void)
{
	memset(os.extra, 0, sizeof(os.extra));
	os.n_ns = 3;
	os.extra[1] = 80;
	os.extra[2] = 70;
}

static void test_netns(void)
{
	char *all[] = { "p", "--netns", "all", NULL };
	char *json[] = { "p", "--netns", "all", "-o", "json", NULL };
	char *prom[] = { "p", "--netns", "all", "-o", "prometheus", NULL };

	three_ns();
	is_int(run_with(all), 0, "--netns all over three namespaces succeeds");
	is_int(run.res.state, EPH_CRITICAL, "the worst namespace decides: CRITICAL");
	ok(strstr(first_line(), "EPHEMERAL CRITICAL - netns ns1: tcp 87 of 90 ports in use (96.7%)") ==
		   first_line(),
	   "the status line names it, with its numbers (%s)", first_line());
	ok(strstr(first_line(), "; 3 namespaces checked: 1 critical, 1 warning |") != NULL,
	   "and counts the others");
	ok(strstr(first_line(), " 'tcp_used'=87;;;0;90 ") != NULL, "perfdata: the worst one's figures");
	ok(strstr(first_line(),
		  " 'netns_checked'=3;;;0 'netns_warning'=1;;;0 'netns_critical'=1;;;0") != NULL,
	   "perfdata: the namespace counts");
	is_int(os.reads, 4, "each namespace read once, and the worst once more for its owners");
	is_int(os.owner_ns, 1, "that second read inside the worst one");
	ok(run.res.p[EPH_TCP].attrib && run.res.p[EPH_TCP].attrib->owners_total == 1,
	   "the owner tables are the worst namespace's");
	ok(strstr(sb_str(&run.out), "\nnetns   ns1: CRITICAL, tcp 87 of 90 (96.7%) dest 80 "
				    "[/run/netns/ns1]\nnetns   ns2: WARNING, tcp 77 of 90") != NULL,
	   "the long output lists the worst first");
	ok(strstr(sb_str(&run.out), "\ntcp (netns ns1): top processes by ports held") != NULL,
	   "the tables say which namespace they describe");

	is_int(run_with(json), 0, "-o json succeeds");
	ok(strstr(sb_str(&run.out), "\"netns\": {\"checked\": 3, \"warning\": 1, \"critical\": 1,") !=
		   NULL,
	   "json: the counts");
	ok(strstr(sb_str(&run.out), "{\"name\": \"ns0\", \"kind\": \"host\"") != NULL,
	   "json: every namespace, the plugin's own too");
	is_int(run_with(prom), 0, "-o prometheus succeeds");
	ok(strstr(sb_str(&run.out), "\nephemeral_ports_used{netns=\"ns2\",protocol=\"tcp\"} 77\n") !=
		   NULL,
	   "prometheus: every namespace's series, labelled");
	ok(strstr(sb_str(&run.out), "\nephemeral_check_state 2\n") != NULL,
	   "prometheus: the merged state");
	is_int(os.reads, 3, "prometheus: no owner read");
}

static void test_netns_skips(void)
{
	char *all[] = { "p", "--netns", "all", NULL };
	char *allv[] = { "p", "--netns", "all", "-v", NULL };
	char *late[] = { "p", "--netns", "all", "-t", "10", NULL };
	char *one[] = { "p", "--netns", "ns1", NULL };

	three_ns();
	os.gone = 1;
	is_int(run_with(allv), 0, "a namespace gone when entered does not fail the run");
	is_int(run.res.state, EPH_WARNING, "the others decide: WARNING");
	ok(strstr(first_line(), "netns ns2: tcp 77 of 90") != NULL, "the worst of the others is named");
	ok(strstr(first_line(), "; 2 namespaces checked: 0 critical, 1 warning; 1 skipped") != NULL,
	   "the gone one is counted as skipped (%s)", first_line());
	ok(strstr(sb_str(&run.out),
		  "\nnetns skipped ns1: /run/netns/ns1: gone (its processes ended)\n") != NULL,
	   "-v says which and why");
	os.gone = -1;

	os.gone_later = 1;
	is_int(run_with(all), 0, "the worst one gone before its owners are read");
	is_int(run.res.state, EPH_CRITICAL, "its CRITICAL stands");
	ok(run.res.p[EPH_TCP].attrib == NULL, "without owner tables");
	ok(strstr(sb_str(&run.out), "netns: no --top tables: the owners of ns1's ports could not be "
				    "read: /run/netns/ns1: gone") != NULL,
	   "and the output says why");
	os.gone_later = -1;

	os.fail_read_at = 2;
	is_int(run_with(all), 0, "a namespace whose socket table fails does not fail the run");
	is_int(run.res.state, EPH_WARNING, "it is UNKNOWN, the others' WARNING is worse");
	ok(strstr(first_line(), "netns ns2:") && strstr(first_line(), ", 1 unknown"),
	   "it counts as unknown (%s)", first_line());
	ok(strstr(sb_str(&run.out), "netns   ns1: UNKNOWN - reading the socket table: fake netlink "
				    "error\n") != NULL,
	   "the long output says why");
	is_str(run.failed, "", "the run itself did not fail");
	os.fail_read_at = 0;

	/* -t 10: no namespace is entered after 7.5 s; each takes 5 s here. */
	os.ns_ms = 5000;
	is_int(run_with(late), 0, "a run that runs out of time succeeds");
	is_int(os.entries[2], 0, "the third namespace is not entered after 3/4 of -t");
	is_int(run.res.state, EPH_CRITICAL, "what was found stands (ns1 CRITICAL)");
	ok(strstr(first_line(), "; 1 not checked before -t ran out") != NULL,
	   "the status line says one was not checked");
	os.extra[1] = 0;
	is_int(run_with(late), 0, "again with every one checked OK");
	is_int(run.res.state, EPH_UNKNOWN, "a namespace not checked makes it at least UNKNOWN");
	os.ns_ms = 0;

	os.gone = 1;
	is_int(run_with(one), -1, "--netns NAME of a gone namespace fails the run");
	is_str(err.msg, "/run/netns/ns1: gone (its processes ended)", "with the reason");
	os.gone = -1;

	os.no_priv = 1;
	is_int(run_with(all), -1, "without the privilege the run fails");
	is_str(err.msg, "fake: --netns needs CAP_SYS_ADMIN", "with the reason");
	is_int(stage, CHECK_NETNS, "in the namespace listing stage");
	ok(run.out.len == 0, "and leaves no output");
	os.no_priv = 0;
}

/* A sample of namespace ns<k> (the fake's inode and name) secs before the run. */
static void history(int k, int secs, int tcp)
{
	struct forecast_sample smp;
	char name[16];

	memset(&smp, 0, sizeof(smp));
	snprintf(name, sizeof(name), "ns%d", k);
	forecast_ns_key(4026531840u + (unsigned)k, name, smp.ns, sizeof(smp.ns));
	smp.t = WALL - secs;
	smp.used[EPH_TCP] = tcp;
	smp.used[EPH_UDP] = 2;
	if (forecast_add(&fake_file, &smp, 1, NULL, NULL) < 0) {
		ok(0, "history of ns%d", k);
	}
}

/* Three namespaces (ns0 7 ports, ns1 87, ns2 77 of 90) with history 80 s back: ns0 grew from 2
 * (5 in 80 s: ETA 83 / 0.0625 = 1328 s), ns1 is flat (no ETA), ns2 grew from 67 (10 in 80 s:
 * ETA 13 / 0.125 = 104 s). */
static void three_ns_history(void)
{
	forecast_free(&fake_file);
	three_ns();
	history(0, 80, 2);
	history(1, 80, 87);
	history(2, 80, 67);
}

static void test_netns_forecast(void)
{
	char *eta[] = { "p", "--netns", "all", "--metric", "eta", "-v", NULL };
	char *pct[] = { "p", "--netns", "all", NULL };
	char *json[] = { "p", "--netns", "all", "--metric", "eta", "-o", "json", NULL };
	char *prom[] = { "p", "--netns", "all", "-o", "prometheus", NULL };
	char *own[] = { "p", NULL };
	char key0[FORECAST_NS_MAX];
	const char *out;
	size_t in_ns[3] = { 0 };

	fake_os_fc = fake_os;
	fake_os_fc.forecast_read = fake_fc_read;
	fake_os_fc.forecast_record = fake_fc_record;
	fake_os_fc.time_now = fake_wall;
	use_os = &fake_os_fc;

	three_ns_history();
	is_int(run_with(eta), 0, "--netns all --metric eta succeeds");
	is_str(fake_key, "proto=tcp families=ipv4,ipv6 range=os netns=all",
	       "the state file's key holds --netns");
	is_int(run.res.state, EPH_CRITICAL, "the namespace full soonest decides: CRITICAL");
	ok(strstr(first_line(), "EPHEMERAL CRITICAL - netns ns2: tcp 77 of 90 ports in use (85.6%), "
				"worst destination 70 ports to 10.0.0.3:22, full in ~2 min; 3 "
				"namespaces checked: 1 "
				"critical, 1 warning |") == first_line(),
	   "the status line names it, not the fuller but flat ns1 (%s)", first_line());
	ok(strstr(first_line(), " 'tcp_eta'=104s;3600:;600:;0") != NULL,
	   "tcp_eta is the named namespace's, with the thresholds");
	out = sb_str(&run.out);
	ok(strstr(out, "\nnetns   ns2: CRITICAL, tcp 77 of 90 (85.6%) dest 70 full in ~104 s "
		       "[/run/netns/ns2]\nnetns   ns0: WARNING, tcp 7 of 90 (7.8%) dest 5 full in ~1328 "
		       "s [/run/netns/ns0]\nnetns   ns1: OK, tcp 87 of 90") != NULL,
	   "the long output lists each one's ETA, soonest first");
	ok(strstr(out, "\ntcp (netns ns2): forecast: 2 samples over 80 s, +0.125 ports/s: full in 104 "
		       "s at that rate (an estimate)\n") != NULL,
	   "-v: the named namespace's forecast");
	is_int(fake_file.n, 6, "the file: the 3 samples of history and one per namespace of this run");
	for (size_t i = 0; i < fake_file.n; i++) {
		for (int k = 0; k < 3; k++) {
			char name[16];

			snprintf(name, sizeof(name), "ns%d", k);
			forecast_ns_key(4026531840u + (unsigned)k, name, key0, sizeof(key0));
			in_ns[k] += strcmp(fake_file.s[i].ns, key0) == 0 && fake_file.s[i].t <= WALL;
		}
	}
	ok(in_ns[0] == 2 && in_ns[1] == 2 && in_ns[2] == 2, "two samples of each namespace");
	ok(fake_file.s[5].t == WALL && fake_file.s[5].used[EPH_TCP] == 77 &&
		   fake_file.s[5].used[EPH_UDP] == -1,
	   "this run's samples: its time, the namespace's count, '-' for udp not checked");

	three_ns_history();
	is_int(run_with(json), 0, "-o json succeeds");
	out = sb_str(&run.out);
	ok(strstr(out, "{\"name\": \"ns2\", ") != NULL &&
		   strstr(strstr(out, "{\"name\": \"ns2\", "),
			  "\"forecast\": {\"samples\": 2, \"span_seconds\": 80, "
			  "\"slope_per_second\": 0.125, \"eta_seconds\": 104}") != NULL,
	   "json: the namespace's own forecast");
	ok(strstr(out, "\"dest_pct\": 88.9, \"forecast\": {\"samples\": 2, \"span_seconds\": 80, "
		       "\"slope_per_second\": 0, \"eta_seconds\": null}") != NULL,
	   "json: a flat one has no ETA");

	three_ns_history();
	is_int(run_with(pct), 0, "--netns all, the pct metric");
	is_int(run.res.state, EPH_CRITICAL, "ns1 at 96.7%% decides");
	ok(strstr(first_line(), "netns ns1:") && !strstr(first_line(), "full in") &&
		   !strstr(first_line(), "tcp_eta"),
	   "flat ns1 named: no 'full in', no tcp_eta (%s)", first_line());

	three_ns_history();
	is_int(run_with(prom), 0, "-o prometheus succeeds");
	ok(strstr(sb_str(&run.out), "\nephemeral_ports_full_eta_seconds{netns=\"ns2\",protocol=\"tcp\"} "
				    "104\nephemeral_ports_full_eta_seconds{netns=\"ns0\",protocol="
				    "\"tcp\"} 1328\n") != NULL,
	   "prometheus: each growing namespace's ETA, labelled");

	/* ns1's inode under another name: a namespace that died, its inode given to ns1. Written
	 * by hand: forecast_add would drop it at once. */
	three_ns_history();
	{
		struct forecast_state hand = { 0 };
		struct forecast_sample v[2];

		memset(v, 0, sizeof(v));
		forecast_ns_key(4026531841u, "old one", v[0].ns, sizeof(v[0].ns));
		forecast_ns_key(4026531841u, "ns1", v[1].ns, sizeof(v[1].ns));
		for (int i = 0; i < 2; i++) {
			v[i].t = WALL - 80;
			v[i].used[EPH_TCP] = 87;
			v[i].used[EPH_UDP] = 2;
		}
		hand.s = v;
		hand.n = hand.cap = 2;
		copy_state(&fake_file, &hand);
	}
	is_int(run_with(pct), 0, "a run where an inode's name changed");
	is_int(fake_drops.renamed, 1, "the other name's series is dropped");
	is_int(fake_file.n, 4, "ns1's own history and this run's 3 samples stay");

	/* Without --netns: the plugin's own namespace, key "". */
	forecast_free(&fake_file);
	is_int(run_with(own), 0, "a run without --netns");
	is_str(fake_key, "proto=tcp families=ipv4,ipv6 range=os", "no netns= in its key");
	ok(fake_file.n == 1 && fake_file.s[0].ns[0] == '\0' && fake_file.s[0].used[EPH_TCP] == 7,
	   "one sample of the own namespace");

	use_os = &fake_os;
	forecast_free(&fake_file);
}

int main(void)
{
	test_ok();
	test_not_ok();
	test_owner_time();
	test_top();
	test_log();
	test_log_fails();
	test_protocols();
	test_failures();
	test_first_line_limit();
	test_stage_names();
	test_netns();
	test_netns_skips();
	test_netns_forecast();
	check_free(&run);
	return done_testing();
}
