// SPDX-License-Identifier: BSD-2-Clause
/*
 * dp_io.c: keyd's data path (--datapath tun[=NAME]): the portable ESP/AH
 * data path of the core (kmod/core/dp.h) fed from a TUN device and raw
 * sockets, in keyd's poll loop.
 *
 *   TUN read  -> pfkm_dp_output_route -> ESP/AH (or ESP in UDP, RFC 3948)
 *                sent with its outer header on an IPPROTO_RAW socket;
 *                -EAGAIN (no SA yet, ACQUIRE sent): held (pfkm_dp_hold) in
 *                one of PFKM_DP_HOLD_MAX preallocated slots until the SA
 *                comes or PFKM_DP_HOLD_MS pass.
 *   raw ESP/AH (IPv4, IPv6) and UDP 4500 (IPv4, IPv6) read ->
 *                dp_frame.c (headers the socket took off) -> pfkm_dp_input_route ->
 *                clear text written to the TUN device (the kernel then
 *                delivers or forwards it).
 *
 * Routes: for every `out` policy whose first template is a tunnel, the
 * selector's destination prefix is routed into the TUN device (tun.c) in
 * the main table; the outer packets go to the peer gateway by the normal
 * routing table. Transport-mode policies and tunnels whose gateway lies
 * inside the selector's destination would route keyd's own ESP back into
 * the device: their routes go to keyd's table KEYD_DP_TABLE, which a rule
 * consults for every packet not carrying KEYD_DP_MARK, the mark of keyd's
 * send sockets (mark_setup). Without SO_MARK (no CAP_NET_ADMIN) they get
 * no route.
 *
 * Batches: up to KEYD_DP_BATCH packets per descriptor and wakeup, network
 * sockets in one recvmmsg, the device's packets one read each and their
 * results sent with one sendmmsg per family; each packet of a batch has
 * its own slot. The slots, one more buffer (a held packet's second pass)
 * and the hold slots are allocated at start, nothing per packet.
 *
 * Threads (--datapath-threads N, dp_workers.c): with N = 1 each packet
 * goes through the core's one-call functions on the poll thread. With
 * N > 1 a batch goes through the core's split calls (dp.h): on the poll
 * thread, under the store lock, every packet's _prep (policy, SA, ACQUIRE
 * and hold, path MTU, sequence number; inbound the framing before it and
 * the SA lookup); then the queued transforms spread over the lanes by SA
 * (one SA's packets on one lane, in order) while the poll thread runs lane
 * 0's share; once all lanes are done, on the poll thread again and in slot
 * order, every packet's _done (counters, lifetimes and EXPIRE, inner
 * layers, in/fwd policy check) and its send or TUN write. The store, the
 * routes, rt_local's cache and the counters here are only ever touched on
 * the poll thread; a worker touches its packets' slots and their SAs'
 * transform and replay state. The jobs (one per slot) are allocated at
 * start too.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "keyd.h"
#include "net.h"
#include "dp.h"
#include "dp_frame.h"

#define KEYD_DP_BATCH 64
#define BUF_CAP 65600u		/* any IP packet plus the encapsulation */
/* An outbound slot: a packet from the device (at most the MTU) and room
 * for two levels of ESP/AH with IPv6 outer headers (the core refuses, and
 * keyd drops, what would not fit). */
#define OUT_CAP 4096u
#define HOLD_CAP (KEYD_TUN_MTU + 64u)
#define MAX_ROUTES 256
#define RESYNC_MS 1000u
#define GC_MS 5000u

enum { FD_TUN, FD_ESP4, FD_AH4, FD_ESP6, FD_AH6, FD_UDP4, FD_UDP6, FD_N };
_Static_assert(FD_N == KEYD_DP_NFDS, "keyd.h's KEYD_DP_NFDS");

struct hold_slot {
	bool used;
	uint16_t len;
	uint8_t data[HOLD_CAP];
};

struct dp_route {
	uint32_t table;			/* RT_TABLE_MAIN or KEYD_DP_TABLE */
	uint8_t family, plen;
	bool has_src;
	uint8_t dst[16];
	uint8_t src[16];		/* preferred source: ours, in the selector */
};

