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
#include "report.h"
#include "strbuf.h"
#include "sys.h"

/* What the run is doing: named in the timeout message. */
enum check_stage {
	CHECK_START,
	CHECK_RANGE,
	CHECK_SOCKETS,
	CHECK_OWNERS,
	CHECK_OUTPUT,
	CHECK_NSTAGES
};

/* "starting", "reading the port range", ...: the words of the timeout message. */
const char *check_stage_name(enum check_stage s);

/* The OS functions a run calls; check_sys_os holds the real ones of sys.h. */
struct check_os {
	int (*read_pool)(enum eph_proto proto, uint16_t override_lo, uint16_t override_hi,
			 struct portpool *pool, struct sys_pool_info *info, struct eph_err *err);
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
	/* The forecast's state file (forecast_store_update) and the wall clock (sys_time_now);
	 * NULL: no forecast. */
	void (*forecast)(const char *dir, const struct forecast_key *k,
			 const struct forecast_sample *s, unsigned wait_ms, struct forecast_store *fs);
	int64_t (*time_now)(void);
};

extern const struct check_os check_sys_os;

/* A run: what it is given, what it makes, and the memory it works in (large: keep it static). */
struct check {
	const struct eph_config *cfg;
	const struct renderer *rd;
	const struct check_os *os;
	/* Where the run writes the stage it enters (an enum check_stage), for a timeout handler to
	 * read; NULL: nowhere. */
	volatile sig_atomic_t *stage;
	uint64_t start_ms; /* os->clock_ms() when the plugin started: -t counts from there */

	struct result res;  /* out: the evaluated result */
	struct strbuf out;  /* out: the rendered output, written by the caller */
	int code;           /* out: the renderer's exit code for res */
	const char *failed; /* out after -1: the stage that failed, for render_error ("": none) */

	struct portpool pools[EPH_NPROTO];
	struct tally tallies[EPH_NPROTO];
	struct attrib attribs[EPH_NPROTO];
	struct attrib_tables tables[EPH_NPROTO];
	struct sys_query queries[EPH_NPROTO];
	struct forecast_store forecast;
};

/* Prepares c for a run of cfg rendered by rd over os (all must outlive c); start_ms is
 * os->clock_ms() at start. Allocates nothing. */
void check_init(struct check *c, const struct eph_config *cfg, const struct renderer *rd,
		const struct check_os *os, uint64_t start_ms);

/* Runs the check. 0: c->out holds the output and c->code its exit code (the history log, when asked
 * for, is written). -1: c->failed names the stage and err the reason, for the renderer's error
 * output; nothing that looks like a result is left in c->out. */
int check_run(struct check *c, struct eph_err *err);

/* Releases what the run allocated; c->out too. */
void check_free(struct check *c);

#endif
