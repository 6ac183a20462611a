// SPDX-License-Identifier: GPL-2.0
/* XDP_TX for UDP to EDGE_PORT, MAC addresses swapped (the frame goes back to its sender, which
 * counts it and drops it: the IP addresses are left alone), XDP_PASS for the rest.
 */
#include "edge_xdp.h"

EDGE_SEC
int edge_tx(struct xdp_md *ctx)
{
	struct ethhdr *eth = edge_match(ctx);

	if (!eth)
		return XDP_PASS;
	edge_swap_macs(eth);
	return XDP_TX;
}