struct keyd_dp {
	struct pfkm_net *net;
	struct pfkm_dp *dp;
	char ifname[IFNAMSIZ];
	int ifindex;
	int fd[FD_N];
	int tx4, tx6;
	bool marked;			/* tx4/tx6 carry KEYD_DP_MARK, rules in place */
	uint8_t *buf;
	struct hold_slot *hold;
	/* batches: KEYD_DP_BATCH slots of BUF_CAP, their recvmmsg/sendmmsg
	 * headers, all allocated at start */
	uint8_t *slot;
	struct mmsghdr mm[KEYD_DP_BATCH];
	struct iovec iov[KEYD_DP_BATCH];
	struct sockaddr_in6 name[KEYD_DP_BATCH];	/* room for either family */
	union {
		struct cmsghdr c;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
	} ctl[KEYD_DP_BATCH];
	struct mmsghdr tx[2][KEYD_DP_BATCH];	/* [0] IPv4, [1] IPv6 */
	struct iovec tx_iov[2][KEYD_DP_BATCH];
	struct sockaddr_storage tx_to[2][KEYD_DP_BATCH];
	unsigned int ntx[2];
	unsigned int held;
	struct dp_route routes[MAX_ROUTES];
	unsigned int nroutes;
	bool dirty;
	uint64_t synced_ms, gc_ms;
	struct keyd_dp_io_stats io;
	/* --datapath-threads > 1: the lanes, and per slot its packet and its
	 * split call's job (allocated at start, KEYD_DP_BATCH of each) */
	struct keyd_dp_workers *workers;
	struct dp_pkt {
		uint8_t *buf;
		size_t cap, len;
		int ret;		/* _prep's, then _done's */
		bool deferred;		/* queued but not added to a lane */
	} pkt[KEYD_DP_BATCH];
	struct pfkm_dp_job *job;
	/* rt->local's one-entry cache */
	uint8_t lc_addr[16];
	unsigned int lc_family;
	bool lc_local;
	uint64_t lc_ms;
};

static struct keyd_dp *active;	/* for the control socket's `stats datapath' */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- routes: what the out policies select, into the TUN device ------ */

struct route_set {
	struct dp_route r[MAX_ROUTES];
	unsigned int n;
	bool full;
	bool marked;			/* keyd's table usable */
	struct ifaddrs *ifa;		/* this host's addresses */
};

static bool prefix_has(unsigned int family, const uint8_t *pfx, unsigned int plen,
		       const uint8_t *a)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	(void)family;
	if (memcmp(pfx, a, bytes))
		return false;
	if (!bits)
		return true;
	return !((pfx[bytes] ^ a[bytes]) & (uint8_t)(0xff << (8 - bits)));
}

