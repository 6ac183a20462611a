// SPDX-License-Identifier: GPL-2.0
/* XDP_REDIRECT (bpf_redirect) of UDP to EDGE_PORT back out of the NIC it came in on, MAC
 * addresses swapped so that it reaches its sender (through ndo_xdp_xmit, unlike XDP_TX),
 * XDP_PASS for the rest.
 */
#include "edge_xdp.h"

EDGE_SEC
int edge_redirect_self(struct xdp_md *ctx)
{
	struct ethhdr *eth = edge_match(ctx);

	if (!eth)
		return XDP_PASS;
	edge_swap_macs(eth);
	return bpf_redirect(ctx->ingress_ifindex, 0);
}
