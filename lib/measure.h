/* One protocol's socket read, tallied: the portable glue between sys_read_sockets and tally. */
#ifndef MEASURE_H
#define MEASURE_H

#include "sys.h"
#include "attrib.h"
#include "tally.h"

/* The socket reader: sys_read_sockets, or a test's fake. */
typedef int (*measure_read_fn)(const struct sys_query *q, sock_fn fn, void *ctx,
			       struct sys_sock_info *info, struct eph_err *err);

/* Reads the sockets of q into t (initialised over the pool to count against). When the first
 * read saw more destinations than the tally holds, reads once more to count the candidates
 * exactly. Returns -1 with err set when any read fails: never a partial tally. */
int measure_sockets(const struct sys_query *q, struct tally *t, struct sys_sock_info *info,
		    struct eph_err *err);

/* The same through read_fn, and a (when not NULL) collects the owner data of the first read in
 * the same pass: the sockets are read once whatever is collected. */
int measure_sockets_attrib(measure_read_fn read_fn, const struct sys_query *q, struct tally *t,
			   struct attrib *a, struct sys_sock_info *info, struct eph_err *err);

/* Reads the sockets of q once more for their owner data only: the tables of a state that
 * turned out not OK, so that an OK run never holds a record per socket. */
int measure_attrib(measure_read_fn read_fn, const struct sys_query *q, struct attrib *a,
		   struct sys_sock_info *info, struct eph_err *err);

#endif