static int want_route(void *arg, const struct pfkm_policy *p)
{
	struct route_set *rs = arg;
	const struct pfkm_tmpl *t = &p->tmpl[0];
	struct dp_route r = {
		.table = RT_TABLE_MAIN, .family = p->sel.family, .plen = p->sel.dplen,
	};
	struct ifaddrs *ifa;
	unsigned int alen = r.family == AF_INET ? 4 : 16, i;

	if (p->dir != IPSEC_DIR_OUTBOUND || p->block || !p->ntmpl)
		return 0;
	/* Transport mode: the route to the peer would take keyd's own ESP
	 * too; it goes to keyd's table, which keyd's marked packets skip. */
	if (t->mode != IPSEC_MODE_TUNNEL) {
		if (!rs->marked)
			return 0;
		r.table = KEYD_DP_TABLE;
	}
	if (r.family != AF_INET && r.family != AF_INET6)
		return 0;
	memcpy(r.dst, p->sel.daddr.b, alen);
	/* Our address inside the selector's source prefix becomes the
	 * route's preferred source: local traffic matches the policy. */
	for (ifa = rs->ifa; ifa; ifa = ifa->ifa_next) {
		const uint8_t *a;

		if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != r.family)
			continue;
		a = r.family == AF_INET ?
			(const uint8_t *)&((struct sockaddr_in *)ifa->ifa_addr)->sin_addr :
			(const uint8_t *)&((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
		if (prefix_has(r.family, p->sel.saddr.b, p->sel.splen, a)) {
			memcpy(r.src, a, alen);
			r.has_src = true;
			break;
		}
	}
	/* The route is to the prefix: clear the bits past it. */
	for (i = r.plen; i < alen * 8; i++)
		r.dst[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	/* A gateway inside the prefix would route its own ESP back here:
	 * keyd's table too, or no route without it. */
	if (t->mode == IPSEC_MODE_TUNNEL && t->family == r.family &&
	    prefix_has(r.family, r.dst, r.plen, t->daddr.b)) {
		if (!rs->marked)
			return 0;
		r.table = KEYD_DP_TABLE;
	}
	for (i = 0; i < rs->n; i++)
		if (!memcmp(&rs->r[i], &r, sizeof(r)))
			return 0;
	if (rs->n == MAX_ROUTES) {
		rs->full = true;
		return 0;
	}
	rs->r[rs->n++] = r;
	return 0;
}

static const char *route_str(const struct dp_route *r, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(r->family, r->dst, a, sizeof(a));
	if (r->table == RT_TABLE_MAIN)
		snprintf(buf, cap, "%s/%u", a, r->plen);
	else
		snprintf(buf, cap, "%s/%u table %u", a, r->plen, r->table);
	return buf;
}

static bool route_in(const struct dp_route *r, const struct dp_route *set, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!memcmp(&set[i], r, sizeof(*r)))
			return true;
	return false;
}

static void routes_sync(struct keyd_dp *d)
{
	struct pfkm_store *st = pfkm_net_store(d->net);
	struct pfkm_store_walk w = { .what = PFKM_WALK_POL };
	static struct route_set rs;
	char buf[64];
	unsigned int i, j;
	int ret;

	rs.n = 0;
	rs.full = false;
	rs.marked = d->marked;
	if (getifaddrs(&rs.ifa))
		rs.ifa = NULL;
	os_mutex_lock(&d->net->lock);
	st->ops->pol_walk(st, &w, want_route, &rs);
	st->ops->walk_done(st, &w);
	os_mutex_unlock(&d->net->lock);
	if (rs.ifa)
		freeifaddrs(rs.ifa);
	if (rs.full)
		keyd_log(KEYD_LOG_WARN, "datapath: more than %u tunnel prefixes, some not routed",
			 MAX_ROUTES);
	for (i = j = 0; i < d->nroutes; i++) {
		if (route_in(&d->routes[i], rs.r, rs.n)) {
			d->routes[j++] = d->routes[i];
			continue;
		}
		ret = keyd_tun_route(d->ifindex, false, d->routes[i].table, d->routes[i].family,
				     d->routes[i].dst,
				     d->routes[i].plen, NULL);
		keyd_log(ret ? KEYD_LOG_WARN : KEYD_LOG_DEBUG, "datapath: route %s dev %s removed%s%s",
			 route_str(&d->routes[i], buf, sizeof(buf)), d->ifname, ret ? ": " : "",
			 ret ? strerror(-ret) : "");
	}
	d->nroutes = j;
	for (i = 0; i < rs.n; i++) {
		if (route_in(&rs.r[i], d->routes, d->nroutes))
			continue;
		ret = keyd_tun_route(d->ifindex, true, rs.r[i].table, rs.r[i].family, rs.r[i].dst,
				     rs.r[i].plen,
				     rs.r[i].has_src ? rs.r[i].src : NULL);
		if (ret) {
			/* -EEXIST: somebody else's route; not replaced, retried. */
			keyd_log(KEYD_LOG_WARN, "datapath: route %s dev %s: %s",
				 route_str(&rs.r[i], buf, sizeof(buf)), d->ifname, strerror(-ret));
			continue;
		}
		keyd_log(KEYD_LOG_DEBUG, "datapath: route %s dev %s",
			 route_str(&rs.r[i], buf, sizeof(buf)), d->ifname);
		d->routes[d->nroutes++] = rs.r[i];
	}
	d->synced_ms = now_ms();
	d->dirty = false;
}

/* ---- what the host's routing tells the core ------------------------ */

/* Is daddr ours? A bind() probe (EADDRNOTAVAIL when not), cached for the
 * last address for a second: tunnels carry runs of one destination. */
static bool rt_local(void *arg, unsigned int family, const uint8_t *daddr)
{
	struct keyd_dp *d = arg;
	struct sockaddr_storage ss;
	unsigned int alen = family == AF_INET ? 4 : 16;
	uint64_t now = now_ms();
	socklen_t sl;
	int fd;

	if (family == AF_INET ? daddr[0] >= 224 : daddr[0] == 0xff)
		return true;		/* multicast (and IPv4 broadcast range) */
	if (d->lc_family == family && now - d->lc_ms < 1000 && !memcmp(d->lc_addr, daddr, alen))
		return d->lc_local;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, daddr, 4);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, daddr, 16);
		sl = sizeof(*a);
	}
	fd = socket((int)family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true;		/* unknown: the `in' policy decides */
	d->lc_local = bind(fd, (struct sockaddr *)&ss, sl) == 0 || errno != EADDRNOTAVAIL;
	close(fd);
	d->lc_family = family;
	memcpy(d->lc_addr, daddr, alen);
	d->lc_ms = now;
	return d->lc_local;
}

/* ---- packets -------------------------------------------------------- */

/* Queue the packet in buf (a whole IPv4/IPv6 packet with its outer
 * header; buf stays untouched until tx_flush) for its family's
 * IPPROTO_RAW socket. */
static void tx_queue(struct keyd_dp *d, uint8_t *buf, size_t len)
{
	struct sockaddr_storage *to;
	socklen_t sl;
	unsigned int f, i;
	int family;

	f = len && buf[0] >> 4 == 6;
	i = d->ntx[f];
	to = &d->tx_to[f][i];
	family = keyd_frame_dest(buf, len, to, &sl);
	if (family < 0) {
		d->io.out_drop++;
		return;
	}
	d->tx_iov[f][i] = (struct iovec){ buf, len };
	d->tx[f][i].msg_hdr = (struct msghdr){
		.msg_name = to, .msg_namelen = sl, .msg_iov = &d->tx_iov[f][i], .msg_iovlen = 1,
	};
	d->ntx[f]++;
}

/* Send what tx_queue queued: one sendmmsg per family (and one more past
 * each packet the kernel refused, which is dropped). */
