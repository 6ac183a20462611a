// SPDX-License-Identifier: GPL-2.0
/*
 * vduse_net: two VDUSE virtio-net devices joined by a wire, in one userspace process.
 *
 * What NIC A transmits is received by NIC B and the other way round: the virtio_net_hdr and
 * the frame are copied from A's TX chain into one (small, big) or several (mergeable) RX
 * buffers of B, num_buffers set; dropped when B has no RX buffer. An RX buffer is a chain of
 * writable descriptors, filled in order: one descriptor in mergeable and small mode; in big
 * packets mode (no MRG_RXBUF, and --mtu above 1500 as no guest GSO is offered) the header
 * alone, the rest of the first page, then whole pages. Split ring, no indirect descriptors,
 * one queue pair (6.12 refuses CTRL_VQ for VDUSE net). Event index offered
 * (--no-event-idx: not): avail_event is kept at what was taken, interrupts are sent always
 * (spurious ones are allowed), used_event tells the rewrite case when the driver took a buffer.
 *
 * The driver side sees devices created with `vdpa dev add name vduseA mgmtdev vduse` (and
 * vduseB): virtio_vdpa binds them, virtio_net drives them.
 *
 * Hostile mode: on B's RX side, every Nth packet for a bounded number of times, do something
 * a broken or malicious device would do (see usage()), then deliver the packet normally. On a
 * chain the cases mean what they do on a single buffer (lengths are over the whole chain),
 * but for rewrite, which needs two buffers on one page and is skipped.
 * Commands on the control fifo (--ctl PATH), one a line:
 *   hostile CASE [EVERY [COUNT]]   switch to that case (none: well behaved)
 *   stats                          print the counters (one "stats ..." line on stdout)
 * SIGTERM/SIGINT: print the counters, destroy the devices, exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/vduse.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#define NVQ 2			/* rx 0, tx 1 */
#define QSIZE 256
#define MAXMAPS 64
#define HDR_LEN sizeof(struct virtio_net_hdr_mrg_rxbuf)	/* VERSION_1: always 12 */
#define MAXPKT (HDR_LEN + 65536)
#define MIN(a, b) ((a) < (b) ? (a) : (b))

struct map { uint64_t start, last; uint8_t *va; };

struct vq {
	bool ready;
	uint32_t num;
	uint16_t last_avail, used_idx;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	int kickfd;
	bool need_irq;
};

struct dev {
	const char *name;
	int fd;
	uint8_t status;
	uint64_t features;
	struct vq vq[NVQ];
	struct map maps[MAXMAPS];
	int nmaps;
	struct dev *peer;
};

/* One RX buffer taken from the avail ring: its head, its segments (a chain of at most a ring's
 * worth of descriptors) in order, how much they hold in all. */
struct rxseg { uint64_t iova; uint8_t *va; uint32_t len; };
struct rxbuf { uint16_t head, nseg; uint32_t cap; struct rxseg seg[QSIZE]; };

enum hostile {
	H_NONE, H_LEN_PLUS8, H_LEN_PLUS4096, H_LEN_MAX, H_LEN0, H_LEN_SHORT, H_NBUF_OVER,
	H_NBUF_RING, H_NBUF0, H_NBUF_TAIL_PLUS8, H_REWRITE, H_ID_BOGUS, H_ID_TWICE, H_CORRUPT,
	H_NCASES
};
static const char *const hostile_names[H_NCASES] = {
	"none", "len+8", "len+4096", "len-max", "len0", "len-short", "nbuf-over",
	"nbuf-ring", "nbuf0", "nbuf-tail+8", "rewrite", "id-bogus", "id-twice", "corrupt",
};

static struct {
	enum hostile hcase;
	unsigned int every, count;	/* every Nth packet to B, at most COUNT times */
	unsigned long seen;		/* packets to B since the case was set */
	/* rewrite: the second step, once the driver has taken the used entries up to rw_taken
	 * (EVENT_IDX: its used_event says so), else at rw_due (ms); given up at rw_due then */
	bool rw_pending;
	struct rxbuf rw_first, rw_second;
	uint32_t rw_len;
	uint16_t rw_taken;
	uint64_t rw_due;
} H = { .every = 5, .count = 10 };

