// SPDX-License-Identifier: GPL-2.0
/* XDP_DROP for UDP to EDGE_PORT, XDP_PASS for the rest. */
#include "edge_xdp.h"

SEC("xdp")
int edge_drop(struct xdp_md *ctx)
{
	return edge_match(ctx) ? XDP_DROP : XDP_PASS;
}
