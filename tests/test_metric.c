/* Unit tests of lib/metric.c: every row is complete and consistent (names unique and found
 * again, ids in place, defaults that parse, percent rows with percent defaults), the values come
 * from the right fields, the name lists the CLI prints, and the first-line words of each row.
 * Portable: also built with mingw and run under wine. */
#include <string.h>

#include "evaluate.h"
#include "metric.h"
#include "tap.h"

static void test_rows(void)
{
	const struct metric *m;
	size_t n = 0;

	for (size_t i = 0; (m = metric_at(i)) != NULL; i++, n++) {
		struct threshold t;

		ok(m->name && *m->name && metric_find(m->name) == m, "row %zu '%s' is found by name",
		   i, m->name);
		ok(metric_get(m->id) == m && (size_t)m->id == i, "row %zu sits at its id", i);
		ok(m->value != NULL && m->perf_label && *m->perf_label, "row %s has a value and a label",
		   m->name);
		ok((m->warn_default == NULL) == (m->crit_default == NULL),
		   "row %s: both defaults or none", m->name);
		if (m->warn_default) {
			ok(threshold_parse(m->warn_default, &t) == THRESHOLD_OK &&
				   threshold_parse(m->crit_default, &t) == THRESHOLD_OK,
			   "row %s: its defaults parse", m->name);
		}
	}
	is_int(n, 5, "five metrics");
	ok(metric_find("percent") == NULL && metric_find("") == NULL, "unknown names are NULL");
	is_str(metric_get((enum eph_metric)99)->name, "pct", "an id out of range reads as pct");
	ok(metric_applies(metric_get(EPH_METRIC_DEST), EPH_TCP) &&
		   !metric_applies(metric_get(EPH_METRIC_DEST), EPH_UDP) &&
		   metric_applies(metric_get(EPH_METRIC_FREE), EPH_UDP),
	   "dest is judged on TCP only, the others everywhere");
	ok(metric_get(EPH_METRIC_PCT)->percent && !metric_get(EPH_METRIC_USED)->percent,
	   "pct takes %%, used does not");
	is_str(metric_get(EPH_METRIC_DEST)->perf_label, "dest_pct", "dest's thresholds on dest_pct");
}

static void test_lists(void)
{
	char buf[128];

	metric_list(buf, sizeof(buf), false, ", ", " or ");
	is_str(buf, "pct, used, free, dest or eta", "the names for an error message");
	metric_list(buf, sizeof(buf), false, "|", "|");
	is_str(buf, "pct|used|free|dest|eta", "the names for --help");
	metric_list(buf, sizeof(buf), true, ", ", " or ");
	is_str(buf, "pct or dest", "the names that take %%");
	metric_list(buf, 6, false, ", ", " or ");
	is_str(buf, "pct, ", "a short buffer is cut, terminated");
}

