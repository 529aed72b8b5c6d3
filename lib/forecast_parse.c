/* Reading a forecast state file (forecast_parse): the header and key lines, then one line per
 * sample, every field checked whole, and no namespace with more samples than a file may hold.
 * Writing it, adding samples and the estimates are lib/forecast.c. */
#include "forecast.h"
#include "forecast_slot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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


/* Refuses a state with more than FORECAST_MAX_SAMPLES samples of one namespace, naming the
 * line of the first one beyond. */
static int check_per_ns(const struct forecast_state *st, struct eph_err *err)
{
	struct forecast_slot *v = malloc((st->n ? st->n : 1) * sizeof(*v));
	size_t beyond = SIZE_MAX;

	if (!v) {
		eph_err_set(err, "out of memory reading the samples");
		return -1;
	}
	forecast_slots_sort(st, v);
	for (size_t j = 0, e; j < st->n; j = e) {
		e = forecast_slot_key_end(v, st->n, j);
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
				    sock_proto_name((enum eph_proto)p));
			return -1;
		}
		if (dash) {
			continue;
		}
		if (parse_uint(c, flen[2 + p], FORECAST_USED_MAX, &v) < 0) {
			eph_err_set(err, "line %zu: the %s count is not a number of ports", no,
				    sock_proto_name((enum eph_proto)p));
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
		if (forecast_reserve(st, st->n + 1) < 0) {
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
