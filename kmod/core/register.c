// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * register.c: owns a socket's registration and promiscuity: REGISTER
 * (pfkey_register + compose_sadb_supported) and X_PROMISC (pfkey_promisc).
 *
 * The SUPPORTED lists are composed under the net mutex into a zeroed
 * buffer sized from the same table it is filled from, so neither the
 * CVE-2022-1353 leak nor the CVE-2022-3028 sizing race can happen.
 * Improvement over af_key: SUPPORTED_ENCRYPT also lists the AEADs (alg.c
 * rows with afkey = false), after Linux's own entries.
 */
#include "net.h"

static unsigned int alg_count(enum pfkm_alg_kind kind)
{
	unsigned int n = 0;

	while (pfkm_alg_at(kind, n))
		n++;
	return n;
}

static int put_supported(struct pfkm_mbuf *m, enum pfkm_alg_kind kind, uint16_t exttype,
			 unsigned int n)
{
	struct sadb_supported *sp;
	struct sadb_alg *ap;
	unsigned int i;

	if (!n)
		return 0;
	sp = pfkm_mbuf_put(m, sizeof(*sp) + n * sizeof(*ap));
	if (!sp)
		return -ENOBUFS;
	sp->sadb_supported_len = (uint16_t)((sizeof(*sp) + n * sizeof(*ap)) / PFKM_UNIT);
	sp->sadb_supported_exttype = exttype;
	ap = (struct sadb_alg *)(sp + 1);
	for (i = 0; i < n; i++, ap++) {
		const struct pfkm_alg *a = pfkm_alg_at(kind, i);

		ap->sadb_alg_id = a->id;
		ap->sadb_alg_ivlen = a->sadb_ivlen;
		ap->sadb_alg_minbits = a->sadb_minbits;
		ap->sadb_alg_maxbits = a->sadb_maxbits;
	}
	return 0;
}

int pfkm_register_req(struct pfkm_req *r)
{
	struct pfkm_sock *sk = r->sk;
	uint8_t satype = r->hdr->sadb_msg_satype;
	unsigned int na, ne;
	struct pfkm_mbuf m;
	struct sadb_msg *h;
	int ret;

	if (satype > SADB_SATYPE_MAX)
		return -EINVAL;
	if (satype != SADB_SATYPE_UNSPEC) {
		if (sk->registered & (1u << satype))
			return -EEXIST;
		sk->registered |= 1u << satype;
	}
	na = alg_count(PFKM_ALG_AUTH);
	ne = alg_count(PFKM_ALG_ENC);
	ret = pfkm_mbuf_init(&m, sizeof(*h) + 2 * sizeof(struct sadb_supported) +
			     (na + ne) * sizeof(struct sadb_alg), false);
	if (ret)
		goto err_unregister;
	h = pfkm_mbuf_put(&m, sizeof(*h));
	memcpy(h, r->hdr, sizeof(*h));		/* pfkey_hdr_dup */
	h->sadb_msg_errno = 0;
	ret = put_supported(&m, PFKM_ALG_AUTH, SADB_EXT_SUPPORTED_AUTH, na);
	if (!ret)
		ret = put_supported(&m, PFKM_ALG_ENC, SADB_EXT_SUPPORTED_ENCRYPT, ne);
	if (ret) {
		pfkm_mbuf_free(&m);
		goto err_unregister;
	}
	pfkm_sock_bcast_mbuf(r->net, &m, PFKM_BCAST_REGISTERED, sk);
	return 0;

err_unregister:
	if (satype != SADB_SATYPE_UNSPEC)
		sk->registered &= ~(1u << satype);
	return ret;
}

/*
 * X_PROMISC: a bare header with satype 1/0 turns promiscuous mode on/off;
 * in every case the message (errno cleared for the bare form) goes to all
 * sockets, which is also how a KM injects a message to every listener.
 */
int pfkm_register_req_promisc(struct pfkm_req *r)
{
	size_t len = (size_t)r->hdr->sadb_msg_len * PFKM_UNIT;
	struct pfkm_mbuf m;
	int ret;

	if (len == sizeof(struct sadb_msg)) {
		if (r->hdr->sadb_msg_satype > 1)
			return -EINVAL;
		r->sk->promisc = r->hdr->sadb_msg_satype;
	}
	ret = pfkm_mbuf_init(&m, len, false);
	if (ret)
		return ret;
	memcpy(pfkm_mbuf_put(&m, len), r->hdr, len);
	if (len == sizeof(struct sadb_msg))
		pfkm_mbuf_hdr(&m)->sadb_msg_errno = 0;
	pfkm_sock_bcast_mbuf(r->net, &m, PFKM_BCAST_ALL, NULL);
	return 0;
}
