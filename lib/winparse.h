/* Parsers for the output of Windows' netsh, apart from sys_windows.c so that they build and are
 * tested on both targets. They take bytes (the caller ran netsh) and never the locale: netsh's
 * labels are translated ("Start Port", German "Startport"), so only the numbers are read. */
#ifndef WINPARSE_H
#define WINPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "eph.h"
#include "portpool.h"

/* Parses `netsh int ipv4|ipv6 show dynamicport tcp|udp`: the first two lines whose text after a
 * ':' is a number give the start port and the number of ports, whatever their labels say.
 * text need not be NUL-terminated. Sets lo..hi (inclusive). Returns -1 with err set when there
 * are not two such numbers (wine's netsh prints nothing at all) or they make no valid range
 * (start 1..65535, at least one port, end at most 65535). */
int winparse_dynamicport(const char *text, size_t len, uint16_t *lo, uint16_t *hi,
			 struct eph_err *err);

/* Parses `netsh int ipv4 show excludedportrange protocol=tcp|udp` and marks each excluded range
 * reserved in pool (whose range must be set). The table starts after a line of dashes; every
 * later line that starts with a digit must be "START END", optionally followed by '*'
 * (an administered exclusion). *ranges is set to the number of ranges listed. Returns -1 with
 * err set, and the pool unchanged, when there is no table (empty output) or a row is malformed;
 * a table without rows is 0 ranges. */
int winparse_excluded(const char *text, size_t len, struct portpool *pool, size_t *ranges,
		      struct eph_err *err);

#endif
