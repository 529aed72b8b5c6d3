/* faultshim: an LD_PRELOAD library for the fault-injection tests (tests/suite_faults.sh). It
 * wraps the calls the plugin makes to read the socket table and the port range and breaks them
 * the way a loaded or unusual host can; the shipped plugin has no switch for any of this.
 *
 * EPH_FAULT selects one fault (N = how many times, default: every time):
 *   intr[:N]       set NLM_F_DUMP_INTR on each inet_diag reply datagram (the table changed)
 *   enobufs[:N]    recvmsg fails with ENOBUFS (the receive queue overflowed)
 *   eintr[:N]      recvmsg fails with EINTR (a signal arrived)
 *   trunc[:N]      cut each reply datagram in the middle of its first message
 *   msgtrunc[:N]   report MSG_TRUNC (the datagram did not fit the buffer)
 *   eperm, einval  replace the reply with an NLMSG_ERROR carrying -EPERM / -EINVAL
 *   nlsocket       socket(AF_NETLINK) fails with EAFNOSUPPORT (no netlink here)
 *   badlen         nlmsg_len of the first message larger than the datagram
 *   shortrec       first message's nlmsg_len too small for an inet_diag_msg
 *   badfamily      first record's idiag_family set to 99
 *   badattr        every record's first attribute gets rta_len 0xFFFF (past its message)
 *   eof            recvmsg returns 0 (end of stream before NLMSG_DONE)
 *   stall          recvmsg sleeps 600 s (a kernel dump that hangs)
 *   slow           recvmsg sleeps EPH_FAULT_DELAY_MS milliseconds (a slow, loaded host)
 *   stallrange     read() of ip_local_port_range sleeps 600 s
 *   shortsend[:N]  sendto() on the netlink socket sends nothing and returns half the length
 *                  (a short send: no error, errno 0)
 *   stalllog[:N]   flock() sleeps 600 s (the --log file on a hung file system)
 *   stallfsync[:N] fsync() sleeps 600 s (--output-file on a hung file system)
 * EPH_FAULT_AFTER=K: the first K netlink requests (dumps) run clean; the fault starts with the
 *   next one, so that a run's first socket read is clean and a later one (the owner read)
 *   breaks.
 * EPH_FAULT_PROCNET=FILE: fopen("/proc/net/tcp") or fopen("/proc/thread-self/net/tcp") opens FILE
 * instead (a garbled table).
 * EPH_FAULT_NETNS_GONE=PID: the first open() of /proc/PID/ns/net (--netns entering the namespace
 * of process PID, after the listing found it) kills PID first and waits until it has ended: a
 * container that stops while the plugin runs, at a moment the test knows.
 * EPH_FAULT_LOG=FILE: appends one line per fault injected. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static int nl_fd = -1, range_fd = -1;
static long budget = -2; /* -2: not parsed yet; -1: unlimited */
static long sends;       /* netlink requests sent so far (EPH_FAULT_AFTER) */
static char fault[32];

static void setup(void)
{
	const char *f = getenv("EPH_FAULT");
	const char *colon;

	if (budget != -2) {
		return;
	}
	budget = -1;
	if (!f) {
		return;
	}
	colon = strchr(f, ':');
	snprintf(fault, sizeof(fault), "%.*s", (int)(colon ? colon - f : (long)strlen(f)), f);
	if (colon) {
		budget = strtol(colon + 1, NULL, 10);
	}
}

static void log_fault(const char *name)
{
	const char *log = getenv("EPH_FAULT_LOG");

	if (log) {
		int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

		if (fd >= 0) {
			dprintf(fd, "%s\n", name);
			close(fd);
		}
	}
}

