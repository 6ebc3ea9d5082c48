// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * sa_req.c: owns the SA requests: GETSPI, ADD/UPDATE, DELETE, GET, the
 * error form of ACQUIRE, FLUSH and DUMP, with af_key's checks, errnos,
 * reply targets and header fields (pfkey_getspi, pfkey_add, pfkey_delete,
 * pfkey_get, pfkey_acquire, pfkey_flush, pfkey_dump), over the net's store
 * (store.h): the store changes its tables and reports, notify.c broadcasts.
 * Runs under net->lock.
 */
#include "net.h"

int pfkm_sa_req_getspi(struct pfkm_req *r)
{
	const struct sadb_x_sa2 *sa2 = PFKM_X(r, SADB_X_EXT_SA2, struct sadb_x_sa2);
	const struct sadb_spirange *range = PFKM_X(r, SADB_EXT_SPIRANGE, struct sadb_spirange);
	struct pfkm_store *st = r->net->store;
	struct pfkm_sa_sel k = { 0 };
	const struct pfkm_sa *x;
	uint32_t min = 0x100, max = 0x0fffffff;
	struct pfkm_mbuf m;
	struct sadb_msg *h;
	int ret, mode = IPSEC_MODE_TRANSPORT;

	k.family = (uint8_t)pfkm_sa_msg_addrs(r, &k.saddr, &k.daddr);
	if (!k.family)
		return -EINVAL;
	k.proto = pfkm_sa_satype2proto(r->hdr->sadb_msg_satype);
	/* af_key would create a larval SA for satype UNSPEC; we refuse it. */
	if (!k.proto || k.proto == IPSEC_PROTO_ANY)
		return -EINVAL;
	if (sa2) {
		mode = pfkm_sa_msg_mode(sa2->sadb_x_sa2_mode);
		if (mode < 0)
			return -EINVAL;
		k.reqid = sa2->sadb_x_sa2_reqid;
	}
	k.mode = (uint8_t)mode;
	/* checked with the default range too: IPComp needs a SPIRANGE */
	if (range) {
		min = range->sadb_spirange_min;
		max = range->sadb_spirange_max;
	}
	ret = st->ops->sa_getspi(st, &k, r->hdr->sadb_msg_seq, min, max, &x);
	if (ret)
		return ret;
	ret = pfkm_sa_msg_compose(x, true, 3, SADB_GETSPI, &m);
	st->ops->sa_put(st, x);
	if (ret)
		return ret;
	h = pfkm_mbuf_hdr(&m);
	h->sadb_msg_version = r->hdr->sadb_msg_version;
	h->sadb_msg_seq = r->hdr->sadb_msg_seq;
	h->sadb_msg_pid = r->hdr->sadb_msg_pid;
	pfkm_sock_bcast_mbuf(r->net, &m, PFKM_BCAST_ONE, r->sk);
	return 0;
}

/* ADD (xfrm_state_add, exclusive) and UPDATE (xfrm_state_update): the
 * store decides and reports (store.h). */
int pfkm_sa_req_add(struct pfkm_req *r)
{
	struct pfkm_store *st = r->net->store;
	struct pfkm_store_origin o = pfkm_req_origin(r);
	struct pfkm_sa *x;
	int ret;

	ret = pfkm_sa_msg_parse(r, &x);
	if (ret)
		return ret;
	return st->ops->sa_add(st, x, r->hdr->sadb_msg_type == SADB_UPDATE, &o);
}

/* pfkey_xfrm_state_lookup: SA + same-family SRC/DST, then (daddr, spi, proto). */
static int sa_id(struct pfkm_req *r, struct pfkm_sa_id *id)
{
	const struct sadb_sa *sa = PFKM_X(r, SADB_EXT_SA, struct sadb_sa);
	struct pfkm_addr s;

	memset(id, 0, sizeof(*id));
	id->family = (uint8_t)pfkm_sa_msg_addrs(r, &s, &id->daddr);
	if (!sa || !id->family)
		return -EINVAL;
	id->proto = pfkm_sa_satype2proto(r->hdr->sadb_msg_satype);
	id->spi = sa->sadb_sa_spi;
	return id->proto ? 0 : -ESRCH;
}

int pfkm_sa_req_delete(struct pfkm_req *r)
{
	struct pfkm_store *st = r->net->store;
	struct pfkm_store_origin o = pfkm_req_origin(r);
	struct pfkm_sa_id id;
	int ret = sa_id(r, &id);

	if (ret)
		return ret;
	return st->ops->sa_delete(st, &id, &o);
}

