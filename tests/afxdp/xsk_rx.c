// SPDX-License-Identifier: GPL-2.0
/* AF_XDP receiver of tests/guest/afxdp.sh (built in the guest against Debian's libxdp and
 * libbpf). Binds an XSK socket (RX ring only) to one queue of a netdev, in zero-copy
 * (XDP_ZEROCOPY), copy (XDP_COPY) or "auto" mode (no flag: the kernel falls back to copy),
 * attaches xsk_kern.o in driver mode, and receives until it has MAX packets, SECS seconds have
 * passed or it gets SIGINT/SIGTERM. Every frame is checked:
 *   - IPv4 header checksum and lengths,
 *   - ICMP echo requests (ping -s N -p PATTERN): ICMP checksum over the whole message, the
 *     ping pattern from data byte 16 on (the first 16 hold ping's timestamp), and sequence
 *     numbers increasing per ICMP id (a stale or repeated buffer shows as a repeat),
 *   - UDP to PORT (iperf3 -u --repeating-payload): UDP length, the payload pattern
 *     ('0' + i % 10 from byte 16 on; iperf3's header is in the first 12 or 16) and iperf3's
 *     packet counter increasing.
 * Output, on stdout:
 *   bind mode=M ok zerocopy=0|1 ifindex=N queue=N      or
 *   bind mode=M failed err=-E (strerror)                (exit status 2)
 *   bad: REASON len=N: HEX...                           (the first 3 bad frames)
 *   rx=N icmp_ok=N udp_ok=N bad=N other=N bytes=N secs=S redirected=N seen=N
 *     xsk_rx_dropped=N xsk_rx_invalid=N xsk_rx_ring_full=N xsk_fill_empty=N
 * Exit status: 0 if no frame was bad, 1 if any was, 2 if the bind failed, 3 on another error.
 *
 * Usage: xsk_rx -i IFNAME -o xsk_kern.o [-q QUEUE] [-m zc|copy|auto] [-n MAX] [-t SECS]
 *               [-p PORT] [-P HEXPATTERN] [-r READYFILE]
 * READYFILE is created once the socket is bound and the program attached.
 */
#define _GNU_SOURCE
#include <net/if.h> /* before the linux/ headers, which include linux/if.h */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/icmp.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#define NUM_FRAMES 2048
#define FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE /* 4096 */
#define RING_SIZE 2048
#define BATCH 64
#define MAX_BAD_DUMPS 3

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static struct {
	unsigned long long rx, icmp_ok, udp_ok, bad, other, bytes;
} st;
static uint8_t pattern[16];
static int pattern_len;
static unsigned int udp_port = 5201;

/* ICMP sequence per id, iperf3's packet counter: the last seen, to spot repeats. */
#define NIDS 16
static struct { int used; uint16_t id, seq; } icmp_last[NIDS];
static int64_t udp_last = -1;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint16_t csum_fold(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (p[i] << 8) | p[i + 1];
	if (len & 1)
		s += p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s; /* 0xffff when the checksum embedded in p is right */
}

static void bad(const char *why, const uint8_t *pkt, uint32_t len)
{
	uint32_t i;

	st.bad++;
	if (st.bad > MAX_BAD_DUMPS)
		return;
	printf("bad: %s len=%u:", why, len);
	for (i = 0; i < len && i < 80; i++)
		printf("%s%02x", i % 4 ? "" : " ", pkt[i]);
	printf("\n");
}

/* Is this ICMP sequence (or UDP counter) of an id new, i.e. greater than the last one? */
static int icmp_seq_new(uint16_t id, uint16_t seq)
{
	int i;

	for (i = 0; i < NIDS; i++) {
		if (icmp_last[i].used && icmp_last[i].id == id) {
			if ((int16_t)(seq - icmp_last[i].seq) <= 0)
				return 0;
			icmp_last[i].seq = seq;
			return 1;
		}
	}
	for (i = 0; i < NIDS; i++) {
		if (!icmp_last[i].used) {
			icmp_last[i].used = 1;
			icmp_last[i].id = id;
			icmp_last[i].seq = seq;
			break;
		}
	}
	return 1;
}

