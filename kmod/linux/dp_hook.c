// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * dp_hook.c: owns the IPv4/IPv6 netfilter hooks of each network namespace, the
 * work item that runs kmod/core/dp.c on their packets and the namespace's
 * /proc/net/pfkeyv2_dp (data-path counters, global and per SA).
 *
 * Design (simplest correct one; cost below):
 *   - Per namespace and family (IPv4, IPv6): hooks at the last priority
 *     (so conntrack, defrag and the filter tables ran first): LOCAL_OUT
 *     (outbound policy + encap), LOCAL_IN (ESP/AH for our SAs + the `in`
 *     policy check of everything delivered locally). While the namespace's
 *     SPD is empty they return NF_ACCEPT after one unlocked read.
 *   - Otherwise the hook steals the packet (NF_STOLEN) onto one of four
 *     per-namespace queues ((IPv4, IPv6) x (out, in)): the skb itself is
 *     the entry (no allocation), one spinlock, and the work item is queued
 *     only when the queues were empty. The work item (process context, on
 *     the module's unbound WQ_HIGHPRI workqueue: packet work elsewhere runs
 *     in softirq ahead of tasks, and at nice 0 the worker lost half its
 *     time to the very sender and receiver it serves) moves everything
 *     queued to local lists under one lock hold and handles the batch:
 *     pfkm_dp_output/input take the core's sleeping net mutex per packet
 *     (policy, SA choice, lifetimes, crypto on the SA's state), then:
 *       out:            queued to the transmit stage, a second work item
 *                       (system_unbound_wq, normal priority) that calls
 *                       dst_output (tunnel: the outer packet
 *                       routed first), DP_TX_CHUNK per BH-disabled run,
 *                       so the sending side (on one host: the peer's whole
 *                       receive path) runs on another CPU while the first
 *                       work item encrypts the next packets;
 *       in, transport or clear text: okfn (ip_local_deliver_finish);
 *       in, tunnel:     route the inner packet (ip_route_input_noref) and
 *                       dst_input, with `reinject` set so our LOCAL_IN hook
 *                       lets that one skb through (it was checked already).
 *     Later hooks at the same point are skipped (we are last anyway).
 *   - ACQUIRE hold: an outbound packet that finds no SA (-EAGAIN, ACQUIRE
 *     sent) goes to the core's bounded hold queue (pfkm_dp_hold). A delayed
 *     work item polls it every DP_HOLD_POLL while it holds anything: packets
 *     whose SAs now exist go through pfkm_dp_output again (never held
 *     twice), timed-out ones are dropped; all are freed at namespace exit.
 *   - Stolen skbs keep their route: skb_dst_force in the hook (TCP attaches
 *     it without a reference, valid only in the caller's RCU section).
 *   - GSO packets are segmented in the worker (no features: linear
 *     segments, checksummed while copied); CHECKSUM_PARTIAL is resolved
 *     (skb_checksum_help) before encryption; outbound skbs are linear with
 *     DP_TAILROOM bytes (the core grows packets at the tail), inbound ones
 *     only linear and writable. Crypto runs in place on skb->data
 *     (xform_kernel.c builds the scatterlist on it).
 *   - IPv6: transport and IPv6-in-IPv6 tunnel mode (outbound: the outer
 *     packet routed again when its destination differs; inbound: delivered
 *     only when the inner destination is the outer one, i.e. host-to-host,
 *     no forwarding); packets made bigger than the MTU are fragmented by
 *     the source (ignore_df).
 *   - Coexistence with Linux xfrm (esp4/ah4 via xfrm4_protocol): in our
 *     namespace xfrm has no states or policies; our LOCAL_IN hook consumes
 *     ESP/AH for our SAs before ip_local_deliver_finish reaches xfrm. ESP/AH
 *     without an SA of ours (-ESRCH) is handed on to the stack unchanged.
 * Cost: per packet a spinlock to queue, the net mutex, a copy made by
 *   GSO segmentation (as esp4's own) and a payload memmove in the core for
 *   ESP (the header is inserted in front of the payload). Per batch two
 *   work-item wake-ups. One namespace's crypto runs on one CPU at a time
 *   (the net mutex), its transmission on another. Measured in TCG at
 *   0.8-1.2x Linux xfrm's TCP throughput (tests/bench/RESULTS.md). Not done:
 *   an RCU/softirq read path in the hook (the core's SADB/SPD are under a
 *   sleeping mutex), crypto outside the net mutex for two CPUs per flow.
 */
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/ipv6.h>
#include <net/ipv6.h>
#include <net/ip6_route.h>
#include <linux/skbuff.h>
#include <linux/netdevice.h>
#include <linux/ip.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/dst.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "os.h"
#include "net.h"
#include "dp.h"
#include "../core/dp.h"
#include "af_pfkey.h"

#define DP_TAILROOM 384		/* tunnel hdr + ESP hdr/IV + pad + ICV, AH */
#define DP_QLEN 4096		/* per namespace; beyond: drop */
#define DP_TX_CHUNK 8		/* packets sent per BH-disabled run */
#define DP_HOLD_POLL (HZ / 10)	/* held packets: how often their SAs are looked for */

/* The four queues of a namespace: (IPv4, IPv6) x (LOCAL_OUT, LOCAL_IN). */
enum { DQ_OUT4, DQ_IN4, DQ_OUT6, DQ_IN6, DQ_N };

struct dp_knet {
	struct net *net;
	struct pfkm_net *core;
	struct pfkm_dp *dp;
	spinlock_t lock;		/* q[], qlen, okfn[] */
	struct sk_buff_head q[DQ_N];	/* stolen skbs, linked through skb->next */
	unsigned int qlen;
	/* LOCAL_IN's continuation (ip_local_deliver_finish, ip6_input_finish):
	 * the same function for every skb of a queue, kept here instead of in
	 * each skb (whose cb holds IPCB/IP6CB, needed after re-injection) */
	int (*okfn[DQ_N])(struct net *, struct sock *, struct sk_buff *);
	struct work_struct work;
	/* second stage: packets transformed by work, sent by txwork, so that
	 * what sending runs (the veth peer's receive, on this host) proceeds on
	 * another CPU while work encrypts the next ones */
	struct sk_buff_head txq;	/* under txq.lock */
	struct work_struct txwork;
	/* polls the core's ACQUIRE hold queue while it holds packets */
	struct delayed_work holdwork;
	struct sk_buff *reinject;	/* set by the worker around dst_input */
	bool hooked;
	atomic64_t qdrops;
	unsigned long gc_at;		/* jiffies of the last pfkm_dp_gc (worker only) */
};

static unsigned int dp_net_id __read_mostly;
/* The module's data-path workqueue for the crypto stage and the hold poll:
 * unbound, high priority (nice -20 workers), as packet processing elsewhere
 * runs in softirq ahead of tasks. The transmit stage uses system_unbound_wq. */
static struct workqueue_struct *dp_wq;

static struct dp_knet *dkn(struct net *net)
{
	return net_generic(net, dp_net_id);
}

static unsigned int dp_qidx(const struct nf_hook_state *st)
{
	return (st->pf == NFPROTO_IPV6 ? DQ_OUT6 : DQ_OUT4) + (st->hook == NF_INET_LOCAL_IN);
}

/* Softirq or process context: no allocation, one spinlock, the skb itself
 * is the queue entry. */
static unsigned int dp_hook(void *priv, struct sk_buff *skb, const struct nf_hook_state *st)
{
	struct dp_knet *kn = dkn(st->net);
	unsigned int i = dp_qidx(st);
	bool kick;

	if (!kn->dp || !pfkm_dp_active(kn->dp) || READ_ONCE(kn->reinject) == skb)
		return NF_ACCEPT;
	/* the skb outlives the caller's RCU section (TCP sets its route
	 * without a reference): take one, as nf_queue does */
	if (!skb_dst_force(skb)) {
		atomic64_inc(&kn->qdrops);
		kfree_skb(skb);
		return NF_STOLEN;
	}
	spin_lock_bh(&kn->lock);
	if (kn->qlen >= DP_QLEN) {
		spin_unlock_bh(&kn->lock);
		atomic64_inc(&kn->qdrops);
		kfree_skb(skb);
		return NF_STOLEN;
	}
	kn->okfn[i] = st->okfn;
	__skb_queue_tail(&kn->q[i], skb);
	kick = kn->qlen++ == 0;
	spin_unlock_bh(&kn->lock);
	/* the worker drains everything queued: wake it for the first only */
	if (kick)
		queue_work(dp_wq, &kn->work);
	return NF_STOLEN;
}

/* Hand a finished outbound packet to the transmit stage. */
static void dp_tx(struct dp_knet *kn, struct sk_buff *skb)
{
	bool kick;

	spin_lock_bh(&kn->txq.lock);
	kick = skb_queue_empty(&kn->txq);
	__skb_queue_tail(&kn->txq, skb);
	spin_unlock_bh(&kn->txq.lock);
	/* normal priority: the transmit stage runs the receiver's work (on one
	 * host) and must share the CPUs with tasks, capture tools included */
	if (kick)
		queue_work(system_unbound_wq, &kn->txwork);
}

/* The transmit stage: dst_output in order, DP_TX_CHUNK per BH-disabled run. */
static void dp_txwork(struct work_struct *w)
{
	struct dp_knet *kn = container_of(w, struct dp_knet, txwork);
	struct sk_buff_head batch;
	struct sk_buff *skb;
	unsigned int n;

	__skb_queue_head_init(&batch);
	for (;;) {
		spin_lock_bh(&kn->txq.lock);
		skb_queue_splice_tail_init(&kn->txq, &batch);
		spin_unlock_bh(&kn->txq.lock);
		if (skb_queue_empty(&batch))
			break;
		while (!skb_queue_empty(&batch)) {
			/* a few per BH-disabled run: what they queue for the
			 * receiver (veth: the per-CPU backlog, 1000 frames at
			 * most) is processed when BHs come back on */
			local_bh_disable();
			for (n = 0; n < DP_TX_CHUNK && (skb = __skb_dequeue(&batch)); n++)
				dst_output(kn->net, skb->sk, skb);
			local_bh_enable();
			cond_resched();
		}
	}
}

/* Make skb one writable flat buffer with room to grow (outbound). */
static int dp_flat(struct sk_buff *skb)
{
	int ret;

	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		ret = skb_checksum_help(skb);
		if (ret)
			return ret;
	}
	ret = skb_linearize(skb);
	if (ret)
		return ret;
	if (skb_cloned(skb) || skb_tailroom(skb) < DP_TAILROOM)
		return pskb_expand_head(skb, 0, DP_TAILROOM, GFP_KERNEL);
	return 0;
}

/* may_hold: a packet that finds no SA (-EAGAIN, ACQUIRE sent) is handed to
 * the core's hold queue (pfkm_dp_hold); false for packets coming back from
 * it, which are not held twice. */
static void dp_out_one(struct dp_knet *kn, struct sk_buff *skb, u8 pf, bool may_hold)
{
	struct iphdr *ih;
	size_t len = skb->len;
	__be32 old_daddr = pf == NFPROTO_IPV4 ? ip_hdr(skb)->daddr : 0;
	struct in6_addr old6 = {};
	int ret;


	if (pf == NFPROTO_IPV6)
		old6 = ipv6_hdr(skb)->daddr;

	ret = dp_flat(skb);
	if (ret)
		goto drop;
	ret = pfkm_dp_output(kn->dp, skb->data, skb->len + skb_tailroom(skb), &len);
	if (ret == -EAGAIN && may_hold && !pfkm_dp_hold(kn->dp, skb->data, skb->len, skb)) {
		/* the core owns it now (buffer untouched by -EAGAIN) */
		queue_delayed_work(dp_wq, &kn->holdwork, DP_HOLD_POLL);
		return;
	}
	if (ret < 0)
		goto drop;
	if (ret == PFKM_DP_XFORM) {
		if (len > skb->len)
			skb_put(skb, len - skb->len);
		else
			skb_trim(skb, len);
		skb->ip_summed = CHECKSUM_NONE;
		if (pf == NFPROTO_IPV6) {
			struct ipv6hdr *h6 = ipv6_hdr(skb);

			if (!ipv6_addr_equal(&h6->daddr, &old6)) {
				/* tunnel to another gateway: route the outer packet */
				struct flowi6 fl6 = { .daddr = h6->daddr, .saddr = h6->saddr,
						      .flowi6_proto = h6->nexthdr };
				struct dst_entry *dst = ip6_route_output(kn->net, NULL, &fl6);

				if (dst->error) {
					dst_release(dst);
					goto drop;
				}
				skb_dst_drop(skb);
				skb_dst_set(skb, dst);
			}
			/* the source host may fragment what encapsulation made
			 * too big */
			if (skb->len > dst_mtu(skb_dst(skb)))
				skb->ignore_df = 1;
			IP6CB(skb)->flags |= IP6SKB_XFRM_TRANSFORMED;
			goto send;
		}
		ih = ip_hdr(skb);
		if (ih->daddr != old_daddr) {
			/* tunnel: route the outer packet */
			struct flowi4 fl4 = { .daddr = ih->daddr, .saddr = ih->saddr,
					      .flowi4_proto = ih->protocol };
			struct rtable *rt = ip_route_output_key(kn->net, &fl4);

			if (IS_ERR(rt))
				goto drop;
			skb_dst_drop(skb);
			skb_dst_set(skb, &rt->dst);
		}
		/* Bigger than the MTU after encapsulation: let IP fragment it
		 * (DF is mutable for AH and outside ESP's ICV). The sender is not
		 * told a smaller PMTU (Linux XFRM lowers the bundle's MTU). */
		if (skb->len > dst_mtu(skb_dst(skb)) && (ih->frag_off & htons(IP_DF))) {
			ih->frag_off &= ~htons(IP_DF);
			ip_send_check(ih);
		}
		IPCB(skb)->flags |= IPSKB_XFRM_TRANSFORMED;
	}
send:
	dp_tx(kn, skb);
	return;
drop:
	kfree_skb(skb);
}

/* IPv6 after pfkm_dp_input: transport mode, or a tunnel ending here. */
static void dp_in6_one(struct dp_knet *kn, struct sk_buff *skb,
		       int (*okfn)(struct net *, struct sock *, struct sk_buff *),
		       int ret, size_t len, const struct in6_addr *old_daddr)
{

	if (ret == PFKM_DP_XFORM) {
		skb_trim(skb, len);
		skb->ip_summed = CHECKSUM_NONE;
		skb_reset_network_header(skb);
		/* inner IPv4, or a tunnel towards another address: not routed */
		if (ipv6_hdr(skb)->version != 6 ||
		    !ipv6_addr_equal(&ipv6_hdr(skb)->daddr, old_daddr)) {
			kfree_skb(skb);
			return;
		}
		skb_set_transport_header(skb, sizeof(struct ipv6hdr));
		IP6CB(skb)->nhoff = offsetof(struct ipv6hdr, nexthdr);
	}
	/* ip6_input_finish */
	local_bh_disable();
	okfn(kn->net, NULL, skb);
	local_bh_enable();
}

static void dp_in_one(struct dp_knet *kn, struct sk_buff *skb, u8 pf,
		      int (*okfn)(struct net *, struct sock *, struct sk_buff *))
{
	size_t len = skb->len;
	__be32 old_daddr = 0;
	struct in6_addr old6 = {};
	struct iphdr *ih;
	bool reroute = false;
	int ret;

	if (pf == NFPROTO_IPV6)
		old6 = ipv6_hdr(skb)->daddr;
	else
		old_daddr = ip_hdr(skb)->daddr;
	/* decapsulation only shrinks: flat and writable is enough */
	ret = skb_linearize_cow(skb);
	if (ret)
		goto drop;
	ret = pfkm_dp_input(kn->dp, skb->data, &len);
	if (ret == -ESRCH)	/* ESP/AH not for one of our SAs: xfrm's, maybe */
		ret = PFKM_DP_PASS;
	if (ret < 0)
		goto drop;
	if (pf == NFPROTO_IPV6) {
		dp_in6_one(kn, skb, okfn, ret, len, &old6);
		return;
	}
	ih = ip_hdr(skb);
	if (ret == PFKM_DP_XFORM) {
		skb_trim(skb, len);
		skb->ip_summed = CHECKSUM_NONE;
		skb_reset_network_header(skb);
		ih = ip_hdr(skb);
		if (ih->version != 4)	/* IPv6 out of an IPv4 tunnel: not handled */
			goto drop;
		skb_set_transport_header(skb, ih->ihl * 4);
		/* out of a tunnel towards another address: route it again */
		reroute = ih->daddr != old_daddr;
	}
	local_bh_disable();
	if (reroute) {
		skb_dst_drop(skb);
		ret = ip_route_input_noref(skb, ih->daddr, ih->saddr, ih->tos, skb->dev);
		if (ret) {
			local_bh_enable();
			goto drop;
		}
		WRITE_ONCE(kn->reinject, skb);
		dst_input(skb);
		WRITE_ONCE(kn->reinject, NULL);
	} else {
		/* ip_local_deliver_finish pulls the IP header itself */
		okfn(kn->net, NULL, skb);
	}
	local_bh_enable();
	return;
drop:
	kfree_skb(skb);
}

static void dp_out_gso(struct dp_knet *kn, struct sk_buff *skb, u8 pf)
{
	struct sk_buff *segs, *next;

	if (!skb_is_gso(skb)) {
		dp_out_one(kn, skb, pf, true);
		return;
	}
	/* no features: linear segments, checksummed while copied */
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		kfree_skb(skb);
		return;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		dp_out_one(kn, skb, pf, true);
	}
}

/* A packet back from the hold queue: send it now that its SAs exist, or
 * drop it (timed out, or teardown). */
static void dp_hold_back(void *arg, void *pkt, bool send)
{
	struct dp_knet *kn = arg;
	struct sk_buff *skb = pkt;

	if (!send) {
		kfree_skb(skb);
		return;
	}
	dp_out_one(kn, skb, skb->data[0] >> 4 == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4, false);
}

static void dp_holdwork(struct work_struct *w)
{
	struct dp_knet *kn = container_of(to_delayed_work(w), struct dp_knet, holdwork);

	if (pfkm_dp_hold_poll(kn->dp, dp_hold_back, kn))
		queue_delayed_work(dp_wq, &kn->holdwork, DP_HOLD_POLL);
}

/*
 * Drain every queue in batches: one spinlock hold moves all that is queued
 * to local lists, which are then processed without it.
 */
static void dp_work(struct work_struct *w)
{
	struct dp_knet *kn = container_of(w, struct dp_knet, work);
	int (*okfn[DQ_N])(struct net *, struct sock *, struct sk_buff *);
	struct sk_buff_head batch[DQ_N];
	struct sk_buff *skb;
	unsigned int i, n;

	for (i = 0; i < DQ_N; i++)
		__skb_queue_head_init(&batch[i]);
	for (;;) {
		spin_lock_bh(&kn->lock);
		n = kn->qlen;
		kn->qlen = 0;
		for (i = 0; i < DQ_N; i++) {
			skb_queue_splice_tail_init(&kn->q[i], &batch[i]);
			okfn[i] = kn->okfn[i];
		}
		spin_unlock_bh(&kn->lock);
		if (!n)
			break;
		for (i = 0; i < DQ_N; i++) {
			u8 pf = i >= DQ_OUT6 ? NFPROTO_IPV6 : NFPROTO_IPV4;

			while ((skb = __skb_dequeue(&batch[i]))) {
				if (i == DQ_OUT4 || i == DQ_OUT6)
					dp_out_gso(kn, skb, pf);
				else
					dp_in_one(kn, skb, pf, okfn[i]);
				cond_resched();
			}
		}
	}
	/* forget transforms of deleted SAs now and then */
	if (time_after(jiffies, kn->gc_at + 5 * HZ)) {
		kn->gc_at = jiffies;
		pfkm_dp_gc(kn->dp);
	}
}

/* ---- /proc/net/pfkeyv2_dp: the namespace's data-path counters ---------
 * Global lines "name: N", then one line per SA the data path has used:
 * "sa esp|ah DST spi 0xSPI packets N bytes N auth_fail N replay_drop N
 * other_drop N" (packets/bytes: those that passed the transform). */
static void dp_proc_sa(void *arg, const struct pfkm_dp_sa_info *i)
{
	struct seq_file *m = arg;

	if (i->family == AF_INET)
		seq_printf(m, "sa %s %pI4", i->proto == IPPROTO_AH ? "ah" : "esp", i->daddr);
	else
		seq_printf(m, "sa %s %pI6c", i->proto == IPPROTO_AH ? "ah" : "esp", i->daddr);
	seq_printf(m, " spi 0x%08x packets %llu bytes %llu auth_fail %llu replay_drop %llu other_drop %llu\n",
		   ntohl(i->spi_be), i->st.packets, i->st.bytes, i->st.auth_fail,
		   i->st.replay_drop, i->st.other_drop);
}

static int dp_proc_show(struct seq_file *m, void *v)
{
	struct dp_knet *kn = dkn(m->private);	/* single_open_net() passes the net */
	struct pfkm_dp_stats st;

	if (!kn->dp)
		return 0;
	pfkm_dp_stats_get(kn->dp, &st);
	seq_printf(m, "out_xform: %llu\n", st.out_xform);
	seq_printf(m, "in_xform: %llu\n", st.in_xform);
	seq_printf(m, "policy_drop: %llu\n", st.policy_drop);
	seq_printf(m, "discard: %llu\n", st.discard);
	seq_printf(m, "no_sa: %llu\n", st.no_sa);
	seq_printf(m, "no_state: %llu\n", st.no_state);
	seq_printf(m, "errors: %llu\n", st.errors);
	seq_printf(m, "unknown_spi: %llu\n", st.unknown_spi);
	seq_printf(m, "hold: %llu\n", st.hold);
	seq_printf(m, "hold_sent: %llu\n", st.hold_sent);
	seq_printf(m, "hold_timeout: %llu\n", st.hold_timeout);
	seq_printf(m, "queue_drops: %lld\n", (long long)atomic64_read(&kn->qdrops));
	pfkm_dp_sa_each(kn->dp, dp_proc_sa, m);
	return 0;
}

static const struct nf_hook_ops dp_ops[] = {
	{ .hook = dp_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_IP_PRI_LAST },
	{ .hook = dp_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_IN,
	  .priority = NF_IP_PRI_LAST },
	{ .hook = dp_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_IP6_PRI_LAST },
	{ .hook = dp_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_IN,
	  .priority = NF_IP6_PRI_LAST },
};

static int __net_init dp_net_init(struct net *net)
{
	struct dp_knet *kn = dkn(net);
	unsigned int i;
	int ret;

	kn->net = net;
	spin_lock_init(&kn->lock);
	for (i = 0; i < DQ_N; i++)
		__skb_queue_head_init(&kn->q[i]);
	INIT_WORK(&kn->work, dp_work);
	skb_queue_head_init(&kn->txq);
	INIT_WORK(&kn->txwork, dp_txwork);
	INIT_DELAYED_WORK(&kn->holdwork, dp_holdwork);
	kn->core = pfkm_af_core_net(net);
	if (!kn->core)
		return -ENODEV;
	ret = pfkm_dp_create(kn->core, &kn->dp);
	if (ret)
		goto err_dp;
	ret = -ENOMEM;
	if (!proc_create_net_single("pfkeyv2_dp", 0444, net->proc_net, dp_proc_show, NULL))
		goto err_proc;
	ret = nf_register_net_hooks(net, dp_ops, ARRAY_SIZE(dp_ops));
	if (ret)
		goto err_hooks;
	kn->hooked = true;
	return 0;

err_hooks:
	remove_proc_entry("pfkeyv2_dp", net->proc_net);
err_proc:
	pfkm_dp_destroy(kn->dp);
	kn->dp = NULL;
err_dp:
	return ret;
}

static void __net_exit dp_net_exit(struct net *net)
{
	struct dp_knet *kn = dkn(net);
	unsigned int i;

	if (kn->hooked)
		nf_unregister_net_hooks(net, dp_ops, ARRAY_SIZE(dp_ops));
	if (kn->dp)
		remove_proc_entry("pfkeyv2_dp", net->proc_net);
	/* work feeds holdwork, both feed txwork: stop them in that order */
	cancel_work_sync(&kn->work);
	cancel_delayed_work_sync(&kn->holdwork);
	if (kn->dp)
		pfkm_dp_hold_flush(kn->dp, dp_hold_back, kn);
	cancel_work_sync(&kn->txwork);
	skb_queue_purge(&kn->txq);
	for (i = 0; i < DQ_N; i++)
		__skb_queue_purge(&kn->q[i]);
	kn->qlen = 0;
	pfkm_dp_destroy(kn->dp);
	kn->dp = NULL;
}

static struct pernet_operations dp_net_ops = {
	.init = dp_net_init,
	.exit = dp_net_exit,
	.id = &dp_net_id,
	.size = sizeof(struct dp_knet),
};

int pfkm_dp_kinit(void)
{
	int ret;

	dp_wq = alloc_workqueue("pfkeyv2_dp", WQ_UNBOUND | WQ_HIGHPRI, 0);
	if (!dp_wq)
		return -ENOMEM;
	ret = register_pernet_subsys(&dp_net_ops);
	if (ret)
		goto err_pernet;
	return 0;

err_pernet:
	destroy_workqueue(dp_wq);
	return ret;
}

void pfkm_dp_kexit(void)
{
	unregister_pernet_subsys(&dp_net_ops);
	destroy_workqueue(dp_wq);
}
