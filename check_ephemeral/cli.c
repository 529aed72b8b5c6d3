#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "netns.h"
#include "num.h"
#include "portpool.h"
#include "report.h"

enum {
	OPT_METRIC = 256,
	OPT_RANGE,
	OPT_TOP,
	OPT_SAM_STATUS,
	OPT_OUTPUT_FILE,
	OPT_LOG,
	OPT_NETNS,
	OPT_STATE_DIR,
};

static const struct option long_opts[] = {
	{ "warning", required_argument, NULL, 'w' },
	{ "critical", required_argument, NULL, 'c' },
	{ "metric", required_argument, NULL, OPT_METRIC },
	{ "protocol", required_argument, NULL, 'p' },
	{ "range", required_argument, NULL, OPT_RANGE },
	{ "timeout", required_argument, NULL, 't' },
	{ "output", required_argument, NULL, 'o' },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "sam-status", no_argument, NULL, OPT_SAM_STATUS },
	{ "output-file", required_argument, NULL, OPT_OUTPUT_FILE },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char short_opts[] = "+:w:c:p:t:o:vhV46";

static void usage(struct strbuf *out)
{
	char metrics[128];

	metric_list(metrics, sizeof(metrics), false, "|", "|");
	sb_printf(out,
		  "%s %s - how close this host is to running out of ephemeral ports\n"
		  "\n"
		  "Usage: %s [-w RANGE] [-c RANGE] [--metric %s]\n"
		  "       [-p tcp|udp|all] [-4|-6] [--range LO-HI] [-t SECONDS] [-o FORMAT] [-v]\n"
		  "       [--top N] [--sam-status] [--output-file PATH] [--log FILE]\n"
		  "       [--netns all|NAME|PATH|PID]\n"
		  "       [--state-dir DIR]\n"
		  "\n"
		  "Counts the distinct local ports of the dynamic (ephemeral) range, minus reserved\n"
		  "ports, that sockets hold in any state (TIME_WAIT and bound-only included).\n"
		  "\n"
		  "Options:\n"
		  "  -w, --warning RANGE    warning threshold (default 80 for pct and dest; used:\n"
		  "                         80%% of the pool, free: 20%% of it, in ports)\n"
		  "  -c, --critical RANGE   critical threshold (default 90 for pct and dest; used:\n"
		  "                         90%% of the pool, free: 10%% of it, in ports)\n"
		  "      --metric NAME      pct:  percent of the pool in use (default)\n"
		  "                         used: ports in use      free: ports free\n"
		  "                         dest: percent of the pool held toward the busiest\n"
		  "                               destination (what connect() has left); UDP is\n"
		  "                               judged by its pct then\n"
		  "                         eta:  seconds until the pool is full at the rate of\n"
		  "                               the last 10 min (default -w 3600: -c 600:;\n"
		  "                               OK while the count does not grow)\n"
		  "  -p, --protocol P       tcp (default), udp or all; the worst state wins\n"
		  "  -4, -6                 IPv4 or IPv6 sockets only (default both)\n"
		  "      --range LO-HI      use this range instead of the OS's (reserved ports are\n"
		  "                         still subtracted)\n"
		  "  -t, --timeout SECONDS  give up with UNKNOWN after this long (default %d)\n"
		  "  -o, --output FORMAT    %s (default nagios)\n"
		  "      --sam-status       -o solarwinds: exit with SAM's code for the state\n"
		  "                         (0 Up, 2 Warning, 3 Critical, 4 Unknown) instead of 0\n"
		  "      --output-file PATH write the output to PATH (atomically: a temporary file\n"
		  "                         renamed over it), not to stdout; errors go to both\n"
		  "      --log FILE         append one CSV line per protocol to FILE (history)\n"
		  "      --netns WHICH      Linux, as root: check network namespaces, each on its\n"
		  "                         own pool; the worst one is reported. all: every one\n"
		  "                         on the host (containers too); NAME: /run/netns/NAME;\n"
		  "                         PATH: a namespace file; PID: that process's\n"
		  "                         namespace\n"
		  "      --state-dir DIR    keep the forecast's samples in DIR (default\n"
		  "                         $NAGIOS_PLUGIN_STATE_DIRECTORY, else\n"
		  "                         /var/lib/check_ephemeral; on Windows\n"
		  "                         %%ProgramData%%\\check_ephemeral); without a\n"
		  "                         writable one the forecast is off\n"
		  "  -v, --verbose          long output: range, reserved ports, states, source;\n"
		  "                         -vv adds the thresholds applied\n"
		  "      --top N            long output: the N processes (or users), destinations\n"
		  "                         and local addresses holding most ports, who is behind\n"
		  "                         the TIME_WAIT (inferred), and the close rate (default 5\n"
		  "                         when not OK, 0 when OK; 0..%d)\n"
		  "  -h, --help             this text      -V, --version   the version\n"
		  "\n"
		  "RANGE is a Nagios range [@][start:][end]: '80' alerts above 80, '2000:' below\n"
		  "2000, '~:10' above 10, '@10:20' inside 10..20. A trailing %% is accepted with\n"
		  "the percent metrics.\n"
		  "\n"
		  "Examples:\n"
		  "  %s -w 80 -c 90                     percent of the pool in use\n"
		  "  %s --metric free -w 2000: -c 500:  free ports\n"
		  "  %s --metric dest -w 50 -c 75       busiest destination\n"
		  "  %s --metric eta                    time until the pool is full\n"
		  "  %s -p all                          TCP and UDP\n"
		  "  %s --netns all                     every container too\n"
		  "\n"
		  "Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for -h and -V).\n",
		  EPH_NAME, EPH_VERSION, EPH_NAME, metrics, EPH_DEFAULT_TIMEOUT, report_names(), EPH_TOP_MAX,
		  EPH_NAME, EPH_NAME, EPH_NAME, EPH_NAME, EPH_NAME, EPH_NAME);
}

