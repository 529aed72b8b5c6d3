/* portholder: holds a known set of TCP sockets for the --top tests, under a process name the
 * test chooses, until it is killed. Run it only inside a network namespace made for the test.
 *
 *   portholder CMD...
 *
 * Commands, run in order:
 *   name COMM                  set the process name (prctl PR_SET_NAME, 15 bytes at most), as
 *                              /proc/<pid>/comm and the plugin's tables show it
 *   listen ADDR PORT           a listener on ADDR:PORT (backlog 4096)
 *   conn SRC DST PORT COUNT    COUNT connections from SRC to DST:PORT, kept open; each socket is
 *                              bound to SRC port 0 first, so each holds its own port
 *   tw SRC DST PORT COUNT      COUNT connections from SRC to a listener of this process on
 *                              DST:PORT, accepted and closed by the client first: COUNT
 *                              client-side TIME_WAIT sockets, which last 60 s
 *   fds COUNT                  COUNT more descriptors (dups of stdin): a process that is slow
 *                              to search (raise RLIMIT_NOFILE first, e.g. ulimit -n)
 * Then it prints "ready PID" on stdout and waits for a signal. Any failure: a message on stderr
 * and exit 1 before "ready".
 *
 * Why not sockpop: its est lets connect() pick the port (IP_BIND_ADDRESS_NO_PORT), and connect()
 * may give one port to connections toward different destinations, so per-address and
 * per-process port counts would vary from run to run; here each socket binds its port first,
 * so every count the --top tests assert is exact. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LISTEN 16

struct lsock {
	struct sockaddr_storage addr;
	socklen_t len;
	int fd;
};

static struct lsock listeners[MAX_LISTEN];
static int n_listen;

static int addr_of(const char *host, const char *port, struct sockaddr_storage *out,
		   socklen_t *len)
{
	struct addrinfo hints, *res;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "portholder: %s %s: %s\n", host, port, gai_strerror(rc));
		return -1;
	}
	memset(out, 0, sizeof(*out));
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int do_listen(const char *host, const char *port)
{
	struct lsock *l = &listeners[n_listen];
	int one = 1;

	if (n_listen == MAX_LISTEN || addr_of(host, port, &l->addr, &l->len) < 0) {
		return -1;
	}
	l->fd = socket(l->addr.ss_family, SOCK_STREAM, 0);
	if (l->fd < 0 || setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(l->fd, (struct sockaddr *)&l->addr, l->len) < 0 || listen(l->fd, 4096) < 0) {
		fprintf(stderr, "portholder: listen %s:%s: %s\n", host, port, strerror(errno));
		return -1;
	}
	n_listen++;
	return 0;
}

/* One connection from src (port 0) to dst; returns the socket or -1. */
static int connect_one(const struct sockaddr_storage *src, socklen_t slen,
		       const struct sockaddr_storage *dst, socklen_t dlen)
{
	int fd = socket(dst->ss_family, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (const struct sockaddr *)src, slen) < 0 ||
	    connect(fd, (const struct sockaddr *)dst, dlen) < 0) {
		fprintf(stderr, "portholder: connect: %s\n", strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		return -1;
	}
	return fd;
}

static int do_conn(char **a, int tw)
{
	struct sockaddr_storage src, dst;
	socklen_t slen, dlen;
	int lfd = -1;
	long count = strtol(a[3], NULL, 10);

	if (count <= 0 || count > 100000 || addr_of(a[0], "0", &src, &slen) < 0 ||
	    addr_of(a[1], a[2], &dst, &dlen) < 0) {
		fprintf(stderr, "portholder: bad conn/tw arguments\n");
		return -1;
	}
	if (tw) {
		for (int i = 0; i < n_listen; i++) {
			if (listeners[i].len == dlen && memcmp(&listeners[i].addr, &dst, dlen) == 0) {
				lfd = listeners[i].fd;
			}
		}
		if (lfd < 0) {
			fprintf(stderr, "portholder: tw needs 'listen %s %s' first\n", a[1], a[2]);
			return -1;
		}
	}
	for (long i = 0; i < count; i++) {
		int fd = connect_one(&src, slen, &dst, dlen), afd;

		if (fd < 0) {
			return -1;
		}
		if (!tw) {
			continue; /* kept open until the process ends */
		}
		afd = accept(lfd, NULL, NULL);
		if (afd < 0) {
			fprintf(stderr, "portholder: accept: %s\n", strerror(errno));
			return -1;
		}
		/* The client closes first, so the client side (the in-range port) ends in
		 * TIME_WAIT once the server's FIN arrives. */
		close(fd);
		close(afd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;

	while (i < argc) {
		const char *cmd = argv[i];

		if (strcmp(cmd, "name") == 0 && i + 1 < argc) {
			prctl(PR_SET_NAME, argv[i + 1], 0, 0, 0);
			i += 2;
		} else if (strcmp(cmd, "fds") == 0 && i + 1 < argc) {
			long n = strtol(argv[i + 1], NULL, 10);

			for (long k = 0; k < n; k++) {
				if (dup(0) < 0) {
					fprintf(stderr, "portholder: dup: %s\n", strerror(errno));
					return 1;
				}
			}
			i += 2;
		} else if (strcmp(cmd, "listen") == 0 && i + 2 < argc) {
			if (do_listen(argv[i + 1], argv[i + 2]) < 0) {
				return 1;
			}
			i += 3;
		} else if ((strcmp(cmd, "conn") == 0 || strcmp(cmd, "tw") == 0) && i + 4 < argc) {
			if (do_conn(&argv[i + 1], cmd[0] == 't') < 0) {
				return 1;
			}
			i += 5;
		} else {
			fprintf(stderr, "portholder: bad command '%s'\n", cmd);
			return 1;
		}
	}
	printf("ready %ld\n", (long)getpid());
	fflush(stdout);
	for (;;) {
		pause();
	}
}
