/* Unit tests of check_ephemeral/cli.c: defaults, every option, the values it refuses and the
 * reason it gives, -h/-V, and several parses in one process (getopt's state is reset).
 * Portable: also built with mingw and run under wine. */
#include <string.h>

#include "cli.h"
#include "tap.h"

static struct eph_config cfg;
static struct eph_err err;
static struct strbuf out;

#define ARGV(...) ((char *[]){ "check_ephemeral", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "check_ephemeral", __VA_ARGS__ }) / sizeof(char *)))
/* Parses the given arguments (at least one). */
#define PARSE(...) parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static int parse(int argc, char **argv)
{
	memset(&err, 0, sizeof(err));
	sb_reset(&out);
	return cli_parse(argc, argv, &cfg, &out, &err);
}

static bool th_is(const struct threshold *t, double hi)
{
	return t->set && !t->lo_inf && t->lo == 0 && !t->hi_inf && t->hi == hi && !t->inside;
}

static bool defaults_hold(void)
{
	return cfg.metric == EPH_METRIC_PCT && cfg.proto[EPH_TCP] && !cfg.proto[EPH_UDP] &&
	       cfg.families == EPH_FAM_ALL && cfg.range_lo == 0 && cfg.range_hi == 0 &&
	       cfg.timeout == EPH_DEFAULT_TIMEOUT && cfg.verbose == 0 && cfg.output &&
	       strcmp(cfg.output, "nagios") == 0 && th_is(&cfg.warn, 80) && th_is(&cfg.crit, 90);
}

/* A refused command line: CLI_ERROR, one line, naming what is wrong. */
static void refused(int rc, const char *args, const char *want)
{
	ok(rc == CLI_ERROR && strstr(err.msg, want) != NULL && strchr(err.msg, '\n') == NULL &&
		   out.len == 0,
	   "%s is refused naming \"%s\": %s", args, want, err.msg);
}

