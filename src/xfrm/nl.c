// SPDX-License-Identifier: BSD-2-Clause
/*
 * nl.c: owns the NETLINK_XFRM socket of the XFRM netlink store: opening it
 * (bound to multicast groups or not), one request and the replies up to its
 * ack, dump batches, ENOBUFS reported to the caller, and the validation of
 * every attribute the store reads from the kernel.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include "xfrm.h"

int xfrm_nl_open(struct xfrm_nl *nl, uint32_t groups, bool nonblock)
{
	int ret;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(XFRM_NL_RCV_MAX);
	if (!nl->buf)
		return -ENOMEM;
	nl->sk = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
	if (!nl->sk) {
		ret = -errno;
		goto err_open;
	}
	if (mnl_socket_bind(nl->sk, groups, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err_bind;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	/* the kernel's reason for an error, when it gives one (4.12+);
	 * error acks without a copy of the request (4.3+): no key echoed */
	ret = 1;
	setsockopt(mnl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK, &ret, sizeof(ret));
	setsockopt(mnl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK, &ret, sizeof(ret));
	os_random(&nl->seq, sizeof(nl->seq));
	return 0;

err_bind:
	mnl_socket_close(nl->sk);
	nl->sk = NULL;
err_open:
	free(nl->buf);
	nl->buf = NULL;
	return ret;
}

int xfrm_nl_drop_own(struct xfrm_nl *nl, uint32_t portid, uint16_t type)
{
	/* Classic BPF sees the datagram from its nlmsghdr; loads are big
	 * endian, the header is in host order: compare with ntohl(). A
	 * notification is one message, so its first header is all. */
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_pid)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(portid), 0, 3),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_type)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohs(type), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	if (setsockopt(mnl_socket_get_fd(nl->sk), SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		       sizeof(prog)) < 0)
		return -errno;
	return 0;
}

void xfrm_nl_close(struct xfrm_nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	if (nl->buf)
		os_free_secret(nl->buf, XFRM_NL_RCV_MAX);
	nl->sk = NULL;
	nl->buf = NULL;
}

struct nlmsghdr *xfrm_nl_msg(struct xfrm_nl *nl, void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	/* The header is zeroed here; what follows is zeroed by whatever
	 * reserves it (mnl_nlmsg_put_extra_header, mnl_attr_put's padding,
	 * xfrm_nl_attr_reserve): no 4 KiB memset per request. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	if (++nl->seq == 0)
		nl->seq = 1;
	nlh->nlmsg_seq = nl->seq;
	/* The kernel copies this into the notification of the change
	 * (km_event.portid): that is how the store recognises its own. */
	nlh->nlmsg_pid = nl->portid;
	return nlh;
}

int xfrm_nl_send(struct xfrm_nl *nl, struct nlmsghdr *req)
{
	size_t len = req->nlmsg_len;
	ssize_t n;

	nl->requests++;
	n = mnl_socket_sendto(nl->sk, req, len);
	os_wipe(req, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

ssize_t xfrm_nl_recv(struct xfrm_nl *nl)
{
	ssize_t n;

	for (;;) {
		n = mnl_socket_recvfrom(nl->sk, nl->buf, XFRM_NL_RCV_MAX);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -errno;
	}
}

/* NLMSGERR_ATTR_MSG of an error ack into nl->why. */
static void ext_ack(struct xfrm_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (mnl_nlmsg_size(off) > nlh->nlmsg_len)
		return;
	mnl_attr_for_each(a, nlh, off) {
		const char *m = mnl_attr_get_payload(a);
		size_t n = mnl_attr_get_payload_len(a);

		if (mnl_attr_get_type(a) != NLMSGERR_ATTR_MSG || !n)
			continue;
		if (n > sizeof(nl->why))
			n = sizeof(nl->why);
		memcpy(nl->why, m, n);
		nl->why[n - 1] = 0;
	}
}

int xfrm_nl_talk(struct xfrm_nl *nl, struct nlmsghdr *req, xfrm_nl_cb cb, void *arg)
{
	uint32_t seq = req->nlmsg_seq;
	int ret, cbret = 0;
	ssize_t n;

	if (!(req->nlmsg_flags & NLM_F_DUMP))
		req->nlmsg_flags |= NLM_F_ACK;
	nl->why[0] = 0;
	ret = xfrm_nl_send(nl, req);
	if (ret)
		return ret;
	for (;;) {
		const struct nlmsghdr *nlh;
		int len;

		n = xfrm_nl_recv(nl);
		/* ENOBUFS on a socket that joined no group cannot drop our
		 * replies (the kernel blocks unicasts); report anything. */
		if (n <= 0)
			return n ? (int)n : -EIO;
		len = (int)n;
		for (nlh = (const void *)nl->buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || (nlh->nlmsg_pid && nlh->nlmsg_pid != nl->portid))
				continue;	/* a late answer to an abandoned request */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				ret = nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)) ? -EIO : e->error;
				if (ret)
					ext_ack(nl, nlh);
				goto out;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				const int *e = mnl_nlmsg_get_payload(nlh);

				ret = nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*e)) && *e < 0 ? *e : 0;
				goto out;
			}
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (cb && !cbret)
				cbret = cb(nlh, arg);
		}
		os_wipe(nl->buf, (size_t)n);
	}
