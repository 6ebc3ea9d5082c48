// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * policy_req.c: owns the SPD requests: X_SPDADD / X_SPDUPDATE /
 * X_SPDSETIDX, X_SPDDELETE (by selector), X_SPDGET and X_SPDDELETE2 (by
 * id), X_SPDDUMP and X_SPDFLUSH, with af_key's errnos, targets and header
 * fields (pfkey_spdadd, pfkey_spddelete, pfkey_spdget, pfkey_spddump,
 * pfkey_spdflush, key_notify_policy*). Runs under net->lock.
 */
#include "net.h"

/* key_notify_policy / key_pol_get_resp: compose, header, send. */
static int pol_send(struct pfkm_req *r, const struct pfkm_policy *p, uint8_t type,
		    uint8_t version, unsigned int flags, struct pfkm_sock *one)
{
	struct pfkm_mbuf m;
	struct sadb_msg *h;
	int ret;

	ret = pfkm_policy_msg_compose(p, &m);
	if (ret)
		return ret;
	h = pfkm_mbuf_hdr(&m);
	h->sadb_msg_version = version;
	h->sadb_msg_type = type;
	h->sadb_msg_seq = r->hdr->sadb_msg_seq;
	h->sadb_msg_pid = r->hdr->sadb_msg_pid;
	pfkm_sock_bcast_mbuf(r->net, &m, flags, one);
	return 0;
}

int pfkm_policy_req_add(struct pfkm_req *r)
{
	bool update = r->hdr->sadb_msg_type == SADB_X_SPDUPDATE;
	struct pfkm_policy *p, *old;
	int ret;

	ret = pfkm_policy_msg_parse(r, &p);
	if (ret)
		return ret;
	ret = pfkm_spd_insert(&r->net->spd, p, !update, &old);
	if (ret) {
		pfkm_spd_policy_put(p);
		return ret;
	}
	pfkm_expire_policy_added(r->net, p);
	/* SETIDX is an exclusive add and notifies as SPDADD, as af_key. */
	pol_send(r, p, update ? SADB_X_SPDUPDATE : SADB_X_SPDADD, PF_KEY_V2, PFKM_BCAST_ALL, NULL);
	pfkm_spd_policy_put(old);
	pfkm_spd_policy_put(p);
	return 0;
}

int pfkm_policy_req_delete(struct pfkm_req *r)
{
	const struct sadb_x_policy *xp = PFKM_X(r, SADB_X_EXT_POLICY, struct sadb_x_policy);
	struct pfkm_policy *p;
	struct pfkm_sel sel;

	if (pfkm_policy_msg_sel(r, &sel) || !xp)
		return -EINVAL;
	if (!xp->sadb_x_policy_dir || xp->sadb_x_policy_dir >= IPSEC_DIR_MAX)
		return -EINVAL;
	p = pfkm_spd_find_sel(&r->net->spd, xp->sadb_x_policy_dir, &sel);
	if (!p)
		return -ENOENT;
	pfkm_spd_remove(&r->net->spd, p);
	pol_send(r, p, SADB_X_SPDDELETE, PF_KEY_V2, PFKM_BCAST_ALL, NULL);
	pfkm_spd_policy_put(p);
	return 0;
}

/* X_SPDGET and X_SPDDELETE2: by id; the id's low bits name the direction. */
int pfkm_policy_req_get(struct pfkm_req *r)
{
	const struct sadb_x_policy *xp = PFKM_X(r, SADB_X_EXT_POLICY, struct sadb_x_policy);
	struct pfkm_policy *p;
	unsigned int dir;
	int ret;

	if (!xp)
		return -EINVAL;
	dir = pfkm_spd_id2dir(xp->sadb_x_policy_id);
	if (dir > IPSEC_DIR_FWD)
		return -EINVAL;
	p = pfkm_spd_find_id(&r->net->spd, xp->sadb_x_policy_id);
	if (!p || p->dir != dir)
		return -ENOENT;
	if (r->hdr->sadb_msg_type == SADB_X_SPDDELETE2) {
		pfkm_spd_remove(&r->net->spd, p);
		pol_send(r, p, SADB_X_SPDDELETE2, PF_KEY_V2, PFKM_BCAST_ALL, NULL);
		pfkm_spd_policy_put(p);
		return 0;
	}
	pfkm_spd_policy_hold(p);
	ret = pol_send(r, p, r->hdr->sadb_msg_type, r->hdr->sadb_msg_version,
		       PFKM_BCAST_ONE, r->sk);
	pfkm_spd_policy_put(p);
	return ret;
}

int pfkm_policy_req_dump(struct pfkm_req *r)
{
	struct pfkm_dump *d = &r->sk->dump;

	if (d->kind != PFKM_DUMP_NONE)
		return -EBUSY;
	d->kind = PFKM_DUMP_SP;
	d->filter = false;
	d->version = r->hdr->sadb_msg_version;
	d->pid = r->hdr->sadb_msg_pid;
	return pfkm_sock_dump_start(r->sk);
}

int pfkm_policy_req_dump_one(struct pfkm_sock *sk, struct pfkm_walk *w, struct pfkm_mbuf *m)
{
	struct pfkm_policy *p = os_container_of(w, struct pfkm_policy, all);
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
	struct pfkm_spd *spd = &r->net->spd;
	struct pfkm_walk *w, *next;
	struct pfkm_mbuf m;
	size_t n = 0;
	int ret;

	for (w = spd->all.next; w != &spd->all; w = next) {
		struct pfkm_policy *p;

		next = w->next;
		if (w->marker)
			continue;
		p = os_container_of(w, struct pfkm_policy, all);
		pfkm_spd_remove(spd, p);
		pfkm_spd_policy_put(p);
		n++;
	}
	ret = pfkm_sa_req_flush_resp(r);
	/* Empty table or a failed copy: af_key returns quietly. */
	if (!n || ret)
		return 0;
	/* key_notify_policy_flush: every header field set (CVE-2013-2237). */
	ret = pfkm_mbuf_init(&m, sizeof(struct sadb_msg), false);
	if (ret)
		return ret;
	pfkm_mbuf_put_hdr(&m, SADB_X_SPDFLUSH, SADB_SATYPE_UNSPEC, r->hdr->sadb_msg_seq,
			  r->hdr->sadb_msg_pid);
	pfkm_sock_bcast_mbuf(r->net, &m, PFKM_BCAST_ALL, NULL);
	return 0;
}