static struct {
	unsigned long tx[2], rx[2], drop_nobuf[2], drop_toobig[2], drop_notready[2], bad_desc;
	unsigned long hostile[H_NCASES], hostile_skipped;
} C;

static volatile sig_atomic_t stop;
static bool verbose;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- guest memory: IOVA -> our address, through VDUSE_IOTLB_GET_FD + mmap ----------------- */
static void unmap_range(struct dev *d, uint64_t start, uint64_t last)
{
	int i;

	for (i = 0; i < d->nmaps; i++) {
		struct map *m = &d->maps[i];

		if (m->last < start || m->start > last)
			continue;
		munmap(m->va, m->last - m->start + 1);
		*m = d->maps[--d->nmaps];
		i--;
	}
}

static uint8_t *iova_va(struct dev *d, uint64_t iova, uint64_t len)
{
	struct vduse_iotlb_entry e = { .start = iova, .last = iova + (len ? len : 1) - 1 };
	struct map *m;
	void *va;
	int i, fd;

	for (i = 0; i < d->nmaps; i++) {
		m = &d->maps[i];
		if (iova >= m->start && iova + len - 1 <= m->last)
			return m->va + (iova - m->start);
	}
	fd = ioctl(d->fd, VDUSE_IOTLB_GET_FD, &e);
	if (fd < 0)
		return NULL;
	va = mmap(NULL, e.last - e.start + 1,
		  (e.perm & VDUSE_ACCESS_WO ? PROT_WRITE : 0) | PROT_READ, MAP_SHARED, fd, e.offset);
	close(fd);
	if (va == MAP_FAILED)
		return NULL;
	if (d->nmaps == MAXMAPS)
		unmap_range(d, 0, UINT64_MAX);
	d->maps[d->nmaps++] = (struct map){ e.start, e.last, va };
	if (iova + len - 1 > e.last)
		return NULL;	/* crosses mappings */
	return (uint8_t *)va + (iova - e.start);
}

/* --- device life cycle ------------------------------------------------------------------------ */
static void vq_reset(struct dev *d)
{
	int i;

	for (i = 0; i < NVQ; i++) {
		d->vq[i].ready = false;
		d->vq[i].last_avail = d->vq[i].used_idx = 0;
	}
	unmap_range(d, 0, UINT64_MAX);
	if (d->name[5] == 'B')
		H.rw_pending = false;
}

static void vq_start(struct dev *d)
{
	int i;

	if (ioctl(d->fd, VDUSE_DEV_GET_FEATURES, &d->features))
		die("VDUSE_DEV_GET_FEATURES");
	for (i = 0; i < NVQ; i++) {
		struct vduse_vq_info info = { .index = i };
		struct vq *q = &d->vq[i];
		struct vduse_vq_eventfd ev = { .index = i, .fd = q->kickfd };

		if (ioctl(d->fd, VDUSE_VQ_GET_INFO, &info))
			die("VDUSE_VQ_GET_INFO");
		q->num = info.num;
		q->last_avail = q->used_idx = info.split.avail_index;
		q->desc = (void *)iova_va(d, info.desc_addr, 16 * info.num);
		q->avail = (void *)iova_va(d, info.driver_addr, 6 + 2 * info.num);  /* + used_event */
		q->used = (void *)iova_va(d, info.device_addr, 6 + 8 * info.num);  /* + avail_event */
		q->ready = info.ready && q->desc && q->avail && q->used;
		/* the kernel drops the kickfd at reset: give it again for every start */
		if (ioctl(d->fd, VDUSE_VQ_SETUP_KICKFD, &ev))
			die("VDUSE_VQ_SETUP_KICKFD");
		if (verbose)
			fprintf(stderr, "%s: vq%d num %u ready %d features %#llx\n", d->name, i,
				q->num, q->ready, (unsigned long long)d->features);
	}
}

