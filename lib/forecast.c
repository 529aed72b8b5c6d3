#include "forecast.h"

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

static int reserve(struct forecast_state *st, size_t n)
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

/* A whole field of decimal digits, no sign, no leading zero, at most max. */
static int parse_uint(const char *f, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 19 || (f[0] == '0' && len > 1)) {
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (f[i] < '0' || f[i] > '9') {
			return -1;
		}
		v = v * 10 + (uint64_t)(f[i] - '0');
	}
	if (v > max) {
		return -1;
	}
	*out = v;
	return 0;
}

/* Splits line (without its "\n") into exactly n fields separated by single blanks. */
static int split(const char *line, size_t len, const char **f, size_t *flen, size_t n)
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ') {
			continue;
		}
		if (k == n || i == start) {
			return -1;
		}
		f[k] = line + start;
		flen[k++] = i - start;
		start = i + 1;
	}
	return k == n ? 0 : -1;
}

/* The samples of st by namespace key, each key's in time order (by index): a key's samples are
 * next to each other, and so are the keys of one inode ("123:a", "123:b"), which share their
 * start. */
struct slot {
	const char *ns;
	size_t i;
};

static int slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Fills v (st->n slots) and sorts it. */
static void slots_sort(const struct forecast_state *st, struct slot *v)
{
	for (size_t i = 0; i < st->n; i++) {
		v[i].ns = st->s[i].ns;
		v[i].i = i;
	}
	qsort(v, st->n, sizeof(*v), slot_cmp);
}

/* The end of the run of slots from j on with v[j]'s key. */
static size_t key_end(const struct slot *v, size_t n, size_t j)
{
	size_t e = j + 1;

	while (e < n && strcmp(v[e].ns, v[j].ns) == 0) {
		e++;
	}
	return e;
}

/* The end of the run of slots from j on with v[j]'s identity: its key, or any key of its inode. */
static size_t id_end(const struct slot *v, size_t n, size_t j)
{
	size_t len = id_len(v[j].ns), e = key_end(v, n, j);

	while (len && e < n && id_len(v[e].ns) == len && memcmp(v[e].ns, v[j].ns, len) == 0) {
		e++;
	}
	return e;
}

/* Refuses a state with more than FORECAST_MAX_SAMPLES samples of one namespace, naming the
 * line of the first one beyond. */
static int check_per_ns(const struct forecast_state *st, struct eph_err *err)
{
	struct slot *v = malloc((st->n ? st->n : 1) * sizeof(*v));
	size_t beyond = SIZE_MAX;

	if (!v) {
		eph_err_set(err, "out of memory reading the samples");
		return -1;
	}
	slots_sort(st, v);
	for (size_t j = 0, e; j < st->n; j = e) {
		e = key_end(v, st->n, j);
		if (e - j > FORECAST_MAX_SAMPLES && v[j + FORECAST_MAX_SAMPLES].i < beyond) {
			beyond = v[j + FORECAST_MAX_SAMPLES].i;
		}
	}
	free(v);
	if (beyond != SIZE_MAX) {
		eph_err_set(err, "line %zu is beyond the size bound of the file", beyond + 3);
		return -1;
	}
	return 0;
}

/* One sample line against the key's protocols; the line number is for the message. */
static int parse_sample(const char *line, size_t len, const bool *protos,
			struct forecast_sample *s, struct eph_err *err, size_t no)
{
	const char *f[2 + EPH_NPROTO];
	size_t flen[2 + EPH_NPROTO];
	uint64_t v;

	memset(s, 0, sizeof(*s));
	if (split(line, len, f, flen, 2 + EPH_NPROTO) < 0) {
		eph_err_set(err, "line %zu is not a sample (time, namespace and %d counts)", no,
			    EPH_NPROTO);
		return -1;
	}
	/* 12 digits: any time up to the year 33658. */
	if (parse_uint(f[0], flen[0], 999999999999u, &v) < 0) {
		eph_err_set(err, "line %zu: the time is not a number of seconds", no);
		return -1;
	}
	s->t = (int64_t)v;
	if (!(flen[1] == 1 && f[1][0] == '-')) {
		if (flen[1] >= FORECAST_NS_MAX) {
			eph_err_set(err, "line %zu: the namespace key is too long", no);
			return -1;
		}
		memcpy(s->ns, f[1], flen[1]);
		if (!forecast_ns_valid(s->ns)) {
			eph_err_set(err, "line %zu: the namespace key is not valid", no);
			return -1;
		}
	}
	for (int p = 0; p < EPH_NPROTO; p++) {
		const char *c = f[2 + p];
		bool dash = flen[2 + p] == 1 && c[0] == '-';

		s->used[p] = -1;
		if (dash != !protos[p]) {
			eph_err_set(err, "line %zu: the %s count does not match the key", no,
				    eph_proto_name((enum eph_proto)p));
			return -1;
		}
		if (dash) {
			continue;
		}
		if (parse_uint(c, flen[2 + p], FORECAST_USED_MAX, &v) < 0) {
			eph_err_set(err, "line %zu: the %s count is not a number of ports", no,
				    eph_proto_name((enum eph_proto)p));
			return -1;
		}
		s->used[p] = (int32_t)v;
	}
	return 0;
}

