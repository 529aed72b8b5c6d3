/* The forecast: how long until the pool is full, from the samples the runs of the monitoring
 * system leave in a small state file. Portable: no OS calls. The file is read and written by
 * lib/forecast_store.c through sys.h; this module only turns bytes into samples and samples
 * into a rate.
 *
 * The state file (version 1) is text, one record per line, "\n" endings:
 *
 *   check_ephemeral forecast 1
 *   key proto=tcp,udp families=ipv4,ipv6 range=os
 *   1764118556 - 1234 17
 *   1764118616 - 1290 17
 *
 * or, with --netns (the argument is part of the key; one sample per namespace and run):
 *
 *   check_ephemeral forecast 1
 *   key proto=tcp,udp families=ipv4,ipv6 range=os netns=all
 *   1764118556 4026531840:host 1234 17
 *   1764118556 4026532567:docker%201a2b3c4d5e6f 80 0
 *
 * The first line names the program and the format's version, the second the key: the options
 * that change what is counted (forecast_key_string), so a file of another check or another
 * program is never mistaken for ours. Each sample line holds the run's time (seconds since the
 * Unix epoch, wall clock), the namespace key ("-" for the namespace the plugin runs in, else
 * forecast_ns_key: the namespace's nsfs inode and its name), and the ports in use per protocol
 * in enum eph_proto order ("-" for a protocol the key does not check). Samples are in time
 * order. The file is bounded: at most FORECAST_MAX_SAMPLES per namespace and
 * FORECAST_MAX_TOTAL in all, none older than FORECAST_WINDOW_S. */
#ifndef FORECAST_H
#define FORECAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eph.h"
#include "sock.h"
#include "strbuf.h"

#define FORECAST_VERSION 1
#define FORECAST_WINDOW_S 600   /* the rate is taken over the last 10 minutes */
#define FORECAST_MIN_SPAN_S 1   /* ... from samples at least this far apart */
/* A sample at most this far after a run's own time is a concurrent run's (it took its time
 * later and recorded first), kept; one further ahead means the clock was set back. */
#define FORECAST_SLACK_S 60
#define FORECAST_MAX_SAMPLES 64 /* kept per namespace */
#define FORECAST_MAX_TOTAL 4096 /* kept in all (with --netns, many namespaces) */
#define FORECAST_NS_MAX 64      /* bytes of a namespace key, NUL included */
#define FORECAST_USED_MAX 65536 /* no pool holds more ports */
/* The largest file the parser accepts: FORECAST_MAX_TOTAL sample lines of at most
 * 12 + 1 + 63 + 2 * (1 + 5) + 1 bytes, and the two header lines. */
#define FORECAST_FILE_MAX (FORECAST_MAX_TOTAL * 96u + 512u)

/* The options that change what is counted; the metric and the thresholds do not. */
struct forecast_key {
	bool proto[EPH_NPROTO];
	unsigned families;         /* EPH_FAM_* */
	uint16_t range_lo, range_hi; /* --range; 0 = the OS's */
	const char *netns;           /* --netns ARG as given; NULL without */
};

#define FORECAST_KEY_MAX 160 /* bytes of a key's canonical text, NUL included */

/* Writes the canonical text of k into buf (size FORECAST_KEY_MAX), e.g.
 * "proto=tcp,udp families=ipv4,ipv6 range=os" or "proto=tcp families=ipv6 range=40000-40999";
 * with --netns, " netns=ARG" follows, ARG with its blanks, '%', '#' and bytes outside printable
 * ASCII written %XX; when that is longer than 64 bytes, its start, then "#" and 16 hex digits of
 * ARG's FNV-1a hash. */
void forecast_key_string(const struct forecast_key *k, char *buf, size_t size);

/* Writes the state file's name for k into buf: "check_ephemeral-", 16 hex digits of the FNV-1a
 * 64-bit hash of k's canonical text, ".state". size 48 is always enough. */
void forecast_file_name(const struct forecast_key *k, char *buf, size_t size);

/* One run's sample. */
struct forecast_sample {
	int64_t t;                /* seconds since the Unix epoch */
	char ns[FORECAST_NS_MAX]; /* namespace key; "" = the plugin's own namespace */
	int32_t used[EPH_NPROTO]; /* ports in use; -1 = protocol not checked */
};

