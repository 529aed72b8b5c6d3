/* The Windows half of netns.h: Windows has no network namespaces, so --netns is refused with
 * the reason, and nothing is ever listed or entered. */
#include "netns.h"

#include <string.h>

static void refuse(struct eph_err *err)
{
	eph_err_set(err, "--netns is Linux-only: Windows has no network namespaces; run the plugin "
			 "without --netns");
}

int netns_privileged(struct eph_err *err)
{
	refuse(err);
	return -1;
}

int netns_list(const char *spec, struct netns_list *l, struct eph_err *err)
{
	(void)spec;
	(void)l;
	refuse(err);
	return -1;
}

int netns_run(const struct netns_entry *e, int (*fn)(void *ctx), void *ctx, int *fn_rc,
	      struct eph_err *why)
{
	(void)e;
	(void)fn;
	(void)ctx;
	(void)fn_rc;
	refuse(why);
	return -1;
}