static int parse_threshold(const char *opt, const char *text, struct threshold *t,
			   struct eph_err *err)
{
	int rc = threshold_parse(text, t);

	if (rc != THRESHOLD_OK) {
		eph_err_set(err, "%s '%.60s': %s; use [@][start:][end], e.g. 80 or 2000: or @10:20",
			    opt, text, threshold_strerror(rc));
		return -1;
	}
	return 0;
}

/* A positive whole number of seconds, digits only. */
static int parse_timeout(const char *text, unsigned *out, struct eph_err *err)
{
	uint64_t v;

	if (num_parse(text, 2147483647, &v) < 0 || v == 0) {
		eph_err_set(err, "-t '%.40s': the timeout must be a positive whole number of seconds",
			    text);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* --top: a whole number of rows, 0 (no tables) to EPH_TOP_MAX. */
static int parse_top(const char *text, int *out, struct eph_err *err)
{
	uint64_t v;

	if (num_parse(text, EPH_TOP_MAX, &v) < 0) {
		eph_err_set(err, "--top '%.40s': give the number of rows, 0 (no tables) to %d", text,
			    EPH_TOP_MAX);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int parse_metric(const char *text, enum eph_metric *out, struct eph_err *err)
{
	const struct metric *m = metric_find(text);
	char names[128];

	if (!m) {
		metric_list(names, sizeof(names), false, ", ", " or ");
		eph_err_set(err, "--metric '%.40s': use %s", text, names);
		return -1;
	}
	*out = m->id;
	return 0;
}

/* What the metric's row asks of the protocols and thresholds, once every option is read:
 * w_text and c_text are -w and -c as given (NULL: not given, the row's default applies). */
static int metric_thresholds(struct eph_config *cfg, const char *w_text, const char *c_text,
			     struct eph_err *err)
{
	const struct metric *m = metric_get(cfg->metric);
	char names[128];

	if (m->tcp_only && !cfg->proto[EPH_TCP]) {
		eph_err_set(err, "--metric %s is about TCP connections; use it with -p tcp or all",
			    m->name);
		return -1;
	}
	if (!m->percent && ((w_text && cfg->warn.pct) || (c_text && cfg->crit.pct))) {
		metric_list(names, sizeof(names), true, ", ", " or ");
		eph_err_set(err, "'%.40s': a %% threshold needs --metric %s, not %s",
			    (w_text && cfg->warn.pct) ? w_text : c_text, names, m->name);
		return -1;
	}
	if (!w_text && m->warn_default) {
		threshold_parse(m->warn_default, &cfg->warn);
	}
	if (!c_text && m->crit_default) {
		threshold_parse(m->crit_default, &cfg->crit);
	}
	return 0;
}

const char *cli_output_format(int argc, char **argv)
{
	const char *found = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;

		if (strcmp(a, "--") == 0) {
			break;
		}
		if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			v = i + 1 < argc ? argv[++i] : NULL;
		} else if (strncmp(a, "--output=", 9) == 0) {
			v = a + 9;
		} else if (strncmp(a, "-o", 2) == 0) {
			v = a + 2;
		}
		if (v && report_find(v)) {
			found = v;
		}
	}
	return found;
}

/* The reason for an option getopt refused (c is ':' or '?'). glibc and mingw return different
 * things for "--verbose=2", a value given to an option that takes none, so the text decides. */
static void bad_option(int c, const char *arg, struct eph_err *err)
{
	const char *eq = strchr(arg, '=');

	if (strncmp(arg, "--", 2) == 0 && eq) {
		for (const struct option *o = long_opts; o->name; o++) {
			if (o->has_arg == no_argument && strlen(o->name) == (size_t)(eq - arg - 2) &&
			    strncmp(o->name, arg + 2, (size_t)(eq - arg - 2)) == 0) {
				eph_err_set(err, "option '--%s' takes no value; see --help", o->name);
				return;
			}
		}
	}
	if (c == ':') {
		eph_err_set(err, "option '%.40s' needs a value; see --help", arg);
		return;
	}
	/* getopt_long takes any unambiguous prefix ("--warn"); a prefix of several names is
	 * refused like an unknown one, so name the candidates. */
	if (strncmp(arg, "--", 2) == 0 && arg[2]) {
		size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		const char *names[3] = { NULL, NULL, NULL };
		size_t found = 0;

		for (const struct option *o = long_opts; o->name; o++) {
			if (strlen(o->name) >= n && memcmp(o->name, arg + 2, n) == 0) {
				if (found < 3) {
					names[found] = o->name;
				}
				found++;
			}
		}
		if (found > 1) {
			eph_err_set(err, "option '--%.*s' is ambiguous (--%s, --%s%s); see --help",
				    (int)(n > 40 ? 40 : n), arg + 2, names[0], names[1],
				    found > 2 ? ", ..." : "");
			return;
		}
	}
	if (strncmp(arg, "--", 2) == 0 || !optopt) {
		eph_err_set(err, "unknown option '%.60s'; see --help", arg);
	} else {
		eph_err_set(err, "unknown option -%c; see --help", optopt);
	}
}

int cli_parse(int argc, char **argv, struct eph_config *cfg, struct strbuf *out,
	      struct eph_err *err)
{
	bool only4 = false, only6 = false;
	const char *w_text = NULL, *c_text = NULL;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->metric = EPH_METRIC_PCT;
	cfg->proto[EPH_TCP] = true;
	cfg->families = EPH_FAM_ALL;
	cfg->timeout = EPH_DEFAULT_TIMEOUT;
	cfg->output = "nagios";
	cfg->top = -1;

	optind = 0; /* glibc and mingw: start over, so the parser can run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (parse_threshold("-w", optarg, &cfg->warn, err) < 0) {
				return CLI_ERROR;
			}
			w_text = optarg;
			break;
		case 'c':
			if (parse_threshold("-c", optarg, &cfg->crit, err) < 0) {
				return CLI_ERROR;
			}
			c_text = optarg;
			break;
		case OPT_METRIC:
			if (parse_metric(optarg, &cfg->metric, err) < 0) {
				return CLI_ERROR;
			}
			break;
		case 'p':
			if (strcmp(optarg, "tcp") == 0) {
				cfg->proto[EPH_TCP] = true;
				cfg->proto[EPH_UDP] = false;
			} else if (strcmp(optarg, "udp") == 0) {
				cfg->proto[EPH_TCP] = false;
				cfg->proto[EPH_UDP] = true;
			} else if (strcmp(optarg, "all") == 0) {
				cfg->proto[EPH_TCP] = true;
				cfg->proto[EPH_UDP] = true;
			} else {
				eph_err_set(err, "-p '%.40s': use tcp, udp or all", optarg);
				return CLI_ERROR;
			}
			break;
		case '4':
			only4 = true;
			break;
		case '6':
			only6 = true;
			break;
		case OPT_RANGE:
			if (pool_parse_range(optarg, "--range", &cfg->range_lo, &cfg->range_hi, err) <
			    0) {
				return CLI_ERROR;
			}
			break;
		case 't':
			if (parse_timeout(optarg, &cfg->timeout, err) < 0) {
				return CLI_ERROR;
			}
			break;
		case 'o':
			if (!report_find(optarg)) {
				eph_err_set(err, "-o '%.40s': use one of %s", optarg, report_names());
				return CLI_ERROR;
			}
			cfg->output = optarg;
			break;
		case OPT_TOP:
			if (parse_top(optarg, &cfg->top, err) < 0) {
				return CLI_ERROR;
			}
			break;
		case OPT_SAM_STATUS:
			cfg->sam_status = true;
			break;
		case OPT_OUTPUT_FILE:
			if (!*optarg) {
				eph_err_set(err, "--output-file needs a file name");
				return CLI_ERROR;
			}
			cfg->output_file = optarg;
			break;
		case OPT_LOG:
			if (!*optarg) {
				eph_err_set(err, "--log needs a file name");
				return CLI_ERROR;
			}
			cfg->log_file = optarg;
			break;
		case OPT_NETNS:
			if (netns_spec_kind(optarg) == NETNS_SPEC_BAD) {
				eph_err_set(err,
					    "--netns '%.40s': use all, a name under /run/netns, a "
					    "namespace file's path or a process id",
					    optarg);
				return CLI_ERROR;
			}
			cfg->netns = optarg;
			break;
		case OPT_STATE_DIR:
			if (!*optarg) {
				eph_err_set(err, "--state-dir needs a directory name");
				return CLI_ERROR;
			}
			cfg->state_dir = optarg;
			break;
		case 'v':
			cfg->verbose++;
			break;
		case 'h':
			usage(out);
			return CLI_EXIT;
		case 'V':
			sb_printf(out, "%s %s\n", EPH_NAME, EPH_VERSION);
			return CLI_EXIT;
		case ':':
		case '?':
		default:
			bad_option(c, argv[optind - 1], err);
			return CLI_ERROR;
		}
	}
	if (optind < argc) {
		eph_err_set(err, "unexpected argument '%.60s'; every setting is an option, see --help",
			    argv[optind]);
		return CLI_ERROR;
	}
	if (cfg->sam_status && strcmp(cfg->output, "solarwinds") != 0) {
		eph_err_set(err, "--sam-status sets SolarWinds exit codes; use it with -o solarwinds");
		return CLI_ERROR;
	}
	if (only4 != only6) {
		cfg->families = only4 ? EPH_FAM_V4 : EPH_FAM_V6;
	}
	return metric_thresholds(cfg, w_text, c_text, err) < 0 ? CLI_ERROR : CLI_RUN;
}
