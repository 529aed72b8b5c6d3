/* One run of the check: for every protocol asked for, the pool, then the sockets, then the
 * evaluation; the owner tables decided once from the merged state; then the output rendered into a
 * buffer and the history log written. The caller (check_ephemeral/main.c) parses argv, arms the
 * timeout and writes the bytes. Portable: the OS work goes through struct check_os, so tests run
 * the whole flow over a fake OS layer. */
#ifndef CHECK_H
#define CHECK_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "attrib.h"
#include "config.h"
#include "evaluate.h"
#include "measure.h"
#include "netns.h"
#include "report.h"
#include "strbuf.h"
#include "sys.h"

/* What the run is doing: named in the timeout message, so each step that can wait on the OS
 * enters its own stage (and the next step enters the next one, never "back"). */
enum check_stage {
	CHECK_START,
	CHECK_NETNS,
	CHECK_RANGE,
	CHECK_SOCKETS,
	CHECK_TIME_WAIT,
	CHECK_FORECAST,
	CHECK_OWNERS,
	CHECK_RENDER,
	CHECK_LOG,
	CHECK_OUTPUT, /* the caller writes the output: check_run ends here */
	CHECK_NSTAGES
};

/* "starting", "reading the port range", ...: the words of the timeout message. */
const char *check_stage_name(enum check_stage s);

/* The reason a stop gives when it ends the run while `doing` ("reading the socket table"):
 * "timed out after 5 s while reading the socket table (raise -t)"; check, when not NULL, is what
 * to look at besides -t ("the file": "(raise -t or check the file)"). */
void check_stop_message(enum sys_stop why, const char *doing, const char *check, unsigned seconds,
			char *msg, size_t size);

/* The OS functions a run calls; check_sys_os holds the real ones of sys.h. */
struct check_os {
	int (*read_range)(enum eph_proto proto, uint16_t *lo, uint16_t *hi,
			  struct sys_pool_info *info, struct eph_err *err);
	int (*read_reserved)(enum eph_proto proto, struct portpool *pool,
			     struct sys_pool_info *info, struct eph_err *err);
	measure_read_fn read_sockets;
	int (*time_wait_lifetime)(unsigned *seconds, bool *configured, struct sys_tw_info *info,
				  struct eph_err *err);
	bool (*time_wait_fixed)(void);
	uint64_t (*clock_ms)(void);
	const struct attrib_hooks *owners;
	int (*host_name)(char *buf, size_t size, struct eph_err *err);
	int (*local_time_iso8601)(char *buf, size_t size, struct eph_err *err);
	int (*append_file)(const char *path, const char *header, const char *lines, size_t len,
			   struct eph_err *err);
	/* --netns (netns.h): the privilege check, the listing and the read inside a namespace. */
	int (*netns_privileged)(struct eph_err *err);
	int (*netns_list)(const char *spec, struct netns_list *l, struct eph_err *err);
	int (*netns_run)(const struct netns_entry *e, int (*fn)(void *ctx), void *ctx, int *fn_rc,
			 struct eph_err *why);
	/* The forecast's state file (forecast_store_read, forecast_store_record) and the wall
	 * clock (sys_time_now); NULL: no forecast. */
	void (*forecast_read)(const char *dir, const struct forecast_key *k, unsigned wait_ms,
			      struct forecast_store *fs);
	void (*forecast_record)(const struct forecast_key *k, const struct forecast_sample *s,
				size_t n, unsigned wait_ms, struct forecast_store *fs);
	int64_t (*time_now)(void);
};

extern const struct check_os check_sys_os;

/* The memory one read of every protocol works in: the pools, tallies, owner data and result of
 * the plugin's namespace, or of one namespace of --netns. */
struct check_work {
	struct result res;
	struct portpool pools[EPH_NPROTO];
	struct tally tallies[EPH_NPROTO];
	struct attrib attribs[EPH_NPROTO];
	struct attrib_tables tables[EPH_NPROTO];
	struct sys_query queries[EPH_NPROTO];
};

/* A run: what it is given, what it makes, and the memory it works in (large: keep it static). */
struct check {
	const struct eph_config *cfg;
	const struct renderer *rd;
	const struct check_os *os;
	/* Where the run writes the stage it enters (an enum check_stage), for a timeout handler to
	 * read; NULL: nowhere. */
	volatile sig_atomic_t *stage;
	enum check_stage stage_now; /* the stage the run is in (what fails is named after it) */
	uint64_t start_ms; /* os->clock_ms() when the plugin started: -t counts from there */

