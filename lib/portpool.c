#include "portpool.h"

#include <string.h>

#include "num.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Reads a port number (1..65535, or 0 when allow_zero) at *s, advancing *s. Decimal digits
 * only. */
static int read_port(const char **s, uint16_t *port, bool allow_zero)
{
	uint64_t v = 0;
	size_t digits = num_scan(*s, SIZE_MAX, 65535, &v);

	*s += digits;
	if (digits == 0 || (v == 0 && !allow_zero)) {
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

int pool_parse_range(const char *text, const char *what, uint16_t *lo, uint16_t *hi,
		     struct eph_err *err)
{
	const char *s = text;
	uint16_t a, b;

	while (is_blank(*s)) {
		s++;
	}
	if (read_port(&s, &a, false) < 0) {
		goto bad;
	}
	if (*s == '-') {
		s++;
	} else if (*s == ' ' || *s == '\t') {
		while (*s == ' ' || *s == '\t') {
			s++;
		}
	} else {
		goto bad;
	}
	if (read_port(&s, &b, false) < 0) {
		goto bad;
	}
	while (is_blank(*s)) {
		s++;
	}
	if (*s != '\0') {
		goto bad;
	}
	if (a > b) {
		eph_err_set(err, "%s: the range %u-%u starts above its end", what, a, b);
		return -1;
	}
	*lo = a;
	*hi = b;
	return 0;
bad:
	eph_err_set(err, "%s: expected a port range LO-HI with ports 1-65535, got '%.40s'", what,
		    text);
	return -1;
}

void pool_set_range(struct portpool *p, uint16_t lo, uint16_t hi)
{
	memset(p->reserved, 0, sizeof(p->reserved));
	p->lo = lo;
	p->hi = hi;
	p->set = true;
}

void pool_reserve(struct portpool *p, uint16_t lo, uint16_t hi)
{
	for (uint32_t port = lo; port <= hi; port++) {
		p->reserved[port >> 3] |= (uint8_t)(1u << (port & 7));
	}
}

/* Walks a reserved-ports list; marks the ports only when p is not NULL, so that the caller can
 * validate the whole list first and a bad list leaves the pool as it was. */
static int walk_reserved(struct portpool *p, const char *text)
{
	const char *s = text;

	while (is_blank(*s)) {
		s++;
	}
	while (*s != '\0') {
		uint16_t a, b;

		if (read_port(&s, &a, true) < 0) {
			return -1;
		}
		b = a;
		if (*s == '-') {
			s++;
			if (read_port(&s, &b, true) < 0 || b < a) {
				return -1;
			}
		}
		if (p) {
			pool_reserve(p, a, b);
		}
		if (*s == ',') {
			s++;
			if (!(*s >= '0' && *s <= '9')) {
				return -1;
			}
		} else {
			while (is_blank(*s)) {
				s++;
			}
			if (*s != '\0') {
				return -1;
			}
		}
	}
	return 0;
}

int pool_parse_reserved(struct portpool *p, const char *text, const char *what,
			struct eph_err *err)
{
	if (walk_reserved(NULL, text) < 0) {
		eph_err_set(err, "%s: expected a list like '1,2-4,10-10', got '%.40s'", what, text);
		return -1;
	}
	return walk_reserved(p, text);
}

static bool is_reserved(const struct portpool *p, uint32_t port)
{
	return (p->reserved[port >> 3] >> (port & 7)) & 1u;
}

bool pool_contains(const struct portpool *p, uint16_t port)
{
	return p->set && port >= p->lo && port <= p->hi && !is_reserved(p, port);
}

size_t pool_range_size(const struct portpool *p)
{
	return p->set ? (size_t)p->hi - p->lo + 1 : 0;
}

size_t pool_reserved_in_range(const struct portpool *p)
{
	size_t n = 0;

	if (!p->set) {
		return 0;
	}
	for (uint32_t port = p->lo; port <= p->hi; port++) {
		n += is_reserved(p, port);
	}
	return n;
}

size_t pool_size(const struct portpool *p)
{
	return pool_range_size(p) - pool_reserved_in_range(p);
}

bool pool_next_reserved(const struct portpool *p, uint32_t *from, uint16_t *lo, uint16_t *hi)
{
	uint32_t port = *from > p->lo ? *from : p->lo, end;

	if (!p->set) {
		return false;
	}
	while (port <= p->hi && !is_reserved(p, port)) {
		port++;
	}
	if (port > p->hi) {
		*from = port;
		return false;
	}
	end = port;
	while (end < p->hi && is_reserved(p, end + 1)) {
		end++;
	}
	*lo = (uint16_t)port;
	*hi = (uint16_t)end;
	*from = end + 1;
	return true;
}

void pool_format_reserved(const struct portpool *p, struct strbuf *sb, size_t max_len)
{
	size_t start = sb->len;
	uint32_t from = 0;
	uint16_t lo, hi;
	bool any = false;

	while (pool_next_reserved(p, &from, &lo, &hi)) {
		if (sb->len - start > max_len) {
			sb_puts(sb, ",...");
			return;
		}
		if (lo == hi) {
			sb_printf(sb, "%s%u", any ? "," : "", lo);
		} else {
			sb_printf(sb, "%s%u-%u", any ? "," : "", lo, hi);
		}
		any = true;
	}
	if (!any) {
		sb_puts(sb, "none");
	}
}
