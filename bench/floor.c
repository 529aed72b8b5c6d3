/* floor: the least work any inet_diag reader can do. It asks the kernel for every socket whose
 * source port is in LO..HI (same bytecode filter as check_ephemeral and ss), walks the replies
 * and only counts them. Its time is the floor the benchmark compares everything against.
 * Usage: floor MODE LO HI   -> prints the number of sockets. MODE:
 *   tcp, all      what check_ephemeral -p tcp / -p all asks: one v2 request per family
 *   tcp-nobound   tcp without bit 13, to show what the bound-inactive walk costs
 *   tcp-legacy    one legacy TCPDIAG_GETSOCK request, which the kernel answers with a single
 *                 walk over both families (sdiag_family AF_UNSPEC), to show what a second
 *                 walk costs */
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

enum floor_mode { FLOOR_TCP, FLOOR_ALL, FLOOR_NOBOUND, FLOOR_LEGACY };

/* Sends one dump request and counts the replies. Returns the count or -1. */
static long dump(int fd, int family, int proto, enum floor_mode mode, unsigned lo, unsigned hi,
		 uint32_t seq)
{
	static char buf[64 * 1024] __attribute__((aligned(8)));
	struct inet_diag_bc_op ops[4];
	struct {
		struct nlmsghdr nlh;
		char body[sizeof(struct inet_diag_req) + sizeof(struct nlattr) + sizeof(ops)];
	} q;
	size_t hdr = sizeof(struct inet_diag_req_v2);
	long n = 0;

	memset(&q, 0, sizeof(q));
	q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q.nlh.nlmsg_seq = seq;
	if (mode == FLOOR_LEGACY) {
		/* inet_diag_dump_compat() turns this into a v2 request with AF_UNSPEC. */
		struct inet_diag_req *r = (struct inet_diag_req *)q.body;
		q.nlh.nlmsg_type = TCPDIAG_GETSOCK;
		r->idiag_family = AF_INET;
		r->idiag_states = ~0u;
		hdr = sizeof(*r);
	} else {
		struct inet_diag_req_v2 *r = (struct inet_diag_req_v2 *)q.body;
		r->sdiag_family = (uint8_t)family;
		r->sdiag_protocol = (uint8_t)proto;
		/* Every state bit, so bit 13 (bound-inactive) too; UDP sockets report as TCP_CLOSE
		 * or TCP_ESTABLISHED. Kernels without bit 13 ignore it. */
		r->idiag_states = mode == FLOOR_NOBOUND ? ~(1u << 13) : ~0u;
	}
	/* "sport >= lo && sport <= hi" as iproute2's ss builds it: falling off the end (len 0)
	 * accepts, a jump to len + 4 rejects; the op after each compare carries the port in `no`. */
	ops[0] = (struct inet_diag_bc_op){INET_DIAG_BC_S_GE, 8, 20};
	ops[1] = (struct inet_diag_bc_op){0, 0, (unsigned short)lo};
	ops[2] = (struct inet_diag_bc_op){INET_DIAG_BC_S_LE, 8, 12};
	ops[3] = (struct inet_diag_bc_op){0, 0, (unsigned short)hi};
	struct nlattr nla = {(uint16_t)(sizeof(nla) + sizeof(ops)), INET_DIAG_REQ_BYTECODE};
	memcpy(q.body + hdr, &nla, sizeof(nla));
	memcpy(q.body + hdr + sizeof(nla), ops, sizeof(ops));
	q.nlh.nlmsg_len = (uint32_t)(sizeof(q.nlh) + hdr + sizeof(nla) + sizeof(ops));
	if (send(fd, &q, q.nlh.nlmsg_len, 0) != (ssize_t)q.nlh.nlmsg_len) {
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
	static const char *modes[] = {"tcp", "all", "tcp-nobound", "tcp-legacy"};
	enum floor_mode mode = FLOOR_TCP;
	unsigned lo, hi;
	long total = 0;
	int rc = 1, m;
	uint32_t seq = 1;

	for (m = 0; argc == 4 && m < 4 && strcmp(argv[1], modes[m]) != 0; m++) {
	}
	if (argc != 4 || m == 4) {
		fprintf(stderr, "usage: floor tcp|all|tcp-nobound|tcp-legacy LO HI\n");
		return 2;
	}
	mode = (enum floor_mode)m;
	lo = (unsigned)strtoul(argv[2], NULL, 10);
	hi = (unsigned)strtoul(argv[3], NULL, 10);
	if (lo < 1 || hi > 65535 || lo > hi) {
		fprintf(stderr, "floor: bad range %s-%s\n", argv[2], argv[3]);
		return 2;
	}
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		perror("floor: socket");
		return 1;
	}
	for (int p = 0; p < (mode == FLOOR_ALL ? 2 : 1); p++) {
		for (int f = 0; f < (mode == FLOOR_LEGACY ? 1 : 2); f++) {
			long n = dump(fd, f ? AF_INET6 : AF_INET, p ? IPPROTO_UDP : IPPROTO_TCP, mode,
				      lo, hi, seq++);
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
