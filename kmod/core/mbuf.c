// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * mbuf.c: owns message composition buffers (struct pfkm_mbuf) and the
 * extension writers every reply and broadcast shares. Storage comes zeroed
 * from os_zalloc and is never reused, so reserved fields, padding and the
 * tail of a sockaddr_in6 in its 32-byte slot are always zero (the
 * CVE-2013-2234/2237, CVE-2022-1353 and CVE-2026-43088 leak patterns).
 */
#include "net.h"

int pfkm_mbuf_init(struct pfkm_mbuf *m, size_t cap, bool secret)
{
	m->len = 0;
	m->cap = PFKM_ALIGN8(cap);
	m->secret = secret;
	m->p = os_zalloc(m->cap);
	return m->p ? 0 : -ENOBUFS;
}

void pfkm_mbuf_free(struct pfkm_mbuf *m)
{
	if (!m->p)
		return;
	if (m->secret)
		os_free_secret(m->p, m->cap);
	else
		os_free(m->p);
	m->p = NULL;
	m->len = m->cap = 0;
}

void *pfkm_mbuf_put(struct pfkm_mbuf *m, size_t n)
{
	void *p;

	if (n > m->cap - m->len)
		return NULL;
	p = m->p + m->len;
	m->len += n;
	return p;
}

struct sadb_msg *pfkm_mbuf_put_hdr(struct pfkm_mbuf *m, uint8_t type, uint8_t satype,
				   uint32_t seq, uint32_t pid)
{
	struct sadb_msg *h = pfkm_mbuf_put(m, sizeof(*h));

	if (!h)
		return NULL;
	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_type = type;
	h->sadb_msg_satype = satype;
	h->sadb_msg_seq = seq;
	h->sadb_msg_pid = pid;
	return h;
}

void pfkm_mbuf_finish(struct pfkm_mbuf *m)
{
	pfkm_mbuf_hdr(m)->sadb_msg_len = (uint16_t)(m->len / PFKM_UNIT);
}

size_t pfkm_mbuf_addr_size(unsigned int family)
{
	return sizeof(struct sadb_address) + PFKM_ALIGN8(pfkm_walker_sockaddr_len(family));
}

/* plen < 0: the family's full length (what pfkey_sockaddr_fill returns). */
int pfkm_mbuf_put_addr(struct pfkm_mbuf *m, uint16_t exttype, unsigned int family,
		       const struct pfkm_addr *a, os_be16 port_be, uint8_t proto, int plen)
{
	size_t sz = pfkm_mbuf_addr_size(family);
	struct sadb_address *ad;
	unsigned int full;

	if (!pfkm_walker_sockaddr_len(family))
		return -EINVAL;
	ad = pfkm_mbuf_put(m, sz);
	if (!ad)
		return -ENOBUFS;
	ad->sadb_address_len = (uint16_t)(sz / PFKM_UNIT);
	ad->sadb_address_exttype = exttype;
	ad->sadb_address_proto = proto;
	full = pfkm_addr_to_sockaddr(family, a, port_be, ad + 1);
	ad->sadb_address_prefixlen = (uint8_t)(plen < 0 ? full : (unsigned int)plen);
	return 0;
}

int pfkm_mbuf_put_lifetime(struct pfkm_mbuf *m, uint16_t exttype, const struct pfkm_lifetime *lt)
{
	struct sadb_lifetime *l = pfkm_mbuf_put(m, sizeof(*l));

	if (!l)
		return -ENOBUFS;
	l->sadb_lifetime_len = sizeof(*l) / PFKM_UNIT;
	l->sadb_lifetime_exttype = exttype;
	l->sadb_lifetime_allocations = (uint32_t)lt->packets;
	l->sadb_lifetime_bytes = lt->bytes;
	l->sadb_lifetime_addtime = lt->addtime;
	l->sadb_lifetime_usetime = lt->usetime;
	return 0;
}
