/* The three tables of --top, internal to attrib.c (attrib_report) and attrib_rows.c. Each fills
 * its rows of out (out->top rows at most, and the totals) from a's socket list, which it sorts;
 * the sockets' key (process or user) is set already. */
#ifndef ATTRIB_ROWS_H
#define ATTRIB_ROWS_H

#include "attrib.h"

/* The owners holding most ports: out->owners. */
void attrib_rows_owners(struct attrib *a, struct attrib_tables *out);

/* The local addresses with most ports used: out->laddrs. */
void attrib_rows_laddrs(struct attrib *a, struct attrib_tables *out);

/* TCP: the destinations with most TIME_WAIT and the owner talking to each now: out->tw. */
void attrib_rows_tw(struct attrib *a, struct attrib_tables *out);

#endif