static void handle_msg(struct dev *d)
{
	struct vduse_dev_request req;
	struct vduse_dev_response resp = { 0 };

	if (read(d->fd, &req, sizeof(req)) != sizeof(req))
		return;
	resp.request_id = req.request_id;
	resp.result = VDUSE_REQ_RESULT_OK;
	switch (req.type) {
	case VDUSE_GET_VQ_STATE:
		resp.vq_state.index = req.vq_state.index;
		resp.vq_state.split.avail_index =
			req.vq_state.index < NVQ ? d->vq[req.vq_state.index].last_avail : 0;
		break;
	case VDUSE_SET_STATUS:
		if ((req.s.status & VIRTIO_CONFIG_S_DRIVER_OK) &&
		    !(d->status & VIRTIO_CONFIG_S_DRIVER_OK))
			vq_start(d);
		else if (!req.s.status)
			vq_reset(d);
		d->status = req.s.status;
		break;
	case VDUSE_UPDATE_IOTLB:
		unmap_range(d, req.iova.start, req.iova.last);
		break;
	default:
		resp.result = VDUSE_REQ_RESULT_FAILED;
	}
	if (write(d->fd, &resp, sizeof(resp)) != sizeof(resp))
		perror("vduse response");
}

static int create_dev(int ctl, const char *name, uint8_t last_mac_byte, uint64_t features,
		      uint16_t mtu)
{
	struct virtio_net_config nc = {
		.mac = { 0x52, 0x54, 0x00, 0x00, 0x00, last_mac_byte },
		.status = VIRTIO_NET_S_LINK_UP,
		.max_virtqueue_pairs = 1,
		.mtu = mtu,
	};
	size_t sz = sizeof(struct vduse_dev_config) + sizeof(nc);
	struct vduse_dev_config *c = calloc(1, sz);
	char path[300];
	int i, fd;

	snprintf(c->name, sizeof(c->name), "%s", name);
	c->device_id = VIRTIO_ID_NET;
	c->vendor_id = 0;
	c->features = features;
	c->vq_num = NVQ;
	c->vq_align = 4096;
	c->config_size = sizeof(nc);
	memcpy(c->config, &nc, sizeof(nc));
	ioctl(ctl, VDUSE_DESTROY_DEV, c->name);	/* a leftover of an earlier run */
	if (ioctl(ctl, VDUSE_CREATE_DEV, c))
		die("VDUSE_CREATE_DEV");
	free(c);
	snprintf(path, sizeof(path), "/dev/vduse/%s", name);
	fd = open(path, O_RDWR);
	if (fd < 0)
		die(path);
	for (i = 0; i < NVQ; i++) {
		struct vduse_vq_config vc = { .index = i, .max_size = QSIZE };

		if (ioctl(fd, VDUSE_VQ_SETUP, &vc))
			die("VDUSE_VQ_SETUP");
	}
	return fd;
}

/* --- rings ---------------------------------------------------------------------------------------- */
static bool has(struct dev *d, int bit) { return d->features & (1ULL << bit); }

/* EVENT_IDX: the driver's used_event (how far it has taken used entries when it last asked
 * for an interrupt) and our avail_event (kick us once it posts past what we have taken). */
static uint16_t used_event(struct vq *q)
{
	return __atomic_load_n(&q->avail->ring[q->num], __ATOMIC_ACQUIRE);
}

static void set_avail_event(struct dev *d, struct vq *q)
{
	if (q->ready && has(d, VIRTIO_RING_F_EVENT_IDX))
		__atomic_store_n((uint16_t *)&q->used->ring[q->num], q->last_avail,
				 __ATOMIC_RELEASE);
}

static bool avail_pending(struct vq *q)
{
	return q->last_avail != __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);
}

static void push_used(struct vq *q, uint32_t id, uint32_t len)
{
	struct vring_used_elem *e = &q->used->ring[q->used_idx % q->num];

	e->id = id;
	e->len = len;
	q->used_idx++;
	q->need_irq = true;
}

static void publish(struct dev *d, int i)
{
	struct vq *q = &d->vq[i];
	uint32_t idx = i;

	if (!q->need_irq)
		return;
	__atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	q->need_irq = false;
	if (!(__atomic_load_n(&q->avail->flags, __ATOMIC_ACQUIRE) & VRING_AVAIL_F_NO_INTERRUPT))
		ioctl(d->fd, VDUSE_VQ_INJECT_IRQ, &idx);
}