static void tx_flush(struct keyd_dp *d)
{
	unsigned int f, i;

	for (f = 0; f < 2; f++) {
		for (i = 0; i < d->ntx[f];) {
			int n = sendmmsg(f ? d->tx6 : d->tx4, &d->tx[f][i], d->ntx[f] - i,
					 MSG_DONTWAIT);

			if (n <= 0) {
				d->io.out_drop++;
				keyd_log(KEYD_LOG_DEBUG, "datapath: send: %s", strerror(errno));
				i++;
				continue;
			}
			d->io.net_tx += (unsigned int)n;
			i += (unsigned int)n;
		}
		d->ntx[f] = 0;
	}
}

static struct hold_slot *hold_get(struct keyd_dp *d)
{
	unsigned int i;

	for (i = 0; i < PFKM_DP_HOLD_MAX; i++)
		if (!d->hold[i].used)
			return &d->hold[i];
	return NULL;
}

/* What the core said (ret) about a clear-text packet, buf[0 .. len) now:
 * protected, it is queued for tx_flush; -EAGAIN: held if may_hold and
 * there is room; else dropped and counted. */
static void out_result(struct keyd_dp *d, uint8_t *buf, size_t len, int ret, bool may_hold)
{
	struct hold_slot *h;

	if (ret == PFKM_DP_XFORM) {
		tx_queue(d, buf, len);
		return;
	}
	if (ret == -EAGAIN && may_hold && len <= HOLD_CAP && (h = hold_get(d))) {
		memcpy(h->data, buf, len);
		h->len = (uint16_t)len;
		if (!pfkm_dp_hold(d->dp, h->data, len, h)) {
			h->used = true;
			d->held++;
			return;
		}
	}
	/* PASS: routed here but no IPsec policy takes it; nothing else to
	 * send it through without looping: dropped. */
	if (ret == PFKM_DP_PASS)
		d->io.out_nopolicy++;
	else
		d->io.out_drop++;
}

/* One clear-text packet in buf[0 .. len) (room cap) from the TUN device,
 * through the core's one-call function. */
static void do_output(struct keyd_dp *d, uint8_t *buf, size_t cap, size_t len, bool may_hold)
{
	struct pfkm_dp_route rt = { .local = rt_local, .arg = d };
	int ret = pfkm_dp_output_route(d->dp, buf, cap, &len, &rt);

	out_result(d, buf, len, ret, may_hold);
}

static void hold_done(void *arg, void *pkt, bool send)
{
	struct keyd_dp *d = arg;
	struct hold_slot *h = pkt;
	size_t len = h->len;

	h->used = false;
	d->held--;
	if (!send) {
		d->io.out_drop++;
		return;
	}
	memcpy(d->buf, h->data, len);
	do_output(d, d->buf, BUF_CAP, len, false);
	tx_flush(d);
}

/* What the core said (ret) about a packet from the network, buf[0 ..
 * len) now: clear text written to the device, or dropped and counted. */
static void in_result(struct keyd_dp *d, uint8_t *buf, size_t len, int ret)
{
	if (ret == PFKM_DP_XFORM || ret == PFKM_DP_FWD) {
		if (write(d->fd[FD_TUN], buf, len) == (ssize_t)len)
			d->io.tun_tx++;
		else
			d->io.in_drop++;
		return;
	}
	/* PASS (IKE on the NAT-T port), -ESRCH (not ours: the kernel has
	 * the packet too), or a drop the core counted. */
	if (ret != PFKM_DP_PASS && ret != -ESRCH)
		d->io.in_drop++;
}

/* One packet in buf[0 .. len) from the network (ESP/AH, ESP in UDP),
 * through the core's one-call function. */
static void do_input(struct keyd_dp *d, uint8_t *buf, size_t len)
{
	struct pfkm_dp_route rt = { .local = rt_local, .arg = d };
	int ret = pfkm_dp_input_route(d->dp, buf, &len, &rt);

	in_result(d, buf, len, ret);
}

/* ---- batches over the lanes (--datapath-threads > 1) ----------------- */

/* A lane's work: slot i's transform, no lock (dp.h's split calls). */
static void xform_slot(void *arg, unsigned int i)
{
	struct keyd_dp *d = arg;
	struct dp_pkt *p = &d->pkt[i];

	pfkm_dp_job_xform(&d->job[i], p->buf, p->cap, &p->len);
}

/* Slot i holds a packet (buf[0 .. len), room cap): its _prep, its
 * transform handed to a lane when queued. Outbound results other than
 * XFORM (a bundle done in _prep) are final here: held or dropped now;
 * sends wait for batch_finish so that they leave in slot order. */
