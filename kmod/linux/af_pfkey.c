// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * af_pfkey.c: the PF_KEY socket family of pfkeyv2.ko. Owns the struct sock
 * wrapper (one struct pfkm_sock of the core per socket), the per-network-
 * namespace struct pfkm_net and /proc/net/pfkeyv2 (the core's counters).
 * The core does the
 * protocol; this file only moves bytes and enforces socket rules as Linux
 * af_key does:
 *   - socket(PF_KEY, SOCK_RAW, PF_KEY_V2) only, CAP_NET_ADMIN in the net's
 *     user namespace;
 *   - sendmsg: MSG_OOB -> EOPNOTSUPP, larger than sk_sndbuf - 32 ->
 *     EMSGSIZE, unreadable buffer -> EFAULT, then whatever the core returns
 *     (header errors; later errors come back as messages);
 *   - every reply/broadcast is one skb charged to the reader's receive
 *     buffer; a reader above sk_rcvbuf loses it (-ENOBUFS, counted by the
 *     core as a drop), exactly af_key's pfkey_broadcast_one() rule;
 *   - recvmsg resumes a paused dump once rmem <= rcvbuf / 3;
 *   - per-namespace limits (module parameters max_sas, max_policies, and
 *     userns_max_sas, userns_max_policies for a namespace owned by a user
 *     namespace other than the initial one): a request that would add an
 *     SA (ADD, GETSPI) or a policy (X_SPDADD, X_SPDSETIDX, X_SPDUPDATE) to
 *     a namespace at its limit is answered, as any failed request, by a
 *     copy of its header with sadb_msg_errno ENOBUFS, before the engine
 *     sees it (so X_PROMISC sockets get no copy of it). The count is
 *     xfrm's own (what the store's info op reports), read without the
 *     engine's lock before the request runs: concurrent writers may
 *     overshoot the limit by one entry each, never more;
 *   - memory the engine allocates for a request is charged to the caller's
 *     memory cgroup (os_kernel.c: GFP_KERNEL_ACCOUNT).
 *
 * Lifetimes: a socket holds a reference on its net namespace (sk_alloc) and
 * on this module (proto_ops.owner), so the pernet exit — which destroys the
 * SADB/SPD with whatever is still installed — runs only after the last
 * socket of that namespace is gone, and module unload only after all.
 * Locking: the core serialises each net under its own mutex; deliver() is
 * called under it and never re-enters the core.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/capability.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include "compat.h"
#include "os.h"
#include "pfkey.h"
#include "af_pfkey.h"
#include "store_xfrm.h"

struct pfkm_knet {
	struct pfkm_net *core;
	atomic64_t limit_refused;	/* requests refused by the limits */
};

/* ---- per-namespace limits (module parameters, writable at run time) -- */

static unsigned int max_sas = 1048576;
module_param(max_sas, uint, 0644);
MODULE_PARM_DESC(max_sas, "SAs per network namespace of the initial user namespace (beyond: ENOBUFS)");
static unsigned int max_policies = 102400;
module_param(max_policies, uint, 0644);
MODULE_PARM_DESC(max_policies, "Policies per network namespace of the initial user namespace (beyond: ENOBUFS)");
static unsigned int userns_max_sas = 10000;
module_param(userns_max_sas, uint, 0644);
MODULE_PARM_DESC(userns_max_sas, "SAs per network namespace owned by another user namespace (beyond: ENOBUFS)");
static unsigned int userns_max_policies = 10000;
module_param(userns_max_policies, uint, 0644);
MODULE_PARM_DESC(userns_max_policies, "Policies per network namespace owned by another user namespace (beyond: ENOBUFS)");

static u64 net_max_sas(const struct net *net)
{
	return net->user_ns == &init_user_ns ? READ_ONCE(max_sas) : READ_ONCE(userns_max_sas);
}

static u64 net_max_policies(const struct net *net)
{
	return net->user_ns == &init_user_ns ? READ_ONCE(max_policies) :
	       READ_ONCE(userns_max_policies);
}

struct pfkm_ksock {
	struct sock sk;		/* first: sk_alloc() sizes us by proto.obj_size */
	struct pfkm_sock *core;	/* NULL once released */
};