static void test_values(void)
{
	struct proto_result p;
	struct strbuf sb = { 0 };

	memset(&p, 0, sizeof(p));
	p.proto = EPH_TCP;
	p.used = 30;
	p.free = 70;
	p.size = 100;
	p.pct = 30.0;
	p.dest_max = 12;
	p.dest_pct = 12.0;
	p.dest_exact = false;
	ok(metric_get(EPH_METRIC_PCT)->value(&p) == 30.0 &&
		   metric_get(EPH_METRIC_USED)->value(&p) == 30.0 &&
		   metric_get(EPH_METRIC_FREE)->value(&p) == 70.0 &&
		   metric_get(EPH_METRIC_DEST)->value(&p) == 12.0,
	   "each value from its field");
	metric_get(EPH_METRIC_PCT)->summary(&p, &sb);
	metric_get(EPH_METRIC_DEST)->summary(&p, &sb);
	is_str(sb_str(&sb), " 30 of 100 ports in use (30.0%), worst destination ~12 ports to 0.0.0.0:0",
	       "the first-line words, ~ for an inexact destination count");
	ok(metric_get(EPH_METRIC_USED)->summary == NULL, "used adds no words");
	sb_reset(&sb);
	metric_get(EPH_METRIC_FREE)->lead(&p, "below 80", &sb);
	metric_get(EPH_METRIC_USED)->lead(&p, "", &sb);
	metric_get(EPH_METRIC_DEST)->lead(&p, "outside 0..10", &sb);
	is_str(sb_str(&sb),
	       " free 70 ports (below 80) used 30 ports worst destination ~12 ports to 0.0.0.0:0 "
	       "(12.0%, outside 0..10)",
	       "the words of a judged metric: value, and why when it alerts");
	ok(metric_get(EPH_METRIC_PCT)->lead == NULL, "pct, the default, has no leading words");
	sb_free(&sb);

	/* eta: a value only while the count grows, whole seconds, words under an hour. */
	ok(!metric_get(EPH_METRIC_ETA)->has_value(&p), "eta: no forecast, no value");
	metric_get(EPH_METRIC_ETA)->summary(&p, &sb);
	is_str(sb_str(&sb), "", "eta: no forecast, no words");
	p.fc_set = true;
	p.fc.rate_set = p.fc.eta_set = true;
	p.fc.eta = 840.9;
	ok(metric_get(EPH_METRIC_ETA)->has_value(&p) && metric_get(EPH_METRIC_ETA)->value(&p) == 840,
	   "eta: 840.9 s is judged as 840");
	metric_get(EPH_METRIC_ETA)->summary(&p, &sb);
	is_str(sb_str(&sb), ", full in ~14 min", "eta: the first-line words");
	sb_reset(&sb);
	p.fc.eta = 3600;
	metric_get(EPH_METRIC_ETA)->summary(&p, &sb);
	is_str(sb_str(&sb), "", "eta: an hour or more, no words");
	is_str(metric_get(EPH_METRIC_ETA)->warn_default, "3600:", "eta: warning below an hour");
	is_str(metric_get(EPH_METRIC_ETA)->crit_default, "600:", "eta: critical below ten minutes");
	sb_free(&sb);
}

/* Used and free: defaults per protocol as a share of its pool; dest judges UDP by pct. */
static void test_defaults(void)
{
	struct threshold none, w, c, given;
	char ws[32], cs[32];

	memset(&none, 0, sizeof(none));
	metric_thresholds_for(metric_get(EPH_METRIC_USED), 28232, &none, &none, &w, &c);
	is_str(threshold_format(&w, ws, sizeof(ws)), "22585", "used warns above 80 %% of 28232");
	is_str(threshold_format(&c, cs, sizeof(cs)), "25408", "and is critical above 90 %%");
	metric_thresholds_for(metric_get(EPH_METRIC_FREE), 28232, &none, &none, &w, &c);
	is_str(threshold_format(&w, ws, sizeof(ws)), "5647:", "free warns below 20 %% of 28232");
	is_str(threshold_format(&c, cs, sizeof(cs)), "2824:", "and is critical below 10 %%");
	metric_thresholds_for(metric_get(EPH_METRIC_FREE), 1000, &none, &none, &w, &c);
	ok(threshold_alerts(&w, 199) && !threshold_alerts(&w, 200) && threshold_alerts(&c, 99) &&
		   !threshold_alerts(&c, 100),
	   "free in a 1000-port pool: warning under 200, critical under 100");
	ok(threshold_parse("10", &given) == THRESHOLD_OK, "-w 10 parses");
	metric_thresholds_for(metric_get(EPH_METRIC_FREE), 1000, &given, &none, &w, &c);
	is_str(threshold_format(&w, ws, sizeof(ws)), "10", "a given -w is kept");
	is_str(threshold_format(&c, cs, sizeof(cs)), "100:", "the missing -c is the default");
	metric_thresholds_for(metric_get(EPH_METRIC_PCT), 1000, &none, &none, &w, &c);
	ok(!w.set && !c.set, "pct: no share default (its 80/90 come from the CLI)");
	ok(metric_judging(EPH_METRIC_DEST, EPH_UDP) == metric_get(EPH_METRIC_PCT) &&
		   metric_judging(EPH_METRIC_DEST, EPH_TCP) == metric_get(EPH_METRIC_DEST) &&
		   metric_judging(EPH_METRIC_FREE, EPH_UDP) == metric_get(EPH_METRIC_FREE),
	   "dest judges UDP by pct; the others judge every protocol");
}

int main(void)
{
	test_rows();
	test_lists();
	test_values();
	test_defaults();
	return done_testing();
}
