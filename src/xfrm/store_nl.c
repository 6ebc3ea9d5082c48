// SPDX-License-Identifier: BSD-2-Clause
/*
 * store_nl.c: owns the XFRM netlink store: the struct pfkm_store ops
 * (store.h) as requests to the kernel's xfrm, the events of the store's own
 * requests (composed from the request, as af_key's km_state_notify does),
 * and the event socket that reports everyone else's changes.
 *
 * Own changes come back on the event socket too (the kernel notifies every
 * listener, with our request's nlmsg_pid): after each change the store
 * reads that socket up to its own notification, delivering whatever others
 * did before it, delivers its own event in that place and drops the echo.
 * ADDs are the exception (batches of 100k): a socket filter has the kernel
 * drop their echoes, and sa_add_many delivers each SA's event after what
 * others did that was queued when the kernel answered.
 * Kernel notifications carry no state, so:
 *   - DELETE and SPDDELETE read the entry first (GETSA/GETPOLICY), for the
 *     event that carries it "as it was";
 *   - UPDATE reads the SA first: a larval one is replaced (event: the new
 *     SA), a mature one keeps its keys (event: the request in state DEAD);
 *   - SPDADD/SPDUPDATE read the policy back for the index the kernel gave;
 *   - FLUSH counts with GETSADINFO/GETSPDINFO before and after.
 * A KM's error ACQUIRE has no netlink form: the kernel's larval SA lives out
 * its xfrm_acq_expires (see store_nl.h, Limits).
 */
#include <poll.h>
#include <stdlib.h>
#include "xfrm.h"
#include "store_nl.h"

#define EV_RCVBUF (4 << 20)

struct nl_store {
	struct pfkm_store st;
	struct xfrm_nl req;
	struct xfrm_nl ev;		/* ev.sk NULL: no subscription */
	unsigned int events;
	int rcvbuf;
	struct xfrm_store_nl_stats stats;
	uint8_t msg[XFRM_NL_REQ_MAX];	/* request buffer, wiped after each send */
	uint8_t *win;			/* sa_add_many's window (ADD_WINDOW requests),
					 * made on first use, wiped after each send */
};

static struct nl_store *ns_of(struct pfkm_store *st)
{
	return os_container_of(st, struct nl_store, st);
}

/* The engine's answer matters for ACQUIRE only (no registered socket):
 * the kernel made that larval SA and let netlink listeners have it, so it
 * stays, as with af_key next to an IKE daemon on netlink. */
static void deliver(struct nl_store *ns, const struct pfkm_store_ev *ev)
{
	pfkm_store_event(&ns->st, ev);
}

/* A kernel notification of someone else's change (or the kernel's). */
static void foreign(struct nl_store *ns, const struct nlmsghdr *nlh)
{
	struct xfrm_ev e;
	int ret = xfrm_ev_parse(nlh, &e);

	if (ret) {
		ns->stats.ignored++;
		if (nlh->nlmsg_type == XFRM_MSG_NEWAE)
			ns->stats.aevents++;
		return;
	}
	/* A mapping names the SA, a soft EXPIRE leaves out its algorithms
	 * (build_expire): while the SA exists, the event carries all of it. */
	if ((e.ev.kind == PFKM_EV_NEW_MAPPING || (e.ev.kind == PFKM_EV_SA_EXPIRE && !e.ev.hard)) &&
	    e.sa) {
		struct pfkm_sa_id id = { .family = e.sa->family, .proto = e.sa->proto,
					 .spi = e.sa->spi, .daddr = e.sa->daddr };
		const struct pfkm_sa *got;

		if (!ns->st.ops->sa_get(&ns->st, &id, &got)) {
			struct pfkm_sa *full = (struct pfkm_sa *)got;

			full->dying = e.sa->dying;
			pfkm_sadb_sa_free(e.sa);
			e.sa = full;
			e.ev.sa = full;
		}
	}
	ns->stats.events++;
	deliver(ns, &e.ev);
	xfrm_ev_free(&e);
}

/*
 * Read the event socket without waiting. own_seq != 0: stop after our own
 * notification of that request (*seen set); messages of our other requests
 * are dropped. match: a MIGRATE the kernel sends with pid 0 is ours when
 * it matches (it then counts as seen and is not delivered).
 */
static int drain(struct nl_store *ns, uint32_t own_seq, bool *seen,
		 bool (*match)(const struct nlmsghdr *nlh, const void *arg), const void *arg)
{
	int delivered = 0;

	if (seen)
		*seen = false;
	if (!ns->ev.sk)
		return 0;
	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n = xfrm_nl_recv(&ns->ev);
		int len;

		if (n == -ENOBUFS) {
			ns->stats.lost++;
			continue;
		}
		if (n <= 0)
			return n < 0 ? (int)n : delivered;
		len = (int)n;
		for (nlh = (const void *)ns->ev.buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_pid == ns->req.portid) {
				ns->stats.echoes++;
				if (own_seq && nlh->nlmsg_seq == own_seq)
					*seen = true;
				continue;
			}
			if (match && seen && !*seen && match(nlh, arg)) {
				*seen = true;
				continue;
			}
			foreign(ns, nlh);
			delivered++;
		}
		os_wipe(ns->ev.buf, (size_t)n);
		/* A notification is one datagram: what follows ours stays
		 * queued for the next read. */
		if (seen && *seen)
			return delivered;
	}
}