int pfkm_sa_req_get(struct pfkm_req *r)
{
	struct pfkm_store *st = r->net->store;
	const struct pfkm_sa *x;
	struct pfkm_sa_id id;
	int ret = sa_id(r, &id);

	if (!ret)
		ret = st->ops->sa_get(st, &id, &x);
	if (ret)
		return ret;
	ret = pfkm_notify_sa(r->net, x, SADB_GET, r->hdr->sadb_msg_seq, r->hdr->sadb_msg_pid,
			     PFKM_BCAST_ONE, r->sk);
	st->ops->sa_put(st, x);
	return ret;
}

/*
 * From a KM, ACQUIRE only reports failure: header only (else EOPNOTSUPP),
 * seq and errno set; the larval SA of that sequence turns into an error
 * state (it then lives out its 30 s). Nothing is sent back on success.
 */
int pfkm_sa_req_acquire(struct pfkm_req *r)
{
	struct pfkm_store *st = r->net->store;

	if (r->hdr->sadb_msg_len != sizeof(struct sadb_msg) / PFKM_UNIT)
		return -EOPNOTSUPP;
	if (r->hdr->sadb_msg_seq == 0 || r->hdr->sadb_msg_errno == 0)
		return 0;
	st->ops->sa_acquire_error(st, r->hdr->sadb_msg_seq);
	return 0;
}

/* unicast_flush_resp: the request header, errno 0, len 2, to the sender. */
int pfkm_sa_req_flush_resp(struct pfkm_req *r)
{
	struct sadb_msg h;

	memcpy(&h, r->hdr, sizeof(h));
	h.sadb_msg_errno = 0;
	h.sadb_msg_len = sizeof(h) / PFKM_UNIT;
	return pfkm_sock_bcast(r->net, &h, sizeof(h), PFKM_BCAST_ONE, r->sk);
}

int pfkm_sa_req_flush(struct pfkm_req *r)
{
	struct pfkm_store *st = r->net->store;
	struct pfkm_store_origin o = pfkm_req_origin(r);
	uint8_t proto = pfkm_sa_satype2proto(r->hdr->sadb_msg_satype);
	int n, ret;

	if (!proto)
		return -EINVAL;
	n = st->ops->sa_flush(st, proto);
	if (n < 0)
		return n;
	ret = pfkm_sa_req_flush_resp(r);
	/* An empty table goes quietly: the sender's copy only. */
	if (!n || ret)
		return n ? ret : 0;
	st->ops->notify_flush(st, PFKM_WALK_SA, proto, &o);
	return 0;
}

int pfkm_sa_req_dump(struct pfkm_req *r)
{
	const struct sadb_x_filter *f = PFKM_X(r, SADB_X_EXT_FILTER, struct sadb_x_filter);
	struct pfkm_dump *d = &r->sk->dump;
	uint8_t proto;
	int ret;

	if (d->kind != PFKM_DUMP_NONE)
		return -EBUSY;
	proto = pfkm_sa_satype2proto(r->hdr->sadb_msg_satype);
	if (!proto)
		return -EINVAL;
	d->filter = false;
	if (f) {
		ret = pfkm_walker_filter_check(f);	/* CVE-2021-0605 */
		if (ret)
			return ret;
		d->filter = true;
		d->f_family = f->sadb_x_filter_family;
		d->f_splen = f->sadb_x_filter_splen;
		d->f_dplen = f->sadb_x_filter_dplen;
		memcpy(d->f_saddr.b, f->sadb_x_filter_saddr, 16);
		memcpy(d->f_daddr.b, f->sadb_x_filter_daddr, 16);
	}
	d->kind = PFKM_DUMP_SA;
	d->proto = proto;
	memset(&d->walk, 0, sizeof(d->walk));
	d->walk.what = PFKM_WALK_SA;
	d->walk.proto = proto;
	d->version = r->hdr->sadb_msg_version;
	d->pid = r->hdr->sadb_msg_pid;
	return pfkm_sock_dump_start(r->sk);
}

int pfkm_sa_req_dump_one(struct pfkm_sock *sk, const struct pfkm_sa *x, struct pfkm_mbuf *m)
{
	struct pfkm_dump *d = &sk->dump;
	struct sadb_msg *h;
	int ret;

	if (!m) {
		if (d->proto != IPSEC_PROTO_ANY && x->proto != d->proto)
			return 1;
		if (!d->filter)
			return 0;
		if ((d->f_family == AF_INET || d->f_family == AF_INET6) &&
		    x->family != d->f_family)
			return 1;
		return pfkm_addr_match(&x->saddr, &d->f_saddr, d->f_splen) &&
		       pfkm_addr_match(&x->daddr, &d->f_daddr, d->f_dplen) ? 0 : 1;
	}
	ret = pfkm_sa_msg_compose(x, true, 3, SADB_DUMP, m);
	if (ret)
		return ret;
	h = pfkm_mbuf_hdr(m);
	h->sadb_msg_version = d->version;
	h->sadb_msg_pid = d->pid;
	return 0;
}
