#include "measure.h"

struct both {
	struct tally *t;
	struct attrib *a;
};

static int both_fn(const struct sock_rec *r, void *ctx)
{
	struct both *b = ctx;

	if (!r) {
		attrib_reset(b->a);
	} else {
		attrib_add(b->a, r);
	}
	return tally_sock_fn(r, b->t);
}

int measure_sockets(const struct sys_query *q, struct tally *t, struct sys_sock_info *info,
		    struct eph_err *err)
{
	return measure_sockets_attrib(sys_read_sockets, q, t, NULL, info, err);
}

int measure_sockets_attrib(measure_read_fn read_fn, const struct sys_query *q, struct tally *t,
			   struct attrib *a, struct sys_sock_info *info, struct eph_err *err)
{
	struct both b = { t, a };

	if (read_fn(q, a ? both_fn : tally_sock_fn, a ? (void *)&b : (void *)t, info, err) < 0) {
		return -1;
	}
	if (tally_needs_verify(t)) {
		struct sys_sock_info again;

		tally_begin_verify(t);
		if (read_fn(q, tally_sock_fn, t, &again, err) < 0) {
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

static int attrib_fn(const struct sock_rec *r, void *ctx)
{
	if (!r) {
		attrib_reset(ctx);
	} else {
		attrib_add(ctx, r);
	}
	return 0;
}

int measure_attrib(measure_read_fn read_fn, const struct sys_query *q, struct attrib *a,
		   struct sys_sock_info *info, struct eph_err *err)
{
	return read_fn(q, attrib_fn, a, info, err);
}