/* After a change of ours: others' earlier changes first, then ours. */
static void own_event(struct nl_store *ns, uint32_t seq, struct pfkm_store_ev *ev,
		      const struct pfkm_store_origin *o)
{
	bool seen;

	drain(ns, seq, &seen, NULL, NULL);
	if (o) {
		ev->pid = o->pid;
		ev->seq = o->seq;
	}
	deliver(ns, ev);
}

/* --- requests ------------------------------------------------------- */

static int get_sa_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct pfkm_sa **out = arg;

	if (*out)
		return 0;
	return xfrm_sa_from_msg(nlh, out);
}

static int sa_get(struct pfkm_store *st, const struct pfkm_sa_id *id, const struct pfkm_sa **out)
{
	struct nl_store *ns = ns_of(st);
	struct nlmsghdr *nlh = xfrm_nl_msg(&ns->req, ns->msg, XFRM_MSG_GETSA, 0);
	struct pfkm_sa *x = NULL;
	int ret;

	xfrm_sa_id_put(nlh, id);
	ret = xfrm_nl_talk(&ns->req, nlh, get_sa_cb, &x);
	if (!ret && !x)
		ret = -ESRCH;
	if (ret) {
		if (x)
			pfkm_sadb_sa_free(x);
		/* af_key: no such SA is ESRCH; so is an SA PF_KEY cannot show */
		return ret == -ENOENT || ret == -EOPNOTSUPP ? -ESRCH : ret;
	}
	*out = x;
	return 0;
}

static void sa_put(struct pfkm_store *st, const struct pfkm_sa *x)
{
	(void)st;
	pfkm_sadb_sa_free((struct pfkm_sa *)x);
}

static void sa_id_of(const struct pfkm_sa *x, struct pfkm_sa_id *id)
{
	memset(id, 0, sizeof(*id));
	id->family = x->family;
	id->proto = x->proto;
	id->spi = x->spi;
	id->daddr = x->daddr;
}

static int sa_add(struct pfkm_store *st, struct pfkm_sa *x, bool update,
		  const struct pfkm_store_origin *o)
{
	struct nl_store *ns = ns_of(st);
	struct pfkm_store_ev ev = { .kind = update ? PFKM_EV_SA_UPDATE : PFKM_EV_SA_ADD };
	bool mature = false;
	struct nlmsghdr *nlh;
	uint32_t seq;
	int ret;

	if (update) {
		const struct pfkm_sa *old;
		struct pfkm_sa_id id;

		sa_id_of(x, &id);
		ret = sa_get(st, &id, &old);
		if (ret)
			goto out;
		mature = old->state != PFKM_SA_LARVAL;
		sa_put(st, old);
	}
	nlh = xfrm_nl_msg(&ns->req, ns->msg, update ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA, 0);
	ret = xfrm_sa_put(nlh, sizeof(ns->msg), x);
	if (ret) {
		os_wipe(ns->msg, sizeof(ns->msg));
		goto out;
	}
	seq = nlh->nlmsg_seq;
	ret = xfrm_nl_talk(&ns->req, nlh, NULL, NULL);
	if (ret)
		goto out;
	/* UPDATE of a mature SA: the kernel kept it and took the new
	 * lifetimes and NAT-T ports; af_key reports the request, DEAD */
	if (mature)
		x->state = PFKM_SA_DEAD;
	ev.sa = x;
	own_event(ns, seq, &ev, o);
out:
	pfkm_sadb_sa_free(x);
	return ret;
}

/*
 * Pipelined ADDs (store.h sa_add_many): up to ADD_WINDOW NEWSA requests in
 * flight, each window's new requests in one datagram. The kernel processes
 * a datagram's requests in order, answering each failure with its error;
 * only the last of a datagram asks for an ack (NLM_F_ACK), so a window
 * costs one read, not one per SA. An answer (error or ack) with seq s
 * settles every request sent before s that no error named: those
 * succeeded. Each SA's result is reported in order: an SA this store cannot
 * express (xfrm_sa_put failed) when its turn comes, a transport error for
 * every SA not answered yet.
 *
 * The kernel's echoes of these ADDs never reach the event socket (the
 * filter of xfrm_store_nl_subscribe): the store delivers each SA's event
 * itself, after whatever others did that was queued when the answer came.
 */
#define ADD_WINDOW 64

struct add_flight {
	uint32_t seq[ADD_WINDOW];	/* 0: not sent (err says why) */
	int err[ADD_WINDOW];
	unsigned int sent, acked;
};

/* SA i's result: its event after a successful request, then done. */
static void add_report(struct nl_store *ns, struct pfkm_sa **xs,
		       const struct pfkm_store_origin *os, unsigned int i, int err,
		       void (*done)(void *arg, unsigned int i, int err), void *arg)
{
	if (!err) {
		struct pfkm_store_ev ev = { .kind = PFKM_EV_SA_ADD, .sa = xs[i],
					    .pid = os[i].pid, .seq = os[i].seq };

		deliver(ns, &ev);
	}
	done(arg, i, err);
	pfkm_sadb_sa_free(xs[i]);
	xs[i] = NULL;
}

/* Report the SAs at the head that were never sent. */
static void add_skip_unsent(struct nl_store *ns, struct add_flight *f, struct pfkm_sa **xs,
			    const struct pfkm_store_origin *os,
			    void (*done)(void *arg, unsigned int i, int err), void *arg)
{
	while (f->acked < f->sent && !f->seq[f->acked % ADD_WINDOW]) {
		add_report(ns, xs, os, f->acked, f->err[f->acked % ADD_WINDOW], done, arg);
		f->acked++;
	}
}

