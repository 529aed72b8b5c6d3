#include "forecast.h"
#include "forecast_slot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a, 64 bits (Fowler, Noll, Vo; the offset basis and prime of the reference): short, with
 * no table, and stable across builds, so the file name of a key never changes. A collision
 * cannot mix two checks: the file's key line is compared in full. */
static uint64_t fnv1a(const char *text)
{
	uint64_t h = 14695981039346656037u;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		h ^= *p;
		h *= 1099511628211u;
	}
	return h;
}

#define HASH_LEN 17 /* "#" and 16 hex digits */

/* Writes text into out (max + 1 bytes) as one blank-free printable field: blanks, '%', '#' and
 * bytes outside printable ASCII as %XX. When that is longer than max bytes, its start (whole
 * %XX only), then "#" and 16 hex digits of text's FNV-1a hash. */
static void encode(const char *text, size_t max, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = 0, keep = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		bool esc = *p <= ' ' || *p > '~' || *p == '%' || *p == '#';

		if (len + (esc ? 3 : 1) > max) {
			snprintf(out + keep, HASH_LEN + 1, "#%08lx%08lx",
				 (unsigned long)(fnv1a(text) >> 32),
				 (unsigned long)(fnv1a(text) & 0xffffffffu));
			return;
		}
		if (esc) {
			out[len++] = '%';
			out[len++] = hex[*p >> 4];
			out[len++] = hex[*p & 15];
		} else {
			out[len++] = (char)*p;
		}
		if (len + HASH_LEN <= max) {
			keep = len;
		}
	}
	out[len] = '\0';
}

#define NETNS_ARG_MAX 64 /* bytes of the --netns argument in the key, encoded */

void forecast_key_string(const struct forecast_key *k, char *buf, size_t size)
{
	char range[16] = "os", netns[NETNS_ARG_MAX + 1] = "";

	if (k->range_lo || k->range_hi) {
		snprintf(range, sizeof(range), "%u-%u", (unsigned)k->range_lo,
			 (unsigned)k->range_hi);
	}
	if (k->netns) {
		encode(k->netns, NETNS_ARG_MAX, netns);
	}
	snprintf(buf, size, "proto=%s%s%s families=%s%s%s range=%s%s%s",
		 k->proto[EPH_TCP] ? "tcp" : "", k->proto[EPH_TCP] && k->proto[EPH_UDP] ? "," : "",
		 k->proto[EPH_UDP] ? "udp" : "", k->families & EPH_FAM_V4 ? "ipv4" : "",
		 (k->families & EPH_FAM_ALL) == EPH_FAM_ALL ? "," : "",
		 k->families & EPH_FAM_V6 ? "ipv6" : "", range, k->netns ? " netns=" : "", netns);
}

void forecast_file_name(const struct forecast_key *k, char *buf, size_t size)
{
	char key[FORECAST_KEY_MAX];
	uint64_t h;

	forecast_key_string(k, key, sizeof(key));
	h = fnv1a(key);
	snprintf(buf, size, "%s-%08lx%08lx.state", EPH_NAME, (unsigned long)(h >> 32),
		 (unsigned long)(h & 0xffffffffu));
}

void forecast_ns_key(uint64_t ino, const char *name, char *buf, size_t size)
{
	char key[FORECAST_NS_MAX];
	int n = snprintf(key, sizeof(key), "%llu:", (unsigned long long)ino);

	encode(name, sizeof(key) - 1 - (size_t)n, key + n);
	snprintf(buf, size, "%s", key);
}

/* The length of key's identity, "4026532567:" (its inode, ':' included); 0 when it has none
 * (the plugin's own namespace without --netns, ""). */
static size_t id_len(const char *key)
{
	size_t i = 0;

	while (key[i] >= '0' && key[i] <= '9') {
		i++;
	}
	return i > 0 && key[i] == ':' ? i + 1 : 0;
}

void forecast_free(struct forecast_state *st)
{
	free(st->s);
	st->s = NULL;
	st->n = st->cap = 0;
}

bool forecast_ns_valid(const char *ns)
{
	size_t len = strlen(ns);

	if (len == 0 || len >= FORECAST_NS_MAX || strcmp(ns, "-") == 0) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (ns[i] <= ' ' || ns[i] > '~') {
			return false;
		}
	}
	return true;
}

int forecast_reserve(struct forecast_state *st, size_t n)
{
	struct forecast_sample *s;
	size_t cap = st->cap ? st->cap : 16;

	if (n <= st->cap) {
		return 0;
	}
	while (cap < n) {
		cap *= 2;
	}
	s = realloc(st->s, cap * sizeof(*s));
	if (!s) {
		return -1;
	}
	st->s = s;
	st->cap = cap;
	return 0;
}

