/* sockpop: builds a known population of sockets for the namespace tests, prints what it built,
 * then holds the sockets until it gets SIGTERM or its bounded lifetime (-l, default 300 s) ends.
 *
 * Usage: sockpop [-l SECONDS] COMMAND...  where each command is one argument with fields
 * separated by "," (IPv6 addresses plain, e.g. ::1; ::ffff:127.0.0.1 connects a dual-stack IPv6
 * socket to the IPv4 server on 127.0.0.1):
 *   server,ADDR,PORT         TCP listener that accepts the connections of est/tw/fill
 *   listen,ADDR,PORT         TCP listener nobody connects to (PORT 0: the kernel picks)
 *   est,ADDR,PORT,N[,SRC]    N connections to a server, left ESTABLISHED (SRC: source address,
 *                            bound with IP_BIND_ADDRESS_NO_PORT so connect() still picks the port)
 *   tw,ADDR,PORT,N           N connections closed by the client first: client side TIME_WAIT
 *   bound,ADDR,N             N TCP sockets bound to port 0, neither connected nor listening
 *   udp,ADDR,N               N UDP sockets bound to port 0
 *   udpconn,ADDR,PORT,N      N UDP sockets connected to ADDR:PORT
 *   fill,ADDR,PORT           connect to a server until connect() fails with EADDRNOTAVAIL
 *   name,NAME                set the process name (comm) seen in /proc/PID/comm
 * Fields are separated by ','. Output, one line per socket it holds, then "ready":
 *   sock PROTO KIND LADDR LPORT RADDR RPORT
 *   fill N ERRNO-NAME
 * Exit: 0 after a clean hold, 1 on a usage or setup error (with a message on stderr). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define HELPER_NAME "sockpop"
#include "helper.h"

#define MAX_SERVERS 16
#define MAX_N 100000

struct server {
	struct sockaddr_storage sa;
	socklen_t len;
	int fd;
};

static struct server servers[MAX_SERVERS];
static int nservers;

static void print_sock(int fd, const char *proto, const char *kind)
{
	struct sockaddr_storage l, r;
	socklen_t ll = sizeof(l), rl = sizeof(r);
	char la[64] = "-", ra[64] = "-";
	unsigned lp = 0, rp = 0;

	if (getsockname(fd, (struct sockaddr *)&l, &ll) < 0) {
		helper_die("getsockname");
	}
	if (getpeername(fd, (struct sockaddr *)&r, &rl) < 0) {
		rl = 0;
	}
	if (l.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&l)->sin_addr, la, sizeof(la));
		lp = ntohs(((struct sockaddr_in *)&l)->sin_port);
		if (rl) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&r)->sin_addr, ra, sizeof(ra));
			rp = ntohs(((struct sockaddr_in *)&r)->sin_port);
		}
	} else {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&l)->sin6_addr, la, sizeof(la));
		lp = ntohs(((struct sockaddr_in6 *)&l)->sin6_port);
		if (rl) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&r)->sin6_addr, ra, sizeof(ra));
			rp = ntohs(((struct sockaddr_in6 *)&r)->sin6_port);
		}
	}
	printf("sock %s %s %s %u %s %u\n", proto, kind, la, lp, ra, rp);
}

/* The server a connection to sa reaches; an IPv4-mapped IPv6 address (::ffff:a.b.c.d, a
 * dual-stack client) reaches the IPv4 server on a.b.c.d. */
static struct server *find_server(const struct sockaddr_storage *sa)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	struct sockaddr_storage v4;

	if (sa->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&v4;

		memset(&v4, 0, sizeof(v4));
		s4->sin_family = AF_INET;
		s4->sin_port = s6->sin6_port;
		memcpy(&s4->sin_addr, &s6->sin6_addr.s6_addr[12], 4);
		sa = &v4;
	}
	for (int i = 0; i < nservers; i++) {
		if (servers[i].sa.ss_family == sa->ss_family &&
		    memcmp(&servers[i].sa, sa, servers[i].len) == 0) {
			return &servers[i];
		}
	}
	helper_usage("connect target is not a server created before");
	return NULL;
}

/* Accepts one pending connection within 5 s. */
static int accept_one(struct server *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };

	if (poll(&p, 1, 5000) != 1) {
		errno = ETIMEDOUT;
		helper_die("accept (no connection arrived)");
	}
	return accept(s->fd, NULL, NULL);
}

/* Connects once; returns the fd, or -1 with errno (EADDRNOTAVAIL when out of ports). */
static int connect_one(const struct sockaddr_storage *sa, socklen_t len, const char *src)
{
	int fd = socket(sa->ss_family, SOCK_STREAM, 0);

	if (fd < 0) {
		helper_die("socket");
	}
	if (src) {
		struct sockaddr_storage ss;
		socklen_t sl;
		int one = 1;

		sl = helper_sockaddr(src, 0, &ss);
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
			helper_die("bind source");
		}
	}
	return helper_connect(fd, sa, len);
}

static unsigned parse_n(const char *s)
{
	return helper_number(s, MAX_N, "count or port");
}

