// SPDX-License-Identifier: GPL-2.0
/* XDP_PASS for every frame (single buffer). */
#include "edge_xdp.h"

SEC("xdp")
int edge_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
