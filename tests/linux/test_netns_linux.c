/* netns on the running kernel (root only; skips otherwise): two network namespaces made by
 * child processes (unshare, each with its own port range, UTS host name and listening port),
 * read through netns_run from a thread. Checks that what the thread opens (/proc/sys/net, the
 * netlink socket, /proc/thread-self/net) is the entered namespace's and that the test's own
 * namespace never changes; the listing, naming, a namespace that is gone, and, in a private
 * mount namespace with a tmpfs on /run, a named one under /run/netns. Nothing touches the
 * host's network: the sockets live in the children's namespaces, which die with them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns.h"
#include "sys.h"
#include "tap.h"

struct child {
	pid_t pid;
	const char *hostname;
	uint16_t lo, hi, port;
};

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		return -1;
	}
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A child in new network and UTS namespaces with its range lo..hi, host name and a TCP
 * listener on port (any address, so lo need not be up). It holds them until killed, at most
 * 120 s. Returns 0 once it is ready. */
static int start_child(struct child *c)
{
	int p[2];
	char ready = 'n';

	if (pipe(p) < 0) {
		return -1;
	}
	c->pid = fork();
	if (c->pid < 0) {
		return -1;
	}
	if (c->pid == 0) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(c->port) };
		char range[32];
		int fd;

		close(p[0]);
		alarm(120);
		snprintf(range, sizeof(range), "%u %u", c->lo, c->hi);
		fd = -1;
		if (unshare(CLONE_NEWNET | CLONE_NEWUTS) == 0 &&
		    sethostname(c->hostname, strlen(c->hostname)) == 0 &&
		    write_text("/proc/sys/net/ipv4/ip_local_port_range", range) == 0 &&
		    (fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0 &&
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 1) == 0) {
			ready = 'y';
		}
		if (write(p[1], &ready, 1) != 1 || ready != 'y') {
			_exit(1);
		}
		for (;;) {
			pause();
		}
	}
	close(p[1]);
	if (read(p[0], &ready, 1) != 1) {
		ready = 'n';
	}
	close(p[0]);
	return ready == 'y' ? 0 : -1;
}

static void stop_child(struct child *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		c->pid = 0;
	}
}

/* What the thread saw inside a namespace. */
struct probe {
	uint16_t want_port, other_port;
	int pool_rc, sock_rc;
	struct portpool pool;
	struct eph_err err;
	size_t seen_want, seen_other;
	int thread_self_has, self_has; /* want_port in /proc/thread-self/net/tcp, /proc/self/... */
	struct stat ns;                /* /proc/thread-self/ns/net inside */
};

static int probe_sock(const struct sock_rec *r, void *ctx)
{
	struct probe *pr = ctx;

	if (!r) {
		pr->seen_want = pr->seen_other = 0;
	} else if (r->lport == pr->want_port && r->state == EPH_TCP_LISTEN) {
		pr->seen_want++;
	} else if (r->lport == pr->other_port) {
		pr->seen_other++;
	}
	return 0;
}

/* 1 when the /proc/net/tcp-format file lists a socket with local port port. */
static int table_has(const char *path, uint16_t port)
{
	char line[512], hex[8];
	int found = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		return -1;
	}
	snprintf(hex, sizeof(hex), ":%04X ", port);
	while (fgets(line, sizeof(line), f)) {
		char *local = strchr(line, ':');

		/* "  sl  local_address ...": the local port follows the first address. */
		if (local && strstr(local + 1, hex) && strstr(local + 1, hex) < local + 16) {
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static int probe_fn(void *ctx)
{
	struct probe *pr = ctx;
	struct sys_pool_info pinfo;
	struct sys_sock_info sinfo;
	struct sys_query q = { EPH_TCP, EPH_FAM_ALL, 1, 65535 };

	pr->pool_rc = sys_read_pool(EPH_TCP, 0, 0, &pr->pool, &pinfo, &pr->err);
	pr->sock_rc = sys_read_sockets(&q, probe_sock, pr, &sinfo, &pr->err);
	pr->thread_self_has = table_has("/proc/thread-self/net/tcp", pr->want_port);
	pr->self_has = table_has("/proc/self/net/tcp", pr->want_port);
	stat("/proc/thread-self/ns/net", &pr->ns);
	return 42;
}

/* netns_list with err cleared first, so that a message shown is this call's. */
static int netns_list_fresh(const char *spec, struct netns_list *l, struct eph_err *err)
{
	err->msg[0] = '\0';
	return netns_list(spec, l, err);
}

static const struct netns_entry *find_pid(const struct netns_list *l, pid_t pid)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].pid == (uint32_t)pid) {
			return &l->v[i];
		}
	}
	return NULL;
}

static int inline_fn(void *ctx)
{
	*(int *)ctx = 1;
	return 7;
}