static void batch_prep(struct keyd_dp *d, unsigned int i, uint8_t *buf, size_t cap, size_t len,
		       bool out)
{
	struct pfkm_dp_route rt = { .local = rt_local, .arg = d };
	struct dp_pkt *p = &d->pkt[i];

	*p = (struct dp_pkt){ .buf = buf, .cap = cap, .len = len };
	if (out)
		p->ret = pfkm_dp_output_prep(d->dp, buf, cap, &p->len, &rt, &d->job[i]);
	else
		p->ret = pfkm_dp_input_prep(d->dp, buf, &p->len, &rt, &d->job[i]);
	if (p->ret == PFKM_DP_QUEUED) {
		/* cannot fail with one slot per item; run here, in order,
		 * in batch_finish if it ever did */
		p->deferred = keyd_dp_workers_add(d->workers, i, d->job[i].key) != 0;
		return;
	}
	if (out && p->ret != PFKM_DP_XFORM) {
		out_result(d, buf, p->len, p->ret, true);
		p->ret = PFKM_DP_PASS;
		p->buf = NULL;		/* settled */
	}
}

/* The transforms of slots 0 .. n run, then, in slot order, each packet's
 * _done and its send or TUN write. */
static void batch_finish(struct keyd_dp *d, unsigned int n, bool out)
{
	struct pfkm_dp_route rt = { .local = rt_local, .arg = d };
	unsigned int i;

	keyd_dp_workers_wait(d->workers);
	for (i = 0; i < n; i++) {
		struct dp_pkt *p = &d->pkt[i];

		if (!p->buf)
			continue;
		if (p->ret == PFKM_DP_QUEUED) {
			if (p->deferred)
				xform_slot(d, i);
			p->ret = pfkm_dp_job_done(d->dp, &d->job[i], p->buf, &p->len, &rt);
		}
		if (out)
			out_result(d, p->buf, p->len, p->ret, false);
		else
			in_result(d, p->buf, p->len, p->ret);
	}
}

/* Up to KEYD_DP_BATCH packets from the device, one read each (a TUN
 * device without vnet headers hands over one packet per read), each
 * protected into its own slot; then all sent, one sendmmsg per family. */
static void read_tun(struct keyd_dp *d)
{
	int i;

	for (i = 0; i < KEYD_DP_BATCH; i++) {
		uint8_t *buf = d->slot + (size_t)i * OUT_CAP;
		ssize_t n = read(d->fd[FD_TUN], buf, HOLD_CAP);

		if (n <= 0)
			break;
		d->io.tun_rx++;
		if (d->workers)
			batch_prep(d, (unsigned int)i, buf, OUT_CAP, (size_t)n, true);
		else
			do_output(d, buf, OUT_CAP, (size_t)n, true);
	}
	if (d->workers)
		batch_finish(d, (unsigned int)i, true);
	tx_flush(d);
}

/* Up to KEYD_DP_BATCH datagrams of one socket in one recvmmsg, each into
 * its slot at off (the room the framing fills in front), with the
 * sender's address and the control messages. Returns how many. */
static int recv_batch(struct keyd_dp *d, int fd, size_t off)
{
	int i, n;

	for (i = 0; i < KEYD_DP_BATCH; i++) {
		d->iov[i] = (struct iovec){ d->slot + (size_t)i * BUF_CAP + off, BUF_CAP - off };
		d->mm[i].msg_hdr = (struct msghdr){
			.msg_name = &d->name[i], .msg_namelen = sizeof(d->name[i]),
			.msg_iov = &d->iov[i], .msg_iovlen = 1,
			.msg_control = &d->ctl[i], .msg_controllen = sizeof(d->ctl[i]),
		};
	}
	n = recvmmsg(fd, d->mm, KEYD_DP_BATCH, MSG_DONTWAIT, NULL);
	if (n > 0)
		d->io.net_rx += (unsigned int)n;
	return n;
}

/* IPv4 raw sockets hand over the whole packet, header included. */
static void read_raw4(struct keyd_dp *d, int fd)
{
	int i, n = recv_batch(d, fd, 0);

	for (i = 0; i < n; i++) {
		uint8_t *buf = d->slot + (size_t)i * BUF_CAP;

		if (d->workers)
			batch_prep(d, (unsigned int)i, buf, BUF_CAP, d->mm[i].msg_len, false);
		else
			do_input(d, buf, d->mm[i].msg_len);
	}
	if (d->workers && n > 0)
		batch_finish(d, (unsigned int)n, false);
}

/* IPv6 raw sockets hand over the payload: the base header is rebuilt from
 * the source address, IPV6_PKTINFO and IPV6_HOPLIMIT (dp_frame.c). ESP in
 * UDP (RFC 3948) to port 4500, IPv4 or IPv6: the IP and UDP headers are
 * rebuilt around the datagram (over IPv4 UDP checksum 0, over IPv6 the
 * checksum computed). */