int main(void)
{
	int rc;

	/* Defaults. */
	rc = parse(1, (char *[]){ "check_ephemeral", NULL });
	ok(rc == CLI_RUN && defaults_hold(),
	   "no options: pct, tcp, both families, timeout 10, -w 80 -c 90, nagios");
	is_int(EPH_DEFAULT_TIMEOUT, 10, "the default timeout is 10 s");

	/* Thresholds. */
	rc = PARSE("-w", "70", "-c", "85");
	ok(rc == CLI_RUN && th_is(&cfg.warn, 70) && th_is(&cfg.crit, 85), "-w 70 -c 85");
	rc = PARSE("--warning", "60", "--critical", "@70:80");
	ok(rc == CLI_RUN && th_is(&cfg.warn, 60) && cfg.crit.inside && cfg.crit.lo == 70 &&
		   cfg.crit.hi == 80,
	   "--warning 60 --critical @70:80");
	rc = PARSE("--warning=65", "--critical=75");
	ok(rc == CLI_RUN && th_is(&cfg.warn, 65) && th_is(&cfg.crit, 75), "--warning=65 --critical=75");
	rc = PARSE("-w70");
	ok(rc == CLI_RUN && th_is(&cfg.warn, 70) && th_is(&cfg.crit, 90),
	   "-w70 attached; -c keeps its default 90");
	rc = PARSE("-c", "95");
	ok(rc == CLI_RUN && th_is(&cfg.warn, 80) && th_is(&cfg.crit, 95), "-c 95; -w keeps 80");
	rc = PARSE("-w", "80%", "-c", "90%");
	ok(rc == CLI_RUN && th_is(&cfg.warn, 80) && cfg.warn.pct && cfg.crit.pct,
	   "-w 80%% -c 90%% with the percent metric");
	rc = PARSE("--metric", "dest", "-w", "50%", "-c", "75");
	ok(rc == CLI_RUN && cfg.metric == EPH_METRIC_DEST && th_is(&cfg.warn, 50) && cfg.warn.pct,
	   "--metric dest -w 50%%");
	rc = PARSE("--metric", "used", "-w", "80%");
	refused(rc, "--metric used -w 80%", "needs --metric pct or dest");
	ok(strstr(err.msg, "'80%'") != NULL && strstr(err.msg, "used") != NULL,
	   "the reason quotes the threshold and the metric");
	rc = PARSE("--metric", "free", "-w", "2000:", "-c", "10%");
	refused(rc, "--metric free -c 10%", "'10%'");
	rc = PARSE("-w", "80%", "--metric", "free");
	refused(rc, "-w 80% --metric free (order does not matter)", "needs --metric pct or dest");
	rc = PARSE("-w", "abc");
	refused(rc, "-w abc", "-w 'abc'");
	rc = PARSE("-c", "10:5");
	refused(rc, "-c 10:5", "start is above the end");
	rc = PARSE("-w", "1:2:3");
	refused(rc, "-w 1:2:3", "at most one ':'");
	rc = PARSE("-w", "");
	refused(rc, "-w ''", "empty");
	rc = PARSE("-w", "1e5");
	refused(rc, "-w 1e5", "decimal");

	/* Metrics: the percent ones get the defaults, used/free none. */
	rc = PARSE("--metric", "pct");
	ok(rc == CLI_RUN && cfg.metric == EPH_METRIC_PCT && th_is(&cfg.warn, 80), "--metric pct");
	rc = PARSE("--metric", "used");
	ok(rc == CLI_RUN && cfg.metric == EPH_METRIC_USED && !cfg.warn.set && !cfg.crit.set,
	   "--metric used: no default thresholds");
	rc = PARSE("--metric", "free", "-w", "2000:", "-c", "500:");
	ok(rc == CLI_RUN && cfg.metric == EPH_METRIC_FREE && cfg.warn.lo == 2000 &&
		   cfg.warn.hi_inf && cfg.crit.lo == 500,
	   "--metric free -w 2000: -c 500:");
	rc = PARSE("--metric", "dest");
	ok(rc == CLI_RUN && cfg.metric == EPH_METRIC_DEST && th_is(&cfg.warn, 80) &&
		   th_is(&cfg.crit, 90),
	   "--metric dest: defaults 80 and 90");
	rc = PARSE("--metric", "eta");
	ok(rc == CLI_RUN && cfg.metric == EPH_METRIC_ETA && cfg.warn.lo == 3600 &&
		   cfg.warn.hi_inf && !cfg.warn.inside && cfg.crit.lo == 600 && cfg.crit.hi_inf,
	   "--metric eta: defaults 3600: and 600: (alert below)");
	rc = PARSE("--metric", "eta", "-w", "7200:", "-c", "1200:");
	ok(rc == CLI_RUN && cfg.warn.lo == 7200 && cfg.crit.lo == 1200, "--metric eta -w 7200: -c 1200:");
	rc = PARSE("--metric", "eta", "-w", "50%");
	refused(rc, "--metric eta -w 50%", "a % threshold needs --metric pct or dest, not eta");
	rc = PARSE("--state-dir", "/tmp/x");
	ok(rc == CLI_RUN && cfg.state_dir && strcmp(cfg.state_dir, "/tmp/x") == 0, "--state-dir DIR");
	rc = PARSE("--state-dir", "");
	refused(rc, "--state-dir ''", "--state-dir needs a directory name");
	rc = PARSE("-v");
	ok(rc == CLI_RUN && !cfg.state_dir, "no --state-dir: the default directory");
	rc = PARSE("--metric", "percent");
	refused(rc, "--metric percent", "--metric 'percent'");
	rc = PARSE("--metric", "PCT");
	refused(rc, "--metric PCT", "use pct, used, free, dest or eta");

	/* Protocols and families. */
	rc = PARSE("-p", "udp");
	ok(rc == CLI_RUN && !cfg.proto[EPH_TCP] && cfg.proto[EPH_UDP], "-p udp");
	rc = PARSE("--protocol", "all");
	ok(rc == CLI_RUN && cfg.proto[EPH_TCP] && cfg.proto[EPH_UDP], "--protocol all");
	rc = PARSE("-p", "udp", "-p", "tcp");
	ok(rc == CLI_RUN && cfg.proto[EPH_TCP] && !cfg.proto[EPH_UDP], "the last -p wins");
	rc = PARSE("-p", "sctp");
	refused(rc, "-p sctp", "-p 'sctp'");
	rc = PARSE("-p", "udp", "--metric", "dest");
	refused(rc, "-p udp --metric dest", "--metric dest");
	rc = PARSE("-p", "all", "--metric", "dest");
	ok(rc == CLI_RUN && cfg.metric == EPH_METRIC_DEST, "-p all --metric dest is fine");
	rc = PARSE("-4");
	ok(rc == CLI_RUN && cfg.families == EPH_FAM_V4, "-4: IPv4 only");
	rc = PARSE("-6");
	ok(rc == CLI_RUN && cfg.families == EPH_FAM_V6, "-6: IPv6 only");
	rc = PARSE("-4", "-6");
	ok(rc == CLI_RUN && cfg.families == EPH_FAM_ALL, "-4 -6: both");
	rc = PARSE("-46");
	ok(rc == CLI_RUN && cfg.families == EPH_FAM_ALL, "-46: both");

	/* --range. */
	rc = PARSE("--range", "40000-40099");
	ok(rc == CLI_RUN && cfg.range_lo == 40000 && cfg.range_hi == 40099, "--range 40000-40099");
	rc = PARSE("--range=1024-65535");
	ok(rc == CLI_RUN && cfg.range_lo == 1024 && cfg.range_hi == 65535, "--range=1024-65535");
	rc = PARSE("--range", "40099-40000");
	refused(rc, "--range 40099-40000", "starts above its end");
	rc = PARSE("--range", "bad");
	refused(rc, "--range bad", "--range");
	rc = PARSE("--range", "0-100");
	refused(rc, "--range 0-100", "1-65535");
	rc = PARSE("--range", "40000");
	refused(rc, "--range 40000", "LO-HI");

	/* Timeout: a positive whole number of seconds. */
	rc = PARSE("-t", "30");
	ok(rc == CLI_RUN && cfg.timeout == 30, "-t 30");
	rc = PARSE("--timeout", "1");
	ok(rc == CLI_RUN && cfg.timeout == 1, "--timeout 1");
	rc = PARSE("-t", "0");
	refused(rc, "-t 0", "positive whole number");
	rc = PARSE("-t", "-1");
	refused(rc, "-t -1", "-t '-1'");
	rc = PARSE("-t", "1.5");
	refused(rc, "-t 1.5", "-t '1.5'");
	rc = PARSE("-t", "abc");
	refused(rc, "-t abc", "-t 'abc'");
	rc = PARSE("-t", "");
	refused(rc, "-t ''", "positive whole number");
	rc = PARSE("-t", "99999999999");
	refused(rc, "-t 99999999999", "positive whole number");
	rc = PARSE("-t", " 5");
	refused(rc, "-t ' 5'", "positive whole number");

	/* Output format and verbosity. */
	rc = PARSE("-o", "nagios");
	ok(rc == CLI_RUN && strcmp(cfg.output, "nagios") == 0, "-o nagios");
	rc = PARSE("--output", "no-such-format");
	refused(rc, "--output no-such-format", "'no-such-format'");
	ok(strstr(err.msg, "nagios") != NULL, "the reason lists the formats: %s", err.msg);
	rc = PARSE("-v");
	ok(rc == CLI_RUN && cfg.verbose == 1, "-v");
	rc = PARSE("-vv", "--verbose");
	ok(rc == CLI_RUN && cfg.verbose == 3, "-vv --verbose: 3");

	/* -h and -V: text to print, exit 3 (CLI_EXIT). */
	rc = PARSE("-h");
	ok(rc == CLI_EXIT && strstr(sb_str(&out), "Usage: check_ephemeral") != NULL &&
		   strstr(sb_str(&out), "--metric") != NULL && strstr(sb_str(&out), "--range") != NULL,
	   "-h: CLI_EXIT with the usage");
	rc = PARSE("--help");
	ok(rc == CLI_EXIT && strstr(sb_str(&out), "Exit codes") != NULL, "--help: CLI_EXIT");
	rc = PARSE("-V");
	ok(rc == CLI_EXIT, "-V: CLI_EXIT");
	is_str(sb_str(&out), EPH_NAME " " EPH_VERSION "\n", "-V prints the name and version");
	rc = PARSE("--version");
	ok(rc == CLI_EXIT && strcmp(sb_str(&out), EPH_NAME " " EPH_VERSION "\n") == 0, "--version");
	rc = PARSE("-w", "70", "-h", "-x");
	ok(rc == CLI_EXIT, "-h wins over what follows it");

	/* Unknown options, missing values, positional arguments. */
	rc = PARSE("-x");
	refused(rc, "-x", "unknown option -x");
	rc = PARSE("--bogus");
	refused(rc, "--bogus", "'--bogus'");
	rc = PARSE("--bogus=1");
	refused(rc, "--bogus=1", "unknown option '--bogus=1'");
	rc = PARSE("-v", "--verbosity");
	refused(rc, "--verbosity", "unknown option '--verbosity'");
	rc = PARSE("--out", "json");
	refused(rc, "--out (a prefix of two options)",
		"option '--out' is ambiguous (--output, --output-file); see --help");
	rc = PARSE("--warn", "70");
	ok(rc == CLI_RUN, "an unambiguous prefix (--warn) is taken, as getopt_long does");
	rc = PARSE("--verbose=2");
	refused(rc, "--verbose=2", "option '--verbose' takes no value");
	rc = PARSE("--help=x");
	refused(rc, "--help=x", "takes no value");
	rc = PARSE("-w");
	refused(rc, "-w without a value", "'-w' needs a value");
	rc = PARSE("-c", "90", "--critical");
	refused(rc, "--critical without a value", "'--critical' needs a value");
	rc = PARSE("--metric");
	refused(rc, "--metric without a value", "needs a value");
	rc = PARSE("-t");
	refused(rc, "-t without a value", "'-t' needs a value");
	rc = PARSE("foo");
	refused(rc, "a positional argument", "unexpected argument 'foo'");
	rc = PARSE("-w", "80", "90");
	refused(rc, "-w 80 90", "unexpected argument '90'");
	rc = PARSE("-v", "--", "x");
	refused(rc, "-- x", "unexpected argument 'x'");
	rc = PARSE("-v", "--");
	ok(rc == CLI_RUN && cfg.verbose == 1, "a lone -- ends the options");
	rc = PARSE("-w", "bad\nline");
	refused(rc, "-w with a newline in it", "-w 'bad");

	/* Several parses in one process: each starts from the defaults and from argv[1]. */
	rc = PARSE("-vx");
	refused(rc, "-vx (stops inside a cluster of short options)", "unknown option -x");
	rc = PARSE("-vw", "70");
	ok(rc == CLI_RUN && cfg.verbose == 1 && th_is(&cfg.warn, 70),
	   "the next parse reads its own cluster -vw 70 from the start");
	rc = PARSE("-p", "all", "-v", "-4", "--range", "40000-40099", "-t", "5");
	ok(rc == CLI_RUN, "a full command line");
	rc = parse(1, (char *[]){ "check_ephemeral", NULL });
	ok(rc == CLI_RUN && defaults_hold(), "then no options: every default is back");
	rc = PARSE("-h");
	rc = PARSE("-t", "7");
	ok(rc == CLI_RUN && cfg.timeout == 7 && out.len == 0, "after -h, a normal parse");
	rc = PARSE("-w");
	rc = PARSE("-w", "60");
	ok(rc == CLI_RUN && th_is(&cfg.warn, 60), "after a missing value, -w 60 parses");
	for (int i = 0; i < 50; i++) {
		rc = PARSE("-v", "-c", "95");
		if (rc != CLI_RUN || cfg.verbose != 1 || !th_is(&cfg.crit, 95)) {
			break;
		}
	}
	ok(rc == CLI_RUN && cfg.verbose == 1 && th_is(&cfg.crit, 95), "50 parses in a row agree");
	sb_free(&out);
	return done_testing();
}
