// SPDX-License-Identifier: GPL-2.0
/* XDP program of tests/guest/afxdp.sh, loaded by xsk_rx.c (built in the guest with
 * `clang -O2 -g -target bpf`). It redirects to the AF_XDP socket of the receive queue
 * (xsks[rx_queue_index]) only the test traffic:
 *   - IPv4 UDP datagrams to port AFXDP_PORT with more than AFXDP_MIN_UDP payload bytes
 *     (iperf3 -u data; its 4-byte connect datagram and the TCP control connection pass),
 *   - IPv4 ICMP echo requests of at least AFXDP_MIN_ICMP bytes (ping -s 1000), not the small
 *     ones of vn_ping,
 * and passes everything else (ARP, IPv6 ND, TCP...), so the wiring and iperf3's control
 * connection keep working while the socket is bound. bpf_redirect_map() falls back to XDP_PASS
 * when the queue has no socket in the map. counters[0] counts the frames redirected,
 * counters[1] the frames seen.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef AFXDP_PORT
#define AFXDP_PORT 5201
#endif
#define AFXDP_MIN_UDP 64
#define AFXDP_ICMP_ECHO 8
#define AFXDP_MIN_ICMP 256

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 i)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &i);

	if (c)
		*c += 1;
}

static __always_inline int is_test_traffic(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 *icmp;	/* type, code, checksum...: linux/icmp.h would pull in libc headers */
	struct udphdr *udp;
	struct iphdr *ip;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl != 5 || (ip->frag_off & bpf_htons(0x3fff)))
		return 0;
	if (ip->protocol == IPPROTO_UDP) {
		udp = (void *)(ip + 1);
		return (void *)(udp + 1) <= end && udp->dest == bpf_htons(AFXDP_PORT) &&
		       bpf_ntohs(udp->len) > sizeof(*udp) + AFXDP_MIN_UDP;
	}
	if (ip->protocol == IPPROTO_ICMP) {
		icmp = (void *)(ip + 1);
		return (void *)(icmp + 8) <= end && icmp[0] == AFXDP_ICMP_ECHO &&
		       bpf_ntohs(ip->tot_len) >= AFXDP_MIN_ICMP;
	}
	return 0;
}

SEC("xdp")
int afxdp_redirect(struct xdp_md *ctx)
{
	count(1);
	if (!is_test_traffic(ctx))
		return XDP_PASS;
	count(0);
	return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
}

char _license[] SEC("license") = "GPL";