/* N sockets of TYPE (SOCK_STREAM or SOCK_DGRAM) bound to ADDR port 0, printed as PROTO KIND. */
static void bind_n(const char *addr, unsigned n, int type, const char *proto, const char *kind)
{
	struct sockaddr_storage sa;
	socklen_t len = helper_sockaddr(addr, 0, &sa);

	for (unsigned i = 0; i < n; i++) {
		int fd = socket(sa.ss_family, type, 0);

		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0) {
			helper_die(type == SOCK_DGRAM ? "udp bind" : "bind");
		}
		print_sock(fd, proto, kind);
	}
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

int main(int argc, char **argv)
{
	unsigned lifetime = 300;
	struct rlimit rl = { 1048576, 1048576 };
	int argi = 1;

	if (argc > 2 && strcmp(argv[1], "-l") == 0) {
		lifetime = parse_n(argv[2]);
		argi = 3;
	}
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		rl.rlim_cur = rl.rlim_max = 65536;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	for (; argi < argc; argi++) {
		char *f[6] = { 0 };
		char *save = NULL, *arg = strdup(argv[argi]);
		int nf = 0;

		for (char *t = strtok_r(arg, ",", &save); t && nf < 6; t = strtok_r(NULL, ",", &save)) {
			f[nf++] = t;
		}
		if (nf == 0) {
			helper_usage("empty command");
		}
		if (strcmp(f[0], "name") == 0 && f[1]) {
			prctl(PR_SET_NAME, f[1], 0, 0, 0);
		} else if ((strcmp(f[0], "server") == 0 || strcmp(f[0], "listen") == 0) && f[2]) {
			struct server *s = &servers[nservers];
			int one = 1;

			if (nservers == MAX_SERVERS) {
				helper_usage("too many servers");
			}
			s->len = helper_sockaddr(f[1], parse_n(f[2]), &s->sa);
			s->fd = socket(s->sa.ss_family, SOCK_STREAM, 0);
			if (s->fd < 0) {
				helper_die("socket");
			}
			setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (bind(s->fd, (struct sockaddr *)&s->sa, s->len) < 0 ||
			    listen(s->fd, 4096) < 0) {
				helper_die("bind/listen");
			}
			print_sock(s->fd, "tcp", f[0][0] == 's' ? "server" : "listen");
			if (f[0][0] == 's') {
				nservers++;
			}
		} else if ((strcmp(f[0], "est") == 0 || strcmp(f[0], "tw") == 0) && f[3]) {
			struct sockaddr_storage sa;
			socklen_t len;
			unsigned n = parse_n(f[3]);
			bool tw = f[0][0] == 't';
			struct server *s;

			len = helper_sockaddr(f[1], parse_n(f[2]), &sa);
			s = find_server(&sa);
			for (unsigned i = 0; i < n; i++) {
				int c = connect_one(&sa, len, f[4]), a;
				char b;

				if (c < 0) {
					helper_die("connect");
				}
				a = accept_one(s);
				if (a < 0) {
					helper_die("accept");
				}
				print_sock(c, "tcp", tw ? "tw" : "est");
				if (!tw) {
					continue;
				}
				/* Client closes first; the server reads the FIN, then closes: the
				 * client ends in TIME_WAIT, the server side goes away. */
				close(c);
				{
					struct pollfd p = { .fd = a, .events = POLLIN };

					if (poll(&p, 1, 5000) != 1 || read(a, &b, 1) != 0) {
						errno = EPROTO;
						helper_die("waiting for the client's FIN");
					}
				}
				close(a);
			}
		} else if (strcmp(f[0], "bound") == 0 && f[2]) {
			bind_n(f[1], parse_n(f[2]), SOCK_STREAM, "tcp", "bound");
		} else if (strcmp(f[0], "udp") == 0 && f[2]) {
			bind_n(f[1], parse_n(f[2]), SOCK_DGRAM, "udp", "udp");
		} else if (strcmp(f[0], "udpconn") == 0 && f[3]) {
			unsigned n = parse_n(f[3]);
			struct sockaddr_storage sa;
			socklen_t len;

			len = helper_sockaddr(f[1], parse_n(f[2]), &sa);
			for (unsigned i = 0; i < n; i++) {
				int fd = socket(sa.ss_family, SOCK_DGRAM, 0);

				if (fd < 0 || connect(fd, (struct sockaddr *)&sa, len) < 0) {
					helper_die("udp connect");
				}
				print_sock(fd, "udp", "udpconn");
			}
		} else if (strcmp(f[0], "fill") == 0 && f[2]) {
			struct sockaddr_storage sa;
			socklen_t len;
			unsigned n = 0;
			struct server *s;
			int e = 0;

			len = helper_sockaddr(f[1], parse_n(f[2]), &sa);
			s = find_server(&sa);
			for (unsigned i = 0; i < 70000; i++) {
				int c = connect_one(&sa, len, NULL);

				if (c < 0) {
					e = errno;
					break;
				}
				if (accept_one(s) < 0) {
					helper_die("accept");
				}
				print_sock(c, "tcp", "fill");
				n++;
			}
			printf("fill %u %s\n", n, e == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : strerrorname_np(e) ? strerrorname_np(e) : "none");
		} else {
			helper_usage("unknown command");
		}
		free(arg);
	}
	printf("ready\n");
	fflush(stdout);
	/* Hold everything until SIGTERM or the lifetime ends. */
	signal(SIGALRM, on_term);
	alarm(lifetime);
	for (;;) {
		pause();
	}
	return 0;
}
