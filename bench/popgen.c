/* popgen: builds a socket population for the benchmark inside a private network namespace and
 * holds it until told to quit. Run it only in a namespace made for it (bench/run.sh does).
 *
 *   popgen -n TOTAL -r LO-HI
 *
 * TOTAL sockets get a local port in LO..HI: 45 % ESTABLISHED clients, 30 % client-side
 * TIME_WAIT, 10 % bound-only TCP (bind port 0, no connect, no listen), 15 % UDP (bind port 0 on
 * 127.0.0.2, the next address once that one's ports run out). TCP: about one in eight on ::1,
 * the rest spread over 127.0.0.2..127.0.0.65. The server halves
 * listen on ports below LO, so the kernel filter has out-of-range sockets to skip, as on a
 * real proxy.
 *
 * TIME_WAIT lasts a fixed 60 s on Linux, so it is built on demand: each "tw" line on stdin
 * builds one batch and answers "tw n=COUNT secs=S". The caller waits for the previous batch to
 * expire before asking again. "quit" or end of input ends the program. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51 /* Linux 6.3; Debian 12's headers predate it */
#endif

#define NADDR 64         /* 127.0.0.2 .. 127.0.0.65 */
#define LPORT_EST 2000   /* listener for destination i: LPORT_EST + i */
#define LPORT_TW 4500    /* listener that accepts and closes, for TIME_WAIT: LPORT_TW + i */
#define MAX_DEST 2000    /* keeps both listener blocks below 6500 */
#define MAX_WORKERS 1024
#define PER_DEST 15000   /* connects per destination; under a third of the connect pool keeps
			  * the kernel's port search short */

struct dest {
	int family;
	struct sockaddr_storage src, est, tw;
	socklen_t len;
	int est_lfd, tw_lfd;
	bool full;
};

static struct dest dests[MAX_DEST];
static int ndest;
static uint32_t conn_range, bound_range; /* IP_LOCAL_PORT_RANGE values: lo | hi << 16 */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "popgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* addr: 0 = ::1 (v6) or 127.0.0.1, k>0 = 127.0.0.(1+k). */
static socklen_t mkaddr(struct sockaddr_storage *ss, int family, int k, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons(port);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)k);
	s4->sin_port = htons(port);
	return sizeof(*s4);
}

static int listener(int family, const struct sockaddr_storage *ss, socklen_t len)
{
	int one = 1;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		die("socket");
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (bind(fd, (const struct sockaddr *)ss, len) < 0) {
		die("bind listener");
	}
	/* Established connections are never accepted: they wait in the queue, so a million of
	 * them cost no descriptors on the server side. net.core.somaxconn caps this backlog and
	 * run.sh raises it inside the namespace. */
	if (listen(fd, 1 << 30) < 0) {
		die("listen");
	}
	return fd;
}

/* A socket that draws its port from the connect part of the range. The per-socket range
 * (Linux 6.3+) keeps connects out of the ports that bound-only sockets hold: a port held by
 * bind() can never be shared by connect(), so mixing them would starve the connects. */
