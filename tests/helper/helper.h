/* helper.h: what the Linux population helpers (sockpop.c, proxyload.c) share: their error exits
 * and the parsing of their arguments. Header only: each helper is built from its one .c file.
 * Define HELPER_NAME (the program's name, for its messages) before including it. */
#ifndef HELPER_H
#define HELPER_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef HELPER_NAME
#error "define HELPER_NAME before including helper.h"
#endif

/* helper_die WHAT: "NAME: WHAT: strerror(errno)" on stderr, exit 1. */
static inline void helper_die(const char *what)
{
	fprintf(stderr, HELPER_NAME ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/* helper_usage MSG: a usage error, pointing to the helper's header comment; exit 1. */
static inline void helper_usage(const char *msg)
{
	fprintf(stderr, HELPER_NAME ": %s (see the header of tests/helper/" HELPER_NAME ".c)\n",
		msg);
	exit(1);
}

/* helper_number S MAX WHAT: the decimal number S, at most MAX; a usage error "bad WHAT" when S
 * is missing, not a whole number or too big. */
static inline unsigned helper_number(const char *s, unsigned long max, const char *what)
{
	char *end;
	unsigned long n = strtoul(s ? s : "", &end, 10);

	if (!s || *end || n > max) {
		char msg[64];

		snprintf(msg, sizeof(msg), "bad %s", what);
		helper_usage(msg);
	}
	return (unsigned)n;
}

/* helper_sockaddr ADDR PORT SA: SA set to the IPv4 or IPv6 address ADDR, port PORT; returns its
 * length. A usage error "bad address" when ADDR is neither. */
static inline socklen_t helper_sockaddr(const char *addr, unsigned port,
					struct sockaddr_storage *sa)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

	memset(sa, 0, sizeof(*sa));
	if (addr && inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		return sizeof(*s4);
	}
	if (addr && inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return sizeof(*s6);
	}
	helper_usage("bad address");
	return 0;
}

/* helper_connect FD SA LEN: connects FD; returns FD, or -1 with connect's errno (FD closed). */
static inline int helper_connect(int fd, const struct sockaddr_storage *sa, socklen_t len)
{
	if (connect(fd, (const struct sockaddr *)sa, len) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

#endif