static void read_framed(struct keyd_dp *d, unsigned int which)
{
	size_t off = which == FD_UDP4 ? KEYD_FRAME_UDP4_OFF :
		which == FD_UDP6 ? KEYD_FRAME_UDP6_OFF : KEYD_FRAME_RAW6_OFF;
	int i, n = recv_batch(d, d->fd[which], off);

	for (i = 0; i < n; i++) {
		uint8_t *buf = d->slot + (size_t)i * BUF_CAP;
		const struct msghdr *mh = &d->mm[i].msg_hdr;
		size_t pl = d->mm[i].msg_len;
		int len;

		switch (which) {
		case FD_UDP4:
			len = keyd_frame_udp4(buf, pl, mh, KEYD_NATT_PORT);
			break;
		case FD_UDP6:
			len = keyd_frame_udp6(buf, pl, mh, KEYD_NATT_PORT);
			break;
		default:
			len = keyd_frame_raw6(buf, pl, mh,
					      which == FD_AH6 ? IPPROTO_AH : IPPROTO_ESP);
			break;
		}
		if (len < 0) {
			d->io.in_drop++;
			if (d->workers)
				d->pkt[i].buf = NULL;	/* nothing to finish */
			continue;
		}
		if (d->workers)
			batch_prep(d, (unsigned int)i, buf, BUF_CAP, (size_t)len, false);
		else
			do_input(d, buf, (size_t)len);
	}
	if (d->workers && n > 0)
		batch_finish(d, (unsigned int)n, false);
}

/* ---- the interface to server.c -------------------------------------- */

static int raw_open(int family, int proto)
{
	int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int one = 1;

	if (fd < 0)
		return -errno;
	if (family == AF_INET6 && proto != IPPROTO_RAW &&
	    (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0 ||
	     setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) < 0)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

/* The UDP socket on port 4500 of the family (IPv6: IPv6 only, so the
 * IPv4 socket keeps IPv4's datagrams). */
static int udp_open(int family)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(KEYD_NATT_PORT) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(KEYD_NATT_PORT) };
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, ret;

	if (fd < 0)
		return -errno;
	if (family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
		    bind(fd, (struct sockaddr *)&a4, sizeof(a4)) < 0)
			goto err;
	} else if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
		   setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0 ||
		   setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) < 0 ||
		   bind(fd, (struct sockaddr *)&a6, sizeof(a6)) < 0) {
		goto err;
	}
	return fd;
err:
	ret = -errno;
	close(fd);
	return ret;
}

/* Delete the rules of both families (ENOENT when there were none). */
static void rules_del(void)
{
	keyd_tun_rule(false, AF_INET, KEYD_DP_MARK, KEYD_DP_TABLE, KEYD_DP_RULE_PREF);
	keyd_tun_rule(false, AF_INET6, KEYD_DP_MARK, KEYD_DP_TABLE, KEYD_DP_RULE_PREF);
}

/* keyd's own packets (the raw send sockets) carry KEYD_DP_MARK and the
 * rules "not fwmark KEYD_DP_MARK lookup KEYD_DP_TABLE" send every other
 * packet through keyd's table first: routes there may cover the peer's
 * address without catching the ESP to it. SO_MARK needs CAP_NET_ADMIN
 * (in unshare -Urn: the namespace's own). 0 or -errno; on failure
 * nothing is left set up and the data path works without the table. */
