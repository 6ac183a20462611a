// SPDX-License-Identifier: GPL-2.0
/*
 * vnpp_rxlen: a device that lies about the length of what it received.
 *
 * For the receive queues ("input.N") of one virtio device, COUNT times in
 * all, the first buffer the driver takes back after EVERY others is reported
 * with a used length 64 bytes beyond the buffer the driver posted (still
 * inside its page, so that nothing but the driver's own checks stands in
 * the way; a buffer too close to the end of its page is passed over):
 *
 *   echo "virtio1 200 7" > /sys/kernel/debug/vnpp_rxlen/lie   (counts reset)
 *   echo "virtio1 0 1" > /sys/kernel/debug/vnpp_rxlen/lie     (stop)
 *   cat /sys/kernel/debug/vnpp_rxlen/stats
 *   lies=200 synced_lies=0 synced=5120
 *
 * The posted length of each buffer is read where the driver adds it
 * (virtqueue_add_inbuf_ctx(), virtqueue_add_inbuf_premapped()), the used
 * length is rewritten where virtqueue_get_buf_ctx() returns it, and
 * __dma_sync_single_for_cpu() is watched on the same CPU until the next
 * buffer: "synced" counts syncs of a buffer with the length the device
 * gave, "synced_lies" those where that length was a lie. A driver must
 * check the length against the buffer before it syncs: synced_lies stays
 * 0. "synced" shows the driver syncs at all in this set-up (the DMA API
 * with bouncing or a debug kernel; on a coherent device without them
 * nothing calls the sync).
 */
#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>

#define VNPP_LIE_EXTRA	64
#define VNPP_TBL_BITS	13

static char target[32];
static atomic_t lies_left = ATOMIC_INIT(0);
static unsigned int every = 1;
static atomic_t seen, lies, synced, synced_lies;

/* posted length by buffer (the driver's data token), for the target's input queues */
static struct { const void *data; unsigned int len; } posted[1 << VNPP_TBL_BITS];
static DEFINE_SPINLOCK(posted_lock);

/* per CPU: the length last handed to the driver, and whether it was a lie */
struct vnpp_expect { unsigned int len; bool lie; };
static DEFINE_PER_CPU(struct vnpp_expect, expect);

static bool is_target_rx(struct virtqueue *vq)
{
	return target[0] && !strncmp(vq->name, "input.", 6) &&
	       !strcmp(dev_name(&vq->vdev->dev), target);
}

static void posted_set(const void *data, unsigned int len)
{
	unsigned long flags;
	u32 i = hash_ptr(data, VNPP_TBL_BITS);

	spin_lock_irqsave(&posted_lock, flags);
	posted[i].data = data;
	posted[i].len = len;
	spin_unlock_irqrestore(&posted_lock, flags);
}

static unsigned int posted_get(const void *data)
{
	unsigned long flags;
	u32 i = hash_ptr(data, VNPP_TBL_BITS);
	unsigned int len = 0;

	spin_lock_irqsave(&posted_lock, flags);
	if (posted[i].data == data)
		len = posted[i].len;
	spin_unlock_irqrestore(&posted_lock, flags);
	return len;
}

/* virtqueue_add_inbuf_ctx(vq, sg, num, data, ctx, gfp) and _premapped(): same arguments */
static int add_pre(struct kprobe *p, struct pt_regs *regs, bool premapped)
{
	struct virtqueue *vq = (void *)regs_get_kernel_argument(regs, 0);
	struct scatterlist *sg = (void *)regs_get_kernel_argument(regs, 1);
	unsigned int num = regs_get_kernel_argument(regs, 2);
	void *data = (void *)regs_get_kernel_argument(regs, 3);

	if (num == 1 && is_target_rx(vq))
		posted_set(data, premapped ? sg_dma_len(sg) : sg->length);
	return 0;
}

static int add_ctx_pre(struct kprobe *p, struct pt_regs *regs)
{
	return add_pre(p, regs, false);
}

static int add_premapped_pre(struct kprobe *p, struct pt_regs *regs)
{
	return add_pre(p, regs, true);
}

/* virtqueue_get_buf_ctx(vq, len, ctx) */
struct get_data { struct virtqueue *vq; unsigned int *len; };

static int get_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct get_data *d = (void *)ri->data;

	d->vq = (void *)regs_get_kernel_argument(regs, 0);
	d->len = (void *)regs_get_kernel_argument(regs, 1);
	return 0;
}