/* True when fault name is selected and still has budget; counts one use and logs it. */
static int take(const char *name)
{
	setup();
	if (strcmp(fault, name) != 0 || budget == 0) {
		return 0;
	}
	if (getenv("EPH_FAULT_AFTER") && sends <= strtol(getenv("EPH_FAULT_AFTER"), NULL, 10)) {
		return 0;
	}
	if (budget > 0) {
		budget--;
	}
	log_fault(name);
	return 1;
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

int socket(int domain, int type, int protocol)
{
	int fd;

	if (domain == AF_NETLINK && take("nlsocket")) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	fd = REAL(socket)(domain, type, protocol);
	if (fd >= 0 && domain == AF_NETLINK) {
		nl_fd = fd;
	}
	return fd;
}

static ssize_t nl_error(void *buf, size_t len, int e, uint32_t seq)
{
	struct nlmsghdr h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct nlmsgerr)),
			      .nlmsg_type = NLMSG_ERROR, .nlmsg_seq = seq };
	struct nlmsgerr ne = { .error = -e };

	if (len < h.nlmsg_len) {
		return -1;
	}
	memcpy(buf, &h, sizeof(h));
	memcpy((char *)buf + NLMSG_HDRLEN, &ne, sizeof(ne));
	return h.nlmsg_len;
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct nlmsghdr *h;
	ssize_t n;

	if (fd != nl_fd || nl_fd < 0) {
		return REAL(recvmsg)(fd, msg, flags);
	}
	if (take("stall")) {
		sleep(600);
	}
	if (take("slow")) {
		const char *ms = getenv("EPH_FAULT_DELAY_MS");

		usleep(ms ? (useconds_t)strtoul(ms, NULL, 10) * 1000u : 100000u);
	}
	if (take("enobufs")) {
		errno = ENOBUFS;
		return -1;
	}
	if (take("eintr")) {
		errno = EINTR;
		return -1;
	}
	if (take("eof")) {
		return 0;
	}
	n = REAL(recvmsg)(fd, msg, flags);
	if (n < (ssize_t)sizeof(*h) || msg->msg_iovlen < 1) {
		return n;
	}
	h = msg->msg_iov[0].iov_base;
	if (take("eperm")) {
		return nl_error(h, msg->msg_iov[0].iov_len, EPERM, h->nlmsg_seq);
	}
	if (take("einval")) {
		return nl_error(h, msg->msg_iov[0].iov_len, EINVAL, h->nlmsg_seq);
	}
	if (take("intr")) {
		h->nlmsg_flags |= NLM_F_DUMP_INTR;
	} else if (take("trunc")) {
		n = h->nlmsg_len > 40 ? (ssize_t)(h->nlmsg_len / 2) : n - 1;
	} else if (take("msgtrunc")) {
		msg->msg_flags |= MSG_TRUNC;
	} else if (h->nlmsg_type != NLMSG_DONE && take("badlen")) {
		h->nlmsg_len = (uint32_t)n + 4;
	} else if (h->nlmsg_type != NLMSG_DONE && take("shortrec")) {
		/* A record too short for an inet_diag_msg: the parser must refuse it, not read
		 * past it. */
		h->nlmsg_len = NLMSG_HDRLEN + 20;
	} else if (h->nlmsg_type != NLMSG_DONE && take("badfamily")) {
		((unsigned char *)h)[NLMSG_HDRLEN] = 99;
	} else if (h->nlmsg_type != NLMSG_DONE && take("badattr")) {
		/* inet_diag_msg is 72 bytes; the kernel appends attributes (INET_DIAG_SHUTDOWN,
		 * INET_DIAG_SOCKOPT, ...) after it. The plugin reads none of them, so a bad one
		 * must not change the count. */
		for (unsigned char *p = (unsigned char *)h; p + NLMSG_HDRLEN <= (unsigned char *)h + n;) {
			struct nlmsghdr *m = (struct nlmsghdr *)p;

			if (m->nlmsg_len < NLMSG_HDRLEN || p + m->nlmsg_len > (unsigned char *)h + n) {
				break;
			}
			if (m->nlmsg_type == 20 && m->nlmsg_len >= NLMSG_HDRLEN + 72 + 4) {
				uint16_t bad = 0xFFFF;

				memcpy(p + NLMSG_HDRLEN + 72, &bad, sizeof(bad));
			}
			p += NLMSG_ALIGN(m->nlmsg_len);
		}
	}
	return n;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
	       socklen_t tolen)
{
	if (fd == nl_fd && nl_fd >= 0) {
		sends++;
	}
	if (fd == nl_fd && nl_fd >= 0 && take("shortsend")) {
		errno = 0;
		return (ssize_t)(len / 2);
	}
	return REAL(sendto)(fd, buf, len, flags, to, tolen);
}

static int is_range(const char *path)
{
	return path && strcmp(path, "/proc/sys/net/ipv4/ip_local_port_range") == 0;
}

/* True while process pid (as text) has not ended: its /proc/PID/stat exists and shows a state
 * other than Z (zombie) or X (dead). */
static int running(const char *pid)
{
	char path[64], buf[512], *close_paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = REAL(open)(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return 0;
	}
	n = REAL(read)(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		return 0;
	}
	buf[n] = '\0';
	close_paren = strrchr(buf, ')');
	return close_paren && close_paren[1] == ' ' && close_paren[2] != 'Z' &&
	       close_paren[2] != 'X';
}

/* EPH_FAULT_NETNS_GONE: ends the process before its namespace is opened, once. */
static void netns_gone(const char *path)
{
	static int done;
	const char *pid = getenv("EPH_FAULT_NETNS_GONE");
	char want[64];
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	if (done || !pid || !path) {
		return;
	}
	snprintf(want, sizeof(want), "/proc/%s/ns/net", pid);
	if (strcmp(path, want) != 0) {
		return;
	}
	done = 1;
	if (kill((pid_t)atoi(pid), SIGKILL) < 0) {
		return;
	}
	for (int i = 0; i < 1000 && running(pid); i++) {
		nanosleep(&tick, NULL);
	}
	log_fault("netnsgone");
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	int fd;

	if (flags & O_CREAT) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	netns_gone(path);
	fd = REAL(open)(path, flags, mode);
	if (fd >= 0 && is_range(path)) {
		range_fd = fd;
	}
	return fd;
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

ssize_t read(int fd, void *buf, size_t len)
{
	if (fd == range_fd && range_fd >= 0 && take("stallrange")) {
		sleep(600);
	}
	return REAL(read)(fd, buf, len);
}

FILE *fopen(const char *path, const char *mode)
{
	const char *alt = getenv("EPH_FAULT_PROCNET");

	if (alt && path &&
	    (strcmp(path, "/proc/net/tcp") == 0 || strcmp(path, "/proc/thread-self/net/tcp") == 0)) {
		path = alt;
	}
	return REAL(fopen)(path, mode);
}

FILE *fopen64(const char *path, const char *mode) __attribute__((alias("fopen")));

int flock(int fd, int op)
{
	if (take("stalllog")) {
		sleep(600);
	}
	return REAL(flock)(fd, op);
}

int fsync(int fd)
{
	if (take("stallfsync")) {
		sleep(600);
	}
	return REAL(fsync)(fd);
}
