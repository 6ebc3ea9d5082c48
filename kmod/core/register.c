// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * register.c: owns a socket's registration and promiscuity: REGISTER
 * (pfkey_register + compose_sadb_supported) and X_PROMISC (pfkey_promisc).
 *
 * The SUPPORTED lists are composed under the net mutex into a zeroed
 * buffer sized from the same table it is filled from, so neither the
 * CVE-2022-1353 leak nor the CVE-2022-3028 sizing race can happen.
 * Like af_key (xfrm_probe_algs), REGISTER first asks the host which
 * algorithms it can provide (pfkm_xform_available) and lists only those;
 * the answers are cached per net for ACQUIRE proposals and ADD.
 * Unlike af_key, which probes on every REGISTER, the host is asked again
 * only when the answers are PROBE_INTERVAL_MS old: in the kernel each
 * missing algorithm costs a module-load attempt (a usermode helper), and
 * under the net mutex a REGISTER loop would stall every other request
 * (measured: 250 ms per REGISTER under TCG).
 * Improvement over af_key: SUPPORTED_ENCRYPT also lists the available AEADs
 * (alg.c rows with afkey = false), after Linux's own entries.
 */
#include "net.h"
#include "xform.h"

#define PROBE_INTERVAL_MS 10000u

static uint32_t *avail_word(const struct pfkm_net *net, const struct pfkm_alg *a,
			    uint32_t *bit)
{
	*bit = 1u << (a->id % 32);
	return (uint32_t *)&net->alg_avail[a->kind - 1][a->id / 32];
}

static bool probe(struct pfkm_net *net, const struct pfkm_alg *a)
{
	uint32_t bit, *w = avail_word(net, a, &bit);
	struct pfkm_store *st = net->store;
	bool ok = st->ops->alg_available ? st->ops->alg_available(st, a) : pfkm_xform_available(a);

	if (ok)
		*w |= bit;
	else
		*w &= ~bit;
	return ok;
}

bool pfkm_register_alg_known(const struct pfkm_net *net, const struct pfkm_alg *alg)
{
	uint32_t bit;

	return (*avail_word(net, alg, &bit) & bit) != 0;
}

/* xfrm_probe_algs, when the last answers are stale (see top comment). */
static void probe_all(struct pfkm_net *net)
{
	static const enum pfkm_alg_kind kinds[] = { PFKM_ALG_AUTH, PFKM_ALG_ENC, PFKM_ALG_COMP };
	uint64_t now = os_time_mono_ms();
	const struct pfkm_alg *a;
	unsigned int k, i;

	if (net->alg_probed && now - net->alg_probe_ms < PROBE_INTERVAL_MS)
		return;
	for (k = 0; k < OS_ARRAY_SIZE(kinds); k++)
		for (i = 0; (a = pfkm_alg_at(kinds[k], i)); i++)
			probe(net, a);
	net->alg_probed = true;
	net->alg_probe_ms = now;
}

bool pfkm_register_alg_usable(struct pfkm_net *net, const struct pfkm_alg *alg)
{
	probe_all(net);
	return pfkm_register_alg_known(net, alg);
}

/* Available entries of a kind, as last probed. */
static unsigned int count_kind(const struct pfkm_net *net, enum pfkm_alg_kind kind)
{
	const struct pfkm_alg *a;
	unsigned int i, n = 0;

	for (i = 0; (a = pfkm_alg_at(kind, i)); i++)
		n += pfkm_register_alg_known(net, a);
	return n;
}

/* compose_sadb_supported: the n available entries of a kind. */
static int put_supported(const struct pfkm_net *net, struct pfkm_mbuf *m,
			 enum pfkm_alg_kind kind, uint16_t exttype, unsigned int n)
{
	struct sadb_supported *sp;
	struct sadb_alg *ap;
	unsigned int i, k;

	if (!n)
		return 0;
	sp = pfkm_mbuf_put(m, sizeof(*sp) + n * sizeof(*ap));
	if (!sp)
		return -ENOBUFS;
	sp->sadb_supported_len = (uint16_t)((sizeof(*sp) + n * sizeof(*ap)) / PFKM_UNIT);
	sp->sadb_supported_exttype = exttype;
	ap = (struct sadb_alg *)(sp + 1);
	for (i = 0, k = 0; k < n; i++) {
		const struct pfkm_alg *a = pfkm_alg_at(kind, i);

		if (!a)
			return -EINVAL;	/* cannot happen: n counted from the table */
		if (!pfkm_register_alg_known(net, a))
			continue;
		k++;
		ap->sadb_alg_id = a->id;
		ap->sadb_alg_ivlen = a->sadb_ivlen;
		ap->sadb_alg_minbits = a->sadb_minbits;
		ap->sadb_alg_maxbits = a->sadb_maxbits;
		ap++;
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
	probe_all(r->net);
	na = count_kind(r->net, PFKM_ALG_AUTH);
	ne = count_kind(r->net, PFKM_ALG_ENC);
	ret = pfkm_mbuf_init(&m, sizeof(*h) + 2 * sizeof(struct sadb_supported) +
			     (na + ne) * sizeof(struct sadb_alg), false);
	if (ret)
		goto err_unregister;
	h = pfkm_mbuf_put(&m, sizeof(*h));
	memcpy(h, r->hdr, sizeof(*h));		/* pfkey_hdr_dup */
	h->sadb_msg_errno = 0;
	ret = put_supported(r->net, &m, PFKM_ALG_AUTH, SADB_EXT_SUPPORTED_AUTH, na);
	if (!ret)
		ret = put_supported(r->net, &m, PFKM_ALG_ENC, SADB_EXT_SUPPORTED_ENCRYPT, ne);
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