/* Is seq one of the requests in flight? (a late answer to an abandoned
 * request is not) */
static bool add_in_flight(const struct add_flight *f, uint32_t seq)
{
	unsigned int i;

	for (i = f->acked; i < f->sent; i++)
		if (f->seq[i % ADD_WINDOW] == seq)
			return true;
	return false;
}

/* The kernel answered seq with err: the requests before it succeeded. */
static void add_settle(struct nl_store *ns, struct add_flight *f, struct pfkm_sa **xs,
		       const struct pfkm_store_origin *os, uint32_t seq, int err,
		       void (*done)(void *arg, unsigned int i, int err), void *arg)
{
	while (f->acked < f->sent) {
		unsigned int slot = f->acked % ADD_WINDOW;
		bool it = f->seq[slot] == seq;

		add_report(ns, xs, os, f->acked, it ? err : f->err[slot], done, arg);
		f->acked++;
		if (it)
			break;
	}
}

/* Build and send the requests that fit in the window; 0 or -errno. */
static int add_fill(struct nl_store *ns, struct add_flight *f, struct pfkm_sa **xs,
		    unsigned int n, uint8_t *buf)
{
	struct nlmsghdr *last = NULL;
	size_t off = 0;
	unsigned int k = 0;
	ssize_t r;

	while (f->sent < n && f->sent - f->acked < ADD_WINDOW) {
		struct nlmsghdr *nlh = xfrm_nl_msg(&ns->req, buf + off, XFRM_MSG_NEWSA, 0);
		unsigned int slot = f->sent % ADD_WINDOW;
		int ret = xfrm_sa_put(nlh, XFRM_NL_REQ_MAX, xs[f->sent]);

		if (ret) {
			os_wipe(buf + off, XFRM_NL_REQ_MAX);
			f->seq[slot] = 0;
			f->err[slot] = ret;
		} else {
			f->seq[slot] = nlh->nlmsg_seq;
			f->err[slot] = 0;
			last = nlh;
			off += MNL_ALIGN(nlh->nlmsg_len);
			k++;
		}
		f->sent++;
	}
	if (!k)
		return 0;
	last->nlmsg_flags |= NLM_F_ACK;
	ns->req.requests += k;
	r = mnl_socket_sendto(ns->req.sk, buf, off);
	os_wipe(buf, off);
	if (r < 0)
		return -errno;
	return (size_t)r == off ? 0 : -EIO;
}

static void sa_add_many(struct pfkm_store *st, struct pfkm_sa **xs,
			const struct pfkm_store_origin *os, unsigned int n,
			void (*done)(void *arg, unsigned int i, int err), void *arg)
{
	struct nl_store *ns = ns_of(st);
	struct add_flight f = { .sent = 0 };
	uint8_t *buf;
	int ret = 0;

	/* One window for the store's life: a fresh 256 KiB per batch was a
	 * calloc, i.e. 16 KiB zeroed per SA (measured: 15% of keysh's
	 * installs under qemu). Requests zero what they fill. */
	if (!ns->win)
		ns->win = malloc((size_t)ADD_WINDOW * XFRM_NL_REQ_MAX);
	buf = ns->win;
	if (!buf) {
		ret = -ENOMEM;
		goto err_rest;
	}
	while (f.acked < n) {
		const struct nlmsghdr *nlh;
		ssize_t got;
		int len;

		ret = add_fill(ns, &f, xs, n, buf);
		if (ret)
			goto err_rest;
		add_skip_unsent(ns, &f, xs, os, done, arg);
		if (f.acked == f.sent)
			continue;
		got = xfrm_nl_recv(&ns->req);
		if (got <= 0) {
			ret = got ? (int)got : -EIO;
			goto err_rest;
		}
		/* others' changes queued by now came first */
		drain(ns, 0, NULL, NULL, NULL);
		len = (int)got;
		for (nlh = (const void *)ns->req.buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    (nlh->nlmsg_pid && nlh->nlmsg_pid != ns->req.portid) ||
			    !add_in_flight(&f, nlh->nlmsg_seq))
				continue;
			add_settle(ns, &f, xs, os, nlh->nlmsg_seq,
				   nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)) ? -EIO : e->error,
				   done, arg);
		}
		os_wipe(ns->req.buf, (size_t)got);
	}
	return;

err_rest:
	while (f.acked < n) {
		add_report(ns, xs, os, f.acked, ret, done, arg);
		f.acked++;
	}
}

static int sa_delete(struct pfkm_store *st, const struct pfkm_sa_id *id,
		     const struct pfkm_store_origin *o)
{
	struct nl_store *ns = ns_of(st);
	struct pfkm_store_ev ev = { .kind = PFKM_EV_SA_DELETE };
	const struct pfkm_sa *old;
	struct nlmsghdr *nlh;
	uint32_t seq;
	int ret;

	ret = sa_get(st, id, &old);
	if (ret)
		return ret;
	nlh = xfrm_nl_msg(&ns->req, ns->msg, XFRM_MSG_DELSA, 0);
	xfrm_sa_id_put(nlh, id);
	seq = nlh->nlmsg_seq;
	ret = xfrm_nl_talk(&ns->req, nlh, NULL, NULL);
	if (ret) {
		ret = ret == -ENOENT ? -ESRCH : ret;
		goto out;
	}
	((struct pfkm_sa *)old)->state = PFKM_SA_DEAD;
	ev.sa = old;
	own_event(ns, seq, &ev, o);
out:
	sa_put(st, old);
	return ret;
}