static void check_frame(const uint8_t *pkt, uint32_t len)
{
	const struct ethhdr *eth = (const void *)pkt;
	const struct iphdr *ip = (const void *)(eth + 1);
	const uint8_t *l4, *data;
	uint32_t tot, l4len, i, dlen;

	st.rx++;
	st.bytes += len;
	if (len < sizeof(*eth) + sizeof(*ip) || eth->h_proto != htons(ETH_P_IP)) {
		st.other++;
		return;
	}
	tot = ntohs(ip->tot_len);
	if (ip->ihl != 5 || tot < sizeof(*ip) || sizeof(*eth) + tot > len)
		return bad("ip length", pkt, len);
	if (csum_fold((const uint8_t *)ip, sizeof(*ip)) != 0xffff)
		return bad("ip checksum", pkt, len);
	l4 = (const uint8_t *)(ip + 1);
	l4len = tot - sizeof(*ip);

	if (ip->protocol == IPPROTO_ICMP && l4len >= sizeof(struct icmphdr)) {
		const struct icmphdr *icmp = (const void *)l4;

		if (icmp->type != ICMP_ECHO) {
			st.other++;
			return;
		}
		if (csum_fold(l4, l4len) != 0xffff)
			return bad("icmp checksum", pkt, len);
		data = l4 + sizeof(*icmp);
		dlen = l4len - sizeof(*icmp);
		for (i = 16; pattern_len && i < dlen; i++)
			if (data[i] != pattern[i % pattern_len])
				return bad("icmp pattern", pkt, len);
		if (!icmp_seq_new(ntohs(icmp->un.echo.id), ntohs(icmp->un.echo.sequence)))
			return bad("icmp sequence repeated", pkt, len);
		st.icmp_ok++;
		return;
	}
	if (ip->protocol == IPPROTO_UDP && l4len >= sizeof(struct udphdr)) {
		const struct udphdr *udp = (const void *)l4;
		int64_t pcount;

		if (ntohs(udp->dest) != udp_port) {
			st.other++;
			return;
		}
		if (ntohs(udp->len) != l4len)
			return bad("udp length", pkt, len);
		data = l4 + sizeof(*udp);
		dlen = l4len - sizeof(*udp);
		if (dlen < 16) {
			st.other++;
			return;
		}
		for (i = 16; i < dlen; i++)
			if (data[i] != '0' + i % 10)
				return bad("udp payload pattern", pkt, len);
		/* iperf3 (32-bit counters, the default): sec, usec, packet counter */
		pcount = ((uint32_t)data[8] << 24) | (data[9] << 16) | (data[10] << 8) | data[11];
		if (pcount <= udp_last)
			return bad("udp counter repeated", pkt, len);
		udp_last = pcount;
		st.udp_ok++;
		return;
	}
	st.other++;
}

