// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * walker.c: owns the length rules of PF_KEY messages (RFC 2367 as Linux
 * implements it). Nothing here allocates or keeps state; every read is
 * bounded by the length the caller received.
 */
#include "walker.h"

/* Minimum extension sizes in bytes, as af_key's sadb_ext_min_len[]. */
static const uint8_t ext_min_len[SADB_EXT_MAX + 1] = {
	[SADB_EXT_SA] = sizeof(struct sadb_sa),
	[SADB_EXT_LIFETIME_CURRENT] = sizeof(struct sadb_lifetime),
	[SADB_EXT_LIFETIME_HARD] = sizeof(struct sadb_lifetime),
	[SADB_EXT_LIFETIME_SOFT] = sizeof(struct sadb_lifetime),
	[SADB_EXT_ADDRESS_SRC] = sizeof(struct sadb_address),
	[SADB_EXT_ADDRESS_DST] = sizeof(struct sadb_address),
	[SADB_EXT_ADDRESS_PROXY] = sizeof(struct sadb_address),
	[SADB_EXT_KEY_AUTH] = sizeof(struct sadb_key),
	[SADB_EXT_KEY_ENCRYPT] = sizeof(struct sadb_key),
	[SADB_EXT_IDENTITY_SRC] = sizeof(struct sadb_ident),
	[SADB_EXT_IDENTITY_DST] = sizeof(struct sadb_ident),
	[SADB_EXT_SENSITIVITY] = sizeof(struct sadb_sens),
	[SADB_EXT_PROPOSAL] = sizeof(struct sadb_prop),
	[SADB_EXT_SUPPORTED_AUTH] = sizeof(struct sadb_supported),
	[SADB_EXT_SUPPORTED_ENCRYPT] = sizeof(struct sadb_supported),
	[SADB_EXT_SPIRANGE] = sizeof(struct sadb_spirange),
	[SADB_X_EXT_KMPRIVATE] = sizeof(struct sadb_x_kmprivate),
	[SADB_X_EXT_POLICY] = sizeof(struct sadb_x_policy),
	[SADB_X_EXT_SA2] = sizeof(struct sadb_x_sa2),
	[SADB_X_EXT_NAT_T_TYPE] = sizeof(struct sadb_x_nat_t_type),
	[SADB_X_EXT_NAT_T_SPORT] = sizeof(struct sadb_x_nat_t_port),
	[SADB_X_EXT_NAT_T_DPORT] = sizeof(struct sadb_x_nat_t_port),
	[SADB_X_EXT_NAT_T_OA] = sizeof(struct sadb_address),
	[SADB_X_EXT_SEC_CTX] = sizeof(struct sadb_x_sec_ctx),
	[SADB_X_EXT_KMADDRESS] = sizeof(struct sadb_x_kmaddress),
	[SADB_X_EXT_FILTER] = sizeof(struct sadb_x_filter),
};

size_t pfkm_walker_sockaddr_len(unsigned int family)
{
	switch (family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	default:
		return 0;
	}
}

static int header(const void *buf, size_t len, bool request)
{
	const struct sadb_msg *m = buf;

	if (len < sizeof(*m))
		return -EMSGSIZE;
	if (m->sadb_msg_version != PF_KEY_V2 ||
	    (request && m->sadb_msg_reserved != 0) ||
	    m->sadb_msg_type <= SADB_RESERVED || m->sadb_msg_type > SADB_MAX)
		return -EINVAL;
	if ((size_t)m->sadb_msg_len != len / PFKM_UNIT ||
	    m->sadb_msg_len < sizeof(*m) / PFKM_UNIT)
		return -EMSGSIZE;
	return 0;
}

int pfkm_walker_header(const void *buf, size_t len)
{
	return header(buf, len, true);
}

/*
 * Linux's verify_address_len: the sockaddr must be exactly as long as its
 * family needs (rounded to units) and the prefix within the family's width.
 * Families other than AF_INET/AF_INET6 are rejected.
 */
static int check_address(const struct sadb_address *a)
{
	const struct sockaddr *sa = pfkm_walker_addr(a);
	unsigned int plen_max;
	size_t salen;

	if ((size_t)a->sadb_address_len * PFKM_UNIT <
	    sizeof(*a) + offsetof(struct sockaddr, sa_family) + sizeof(sa->sa_family))
		return -EINVAL;
	salen = pfkm_walker_sockaddr_len(sa->sa_family);
	if (!salen)
		return -EINVAL;
	plen_max = sa->sa_family == AF_INET ? 32 : 128;
	if (a->sadb_address_len != PFKM_UNITS(sizeof(*a) + salen) ||
	    a->sadb_address_prefixlen > plen_max)
		return -EINVAL;
	return 0;
}

/* Key bits must fit in the extension (af_key's verify_key_len). */
static int check_key(const struct sadb_key *k)
{
	size_t need = PFKM_UNITS(sizeof(*k) + ((size_t)k->sadb_key_bits + 7) / 8);

	return need > k->sadb_key_len ? -EINVAL : 0;
}