struct info_req {
	uint64_t count;
	bool got;
};

static int sadinfo_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct info_req *r = arg;

	if (!xfrm_nl_sadinfo(nlh, &r->count))
		r->got = true;
	return 0;
}

static int spdinfo_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct info_req *r = arg;

	if (!xfrm_nl_spdinfo(nlh, &r->count))
		r->got = true;
	return 0;
}

/* SAs (GETSADINFO: every state, larval ones too) or main policies. */
static int count(struct nl_store *ns, bool sas, uint64_t *out)
{
	struct nlmsghdr *nlh = xfrm_nl_msg(&ns->req, ns->msg,
					   sas ? XFRM_MSG_GETSADINFO : XFRM_MSG_GETSPDINFO, 0);
	struct info_req r = { 0 };
	int ret;

	mnl_nlmsg_put_extra_header(nlh, sizeof(uint32_t));
	ret = xfrm_nl_talk(&ns->req, nlh, sas ? sadinfo_cb : spdinfo_cb, &r);
	if (!ret && !r.got)
		ret = -EIO;
	*out = r.count;
	return ret;
}

/* SAs of one protocol: a count of the dump (GETSADINFO counts them all). */
struct proto_count {
	uint8_t proto;
	uint64_t n;
};

static int proto_count_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct proto_count *c = arg;
	const struct xfrm_usersa_info *p = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == XFRM_MSG_NEWSA && nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*p)) &&
	    p->id.proto == c->proto)
		c->n++;
	return 0;
}

static int count_proto(struct nl_store *ns, uint8_t proto, uint64_t *out)
{
	struct proto_count c = { .proto = proto };
	struct nlmsghdr *nlh = xfrm_nl_msg(&ns->req, ns->msg, XFRM_MSG_GETSA, NLM_F_DUMP);
	int ret = xfrm_nl_talk(&ns->req, nlh, proto_count_cb, &c);

	*out = c.n;
	return ret;
}

static int sa_flush(struct pfkm_store *st, uint8_t proto)
{
	struct nl_store *ns = ns_of(st);
	bool any = proto == IPSEC_PROTO_ANY;
	struct xfrm_usersa_flush *f;
	struct nlmsghdr *nlh;
	uint64_t before, after;
	uint32_t seq;
	bool seen;
	int ret;

	ret = any ? count(ns, true, &before) : count_proto(ns, proto, &before);
	if (ret)
		return ret;
	nlh = xfrm_nl_msg(&ns->req, ns->msg, XFRM_MSG_FLUSHSA, 0);
	f = mnl_nlmsg_put_extra_header(nlh, sizeof(*f));
	f->proto = proto;
	seq = nlh->nlmsg_seq;
	ret = xfrm_nl_talk(&ns->req, nlh, NULL, NULL);
	if (ret)
		return ret;
	/* no event here: the engine answers, then calls notify_flush */
	drain(ns, seq, &seen, NULL, NULL);
	ret = any ? count(ns, true, &after) : count_proto(ns, proto, &after);
	if (ret)
		return ret;
	/* SAs that others added meanwhile keep the difference a lower bound;
	 * the kernel's own notification says something went */
	if (before > after)
		return (int)(before - after > INT32_MAX ? INT32_MAX : before - after);
	return seen ? 1 : 0;
}

struct spi_req {
	struct pfkm_sa *x;
};

static int sa_getspi(struct pfkm_store *st, const struct pfkm_sa_sel *k, uint32_t seq,
		     uint32_t lo, uint32_t hi, const struct pfkm_sa **out)
{
	struct nl_store *ns = ns_of(st);
	struct nlmsghdr *nlh = xfrm_nl_msg(&ns->req, ns->msg, XFRM_MSG_ALLOCSPI, 0);
	struct pfkm_sa *x = NULL;
	int ret;

	ret = xfrm_sa_spi_put(nlh, k, seq, lo, hi);
	if (ret)
		return ret;
	ret = xfrm_nl_talk(&ns->req, nlh, get_sa_cb, &x);
	if (!ret && !x)
		ret = -EIO;
	if (ret) {
		if (x)
			pfkm_sadb_sa_free(x);
		return ret;
	}
	*out = x;
	return 0;
}

static void sa_acquire_error(struct pfkm_store *st, uint32_t seq)
{
	/* XFRM netlink cannot mark a larval SA failed: the kernel's expires
	 * after xfrm_acq_expires seconds, as it would without an answer. */
	(void)st;
	(void)seq;
}

/* A policy read from the kernel is this store's copy: freed whatever
 * references the engine's view gave it. */
static void pol_free(struct pfkm_policy *p)
{
	if (p) {
		p->refcnt = 1;
		pfkm_spd_policy_put(p);
	}
}

/* --- walks: one dump socket per walk, read at the walker's pace ---- */

struct walk {
	struct xfrm_nl nl;
	int len;			/* bytes left in nl.buf from off */
	size_t off;
	bool done;
	const struct nlmsghdr *held;	/* paused on it: offered again */
};

