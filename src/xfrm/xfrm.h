/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xfrm.h: the XFRM netlink store's internal interface, shared by its files:
 *   nl.c      a NETLINK_XFRM socket: requests and their acks, dumps,
 *             multicast groups, attribute validation
 *   sa.c      struct pfkm_sa <-> xfrm_usersa_info and its attributes
 *   pol.c     struct pfkm_policy <-> xfrm_userpolicy_info + XFRMA_TMPL
 *   events.c  a multicast message -> the store event it corresponds to
 *   store_nl.c the store's ops (store.h) on top of these
 * Translation functions never touch a socket, so the unit tests run them on
 * captured kernel messages and compare what they build with expected bytes.
 *
 * Mapping rules (af_key's, pfkey_msg2xfrm_state / pfkey_xfrm_state2msg):
 * byte and packet limits 0 <-> XFRM_INF; IPSEC_MODE_* <-> XFRM_MODE_*;
 * IPSEC_DIR_* - 1 == XFRM_POLICY_*; SADB_SAFLAGS_{NOECN,DECAP_DSCP,
 * NOPMTUDISC} <-> XFRM_STATE_*; templates allow every algorithm (allalgs).
 * An SA without any algorithm attribute is larval (an ACQUIRE or ALLOCSPI
 * placeholder): XFRM netlink does not report km.state.
 */
#ifndef XFRM_XFRM_H
#define XFRM_XFRM_H

#include "store.h"
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>

/* Request buffer: the largest request (an SA with two 512-bit keys, or a
 * policy with six templates) fits several times. */
#define XFRM_NL_REQ_MAX 4096u
/* Receive buffer: the kernel sizes dump batches up to 32 KiB. */
#define XFRM_NL_RCV_MAX 65536u

/* One NETLINK_XFRM socket. */
struct xfrm_nl {
	struct mnl_socket *sk;
	uint32_t portid;
	uint32_t seq;
	uint8_t *buf;		/* XFRM_NL_RCV_MAX bytes, wiped after use */
	uint64_t requests;
	char why[128];		/* the kernel's extended ack of the last error */
};

/* Open a socket bound to the XFRMNLGRP_* groups in mask (bit g-1 for
 * group g; 0 = none). nonblock: reads never wait. -errno. */
int xfrm_nl_open(struct xfrm_nl *nl, uint32_t groups, bool nonblock);
void xfrm_nl_close(struct xfrm_nl *nl);
/* Have the kernel drop, before they are queued, the notifications of type
 * that carry portid (the echoes of one's own requests on an event
 * socket): a socket filter. 0 or -errno. */
int xfrm_nl_drop_own(struct xfrm_nl *nl, uint32_t portid, uint16_t type);
/* Start a request of type with flags (NLM_F_REQUEST added) in buf. */
struct nlmsghdr *xfrm_nl_msg(struct xfrm_nl *nl, void *buf, uint16_t type, uint16_t flags);
/*
 * Send one request and read until its ack (NLM_F_ACK is added unless it is
 * a dump) or NLMSG_DONE; each reply message goes to cb (may be NULL). The
 * request buffer is wiped afterwards (it may hold keys). -errno: the
 * kernel's answer, or the socket's.
 */
typedef int (*xfrm_nl_cb)(const struct nlmsghdr *nlh, void *arg);
int xfrm_nl_talk(struct xfrm_nl *nl, struct nlmsghdr *req, xfrm_nl_cb cb, void *arg);
/* Send without reading (dumps read by xfrm_nl_read). -errno. */
int xfrm_nl_send(struct xfrm_nl *nl, struct nlmsghdr *req);
/* One recv into nl->buf: bytes, 0 for nothing pending (non-blocking
 * socket), -ENOBUFS when the kernel dropped messages for this socket, or
 * another -errno. */
ssize_t xfrm_nl_recv(struct xfrm_nl *nl);

/*
 * Validate and index the attributes of nlh that follow `off` bytes of
 * fixed payload: tb[type] for XFRMA_* (last wins), each checked against its
 * minimum size (and key lengths against the attribute). -EINVAL if
 * malformed.
 */
int xfrm_nl_attrs(const struct nlmsghdr *nlh, size_t off, const struct nlattr *tb[XFRMA_MAX + 1]);

/* The SA count of a NEWSADINFO answer, the main policies of a
 * NEWSPDINFO answer. -EINVAL if it has none. */
int xfrm_nl_sadinfo(const struct nlmsghdr *nlh, uint64_t *count);
int xfrm_nl_spdinfo(const struct nlmsghdr *nlh, uint64_t *count);

/* IPSEC_MODE_* <-> XFRM_MODE_*; -1 for what the other side lacks. */
int xfrm_mode_to_nl(unsigned int ipsec_mode);
int xfrm_mode_from_nl(unsigned int xfrm_mode);
/* byte/packet limits: 0 (none) <-> XFRM_INF */
static inline uint64_t xfrm_lim_to_nl(uint64_t v)
{
	return v ? v : XFRM_INF;
}

static inline uint64_t xfrm_lim_from_nl(uint64_t v)
{
	return v == XFRM_INF ? 0 : v;
}

/* Lifetime limits of an SA or a policy. */
void xfrm_lft_out(struct xfrm_lifetime_cfg *c, const struct pfkm_lifetime *hard,
		  const struct pfkm_lifetime *soft);
void xfrm_lft_in(struct pfkm_lifetime *hard, struct pfkm_lifetime *soft,
		 const struct xfrm_lifetime_cfg *c);
/* Reserve an attribute of len zeroed bytes at the end of nlh (buffer of
 * cap bytes); NULL if it does not fit. */
void *xfrm_nl_attr_reserve(struct nlmsghdr *nlh, size_t cap, uint16_t type, size_t len);

/* Copy an address of family (4 or 16 bytes, the rest zeroed). */
void xfrm_addr_in(struct pfkm_addr *to, const xfrm_address_t *from, unsigned int family);
void xfrm_addr_out(xfrm_address_t *to, const struct pfkm_addr *from, unsigned int family);

/* sa.c */
/* Append xfrm_usersa_info and the attributes of x to nlh (NEWSA/UPDSA).
 * -EINVAL for what XFRM cannot express, -EMSGSIZE if cap is too small. */
int xfrm_sa_put(struct nlmsghdr *nlh, size_t cap, const struct pfkm_sa *x);
/* Append xfrm_usersa_id (GETSA, DELSA). */
void xfrm_sa_id_put(struct nlmsghdr *nlh, const struct pfkm_sa_id *id);
/* Append xfrm_userspi_info (ALLOCSPI). -EINVAL for a bad mode. */
int xfrm_sa_spi_put(struct nlmsghdr *nlh, const struct pfkm_sa_sel *k, uint32_t seq,
		    uint32_t lo, uint32_t hi);
/*
 * A new pfkm_sa from an xfrm_usersa_info and its attributes. -EOPNOTSUPP
 * for an SA PF_KEY cannot show (Mobile IPv6 protocols, other modes),
 * -EINVAL if malformed, -ENOMEM.
 */
int xfrm_sa_parse(const struct xfrm_usersa_info *p, const struct nlattr *const tb[XFRMA_MAX + 1],
		  struct pfkm_sa **out);
/* The same from a NEWSA/UPDSA message (GETSA reply, dump entry, event). */
int xfrm_sa_from_msg(const struct nlmsghdr *nlh, struct pfkm_sa **out);

/* pol.c */
/* Append xfrm_userpolicy_info and XFRMA_TMPL (NEWPOLICY/UPDPOLICY). */
int xfrm_pol_put(struct nlmsghdr *nlh, size_t cap, const struct pfkm_policy *p);
/* Append xfrm_userpolicy_id by selector (index 0) or by index. */
void xfrm_pol_id_put(struct nlmsghdr *nlh, uint8_t dir, const struct pfkm_sel *sel, uint32_t index);
/* The xfrm selector of a policy selector (af_key: port masks when set). */
void xfrm_pol_sel_out(struct xfrm_selector *to, const struct pfkm_sel *from);
void xfrm_pol_sel_in(struct pfkm_sel *to, const struct xfrm_selector *from);
/* A new policy from xfrm_userpolicy_info + attributes. -EOPNOTSUPP for
 * socket and sub policies, -EINVAL if malformed, -ENOMEM. */
int xfrm_pol_parse(const struct xfrm_userpolicy_info *u, const struct nlattr *const tb[XFRMA_MAX + 1],
		   struct pfkm_policy **out);
int xfrm_pol_from_msg(const struct nlmsghdr *nlh, struct pfkm_policy **out);

/* events.c: one multicast message as a store event. */
struct xfrm_ev {
	struct pfkm_store_ev ev;
	struct pfkm_sa *sa;		/* owned, freed by xfrm_ev_free */
	struct pfkm_policy *pol;	/* owned */
	struct pfkm_addr addr;
	struct pfkm_store_migrate mig;
};

/*
 * 0 and *e filled; -EOPNOTSUPP for a message with no PF_KEY event
 * (AEVENTS, REPORT, sub policies, Mobile IPv6 states); -EINVAL malformed;
 * -ENOMEM.
 */
int xfrm_ev_parse(const struct nlmsghdr *nlh, struct xfrm_ev *e);
void xfrm_ev_free(struct xfrm_ev *e);
/* The XFRMNLGRP_* bit mask for XFRM_STORE_NL_EV_* bits. */
uint32_t xfrm_ev_groups(unsigned int events);

#endif /* XFRM_XFRM_H */
