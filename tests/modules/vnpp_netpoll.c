// SPDX-License-Identifier: GPL-2.0
/*
 * vnpp_netpoll: poll a netdev's NAPI instances the way netpoll (netconsole)
 * does when it cannot transmit, with a budget of 0 and interrupts off, as
 * many times as asked:
 *
 *   echo "eth1 1000" > /sys/kernel/debug/vnpp_netpoll/poll
 *
 * The device is looked up in the writer's network namespace. The write sets
 * up a netpoll instance on it (which needs an IPv4 address on the device),
 * calls netpoll_poll_dev() COUNT times, each under local_irq_save(), and
 * tears the netpoll instance down. Netconsole only reaches this path when
 * the device's transmit queue is full, which a test cannot arrange at will;
 * what a driver does at budget 0 is then seen with kprobes (the workbench's
 * tests/guest/netpoll.sh) and, on a debug kernel, by lockdep.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netpoll.h>
#include <linux/string.h>

static struct dentry *vnpp_netpoll_dir;

static ssize_t vnpp_netpoll_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct netpoll np = { .name = "vnpp_netpoll" };
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

	strscpy(np.dev_name, name, sizeof(np.dev_name));
	err = netpoll_setup(&np);
	if (err)
		return err;

	for (i = 0; i < n; i++) {
		local_irq_save(flags);
		netpoll_poll_dev(np.dev);
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

static int __init vnpp_netpoll_init(void)
{
	vnpp_netpoll_dir = debugfs_create_dir("vnpp_netpoll", NULL);
	debugfs_create_file("poll", 0200, vnpp_netpoll_dir, NULL,
			    &vnpp_netpoll_fops);
	return 0;
}

static void __exit vnpp_netpoll_exit(void)
{
	debugfs_remove_recursive(vnpp_netpoll_dir);
}

module_init(vnpp_netpoll_init);
module_exit(vnpp_netpoll_exit);
MODULE_DESCRIPTION("Poll a netdev with budget 0, as netpoll does (workbench test module)");
MODULE_LICENSE("GPL");
