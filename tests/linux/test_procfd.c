/* lib/procfd (Linux only): the /proc/<pid>/fd search over a tree built here, its limits, and
 * once over the real /proc with a socket of this test. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfd.h"
#include "tap.h"

static char root[64];

static void mk(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	mkdir(p, 0755);
}

static void ln(const char *target, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p) < 0) {
		printf("# symlink %s: %s\n", p, strerror(errno));
	}
}

static void put(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_parse(void)
{
	uint64_t ino = 0;

	ok(procfd_parse_link("socket:[12345]", 14, &ino) == 0 && ino == 12345, "socket link");
	ok(procfd_parse_link("socket:[]", 9, &ino) < 0, "empty number refused");
	ok(procfd_parse_link("socket:[12a]", 12, &ino) < 0, "non-digit refused");
	ok(procfd_parse_link("socket:[12", 10, &ino) < 0, "no closing bracket refused");
	ok(procfd_parse_link("pipe:[5]", 8, &ino) < 0, "pipes are not sockets");
	ok(procfd_parse_link("/dev/null", 9, &ino) < 0, "files are not sockets");
	ok(procfd_parse_link("socket:[99999999999999999999999]", 32, &ino) < 0,
	   "overflow refused");
}

static void test_tree(void)
{
	uint64_t inodes[] = { 111, 222, 333 };
	uint32_t pids[3];
	struct sys_owner_scan s;
	struct eph_err err = { "" };
	char name[32];

	snprintf(root, sizeof(root), "/tmp/procfd.XXXXXX");
	if (!mkdtemp(root)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	mk("1");
	mk("1/fd");
	ln("socket:[111]", "1/fd/3");
	ln("/dev/null", "1/fd/4");
	mk("2");
	mk("2/fd");
	ln("socket:[222]", "2/fd/5");
	ln("socket:[444]", "2/fd/6");
	put("2/comm", "holder_b\n");
	mk("self"); /* not a process directory */
	mk("sys");

	memset(&s, 0, sizeof(s));
	ok(procfd_scan(root, inodes, 3, pids, &s, &err) == 0, "scan runs");
	ok(pids[0] == 1 && pids[1] == 2 && pids[2] == EPH_OWNER_NONE,
	   "111 -> 1, 222 -> 2, 333 not found");
	ok(s.procs == 2 && s.links == 4 && s.found == 2 && !s.gave_up && s.needed,
	   "2 processes, 4 links, 2 found, finished (procs %zu links %zu found %zu)", s.procs,
	   s.links, s.found);
	is_int(s.denied, getuid() == 0 ? 0 : 1,
	       "inode 333 not found: root denies nothing, a user counts a hidden process");

	memset(&s, 0, sizeof(s));
	s.max_links = 1;
	procfd_scan(root, inodes, 3, pids, &s, &err);
	ok(s.gave_up && s.links == 1, "descriptor limit: gives up after 1");

	memset(&s, 0, sizeof(s));
	s.deadline_ms = 1; /* long past */
	procfd_scan(root, inodes, 3, pids, &s, &err);
	ok(s.gave_up && s.procs == 0 && pids[0] == EPH_OWNER_NONE,
	   "deadline past: gives up before the first process, nothing found");

	memset(&s, 0, sizeof(s));
	procfd_scan(root, inodes, 1, pids, &s, &err);
	ok(pids[0] == 1 && s.found == 1 && !s.gave_up, "one inode: found, finished");

	if (getuid() != 0) {
		char p[256];

		snprintf(p, sizeof(p), "%s/2/fd", root);
		chmod(p, 0);
		memset(&s, 0, sizeof(s));
		procfd_scan(root, inodes, 3, pids, &s, &err);
		ok(s.denied == 1 && pids[1] == EPH_OWNER_NONE, "an unreadable fd directory is denied");
		chmod(p, 0755);
	}

	ok(procfd_comm(root, 2, name, sizeof(name)) == 0 && strcmp(name, "holder_b") == 0,
	   "comm read without its newline");
	ok(procfd_comm(root, 1, name, sizeof(name)) < 0 && name[0] == '\0',
	   "missing comm: -1 and empty");

	memset(&s, 0, sizeof(s));
	ok(procfd_scan("/nonexistent-proc", inodes, 3, pids, &s, &err) < 0 &&
		   strstr(err.msg, "cannot read /nonexistent-proc") != NULL,
	   "no /proc: -1 with the reason (%s)", err.msg);

	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0) {
			printf("# could not remove %s\n", root);
		}
	}
}

static void test_real(void)
{
	int sv[2];
	struct stat st;
	uint64_t ino;
	uint32_t pid = 0;
	int rc;
	struct sys_owner_scan s;
	struct eph_err err = { "" };
	char name[64];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || fstat(sv[0], &st) < 0) {
		ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	ino = (uint64_t)st.st_ino;
	memset(&s, 0, sizeof(s));
	s.deadline_ms = sys_clock_ms() + 5000;
	rc = sys_pid_for_inodes(&ino, 1, &pid, &s, &err);
	/* On a busy host the search may stop first; it must say so then. */
	ok(rc == 0 && (pid == (uint32_t)getpid() || (s.gave_up && pid == EPH_OWNER_NONE)),
	   "real /proc: this test's socket belongs to this test (pid %u, %zu processes, %zu "
	   "descriptors, %s)",
	   pid, s.procs, s.links, s.gave_up ? "stopped" : "finished");
	ok(sys_process_name((uint32_t)getpid(), name, sizeof(name)) == 0 &&
		   strcmp(name, "test_procfd") == 0,
	   "real /proc: named test_procfd ('%s')", name);
	ok(sys_user_name(0, name, sizeof(name)) == 0 && strcmp(name, "root") == 0,
	   "uid 0 is root");
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	test_parse();
	test_tree();
	test_real();
	return done_testing();
}
