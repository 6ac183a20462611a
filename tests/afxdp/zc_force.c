// SPDX-License-Identifier: GPL-2.0
/* Test-only helper of tests/guest/afxdp.sh (AFXDP_FORCE_ZC=1, never in CI): makes the netdev
 * named by ifname= (in the initial netns) advertise NETDEV_XDP_ACT_XSK_ZEROCOPY, which
 * virtio_net in 6.12 never sets, so that an XDP_ZEROCOPY bind reaches the driver's
 * ndo_bpf(XDP_SETUP_XSK_POOL) instead of failing with EOPNOTSUPP in xp_assign_dev(). The flag
 * stays when the module is removed (it does nothing else), and goes with the netdev.
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>
#include <net/xdp.h>

static char *ifname;
module_param(ifname, charp, 0);
MODULE_PARM_DESC(ifname, "the netdev to advertise xsk-zerocopy");

static int __init zc_force_init(void)
{
	struct net_device *dev;

	if (!ifname)
		return -EINVAL;
	rtnl_lock();
	dev = __dev_get_by_name(&init_net, ifname);
	if (!dev) {
		rtnl_unlock();
		return -ENODEV;
	}
	xdp_set_features_flag(dev, dev->xdp_features | NETDEV_XDP_ACT_XSK_ZEROCOPY);
	netdev_info(dev, "zc_force: xdp_features %#x (xsk-zerocopy forced, test only)\n",
		    dev->xdp_features);
	rtnl_unlock();
	return 0;
}

static void __exit zc_force_exit(void)
{
}

module_init(zc_force_init);
module_exit(zc_force_exit);
MODULE_DESCRIPTION("afxdp test helper: force NETDEV_XDP_ACT_XSK_ZEROCOPY on a netdev");
MODULE_LICENSE("GPL");