static int mark_setup(struct keyd_dp *d)
{
	uint32_t mark = KEYD_DP_MARK;
	int ret;

	if (setsockopt(d->tx4, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0 ||
	    setsockopt(d->tx6, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
		return -errno;
	/* a keyd killed before it could remove them left them behind */
	rules_del();
	ret = keyd_tun_rule(true, AF_INET, KEYD_DP_MARK, KEYD_DP_TABLE, KEYD_DP_RULE_PREF);
	if (!ret)
		ret = keyd_tun_rule(true, AF_INET6, KEYD_DP_MARK, KEYD_DP_TABLE,
				    KEYD_DP_RULE_PREF);
	if (ret) {
		rules_del();
		mark = 0;
		setsockopt(d->tx4, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
		setsockopt(d->tx6, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
		return ret;
	}
	d->marked = true;
	return 0;
}

int keyd_dp_open(struct pfkm_net *net, const char *spec, unsigned int threads,
		 struct keyd_dp **out)
{
	static const struct { int family, proto; } raws[] = {
		[FD_ESP4] = { AF_INET, IPPROTO_ESP }, [FD_AH4] = { AF_INET, IPPROTO_AH },
		[FD_ESP6] = { AF_INET6, IPPROTO_ESP }, [FD_AH6] = { AF_INET6, IPPROTO_AH },
	};
	const char *name = NULL;
	struct keyd_dp *d;
	int ret, i;

	if (!strncmp(spec, "tun=", 4))
		name = spec + 4;
	else if (strcmp(spec, "tun"))
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (i = 0; i < FD_N; i++)
		d->fd[i] = -1;
	d->tx4 = d->tx6 = -1;
	d->net = net;
	d->buf = malloc(BUF_CAP);
	d->slot = malloc((size_t)KEYD_DP_BATCH * BUF_CAP);
	d->hold = calloc(PFKM_DP_HOLD_MAX, sizeof(*d->hold));
	if (!d->buf || !d->slot || !d->hold) {
		ret = -ENOMEM;
		goto err_alloc;
	}
	if (!threads)
		threads = keyd_dp_workers_default();
	if (threads > 1) {
		d->job = calloc(KEYD_DP_BATCH, sizeof(*d->job));
		ret = d->job ? keyd_dp_workers_create(threads, KEYD_DP_BATCH, xform_slot, d,
						      &d->workers) : -ENOMEM;
		if (ret) {
			keyd_log(KEYD_LOG_ERR, "datapath: %u crypto threads: %s", threads,
				 strerror(-ret));
			goto err_alloc;
		}
	}
	ret = pfkm_dp_create(net, &d->dp);
	if (ret) {
		keyd_log(KEYD_LOG_ERR, "datapath: %s", ret == -EOPNOTSUPP ?
			 "needs the memory store" : strerror(-ret));
		goto err_alloc;
	}
	ret = keyd_tun_open(name, d->ifname, &d->ifindex);
	if (ret < 0) {
		keyd_log(KEYD_LOG_ERR, "datapath: TUN device %s: %s", name ? name : "",
			 strerror(-ret));
		goto err_fds;
	}
	d->fd[FD_TUN] = ret;
	for (i = FD_ESP4; i <= FD_AH6; i++) {
		ret = d->fd[i] = raw_open(raws[i].family, raws[i].proto);
		if (ret < 0) {
			keyd_log(KEYD_LOG_ERR, "datapath: raw %s socket (IPv%d): %s",
				 raws[i].proto == IPPROTO_ESP ? "ESP" : "AH",
				 raws[i].family == AF_INET ? 4 : 6, strerror(-ret));
			goto err_fds;
		}
	}
	ret = d->tx4 = raw_open(AF_INET, IPPROTO_RAW);
	if (ret >= 0)
		ret = d->tx6 = raw_open(AF_INET6, IPPROTO_RAW);
	if (ret < 0) {
		keyd_log(KEYD_LOG_ERR, "datapath: raw send socket: %s", strerror(-ret));
		goto err_fds;
	}
	ret = mark_setup(d);
	if (ret)
		keyd_log(KEYD_LOG_WARN, "datapath: no fwmark %#x and rule for table %u (%s): "
			 "transport-mode policies get no route", KEYD_DP_MARK, KEYD_DP_TABLE,
			 strerror(-ret));
	for (i = FD_UDP4; i <= FD_UDP6; i++) {
		ret = d->fd[i] = udp_open(i == FD_UDP4 ? AF_INET : AF_INET6);
		if (ret < 0) {
			keyd_log(KEYD_LOG_ERR, "datapath: UDP port %d (ESP in UDP, IPv%d): %s",
				 KEYD_NATT_PORT, i == FD_UDP4 ? 4 : 6, strerror(-ret));
			goto err_fds;
		}
	}
	if (d->marked)
		keyd_log(KEYD_LOG_INFO, "datapath: TUN device %s (MTU %u), fwmark %#x, table %u, "
			 "%u crypto thread%s", d->ifname, KEYD_TUN_MTU, KEYD_DP_MARK, KEYD_DP_TABLE,
			 threads, threads == 1 ? "" : "s");
	else
		keyd_log(KEYD_LOG_INFO, "datapath: TUN device %s (MTU %u), %u crypto thread%s",
			 d->ifname, KEYD_TUN_MTU, threads, threads == 1 ? "" : "s");
	d->gc_ms = now_ms();
	routes_sync(d);
	active = d;
	*out = d;
	return 0;

err_fds:
	if (d->marked)
		rules_del();
	for (i = 0; i < FD_N; i++)
		if (d->fd[i] >= 0)
			close(d->fd[i]);
	if (d->tx4 >= 0)
		close(d->tx4);
	if (d->tx6 >= 0)
		close(d->tx6);
	pfkm_dp_destroy(d->dp);
err_alloc:
	keyd_dp_workers_destroy(d->workers);
	free(d->job);
	free(d->hold);
	free(d->slot);
	free(d->buf);
	free(d);
	return ret;
}

static void hold_drop(void *arg, void *pkt, bool send)
{
	struct keyd_dp *d = arg;

	(void)send;
	((struct hold_slot *)pkt)->used = false;
	d->held--;
}

void keyd_dp_close(struct keyd_dp *d)
{
	int i;

	if (!d)
		return;
	active = NULL;
	pfkm_dp_hold_flush(d->dp, hold_drop, d);
	if (d->marked)
		rules_del();
	/* The routes go with the device. */
	for (i = 0; i < FD_N; i++)
		close(d->fd[i]);
	close(d->tx4);
	close(d->tx6);
	keyd_dp_workers_destroy(d->workers);
	pfkm_dp_destroy(d->dp);
	free(d->job);
	free(d->hold);
	free(d->slot);
	free(d->buf);
	free(d);
}

size_t keyd_dp_pollfds(struct keyd_dp *d, struct pollfd *pfd)
{
	int i;

	for (i = 0; i < FD_N; i++)
		pfd[i] = (struct pollfd){ .fd = d->fd[i], .events = POLLIN };
	return FD_N;
}

void keyd_dp_changed(struct keyd_dp *d)
{
	d->dirty = true;
}

int keyd_dp_timeout(struct keyd_dp *d)
{
	uint64_t now = now_ms(), at = d->synced_ms + RESYNC_MS;

	if (d->dirty)
		return 0;
	if (d->held && at > now + 100)
		at = now + 100;
	return at > now ? (int)(at - now) : 0;
}

void keyd_dp_run(struct keyd_dp *d, const struct pollfd *pfd)
{
	uint64_t now;

	/* Routes first: a policy added in this round routes its packets. */
	if (d->dirty)
		routes_sync(d);
	if (pfd) {
		if (pfd[FD_ESP4].revents)
			read_raw4(d, d->fd[FD_ESP4]);
		if (pfd[FD_AH4].revents)
			read_raw4(d, d->fd[FD_AH4]);
		if (pfd[FD_ESP6].revents)
			read_framed(d, FD_ESP6);
		if (pfd[FD_AH6].revents)
			read_framed(d, FD_AH6);
		if (pfd[FD_UDP4].revents)
			read_framed(d, FD_UDP4);
		if (pfd[FD_UDP6].revents)
			read_framed(d, FD_UDP6);
		if (pfd[FD_TUN].revents)
			read_tun(d);
	}
	if (d->held)
		pfkm_dp_hold_poll(d->dp, hold_done, d);
	now = now_ms();
	if (now - d->synced_ms >= RESYNC_MS)
		routes_sync(d);
	if (now - d->gc_ms >= GC_MS) {
		pfkm_dp_gc(d->dp);
		d->gc_ms = now;
	}
}

/* "N0/N1/...": the transforms each lane ran (lane 0: the poll thread). */
static void lanes_str(const struct keyd_dp_workers *w, char *out, size_t cap)
{
	uint64_t ran[KEYD_DP_THREADS_MAX];
	unsigned int i, n = keyd_dp_workers_count(w);
	size_t o = 0;

	keyd_dp_workers_stats(w, ran, KEYD_DP_THREADS_MAX);
	out[0] = 0;
	for (i = 0; i < n && o < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%llu", i ? "/" : "",
				      (unsigned long long)ran[i]);
}

static void sa_sum(void *arg, const struct pfkm_dp_sa_info *i)
{
	struct pfkm_dp_sa_stats *sum = arg;

	sum->auth_fail += i->st.auth_fail;
	sum->replay_drop += i->st.replay_drop;
	sum->other_drop += i->st.other_drop;
}

int keyd_dp_stats_line(char *out, size_t cap)
{
	struct pfkm_dp_sa_stats sum = { 0 };
	struct pfkm_dp_stats s;
	struct keyd_dp *d = active;
	char lanes[KEYD_DP_THREADS_MAX * 21];

	if (!d) {
		snprintf(out, cap, "err ENODEV no data path (start keyd with --datapath tun)");
		return -ENODEV;
	}
	pfkm_dp_stats_get(d->dp, &s);
	pfkm_dp_sa_each(d->dp, sa_sum, &sum);
	if (d->workers)
		lanes_str(d->workers, lanes, sizeof(lanes));
	else
		snprintf(lanes, sizeof(lanes), "%llu",
			 (unsigned long long)(s.out_xform + s.in_xform));
	snprintf(out, cap, "ok dev=%s tun_rx=%llu tun_tx=%llu net_rx=%llu net_tx=%llu "
		 "out_xform=%llu in_xform=%llu auth_fail=%llu replay=%llu policy_drop=%llu "
		 "no_sa=%llu unknown_spi=%llu errors=%llu hold=%llu hold_sent=%llu "
		 "hold_timeout=%llu nopolicy=%llu out_drop=%llu in_drop=%llu threads=%u lanes=%s",
		 d->ifname, (unsigned long long)d->io.tun_rx, (unsigned long long)d->io.tun_tx,
		 (unsigned long long)d->io.net_rx, (unsigned long long)d->io.net_tx,
		 (unsigned long long)s.out_xform, (unsigned long long)s.in_xform,
		 (unsigned long long)sum.auth_fail, (unsigned long long)sum.replay_drop,
		 (unsigned long long)s.policy_drop,
		 (unsigned long long)s.no_sa, (unsigned long long)s.unknown_spi,
		 (unsigned long long)s.errors, (unsigned long long)s.hold,
		 (unsigned long long)s.hold_sent, (unsigned long long)s.hold_timeout,
		 (unsigned long long)d->io.out_nopolicy, (unsigned long long)d->io.out_drop,
		 (unsigned long long)d->io.in_drop,
		 d->workers ? keyd_dp_workers_count(d->workers) : 1u, lanes);
	return 0;
}