static int parse_lines(const char *buf, size_t len, const struct forecast_key *k,
		       struct forecast_state *st, struct eph_err *err)
{
	char header[64], key[FORECAST_KEY_MAX];
	size_t pos = 0, no = 0;

	snprintf(header, sizeof(header), "%s forecast %d", EPH_NAME, FORECAST_VERSION);
	forecast_key_string(k, key, sizeof(key));
	while (pos < len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t ll;
		struct forecast_sample s;

		no++;
		if (!nl) {
			eph_err_set(err, "line %zu has no end (the file was cut short)", no);
			return -1;
		}
		ll = (size_t)(nl - line);
		pos += ll + 1;
		if (no == 1) {
			if (ll != strlen(header) || memcmp(line, header, ll) != 0) {
				eph_err_set(err, "it is not a %s forecast file of version %d", EPH_NAME,
					    FORECAST_VERSION);
				return -1;
			}
			continue;
		}
		if (no == 2) {
			if (ll != 4 + strlen(key) || memcmp(line, "key ", 4) != 0 ||
			    memcmp(line + 4, key, ll - 4) != 0) {
				eph_err_set(err, "it belongs to another check (its key line is not "
						 "\"key %s\")",
					    key);
				return -1;
			}
			continue;
		}
		if (parse_sample(line, ll, k->proto, &s, err, no) < 0) {
			return -1;
		}
		if (st->n && s.t < st->s[st->n - 1].t) {
			eph_err_set(err, "line %zu is older than the line before it", no);
			return -1;
		}
		if (st->n == FORECAST_MAX_TOTAL) {
			eph_err_set(err, "line %zu is beyond the size bound of the file", no);
			return -1;
		}
		if (reserve(st, st->n + 1) < 0) {
			eph_err_set(err, "out of memory reading the samples");
			return -1;
		}
		st->s[st->n++] = s;
	}
	if (no == 1) {
		eph_err_set(err, "it has no key line (the file was cut short)");
		return -1;
	}
	return 0;
}

int forecast_parse(const char *buf, size_t len, const struct forecast_key *k,
		   struct forecast_state *st, struct eph_err *err)
{
	st->n = 0;
	if (len == 0) {
		return 0;
	}
	if (len > FORECAST_FILE_MAX) {
		eph_err_set(err, "it is larger than a forecast file can be (%zu bytes)", len);
		return -1;
	}
	if (memchr(buf, '\0', len)) {
		eph_err_set(err, "it holds a NUL byte");
		return -1;
	}
	if (parse_lines(buf, len, k, st, err) < 0 || check_per_ns(st, err) < 0) {
		st->n = 0;
		return -1;
	}
	return 0;
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
				    eph_proto_name((enum eph_proto)p));
			return -1;
		}
	}
	return 0;
}

/* Marks for dropping what cannot stay of the samples of v (sorted): a key whose inode is in this
 * run (index >= old) under another key, and the oldest of a key beyond FORECAST_MAX_SAMPLES.
 * seen[i]: sample i's key is in this run. */
static void mark_keys(const struct slot *v, size_t n, size_t old, bool *gone, bool *seen,
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

			e = key_end(v, n, j);
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

int forecast_add(struct forecast_state *st, const struct forecast_sample *s, size_t n,
		 struct forecast_drops *d, struct eph_err *err)
{
	struct forecast_drops none = { 0, 0, 0 };
	struct slot *v = NULL;
	bool *gone = NULL, *seen = NULL;
	size_t old = 0, kept = 0;
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
	if (!gone || !seen || !v || reserve(st, st->n + n) < 0) {
		eph_err_set(err, "out of memory adding a sample");
		goto out;
	}
	/* What can no longer count: out of the window, or later than now (the clock was set
	 * back). */
	for (size_t i = 0; i < st->n; i++) {
		if (st->s[i].t >= s[0].t - FORECAST_WINDOW_S && st->s[i].t <= s[0].t) {
			st->s[old++] = st->s[i];
		}
	}
	memcpy(&st->s[old], s, n * sizeof(*s));
	st->n = old + n;
	slots_sort(st, v);
	mark_keys(v, st->n, old, gone, seen, d);
	mark_total(st->n, gone, seen, d);
	for (size_t i = 0; i < st->n; i++) {
		if (!gone[i]) {
			st->s[kept++] = st->s[i];
		}
	}
	st->n = kept;
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