out:
	os_wipe(nl->buf, (size_t)n);
	return ret ? ret : cbret;
}

/* Minimum payload of each attribute the store reads (0: not read). */
static const uint16_t attr_min[XFRMA_MAX + 1] = {
	[XFRMA_ALG_AUTH] = sizeof(struct xfrm_algo),
	[XFRMA_ALG_CRYPT] = sizeof(struct xfrm_algo),
	[XFRMA_ALG_COMP] = sizeof(struct xfrm_algo),
	[XFRMA_ENCAP] = sizeof(struct xfrm_encap_tmpl),
	[XFRMA_TMPL] = sizeof(struct xfrm_user_tmpl),
	[XFRMA_SA] = sizeof(struct xfrm_usersa_info),
	[XFRMA_POLICY] = sizeof(struct xfrm_userpolicy_info),
	[XFRMA_LTIME_VAL] = sizeof(struct xfrm_lifetime_cur),
	[XFRMA_REPLAY_VAL] = sizeof(struct xfrm_replay_state),
	[XFRMA_SRCADDR] = sizeof(xfrm_address_t),
	[XFRMA_LASTUSED] = sizeof(uint64_t),
	[XFRMA_POLICY_TYPE] = sizeof(struct xfrm_userpolicy_type),
	[XFRMA_MIGRATE] = sizeof(struct xfrm_user_migrate),
	[XFRMA_ALG_AEAD] = sizeof(struct xfrm_algo_aead),
	[XFRMA_KMADDRESS] = sizeof(struct xfrm_user_kmaddress),
	[XFRMA_ALG_AUTH_TRUNC] = sizeof(struct xfrm_algo_auth),
	[XFRMA_REPLAY_ESN_VAL] = sizeof(struct xfrm_replay_state_esn),
	[XFRMA_SA_EXTRA_FLAGS] = sizeof(uint32_t),
};

/* An algorithm attribute: a NUL within the name, the key within the
 * attribute. */
static bool alg_ok(const char *name, unsigned int key_bits, size_t hdr, size_t len)
{
	return memchr(name, 0, 64) && hdr + ((size_t)key_bits + 7) / 8 <= len;
}

static bool attr_ok(const struct nlattr *a, uint16_t type)
{
	size_t len = mnl_attr_get_payload_len(a);
	const void *p = mnl_attr_get_payload(a);

	if (len < attr_min[type])
		return false;
	switch (type) {
	case XFRMA_ALG_AUTH:
	case XFRMA_ALG_CRYPT:
	case XFRMA_ALG_COMP: {
		const struct xfrm_algo *g = p;

		return alg_ok(g->alg_name, g->alg_key_len, sizeof(*g), len);
	}
	case XFRMA_ALG_AEAD: {
		const struct xfrm_algo_aead *g = p;

		return alg_ok(g->alg_name, g->alg_key_len, sizeof(*g), len);
	}
	case XFRMA_ALG_AUTH_TRUNC: {
		const struct xfrm_algo_auth *g = p;

		return alg_ok(g->alg_name, g->alg_key_len, sizeof(*g), len);
	}
	default:
		return true;
	}
}

int xfrm_nl_attrs(const struct nlmsghdr *nlh, size_t off, const struct nlattr *tb[XFRMA_MAX + 1])
{
	const struct nlattr *a;
	size_t hdr = mnl_nlmsg_size(off);

	memset(tb, 0, sizeof(*tb) * (XFRMA_MAX + 1));
	if (nlh->nlmsg_len < hdr)
		return -EINVAL;
	/* mnl_attr_for_each stops at the first attribute that overruns. */
	mnl_attr_for_each(a, nlh, MNL_ALIGN(off)) {
		uint16_t type = mnl_attr_get_type(a);

		if (type > XFRMA_MAX)
			continue;	/* newer than these headers */
		if (!attr_ok(a, type))
			return -EINVAL;
		tb[type] = a;
	}
	/* Anything left that is not a whole attribute is malformed. */
	if ((const uint8_t *)a != (const uint8_t *)nlh + nlh->nlmsg_len &&
	    (const uint8_t *)nlh + nlh->nlmsg_len - (const uint8_t *)a >= (ptrdiff_t)sizeof(*a))
		return -EINVAL;
	return 0;
}