/* Take the next RX buffer of q: the chain at its next avail entry, every descriptor of it
 * writable and mapped. A bad one (an index out of the ring, a read-only or unmapped segment, a
 * chain longer than the ring: a loop, a total size over 4 GiB) counts as bad_desc and stays
 * where it is, as does every buffer after it. */
static bool take_rx(struct dev *d, struct vq *q, struct rxbuf *b)
{
	struct vring_desc *ds;
	struct rxseg *s;
	uint16_t i;

	if (!avail_pending(q))
		return false;
	i = b->head = q->avail->ring[q->last_avail % q->num];
	b->nseg = 0;
	b->cap = 0;
	do {
		if (i >= q->num || b->nseg == MIN(q->num, QSIZE))
			goto bad;
		ds = &q->desc[i];
		s = &b->seg[b->nseg++];
		s->iova = ds->addr;
		s->len = ds->len;
		s->va = (ds->flags & VRING_DESC_F_WRITE) ? iova_va(d, ds->addr, ds->len) : NULL;
		if (!s->va || b->cap + s->len < b->cap)
			goto bad;
		b->cap += s->len;
		i = ds->next;
	} while (ds->flags & VRING_DESC_F_NEXT);
	q->last_avail++;
	return true;
bad:
	C.bad_desc++;
	return false;
}

/* Write N bytes at offset OFF of b, across its segments, as far as it holds: the bytes written */
static uint32_t rx_put(const struct rxbuf *b, uint32_t off, const void *src, uint32_t n)
{
	const struct rxseg *s;
	uint32_t done = 0, k;
	int i;

	for (i = 0; i < b->nseg && done < n; i++) {
		s = &b->seg[i];
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		k = MIN(s->len - off, n - done);
		memcpy(s->va + off, (const uint8_t *)src + done, k);
		done += k;
		off = 0;
	}
	return done;
}

static void rx_set_nbuf(const struct rxbuf *b, uint16_t nbuf)
{
	rx_put(b, offsetof(struct virtio_net_hdr_mrg_rxbuf, num_buffers), &nbuf, sizeof(nbuf));
}