static unsigned int pfkm_net_id __read_mostly;

static struct pfkm_ksock *pfkm_ks(struct sock *sk)
{
	return container_of(sk, struct pfkm_ksock, sk);
}

static struct pfkm_knet *knet(struct net *net)
{
	return net_generic(net, pfkm_net_id);
}

struct pfkm_net *pfkm_af_core_net(struct net *net)
{
	return knet(net)->core;
}

/* ---- core callbacks -------------------------------------------------- */

/* One message onto sk's receive queue, charged to its receive buffer. */
static int sk_queue_msg(struct sock *sk, const void *msg, size_t len)
{
	struct sk_buff *skb;

	if (atomic_read(&sk->sk_rmem_alloc) > sk->sk_rcvbuf)
		return -ENOBUFS;
	skb = alloc_skb(len, GFP_KERNEL);
	if (!skb)
		return -ENOBUFS;
	skb_put_data(skb, msg, len);
	skb_set_owner_r(skb, sk);
	skb_queue_tail(&sk->sk_receive_queue, skb);
	sk->sk_data_ready(sk);
	return 0;
}

static int ks_deliver(struct pfkm_sock *ps, const void *msg, size_t len)
{
	return sk_queue_msg(pfkm_sock_priv(ps), msg, len);
}

static size_t ks_rmem(struct pfkm_sock *ps)
{
	struct sock *sk = pfkm_sock_priv(ps);

	return (size_t)atomic_read(&sk->sk_rmem_alloc);
}

static size_t ks_rcvbuf(struct pfkm_sock *ps)
{
	struct sock *sk = pfkm_sock_priv(ps);

	return (size_t)READ_ONCE(sk->sk_rcvbuf);
}

static const struct pfkm_sock_ops ks_ops = {
	.deliver = ks_deliver,
	.rmem = ks_rmem,
	.rcvbuf = ks_rcvbuf,
};

/* ---- proto_ops ------------------------------------------------------- */

/* Queued messages may hold keys (GET replies, ADD broadcasts): wipe them
 * before the memory goes back to the allocator.
 */
static void wipe_free_skb(struct sk_buff *skb)
{
	memzero_explicit(skb->data, skb->len);
	kfree_skb(skb);
}

static int pfkm_release(struct socket *sock)
{
	struct sk_buff *skb;
	struct sock *sk = sock->sk;
	struct pfkm_ksock *ks;

	if (!sk)
		return 0;
	ks = pfkm_ks(sk);
	sock_orphan(sk);
	sock->sk = NULL;
	/* After this returns the core holds no pointer to sk: no deliver()
	 * can race with the purge below.
	 */
	pfkm_sock_release(ks->core);
	ks->core = NULL;
	skb_queue_purge(&sk->sk_write_queue);
	while ((skb = skb_dequeue(&sk->sk_receive_queue)))
		wipe_free_skb(skb);
	sock_put(sk);
	return 0;
}

/*
 * 0 when buf[len] may go to the engine; -ENOBUFS when it is a well-formed
 * request that would add an SA or a policy to a namespace at its limit.
 * Anything malformed goes to the engine, which reports it.
 */
static int limit_check(struct net *net, const void *buf, size_t len)
{
	const struct sadb_msg *h = buf;

	if (len < sizeof(*h) || h->sadb_msg_version != PF_KEY_V2 ||
	    (size_t)h->sadb_msg_len * PFKM_UNIT != len)
		return 0;
	switch (h->sadb_msg_type) {
	case SADB_ADD:
	case SADB_GETSPI:
		return pfkm_xfrm_sa_count(net) >= net_max_sas(net) ? -ENOBUFS : 0;
	case SADB_X_SPDADD:
	case SADB_X_SPDSETIDX:
	case SADB_X_SPDUPDATE:
		return pfkm_xfrm_pol_count(net) >= net_max_policies(net) ? -ENOBUFS : 0;
	default:
		return 0;
	}
}

/* The engine's error reply (af_key's pfkey_error): the request's header,
 * sadb_msg_errno set, sadb_msg_len 2, to the sender only.
 */
