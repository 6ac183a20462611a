// SPDX-License-Identifier: GPL-2.0
/* XDP_REDIRECT (bpf_redirect) of UDP to EDGE_PORT to the netdev with ifindex EDGE_VETH_IFINDEX
 * (tests/guest/xdp.sh creates a veth with that index in the receiving NIC's netns), XDP_PASS
 * for the rest.
 */
#include "edge_xdp.h"

#ifndef EDGE_VETH_IFINDEX
#define EDGE_VETH_IFINDEX 900
#endif

SEC("xdp")
int edge_redirect_veth(struct xdp_md *ctx)
{
	if (!edge_match(ctx))
		return XDP_PASS;
	return bpf_redirect(EDGE_VETH_IFINDEX, 0);
}
