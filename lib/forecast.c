#include "forecast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void forecast_key_string(const struct forecast_key *k, char *buf, size_t size)
{
	char range[16] = "os";

	if (k->range_lo || k->range_hi) {
		snprintf(range, sizeof(range), "%u-%u", (unsigned)k->range_lo,
			 (unsigned)k->range_hi);
	}
	snprintf(buf, size, "proto=%s%s%s families=%s%s%s range=%s", k->proto[EPH_TCP] ? "tcp" : "",
		 k->proto[EPH_TCP] && k->proto[EPH_UDP] ? "," : "", k->proto[EPH_UDP] ? "udp" : "",
		 k->families & EPH_FAM_V4 ? "ipv4" : "",
		 (k->families & EPH_FAM_ALL) == EPH_FAM_ALL ? "," : "",
		 k->families & EPH_FAM_V6 ? "ipv6" : "", range);
}

/* FNV-1a, 64 bits (Fowler, Noll, Vo; the offset basis and prime of the reference): short, with
 * no table, and stable across builds, so the file name of a key never changes. A collision
 * cannot mix two checks: the file's key line is compared in full. */
void forecast_file_name(const struct forecast_key *k, char *buf, size_t size)
{
	uint64_t h = 14695981039346656037u;
	char key[FORECAST_KEY_MAX];

	forecast_key_string(k, key, sizeof(key));
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 1099511628211u;
	}
	snprintf(buf, size, "%s-%08lx%08lx.state", EPH_NAME, (unsigned long)(h >> 32),
		 (unsigned long)(h & 0xffffffffu));
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

static size_t count_ns(const struct forecast_state *st, const char *ns)
{
	size_t n = 0;

	for (size_t i = 0; i < st->n; i++) {
		n += strcmp(st->s[i].ns, ns) == 0;
	}
	return n;
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
		if (st->n == FORECAST_MAX_TOTAL || count_ns(st, s.ns) == FORECAST_MAX_SAMPLES) {
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
	if (parse_lines(buf, len, k, st, err) < 0) {
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

/* Removes st->s[i]. */
static void drop(struct forecast_state *st, size_t i)
{
	memmove(&st->s[i], &st->s[i + 1], (st->n - i - 1) * sizeof(st->s[0]));
	st->n--;
}

int forecast_add(struct forecast_state *st, const struct forecast_sample *s,
		 struct eph_err *err)
{
	size_t i;

	if (s->t < 0 || s->t > 999999999999 || (s->ns[0] && !forecast_ns_valid(s->ns))) {
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
	if (reserve(st, st->n + 1) < 0) {
		eph_err_set(err, "out of memory adding a sample");
		return -1;
	}
	for (i = st->n; i-- > 0;) {
		if (st->s[i].t < s->t - FORECAST_WINDOW_S || st->s[i].t > s->t) {
			drop(st, i);
		}
	}
	st->s[st->n++] = *s;
	/* Oldest first: the first ones of the namespace, then the first ones of all. */
	for (i = 0; count_ns(st, s->ns) > FORECAST_MAX_SAMPLES;) {
		if (strcmp(st->s[i].ns, s->ns) == 0) {
			drop(st, i);
		} else {
			i++;
		}
	}
	while (st->n > FORECAST_MAX_TOTAL) {
		drop(st, 0);
	}
	return 0;
}

/* Whether s counts for protocol p of namespace ns at time now. */
static bool in_window(const struct forecast_sample *s, const char *ns, enum eph_proto p,
		      int64_t now)
{
	return strcmp(s->ns, ns) == 0 && s->used[p] >= 0 && s->t <= now &&
	       s->t >= now - FORECAST_WINDOW_S;
}

/* Least squares over the window: slope = sum((t - mt)(u - mu)) / sum((t - mt)^2). Times are
 * taken relative to now, so that they and their squares stay exact in a double. */
void forecast_estimate(const struct forecast_state *st, const char *ns, enum eph_proto p,
		       int64_t now, size_t size, struct forecast_est *est)
{
	double t_sum = 0, u_sum = 0, sxx = 0, sxy = 0, mt, mu;
	int64_t first = 0;

	memset(est, 0, sizeof(*est));
	for (size_t i = 0; i < st->n; i++) {
		const struct forecast_sample *s = &st->s[i];

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
	for (size_t i = 0; i < st->n; i++) {
		const struct forecast_sample *s = &st->s[i];
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