static void error_reply(struct sock *sk, const void *buf, int err)
{
	struct sadb_msg h;

	memcpy(&h, buf, sizeof(h));
	h.sadb_msg_errno = (u8)-err;
	h.sadb_msg_len = sizeof(h) / PFKM_UNIT;
	/* A full receive buffer loses it, as any reply. */
	sk_queue_msg(sk, &h, sizeof(h));
}

static int pfkm_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct pfkm_ksock *ks = pfkm_ks(sk);
	void *buf;
	int ret;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	if ((unsigned int)len > sk->sk_sndbuf - 32)
		return -EMSGSIZE;
	buf = kvmalloc(len ? len : 1, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOBUFS;
	ret = -EFAULT;
	if (!copy_from_iter_full(buf, len, &msg->msg_iter))
		goto out;
	ret = limit_check(sock_net(sk), buf, len);
	if (ret) {
		atomic64_inc(&knet(sock_net(sk))->limit_refused);
		error_reply(sk, buf, ret);
		ret = 0;
		goto out;
	}
	ret = pfkm_sock_send(ks->core, buf, len);
out:
	/* Requests carry keys: wipe the copy. */
	kvfree_sensitive(buf, len ? len : 1);
	return ret < 0 ? ret : (int)len;
}

static int pfkm_recvmsg(struct socket *sock, struct msghdr *msg, size_t len, int flags)
{
	struct sock *sk = sock->sk;
	struct pfkm_ksock *ks = pfkm_ks(sk);
	struct sk_buff *skb;
	size_t copied;
	int err;

	if (flags & ~(MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_COMPAT))
		return -EINVAL;
	skb = pfkm_skb_recv_datagram(sk, flags, &err);
	if (!skb)
		return err;
	copied = skb->len;
	if (copied > len) {
		msg->msg_flags |= MSG_TRUNC;
		copied = len;
	}
	skb_reset_transport_header(skb);
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (err)
		goto out;
	sock_recv_cmsgs(msg, sk, skb);
	err = (flags & MSG_TRUNC) ? skb->len : copied;
	/* af_key's rule: a paused dump continues once the reader drained its
	 * queue to a third of the buffer.
	 */
	if (3 * (size_t)atomic_read(&sk->sk_rmem_alloc) <= (size_t)READ_ONCE(sk->sk_rcvbuf))
		pfkm_sock_dump_resume(ks->core);
out:
	/* Without MSG_PEEK the skb left the queue and is ours alone. */
	if (!(flags & MSG_PEEK))
		memzero_explicit(skb->data, skb->len);
	skb_free_datagram(sk, skb);
	return err;
}

static const struct proto_ops pfkm_ops = {
	.family = PF_KEY,
	.owner = THIS_MODULE,
	.release = pfkm_release,
	.bind = sock_no_bind,
	.connect = sock_no_connect,
	.socketpair = sock_no_socketpair,
	.accept = sock_no_accept,
	.getname = sock_no_getname,
	.ioctl = sock_no_ioctl,
	.listen = sock_no_listen,
	.shutdown = sock_no_shutdown,
	.mmap = sock_no_mmap,
#ifdef PFKM_HAVE_SENDPAGE
	.sendpage = sock_no_sendpage,
#endif
	.poll = datagram_poll,
	.sendmsg = pfkm_sendmsg,
	.recvmsg = pfkm_recvmsg,
};

static struct proto pfkm_proto = {
	.name = "PFKEYV2",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct pfkm_ksock),
};

static int pfkm_create(struct net *net, struct socket *sock, int protocol, int kern)
{
	struct pfkm_ksock *ks;
	struct sock *sk;

	if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (sock->type != SOCK_RAW)
		return -ESOCKTNOSUPPORT;
	if (protocol != PF_KEY_V2)
		return -EPROTONOSUPPORT;
	sk = sk_alloc(net, PF_KEY, GFP_KERNEL, &pfkm_proto, kern);
	if (!sk)
		return -ENOMEM;
	sock->ops = &pfkm_ops;
	sock_init_data(sock, sk);
	sk->sk_family = PF_KEY;
	ks = pfkm_ks(sk);
	ks->core = pfkm_sock_create(pfkm_af_core_net(net), &ks_ops, sk);
	if (!ks->core) {
		sock->sk = NULL;
		sk_free(sk);
		return -ENOMEM;
	}
	return 0;
}