/* The samples of one state file, oldest first. Zero-initialize; forecast_free releases. */
struct forecast_state {
	struct forecast_sample *s;
	size_t n, cap;
};

void forecast_free(struct forecast_state *st);

/* True when ns can be a namespace key: 1..FORECAST_NS_MAX-1 printable ASCII characters
 * without blanks, and not "-". */
bool forecast_ns_valid(const char *ns);

/* Writes the key of a --netns namespace into buf (size FORECAST_NS_MAX): its identity, the nsfs
 * inode ino in decimal, ":", then the name as shown (blanks, '%', '#' and non-ASCII bytes %XX); a
 * name too long to fit keeps its start, then "#" and 16 hex digits of its FNV-1a hash. The inode
 * alone is not enough: the kernel gives a dead namespace's inode number to a later one. A key
 * with the same inode and another name is another namespace (forecast_add drops its series). */
void forecast_ns_key(uint64_t ino, const char *name, char *buf, size_t size);

/* Reads a state file's len bytes (buf need not be NUL-terminated) for key k into st, which is emptied first. Validates everything: the header, the key, every field of
 * every line, the time order and the bounds. Returns -1 with err saying what was wrong (and
 * which line) when the file is not ours or not intact; st is empty then. len 0 (a new file)
 * is a valid, empty state. */
int forecast_parse(const char *buf, size_t len, const struct forecast_key *k,
		   struct forecast_state *st, struct eph_err *err);

/* Appends the state file's text for key k and the samples of st to sb. */
void forecast_format(const struct forecast_state *st, const struct forecast_key *k,
		     struct strbuf *sb);

/* What forecast_add dropped besides the samples that aged out of the window. */
struct forecast_drops {
	size_t renamed; /* of a namespace whose inode now has another name: another namespace */
	size_t unseen;  /* of namespaces not in this run, to keep FORECAST_MAX_TOTAL */
	size_t capped;  /* the oldest of namespaces in this run, to keep the bounds */
};

/* Adds one run's samples s[0..n-1] (all taken at s[0].t, one per namespace) to st, after dropping
 * the samples that can no longer count: older than FORECAST_WINDOW_S before that time, or more
 * than FORECAST_SLACK_S later (the clock was set back), and those of a namespace key whose inode (forecast_ns_key)
 * is in this run under another name; the new samples go in time order. Then keeps the bounds: the oldest samples of a namespace
 * beyond FORECAST_MAX_SAMPLES go, then, beyond FORECAST_MAX_TOTAL, the oldest of the
 * namespaces not in this run, then the oldest of all. d (may be NULL) counts what went. Returns
 * -1 with err set when a sample is not valid (a bad namespace key, a count out of range, times
 * that differ) or memory runs out; st is unchanged then. */
int forecast_add(struct forecast_state *st, const struct forecast_sample *s, size_t n,
		 struct forecast_drops *d, struct eph_err *err);

/* What the samples say about one protocol of one namespace. */
struct forecast_est {
	size_t samples; /* samples in the window (FORECAST_WINDOW_S up to now, ends included) */
	int64_t span;   /* seconds between the oldest and the newest of them */
	bool rate_set;  /* at least 2 samples, at least FORECAST_MIN_SPAN_S apart */
	double slope;   /* ports per second (least squares), when rate_set */
	size_t used;    /* the newest sample's count */
	bool eta_set;   /* rate_set and slope > 0: used grows */
	double eta;     /* seconds until used reaches the pool at that rate; 0 when full */
};

/* Estimates protocol p of namespace ns ("" = own) at time now for a pool of size ports from the
 * samples of st. est->samples is 0 when there are none. */
void forecast_estimate(const struct forecast_state *st, const char *ns, enum eph_proto p,
		       int64_t now, size_t size, struct forecast_est *est);

/* The same for s's namespace at s->t, as if sample s were in st too: the estimate of a run
 * whose sample is not written yet (--netns judges each namespace as it is read). */
void forecast_estimate_next(const struct forecast_state *st, const struct forecast_sample *s,
			    enum eph_proto p, size_t size, struct forecast_est *est);

/* The first line's words for an ETA in seconds: "full in ~14 min" (minutes rounded to the
 * nearest), "full in <1 min" below a minute. "" when eta is an hour or more. */
void forecast_eta_words(double eta, char *buf, size_t size);

#endif