static int get_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct get_data *d = (void *)ri->data;
	void *buf = (void *)regs_return_value(regs);
	struct vnpp_expect *e = this_cpu_ptr(&expect);
	unsigned int plen;

	if (!buf || !d->len || !is_target_rx(d->vq))
		return 0;
	e->len = *d->len;
	e->lie = false;
	if (atomic_inc_return(&seen) < every || atomic_read(&lies_left) <= 0)
		return 0;
	/* a buffer that ends too close to its page's end: the next one */
	plen = posted_get(buf);
	if (!plen || offset_in_page(buf) + plen + VNPP_LIE_EXTRA > PAGE_SIZE)
		return 0;
	if (atomic_dec_if_positive(&lies_left) < 0)
		return 0;
	atomic_set(&seen, 0);
	*d->len = plen + VNPP_LIE_EXTRA;
	e->len = *d->len;
	e->lie = true;
	atomic_inc(&lies);
	return 0;
}

/* __dma_sync_single_for_cpu(dev, addr, size, dir) */
static int sync_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct vnpp_expect *e = this_cpu_ptr(&expect);
	size_t size = regs_get_kernel_argument(regs, 2);

	if (!e->len || size != e->len)
		return 0;
	atomic_inc(e->lie ? &synced_lies : &synced);
	e->len = 0;
	return 0;
}

static struct kprobe add_ctx_kp = {
	.symbol_name = "virtqueue_add_inbuf_ctx", .pre_handler = add_ctx_pre,
};

static struct kprobe add_premapped_kp = {
	.symbol_name = "virtqueue_add_inbuf_premapped", .pre_handler = add_premapped_pre,
};

static struct kprobe sync_kp = {
	.symbol_name = "__dma_sync_single_for_cpu", .pre_handler = sync_pre,
};

static struct kretprobe get_krp = {
	.kp.symbol_name = "virtqueue_get_buf_ctx",
	.entry_handler = get_entry, .handler = get_ret,
	.data_size = sizeof(struct get_data), .maxactive = 64,
};

static bool premapped_registered;

static ssize_t lie_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	char buf[64], name[sizeof(target)];
	unsigned int n, k;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%31s %u %u", name, &n, &k) != 3 || !k)
		return -EINVAL;
	atomic_set(&lies_left, 0);
	if (!n)		/* stop lying, keep the counts */
		return count;
	every = k;
	atomic_set(&seen, 0);
	atomic_set(&lies, 0);
	atomic_set(&synced, 0);
	atomic_set(&synced_lies, 0);
	strscpy(target, name, sizeof(target));
	atomic_set(&lies_left, n);
	return count;
}

static int stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "lies=%d synced_lies=%d synced=%d\n", atomic_read(&lies),
		   atomic_read(&synced_lies), atomic_read(&synced));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static const struct file_operations lie_fops = {
	.owner = THIS_MODULE,
	.write = lie_write,
};

static struct dentry *dir;

static int __init vnpp_rxlen_init(void)
{
	int err;

	err = register_kprobe(&add_ctx_kp);
	if (err)
		return err;
	/* older kernels have no premapped receive buffers */
	premapped_registered = !register_kprobe(&add_premapped_kp);
	err = register_kprobe(&sync_kp);
	if (err)
		goto err_add;
	err = register_kretprobe(&get_krp);
	if (err)
		goto err_sync;
	dir = debugfs_create_dir("vnpp_rxlen", NULL);
	debugfs_create_file("lie", 0200, dir, NULL, &lie_fops);
	debugfs_create_file("stats", 0444, dir, NULL, &stats_fops);
	return 0;

err_sync:
	unregister_kprobe(&sync_kp);
err_add:
	if (premapped_registered)
		unregister_kprobe(&add_premapped_kp);
	unregister_kprobe(&add_ctx_kp);
	return err;
}

static void __exit vnpp_rxlen_exit(void)
{
	debugfs_remove_recursive(dir);
	unregister_kretprobe(&get_krp);
	unregister_kprobe(&sync_kp);
	if (premapped_registered)
		unregister_kprobe(&add_premapped_kp);
	unregister_kprobe(&add_ctx_kp);
}

module_init(vnpp_rxlen_init);
module_exit(vnpp_rxlen_exit);
MODULE_DESCRIPTION("virtio device that reports used lengths beyond the posted buffer");
MODULE_LICENSE("GPL");