static void walk_done(struct pfkm_store *st, struct pfkm_store_walk *w)
{
	struct walk *k = w->priv;

	(void)st;
	if (!k)
		return;
	xfrm_nl_close(&k->nl);
	free(k);
	w->priv = NULL;
	w->started = false;
}

static int walk_start(struct pfkm_store_walk *w, uint16_t type)
{
	uint8_t buf[XFRM_NL_REQ_MAX];
	struct nlmsghdr *nlh;
	struct walk *k;
	int ret;

	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	ret = xfrm_nl_open(&k->nl, 0, false);
	if (ret) {
		free(k);
		return ret;
	}
	nlh = xfrm_nl_msg(&k->nl, buf, type, NLM_F_DUMP);
	ret = xfrm_nl_send(&k->nl, nlh);
	if (ret) {
		xfrm_nl_close(&k->nl);
		free(k);
		return ret;
	}
	w->priv = k;
	w->started = true;
	return 0;
}

/*
 * The next dump entry of the walk: 1 and *nlh, 0 at the end, -errno. The
 * entry stays valid until the next call.
 */
static int walk_next(struct walk *k, const struct nlmsghdr **out)
{
	if (k->held) {
		*out = k->held;
		k->held = NULL;
		return 1;
	}
	for (;;) {
		const struct nlmsghdr *nlh;

		if (k->done)
			return 0;
		if (k->len <= 0) {
			ssize_t n;

			os_wipe(k->nl.buf, k->off);
			n = xfrm_nl_recv(&k->nl);
			if (n < 0)
				return (int)n;
			if (n == 0)
				return -EIO;
			k->len = (int)n;
			k->off = 0;
		}
		nlh = (const void *)(k->nl.buf + k->off);
		if (!mnl_nlmsg_ok(nlh, k->len)) {
			k->len = 0;
			continue;
		}
		k->off += MNL_ALIGN(nlh->nlmsg_len);
		k->len -= (int)MNL_ALIGN(nlh->nlmsg_len);
		if (nlh->nlmsg_type == NLMSG_DONE) {
			k->done = true;
			return 0;
		}
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			k->done = true;
			return e->error ? e->error : 0;
		}
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		*out = nlh;
		return 1;
	}
}

/*
 * What sa_walk and pol_walk differ in: the dump asked for, the parser of one
 * entry (0 and *obj, 1 to skip the entry, -errno) and how the callback is
 * called and the parsed copy freed.
 */
union walk_fn {
	pfkm_store_sa_fn sa;
	pfkm_store_pol_fn pol;
};

struct walk_kind {
	uint16_t type;
	int (*parse)(const struct nlmsghdr *nlh, const struct pfkm_store_walk *w, void **obj);
	int (*call)(union walk_fn fn, void *arg, const void *obj);
	void (*release)(void *obj);
};

static int sa_parse(const struct nlmsghdr *nlh, const struct pfkm_store_walk *w, void **obj)
{
	struct pfkm_sa *x;
	int ret = xfrm_sa_from_msg(nlh, &x);

	if (ret == -EOPNOTSUPP)
		return 1;
	if (ret)
		return ret;
	if (w->proto != IPSEC_PROTO_ANY && x->proto != w->proto) {
		pfkm_sadb_sa_free(x);
		return 1;
	}
	*obj = x;
	return 0;
}

static int sa_call(union walk_fn fn, void *arg, const void *obj)
{
	return fn.sa(arg, obj);
}

static void sa_release(void *obj)
{
	pfkm_sadb_sa_free(obj);
}

static int pol_parse(const struct nlmsghdr *nlh, const struct pfkm_store_walk *w, void **obj)
{
	struct pfkm_policy *p;
	int ret = xfrm_pol_from_msg(nlh, &p);

	(void)w;
	if (ret == -EOPNOTSUPP)
		return 1;
	if (ret)
		return ret;
	*obj = p;
	return 0;
}

static int pol_call(union walk_fn fn, void *arg, const void *obj)
{
	return fn.pol(arg, obj);
}

static void pol_release(void *obj)
{
	pol_free(obj);
}

static const struct walk_kind sa_kind = {
	.type = XFRM_MSG_GETSA, .parse = sa_parse, .call = sa_call, .release = sa_release,
};

static const struct walk_kind pol_kind = {
	.type = XFRM_MSG_GETPOLICY, .parse = pol_parse, .call = pol_call, .release = pol_release,
};

/*
 * As store.h: 0 when the walk is complete (its socket released), the
 * callback's value > 0 when it paused (the same entry is offered again on
 * the next call), < 0 on error (the socket stays until walk_done).
 */
static int walk_run(struct pfkm_store *st, struct pfkm_store_walk *w,
		    const struct walk_kind *kind, union walk_fn fn, void *arg)
{
	const struct nlmsghdr *nlh = NULL;
	struct walk *k;
	int ret;

	if (!w->started && (ret = walk_start(w, kind->type)))
		return ret;
	k = w->priv;
	while ((ret = walk_next(k, &nlh)) > 0) {
		void *obj;

		ret = kind->parse(nlh, w, &obj);
		if (ret > 0)
			continue;
		if (ret)
			return ret;
		ret = kind->call(fn, arg, obj);
		kind->release(obj);
		if (ret > 0)
			k->held = nlh;
		if (ret)
			return ret;
	}
	if (ret)
		return ret;
	walk_done(st, w);
	return 0;
}