static const struct net_proto_family pfkm_family = {
	.family = PF_KEY,
	.create = pfkm_create,
	.owner = THIS_MODULE,
};

/* ---- /proc/net/pfkeyv2 -----------------------------------------------
 * The core's counters of this namespace, then its limits and how many
 * requests they refused. Counts only (no address, SPI or key): readable by
 * anyone who can see the namespace's /proc/net. The file lives from our
 * pernet init to our pernet exit.
 */

static int pfkm_proc_show(struct seq_file *m, void *v)
{
	struct net *net = m->private;	/* single_open_net() passes the net */
	struct pfkm_net_stats st;

	pfkm_net_stats_get(pfkm_af_core_net(net), &st);
	seq_printf(m, "sockets: %llu\n", (unsigned long long)st.sockets);
	seq_printf(m, "sas: %llu\n", (unsigned long long)st.sas);
	seq_printf(m, "policies: %llu\n", (unsigned long long)st.policies);
	seq_printf(m, "drops: %llu\n", (unsigned long long)st.drops);
	seq_printf(m, "acquires: %llu\n", (unsigned long long)st.acquires);
	seq_printf(m, "expires: %llu\n", (unsigned long long)st.expires);
	seq_printf(m, "sas_max: %llu\n", (unsigned long long)net_max_sas(net));
	seq_printf(m, "policies_max: %llu\n", (unsigned long long)net_max_policies(net));
	seq_printf(m, "limit_refused: %lld\n", (long long)atomic64_read(&knet(net)->limit_refused));
	return 0;
}

/* ---- per network namespace ------------------------------------------- */

static int __net_init pfkm_net_init(struct net *net)
{
	struct pfkm_knet *kn = knet(net);
	int ret;

	atomic64_set(&kn->limit_refused, 0);
	ret = pfkm_net_create_on(pfkm_store_xfrm_create, net, &kn->core);
	if (ret)
		goto err_create;
	ret = -ENOMEM;
	if (!proc_create_net_single("pfkeyv2", 0444, net->proc_net, pfkm_proc_show, NULL))
		goto err_proc;
	pr_debug("net %p created\n", kn->core);
	return 0;

err_proc:
	pfkm_net_destroy(kn->core);
	kn->core = NULL;
err_create:
	return ret;
}

static void __net_exit pfkm_net_exit(struct net *net)
{
	struct pfkm_knet *kn = knet(net);

	remove_proc_entry("pfkeyv2", net->proc_net);
	/* No socket is left (each holds the netns): drop the tables with
	 * everything still installed in them.
	 */
	pfkm_net_destroy(kn->core);
	pr_debug("net %p destroyed\n", kn->core);
	kn->core = NULL;
}

static struct pernet_operations pfkm_net_ops = {
	.init = pfkm_net_init,
	.exit = pfkm_net_exit,
	.id = &pfkm_net_id,
	.size = sizeof(struct pfkm_knet),
};

int pfkm_af_init(void)
{
	int ret;

	ret = proto_register(&pfkm_proto, 0);
	if (ret)
		goto err_proto;
	ret = register_pernet_subsys(&pfkm_net_ops);
	if (ret)
		goto err_pernet;
	/* Last: once the family is registered sockets may appear. */
	ret = sock_register(&pfkm_family);
	if (ret == -EEXIST) {
		pr_err("PF_KEY is already registered (Linux af_key is loaded): unload it first with `rmmod af_key` (and keep it from loading: `install af_key /bin/false` in /etc/modprobe.d)\n");
		goto err_sock;
	}
	if (ret)
		goto err_sock;
	return 0;

err_sock:
	unregister_pernet_subsys(&pfkm_net_ops);
err_pernet:
	proto_unregister(&pfkm_proto);
err_proto:
	return ret;
}

void pfkm_af_exit(void)
{
	sock_unregister(PF_KEY);
	unregister_pernet_subsys(&pfkm_net_ops);
	proto_unregister(&pfkm_proto);
}
