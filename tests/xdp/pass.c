// SPDX-License-Identifier: GPL-2.0
/* XDP_PASS for every frame (pass_frags.o: multi-buffer ones too, EDGE_SEC). */
#include "edge_xdp.h"

EDGE_SEC
int edge_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
