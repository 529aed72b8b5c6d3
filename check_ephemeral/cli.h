/* Turns argv into a struct eph_config. Portable: the same for Linux and Windows. */
#ifndef CLI_H
#define CLI_H

#include "config.h"
#include "eph.h"
#include "strbuf.h"

enum cli_rc {
	CLI_RUN = 0,   /* cfg is ready: measure */
	CLI_EXIT = 1,  /* --help or --version: print `out` and exit 3 */
	CLI_ERROR = -1 /* err says what is wrong and how to fix it */
};

/* Fills cfg from argv (defaults first). On CLI_EXIT the text to print is appended to out. */
int cli_parse(int argc, char **argv, struct eph_config *cfg, struct strbuf *out,
	      struct eph_err *err);

/* The output format named by -o/--output in argv, or NULL: looked up before parsing, so that an
 * error in any other option is already reported in the format the monitoring system reads
 * (SolarWinds needs its own lines and exit code even then). The last -o wins, as in parsing. */
const char *cli_output_format(int argc, char **argv);

#endif