/* Security context: ctx_len counts bytes, capped at a page, exact units. */
static int check_sec_ctx(const struct sadb_x_sec_ctx *c)
{
	if (c->sadb_x_ctx_len > OS_PAGE_SIZE)
		return -EINVAL;
	if (c->sadb_x_sec_len != PFKM_UNITS(sizeof(*c) + c->sadb_x_ctx_len))
		return -EINVAL;
	return 0;
}

int pfkm_walker_exts(const void *buf, size_t len, struct pfkm_exts *out)
{
	const uint8_t *p = buf;
	size_t left;
	int ret;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(struct sadb_msg))
		return -EMSGSIZE;
	out->msg = buf;
	p += sizeof(struct sadb_msg);
	left = len - sizeof(struct sadb_msg);

	while (left > 0) {
		const struct sadb_ext *e = (const void *)p;
		size_t elen;
		uint16_t type;

		if (left < sizeof(*e))
			goto err_inval;
		elen = (size_t)e->sadb_ext_len * PFKM_UNIT;
		type = e->sadb_ext_type;
		if (elen < PFKM_UNIT || elen > left || type == SADB_EXT_RESERVED)
			goto err_inval;
		if (type <= SADB_EXT_MAX) {
			if (elen < ext_min_len[type] || out->ext[type])
				goto err_inval;
			switch (type) {
			case SADB_EXT_ADDRESS_SRC:
			case SADB_EXT_ADDRESS_DST:
			case SADB_EXT_ADDRESS_PROXY:
			case SADB_X_EXT_NAT_T_OA:
				ret = check_address((const void *)e);
				break;
			case SADB_EXT_KEY_AUTH:
			case SADB_EXT_KEY_ENCRYPT:
				ret = check_key((const void *)e);
				break;
			case SADB_X_EXT_SEC_CTX:
				ret = check_sec_ctx((const void *)e);
				break;
			default:
				ret = 0;
				break;
			}
			if (ret)
				goto err_ret;
			out->ext[type] = e;
		}
		/* Unknown types above SADB_EXT_MAX: skipped, as af_key does. */
		p += elen;
		left -= elen;
	}
	return 0;

err_inval:
	ret = -EINVAL;
err_ret:
	memset(out->ext, 0, sizeof(out->ext));
	return ret;
}

int pfkm_walker_request(const void *buf, size_t len, struct pfkm_exts *out)
{
	int ret = header(buf, len, true);

	if (ret) {
		memset(out, 0, sizeof(*out));
		return ret;
	}
	return pfkm_walker_exts(buf, len, out);
}

int pfkm_walker_reply(const void *buf, size_t len, struct pfkm_exts *out)
{
	int ret = header(buf, len, false);

	if (ret) {
		memset(out, 0, sizeof(*out));
		return ret;
	}
	return pfkm_walker_exts(buf, len, out);
}

void pfkm_walker_request_begin(struct pfkm_req_iter *it, const struct sadb_x_policy *pol)
{
	size_t total = (size_t)pol->sadb_x_policy_len * PFKM_UNIT;

	it->p = (const uint8_t *)(pol + 1);
	it->left = total > sizeof(*pol) ? total - sizeof(*pol) : 0;
}

int pfkm_walker_request_next(struct pfkm_req_iter *it, const struct sadb_x_ipsecrequest **rq)
{
	const struct sadb_x_ipsecrequest *r = (const void *)it->p;

	/* Trailing bytes shorter than a request are padding (af_key ignores them). */
	if (it->left < sizeof(*r))
		return 0;
	if (r->sadb_x_ipsecrequest_len < sizeof(*r) ||
	    r->sadb_x_ipsecrequest_len > it->left)
		return -EINVAL;
	*rq = r;
	it->p += r->sadb_x_ipsecrequest_len;
	it->left -= r->sadb_x_ipsecrequest_len;
	return 1;
}

int pfkm_walker_sockaddr_pair(const void *p, size_t len,
			      const struct sockaddr **a, const struct sockaddr **b)
{
	const uint8_t *pa = p, *pb;
	sa_family_t fa, fb;
	size_t salen;

	/*
	 * ipsecrequest lengths count bytes, so a pair inside a policy may sit
	 * at any address: read the families bytewise. Callers that touch the
	 * returned sockaddrs must cope with misalignment (copy them first).
	 */
	if (len < sizeof(fa) + offsetof(struct sockaddr, sa_family))
		return -EINVAL;
	memcpy(&fa, pa + offsetof(struct sockaddr, sa_family), sizeof(fa));
	salen = pfkm_walker_sockaddr_len(fa);
	if (!salen || len < PFKM_ALIGN8(2 * salen))
		return -EINVAL;
	pb = pa + salen;
	memcpy(&fb, pb + offsetof(struct sockaddr, sa_family), sizeof(fb));
	if (fb != fa)
		return -EINVAL;
	*a = (const void *)pa;
	*b = (const void *)pb;
	return fa;
}

int pfkm_walker_filter_check(const struct sadb_x_filter *f)
{
	if (f->sadb_x_filter_splen >= 128 || f->sadb_x_filter_dplen >= 128)
		return -EINVAL;
	return 0;
}
