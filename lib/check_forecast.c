/* The forecast's part of a run (lib/check.c enters the stage and calls these): the sample of the
 * plugin's own namespace, or with --netns one sample per namespace read, each namespace judged on
 * its own samples. The state file is read before the namespaces are (so that --metric eta can
 * judge each one as it is read, and the worst be kept) and written once after them, under its
 * lock for the write only. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long the forecast may wait for another run's lock: 2 s, less when -t leaves less, as it is
 * a secondary step that never costs the run its result. */
static unsigned wait_ms(const struct check *c)
{
	uint64_t deadline = c->start_ms + (uint64_t)c->cfg->timeout * 750u, now = c->os->clock_ms();
	uint64_t left = deadline > now ? deadline - now : 1;

	return left > 2000 ? 2000 : (unsigned)left;
}

static bool hooks(const struct check *c)
{
	return c->os->forecast_read && c->os->forecast_record && c->os->time_now;
}

/* The sample of r (a namespace's, or the run's) at time t under namespace key ns. */
static void make_sample(const struct result *r, int64_t t, const char *ns,
			struct forecast_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->t = t;
	snprintf(s->ns, sizeof(s->ns), "%s", ns);
	for (int p = 0; p < EPH_NPROTO; p++) {
		s->used[p] = r->p[p].checked ? (int32_t)r->p[p].used : -1;
	}
}

void check_forecast_own(struct check *c)
{
	struct forecast_key key;
	struct forecast_sample s;
	struct forecast_est est;

	if (!hooks(c)) {
		return;
	}
	evaluate_forecast_key(c->cfg, &key);
	make_sample(&c->res, c->os->time_now(), "", &s);
	c->os->forecast_read(c->cfg->state_dir, &key, wait_ms(c), &c->forecast);
	c->os->forecast_record(&key, &s, 1, wait_ms(c), &c->forecast);
	for (int p = 0; p < EPH_NPROTO; p++) {
		if (c->res.p[p].checked) {
			forecast_estimate(&c->forecast.st, "", (enum eph_proto)p, s.t, c->res.p[p].size,
					  &est);
			evaluate_forecast(c->cfg, c->forecast.on ? &est : NULL, &c->res.p[p]);
		}
	}
	c->res.forecast = &c->forecast;
}

void check_forecast_begin(struct check *c)
{
	struct forecast_key key;

	if (!hooks(c)) {
		return;
	}
	evaluate_forecast_key(c->cfg, &key);
	c->forecast_t = c->os->time_now();
	c->os->forecast_read(c->cfg->state_dir, &key, wait_ms(c), &c->forecast);
	c->forecast_begun = true;
}

void check_forecast_ns(struct check *c, const struct netns_entry *e, struct result *r)
{
	struct forecast_sample s;
	struct forecast_est est;
	char ns[FORECAST_NS_MAX];

	if (!c->forecast_begun || !c->forecast.on) {
		return;
	}
	forecast_ns_key(e->ino, e->name, ns, sizeof(ns));
	make_sample(r, c->forecast_t, ns, &s);
	for (int p = 0; p < EPH_NPROTO; p++) {
		if (r->p[p].checked) {
			forecast_estimate_next(&c->forecast.st, &s, (enum eph_proto)p, r->p[p].size,
					       &est);
			evaluate_forecast(c->cfg, &est, &r->p[p]);
		}
	}
	evaluate_merge(r);
}

void check_forecast_end(struct check *c)
{
	struct forecast_key key;
	struct forecast_sample *v;
	size_t n = 0;

	if (!c->forecast_begun) {
		return;
	}
	c->res.forecast = &c->forecast;
	if (!c->forecast.on) {
		return;
	}
	v = calloc(c->ns.n ? c->ns.n : 1, sizeof(*v));
	if (!v) {
		snprintf(c->forecast.note, sizeof(c->forecast.note),
			 "this run's samples are not recorded: out of memory");
		return;
	}
	for (size_t i = 0; i < c->ns.n; i++) {
		const struct ns_result *nr = &c->ns.v[i];

		if (nr->skipped || nr->failed) {
			continue;
		}
		forecast_ns_key(nr->ns->ino, nr->ns->name, v[n].ns, sizeof(v[n].ns));
		v[n].t = c->forecast_t;
		for (int p = 0; p < EPH_NPROTO; p++) {
			v[n].used[p] = nr->p[p].checked ? (int32_t)nr->p[p].used : -1;
		}
		n++;
	}
	evaluate_forecast_key(c->cfg, &key);
	c->os->forecast_record(&key, v, n, wait_ms(c), &c->forecast);
	free(v);
}
