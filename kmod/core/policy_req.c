// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * policy_req.c: owns the SPD requests: X_SPDADD / X_SPDUPDATE /
 * X_SPDSETIDX, X_SPDDELETE (by selector), X_SPDGET and X_SPDDELETE2 (by
 * id), X_SPDDUMP and X_SPDFLUSH, with af_key's errnos, targets and header
 * fields (pfkey_spdadd, pfkey_spddelete, pfkey_spdget, pfkey_spddump,
 * pfkey_spdflush), over the net's store (store.h); the store reports
 * changes and notify.c broadcasts them (key_notify_policy*). Runs under
 * net->lock.
 */
#include "net.h"

int pfkm_policy_req_add(struct pfkm_req *r)
{
	struct pfkm_store *st = r->net->store;
	struct pfkm_store_origin o = pfkm_req_origin(r);
	struct pfkm_policy *p;
	int ret;

	ret = pfkm_policy_msg_parse(r, &p);
	if (ret)
		return ret;
	/* SETIDX is an exclusive add and notifies as SPDADD, as af_key. */
	return st->ops->pol_add(st, p, r->hdr->sadb_msg_type != SADB_X_SPDUPDATE, &o);
}

int pfkm_policy_req_delete(struct pfkm_req *r)
{
	const struct sadb_x_policy *xp = PFKM_X(r, SADB_X_EXT_POLICY, struct sadb_x_policy);
	struct pfkm_store *st = r->net->store;
	struct pfkm_store_origin o = pfkm_req_origin(r);
	struct pfkm_sel sel;

	if (pfkm_policy_msg_sel(r, &sel) || !xp)
		return -EINVAL;
	if (!xp->sadb_x_policy_dir || xp->sadb_x_policy_dir >= IPSEC_DIR_MAX)
		return -EINVAL;
	return st->ops->pol_delete(st, xp->sadb_x_policy_dir, &sel, &o);
}

/* X_SPDGET and X_SPDDELETE2: by id; the id's low bits name the direction
 * (key_pol_get_resp answers the sender with the request's version). */
int pfkm_policy_req_get(struct pfkm_req *r)
{
	const struct sadb_x_policy *xp = PFKM_X(r, SADB_X_EXT_POLICY, struct sadb_x_policy);
	struct pfkm_store *st = r->net->store;
	struct pfkm_store_origin o = pfkm_req_origin(r);
	bool del = r->hdr->sadb_msg_type == SADB_X_SPDDELETE2;
	const struct pfkm_policy *p;
	struct pfkm_mbuf m;
	struct sadb_msg *h;
	int ret;

	if (!xp)
		return -EINVAL;
	if (pfkm_spd_id2dir(xp->sadb_x_policy_id) > IPSEC_DIR_FWD)
		return -EINVAL;
	ret = st->ops->pol_get(st, xp->sadb_x_policy_id, del, &o, &p);
	if (ret || del)
		return ret;
	ret = pfkm_policy_msg_compose(p, &m);
	st->ops->pol_put(st, p);
	if (ret)
		return ret;
	h = pfkm_mbuf_hdr(&m);
	h->sadb_msg_version = r->hdr->sadb_msg_version;
	h->sadb_msg_type = r->hdr->sadb_msg_type;
	h->sadb_msg_seq = r->hdr->sadb_msg_seq;
	h->sadb_msg_pid = r->hdr->sadb_msg_pid;
	pfkm_sock_bcast_mbuf(r->net, &m, PFKM_BCAST_ONE, r->sk);
	return 0;
}

int pfkm_policy_req_dump(struct pfkm_req *r)
{
	struct pfkm_dump *d = &r->sk->dump;

	if (d->kind != PFKM_DUMP_NONE)
		return -EBUSY;
	d->kind = PFKM_DUMP_SP;
	memset(&d->walk, 0, sizeof(d->walk));
	d->walk.what = PFKM_WALK_POL;
	d->filter = false;
	d->version = r->hdr->sadb_msg_version;
	d->pid = r->hdr->sadb_msg_pid;
	return pfkm_sock_dump_start(r->sk);
}

int pfkm_policy_req_dump_one(struct pfkm_sock *sk, const struct pfkm_policy *p,
			     struct pfkm_mbuf *m)
{
	struct sadb_msg *h;
	int ret;

	if (!m)
		return 0;
	ret = pfkm_policy_msg_compose(p, m);
	if (ret)
		return ret;
	h = pfkm_mbuf_hdr(m);
	h->sadb_msg_version = sk->dump.version;
	h->sadb_msg_type = SADB_X_SPDDUMP;
	h->sadb_msg_pid = sk->dump.pid;
	return 0;
}

int pfkm_policy_req_flush(struct pfkm_req *r)
{
	struct pfkm_store *st = r->net->store;
	struct pfkm_store_origin o = pfkm_req_origin(r);
	int n, ret;

	n = st->ops->pol_flush(st);
	if (n < 0)
		return n;
	ret = pfkm_sa_req_flush_resp(r);
	/* Empty table or a failed copy: af_key returns quietly. */
	if (!n || ret)
		return 0;
	st->ops->notify_flush(st, PFKM_WALK_POL, 0, &o);
	return 0;
}