int xfrm_mode_to_nl(unsigned int mode)
{
	switch (mode) {
	case IPSEC_MODE_ANY:
	case IPSEC_MODE_TRANSPORT:
		return XFRM_MODE_TRANSPORT;
	case IPSEC_MODE_TUNNEL:
		return XFRM_MODE_TUNNEL;
	case IPSEC_MODE_BEET:
		return XFRM_MODE_BEET;
	default:
		return -1;
	}
}

int xfrm_mode_from_nl(unsigned int mode)
{
	switch (mode) {
	case XFRM_MODE_TRANSPORT:
		return IPSEC_MODE_TRANSPORT;
	case XFRM_MODE_TUNNEL:
		return IPSEC_MODE_TUNNEL;
	case XFRM_MODE_BEET:
		return IPSEC_MODE_BEET;
	default:
		return -1;
	}
}

void xfrm_addr_in(struct pfkm_addr *to, const xfrm_address_t *from, unsigned int family)
{
	memset(to, 0, sizeof(*to));
	memcpy(to->b, from, pfkm_addr_bytes(family));
}

void xfrm_addr_out(xfrm_address_t *to, const struct pfkm_addr *from, unsigned int family)
{
	memset(to, 0, sizeof(*to));
	memcpy(to, from->b, pfkm_addr_bytes(family));
}

void xfrm_lft_out(struct xfrm_lifetime_cfg *c, const struct pfkm_lifetime *hard,
		  const struct pfkm_lifetime *soft)
{
	c->hard_byte_limit = xfrm_lim_to_nl(hard->bytes);
	c->hard_packet_limit = xfrm_lim_to_nl(hard->packets);
	c->hard_add_expires_seconds = hard->addtime;
	c->hard_use_expires_seconds = hard->usetime;
	c->soft_byte_limit = xfrm_lim_to_nl(soft->bytes);
	c->soft_packet_limit = xfrm_lim_to_nl(soft->packets);
	c->soft_add_expires_seconds = soft->addtime;
	c->soft_use_expires_seconds = soft->usetime;
}

void xfrm_lft_in(struct pfkm_lifetime *hard, struct pfkm_lifetime *soft,
		 const struct xfrm_lifetime_cfg *c)
{
	hard->bytes = xfrm_lim_from_nl(c->hard_byte_limit);
	hard->packets = xfrm_lim_from_nl(c->hard_packet_limit);
	hard->addtime = c->hard_add_expires_seconds;
	hard->usetime = c->hard_use_expires_seconds;
	soft->bytes = xfrm_lim_from_nl(c->soft_byte_limit);
	soft->packets = xfrm_lim_from_nl(c->soft_packet_limit);
	soft->addtime = c->soft_add_expires_seconds;
	soft->usetime = c->soft_use_expires_seconds;
}

void *xfrm_nl_attr_reserve(struct nlmsghdr *nlh, size_t cap, uint16_t type, size_t len)
{
	struct nlattr *a;

	if (MNL_ALIGN(nlh->nlmsg_len) + MNL_ATTR_HDRLEN + MNL_ALIGN(len) > cap)
		return NULL;
	a = mnl_nlmsg_get_payload_tail(nlh);
	a->nla_type = type;
	a->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + len);
	memset(mnl_attr_get_payload(a), 0, MNL_ALIGN(len));
	nlh->nlmsg_len += MNL_ALIGN(a->nla_len);
	return mnl_attr_get_payload(a);
}

int xfrm_nl_sadinfo(const struct nlmsghdr *nlh, uint64_t *count)
{
	const struct nlattr *a;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSADINFO || nlh->nlmsg_len < mnl_nlmsg_size(4))
		return -EINVAL;
	mnl_attr_for_each(a, nlh, 4) {
		if (mnl_attr_get_type(a) == XFRMA_SAD_CNT && mnl_attr_get_payload_len(a) >= 4) {
			*count = mnl_attr_get_u32(a);
			return 0;
		}
	}
	return -EINVAL;
}

int xfrm_nl_spdinfo(const struct nlmsghdr *nlh, uint64_t *count)
{
	const struct nlattr *a;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSPDINFO || nlh->nlmsg_len < mnl_nlmsg_size(4))
		return -EINVAL;
	mnl_attr_for_each(a, nlh, 4) {
		const struct xfrmu_spdinfo *si = mnl_attr_get_payload(a);

		if (mnl_attr_get_type(a) == XFRMA_SPD_INFO && mnl_attr_get_payload_len(a) >= sizeof(*si)) {
			/* main policies; the *scnt fields count socket policies */
			*count = (uint64_t)si->incnt + si->outcnt + si->fwdcnt;
			return 0;
		}
	}
	return -EINVAL;
}
