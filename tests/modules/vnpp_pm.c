// SPDX-License-Identifier: GPL-2.0
/*
 * vnpp_pm: run virtio's system sleep callbacks, freeze then restore, on one
 * virtio-net device, as the PM core does on suspend and resume (through
 * virtio_pci_freeze()/virtio_pci_restore()), without suspending the guest:
 * the workbench guest's root is 9p, whose virtio transport has no
 * freeze/restore callbacks and would not come back from a real suspend.
 *
 *   echo virtio3 > /sys/kernel/debug/vnpp_pm/cycle
 *
 * The write takes the virtio device's name (whatever netns its netdev is in),
 * holds the device lock as the PM core does, calls virtio_device_freeze() and
 * virtio_device_restore(), and fails with their error. The PCI-level steps of
 * virtio_pci (pci_disable_device() and back) are left out: they are not the
 * driver's.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/string.h>
#include <linux/virtio.h>
#include <net/net_namespace.h>

static struct dentry *vnpp_pm_dir;

/* The device behind a netdev named after it, with a reference, or NULL */
static struct device *vnpp_pm_find(const char *name)
{
	struct net_device *ndev;
	struct device *dev;
	struct net *net;

	rcu_read_lock();
	for_each_net_rcu(net) {
		for_each_netdev_rcu(net, ndev) {
			dev = ndev->dev.parent;
			if (dev && !strcmp(dev_name(dev), name)) {
				get_device(dev);
				rcu_read_unlock();
				return dev;
			}
		}
	}
	rcu_read_unlock();
	return NULL;
}

static ssize_t vnpp_pm_cycle_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	char buf[32], *name;
	struct virtio_device *vdev;
	struct device *dev;
	int err;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	name = strim(buf);

	dev = vnpp_pm_find(name);
	if (!dev)
		return -ENODEV;

	device_lock(dev);
	if (!dev->bus || strcmp(dev->bus->name, "virtio") || !dev->driver ||
	    strcmp(dev->driver->name, "virtio_net")) {
		err = -ENODEV;
		goto out;
	}
	vdev = dev_to_virtio(dev);
	err = virtio_device_freeze(vdev);
	if (!err)
		err = virtio_device_restore(vdev);
out:
	device_unlock(dev);
	put_device(dev);
	return err ? err : len;
}

static const struct file_operations vnpp_pm_cycle_fops = {
	.owner = THIS_MODULE,
	.write = vnpp_pm_cycle_write,
};

static int __init vnpp_pm_init(void)
{
	vnpp_pm_dir = debugfs_create_dir("vnpp_pm", NULL);
	debugfs_create_file("cycle", 0200, vnpp_pm_dir, NULL, &vnpp_pm_cycle_fops);
	return 0;
}

static void __exit vnpp_pm_exit(void)
{
	debugfs_remove_recursive(vnpp_pm_dir);
}

module_init(vnpp_pm_init);
module_exit(vnpp_pm_exit);
MODULE_DESCRIPTION("virtio-net freeze/restore trigger for the workbench");
MODULE_LICENSE("GPL");