static int sa_walk(struct pfkm_store *st, struct pfkm_store_walk *w, pfkm_store_sa_fn fn,
		   void *arg)
{
	return walk_run(st, w, &sa_kind, (union walk_fn){ .sa = fn }, arg);
}

static int pol_walk(struct pfkm_store *st, struct pfkm_store_walk *w, pfkm_store_pol_fn fn,
		    void *arg)
{
	return walk_run(st, w, &pol_kind, (union walk_fn){ .pol = fn }, arg);
}

/* --- policies ------------------------------------------------------- */

static int get_pol_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct pfkm_policy **out = arg;

	if (*out)
		return 0;
	return xfrm_pol_from_msg(nlh, out);
}

/* GETPOLICY by selector (sel != NULL) or index. */
static int pol_read(struct nl_store *ns, uint8_t dir, const struct pfkm_sel *sel, uint32_t id,
		    struct pfkm_policy **out)
{
	struct nlmsghdr *nlh = xfrm_nl_msg(&ns->req, ns->msg, XFRM_MSG_GETPOLICY, 0);
	struct pfkm_policy *p = NULL;
	int ret;

	xfrm_pol_id_put(nlh, dir, sel, id);
	ret = xfrm_nl_talk(&ns->req, nlh, get_pol_cb, &p);
	if (!ret && !p)
		ret = -ENOENT;
	if (ret) {
		pol_free(p);
		return ret == -EOPNOTSUPP ? -ENOENT : ret;
	}
	*out = p;
	return 0;
}

static int pol_add(struct pfkm_store *st, struct pfkm_policy *p, bool excl,
		   const struct pfkm_store_origin *o)
{
	struct nl_store *ns = ns_of(st);
	struct pfkm_store_ev ev = { .kind = excl ? PFKM_EV_POL_ADD : PFKM_EV_POL_UPDATE };
	struct pfkm_policy *now = NULL;
	struct nlmsghdr *nlh;
	uint32_t seq;
	int ret;

	nlh = xfrm_nl_msg(&ns->req, ns->msg, excl ? XFRM_MSG_NEWPOLICY : XFRM_MSG_UPDPOLICY, 0);
	ret = xfrm_pol_put(nlh, sizeof(ns->msg), p);
	if (ret)
		goto out;
	seq = nlh->nlmsg_seq;
	ret = xfrm_nl_talk(&ns->req, nlh, NULL, NULL);
	if (ret)
		goto out;
	/* the policy as stored: the index the kernel chose, its times */
	if (pol_read(ns, p->dir, &p->sel, 0, &now))
		now = NULL;
	else
		now->refcnt++;		/* the creator's, as af_key's reply */
	ev.pol = now ? now : p;
	own_event(ns, seq, &ev, o);
	pol_free(now);
out:
	pfkm_spd_policy_put(p);
	return ret;
}

static int pol_remove(struct nl_store *ns, struct pfkm_policy *old, bool by_id,
		      const struct pfkm_store_origin *o)
{
	struct pfkm_store_ev ev = { .kind = PFKM_EV_POL_DELETE, .by_id = by_id };
	struct nlmsghdr *nlh = xfrm_nl_msg(&ns->req, ns->msg, XFRM_MSG_DELPOLICY, 0);
	uint32_t seq = nlh->nlmsg_seq;
	int ret;

	xfrm_pol_id_put(nlh, old->dir, by_id ? NULL : &old->sel, by_id ? old->id : 0);
	ret = xfrm_nl_talk(&ns->req, nlh, NULL, NULL);
	if (ret)
		return ret;
	old->linked = false;	/* out of the table: the lookup's reference */
	ev.pol = old;
	own_event(ns, seq, &ev, o);
	return 0;
}

static int pol_delete(struct pfkm_store *st, uint8_t dir, const struct pfkm_sel *sel,
		      const struct pfkm_store_origin *o)
{
	struct nl_store *ns = ns_of(st);
	struct pfkm_policy *old;
	int ret;

	if (dir < IPSEC_DIR_INBOUND || dir > IPSEC_DIR_FWD)
		return -EINVAL;
	ret = pol_read(ns, dir, sel, 0, &old);
	if (ret)
		return ret;
	ret = pol_remove(ns, old, false, o);
	pol_free(old);
	return ret;
}

static int pol_get(struct pfkm_store *st, uint32_t id, bool del,
		   const struct pfkm_store_origin *o, const struct pfkm_policy **out)
{
	struct nl_store *ns = ns_of(st);
	unsigned int dir = pfkm_spd_id2dir(id);
	struct pfkm_policy *p;
	int ret;

	if (dir > IPSEC_DIR_FWD || !id)
		return -ENOENT;
	ret = pol_read(ns, (uint8_t)dir, NULL, id, &p);
	if (ret)
		return ret;
	if (del) {
		ret = pol_remove(ns, p, true, o);
		if (ret) {
			pol_free(p);
			return ret;
		}
	} else {
		p->refcnt++;		/* the lookup's, besides the table's */
	}
	*out = p;
	return 0;
}

static void pol_put(struct pfkm_store *st, const struct pfkm_policy *p)
{
	(void)st;
	pol_free((struct pfkm_policy *)p);
}