static uint16_t csum_fold(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (n & 1)
		sum += p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* --- hostile acts on B's RX ring (before the good packet, which then follows normally) --- */
static void hostile_act(struct dev *d, const uint8_t *pkt, uint32_t len)
{
	struct vq *q = &d->vq[0];
	struct rxbuf b, b2;
	uint32_t ulen;
	uint16_t nbuf = 1;
	uint8_t x;

	if (H.hcase == H_NONE || ++H.seen % H.every || C.hostile[H.hcase] >= H.count ||
	    H.rw_pending)
		return;
	if (!take_rx(d, q, &b)) {
		C.hostile_skipped++;
		return;
	}
	/* a plausible packet in the buffer: this one's copy (cut to fit); the lengths below are
	 * over the whole buffer (all of a chain) */
	ulen = rx_put(&b, 0, pkt, len);
	switch (H.hcase) {
	case H_LEN_PLUS8: ulen = b.cap + 8; break;
	case H_LEN_PLUS4096: ulen = b.cap + 4096; break;
	case H_LEN_MAX: ulen = 0xffffffff; break;
	case H_LEN0: ulen = 0; break;
	case H_LEN_SHORT: ulen = HDR_LEN - 2; break;
	case H_NBUF_OVER: nbuf = 3; break;
	case H_NBUF_RING: nbuf = 0xffff; break;
	case H_NBUF0: nbuf = 0; break;
	case H_NBUF_TAIL_PLUS8:
		/* a packet in two buffers, the head's length right and the second one's over
		 * that buffer: the check of a buffer after the head (MRG_RXBUF only) */
		if (!has(d, VIRTIO_NET_F_MRG_RXBUF) || !take_rx(d, q, &b2)) {
			q->last_avail--;
			C.hostile_skipped++;
			return;
		}
		rx_set_nbuf(&b, 2);
		push_used(q, b.head, ulen);
		push_used(q, b2.head, b2.cap + 8);
		C.hostile[H.hcase]++;
		return;
	case H_ID_BOGUS:
		push_used(q, q->num + 7, ulen);	/* an id never posted, then the real one */
		break;
	case H_ID_TWICE:
		push_used(q, b.head, ulen);	/* completed twice in a row */
		break;
	case H_CORRUPT:
		/* well-formed length, payload bytes flipped: a good packet made bad (the check
		 * that the intact-stream test can fail) */
		if (ulen > HDR_LEN + 80) {
			x = pkt[ulen - 20] ^ 0x5a;
			rx_put(&b, ulen - 20, &x, 1);
		}
		break;
	case H_REWRITE:
		/* the buffer after this one, if it lies on the same page above it. Single buffers
		 * only: a chain (big packets mode) has its pages to itself, nothing to reach over
		 * into, so the case never applies there (skipped) */
		if (b.nseg > 1 || !take_rx(d, q, &b2)) {
			q->last_avail--;
			C.hostile_skipped++;
			return;
		}
		if (b2.nseg > 1 || b2.seg[0].iova <= b.seg[0].iova ||
		    (b2.seg[0].iova >> 12) != (b.seg[0].iova >> 12) || b2.cap < len) {
			q->last_avail -= 2;	/* both stay posted: try again later */
			C.hostile_skipped++;
			return;
		}
		/* the good packet into the upper buffer, completed now; the lower one later */
		rx_put(&b2, 0, pkt, len);
		rx_set_nbuf(&b2, 1);
		push_used(q, b2.head, len);
		H.rw_first = b;
		H.rw_second = b2;
		H.rw_len = len;
		H.rw_taken = q->used_idx;
		/* The rewrite must come after the driver took (and synced) the upper buffer, or it
		 * is plain corruption of data not yet delivered, which no driver can catch. With
		 * EVENT_IDX the driver's used_event tells (the main loop waits for it, 2 s at most,
		 * then gives the case up); without, a 200 ms wait is all there is: timing-dependent
		 * (seen failing under heavy host load). */
		H.rw_due = now_ms() + (has(d, VIRTIO_RING_F_EVENT_IDX) ? 2000 : 200);
		H.rw_pending = true;
		C.hostile[H.hcase]++;
		return;
	default:
		break;
	}
	/* num_buffers means nothing without MRG_RXBUF: 1 there */
	rx_set_nbuf(&b, has(d, VIRTIO_NET_F_MRG_RXBUF) ? nbuf : 1);
	push_used(q, b.head, ulen);
	C.hostile[H.hcase]++;
}

/* rewrite: has the driver taken the upper buffer, as far as EVENT_IDX tells? Its used_event
 * is past it, by at most a ring; 0 is what virtio_ring writes while it polls with callbacks
 * off, so it says nothing. Without EVENT_IDX: never known. */
static bool hostile_rewrite_taken(struct dev *d)
{
	struct vq *q = &d->vq[0];
	uint16_t ue;

	if (!has(d, VIRTIO_RING_F_EVENT_IDX))
		return false;
	ue = used_event(q);
	return ue && (uint16_t)(ue - H.rw_taken) <= q->num;
}

/* rewrite, second step: the upper buffer's payload rewritten through our mapping after the
 * driver took it, then the lower buffer completed with a length reaching over the upper one */
static void hostile_rewrite_finish(struct dev *d)
{
	uint32_t len = H.rw_len;

	H.rw_pending = false;
	if (!d->vq[0].ready)
		return;
	if (has(d, VIRTIO_RING_F_EVENT_IDX) && !hostile_rewrite_taken(d)) {
		/* not taken in time: the lower buffer back as a runt, no rewrite */
		memset(H.rw_first.seg[0].va, 0, HDR_LEN);
		push_used(&d->vq[0], H.rw_first.head, HDR_LEN);
		publish(d, 0);
		C.hostile[H_REWRITE]--;
		C.hostile_skipped++;
		return;
	}
	if (len > HDR_LEN + 80)
		memset(H.rw_second.seg[0].va + HDR_LEN + 80, 0xAA, len - HDR_LEN - 80);
	memset(H.rw_first.seg[0].va, 0, HDR_LEN);
	rx_set_nbuf(&H.rw_first, 1);
	push_used(&d->vq[0], H.rw_first.head,
		  H.rw_second.seg[0].iova + len - H.rw_first.seg[0].iova);
	publish(d, 0);
}

/* --- the wire --------------------------------------------------------------------------------------- */
static void deliver(struct dev *d, uint8_t *pkt, uint32_t len)
{
	int side = d->name[5] == 'B';
	struct vq *q = &d->vq[0];
	struct virtio_net_hdr_mrg_rxbuf *h = (void *)pkt;
	static struct rxbuf b[64];
	uint32_t off = 0, n, i, nbufs = 0;
	bool mrg = has(d, VIRTIO_NET_F_MRG_RXBUF);

	if (!q->ready || !(d->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
		C.drop_notready[side]++;
		return;
	}
	if ((h->hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !has(d, VIRTIO_NET_F_GUEST_CSUM)) {
		uint32_t s = h->hdr.csum_start, o = h->hdr.csum_offset;

		if (HDR_LEN + s + o + 2 <= len) {
			/* the field holds the pseudo-header sum: summed along */
			uint16_t c = csum_fold(pkt + HDR_LEN + s, len - HDR_LEN - s, 0);

			pkt[HDR_LEN + s + o] = c >> 8;
			pkt[HDR_LEN + s + o + 1] = c & 0xff;
		}
		h->hdr.flags = 0;
	}
	h->hdr.flags &= VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->hdr.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	if (side)
		hostile_act(d, pkt, len);
	/* buffers first (all or none: they stay posted if the packet does not fit), each one's
	 * cap cut to what it gets; then header and frame scattered across them */
	while (off < len) {
		if (nbufs == 64 || !take_rx(d, q, &b[nbufs])) {
			q->last_avail -= nbufs;
			C.drop_nobuf[side]++;
			return;
		}
		n = MIN(len - off, b[nbufs].cap);
		if ((!nbufs && n < HDR_LEN) || (!mrg && n < len)) {
			q->last_avail -= nbufs + 1;
			C.drop_toobig[side]++;
			return;
		}
		b[nbufs++].cap = n;
		off += n;
	}
	h->num_buffers = nbufs;
	for (i = 0, off = 0; i < nbufs; off += b[i++].cap) {
		rx_put(&b[i], 0, pkt + off, b[i].cap);
		push_used(q, b[i].head, b[i].cap);
	}
	C.rx[side]++;
}

static void do_tx(struct dev *d)
{
	static uint8_t pkt[MAXPKT];
	struct vq *q = &d->vq[1];
	int side = d->name[5] == 'B';

	if (!q->ready)
		return;
	while (avail_pending(q)) {
		uint16_t head = q->avail->ring[q->last_avail % q->num], i = head;
		uint32_t len = 0, hops = 0;
		bool ok = head < q->num;

		while (ok) {
			struct vring_desc *ds = &q->desc[i];
			uint8_t *src = iova_va(d, ds->addr, ds->len);

			if (!src || (ds->flags & VRING_DESC_F_WRITE) || len + ds->len > MAXPKT ||
			    ++hops > q->num) {
				ok = false;
				break;
			}
			memcpy(pkt + len, src, ds->len);
			len += ds->len;
			if (!(ds->flags & VRING_DESC_F_NEXT))
				break;
			i = ds->next;
			ok = i < q->num;
		}
		q->last_avail++;
		push_used(q, head, 0);
		if (!ok || len < HDR_LEN) {
			C.bad_desc++;
			continue;
		}
		C.tx[side]++;
		deliver(d->peer, pkt, len);
	}
	publish(d, 1);
	publish(d->peer, 0);
}

static void print_stats(void)
{
	int i;

	printf("stats tx_A=%lu tx_B=%lu rx_A=%lu rx_B=%lu drop_nobuf_A=%lu drop_nobuf_B=%lu "
	       "drop_toobig=%lu drop_notready=%lu bad_desc=%lu hostile_case=%s hostile_skipped=%lu",
	       C.tx[0], C.tx[1], C.rx[0], C.rx[1], C.drop_nobuf[0], C.drop_nobuf[1],
	       C.drop_toobig[0] + C.drop_toobig[1], C.drop_notready[0] + C.drop_notready[1],
	       C.bad_desc, hostile_names[H.hcase], C.hostile_skipped);
	for (i = 1; i < H_NCASES; i++)
		printf(" %s=%lu", hostile_names[i], C.hostile[i]);
	printf("\n");
	fflush(stdout);
}

static int set_hostile(const char *name, unsigned int every, unsigned int count)
{
	int i;

	for (i = 0; i < H_NCASES; i++) {
		if (strcmp(name, hostile_names[i]))
			continue;
		H.hcase = i;
		if (i == H_NONE)
			return 0;	/* the counters of the last case stay readable */
		H.every = every ? every : 5;
		H.count = count ? count : 10;
		H.seen = 0;
		C.hostile[i] = 0;
		C.hostile_skipped = 0;
		return 0;
	}
	fprintf(stderr, "unknown hostile case '%s'\n", name);
	return -1;
}

static void handle_ctl(int fd)
{
	static char buf[512];
	static size_t have;
	char *nl, name[32];
	unsigned int every, count;
	ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);

	if (n <= 0)
		return;
	have += n;
	buf[have] = 0;
	while ((nl = strchr(buf, '\n'))) {
		*nl = 0;
		every = count = 0;
		if (sscanf(buf, "hostile %31s %u %u", name, &every, &count) >= 1) {
			if (!set_hostile(name, every, count))
				printf("hostile %s every %u count %u\n", hostile_names[H.hcase],
				       H.every, H.count);
		} else if (!strcmp(buf, "stats")) {
			print_stats();
		}
		fflush(stdout);
		have -= nl + 1 - buf;
		memmove(buf, nl + 1, have + 1);
	}
	if (have == sizeof(buf) - 1)
		have = 0;
}

static void on_signal(int sig) { (void)sig; stop = 1; }

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--no-mrg] [--no-csum] [--no-event-idx] [--mtu N] [--ctl FIFO]\n"
		"          [--hostile CASE] [--every N] [--count N] [-v]\n"
		"hostile cases (B's RX side, every Nth packet, COUNT times):\n"
		"  len+8 len+4096 len-max  used len over the buffer size (a chain's: all of it)\n"
		"  len0 len-short          used len 0 / shorter than the virtio-net header\n"
		"  nbuf-over nbuf-ring     num_buffers 3 for one buffer / 0xffff (over the ring)\n"
		"  nbuf0                   num_buffers 0\n"
		"  nbuf-tail+8             a packet in two buffers, the second one's used len over it\n"
		"  rewrite                 complete a buffer, rewrite it through the mapping, then\n"
		"                          complete the buffer below it on that page with a length\n"
		"                          reaching over it (single buffers: never for a chain)\n"
		"  id-bogus id-twice       a used id never posted / one buffer completed twice\n"
		"  corrupt                 flip a payload byte of a good packet (tests the tests)\n",
		argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-mrg", no_argument, 0, 'm' }, { "no-csum", no_argument, 0, 'c' },
		{ "mtu", required_argument, 0, 'u' }, { "ctl", required_argument, 0, 'f' },
		{ "hostile", required_argument, 0, 'H' }, { "every", required_argument, 0, 'e' },
		{ "count", required_argument, 0, 'n' }, { "verbose", no_argument, 0, 'v' },
		{ "no-event-idx", no_argument, 0, 'E' },
		{ 0 }
	};
	uint64_t features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_ACCESS_PLATFORM) |
			    (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_MTU) |
			    (1ULL << VIRTIO_NET_F_STATUS) | (1ULL << VIRTIO_NET_F_MRG_RXBUF) |
			    (1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |
			    (1ULL << VIRTIO_RING_F_EVENT_IDX);
	const char *ctl_path = NULL, *hcase = "none";
	unsigned int every = 0, count = 0;
	uint16_t mtu = 1500;
	struct dev devs[2] = { { .name = "vduseA" }, { .name = "vduseB" } };
	struct pollfd pfd[7];
	int ctl, ctlfd = -1, c, i, j;
	uint64_t api = 0;
	uint8_t ev[8];

	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 'm': features &= ~(1ULL << VIRTIO_NET_F_MRG_RXBUF); break;
		case 'c': features &= ~((1ULL << VIRTIO_NET_F_CSUM) |
					(1ULL << VIRTIO_NET_F_GUEST_CSUM)); break;
		case 'u': mtu = atoi(optarg); break;
		case 'f': ctl_path = optarg; break;
		case 'H': hcase = optarg; break;
		case 'e': every = atoi(optarg); break;
		case 'n': count = atoi(optarg); break;
		case 'v': verbose = true; break;
		case 'E': features &= ~(1ULL << VIRTIO_RING_F_EVENT_IDX); break;
		default: usage(argv[0]);
		}
	}
	if (set_hostile(hcase, every, count))
		usage(argv[0]);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);

	ctl = open("/dev/vduse/control", O_RDWR);
	if (ctl < 0)
		die("/dev/vduse/control");
	if (ioctl(ctl, VDUSE_SET_API_VERSION, &api))
		die("VDUSE_SET_API_VERSION");
	for (i = 0; i < 2; i++) {
		devs[i].peer = &devs[!i];
		devs[i].fd = create_dev(ctl, devs[i].name, 0x0a + i, features, mtu);
		for (j = 0; j < NVQ; j++) {
			devs[i].vq[j].kickfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			if (devs[i].vq[j].kickfd < 0)
				die("eventfd");
		}
	}
	if (ctl_path) {
		unlink(ctl_path);
		if (mkfifo(ctl_path, 0600))
			die(ctl_path);
		ctlfd = open(ctl_path, O_RDWR | O_NONBLOCK);	/* RDWR: never a hangup */
		if (ctlfd < 0)
			die(ctl_path);
	}
	printf("ready features %#llx mtu %u hostile %s every %u count %u\n",
	       (unsigned long long)features, mtu, hostile_names[H.hcase], H.every, H.count);
	fflush(stdout);

	while (!stop) {
		int timeout = -1;

		for (i = 0; i < 2; i++) {
			pfd[3 * i] = (struct pollfd){ .fd = devs[i].fd, .events = POLLIN };
			pfd[3 * i + 1] = (struct pollfd){ .fd = devs[i].vq[0].kickfd, .events = POLLIN };
			pfd[3 * i + 2] = (struct pollfd){ .fd = devs[i].vq[1].kickfd, .events = POLLIN };
		}
		pfd[6] = (struct pollfd){ .fd = ctlfd, .events = POLLIN };
		if (H.rw_pending) {
			uint64_t t = now_ms();

			timeout = H.rw_due > t ? (int)(H.rw_due - t) : 0;
			if (has(&devs[1], VIRTIO_RING_F_EVENT_IDX) && timeout > 1)
				timeout = 1;	/* used_event is polled, not signalled */
		}
		if (poll(pfd, 7, timeout) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (i = 0; i < 2; i++) {
			if (pfd[3 * i].revents & POLLIN)
				handle_msg(&devs[i]);
			for (j = 1; j <= 2; j++)
				if (pfd[3 * i + j].revents & POLLIN &&
				    read(pfd[3 * i + j].fd, ev, sizeof(ev)) < 0)
					perror("kick");
		}
		if (pfd[6].revents & POLLIN)
			handle_ctl(ctlfd);
		/* whatever kicked, move every pending TX (an RX kick means new room as well); with
		 * EVENT_IDX, ask for the next kicks, then look again for what came in meanwhile */
		do {
			for (i = 0; i < 2; i++)
				do_tx(&devs[i]);
			for (i = 0; i < 2; i++)
				for (j = 0; j < NVQ; j++)
					set_avail_event(&devs[i], &devs[i].vq[j]);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
		} while ((devs[0].vq[1].ready && avail_pending(&devs[0].vq[1])) ||
			 (devs[1].vq[1].ready && avail_pending(&devs[1].vq[1])));
		if (H.rw_pending && (now_ms() >= H.rw_due || hostile_rewrite_taken(&devs[1])))
			hostile_rewrite_finish(&devs[1]);
	}
	print_stats();
	for (i = 0; i < 2; i++) {
		close(devs[i].fd);
		if (ioctl(ctl, VDUSE_DESTROY_DEV, devs[i].name))
			fprintf(stderr, "VDUSE_DESTROY_DEV %s: %s\n", devs[i].name, strerror(errno));
	}
	if (ctl_path)
		unlink(ctl_path);
	return 0;
}
