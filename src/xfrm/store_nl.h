/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_nl.h: the XFRM netlink store, a struct pfkm_store (kmod/core/store.h)
 * that keeps SAs and policies in the kernel's xfrm through NETLINK_XFRM
 * (libmnl). The PF_KEY request engine runs on it in keysh and keytui (in
 * process) and in keyd (--store xfrm) on a kernel without PF_KEY:
 *
 *	struct pfkm_net *net;
 *	ret = pfkm_net_create_on(xfrm_store_nl_create, NULL, &net);
 *
 * Requests (ADD, UPDATE, DELETE, GET, GETSPI, FLUSH, DUMP, SPD*) go to the
 * kernel on a request socket, one at a time, and their events are delivered
 * before the op returns. Changes made by anyone else (`ip xfrm`, an IKE
 * daemon, the kernel's ACQUIRE, EXPIRE, NEW_MAPPING, MIGRATE) arrive on a
 * second socket subscribed to the XFRMNLGRP_* groups: the host polls
 * xfrm_store_nl_monitor_fd() and calls xfrm_store_nl_monitor_read(), which
 * takes the engine's lock (cb->lock) around the events it delivers. Events
 * the kernel dropped because that socket's buffer was full (ENOBUFS) are
 * counted in xfrm_store_nl_stats().lost, never silent.
 *
 * Errors: -EPERM without CAP_NET_ADMIN (the kernel checks every XFRM
 * message), -EPROTONOSUPPORT when the kernel has no XFRM netlink, then
 * af_key's errnos for each op as store.h describes.
 *
 * Limits (what XFRM netlink does not say or do):
 *   - a KM's error ACQUIRE cannot mark the kernel's larval SA failed: it
 *     expires after net.core.xfrm_acq_expires as if unanswered;
 *   - SAs have no km.state: one without algorithms is LARVAL, others MATURE
 *     (DYING only in a soft EXPIRE event);
 *   - replay windows above 255 (ESN SAs of ip xfrm) show as 255;
 *   - policies carry no reference count: a dump says refcnt 1 (plus the
 *     lookup's in a GET), where af_key shows the kernel's (which also
 *     counts xfrm's timer in a policy's first second and cached bundles);
 *   - Mobile IPv6 states, socket and sub policies are not shown.
 * The engine keeps the store in pfkm_net; a host that polls its events
 * keeps the pointer by wrapping the constructor (tests/unit/test_xfrm_engine.c).
 */
#ifndef XFRM_STORE_NL_H
#define XFRM_STORE_NL_H

#include <stdbool.h>
#include <stdint.h>

struct pfkm_store;
struct pfkm_store_cb;

/* Event groups (bits), XFRM_STORE_NL_EV_ALL = every one the store reads. */
enum {
	XFRM_STORE_NL_EV_SA = 1u << 0,		/* XFRMNLGRP_SA */
	XFRM_STORE_NL_EV_POLICY = 1u << 1,	/* XFRMNLGRP_POLICY */
	XFRM_STORE_NL_EV_EXPIRE = 1u << 2,	/* XFRMNLGRP_EXPIRE (SA and policy) */
	XFRM_STORE_NL_EV_ACQUIRE = 1u << 3,	/* XFRMNLGRP_ACQUIRE */
	XFRM_STORE_NL_EV_MAPPING = 1u << 4,	/* XFRMNLGRP_MAPPING */
	XFRM_STORE_NL_EV_MIGRATE = 1u << 5,	/* XFRMNLGRP_MIGRATE */
	XFRM_STORE_NL_EV_AEVENTS = 1u << 6,	/* XFRMNLGRP_AEVENTS (counted) */
	XFRM_STORE_NL_EV_ALL = (1u << 7) - 1,
	/* The default: all but AEVENTS, which have no PF_KEY form and which
	 * the kernel sends every 2 packets of an SA keyed over netlink
	 * (xfrm_aevent_rseqth): opt in to count them. */
	XFRM_STORE_NL_EV_DEFAULT = XFRM_STORE_NL_EV_ALL & ~XFRM_STORE_NL_EV_AEVENTS,
};

/* What xfrm_store_nl_create's arg points to; NULL = the defaults. */
struct xfrm_store_nl_opts {
	unsigned int events;	/* XFRM_STORE_NL_EV_* to subscribe; 0: DEFAULT */
	bool no_events;		/* subscribe to nothing (one-shot commands) */
	int rcvbuf;		/* event socket buffer in bytes; 0 = 4 MiB */
};

/* A pfkm_store_make: pfkm_net_create_on(xfrm_store_nl_create, opts, &net). */
int xfrm_store_nl_create(const struct pfkm_store_cb *cb, void *arg, struct pfkm_store **out);

/*
 * The event socket's descriptor (readable: call monitor_read), -1 when the
 * store subscribes to nothing. xfrm_store_nl_subscribe changes the groups
 * (0: close the socket), opening it when needed.
 */
int xfrm_store_nl_monitor_fd(struct pfkm_store *st);
int xfrm_store_nl_subscribe(struct pfkm_store *st, unsigned int events);
/*
 * Read everything pending on the event socket without blocking and deliver
 * it as store events under cb->lock. Returns the number of events delivered
 * or -errno; a lost-events condition (ENOBUFS) is counted, not returned.
 * Must not be called with cb->lock held.
 */
int xfrm_store_nl_monitor_read(struct pfkm_store *st);

/* The kernel's reason for the last failed request ("" when it gave
 * none), e.g. "SPI is too large for COMP": front ends may show it next to
 * the errno. Valid until the next op. */
const char *xfrm_store_nl_why(struct pfkm_store *st);

struct xfrm_store_nl_stats {
	uint64_t requests;	/* netlink requests sent */
	uint64_t events;	/* events delivered from the event socket */
	uint64_t lost;		/* times the kernel dropped events (ENOBUFS) */
	uint64_t ignored;	/* messages read that map to no PF_KEY event */
	uint64_t aevents;	/* of those, AEVENTS (NEWAE) */
	uint64_t echoes;	/* notifications of our own requests read back
				 * (never those of ADDs: the socket filters them) */
};
void xfrm_store_nl_stats(struct pfkm_store *st, struct xfrm_store_nl_stats *out);

/*
 * Can this process key the kernel over XFRM netlink? 0, -EPERM (no
 * CAP_NET_ADMIN in this network namespace), -EPROTONOSUPPORT (no XFRM
 * netlink), other -errno. For --backend auto.
 */
int xfrm_store_nl_probe(void);

#endif /* XFRM_STORE_NL_H */
