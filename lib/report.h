/* Renderers: each turns a struct result into text and says how a state becomes an exit code.
 * They only read the result; policy stays in evaluate. */
#ifndef REPORT_H
#define REPORT_H

#include <stdbool.h>

#include "evaluate.h"
#include "strbuf.h"

/* NRPE v2 passes at most 1024 bytes back: the first line and its perfdata must fit. */
#define EPH_NRPE_MAX 1023

struct renderer {
	const char *name;
	/* Writes the whole output of a successful measurement. */
	void (*render)(const struct result *r, struct strbuf *sb);
	/* Writes the output of a failed run (bad option, unreadable /proc, ...). what is the stage
	 * that failed ("reading the port range"), msg the reason. */
	void (*render_error)(const char *what, const char *msg, struct strbuf *sb);
	/* The exit code for a measured result, and for a failure. */
	int (*exit_code)(const struct result *r);
	int error_exit_code;
	/* The format has room for the --top tables; for one that has not, the owner search
	 * is not worth its cost. */
	bool shows_tables;
	/* The stage is a field of its own (JSON), so it is given even where the message already
	 * names it, as a timeout's does; a one-line format would say it twice. */
	bool stage_apart;
	/* The longest first line the format's reader takes, in bytes without the newline (NRPE
	 * v2: EPH_NRPE_MAX); 0: no limit. A longer one is refused as a bug. */
	size_t first_line_max;
};

/* The renderer called name ("nagios", ...), or NULL. */
const struct renderer *report_find(const char *name);

/* Comma-separated names of every renderer, for --help and error messages. */
const char *report_names(void);

extern const struct renderer report_nagios;
extern const struct renderer report_solarwinds;
extern const struct renderer report_json;
extern const struct renderer report_prometheus;

/* Helpers the renderers share. */
/* The Monitoring Plugins exit code: the state itself (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). */
int report_exit_state(const struct result *r);

/* The one-line summary every format shows: "tcp 1234 of 28232 ports in use (4.4%), worst
 * destination 310 / udp 12 of 28232 ports in use (0%)", and ", full in ~14 min" after a
 * protocol whose ETA is under an hour. */
void report_summary(const struct result *r, struct strbuf *sb);

/* True when p has an ETA: the forecast is on and the count grows. */
bool report_eta(const struct proto_result *p);

/* p's ETA in whole seconds (rounded down), as every format shows it and --metric eta judges it. */
long long report_eta_seconds(const struct proto_result *p);

/* The forecast of p in words, for the long output: "4 samples over 300 s, +0.1 ports/s: full in
 * 770 s at that rate (an estimate)", or why there is no rate. */
void report_forecast_text(const struct proto_result *p, struct strbuf *sb);

/* "127.0.0.1 -> 10.0.0.1:443" ("[::1]:443" for IPv6). */
void report_dest_str(const struct dest_key *k, struct strbuf *sb);

/* The remote end alone: "10.0.0.1:443", "[::1]:443". */
void report_remote_str(const struct dest_key *k, struct strbuf *sb);

/* one when n is 1, else many: "1 port", "2 ports". */
const char *report_plural(size_t n, const char *one, const char *many);

#endif