static int pol_flush(struct pfkm_store *st)
{
	struct nl_store *ns = ns_of(st);
	struct nlmsghdr *nlh;
	uint64_t before, after;
	uint32_t seq;
	bool seen;
	int ret;

	ret = count(ns, false, &before);
	if (ret)
		return ret;
	nlh = xfrm_nl_msg(&ns->req, ns->msg, XFRM_MSG_FLUSHPOLICY, 0);
	seq = nlh->nlmsg_seq;
	ret = xfrm_nl_talk(&ns->req, nlh, NULL, NULL);
	if (ret)
		return ret;
	drain(ns, seq, &seen, NULL, NULL);
	ret = count(ns, false, &after);
	if (ret)
		return ret;
	if (before > after)
		return (int)(before - after > INT32_MAX ? INT32_MAX : before - after);
	return seen ? 1 : 0;
}

static void notify_flush(struct pfkm_store *st, uint8_t what, uint8_t proto,
			 const struct pfkm_store_origin *o)
{
	struct pfkm_store_ev ev = {
		.kind = what == PFKM_WALK_SA ? PFKM_EV_SA_FLUSH : PFKM_EV_POL_FLUSH,
		.proto = proto,
	};

	if (o) {
		ev.pid = o->pid;
		ev.seq = o->seq;
	}
	deliver(ns_of(st), &ev);
}

/* --- MIGRATE -------------------------------------------------------- */

static bool is_our_migrate(const struct nlmsghdr *nlh, const void *arg)
{
	const struct pfkm_store_migrate *m = arg;
	struct xfrm_ev e;
	bool ours;

	if (nlh->nlmsg_type != XFRM_MSG_MIGRATE || xfrm_ev_parse(nlh, &e))
		return false;
	ours = e.mig.dir == m->dir && e.mig.n == m->n &&
	       !memcmp(&e.mig.sel, &m->sel, sizeof(m->sel));
	xfrm_ev_free(&e);
	return ours;
}

static int migrate(struct pfkm_store *st, const struct pfkm_store_migrate *m)
{
	struct nl_store *ns = ns_of(st);
	struct pfkm_store_ev ev = { .kind = PFKM_EV_MIGRATE, .mig = m };
	struct xfrm_user_migrate *um;
	struct nlmsghdr *nlh;
	struct pfkm_sel sel = m->sel;
	unsigned int i;
	bool seen;
	int ret;

	if (m->n > PFKM_MAX_TEMPLATES || m->dir < IPSEC_DIR_INBOUND || m->dir > IPSEC_DIR_FWD)
		return -EINVAL;
	nlh = xfrm_nl_msg(&ns->req, ns->msg, XFRM_MSG_MIGRATE, 0);
	xfrm_pol_id_put(nlh, m->dir, &sel, 0);
	um = xfrm_nl_attr_reserve(nlh, sizeof(ns->msg), XFRMA_MIGRATE, m->n * sizeof(*um));
	if (!um)
		return -EMSGSIZE;
	for (i = 0; i < m->n; i++) {
		const struct pfkm_store_mig *g = &m->m[i];
		int mode = xfrm_mode_to_nl(g->mode);

		if (mode < 0)
			return -EINVAL;
		xfrm_addr_out(&um[i].old_daddr, &g->old_d, g->family);
		xfrm_addr_out(&um[i].old_saddr, &g->old_s, g->family);
		xfrm_addr_out(&um[i].new_daddr, &g->new_d, g->family);
		xfrm_addr_out(&um[i].new_saddr, &g->new_s, g->family);
		um[i].proto = g->proto;
		um[i].mode = (uint8_t)mode;
		um[i].reqid = g->reqid;
		um[i].old_family = g->family;
		um[i].new_family = g->family;
	}
	if (m->kfam) {
		struct xfrm_user_kmaddress *k = xfrm_nl_attr_reserve(nlh, sizeof(ns->msg),
								      XFRMA_KMADDRESS, sizeof(*k));

		if (!k)
			return -EMSGSIZE;
		xfrm_addr_out(&k->local, &m->kl, (unsigned int)m->kfam);
		xfrm_addr_out(&k->remote, &m->kr, (unsigned int)m->kfam);
		k->reserved = m->kres;
		k->family = (uint16_t)m->kfam;
	}
	ret = xfrm_nl_talk(&ns->req, nlh, NULL, NULL);
	if (ret)
		return ret;
	/* the kernel announces a MIGRATE without our pid: the first that
	 * matches is ours and is replaced by this event */
	drain(ns, 0, &seen, is_our_migrate, m);
	deliver(ns, &ev);
	return 0;
}

static void info(struct pfkm_store *st, struct pfkm_store_info *out)
{
	struct nl_store *ns = ns_of(st);

	memset(out, 0, sizeof(*out));
	if (count(ns, true, &out->sas))
		out->sas = 0;
	if (count(ns, false, &out->policies))
		out->policies = 0;
}

/*
 * XFRM netlink cannot ask the kernel's crypto API whether it has an
 * algorithm without keying an SA (xfrm_*_get_byname probes on ADD): every
 * row with a kernel name is offered, and an ADD the kernel cannot serve
 * fails there with ENOSYS, af_key's errno for it.
 */
static bool alg_available(struct pfkm_store *st, const struct pfkm_alg *alg)
{
	(void)st;
	return alg->crypto_name != NULL;
}

static void destroy(struct pfkm_store *st)
{
	struct nl_store *ns = ns_of(st);

	xfrm_nl_close(&ns->ev);
	xfrm_nl_close(&ns->req);
	if (ns->win)
		os_free_secret(ns->win, (size_t)ADD_WINDOW * XFRM_NL_REQ_MAX);
	os_free_secret(ns, sizeof(*ns));
}