static int client(const struct dest *d)
{
	int one = 1;
	int fd = socket(d->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		die("socket");
	}
	setsockopt(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &conn_range, sizeof(conn_range));
	if (d->family == AF_INET) {
		/* Choose the source address now but the port only at connect(), per 4-tuple. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (const struct sockaddr *)&d->src, d->len) < 0) {
			die("bind client");
		}
	}
	return fd;
}

/* Connects to the next destination that still has ports. Returns the fd, or -1 when every
 * destination is full. */
static int connect_next(int *cursor, bool tw)
{
	for (int tries = 0; tries < ndest; tries++) {
		struct dest *d = &dests[*cursor];
		*cursor = (*cursor + 1) % ndest;
		if (d->full) {
			continue;
		}
		int fd = client(d);
		if (connect(fd, (const struct sockaddr *)(tw ? &d->tw : &d->est), d->len) == 0) {
			if (tw) {
				int s = accept(d->tw_lfd, NULL, NULL);
				/* The client closes first so the TIME_WAIT lands on its in-range
				 * port; the server's close completes the exchange. */
				close(fd);
				if (s >= 0) {
					close(s);
				}
				return 0;
			}
			return fd;
		}
		if (errno != EADDRNOTAVAIL) {
			die("connect");
		}
		close(fd);
		d->full = true;
	}
	return -1;
}

/* UDP sockets all bind port 0 on 127.0.0.2 and move to the next address only when the kernel
 * has no free port left there (EADDRINUSE): on one address the kernel never hands out a port
 * twice, so the population holds min(n, pool) distinct UDP ports whatever the kernel picks.
 * Spread over addresses (as the TCP bound-only sockets are), two UDP sockets could get the same
 * port on different addresses, and the count of distinct ports would vary from run to run. */
static long make_bound(long n, bool udp, int start)
{
	long made = 0;
	int k = udp ? 0 : start;
	/* Bounded: each socket gets at most NADDR addresses to try. */
	for (long i = 0; i < n; i++) {
		int fd = -1;
		for (int tries = 0; tries < NADDR; tries++, k++) {
			int family = (!udp && k % 8 == 7) ? AF_INET6 : AF_INET;
			struct sockaddr_storage ss;
			socklen_t len = mkaddr(&ss, family, 1 + k % NADDR, 0);
			fd = socket(family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
			if (fd < 0) {
				die("socket");
			}
			if (!udp) {
				setsockopt(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &bound_range,
					   sizeof(bound_range));
			}
			if (bind(fd, (const struct sockaddr *)&ss, len) == 0) {
				k += !udp;
				break;
			}
			if (errno != EADDRINUSE) {
				die("bind");
			}
			close(fd);
			fd = -1;
		}
		if (fd < 0) {
			break;
		}
		made++;
	}
	return made;
}

/* The hard RLIMIT_NOFILE may be fixed (no CAP_SYS_RESOURCE in containers), so sockets that
 * need a descriptor are spread over worker processes that each stay under it. */
static long fd_budget(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		die("getrlimit");
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	long cap = rl.rlim_max == RLIM_INFINITY ? 1000000 : (long)rl.rlim_max;
	if (cap > 1000000) {
		cap = 1000000;
	}
	return cap - 2 * ndest - 64;
}

/* Builds one share of the long-lived sockets, reports it on `out`, then holds them until the
 * parent goes away. */
static void worker(long est, long bound, long udp, int wid, int out, pid_t parent)
{
	struct linger rst = {1, 0};
	int cursor = wid % ndest;
	long e = 0;

	/* Die with the parent, also when it died before this line ran. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) {
		_exit(1);
	}
	/* Only the parent may hold the listeners, or they outlive it and the next run cannot
	 * bind them. */
	for (int i = 0; i < ndest; i++) {
		close(dests[i].est_lfd);
		close(dests[i].tw_lfd);
	}
	for (; e < est; e++) {
		int fd = connect_next(&cursor, false);
		if (fd < 0) {
			break;
		}
		/* Reset instead of FIN on exit, so the next size starts without leftovers. */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	}
	long b = make_bound(bound, false, wid);
	long u = make_bound(udp, true, wid);
	dprintf(out, "%ld %ld %ld\n", e, b, u);
	close(out);
	for (;;) {
		pause();
	}
}

int main(int argc, char **argv)
{
	long total = 0;
	unsigned lo = 0, hi = 0;
	int opt, rc = 1;
	char line[64];

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n') {
			total = strtol(optarg, NULL, 10);
		} else if (opt == 'r') {
			if (sscanf(optarg, "%u-%u", &lo, &hi) != 2) {
				lo = 0;
			}
		} else {
			return 2;
		}
	}
	if (total < 10 || lo <= LPORT_TW + MAX_DEST || hi > 65535 || hi < lo + 1000) {
		fprintf(stderr, "usage: popgen -n TOTAL(>=10) -r LO-HI (LO > %d, HI-LO >= 1000)\n",
			LPORT_TW + MAX_DEST);
		return 2;
	}
	long n_tw = total * 30 / 100, n_bound = total * 10 / 100, n_udp = total * 15 / 100;
	long n_est = total - n_tw - n_bound - n_udp;
	unsigned split = hi - (hi - lo + 1) / 10;
	conn_range = lo | (split - 1) << 16;
	bound_range = split | hi << 16;

	ndest = (int)((n_est + n_tw + PER_DEST - 1) / PER_DEST);
	ndest = ndest < 16 ? 16 : ndest;
	if (ndest > MAX_DEST) {
		fprintf(stderr, "popgen: %ld sockets need more than %d destinations\n", total,
			MAX_DEST);
		return 2;
	}
	for (int i = 0; i < ndest; i++) {
		struct dest *d = &dests[i];
		d->family = (i % 8 == 7) ? AF_INET6 : AF_INET;
		d->len = mkaddr(&d->src, d->family, 1 + i % NADDR, 0);
		mkaddr(&d->est, d->family, 0, (uint16_t)(LPORT_EST + i));
		mkaddr(&d->tw, d->family, 0, (uint16_t)(LPORT_TW + i));
		d->est_lfd = listener(d->family, &d->est, d->len);
		d->tw_lfd = listener(d->family, &d->tw, d->len);
	}

	long budget = fd_budget();
	pid_t parent = getpid();
	static pid_t workers[MAX_WORKERS];
	double t0 = now();
	long est = 0, bound = 0, udp = 0;
	int nworkers = 0;
	/* Workers run one after another: each needs the previous one's ports to be taken. */
	while (est < n_est || bound < n_bound || udp < n_udp) {
		if (nworkers == MAX_WORKERS) {
			fprintf(stderr, "popgen: too many workers\n");
			goto out;
		}
		long left = budget;
		long we = n_est - est < left ? n_est - est : left;
		left -= we;
		long wb = n_bound - bound < left ? n_bound - bound : left;
		left -= wb;
		long wu = n_udp - udp < left ? n_udp - udp : left;
		int p[2];
		long got[3] = {0, 0, 0};
		if (pipe(p) < 0) {
			die("pipe");
		}
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			die("fork");
		}
		if (pid == 0) {
			close(p[0]);
			worker(we, wb, wu, nworkers, p[1], parent);
		}
		close(p[1]);
		workers[nworkers] = pid;
		FILE *f = fdopen(p[0], "r");
		if (!f || fscanf(f, "%ld %ld %ld", &got[0], &got[1], &got[2]) != 3) {
			fprintf(stderr, "popgen: worker %d failed\n", nworkers);
			nworkers++;
			goto out;
		}
		fclose(f);
		nworkers++;
		est += got[0];
		bound += got[1];
		udp += got[2];
		if (got[0] < we || got[1] < wb || got[2] < wu) {
			fprintf(stderr, "popgen: ran out of ports (est %ld/%ld bound %ld/%ld udp %ld/%ld)\n",
				est, n_est, bound, n_bound, udp, n_udp);
			goto out;
		}
	}
	printf("base est=%ld bound=%ld udp=%ld tw_target=%ld dests=%d workers=%d secs=%.2f\n", est,
	       bound, udp, n_tw, ndest, nworkers, now() - t0);
	fflush(stdout);

	int cursor = 0;
	while (fgets(line, sizeof(line), stdin)) {
		if (strncmp(line, "tw", 2) != 0) {
			break;
		}
		for (int i = 0; i < ndest; i++) {
			dests[i].full = false;
		}
		t0 = now();
		long tw = 0;
		while (tw < n_tw && connect_next(&cursor, true) == 0) {
			tw++;
		}
		printf("tw n=%ld secs=%.2f\n", tw, now() - t0);
		fflush(stdout);
	}
	rc = 0;
out:
	/* Stop our own workers and wait for them, so that their sockets are gone when we
	 * return and the next population can start at once. */
	for (int i = 0; i < nworkers; i++) {
		kill(workers[i], SIGKILL);
	}
	for (int i = 0; i < nworkers; i++) {
		waitpid(workers[i], NULL, 0);
	}
	return rc;
}
