// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * dp_hook.c: owns the IPv4/IPv6 netfilter hooks of each network namespace, the
 * work item that runs kmod/core/dp.c on their packets and the data-path
 * part of /proc/net/pfkeyv2 (counters, global and per SA; the file itself
 * is af_pfkey.c's, which calls pfkm_dp_kproc_show).
 *
 * Design (simplest correct one; cost below):
 *   - Per namespace and family (IPv4, IPv6): hooks at the last priority
 *     (so conntrack, defrag and the filter tables ran first): LOCAL_OUT
 *     (outbound policy + encap), LOCAL_IN (ESP/AH for our SAs + the `in`
 *     policy check of everything delivered locally), FORWARD (the `fwd`
 *     policy check of clear text we route, then the `out` policy: a
 *     gateway tunnels forwarded traffic). While the namespace's
 *     SPD is empty they return NF_ACCEPT after one unlocked read.
 *   - Otherwise the hook steals the packet (NF_STOLEN) onto one of eight
 *     per-namespace queues ((IPv4, IPv6) x (out, in, forward, forward
 *     already checked)): the skb itself is the entry (no allocation), one
 *     spinlock, and the work item is queued only when the queues were
 *     empty. The work item (process context, on the module's unbound
 *     WQ_HIGHPRI workqueue: packet work elsewhere runs in softirq ahead of
 *     tasks, and at nice 0 the worker lost half its time to the very
 *     sender and receiver it serves) moves everything queued to local lists
 *     under one lock hold and handles the batch: the core's calls take its
 *     sleeping net mutex per packet (policy, SA choice, lifetimes, crypto
 *     on the SA's state), then:
 *       out (local, or forwarded and encapsulated): queued to the transmit
 *                       stage, a second work item (system_unbound_wq,
 *                       normal priority) calling dst_output, DP_TX_CHUNK
 *                       per BH-disabled run, so the sending side (on one
 *                       host: the peer's whole receive path) runs on
 *                       another CPU while the first encrypts the next
 *                       packets;
 *       out, transport: on the same route;
 *       out, tunnel:    routed to the outer destination (its own family:
 *                       IPv4 in IPv6 and IPv6 in IPv4 too);
 *       forward, clear: okfn (ip_forward_finish / ip6_forward_finish);
 *       forward, encapsulated: as out, tunnel;
 *       in, transport or clear text: okfn (ip_local_deliver_finish);
 *       in, tunnel:     the core decides `in` or `fwd` by asking us whether
 *                       the inner destination is local (dp_rt_local) and
 *                       checks that policy with the SAs used; we route the
 *                       inner packet in its family and dst_input it, with
 *                       `reinject` set so our LOCAL_IN hook lets that one
 *                       skb through (checked already) and our FORWARD hook
 *                       queues it marked `checked` (only the `out` policy).
 *     Later hooks at the same point are skipped (we are last anyway).
 *   - ACQUIRE hold: a local outbound packet that finds no SA (-EAGAIN,
 *     ACQUIRE sent) goes to the core's bounded hold queue (pfkm_dp_hold). A
 *     delayed work item polls it every DP_HOLD_POLL while it holds
 *     anything: packets whose SAs now exist go through the output path
 *     again (never held twice), timed-out ones are dropped; all are freed
 *     at namespace exit. Forwarded packets are not held.
 *   - Stolen skbs keep their route: skb_dst_force in the hook (TCP attaches
 *     it without a reference, valid only in the caller's RCU section).
 *   - Path MTU as xfrm (xfrm4/6_tunnel_check_size): the core asks us for
 *     the MTU of the outermost route (dp_rt_mtu, the route kept for the
 *     send) and refuses an IPv4 packet with DF or any IPv6 packet that
 *     would not fit once encapsulated. Only for tunnels to another
 *     address: in transport mode and host-to-host tunnels the inner and
 *     outer packets share one route (see dp_rt_mtu), and a packet grown
 *     beyond the MTU is fragmented after encapsulation. We answer with ICMP "fragmentation
 *     needed" / ICMPv6 "packet too big" carrying the MTU left inside the
 *     SAs (xfrm_state_mtu): to the source of a forwarded packet, and to
 *     ourselves for a local one after lowering its route's PMTU (as
 *     ip_fragment does: the socket's error handler lowers TCP's MSS).
 *     IPv4 without DF is fragmented after encapsulation.
 *   - GSO packets are segmented in the worker (no features: linear
 *     segments, checksummed while copied); CHECKSUM_PARTIAL is resolved
 *     (skb_checksum_help) before encryption; outbound skbs are linear with
 *     DP_TAILROOM bytes (the core grows packets at the tail), inbound ones
 *     only linear and writable. Crypto runs in place on skb->data
 *     (xform_kernel.c builds the scatterlist on it).
 *   - NAT-T (RFC 3948): the core inserts and strips the UDP header of
 *     esp-udp SAs in the flat buffer (checksums included), so the glue
 *     only sees a packet grown or shrunk by 8 more bytes; inbound ESP in
 *     UDP arrives here at LOCAL_IN like any datagram (before the UDP
 *     socket lookup), IKE behind the non-ESP marker is passed on untouched.
 *   - IPv6: transport and tunnel mode; IPv6 packets made bigger than the
 *     MTU despite the check (no route MTU known) are fragmented by the
 *     source (ignore_df), IPv4 ones have DF cleared.
 *   - Coexistence with Linux xfrm (esp4/ah4 via xfrm4_protocol): in our
 *     namespace xfrm has no states or policies; our LOCAL_IN hook consumes
 *     ESP/AH for our SAs before ip_local_deliver_finish reaches xfrm. ESP/AH
 *     without an SA of ours (-ESRCH) is handed on to the stack unchanged.
 * Cost: per packet a spinlock to queue, the net mutex, a copy made by
 *   GSO segmentation (as esp4's own) and a payload memmove in the core for
 *   ESP (the header is inserted in front of the payload). Per batch two
 *   work-item wake-ups. One namespace's crypto runs on one CPU at a time
 *   (the net mutex), its transmission on another. Measured in TCG at
 *   2.0-2.5x Linux xfrm's TCP throughput with two free CPUs, 0.85-2.3x
 *   with one busy (tests/bench/RESULTS.md). Not
 *   done: an RCU/softirq read path in the hook (the core's SADB/SPD are
 *   under a sleeping mutex), crypto outside the net mutex.
 */
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/ipv6.h>
#include <net/ipv6.h>
#include <net/ip6_route.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <net/icmp.h>
#include <net/addrconf.h>
#include <net/netfilter/nf_conntrack.h>
#include <linux/skbuff.h>
#include <linux/netdevice.h>
#include <linux/ip.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/dst.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

#include "compat.h"
#include "os.h"
#include "net.h"
#include "dp.h"
#include "../core/dp.h"
#include "af_pfkey.h"

#define DP_TAILROOM 384		/* tunnel hdr + ESP hdr/IV + pad + ICV, AH */
#define DP_QLEN 4096		/* per namespace; beyond: drop */

#define DP_TX_CHUNK 8		/* packets sent per BH-disabled run */
#define DP_HOLD_POLL (HZ / 10)	/* held packets: how often their SAs are looked for */

/* The queues of a namespace: per family, LOCAL_OUT, LOCAL_IN, FORWARD and
 * FORWARD of our own decapsulated packets (`fwd` checked, only `out` left). */
enum { DQ_OUT, DQ_IN, DQ_FWD, DQ_FWDC, DQ_PER_PF };
#define DQ_N (2 * DQ_PER_PF)

struct dp_knet {
	struct net *net;
	struct pfkm_net *core;
	struct pfkm_dp *dp;
	spinlock_t lock;		/* q[], qlen, okfn[] */
	struct sk_buff_head q[DQ_N];	/* stolen skbs, linked through skb->next */
	unsigned int qlen;
	/* the hook's continuation (ip_local_deliver_finish, ip_forward_finish
	 * and their IPv6 twins): the same for every skb of a queue, kept here
	 * instead of in each skb, whose cb holds IPCB/IP6CB */
	int (*okfn[DQ_N])(struct net *, struct sock *, struct sk_buff *);
	struct work_struct work;
	/* second stage: packets transformed by work, sent by txwork */
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

/* Softirq or process context: no allocation, one spinlock, the skb itself
 * is the queue entry. */
static unsigned int dp_hook(void *priv, struct sk_buff *skb, const struct nf_hook_state *st)
{
	struct dp_knet *kn = dkn(st->net);
	unsigned int i = st->pf == NFPROTO_IPV6 ? DQ_PER_PF : 0;
	bool kick;

	if (!kn->dp || !pfkm_dp_active(kn->dp))
		return NF_ACCEPT;
	if (st->hook == NF_INET_LOCAL_OUT)
		i += DQ_OUT;
	else if (st->hook == NF_INET_LOCAL_IN)
		i += DQ_IN;
	else
		i += DQ_FWD;
	if (READ_ONCE(kn->reinject) == skb) {
		/* our decapsulated packet: checked; forwarded, it still meets
		 * the `out` policy (queued: we are inside the worker) */
		if (st->hook != NF_INET_FORWARD)
			return NF_ACCEPT;
		i += DQ_FWDC - DQ_FWD;
	}
	/* the skb outlives the caller's RCU section (TCP sets its route
	 * without a reference): take one, as nf_queue does */
	if (!skb_dst_force(skb))
		goto drop;
	spin_lock_bh(&kn->lock);
	if (kn->qlen >= DP_QLEN) {
		spin_unlock_bh(&kn->lock);
		goto drop;
	}
	kn->okfn[i] = st->okfn;
	__skb_queue_tail(&kn->q[i], skb);
	kick = kn->qlen++ == 0;
	spin_unlock_bh(&kn->lock);
	/* the worker drains everything queued: wake it for the first only */
	if (kick)
		queue_work(dp_wq, &kn->work);
	return NF_STOLEN;
drop:
	atomic64_inc(&kn->qdrops);
	kfree_skb(skb);
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

/* Routing answers for the core (struct pfkm_dp_route); arg is this. The
 * route found for the outermost destination is kept for the send. */
struct dp_rt {
	struct pfkm_dp_route r;
	struct net *net;
	struct sk_buff *skb;
	struct dst_entry *dst;		/* a reference, or NULL */
	unsigned int family;
	u8 daddr[16];
};

static bool dp_rt_local(void *arg, unsigned int family, const uint8_t *daddr)
{
	struct dp_rt *rt = arg;

	if (family == AF_INET) {
		__be32 a;

		memcpy(&a, daddr, 4);
		switch (inet_addr_type(rt->net, a)) {
		case RTN_LOCAL:
		case RTN_BROADCAST:
		case RTN_MULTICAST:
			return true;
		default:
			return false;
		}
	}
	return ipv6_addr_is_multicast((const struct in6_addr *)daddr) ||
	       ipv6_chk_addr(rt->net, (const struct in6_addr *)daddr, NULL, 0);
}

/* An output route towards daddr in family (a reference), or NULL. */
static struct dst_entry *dp_route_out(struct net *net, unsigned int family, const u8 *saddr,
				      const u8 *daddr)
{
	if (family == AF_INET) {
		struct flowi4 fl4 = { };
		struct rtable *r;

		memcpy(&fl4.daddr, daddr, 4);
		memcpy(&fl4.saddr, saddr, 4);
		r = ip_route_output_key(net, &fl4);
		return IS_ERR(r) ? NULL : &r->dst;
	} else {
		struct flowi6 fl6 = { };
		struct dst_entry *d;

		memcpy(&fl6.daddr, daddr, 16);
		memcpy(&fl6.saddr, saddr, 16);
		d = ip6_route_output(net, NULL, &fl6);
		if (d->error) {
			dst_release(d);
			return NULL;
		}
		return d;
	}
}

static uint32_t dp_rt_mtu(void *arg, unsigned int family, const uint8_t *saddr,
			  const uint8_t *daddr)
{
	struct dp_rt *rt = arg;
	struct sk_buff *skb = rt->skb;
	size_t n = family == AF_INET ? 4 : 16;
	bool v6 = skb->data[0] >> 4 == 6;

	/* Transport mode or a host-to-host tunnel: inner and outer packet
	 * share one route. Lowering its PMTU for the inner packets (what
	 * the socket would learn) would limit the outer ones to it too, and
	 * IP would fragment every full-sized one (xfrm keeps the two apart:
	 * the bundle's dst carries the inner MTU). No check here: the
	 * encapsulated packet is fragmented by IP when it exceeds the MTU. */
	if (skb_dst(skb) && family == (v6 ? AF_INET6 : AF_INET) &&
	    !memcmp(daddr, skb->data + (v6 ? 24 : 16), n))
		return 0;
	dst_release(rt->dst);
	rt->dst = dp_route_out(rt->net, family, saddr, daddr);
	if (!rt->dst)
		return 0;
	rt->family = family;
	memcpy(rt->daddr, daddr, n);
	return dst_mtu(rt->dst);
}

static void dp_rt_init(struct dp_rt *rt, struct dp_knet *kn, struct sk_buff *skb)
{
	memset(rt, 0, sizeof(*rt));
	rt->r.local = dp_rt_local;
	rt->r.mtu = dp_rt_mtu;
	rt->r.arg = rt;
	rt->net = kn->net;
	rt->skb = skb;
}

/*
 * The path MTU check refused skb (untouched, mtu: what fits before
 * encapsulation): tell its source. Forwarded: ICMP to the sender. Local:
 * the route's PMTU lowered, and the ICMP to ourselves that the socket's
 * error handler turns into a smaller MSS or EMSGSIZE (ip_fragment does
 * the same for a local DF packet).
 */
static void dp_too_big(struct sk_buff *skb, u8 pf, unsigned int hook, u32 mtu)
{
	if (!skb_dst(skb))
		return;
	/* a local packet has no device before ip(6)_output: the route's flow
	 * key and icmp6_send want one */
	if (!skb->dev)
		skb->dev = skb_dst(skb)->dev;
	if (hook == NF_INET_LOCAL_OUT)
		skb_dst_update_pmtu_no_confirm(skb, mtu);
	local_bh_disable();
	if (pf == NFPROTO_IPV4) {
		/* the cb may not be an IPCB here; no options are echoed */
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
	} else {
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		IP6CB(skb)->iif = skb->dev->ifindex;
		icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	}
	local_bh_enable();
}

/* One stolen packet's context: family, hook, continuation. */
struct dp_ctx {
	u8 pf;				/* NFPROTO_IPV4 / NFPROTO_IPV6 */
	unsigned int hook;
	bool checked;			/* FORWARD: out of our tunnel, `fwd` checked */
	bool may_hold;			/* LOCAL_OUT: -EAGAIN goes to the hold queue */
	int (*okfn)(struct net *, struct sock *, struct sk_buff *);
};

/* LOCAL_OUT and FORWARD: the core's outbound decision, then send. */
static void dp_out_one(struct dp_knet *kn, struct sk_buff *skb, const struct dp_ctx *p)
{
	u8 pf = p->pf;
	bool v6 = pf == NFPROTO_IPV6;
	size_t len = skb->len;
	u8 old[16];
	struct dp_rt rt;
	int ret;

	memcpy(old, v6 ? (void *)&ipv6_hdr(skb)->daddr : (void *)&ip_hdr(skb)->daddr, v6 ? 16 : 4);
	dp_rt_init(&rt, kn, skb);
	ret = dp_flat(skb);
	if (ret)
		goto drop;
	if (p->hook == NF_INET_FORWARD)
		ret = pfkm_dp_forward(kn->dp, skb->data, skb->len + skb_tailroom(skb), &len,
				      &rt.r, p->checked);
	else
		ret = pfkm_dp_output_route(kn->dp, skb->data, skb->len + skb_tailroom(skb), &len,
					   &rt.r);
	if (ret == -EMSGSIZE && rt.r.mtu_out) {
		dp_too_big(skb, pf, p->hook, rt.r.mtu_out);
		goto drop;
	}
	if (ret == -EAGAIN && p->may_hold && !pfkm_dp_hold(kn->dp, skb->data, skb->len, skb)) {
		/* the core owns it now (buffer untouched by -EAGAIN) */
		dst_release(rt.dst);
		queue_delayed_work(dp_wq, &kn->holdwork, DP_HOLD_POLL);
		return;
	}
	if (ret < 0)
		goto drop;
	if (ret == PFKM_DP_PASS) {
		dst_release(rt.dst);
		if (p->hook == NF_INET_FORWARD) {
			local_bh_disable();
			p->okfn(kn->net, NULL, skb);	/* ip(6)_forward_finish */
			local_bh_enable();
		} else {
			dp_tx(kn, skb);	/* in order with the flow's others */
		}
		return;
	}
	if (len > skb->len)
		skb_put(skb, len - skb->len);
	else
		skb_trim(skb, len);
	skb->ip_summed = CHECKSUM_NONE;
	skb_reset_network_header(skb);
	if (skb->data[0] >> 4 == 6) {
		struct ipv6hdr *h6 = ipv6_hdr(skb);

		if (!v6 || !ipv6_addr_equal(&h6->daddr, (struct in6_addr *)old)) {
			/* tunnel to a gateway: the outer packet's route */
			if (!rt.dst || rt.family != AF_INET6 ||
			    memcmp(rt.daddr, &h6->daddr, 16)) {
				dst_release(rt.dst);
				rt.dst = dp_route_out(kn->net, AF_INET6, (u8 *)&h6->saddr,
						      (u8 *)&h6->daddr);
				if (!rt.dst)
					goto drop;
			}
			skb_dst_drop(skb);
			skb_dst_set(skb, rt.dst);
			rt.dst = NULL;
			if (!v6)
				memset(skb->cb, 0, sizeof(skb->cb));
		}
		skb->protocol = htons(ETH_P_IPV6);
		/* only without a known route MTU (the check let it be): the
		 * source fragments what encapsulation made too big */
		if (skb->len > dst_mtu(skb_dst(skb)))
			skb->ignore_df = 1;
		IP6CB(skb)->flags |= IP6SKB_XFRM_TRANSFORMED;
	} else {
		struct iphdr *ih = ip_hdr(skb);

		if (v6 || memcmp(&ih->daddr, old, 4)) {
			if (!rt.dst || rt.family != AF_INET || memcmp(rt.daddr, &ih->daddr, 4)) {
				dst_release(rt.dst);
				rt.dst = dp_route_out(kn->net, AF_INET, (u8 *)&ih->saddr,
						      (u8 *)&ih->daddr);
				if (!rt.dst)
					goto drop;
			}
			skb_dst_drop(skb);
			skb_dst_set(skb, rt.dst);
			rt.dst = NULL;
			if (v6)
				memset(skb->cb, 0, sizeof(skb->cb));
		}
		skb->protocol = htons(ETH_P_IP);
		/* Bigger than the MTU after encapsulation without DF (or no
		 * route MTU known): IP fragments it (DF is mutable for AH and
		 * outside ESP's ICV). */
		if (skb->len > dst_mtu(skb_dst(skb)) && (ih->frag_off & htons(IP_DF))) {
			ih->frag_off &= ~htons(IP_DF);
			ip_send_check(ih);
		}
		IPCB(skb)->flags |= IPSKB_XFRM_TRANSFORMED;
	}
	dst_release(rt.dst);	/* not the route used (transport mode) */
	dp_tx(kn, skb);
	return;
drop:
	dst_release(rt.dst);
	kfree_skb(skb);
}

/*
 * Out of a tunnel towards another address or family: route the inner
 * packet in its family as if it had just arrived on skb->dev and hand it
 * to that route's input (local delivery or ip(6)_forward), with `reinject`
 * set: our LOCAL_IN hook lets it through, our FORWARD hook queues it as
 * checked. Conntrack state and control block of the outer packet dropped.
 */
static void dp_reinject(struct dp_knet *kn, struct sk_buff *skb)
{
	int ret = 0;

	skb_reset_network_header(skb);
	nf_reset_ct(skb);
	memset(skb->cb, 0, sizeof(skb->cb));
	skb_dst_drop(skb);
	local_bh_disable();
	rcu_read_lock();
	if (skb->data[0] >> 4 == 4) {
		struct iphdr *ih = ip_hdr(skb);

		skb->protocol = htons(ETH_P_IP);
		skb_set_transport_header(skb, ih->ihl * 4);
		ret = ip_route_input_noref(skb, ih->daddr, ih->saddr, ih->tos, skb->dev);
	} else {
		struct ipv6hdr *h6 = ipv6_hdr(skb);
		struct flowi6 fl6 = {
			.flowi6_iif = skb->dev->ifindex,
			.daddr = h6->daddr,
			.saddr = h6->saddr,
			.flowlabel = ip6_flowinfo(h6),
			.flowi6_mark = skb->mark,
			.flowi6_proto = h6->nexthdr,
		};
		struct dst_entry *dst;

		skb->protocol = htons(ETH_P_IPV6);
		skb_set_transport_header(skb, sizeof(struct ipv6hdr));
		IP6CB(skb)->nhoff = offsetof(struct ipv6hdr, nexthdr);
		IP6CB(skb)->iif = skb->dev->ifindex;
		dst = ip6_route_input_lookup(kn->net, skb->dev, &fl6, skb,
					     RT6_LOOKUP_F_HAS_SADDR);
		skb_dst_set(skb, dst);
		ret = dst->error;
	}
	if (ret) {
		kfree_skb(skb);
	} else {
		WRITE_ONCE(kn->reinject, skb);
		dst_input(skb);
		WRITE_ONCE(kn->reinject, NULL);
	}
	rcu_read_unlock();
	local_bh_enable();
}

static void dp_in_one(struct dp_knet *kn, struct sk_buff *skb, const struct dp_ctx *p)
{
	bool v6 = p->pf == NFPROTO_IPV6;
	size_t len = skb->len;
	struct dp_rt rt;
	u8 old[16];
	int ret;

	memcpy(old, v6 ? (void *)&ipv6_hdr(skb)->daddr : (void *)&ip_hdr(skb)->daddr, v6 ? 16 : 4);
	dp_rt_init(&rt, kn, skb);
	/* decapsulation only shrinks: flat and writable is enough */
	ret = skb_linearize_cow(skb);
	if (ret)
		goto drop;
	ret = pfkm_dp_input_route(kn->dp, skb->data, &len, &rt.r);
	if (ret == -ESRCH)	/* ESP/AH not for one of our SAs: xfrm's, maybe */
		ret = PFKM_DP_PASS;
	if (ret < 0)
		goto drop;
	if (ret != PFKM_DP_PASS) {
		bool same;

		skb_trim(skb, len);
		skb->ip_summed = CHECKSUM_NONE;
		skb_reset_network_header(skb);
		/* ESP in UDP: early demux may have given the datagram a UDP
		 * socket, which the inner protocol's receive must not steal */
		skb_orphan(skb);
		same = ret == PFKM_DP_XFORM && skb->data[0] >> 4 == (v6 ? 6 : 4) &&
		       !memcmp(skb->data + (v6 ? 24 : 16), old, v6 ? 16 : 4);
		if (!same) {
			dp_reinject(kn, skb);
			return;
		}
		if (v6) {
			skb_set_transport_header(skb, sizeof(struct ipv6hdr));
			IP6CB(skb)->nhoff = offsetof(struct ipv6hdr, nexthdr);
		} else {
			skb_set_transport_header(skb, ip_hdr(skb)->ihl * 4);
		}
	}
	/* ip_local_deliver_finish / ip6_input_finish (they pull the header) */
	local_bh_disable();
	p->okfn(kn->net, NULL, skb);
	local_bh_enable();
	return;
drop:
	kfree_skb(skb);
}

static void dp_out_gso(struct dp_knet *kn, struct sk_buff *skb, const struct dp_ctx *p)
{
	struct sk_buff *segs, *next;

	if (!skb_is_gso(skb)) {
		dp_out_one(kn, skb, p);
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
		dp_out_one(kn, skb, p);
	}
}

/* A packet back from the hold queue (only LOCAL_OUT ones are held): send
 * it now that its SAs exist, or drop it (timed out, or teardown). */
static void dp_hold_back(void *arg, void *pkt, bool send)
{
	struct dp_knet *kn = arg;
	struct sk_buff *skb = pkt;
	struct dp_ctx c = {
		.pf = skb->data[0] >> 4 == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4,
		.hook = NF_INET_LOCAL_OUT,
	};

	if (!send) {
		kfree_skb(skb);
		return;
	}
	dp_out_one(kn, skb, &c);
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
			unsigned int k = i % DQ_PER_PF;
			struct dp_ctx c = {
				.pf = i >= DQ_PER_PF ? NFPROTO_IPV6 : NFPROTO_IPV4,
				.hook = k == DQ_OUT ? NF_INET_LOCAL_OUT :
					k == DQ_IN ? NF_INET_LOCAL_IN : NF_INET_FORWARD,
				.checked = k == DQ_FWDC,
				.may_hold = k == DQ_OUT,
				.okfn = okfn[i],
			};

			while ((skb = __skb_dequeue(&batch[i]))) {
				if (k == DQ_IN)
					dp_in_one(kn, skb, &c);
				else
					dp_out_gso(kn, skb, &c);
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

/* ---- /proc/net/pfkeyv2: the namespace's data-path counters ------------
 * Global lines "name: N", then one line per SA the data path has used:
 * "sa esp|ah DST spi 0xSPI packets N bytes N auth_fail N replay_drop N
 * other_drop N" (packets/bytes: those that went through the transform,
 * the same as the SA's CURRENT lifetime).
 *
 * Lifetime: the file belongs to af_pfkey.c's pernet state, which exists
 * before ours (created first) and after it (destroyed last), so the show
 * may run while our state does not exist. A namespace that goes away
 * cannot be read (an open file holds the net), but module load and
 * unload create and destroy our state in every live namespace while
 * /proc/net/pfkeyv2 is readable; before register_pernet_subsys our id is
 * not even valid. dp_proc_ok, set once our state exists everywhere and
 * cleared before it goes, under dp_proc_lock (which the show holds
 * throughout), keeps the show off it then. */
static DEFINE_MUTEX(dp_proc_lock);
static bool dp_proc_ok;		/* under dp_proc_lock */

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

static void dp_proc_print(struct seq_file *m, struct dp_knet *kn)
{
	struct pfkm_dp_stats st;

	pfkm_dp_stats_get(kn->dp, &st);
	seq_printf(m, "out_xform: %llu\n", st.out_xform);
	seq_printf(m, "in_xform: %llu\n", st.in_xform);
	seq_printf(m, "policy_drop: %llu\n", st.policy_drop);
	seq_printf(m, "discard: %llu\n", st.discard);
	seq_printf(m, "no_sa: %llu\n", st.no_sa);
	seq_printf(m, "no_state: %llu\n", st.no_state);
	seq_printf(m, "errors: %llu\n", st.errors);
	seq_printf(m, "unknown_spi: %llu\n", st.unknown_spi);
	seq_printf(m, "seq_overflow: %llu\n", st.seq_overflow);
	seq_printf(m, "too_big: %llu\n", st.too_big);
	seq_printf(m, "queue_drops: %lld\n", (long long)atomic64_read(&kn->qdrops));
	seq_printf(m, "hold: %llu\n", st.hold);
	seq_printf(m, "hold_sent: %llu\n", st.hold_sent);
	seq_printf(m, "hold_timeout: %llu\n", st.hold_timeout);
	seq_printf(m, "natt_no_sa: %llu\n", st.natt_no_sa);
	seq_printf(m, "natt_keepalive: %llu\n", st.natt_keepalive);
	pfkm_dp_sa_each(kn->dp, dp_proc_sa, m);
}

void pfkm_dp_kproc_show(struct seq_file *m, struct net *net)
{
	struct dp_knet *kn;

	mutex_lock(&dp_proc_lock);
	if (dp_proc_ok) {
		kn = dkn(net);
		if (kn->dp)	/* NULL: this namespace's init failed */
			dp_proc_print(m, kn);
	}
	mutex_unlock(&dp_proc_lock);
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
	{ .hook = dp_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_FORWARD,
	  .priority = NF_IP_PRI_LAST },
	{ .hook = dp_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_FORWARD,
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
	ret = nf_register_net_hooks(net, dp_ops, ARRAY_SIZE(dp_ops));
	if (ret)
		goto err_hooks;
	kn->hooked = true;
	return 0;

err_hooks:
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
	mutex_lock(&dp_proc_lock);
	dp_proc_ok = true;
	mutex_unlock(&dp_proc_lock);
	return 0;

err_pernet:
	destroy_workqueue(dp_wq);
	return ret;
}

void pfkm_dp_kexit(void)
{
	mutex_lock(&dp_proc_lock);
	dp_proc_ok = false;
	mutex_unlock(&dp_proc_lock);
	unregister_pernet_subsys(&dp_net_ops);
	destroy_workqueue(dp_wq);
}
