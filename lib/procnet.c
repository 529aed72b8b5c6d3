#include "procnet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Reads exactly n hex digits at *s into *v. */
static int hexn(const char **s, int n, uint32_t *v)
{
	uint32_t x = 0;

	for (int i = 0; i < n; i++) {
		char c = (*s)[i];
		uint32_t d;

		if (c >= '0' && c <= '9') {
			d = (uint32_t)(c - '0');
		} else if (c >= 'A' && c <= 'F') {
			d = (uint32_t)(c - 'A' + 10);
		} else if (c >= 'a' && c <= 'f') {
			d = (uint32_t)(c - 'a' + 10);
		} else {
			return -1;
		}
		x = (x << 4) | d;
	}
	*s += n;
	*v = x;
	return 0;
}

/* "0100007F:9C40": the kernel prints each 32-bit word of the address as it sits in memory,
 * read as a host-order integer (seq_printf("%08X") in tcp4_seq_show/tcp6_seq_show), so copying
 * the integer back into memory restores the network-order bytes on the same host. */
static int parse_endpoint(const char **s, int family, uint8_t addr[16], uint16_t *port)
{
	int words = family == 6 ? 4 : 1;
	uint32_t w, p;

	for (int i = 0; i < words; i++) {
		if (hexn(s, 8, &w) < 0) {
			return -1;
		}
		memcpy(addr + 4 * i, &w, 4);
	}
	if (**s != ':') {
		return -1;
	}
	(*s)++;
	if (hexn(s, 4, &p) < 0) {
		return -1;
	}
	*port = (uint16_t)p;
	return 0;
}

static const char *skip_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t') {
		s++;
	}
	return s;
}

/* Reads a decimal field, advancing s. */
static int dec_field(const char **s, unsigned long long *v)
{
	char *end;

	*s = skip_spaces(*s);
	if (!(**s >= '0' && **s <= '9')) {
		return -1;
	}
	*v = strtoull(*s, &end, 10);
	*s = end;
	return 0;
}

/* Skips one whitespace-separated field. */
static int skip_field(const char **s)
{
	*s = skip_spaces(*s);
	if (**s == '\0' || **s == '\n') {
		return -1;
	}
	while (**s && **s != ' ' && **s != '\t' && **s != '\n') {
		(*s)++;
	}
	return 0;
}

static int parse_line(const char *line, enum eph_proto proto, int family, struct sock_rec *r)
{
	const char *s = skip_spaces(line);
	unsigned long long uid, inode;
	uint32_t st;

	memset(r, 0, sizeof(*r));
	/* "  12: " */
	while (*s >= '0' && *s <= '9') {
		s++;
	}
	if (*s != ':') {
		return -1;
	}
	s = skip_spaces(s + 1);
	if (parse_endpoint(&s, family, r->laddr, &r->lport) < 0) {
		return -1;
	}
	s = skip_spaces(s);
	if (parse_endpoint(&s, family, r->raddr, &r->rport) < 0) {
		return -1;
	}
	s = skip_spaces(s);
	if (hexn(&s, 2, &st) < 0) {
		return -1;
	}
	/* tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode */
	if (skip_field(&s) < 0 || skip_field(&s) < 0 || skip_field(&s) < 0 ||
	    dec_field(&s, &uid) < 0 || skip_field(&s) < 0 || dec_field(&s, &inode) < 0) {
		return -1;
	}
	r->proto = proto;
	r->family = (uint8_t)family;
	if (proto == EPH_UDP) {
		r->state = EPH_UDP_SOCK;
	} else if (st >= EPH_TCP_ESTABLISHED && st <= EPH_TCP_NEW_SYN_RECV) {
		r->state = (enum eph_state)st;
	} else {
		r->state = EPH_STATE_UNKNOWN;
	}
	r->uid = (uint32_t)uid;
	r->pid = EPH_OWNER_NONE;
	r->inode = inode;
	return 0;
}

int procnet_parse(FILE *f, enum eph_proto proto, int family, uint16_t lo, uint16_t hi, sock_fn fn,
		  void *ctx, struct eph_err *err)
{
	char line[512];
	unsigned long lineno = 0;

	while (fgets(line, sizeof(line), f)) {
		struct sock_rec r;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			eph_err_set(err, "line %lu of the /proc/net table is too long", lineno);
			return -1;
		}
		if (lineno == 1) {
			if (!strstr(line, "local_address")) {
				eph_err_set(err, "the /proc/net table has no header line");
				return -1;
			}
			continue;
		}
		if (line[0] == '\n' || line[0] == '\0') {
			continue;
		}
		if (parse_line(line, proto, family, &r) < 0) {
			line[strcspn(line, "\n")] = '\0'; /* quote the line, not its end */
			eph_err_set(err, "cannot read line %lu of the /proc/net table: '%.60s'", lineno,
				    line);
			return -1;
		}
		if (r.lport < lo || r.lport > hi) {
			continue;
		}
		if (fn(&r, ctx) != 0) {
			eph_err_set(err, "out of memory while counting sockets");
			return -1;
		}
	}
	if (ferror(f)) {
		eph_err_set(err, "reading the /proc/net table failed");
		return -1;
	}
	if (lineno == 0) {
		eph_err_set(err, "the /proc/net table is empty (no header line)");
		return -1;
	}
	return 0;
}
