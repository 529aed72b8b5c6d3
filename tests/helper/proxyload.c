/* proxyload: the workload of a reverse proxy without upstream keepalive, for the verdict tests
 * (tests/suite_verdicts.sh): a client process that connects to local backends and closes each
 * connection first, so that the TIME_WAIT sockets stay on the client's side, while it keeps a
 * few connections open toward the same backends, as nginx does; and a UDP client that fills
 * the pool. Run it only inside a network namespace made for the test.
 *
 *   proxyload CMD...
 *
 * Commands, run in order:
 *   name COMM             set the process name (prctl PR_SET_NAME), as /proc/<pid>/comm and the
 *                         plugin's tables show it
 *   backend ADDR PORT     a backend on ADDR:PORT in a child process of its own (named
 *                         "backend"): it accepts, sends one byte, waits for the client's FIN
 *                         and closes, so the client side ends in TIME_WAIT; the child ends
 *                         with this process
 *   hold ADDR PORT N      N connections to a backend, kept open; connect() picks each port, as a
 *                         proxy's does (no bind before connect)
 *   close ADDR PORT N     N connections to a backend, each closed by this side first, once the
 *                         backend's byte arrived
 *   udpfill ADDR          UDP sockets bound to ADDR port 0, kept, until bind() fails; prints
 *                         "udpfill N ERRNO"
 * Then it prints "ready PID" and waits for SIGTERM (at most 300 s). Any failure: a message on
 * stderr and exit 1 before "ready". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define HELPER_NAME "proxyload"
#include "helper.h"

#define MAX_N 70000
#define MAX_CONNS 8192 /* connections a backend serves at once */

/* A port: a usage error "bad address or port" unless a whole number of 0-65535. */
static unsigned parse_port(const char *port)
{
	return helper_number(port, 65535, "address or port");
}

static unsigned parse_n(const char *s)
{
	return helper_number(s, MAX_N, "count");
}

/* The backend: accept, and close each connection once its client has closed. */
static void serve(int lfd)
{
	static struct pollfd p[MAX_CONNS + 1];
	nfds_t n = 1;

	prctl(PR_SET_NAME, "backend", 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	p[0].fd = lfd;
	p[0].events = POLLIN;
	for (;;) {
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}
			helper_die("backend poll");
		}
		for (nfds_t i = n; i-- > 1;) {
			char buf[64];

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
				continue;
			}
			if (read(p[i].fd, buf, sizeof(buf)) > 0) {
				continue;
			}
			close(p[i].fd);
			p[i] = p[--n];
		}
		if ((p[0].revents & POLLIN) && n <= MAX_CONNS) {
			int a = accept(lfd, NULL, NULL);

			/* One byte says "accepted": the client closes only then, so that
			 * every connection it closes ends in TIME_WAIT on its side. */
			if (a >= 0 && write(a, "a", 1) == 1) {
				p[n].fd = a;
				p[n].events = POLLIN;
				p[n++].revents = 0;
			}
		}
	}
}

static void backend(const char *addr, const char *port)
{
	struct sockaddr_storage sa;
	socklen_t len = helper_sockaddr(addr, parse_port(port), &sa);
	int one = 1, fd = socket(sa.ss_family, SOCK_STREAM, 0);
	pid_t pid;

	if (fd < 0) {
		helper_die("socket");
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 4096) < 0) {
		helper_die("backend bind/listen");
	}
	pid = fork();
	if (pid < 0) {
		helper_die("fork");
	}
	if (pid == 0) {
		serve(fd);
		_exit(0);
	}
	close(fd);
}

/* One connection; -1 with errno when connect() fails. */
static int connect_one(const struct sockaddr_storage *sa, socklen_t len)
{
	int fd = socket(sa->ss_family, SOCK_STREAM, 0);

	if (fd < 0) {
		helper_die("socket");
	}
	return helper_connect(fd, sa, len);
}

static const char *errname(int e)
{
	const char *n = e ? strerrorname_np(e) : NULL;

	return n ? n : "none";
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 1048576, 1048576 };

	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		rl.rlim_cur = rl.rlim_max = 65536;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		const char *c = argv[i];
		struct sockaddr_storage sa;
		socklen_t len;

		if (strcmp(c, "name") == 0 && i + 1 < argc) {
			prctl(PR_SET_NAME, argv[++i], 0, 0, 0);
		} else if (strcmp(c, "backend") == 0 && i + 2 < argc) {
			backend(argv[i + 1], argv[i + 2]);
			i += 2;
		} else if ((strcmp(c, "hold") == 0 || strcmp(c, "close") == 0) && i + 3 < argc) {
			unsigned n = parse_n(argv[i + 3]);

			len = helper_sockaddr(argv[i + 1], parse_port(argv[i + 2]), &sa);
			for (unsigned k = 0; k < n; k++) {
				int fd = connect_one(&sa, len);

				if (fd < 0) {
					helper_die(c);
				}
				if (c[0] == 'c') {
					char b;

					if (read(fd, &b, 1) != 1) {
						helper_die("waiting for the backend to accept");
					}
					close(fd);
				}
			}
			i += 3;
		} else if (strcmp(c, "udpfill") == 0 && i + 1 < argc) {
			unsigned n = 0;
			int e = 0;

			len = helper_sockaddr(argv[i + 1], 0, &sa);
			for (; n < MAX_N; n++) {
				int fd = socket(sa.ss_family, SOCK_DGRAM, 0);

				if (fd < 0) {
					helper_die("socket");
				}
				if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
					e = errno;
					close(fd);
					break;
				}
			}
			printf("udpfill %u %s\n", n, errname(e));
			i += 1;
		} else {
			helper_usage("unknown command or missing arguments");
		}
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	signal(SIGALRM, on_term);
	alarm(300);
	for (;;) {
		pause();
	}
	return 0;
}