static int slot_cmp(const void *a, const void *b)
{
	const struct forecast_slot *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Fills v (st->n slots) and sorts it. */
void forecast_slots_sort(const struct forecast_state *st, struct forecast_slot *v)
{
	for (size_t i = 0; i < st->n; i++) {
		v[i].ns = st->s[i].ns;
		v[i].i = i;
	}
	qsort(v, st->n, sizeof(*v), slot_cmp);
}

/* The end of the run of slots from j on with v[j]'s key. */
size_t forecast_slot_key_end(const struct forecast_slot *v, size_t n, size_t j)
{
	size_t e = j + 1;

	while (e < n && strcmp(v[e].ns, v[j].ns) == 0) {
		e++;
	}
	return e;
}

/* The end of the run of slots from j on with v[j]'s identity: its key, or any key of its inode. */
static size_t id_end(const struct forecast_slot *v, size_t n, size_t j)
{
	size_t len = id_len(v[j].ns), e = forecast_slot_key_end(v, n, j);

	while (len && e < n && id_len(v[e].ns) == len && memcmp(v[e].ns, v[j].ns, len) == 0) {
		e++;
	}
	return e;
}

void forecast_format(const struct forecast_state *st, const struct forecast_key *k,
		     struct strbuf *sb)
{
	char key[FORECAST_KEY_MAX];

	forecast_key_string(k, key, sizeof(key));
	sb_printf(sb, "%s forecast %d\nkey %s\n", EPH_NAME, FORECAST_VERSION, key);
	for (size_t i = 0; i < st->n; i++) {
		const struct forecast_sample *s = &st->s[i];

		sb_printf(sb, "%lld %s", (long long)s->t, s->ns[0] ? s->ns : "-");
		for (int p = 0; p < EPH_NPROTO; p++) {
			if (s->used[p] < 0) {
				sb_puts(sb, " -");
			} else {
				sb_printf(sb, " %ld", (long)s->used[p]);
			}
		}
		sb_puts(sb, "\n");
	}
}

static int check_sample(const struct forecast_sample *s, int64_t t, struct eph_err *err)
{
	if (s->t != t || s->t < 0 || s->t > 999999999999 || (s->ns[0] && !forecast_ns_valid(s->ns))) {
		eph_err_set(err, "the sample's time or namespace key is not valid");
		return -1;
	}
	for (int p = 0; p < EPH_NPROTO; p++) {
		if (s->used[p] < -1 || s->used[p] > FORECAST_USED_MAX) {
			eph_err_set(err, "the sample's %s count is out of range",
				    sock_proto_name((enum eph_proto)p));
			return -1;
		}
	}
	return 0;
}

/* Marks for dropping what cannot stay of the samples of v (sorted): a key whose inode is in this
 * run (index >= old) under another key, and the oldest of a key beyond FORECAST_MAX_SAMPLES.
 * seen[i]: sample i's key is in this run. */
static void mark_keys(const struct forecast_slot *v, size_t n, size_t old, bool *gone, bool *seen,
		      struct forecast_drops *d)
{
	for (size_t j = 0, e; j < n; j = e) {
		size_t end = id_end(v, n, j);
		bool id_in_run = false;

		for (size_t k = j; k < end; k++) {
			id_in_run = id_in_run || v[k].i >= old;
		}
		for (; j < end; j = e) {
			bool in_run;

			e = forecast_slot_key_end(v, n, j);
			/* Sorted by index within the key: this run's sample is the last. */
			in_run = v[e - 1].i >= old;
			for (size_t k = j; k < e; k++) {
				seen[v[k].i] = in_run;
				if (id_in_run && !in_run) {
					gone[v[k].i] = true;
					d->renamed++;
				} else if (e - k > FORECAST_MAX_SAMPLES) {
					gone[v[k].i] = true;
					*(in_run ? &d->capped : &d->unseen) += 1;
				}
			}
		}
		e = end;
	}
}

/* Marks the oldest samples for dropping until at most FORECAST_MAX_TOTAL stay: those of keys not
 * in this run first. */
static void mark_total(size_t n, bool *gone, const bool *seen, struct forecast_drops *d)
{
	size_t left = 0;

	for (size_t i = 0; i < n; i++) {
		left += !gone[i];
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n && left > FORECAST_MAX_TOTAL; i++) {
			if (!gone[i] && (pass == 1 || !seen[i])) {
				gone[i] = true;
				*(seen[i] ? &d->capped : &d->unseen) += 1;
				left--;
			}
		}
	}
}

/* The last `added` samples of st (this run's, all of one time) go before the samples of a later
 * time that precede them (a concurrent run's), so that the file stays in time order, which
 * forecast_parse requires. The others keep their order. */
static void in_time_order(struct forecast_state *st, size_t added)
{
	size_t first = st->n - added, at = first;

	if (added == 0) {
		return;
	}
	while (at > 0 && st->s[at - 1].t > st->s[first].t) {
		at--;
	}
	for (size_t k = 0; k < added; k++) {
		struct forecast_sample tmp = st->s[first + k];

		memmove(&st->s[at + k + 1], &st->s[at + k], (first - at) * sizeof(tmp));
		st->s[at + k] = tmp;
	}
}

