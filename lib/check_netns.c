/* --netns in a run (lib/check.c calls check_netns_measure): the namespaces listed, each read in
 * a thread inside it (netns_run) and judged on its own pool, the worst one kept as the run's
 * result, within three quarters of -t. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the thread inside a namespace does (netns_run): the whole read, or the owners only. */
struct ns_job {
	struct check *c;
	struct check_work *w;
	bool owners;
	struct eph_err err;
};

static int ns_job_run(void *ctx)
{
	struct ns_job *j = ctx;

	return j->owners ? check_read_owners(j->c, j->w, &j->err)
			 : check_measure_all(j->c, j->w, false, &j->err);
}

/* --netns stops entering namespaces three quarters of -t after the start, so that what was found
 * (a CRITICAL among it) is still reported in time. */
static bool ns_time_left(const struct check *c)
{
	return c->os->clock_ms() <= c->start_ms + (uint64_t)c->cfg->timeout * 750u;
}

/* Reads namespace i into w and fills its entry of c->ns: checked, failed (UNKNOWN, why says) or
 * skipped (gone, may not be entered, no time left: why says). -1 only when the run cannot go on
 * (no thread could be made). */
static int read_ns(struct check *c, size_t i, struct check_work *w, struct eph_err *err)
{
	struct ns_result *nr = &c->ns.v[i];
	struct ns_job job = { c, w, false, { "" } };
	int fn_rc = 0, rc;

	nr->ns = &c->netns.v[i];
	if (!ns_time_left(c)) {
		nr->skipped = true;
		c->ns.untimed++;
		snprintf(nr->why, sizeof(nr->why), "not checked: -t %u s was running out",
			 c->cfg->timeout);
		return 0;
	}
	rc = c->os->netns_run(nr->ns, ns_job_run, &job, &fn_rc, err);
	if (rc != 0) {
		nr->skipped = true;
		snprintf(nr->why, sizeof(nr->why), "%s", err->msg);
		if (rc < 0) {
			return check_fail_plain(c);
		}
		memset(err, 0, sizeof(*err));
		return 0;
	}
	if (fn_rc < 0) {
		nr->failed = true;
		nr->state = EPH_UNKNOWN;
		snprintf(nr->why, sizeof(nr->why), "%s%s%s", c->failed, c->failed[0] ? ": " : "",
			 job.err.msg);
		c->failed = "";
		return 0;
	}
	check_forecast_ns(c, nr->ns, &w->res);
	evaluate_ns_fill(nr, &w->res);
	return 0;
}

/* Lists the namespaces of --netns and makes room for their results. */
static int list_ns(struct check *c, struct eph_err *err)
{
	size_t n;

	check_enter(c, CHECK_NETNS);
	if (c->os->netns_privileged(err) < 0 || c->os->netns_list(c->cfg->netns, &c->netns, err) < 0) {
		return check_fail_plain(c);
	}
	n = c->netns.n ? c->netns.n : 1;
	c->ns.list = &c->netns;
	c->ns.v = calloc(n, sizeof(*c->ns.v));
	c->ns.order = calloc(n, sizeof(*c->ns.order));
	if (!c->ns.v || !c->ns.order) {
		eph_err_set(err, "out of memory for %zu network namespaces", c->netns.n);
		return check_fail_plain(c);
	}
	c->ns.n = c->netns.n;
	return 0;
}

/* The reason a --netns run that could check no namespace gives: the first one's. */
static const char *ns_none_why(const struct ns_results *a)
{
	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].why[0]) {
			return a->v[i].why;
		}
	}
	return "no network namespace could be checked";
}

/* --netns: every namespace listed, each read in a thread inside it and judged on its own pool.
 * Two work areas: the worst namespace's figures so far (c->w) stay while the next one is read into
 * the other, so memory stays that of two reads however many namespaces there are. */
int check_netns_measure(struct check *c, struct eph_err *err)
{
	struct check_work *cur = &c->work[0];

	c->w = NULL;
	if (list_ns(c, err) < 0) {
		return -1;
	}
	/* Every namespace is judged on its own samples (--metric eta) as it is read. */
	check_enter(c, CHECK_FORECAST);
	check_forecast_begin(c);
	for (size_t i = 0; i < c->ns.n; i++) {
		const struct ns_result *nr = &c->ns.v[i];

		if (read_ns(c, i, cur, err) < 0) {
			return -1;
		}
		if (nr->skipped || nr->failed ||
		    (c->w && !evaluate_ns_worse(c->cfg, nr, &c->ns.v[c->ns.worst]))) {
			continue;
		}
		c->ns.worst = i;
		c->w = cur;
		cur = cur == &c->work[0] ? &c->work[1] : &c->work[0];
	}
	if (!c->w) {
		c->w = &c->work[0];
		eph_err_set(err, "%s", ns_none_why(&c->ns));
		return check_fail_plain(c);
	}
	c->res = c->w->res;
	c->res.ns = &c->ns;
	c->res.state = evaluate_ns_merge(c->cfg, &c->ns);
	check_enter(c, CHECK_FORECAST);
	check_forecast_end(c);
	return 0;
}

/* The owner data of a state that turned out not OK: read again, inside the worst namespace with
 * --netns. 1 when that namespace is gone by now: the result stands, without tables, and the
 * output says why. */
int check_netns_reread_owners(struct check *c, struct eph_err *err)
{
	struct ns_job job = { c, c->w, true, { "" } };
	int fn_rc = 0, rc;

	if (!c->cfg->netns) {
		return check_read_owners(c, c->w, err);
	}
	rc = c->os->netns_run(c->ns.v[c->ns.worst].ns, ns_job_run, &job, &fn_rc, err);
	if (rc < 0) {
		return check_fail(c);
	}
	if (rc == 1) {
		snprintf(c->ns.owners_why, sizeof(c->ns.owners_why), "%s", err->msg);
		memset(err, 0, sizeof(*err));
		return 1;
	}
	if (fn_rc < 0) {
		*err = job.err;
		return -1;
	}
	return 0;
}
