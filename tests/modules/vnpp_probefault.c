// SPDX-License-Identifier: GPL-2.0
/*
 * vnpp_probefault: fail the Nth fault-injection point (slab or page
 * allocation) that a task reaches after its first successful
 * page_pool_create(), so that a sweep over N hits the failure points of
 * virtnet_probe() from the moment a page pool exists, and only those.
 *
 * /proc/<pid>/fail-nth alone counts from the start of the bind: it then also
 * fails the transport's IRQ and MSI-X set-up, where this kernel's generic
 * IRQ code WARNs in remove_proc_entry(). A return probe on page_pool_create() arms the task's own
 * fail_nth instead, once per write of nth:
 *
 *   echo $$ > /sys/module/vnpp_probefault/parameters/pid
 *   echo N  > /sys/module/vnpp_probefault/parameters/nth   (clears armed)
 *   echo virtio1 > /sys/bus/virtio/drivers/virtio_net/bind
 *   cat /sys/module/vnpp_probefault/parameters/armed        (Y: armed)
 *   cat /proc/self/fail-nth   (0 once armed: the Nth point failed; more: it was never reached)
 *   cat /sys/module/vnpp_probefault/parameters/pools        (references held)
 *
 * The task must clear its fail-nth itself if it was never reached. pools
 * counts the references to page pools taken since the module was loaded
 * (page_pool_create(), and page_pool_use_xdp_mem() when a pool becomes an
 * XDP memory model) less those dropped (page_pool_destroy(), which
 * xdp_unreg_mem_model() calls too): a pool left behind by a failed probe
 * shows there even when no netdev lists it (page-pool-get only finds pools
 * through registered netdevs).
 */
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sysfs.h>

static int pid;
module_param(pid, int, 0644);
MODULE_PARM_DESC(pid, "the task whose first page_pool_create() arms the failure");

static bool armed;
module_param(armed, bool, 0444);
MODULE_PARM_DESC(armed, "the task created a pool since nth was written: its fail_nth was set");

static atomic_t pools = ATOMIC_INIT(0);

static int vnpp_probefault_get_pools(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&pools));
}

static const struct kernel_param_ops vnpp_probefault_pools_ops = {
	.get = vnpp_probefault_get_pools,
};

module_param_cb(pools, &vnpp_probefault_pools_ops, NULL, 0444);
MODULE_PARM_DESC(pools, "page pool references taken since load less those dropped");

static unsigned int nth;

static int vnpp_probefault_set_nth(const char *val, const struct kernel_param *kp)
{
	int err = param_set_uint(val, kp);

	if (!err)
		WRITE_ONCE(armed, false);
	return err;
}

static const struct kernel_param_ops vnpp_probefault_nth_ops = {
	.set = vnpp_probefault_set_nth,
	.get = param_get_uint,
};

module_param_cb(nth, &vnpp_probefault_nth_ops, &nth, 0644);
MODULE_PARM_DESC(nth, "which fault-injection point after the first pool fails (0: none)");

static int vnpp_probefault_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (IS_ERR_OR_NULL((void *)regs_return_value(regs)))
		return 0;
	atomic_inc(&pools);
	if (!READ_ONCE(nth) || READ_ONCE(armed) || task_pid_nr(current) != READ_ONCE(pid))
		return 0;
	WRITE_ONCE(current->fail_nth, READ_ONCE(nth));
	WRITE_ONCE(armed, true);
	return 0;
}

static struct kretprobe vnpp_probefault_kretprobe = {
	.kp.symbol_name = "page_pool_create",
	.handler = vnpp_probefault_ret,
};

static int vnpp_probefault_destroy(struct kprobe *kp, struct pt_regs *regs)
{
	if (regs_get_kernel_argument(regs, 0))
		atomic_dec(&pools);
	return 0;
}

static int vnpp_probefault_use_xdp_mem(struct kprobe *kp, struct pt_regs *regs)
{
	atomic_inc(&pools);
	return 0;
}

static struct kprobe vnpp_probefault_destroy_kprobe = {
	.symbol_name = "page_pool_destroy",
	.pre_handler = vnpp_probefault_destroy,
};

static struct kprobe vnpp_probefault_use_kprobe = {
	.symbol_name = "page_pool_use_xdp_mem",
	.pre_handler = vnpp_probefault_use_xdp_mem,
};

static struct kprobe *vnpp_probefault_kprobes[] = {
	&vnpp_probefault_destroy_kprobe,
	&vnpp_probefault_use_kprobe,
};

static int __init vnpp_probefault_init(void)
{
	int err = register_kprobes(vnpp_probefault_kprobes,
				   ARRAY_SIZE(vnpp_probefault_kprobes));

	if (err)
		return err;
	err = register_kretprobe(&vnpp_probefault_kretprobe);
	if (err)
		unregister_kprobes(vnpp_probefault_kprobes,
				   ARRAY_SIZE(vnpp_probefault_kprobes));
	return err;
}

static void __exit vnpp_probefault_exit(void)
{
	unregister_kretprobe(&vnpp_probefault_kretprobe);
	unregister_kprobes(vnpp_probefault_kprobes,
			   ARRAY_SIZE(vnpp_probefault_kprobes));
}

module_init(vnpp_probefault_init);
module_exit(vnpp_probefault_exit);
MODULE_DESCRIPTION("fail the Nth allocation after a task's first page pool, for probe error paths");
MODULE_LICENSE("GPL");
