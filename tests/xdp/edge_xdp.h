/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the XDP programs of tests/guest/xdp.sh and integrity.sh, built with
 * `clang -O2 -target bpf -c` on the host (scripts/bpf.sh). Each program acts on IPv4 UDP
 * datagrams to port EDGE_PORT only and passes everything else (ARP, TCP, ICMP...), so the
 * wiring keeps working while it is attached.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef EDGE_PORT
#define EDGE_PORT 9999
#endif

/* The section of a program that takes multi-buffer frames where it is built with -DEDGE_FRAGS
 * (scripts/bpf.sh builds each program with EDGE_SEC twice: <name>.o and <name>_frags.o).
 */
#ifdef EDGE_FRAGS
#define EDGE_SEC SEC("xdp.frags")
#else
#define EDGE_SEC SEC("xdp")
#endif

/* The Ethernet header if the frame is an IPv4 UDP datagram to EDGE_PORT, else NULL. */
static __always_inline struct ethhdr *edge_match(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
		return NULL;
	if (ip->frag_off & bpf_htons(0x3fff))	/* fragments: only the first has the port */
		return NULL;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > end || udp->dest != bpf_htons(EDGE_PORT))
		return NULL;
	return eth;
}

static __always_inline void edge_swap_macs(struct ethhdr *eth)
{
	unsigned char tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

char _license[] SEC("license") = "GPL";
