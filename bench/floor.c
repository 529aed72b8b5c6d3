/* floor: the least work any inet_diag reader can do. It asks the kernel for every socket whose
 * source port is in LO..HI (same bytecode filter as check_ephemeral and ss), walks the replies
 * and only counts them. Its time is the floor the benchmark compares everything against.
 * Usage: floor tcp|all LO HI   -> prints the number of sockets. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct floor_req {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 r;
	struct nlattr nla;
	struct inet_diag_bc_op ops[4];
};

/* Sends one dump request and counts the replies. Returns the count or -1. */
static long dump(int fd, int family, int proto, unsigned lo, unsigned hi, uint32_t seq)
{
	static char buf[64 * 1024] __attribute__((aligned(8)));
	struct floor_req q;
	long n = 0;

	memset(&q, 0, sizeof(q));
	q.nlh.nlmsg_len = sizeof(q);
	q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q.nlh.nlmsg_seq = seq;
	q.r.sdiag_family = (uint8_t)family;
	q.r.sdiag_protocol = (uint8_t)proto;
	/* Every state bit, so bit 13 (bound-inactive) too; UDP sockets report as TCP_CLOSE or
	 * TCP_ESTABLISHED. Kernels without bit 13 ignore it. */
	q.r.idiag_states = ~0u;
	q.nla.nla_len = sizeof(q.nla) + sizeof(q.ops);
	q.nla.nla_type = INET_DIAG_REQ_BYTECODE;
	/* "sport >= lo && sport <= hi" as iproute2's ss builds it: falling off the end (len 0)
	 * accepts, a jump to len + 4 rejects; the op after each compare carries the port in `no`. */
	q.ops[0] = (struct inet_diag_bc_op){INET_DIAG_BC_S_GE, 8, 20};
	q.ops[1] = (struct inet_diag_bc_op){0, 0, (unsigned short)lo};
	q.ops[2] = (struct inet_diag_bc_op){INET_DIAG_BC_S_LE, 8, 12};
	q.ops[3] = (struct inet_diag_bc_op){0, 0, (unsigned short)hi};
	if (send(fd, &q, sizeof(q), 0) != (ssize_t)sizeof(q)) {
		return -1;
	}
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0 && errno == EINTR) {
			continue;
		}
		if (len <= 0) {
			return -1;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq) {
				continue;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				return n;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				return -1;
			}
			/* A dump the kernel flags as interrupted is still counted: the floor only
			 * measures the cost of the walk. */
			n++;
		}
	}
}

int main(int argc, char **argv)
{
	static const int fams[] = {AF_INET, AF_INET6};
	unsigned lo, hi;
	long total = 0;
	int nproto, rc = 1;
	uint32_t seq = 1;

	if (argc != 4 || (strcmp(argv[1], "tcp") != 0 && strcmp(argv[1], "all") != 0)) {
		fprintf(stderr, "usage: floor tcp|all LO HI\n");
		return 2;
	}
	lo = (unsigned)strtoul(argv[2], NULL, 10);
	hi = (unsigned)strtoul(argv[3], NULL, 10);
	if (lo < 1 || hi > 65535 || lo > hi) {
		fprintf(stderr, "floor: bad range %s-%s\n", argv[2], argv[3]);
		return 2;
	}
	nproto = strcmp(argv[1], "all") == 0 ? 2 : 1;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		perror("floor: socket");
		return 1;
	}
	for (int p = 0; p < nproto; p++) {
		for (int f = 0; f < 2; f++) {
			long n = dump(fd, fams[f], p == 0 ? IPPROTO_TCP : IPPROTO_UDP, lo, hi, seq++);
			if (n < 0) {
				perror("floor: dump");
				goto out;
			}
			total += n;
		}
	}
	printf("%ld\n", total);
	rc = 0;
out:
	close(fd);
	return rc;
}
