#include "measure.h"

int measure_sockets(const struct sys_query *q, struct tally *t, struct sys_sock_info *info,
		    struct eph_err *err)
{
	if (sys_read_sockets(q, tally_sock_fn, t, info, err) < 0) {
		return -1;
	}
	if (tally_needs_verify(t)) {
		struct sys_sock_info again;

		tally_begin_verify(t);
		if (sys_read_sockets(q, tally_sock_fn, t, &again, err) < 0) {
			return -1;
		}
		info->restarts += again.restarts;
	}
	if (t->dest_oom) {
		eph_err_set(err, "out of memory while counting destinations");
		return -1;
	}
	return 0;
}
