/* netns: the --netns argument's kinds, the container named by a cgroup file (tests/data/cgroup/,
 * one file per runtime and cgroup layout) and how a namespace is named. Portable: no system
 * calls; tests/test_netns_linux.c enters real namespaces. */
#include <stdio.h>
#include <string.h>

#include "netns.h"
#include "tap.h"

static char file_buf[16384];

/* Reads tests/data/cgroup/<name> into file_buf; returns its length, or -1 (reported). */
static long load(const char *name)
{
	char path[256];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "tests/data/cgroup/%s", name);
	f = fopen(path, "rb");
	if (!f) {
		ok(0, "fixture %s opens", path);
		return -1;
	}
	n = fread(file_buf, 1, sizeof(file_buf), f);
	fclose(f);
	return (long)n;
}

/* Parses a fixture; want_runtime NULL means no container. */
static void cgroup_case(const char *file, const char *want_runtime, const char *want_id,
			int want_k8s)
{
	struct netns_container c;
	long n = load(file);
	int rc;

	if (n < 0) {
		return;
	}
	rc = netns_parse_cgroup(file_buf, (size_t)n, &c);
	if (!want_runtime) {
		is_int(rc, 0, "%s: no container", file);
		return;
	}
	is_int(rc, 1, "%s: a container", file);
	is_str(c.runtime, want_runtime, "%s: the runtime", file);
	is_str(c.id, want_id, "%s: the id", file);
	is_int(c.kubernetes, want_k8s, "%s: %s Kubernetes", file, want_k8s ? "under" : "not under");
}

static void test_cgroup(void)
{
	const char *id = "3f2a1b4c5d6e";
	struct netns_container c;

	cgroup_case("docker-systemd.txt", "docker", id, 0);
	cgroup_case("docker-cgroupfs-v1.txt", "docker", id, 0);
	cgroup_case("docker-cgroupns.txt", "docker", id, 0);
	cgroup_case("docker-in-docker.txt", "docker", "aaaabbbbcccc", 0);
	cgroup_case("k8s-containerd.txt", "containerd", id, 1);
	cgroup_case("k8s-crio.txt", "cri-o", id, 1);
	cgroup_case("k8s-crio-conmon.txt", NULL, NULL, 0);
	cgroup_case("k8s-cgroupfs.txt", "container", id, 1);
	cgroup_case("podman.txt", "podman", id, 0);
	cgroup_case("podman-rootless.txt", "podman", id, 0);
	cgroup_case("podman-conmon.txt", NULL, NULL, 0);
	cgroup_case("lxc4.txt", "lxc", "web1", 0);
	cgroup_case("lxc-old.txt", "lxc", "db2", 0);
	cgroup_case("lxc-monitor.txt", NULL, NULL, 0);
	cgroup_case("host-init.txt", NULL, NULL, 0);
	cgroup_case("host-v1.txt", NULL, NULL, 0);
	cgroup_case("near-misses.txt", NULL, NULL, 0);

	is_int(netns_parse_cgroup("", 0, &c), 0, "empty text: no container");
	is_int(netns_parse_cgroup("0::", 3, &c), 0, "a line without a path");
	is_int(netns_parse_cgroup("garbage\n\n:::\n", 13, &c), 0, "lines without fields");
	/* The text need not end in a newline nor be NUL-terminated. */
	memcpy(file_buf, "0::/lxc.payload.ab", 18);
	file_buf[18] = 'X';
	is_int(netns_parse_cgroup(file_buf, 18, &c), 1, "text without a newline");
	is_str(c.id, "ab", "only len bytes are read");
}

static void test_spec(void)
{
	is_int(netns_spec_kind("all"), NETNS_SPEC_ALL, "all");
	is_int(netns_spec_kind("1234"), NETNS_SPEC_PID, "digits: a process");
	is_int(netns_spec_kind("4194304"), NETNS_SPEC_PID, "the highest pid Linux allows");
	is_int(netns_spec_kind("4194305"), NETNS_SPEC_BAD, "above PID_MAX_LIMIT");
	is_int(netns_spec_kind("99999999999999999999"), NETNS_SPEC_BAD, "a huge number");
	is_int(netns_spec_kind("0"), NETNS_SPEC_BAD, "pid 0");
	is_int(netns_spec_kind("/run/netns/blue"), NETNS_SPEC_PATH, "a path");
	is_int(netns_spec_kind("./x"), NETNS_SPEC_PATH, "a relative path");
	is_int(netns_spec_kind("blue"), NETNS_SPEC_NAME, "a name");
	is_int(netns_spec_kind("12ab"), NETNS_SPEC_NAME, "digits and letters: a name");
	is_int(netns_spec_kind(""), NETNS_SPEC_BAD, "empty");
	is_int(netns_spec_kind(".."), NETNS_SPEC_BAD, "..");
	is_int(netns_spec_kind(NULL), NETNS_SPEC_BAD, "NULL");
}

static void test_names(void)
{
	struct netns_container c = { "containerd", "3f2a1b4c5d6e", true };
	struct netns_container d = { "docker", "0123456789ab", false };
	struct netns_entry e;

	memset(&e, 0, sizeof(e));
	e.pid = 4242;
	snprintf(e.path, sizeof(e.path), "/proc/4242/ns/net");
	netns_make_name(&e, true, "", "blue", &c, "web-0");
	is_str(e.name, "host", "the host's namespace is host, whatever else is known");
	is_int(e.kind, NETNS_HOST, "kind host");
	netns_make_name(&e, false, "", "blue", &c, "web-0");
	is_str(e.name, "blue", "a /run/netns name comes before the container");
	is_int(e.kind, NETNS_NAMED, "kind named");
	netns_make_name(&e, false, "docker netns", "6f1c2d3e4a5b", &c, "web-0");
	is_str(e.name, "pod web-0 (containerd 3f2a1b4c5d6e)", "a pod: its name and container");
	is_int(e.kind, NETNS_CONTAINER, "kind container");
	netns_make_name(&e, false, NULL, NULL, &c, "");
	is_str(e.name, "containerd 3f2a1b4c5d6e", "a pod without a host name: the container");
	netns_make_name(&e, false, "docker netns", "6f1c2d3e4a5b", &d, "ignored");
	is_str(e.name, "docker 0123456789ab", "outside Kubernetes the host name is not the pod");
	netns_make_name(&e, false, "docker netns", "6f1c2d3e4a5b", NULL, "web1");
	is_str(e.name, "docker netns 6f1c2d3e4a5b", "a runtime's folder before the host name");
	is_int(e.kind, NETNS_FOLDER, "kind folder");
	netns_make_name(&e, false, NULL, NULL, NULL, "web1");
	is_str(e.name, "hostname web1", "the UTS host name");
	is_int(e.kind, NETNS_HOSTNAME, "kind hostname");
	netns_make_name(&e, false, NULL, NULL, NULL, "bad\tname\x01");
	is_str(e.name, "hostname bad?name?", "a host name is made printable");
	netns_make_name(&e, false, NULL, NULL, NULL, NULL);
	is_str(e.name, "pid 4242", "nothing else: the process");
	is_int(e.kind, NETNS_PID, "kind pid");
	e.pid = 0;
	netns_make_name(&e, false, NULL, NULL, NULL, "");
	is_str(e.name, "/proc/4242/ns/net", "not even a process: the path");
	is_int(e.kind, NETNS_PATH, "kind path");
}

int main(void)
{
	test_cgroup();
	test_spec();
	test_names();
	return done_testing();
}