static void test_unprivileged(void)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		struct eph_err err = { "" };

		if (setgid(65534) < 0 || setuid(65534) < 0) {
			_exit(2);
		}
		_exit(netns_privileged(&err) == -1 && strstr(err.msg, "CAP_SYS_ADMIN") ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "as nobody: netns_privileged refuses, naming CAP_SYS_ADMIN");
}

/* In a mount namespace of the test's own, over a tmpfs on /run: /run/netns/blue bound to a's
 * namespace, and a plain file that is no mount. */
static void test_named(const struct child *a)
{
	struct netns_list l = { 0 };
	struct eph_err err = { "" };
	const struct netns_entry *e = NULL;
	char src[64];
	int fd, stale = 0;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/run", "tmpfs", 0, "size=64k") < 0 || mkdir("/run/netns", 0755) < 0) {
		ok(0, "private mount namespace with a tmpfs on /run: %s", strerror(errno));
		return;
	}
	snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)a->pid);
	fd = open("/run/netns/blue", O_CREAT | O_WRONLY | O_CLOEXEC, 0444);
	if (fd >= 0) {
		close(fd);
	}
	fd = open("/run/netns/stale", O_CREAT | O_WRONLY | O_CLOEXEC, 0444);
	if (fd >= 0) {
		close(fd);
	}
	ok(mount(src, "/run/netns/blue", NULL, MS_BIND, NULL) == 0, "bind %s to /run/netns/blue",
	   src);
	ok(netns_list_fresh("all", &l, &err) == 0, "all: listed (%s)", err.msg);
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.v[i].name, "blue") == 0) {
			e = &l.v[i];
		}
		stale += strstr(l.v[i].path, "stale") != NULL;
	}
	is_int(stale, 0, "a file under /run/netns that is no mount is no namespace");
	ok(e != NULL, "all: the namespace under /run/netns is named by its file");
	if (e) {
		is_int(e->kind, NETNS_NAMED, "kind named");
		is_str(e->path, "/run/netns/blue", "read through the folder's file");
		is_int(e->pid, a->pid, "its process is found too");
	}
	netns_list_free(&l);
	memset(&l, 0, sizeof(l));
	ok(netns_list_fresh("blue", &l, &err) == 0 && l.n == 1, "--netns blue: one (%s)", err.msg);
	if (l.n == 1) {
		is_str(l.v[0].name, "blue", "named blue");
	}
	netns_list_free(&l);
	memset(&l, 0, sizeof(l));
	ok(netns_list_fresh("stale", &l, &err) == -1 && strstr(err.msg, "not a namespace file"),
	   "--netns stale: not a namespace file (%s)", err.msg);
	netns_list_free(&l);
	memset(&l, 0, sizeof(l));
	ok(netns_list_fresh("nosuch", &l, &err) == -1 && strstr(err.msg, "no network namespace"),
	   "--netns nosuch: none of that name (%s)", err.msg);
	netns_list_free(&l);
}

