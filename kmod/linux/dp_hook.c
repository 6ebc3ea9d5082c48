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
 *     policy check of everything delivered locally), FORWARD (the `fwd`
 *     policy check of clear text we route, then the `out` policy: a
 *     gateway tunnels forwarded traffic). While the namespace's
 *     SPD is empty they return NF_ACCEPT after one unlocked read.
 *   - Otherwise the hook steals the packet (NF_STOLEN) onto a per-namespace
 *     queue with its okfn; a work item (process context) takes the core's
 *     sleeping net mutex through pfkm_dp_output/input, then re-injects:
 *       out, transport: dst_output on the same route;
 *       out, tunnel:    route to the outer destination (its own family:
 *                       IPv4 in IPv6 and IPv6 in IPv4 too), dst_output;
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
 *   - GSO packets are segmented in the worker; CHECKSUM_PARTIAL is resolved
 *     (skb_checksum_help) before encryption; skbs are linearized and given
 *     DP_TAILROOM bytes (the core grows packets at the tail).
 *   - IPv6: transport and tunnel mode; IPv6 packets made bigger than the
 *     MTU despite the check (no route MTU known) are fragmented by the
 *     source (ignore_df), IPv4 ones have DF cleared.
 *   - Coexistence with Linux xfrm (esp4/ah4 via xfrm4_protocol): in our
 *     namespace xfrm has no states or policies; our LOCAL_IN hook consumes
 *     ESP/AH for our SAs before ip_local_deliver_finish reaches xfrm. ESP/AH
 *     without an SA of ours (-ESRCH) is handed on to the stack unchanged.
 * Cost: one queue + work item hop and a mutex per packet, one CPU for the
 *   namespace's crypto, ~2 copies (linearize, memmove in the core). An RCU
 *   read path with per-SA spinlocks is future work.
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
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "os.h"
#include "net.h"
#include "dp.h"
#include "../core/dp.h"
#include "af_pfkey.h"

#define DP_TAILROOM 384		/* tunnel hdr + ESP hdr/IV + pad + ICV, AH */
#define DP_QLEN 4096		/* per namespace; beyond: drop */

struct dp_pkt {
	struct list_head node;
	struct sk_buff *skb;
	int (*okfn)(struct net *, struct sock *, struct sk_buff *);
	unsigned int hook;
	u8 pf;				/* NFPROTO_IPV4 / NFPROTO_IPV6 */
	bool checked;			/* FORWARD: out of our tunnel, `fwd` checked */
};

struct dp_knet {
	struct net *net;
	struct pfkm_net *core;
	struct pfkm_dp *dp;
	spinlock_t lock;		/* q, qlen */
	struct list_head q;
	unsigned int qlen;
	struct work_struct work;
	struct sk_buff *reinject;	/* set by the worker around dst_input */
	bool hooked;
	atomic64_t qdrops;
	unsigned long gc_at;		/* jiffies of the last pfkm_dp_gc (worker only) */
};

static unsigned int dp_net_id __read_mostly;

static struct dp_knet *dkn(struct net *net)
{
	return net_generic(net, dp_net_id);
}

static unsigned int dp_hook(void *priv, struct sk_buff *skb, const struct nf_hook_state *st)
{
	struct dp_knet *kn = dkn(st->net);
	struct dp_pkt *p;
	bool checked = false;

	if (!kn->dp || !pfkm_dp_active(kn->dp))
		return NF_ACCEPT;
	if (READ_ONCE(kn->reinject) == skb) {
		/* our decapsulated packet: checked; forwarded, it still meets
		 * the `out` policy (queued: we are inside the worker) */
		if (st->hook != NF_INET_FORWARD)
			return NF_ACCEPT;
		checked = true;
	}
	p = kmalloc(sizeof(*p), GFP_ATOMIC);
	if (!p)
		goto drop;
	p->skb = skb;
	p->okfn = st->okfn;
	p->hook = st->hook;
	p->pf = st->pf;
	p->checked = checked;
	spin_lock_bh(&kn->lock);
	if (kn->qlen >= DP_QLEN) {
		spin_unlock_bh(&kn->lock);
		kfree(p);
		goto drop;
	}
	list_add_tail(&p->node, &kn->q);
	kn->qlen++;
	spin_unlock_bh(&kn->lock);
	queue_work(system_unbound_wq, &kn->work);
	return NF_STOLEN;
drop:
	atomic64_inc(&kn->qdrops);
	kfree_skb(skb);
	return NF_STOLEN;
}

