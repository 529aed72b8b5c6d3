/* The effective ephemeral-port pool: the dynamic range minus the reserved (Linux) or excluded
 * (Windows) ports inside it. Fixed size, no allocation. */
#ifndef PORTPOOL_H
#define PORTPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eph.h"
#include "strbuf.h"

struct portpool {
	uint16_t lo, hi;            /* the dynamic range, inclusive; lo <= hi once set */
	bool set;                   /* a range was given */
	uint8_t reserved[65536 / 8]; /* bit per port: reserved or excluded */
};

/* Parses a range "LO-HI" or "LO HI" (any blanks, as in ip_local_port_range) with
 * 1 <= LO <= HI <= 65535, nothing else around it but blanks and one newline. Returns -1 and
 * sets err (naming `what`) when the text is anything else. */
int pool_parse_range(const char *text, const char *what, uint16_t *lo, uint16_t *hi,
		     struct eph_err *err);

/* Sets the range and clears the reserved set. */
void pool_set_range(struct portpool *p, uint16_t lo, uint16_t hi);

/* Adds the ports listed in text to the reserved set: a comma-separated list of ports and
 * "A-B" ranges as in ip_local_reserved_ports ("1,2-4,10-10"), possibly empty or blank.
 * Returns -1 and sets err (naming `what`) on anything else; the pool is unchanged then. */
int pool_parse_reserved(struct portpool *p, const char *text, const char *what,
			struct eph_err *err);

/* Marks ports lo..hi reserved (excluded). */
void pool_reserve(struct portpool *p, uint16_t lo, uint16_t hi);

/* True when port is in the range and not reserved: a port the OS may hand out. */
bool pool_contains(const struct portpool *p, uint16_t port);

/* Ports in the range. */
size_t pool_range_size(const struct portpool *p);

/* Ports in the range that are reserved. */
size_t pool_reserved_in_range(const struct portpool *p);

/* Effective size: range size minus reserved ports inside it. */
size_t pool_size(const struct portpool *p);

/* Finds the next run of reserved ports inside the range at or after *from: sets lo..hi to it
 * and *from past it, and returns true; false when there is none left. Start with *from = 0. */
bool pool_next_reserved(const struct portpool *p, uint32_t *from, uint16_t *lo, uint16_t *hi);

/* Appends the reserved ports inside the range as "a,b-c" ("none" when there are none), cut
 * with "..." after max_len bytes. */
void pool_format_reserved(const struct portpool *p, struct strbuf *sb, size_t max_len);

#endif