int forecast_add(struct forecast_state *st, const struct forecast_sample *s, size_t n,
		 struct forecast_drops *d, struct eph_err *err)
{
	struct forecast_drops none = { 0, 0, 0 };
	struct forecast_slot *v = NULL;
	bool *gone = NULL, *seen = NULL;
	size_t old = 0, kept = 0, added = 0;
	int rc = -1;

	d = d ? d : &none;
	memset(d, 0, sizeof(*d));
	for (size_t k = 0; k < n; k++) {
		if (check_sample(&s[k], s[0].t, err) < 0) {
			return -1;
		}
	}
	if (n == 0) {
		return 0;
	}
	gone = calloc(st->n + n, sizeof(*gone));
	seen = calloc(st->n + n, sizeof(*seen));
	v = malloc((st->n + n) * sizeof(*v));
	if (!gone || !seen || !v || forecast_reserve(st, st->n + n) < 0) {
		eph_err_set(err, "out of memory adding a sample");
		goto out;
	}
	/* What can no longer count: out of the window, or far later than now (the clock was set
	 * back). A little later is a run that overlapped this one, took its time after it and
	 * recorded first: it stays, or its sample would be lost. */
	for (size_t i = 0; i < st->n; i++) {
		if (st->s[i].t >= s[0].t - FORECAST_WINDOW_S &&
		    st->s[i].t <= s[0].t + FORECAST_SLACK_S) {
			st->s[old++] = st->s[i];
		}
	}
	memcpy(&st->s[old], s, n * sizeof(*s));
	st->n = old + n;
	forecast_slots_sort(st, v);
	mark_keys(v, st->n, old, gone, seen, d);
	mark_total(st->n, gone, seen, d);
	for (size_t i = 0; i < st->n; i++) {
		if (!gone[i]) {
			st->s[kept++] = st->s[i];
			added += i >= old;
		}
	}
	st->n = kept;
	in_time_order(st, added);
	rc = 0;
out:
	free(v);
	free(gone);
	free(seen);
	return rc;
}

/* Whether s counts for protocol p of namespace ns at time now. */
static bool in_window(const struct forecast_sample *s, const char *ns, enum eph_proto p,
		      int64_t now)
{
	return strcmp(s->ns, ns) == 0 && s->used[p] >= 0 && s->t <= now &&
	       s->t >= now - FORECAST_WINDOW_S;
}

/* The samples of st, then extra when not NULL. */
static const struct forecast_sample *sample_at(const struct forecast_state *st,
					       const struct forecast_sample *extra, size_t i)
{
	return i < st->n ? &st->s[i] : extra;
}

/* Least squares over the window: slope = sum((t - mt)(u - mu)) / sum((t - mt)^2). Times are
 * taken relative to now, so that they and their squares stay exact in a double. */
static void estimate(const struct forecast_state *st, const struct forecast_sample *extra,
		     const char *ns, enum eph_proto p, int64_t now, size_t size,
		     struct forecast_est *est)
{
	double t_sum = 0, u_sum = 0, sxx = 0, sxy = 0, mt, mu;
	size_t n = st->n + (extra != NULL);
	int64_t first = 0;

	memset(est, 0, sizeof(*est));
	for (size_t i = 0; i < n; i++) {
		const struct forecast_sample *s = sample_at(st, extra, i);

		if (!in_window(s, ns, p, now)) {
			continue;
		}
		if (est->samples++ == 0) {
			first = s->t;
		}
		est->span = s->t - first;
		est->used = (size_t)s->used[p];
		t_sum += (double)(s->t - now);
		u_sum += s->used[p];
	}
	if (est->samples < 2 || est->span < FORECAST_MIN_SPAN_S) {
		return;
	}
	mt = t_sum / (double)est->samples;
	mu = u_sum / (double)est->samples;
	for (size_t i = 0; i < n; i++) {
		const struct forecast_sample *s = sample_at(st, extra, i);
		double dt = (double)(s->t - now) - mt;

		if (in_window(s, ns, p, now)) {
			sxx += dt * dt;
			sxy += dt * (s->used[p] - mu);
		}
	}
	est->rate_set = true;
	est->slope = sxy / sxx;
	if (est->slope > 0) {
		est->eta_set = true;
		est->eta = est->used >= size ? 0 : (double)(size - est->used) / est->slope;
	}
}

void forecast_estimate(const struct forecast_state *st, const char *ns, enum eph_proto p,
		       int64_t now, size_t size, struct forecast_est *est)
{
	estimate(st, NULL, ns, p, now, size, est);
}

void forecast_estimate_next(const struct forecast_state *st, const struct forecast_sample *s,
			    enum eph_proto p, size_t size, struct forecast_est *est)
{
	estimate(st, s, s->ns, p, s->t, size, est);
}

void forecast_eta_words(double eta, char *buf, size_t size)
{
	if (eta >= 3600) {
		snprintf(buf, size, "%s", "");
	} else if (eta < 60) {
		snprintf(buf, size, "full in <1 min");
	} else {
		snprintf(buf, size, "full in ~%d min", (int)(eta / 60 + 0.5));
	}
}
