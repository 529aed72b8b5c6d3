/* Parsers for the output of Windows' netsh, apart from sys_windows.c so that they build and are
 * tested on both targets. They take bytes (the caller ran netsh) and never the locale: netsh's
 * labels are translated ("Start Port", German "Startport"), so only the numbers are read. */
#ifndef WINPARSE_H
#define WINPARSE_H

#include <stdbool.h>
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

/* TcpTimedWaitDelay, the Windows TIME_WAIT lifetime in seconds: Microsoft documents 30..300.
 * Without a usable value the longer of the documented defaults (120 s or 240 s by version,
 * docs/platform-notes.md §3) is assumed, so that the sustainable rate errs on the safe side. */
#define WINPARSE_TW_MIN 30u
#define WINPARSE_TW_MAX 300u
#define WINPARSE_TW_ASSUMED 240u

enum winparse_tw {
	WINPARSE_TW_CONFIGURED, /* the value is the lifetime */
	WINPARSE_TW_UNSET,      /* no value: WINPARSE_TW_ASSUMED */
	WINPARSE_TW_IGNORED,    /* outside WINPARSE_TW_MIN..MAX: WINPARSE_TW_ASSUMED */
};

/* Decides the TIME_WAIT lifetime from the registry value TcpTimedWaitDelay: found is false
 * when it does not exist (as a REG_DWORD), value is its data. Sets *seconds and returns where
 * the lifetime came from. Writes a line for the long output into text (size bytes, always
 * NUL-terminated; where names the registry key):
 *   "TcpTimedWaitDelay 60 s (where)"
 *   "TcpTimedWaitDelay default (not configured; 240 s assumed)"
 *   "TcpTimedWaitDelay 1 is outside 30-300, ignored (where); 240 s assumed" */
enum winparse_tw winparse_tw_delay(bool found, uint32_t value, const char *where,
				   unsigned *seconds, char *text, size_t size);

#endif