	/* A known state is not lost to a secondary step: while one runs, the output to print if
	 * the run is stopped (enum sys_stop) is ready here, and *fallback_ready is set (when not
	 * NULL); a stop handler writes fallback[why], with fallback_code, rather than UNKNOWN. An
	 * empty fallback[why]: that stop gives UNKNOWN as usual. Owners still to be found: the
	 * output without them and a note, for a timeout. The history log still to be written, the
	 * state not OK: the output and a note that the log was not written, for every stop. */
	volatile sig_atomic_t *fallback_ready;
	struct strbuf fallback[SYS_NSTOP];
	int fallback_code;
	char log_note[sizeof(((struct eph_err *)0)->msg) + 64]; /* res.log_note's text */

	struct result res;  /* out: the evaluated result */
	struct strbuf out;  /* out: the rendered output, written by the caller */
	int code;           /* out: the renderer's exit code for res */
	const char *failed; /* out after -1: the stage that failed, for render_error ("": none) */

	/* work[0] alone; with --netns, the worst namespace's so far and the one being read, in
	 * turn. w is the one res shows. */
	struct check_work work[2];
	struct check_work *w;
	struct netns_list netns; /* --netns: the namespaces listed */
	struct ns_results ns;    /* --netns: what each one gave; res.ns points here */
	struct forecast_store forecast;
	bool forecast_begun; /* --netns: the state file was read (check_forecast_begin) */
	int64_t forecast_t;  /* --netns: the time of this run's samples */
};

/* Prepares c for a run of cfg rendered by rd over os (all must outlive c); start_ms is
 * os->clock_ms() at start. Allocates nothing. */
void check_init(struct check *c, const struct eph_config *cfg, const struct renderer *rd,
		const struct check_os *os, uint64_t start_ms);

/* Runs the check. 0: c->out holds the output and c->code its exit code, and the stage is
 * CHECK_OUTPUT, the caller's; the history log, when asked for, is written, or c->res.log_note says
 * why not (a state other than OK stands when the log fails: OK < UNKNOWN < WARNING < CRITICAL).
 * -1: c->failed names the stage and err the reason, for the renderer's error output; nothing that
 * looks like a result is left in c->out. */
int check_run(struct check *c, struct eph_err *err);

/* What check.c's parts share (lib/check_forecast.c, lib/check_netns.c); not for callers of
 * check_run. check_enter: the run is now in stage s (the timeout's words). check_fail_plain:
 * ends the run with a failure whose message says it all (-1). check_measure_all: pool, sockets
 * and evaluation of every protocol into w, with the owner data when owners_now.
 * check_read_owners: the owner data into w in a second read. check_fail: ends the run with a
 * failure of the stage it is in (-1). check_netns_measure: the --netns run, the worst
 * namespace's result into c->res; check_netns_reread_owners: the owner data of a state that
 * turned out not OK, read again (inside the worst namespace with --netns; 1 when it is gone). */
void check_enter(struct check *c, enum check_stage s);
int check_fail(struct check *c);
int check_fail_plain(struct check *c);
int check_measure_all(struct check *c, struct check_work *w, bool owners_now, struct eph_err *err);
int check_read_owners(struct check *c, struct check_work *w, struct eph_err *err);
int check_netns_measure(struct check *c, struct eph_err *err);
int check_netns_reread_owners(struct check *c, struct eph_err *err);

/* The forecast's steps (lib/check_forecast.c), called by check_run in the forecast stage; each
 * does nothing when os has no forecast hooks. check_forecast_own: the plugin's own namespace's
 * sample recorded and every protocol of c->res estimated and judged again. With --netns:
 * check_forecast_begin reads the state file before the namespaces are read; check_forecast_ns
 * estimates and judges again every protocol of r, namespace e's result, from the samples read
 * and e's sample of this run (keyed forecast_ns_key); check_forecast_end records one sample per
 * namespace checked and hangs the state file on c->res. */
void check_forecast_own(struct check *c);
void check_forecast_begin(struct check *c);
void check_forecast_ns(struct check *c, const struct netns_entry *e, struct result *r);
void check_forecast_end(struct check *c);

/* Releases what the run allocated; c->out too. */
void check_free(struct check *c);

#endif