int main(void)
{
	struct child a = { 0, "eph-test-a", 41000, 41099, 41050 };
	struct child b = { 0, "eph-test-b", 42000, 42199, 42150 };
	struct netns_list l = { 0 };
	struct eph_err err = { "" };
	struct probe pr;
	struct stat before, after;
	const struct netns_entry *ea, *eb;
	struct netns_entry gone;
	int fn_rc = 0, ran = 0, dups = 0;

	if (geteuid() != 0 || netns_privileged(&err) < 0) {
		printf("1..0 # SKIP needs root with CAP_SYS_ADMIN\n");
		return 0;
	}
	if (start_child(&a) < 0 || start_child(&b) < 0) {
		ok(0, "children in namespaces of their own started");
		stop_child(&a);
		stop_child(&b);
		return done_testing();
	}
	stat("/proc/self/ns/net", &before);

	ok(netns_list_fresh("all", &l, &err) == 0, "all: listed (%s)", err.msg);
	ok(l.n >= 3 && l.v[0].self, "the plugin's own namespace comes first (%zu found)", l.n);
	for (size_t i = 0; i < l.n; i++) {
		printf("# %s: %s, %u process(es), pid %u\n", l.v[i].name, l.v[i].path,
		       (unsigned)l.v[i].procs, (unsigned)l.v[i].pid);
	}
	/* The initial namespace has a fixed inode since Linux 6.18. */
	if (l.v[0].ino == 0xEFFFFFF9u) {
		is_str(l.v[0].name, "host", "the initial namespace is named host");
	}
	ea = find_pid(&l, a.pid);
	eb = find_pid(&l, b.pid);
	ok(ea && eb, "both children's namespaces found");
	if (!ea || !eb) {
		goto out;
	}
	ok(ea->ino != eb->ino && !ea->self && !eb->self, "each its own, neither the plugin's");
	is_str(ea->name, "hostname eph-test-a", "named by the UTS host name of its process");
	is_int(ea->kind, NETNS_HOSTNAME, "kind hostname");
	is_int(ea->procs, 1, "one process in it");
	for (size_t i = 0; i < l.n; i++) {
		for (size_t j = i + 1; j < l.n; j++) {
			dups += l.v[i].ino == l.v[j].ino && l.v[i].dev == l.v[j].dev;
		}
	}
	is_int(dups, 0, "each namespace listed once");

	/* Inside a: its range, its listener, not b's; the test's namespace unchanged. */
	memset(&pr, 0, sizeof(pr));
	pr.want_port = a.port;
	pr.other_port = b.port;
	is_int(netns_run(ea, probe_fn, &pr, &fn_rc, &err), 0, "run in a (%s)", err.msg);
	is_int(fn_rc, 42, "fn's return comes back");
	is_int(pr.pool_rc, 0, "sys_read_pool in a (%s)", pr.err.msg);
	ok(pr.pool.lo == 41000 && pr.pool.hi == 41099,
	   "/proc/sys/net opened in the thread is a's: %u-%u", pr.pool.lo, pr.pool.hi);
	is_int(pr.sock_rc, 0, "sys_read_sockets in a");
	is_int(pr.seen_want, 1, "the netlink socket made in the thread sees a's listener");
	is_int(pr.seen_other, 0, "and not b's");
	is_int(pr.thread_self_has, 1, "/proc/thread-self/net/tcp is a's");
	is_int(pr.self_has, 0, "/proc/self/net/tcp is still the process's (why thread-self)");
	is_int(pr.ns.st_ino, ea->ino, "the thread was in a");
	stat("/proc/self/ns/net", &after);
	ok(after.st_ino == before.st_ino && after.st_dev == before.st_dev,
	   "the test's own namespace is the same after the read");

	memset(&pr, 0, sizeof(pr));
	pr.want_port = b.port;
	pr.other_port = a.port;
	is_int(netns_run(eb, probe_fn, &pr, &fn_rc, &err), 0, "run in b");
	ok(pr.pool.lo == 42000 && pr.pool.hi == 42199, "b's range 42000-42199");
	ok(pr.seen_want == 1 && pr.seen_other == 0, "b's listener only");

	is_int(netns_run(&l.v[0], inline_fn, &ran, &fn_rc, &err), 0, "own namespace: runs");
	ok(ran == 1 && fn_rc == 7, "own namespace: fn called directly");

	/* A pid reused by a process of another namespace. */
	gone = *ea;
	gone.ino = eb->ino;
	is_int(netns_run(&gone, probe_fn, &pr, &fn_rc, &err), 1,
	       "a file that now is another namespace: skipped");
	ok(strstr(err.msg, "another namespace") != NULL, "why: %s", err.msg);

	/* One namespace by pid, by path; errors. */
	{
		struct netns_list one = { 0 };
		char spec[32], path[64];

		snprintf(spec, sizeof(spec), "%d", (int)a.pid);
		ok(netns_list_fresh(spec, &one, &err) == 0 && one.n == 1 && one.v[0].ino == ea->ino,
		   "--netns PID: that process's namespace (%s)", err.msg);
		if (one.n == 1) {
			is_str(one.v[0].name, "hostname eph-test-a", "--netns PID: named alike");
		}
		netns_list_free(&one);
		memset(&one, 0, sizeof(one));
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)b.pid);
		ok(netns_list_fresh(path, &one, &err) == 0 && one.n == 1 && one.v[0].ino == eb->ino,
		   "--netns PATH (%s)", err.msg);
		netns_list_free(&one);
		memset(&one, 0, sizeof(one));
		snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)b.pid);
		ok(netns_list_fresh(path, &one, &err) == -1 &&
			   strstr(err.msg, "not a network namespace"),
		   "--netns on a UTS namespace file: refused (%s)", err.msg);
		netns_list_free(&one);
		memset(&one, 0, sizeof(one));
		ok(netns_list_fresh("/etc/passwd", &one, &err) == -1 &&
			   strstr(err.msg, "not a namespace"),
		   "--netns on an ordinary file: refused (%s)", err.msg);
		netns_list_free(&one);
		memset(&one, 0, sizeof(one));
		ok(netns_list_fresh("4194303", &one, &err) == -1 && strstr(err.msg, "no process"),
		   "--netns on a pid nobody has: refused (%s)", err.msg);
		netns_list_free(&one);
		memset(&one, 0, sizeof(one));
		ok(netns_list_fresh("..", &one, &err) == -1 && strstr(err.msg, "--netns takes"),
		   "--netns ..: refused (%s)", err.msg);
		netns_list_free(&one);
	}

	/* b ends between the listing and the read. */
	stop_child(&b);
	is_int(netns_run(eb, probe_fn, &pr, &fn_rc, &err), 1,
	       "a namespace whose process ended: skipped");
	ok(strstr(err.msg, "gone") != NULL, "why: %s", err.msg);

	test_unprivileged();
	test_named(&a);
out:
	netns_list_free(&l);
	stop_child(&a);
	stop_child(&b);
	return done_testing();
}