static const struct pfkm_store_ops nl_ops = {
	.name = "netlink",
	.destroy = destroy,
	.sa_add = sa_add,
	.sa_add_many = sa_add_many,
	.sa_get = sa_get,
	.sa_put = sa_put,
	.sa_delete = sa_delete,
	.sa_flush = sa_flush,
	.sa_getspi = sa_getspi,
	.sa_acquire_error = sa_acquire_error,
	.sa_walk = sa_walk,
	.pol_add = pol_add,
	.pol_delete = pol_delete,
	.pol_get = pol_get,
	.pol_put = pol_put,
	.pol_flush = pol_flush,
	.pol_walk = pol_walk,
	.notify_flush = notify_flush,
	.walk_done = walk_done,
	.migrate = migrate,
	.info = info,
	.alg_available = alg_available,
};

/* --- public --------------------------------------------------------- */

static struct nl_store *nl_store(struct pfkm_store *st)
{
	return st && st->ops == &nl_ops ? ns_of(st) : NULL;
}

int xfrm_store_nl_subscribe(struct pfkm_store *st, unsigned int events)
{
	struct nl_store *ns = nl_store(st);
	int ret, buf;

	if (!ns)
		return -EINVAL;
	events &= XFRM_STORE_NL_EV_ALL;
	xfrm_nl_close(&ns->ev);
	ns->events = 0;
	if (!events)
		return 0;
	ret = xfrm_nl_open(&ns->ev, xfrm_ev_groups(events), true);
	if (ret)
		return ret;
	/* The echoes of our ADDs are the many (a batch of 100k): the
	 * kernel drops them (sa_add_many delivers their events), so neither
	 * this socket's reader nor the pump of a host wakes for them. Other
	 * echoes stay: they mark where our change falls among others'. */
	ret = xfrm_nl_drop_own(&ns->ev, ns->req.portid, XFRM_MSG_NEWSA);
	if (ret) {
		xfrm_nl_close(&ns->ev);
		return ret;
	}
	buf = ns->rcvbuf ? ns->rcvbuf : EV_RCVBUF;
	/* FORCE passes net.core.rmem_max (CAP_NET_ADMIN, which keying
	 * needs anyway); else the capped size */
	if (setsockopt(mnl_socket_get_fd(ns->ev.sk), SOL_SOCKET, SO_RCVBUFFORCE, &buf,
		       sizeof(buf)) < 0)
		setsockopt(mnl_socket_get_fd(ns->ev.sk), SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	ns->events = events;
	return 0;
}

int xfrm_store_nl_monitor_fd(struct pfkm_store *st)
{
	struct nl_store *ns = nl_store(st);

	return ns && ns->ev.sk ? mnl_socket_get_fd(ns->ev.sk) : -1;
}

int xfrm_store_nl_monitor_read(struct pfkm_store *st)
{
	struct nl_store *ns = nl_store(st);
	int ret;

	if (!ns)
		return -EINVAL;
	os_mutex_lock(ns->st.cb.lock);
	ret = drain(ns, 0, NULL, NULL, NULL);
	os_mutex_unlock(ns->st.cb.lock);
	return ret;
}

const char *xfrm_store_nl_why(struct pfkm_store *st)
{
	struct nl_store *ns = nl_store(st);

	return ns ? ns->req.why : "";
}

void xfrm_store_nl_stats(struct pfkm_store *st, struct xfrm_store_nl_stats *out)
{
	struct nl_store *ns = nl_store(st);

	memset(out, 0, sizeof(*out));
	if (!ns)
		return;
	*out = ns->stats;
	out->requests = ns->req.requests;
}

int xfrm_store_nl_create(const struct pfkm_store_cb *cb, void *arg, struct pfkm_store **out)
{
	const struct xfrm_store_nl_opts *opts = arg;
	struct nl_store *ns;
	uint64_t n;
	int ret;

	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ns->st.ops = &nl_ops;
	ns->st.cb = *cb;
	ns->rcvbuf = opts ? opts->rcvbuf : 0;
	ret = xfrm_nl_open(&ns->req, 0, false);
	if (ret)
		goto err_req;
	/* every XFRM message needs CAP_NET_ADMIN: find out now */
	ret = count(ns, true, &n);
	if (ret)
		goto err_probe;
	if (!opts || !opts->no_events) {
		ret = xfrm_store_nl_subscribe(&ns->st, opts && opts->events ? opts->events :
						       XFRM_STORE_NL_EV_DEFAULT);
		if (ret)
			goto err_probe;
	}
	*out = &ns->st;
	return 0;

err_probe:
	xfrm_nl_close(&ns->req);
err_req:
	free(ns);
	return ret;
}

int xfrm_store_nl_probe(void)
{
	uint8_t buf[XFRM_NL_REQ_MAX];
	struct xfrm_nl nl;
	struct nlmsghdr *nlh;
	int ret = xfrm_nl_open(&nl, 0, false);

	if (ret)
		return ret;
	nlh = xfrm_nl_msg(&nl, buf, XFRM_MSG_GETSADINFO, 0);
	mnl_nlmsg_put_extra_header(nlh, sizeof(uint32_t));
	ret = xfrm_nl_talk(&nl, nlh, NULL, NULL);
	xfrm_nl_close(&nl);
	return ret;
}
