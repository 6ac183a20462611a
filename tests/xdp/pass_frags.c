// SPDX-License-Identifier: GPL-2.0
/* XDP_PASS for every frame, multi-buffer aware (xdp.frags: allowed with MTU > ~3.5K). */
#include "edge_xdp.h"

SEC("xdp.frags")
int edge_pass_frags(struct xdp_md *ctx)
{
	return XDP_PASS;
}
