// SPDX-License-Identifier: GPL-2.0
/*
 * vnpp_netpoll: poll a netdev's NAPI instances the way netpoll (netconsole)
 * does when it cannot transmit, with a budget of 0 and interrupts off, as
 * many times as asked:
 *
 *   echo "eth1 1000" > /sys/kernel/debug/vnpp_netpoll/poll
 *
 * The device is looked up in the writer's network namespace. The write sets
 * up a netpoll instance on it (the device must be up),
 * calls netpoll_poll_dev() COUNT times, each under local_irq_save(), and
 * tears the netpoll instance down. Netconsole only reaches this path when
 * the device's transmit queue is full, which a test cannot arrange at will;
 * what a driver does at budget 0 is then seen with kprobes (the workbench's
 * tests/guest/netpoll.sh) and, on a debug kernel, by lockdep.
 *
 * The module watches the page pool's allocation and release entry points
 * itself: /sys/kernel/debug/vnpp_netpoll/pp_calls counts the calls made
 * inside those polls (interrupts off), "alloc=N put=N", which a driver must
 * never make (Documentation/networking/napi.rst); each write to poll starts
 * the counts anew.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netpoll.h>
#include <linux/nsproxy.h>
#include <linux/rtnetlink.h>
#include <linux/seq_file.h>
#include <linux/string.h>

static struct dentry *vnpp_netpoll_dir;
static DEFINE_PER_CPU(bool, vnpp_polling);
static atomic_t vnpp_pp_allocs, vnpp_pp_puts;

static int vnpp_pp_alloc_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (this_cpu_read(vnpp_polling))
		atomic_inc(&vnpp_pp_allocs);
	return 0;
}

static int vnpp_pp_put_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (this_cpu_read(vnpp_polling))
		atomic_inc(&vnpp_pp_puts);
	return 0;
}

/* page pool entry points: those the running kernel has are probed */
static struct kprobe vnpp_pp_kps[] = {
	{ .symbol_name = "page_pool_alloc_netmems", .pre_handler = vnpp_pp_alloc_pre },
	{ .symbol_name = "page_pool_alloc_frag_netmem", .pre_handler = vnpp_pp_alloc_pre },
	{ .symbol_name = "page_pool_alloc_pages", .pre_handler = vnpp_pp_alloc_pre },
	{ .symbol_name = "page_pool_alloc_frag", .pre_handler = vnpp_pp_alloc_pre },
	{ .symbol_name = "page_pool_put_unrefed_netmem", .pre_handler = vnpp_pp_put_pre },
	{ .symbol_name = "page_pool_put_unrefed_page", .pre_handler = vnpp_pp_put_pre },
};
static bool vnpp_pp_registered[ARRAY_SIZE(vnpp_pp_kps)];

static ssize_t vnpp_netpoll_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct netpoll np = { .name = "vnpp_netpoll" };
	struct net_device *dev;
	char buf[64], name[IFNAMSIZ];
	unsigned long flags;
	unsigned int i, n;
	int err;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%15s %u", name, &n) != 2 || !n)
		return -EINVAL;

	/* what netconsole does for an interface that is up, which 7.x no
	 * longer exports as netpoll_setup()
	 */
	dev = netdev_get_by_name(current->nsproxy->net_ns, name,
				 &np.dev_tracker, GFP_KERNEL);
	if (!dev)
		return -ENODEV;
	rtnl_lock();
	err = __netpoll_setup(&np, dev);
	rtnl_unlock();
	if (err) {
		netdev_put(dev, &np.dev_tracker);
		return err;
	}
	/* A NAPI poll already running in softirq read dev->npinfo as NULL and
	 * so did not take the instance's poll_owner: polling it now would set
	 * NAPI_STATE_NPSVC under it, its napi_complete_done() would fail, and
	 * the instance would stay scheduled on no list, hanging the next
	 * napi_disable() (seen under a flood, 7.3 and 6.12 alike). Let those
	 * polls finish first.
	 */
	synchronize_net();

	atomic_set(&vnpp_pp_allocs, 0);
	atomic_set(&vnpp_pp_puts, 0);
	for (i = 0; i < n; i++) {
		local_irq_save(flags);
		this_cpu_write(vnpp_polling, true);
		netpoll_poll_dev(np.dev);
		this_cpu_write(vnpp_polling, false);
		local_irq_restore(flags);
		udelay(20);
		cond_resched();
	}

	netpoll_cleanup(&np);
	return count;
}

static const struct file_operations vnpp_netpoll_fops = {
	.owner = THIS_MODULE,
	.write = vnpp_netpoll_write,
};

static int vnpp_pp_calls_show(struct seq_file *m, void *v)
{
	seq_printf(m, "alloc=%d put=%d\n", atomic_read(&vnpp_pp_allocs),
		   atomic_read(&vnpp_pp_puts));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vnpp_pp_calls);

static void vnpp_pp_unregister(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(vnpp_pp_kps); i++)
		if (vnpp_pp_registered[i])
			unregister_kprobe(&vnpp_pp_kps[i]);
}

static int __init vnpp_netpoll_init(void)
{
	int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(vnpp_pp_kps); i++) {
		vnpp_pp_registered[i] = !register_kprobe(&vnpp_pp_kps[i]);
		n += vnpp_pp_registered[i];
	}
	if (!n)
		return -ENOENT;
	vnpp_netpoll_dir = debugfs_create_dir("vnpp_netpoll", NULL);
	debugfs_create_file("poll", 0200, vnpp_netpoll_dir, NULL,
			    &vnpp_netpoll_fops);
	debugfs_create_file("pp_calls", 0444, vnpp_netpoll_dir, NULL,
			    &vnpp_pp_calls_fops);
	return 0;
}

static void __exit vnpp_netpoll_exit(void)
{
	debugfs_remove_recursive(vnpp_netpoll_dir);
	vnpp_pp_unregister();
}

module_init(vnpp_netpoll_init);
module_exit(vnpp_netpoll_exit);
MODULE_DESCRIPTION("Poll a netdev with budget 0, as netpoll does (workbench test module)");
MODULE_LICENSE("GPL");
