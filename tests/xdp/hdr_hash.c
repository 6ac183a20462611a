// SPDX-License-Identifier: GPL-2.0
/* For UDP to EDGE_PORT, read the virtio header where virtio_net's
 * bpf_xdp_metadata_rx_hash() reads it: struct virtio_net_hdr_v1_hash, the header
 * of a device with VIRTIO_NET_F_HASH_REPORT, right before xdp->data. These kernels
 * have no BTF, so the program cannot call that kfunc itself; it moves data back over
 * the header instead and counts in hdr_hash_hits: [0] the datagrams seen, [1] those
 * whose hash_report there is set (a hash type; 0 is VIRTIO_NET_HASH_REPORT_NONE).
 * Passes everything.
 */
#include "edge_xdp.h"

#define VNET_HDR_HASH_LEN	20	/* sizeof(struct virtio_net_hdr_v1_hash) */
#define VNET_HASH_REPORT_OFF	16	/* offsetof(..., hash_report): le16 */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} hdr_hash_hits SEC(".maps");

static __always_inline void count(__u32 key)
{
	__u64 *n = bpf_map_lookup_elem(&hdr_hash_hits, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("xdp")
int edge_hdr_hash(struct xdp_md *ctx)
{
	__u16 report = 0;
	__u8 *data;

	if (!edge_match(ctx))
		return XDP_PASS;
	count(0);
	if (bpf_xdp_adjust_head(ctx, -VNET_HDR_HASH_LEN))
		return XDP_PASS;
	data = (void *)(long)ctx->data;
	if ((void *)(data + VNET_HDR_HASH_LEN) <= (void *)(long)ctx->data_end)
		report = data[VNET_HASH_REPORT_OFF] | data[VNET_HASH_REPORT_OFF + 1] << 8;
	if (bpf_xdp_adjust_head(ctx, VNET_HDR_HASH_LEN))
		return XDP_DROP;	/* cannot happen: it was moved by as much */
	if (report)
		count(1);
	return XDP_PASS;
}