/* Make skb one writable flat buffer with room to grow. */
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

/* LOCAL_OUT and FORWARD: the core's outbound decision, then send. */
static void dp_out_one(struct dp_knet *kn, struct sk_buff *skb, struct dp_pkt *p)
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
	if (ret < 0)
		goto drop;
	if (ret == PFKM_DP_PASS) {
		local_bh_disable();
		if (p->hook == NF_INET_FORWARD)
			p->okfn(kn->net, NULL, skb);	/* ip(6)_forward_finish */
		else
			dst_output(kn->net, skb->sk, skb);
		local_bh_enable();
		dst_release(rt.dst);
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
	local_bh_disable();
	dst_output(kn->net, skb->sk, skb);
	local_bh_enable();
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

static void dp_in_one(struct dp_knet *kn, struct dp_pkt *p)
{
	struct sk_buff *skb = p->skb;
	bool v6 = p->pf == NFPROTO_IPV6;
	size_t len = skb->len;
	struct dp_rt rt;
	u8 old[16];
	int ret;

	memcpy(old, v6 ? (void *)&ipv6_hdr(skb)->daddr : (void *)&ip_hdr(skb)->daddr, v6 ? 16 : 4);
	dp_rt_init(&rt, kn, skb);
	ret = dp_flat(skb);
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

static void dp_work(struct work_struct *w)
{
	struct dp_knet *kn = container_of(w, struct dp_knet, work);
	struct dp_pkt *p;

	for (;;) {
		spin_lock_bh(&kn->lock);
		p = list_first_entry_or_null(&kn->q, struct dp_pkt, node);
		if (p) {
			list_del(&p->node);
			kn->qlen--;
		}
		spin_unlock_bh(&kn->lock);
		if (!p)
			break;
		if (p->hook == NF_INET_LOCAL_OUT || p->hook == NF_INET_FORWARD) {
			struct sk_buff *skb = p->skb, *segs, *next;

			if (skb_is_gso(skb)) {
				segs = skb_gso_segment(skb, 0);
				if (IS_ERR_OR_NULL(segs)) {
					kfree_skb(skb);
				} else {
					consume_skb(skb);
					skb_list_walk_safe(segs, skb, next) {
						skb_mark_not_on_list(skb);
						dp_out_one(kn, skb, p);
					}
				}
			} else {
				dp_out_one(kn, skb, p);
			}
		} else {
			dp_in_one(kn, p);
		}
		kfree(p);
		cond_resched();
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
	seq_printf(m, "too_big: %llu\n", st.too_big);
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
	{ .hook = dp_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_FORWARD,
	  .priority = NF_IP_PRI_LAST },
	{ .hook = dp_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_FORWARD,
	  .priority = NF_IP6_PRI_LAST },
};

static int __net_init dp_net_init(struct net *net)
{
	struct dp_knet *kn = dkn(net);
	int ret;

	kn->net = net;
	spin_lock_init(&kn->lock);
	INIT_LIST_HEAD(&kn->q);
	INIT_WORK(&kn->work, dp_work);
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
	struct dp_pkt *p, *t;

	if (kn->hooked)
		nf_unregister_net_hooks(net, dp_ops, ARRAY_SIZE(dp_ops));
	if (kn->dp)
		remove_proc_entry("pfkeyv2_dp", net->proc_net);
	cancel_work_sync(&kn->work);
	list_for_each_entry_safe(p, t, &kn->q, node) {
		kfree_skb(p->skb);
		kfree(p);
	}
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
	return register_pernet_subsys(&dp_net_ops);
}

void pfkm_dp_kexit(void)
{
	unregister_pernet_subsys(&dp_net_ops);
}