static int hexpattern(const char *s)
{
	int n = 0;
	unsigned int b;

	while (s[0] && s[1] && n < (int)sizeof(pattern)) {
		if (sscanf(s, "%2x", &b) != 1)
			return -1;
		pattern[n++] = b;
		s += 2;
	}
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: xsk_rx -i IFNAME -o OBJ [-q QUEUE] [-m zc|copy|auto] [-n MAX] "
			"[-t SECS] [-p PORT] [-P HEXPATTERN] [-r READYFILE]\n");
	exit(3);
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *objpath = NULL, *mode = "copy", *ready = NULL;
	unsigned long long max = 100000, redirected = 0, seen = 0;
	double secs = 20, t0, first = 0, last = 0;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq, rx;
	struct xsk_umem *umem = NULL;
	struct xsk_socket *xsk = NULL;
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct xdp_statistics xs = {};
	struct xdp_options xo = {};
	int ifindex, xsks_fd, cnt_fd, prog_fd, xsk_fd, err, opt, ncpu, ret = 3, attached = 0;
	unsigned int queue = 0;
	socklen_t optlen;
	void *buf;
	__u32 idx, i, n, key;

	while ((opt = getopt(argc, argv, "i:o:q:m:n:t:p:P:r:")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'o': objpath = optarg; break;
		case 'q': queue = atoi(optarg); break;
		case 'm': mode = optarg; break;
		case 'n': max = strtoull(optarg, NULL, 0); break;
		case 't': secs = atof(optarg); break;
		case 'p': udp_port = atoi(optarg); break;
		case 'P': pattern_len = hexpattern(optarg); if (pattern_len < 0) usage(); break;
		case 'r': ready = optarg; break;
		default: usage();
		}
	}
	if (!ifname || !objpath || (strcmp(mode, "zc") && strcmp(mode, "copy") && strcmp(mode, "auto")))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "xsk_rx: no interface %s\n", ifname);
		return 3;
	}

	obj = bpf_object__open_file(objpath, NULL);
	if (!obj || libbpf_get_error(obj)) {
		fprintf(stderr, "xsk_rx: cannot open %s\n", objpath);
		return 3;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "xsk_rx: loading %s: %s\n", objpath, strerror(-err));
		goto out;
	}
	prog = bpf_object__find_program_by_name(obj, "afxdp_redirect");
	xsks_fd = bpf_object__find_map_fd_by_name(obj, "xsks");
	cnt_fd = bpf_object__find_map_fd_by_name(obj, "counters");
	if (!prog || xsks_fd < 0 || cnt_fd < 0) {
		fprintf(stderr, "xsk_rx: %s lacks afxdp_redirect, xsks or counters\n", objpath);
		goto out;
	}
	prog_fd = bpf_program__fd(prog);

	buf = mmap(NULL, (size_t)NUM_FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED) {
		perror("xsk_rx: mmap");
		goto out;
	}
	{
		struct xsk_umem_config ucfg = {
			.fill_size = RING_SIZE,
			.comp_size = RING_SIZE,
			.frame_size = FRAME_SIZE,
			.frame_headroom = 0,
			.flags = 0,
		};
		err = xsk_umem__create(&umem, buf, (size_t)NUM_FRAMES * FRAME_SIZE, &fq, &cq, &ucfg);
		if (err) {
			fprintf(stderr, "xsk_rx: xsk_umem__create: %s\n", strerror(-err));
			goto out;
		}
	}
	/* Every frame to the fill ring before the bind: in zero-copy mode the driver fills its
	 * rx ring from it as soon as the queue is bound.
	 */
	n = xsk_ring_prod__reserve(&fq, NUM_FRAMES, &idx);
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&fq, idx + i) = (__u64)i * FRAME_SIZE;
	xsk_ring_prod__submit(&fq, n);
	{
		struct xsk_socket_config cfg = {
			.rx_size = RING_SIZE,
			.tx_size = 0,
			.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
			.xdp_flags = XDP_FLAGS_DRV_MODE,
			.bind_flags = !strcmp(mode, "zc") ? XDP_ZEROCOPY :
				      !strcmp(mode, "copy") ? XDP_COPY : 0,
		};
		err = xsk_socket__create(&xsk, ifname, queue, umem, &rx, NULL, &cfg);
		if (err) {
			printf("bind mode=%s failed err=%d (%s)\n", mode, err, strerror(-err));
			xsk = NULL;
			ret = 2;
			goto out;
		}
	}
	xsk_fd = xsk_socket__fd(xsk);
	optlen = sizeof(xo);
	if (getsockopt(xsk_fd, SOL_XDP, XDP_OPTIONS, &xo, &optlen))
		perror("xsk_rx: getsockopt XDP_OPTIONS");
	printf("bind mode=%s ok zerocopy=%d ifindex=%d queue=%u\n", mode,
	       !!(xo.flags & XDP_OPTIONS_ZEROCOPY), ifindex, queue);

	key = queue;
	err = bpf_map_update_elem(xsks_fd, &key, &xsk_fd, 0);
	if (err) {
		fprintf(stderr, "xsk_rx: xsks[%u] = socket: %s\n", queue, strerror(errno));
		goto out;
	}
	err = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (err) {
		fprintf(stderr, "xsk_rx: attaching the XDP program (driver mode): %s\n", strerror(-err));
		goto out;
	}
	attached = 1;
	if (ready) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0)
			close(fd);
	}

	t0 = now();
	while (!stop && st.rx < max && now() - t0 < secs) {
		struct pollfd pfd = { .fd = xsk_fd, .events = POLLIN };
		__u32 idx_rx = 0, idx_fq = 0;

		n = xsk_ring_cons__peek(&rx, BATCH, &idx_rx);
		if (!n) {
			if (poll(&pfd, 1, 100) < 0 && errno != EINTR) {
				perror("xsk_rx: poll");
				break;
			}
			continue;
		}
		if (!first)
			first = now();
		last = now();
		for (i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&rx, idx_rx + i);

			check_frame(xsk_umem__get_data(buf, d->addr), d->len);
		}
		/* Give the frames back (there is always room: we only return what we took). */
		while (xsk_ring_prod__reserve(&fq, n, &idx_fq) != n)
			;
		for (i = 0; i < n; i++)
			*xsk_ring_prod__fill_addr(&fq, idx_fq + i) =
				xsk_umem__extract_addr(xsk_ring_cons__rx_desc(&rx, idx_rx + i)->addr);
		xsk_ring_prod__submit(&fq, n);
		xsk_ring_cons__release(&rx, n);
	}

	optlen = sizeof(xs);
	if (getsockopt(xsk_fd, SOL_XDP, XDP_STATISTICS, &xs, &optlen))
		perror("xsk_rx: getsockopt XDP_STATISTICS");
	ncpu = libbpf_num_possible_cpus();
	if (ncpu > 0) {
		unsigned long long v[ncpu];
		int c;

		for (key = 0; key < 2; key++) {
			if (bpf_map_lookup_elem(cnt_fd, &key, v))
				continue;
			for (c = 0; c < ncpu; c++)
				*(key ? &seen : &redirected) += v[c];
		}
	}
	printf("rx=%llu icmp_ok=%llu udp_ok=%llu bad=%llu other=%llu bytes=%llu secs=%.2f "
	       "redirected=%llu seen=%llu xsk_rx_dropped=%llu xsk_rx_invalid=%llu "
	       "xsk_rx_ring_full=%llu xsk_fill_empty=%llu\n",
	       st.rx, st.icmp_ok, st.udp_ok, st.bad, st.other, st.bytes, last - first,
	       redirected, seen, (unsigned long long)xs.rx_dropped,
	       (unsigned long long)xs.rx_invalid_descs, (unsigned long long)xs.rx_ring_full,
	       (unsigned long long)xs.rx_fill_ring_empty_descs);
	ret = st.bad ? 1 : 0;
out:
	if (attached && bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL)) {
		fprintf(stderr, "xsk_rx: detaching the XDP program failed\n");
		ret = 3;
	}
	if (xsk)
		xsk_socket__delete(xsk);
	if (umem)
		xsk_umem__delete(umem);
	bpf_object__close(obj);
	return ret;
}
