/* What the two files of the Nagios format share, internal to them: report_nagios.c writes the
 * output, report_nagios_top.c the --top tables in it. */
#ifndef REPORT_NAGIOS_H
#define REPORT_NAGIOS_H

#include <stddef.h>

#include "evaluate.h"
#include "strbuf.h"

/* A '|' starts perfdata, in the long output too (Nagios reads what follows it as more
 * perfdata): text quoted from outside, written from start on, shows it as '/'. */
void report_nagios_no_pipes(struct strbuf *sb, size_t start);

/* The --top tables of protocol p (p->attrib), each line starting with n ("tcp"). */
void report_nagios_top(const char *n, const struct proto_result *p, struct strbuf *sb);

#endif
