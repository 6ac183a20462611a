// SPDX-License-Identifier: GPL-2.0
/* XDP_DROP for UDP to EDGE_PORT, XDP_PASS for the rest (drop_frags.o: multi-buffer, EDGE_SEC). */
#include "edge_xdp.h"

EDGE_SEC
int edge_drop(struct xdp_md *ctx)
{
	return edge_match(ctx) ? XDP_DROP : XDP_PASS;
}
