// SPDX-License-Identifier: BSD-2-Clause
/*
 * msg.c: raw PF_KEY message building and reply checking for the driver.
 * Messages are assembled by hand from <linux/pfkeyv2.h> structs, so the
 * byte layout under test is exactly what the test wrote.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "drv.h"

static void *put(struct mb *m, size_t n)
{
	void *p = m->b + m->len;

	memset(p, 0, PFKM_ALIGN8(n));
	m->len += PFKM_ALIGN8(n);
	return p;
}

void mb_hdr(struct mb *m, uint8_t type, uint8_t satype, uint32_t seq)
{
	struct sadb_msg *h;

	memset(m, 0, sizeof(*m));
	h = put(m, sizeof(*h));
	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_type = type;
	h->sadb_msg_satype = satype;
	h->sadb_msg_seq = seq;
	h->sadb_msg_pid = DRV_PID;
}

size_t mb_done(struct mb *m)
{
	((struct sadb_msg *)(void *)m->b)->sadb_msg_len = (uint16_t)(m->len / 8);
	return m->len;
}

void mb_sa(struct mb *m, uint32_t spi, uint8_t auth, uint8_t enc, uint8_t replay)
{
	struct sadb_sa *sa = put(m, sizeof(*sa));

	sa->sadb_sa_len = sizeof(*sa) / 8;
	sa->sadb_sa_exttype = SADB_EXT_SA;
	sa->sadb_sa_spi = htonl(spi);
	sa->sadb_sa_replay = replay;
	sa->sadb_sa_state = SADB_SASTATE_MATURE;
	sa->sadb_sa_auth = auth;
	sa->sadb_sa_encrypt = enc;
}

static size_t fill_sockaddr(void *p, const char *ip, uint16_t port)
{
	struct sockaddr_in *a4 = p;
	struct sockaddr_in6 *a6 = p;

	if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		return sizeof(*a4);
	}
	inet_pton(AF_INET6, ip, &a6->sin6_addr);
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(port);
	return sizeof(*a6);
}

void mb_addr(struct mb *m, uint16_t exttype, const char *ip, uint16_t port,
	     uint8_t prefixlen, uint8_t proto)
{
	size_t start = m->len;
	struct sadb_address *a = put(m, sizeof(*a) + 32);
	size_t sl = fill_sockaddr(a + 1, ip, port);

	m->len = start + PFKM_ALIGN8(sizeof(*a) + sl);
	a->sadb_address_len = (uint16_t)((m->len - start) / 8);
	a->sadb_address_exttype = exttype;
	a->sadb_address_proto = proto;
	a->sadb_address_prefixlen = prefixlen;
}

void mb_key(struct mb *m, uint16_t exttype, uint16_t bits, uint8_t fill)
{
	size_t n = sizeof(struct sadb_key) + (bits + 7u) / 8u;
	struct sadb_key *k = put(m, n);

	k->sadb_key_len = (uint16_t)(PFKM_ALIGN8(n) / 8);
	k->sadb_key_exttype = exttype;
	k->sadb_key_bits = bits;
	memset(k + 1, fill, (bits + 7u) / 8u);
}

void mb_lifetime(struct mb *m, uint16_t exttype, uint32_t alloc, uint64_t bytes,
		 uint64_t add, uint64_t use)
{
	struct sadb_lifetime *l = put(m, sizeof(*l));

	l->sadb_lifetime_len = sizeof(*l) / 8;
	l->sadb_lifetime_exttype = exttype;
	l->sadb_lifetime_allocations = alloc;
	l->sadb_lifetime_bytes = bytes;
	l->sadb_lifetime_addtime = add;
	l->sadb_lifetime_usetime = use;
}

void mb_sa2(struct mb *m, uint8_t mode, uint32_t reqid)
{
	struct sadb_x_sa2 *s = put(m, sizeof(*s));

	s->sadb_x_sa2_len = sizeof(*s) / 8;
	s->sadb_x_sa2_exttype = SADB_X_EXT_SA2;
	s->sadb_x_sa2_mode = mode;
	s->sadb_x_sa2_reqid = reqid;
}

void mb_spirange(struct mb *m, uint32_t min, uint32_t max)
{
	struct sadb_spirange *r = put(m, sizeof(*r));

	r->sadb_spirange_len = sizeof(*r) / 8;
	r->sadb_spirange_exttype = SADB_EXT_SPIRANGE;
	r->sadb_spirange_min = min;
	r->sadb_spirange_max = max;
}

size_t mb_policy(struct mb *m, uint16_t type, uint8_t dir, uint32_t id)
{
	size_t off = m->len;
	struct sadb_x_policy *p = put(m, sizeof(*p));

	p->sadb_x_policy_len = sizeof(*p) / 8;
	p->sadb_x_policy_exttype = SADB_X_EXT_POLICY;
	p->sadb_x_policy_type = type;
	p->sadb_x_policy_dir = dir;
	p->sadb_x_policy_id = id;
	return off;
}

void mb_ipsecreq(struct mb *m, size_t off, uint16_t proto, uint8_t mode, uint8_t level,
		 uint32_t reqid, const char *tsrc, const char *tdst)
{
	struct sadb_x_policy *p = (void *)(m->b + off);
	size_t start = m->len, n = sizeof(struct sadb_x_ipsecrequest);
	struct sadb_x_ipsecrequest *rq = put(m, sizeof(*rq) + 64);

	if (tsrc && tdst) {
		n += fill_sockaddr((uint8_t *)(rq + 1), tsrc, 0);
		n += fill_sockaddr((uint8_t *)(rq + 1) + (n - sizeof(*rq)), tdst, 0);
	}
	m->len = start + PFKM_ALIGN8(n);
	rq->sadb_x_ipsecrequest_len = (uint16_t)PFKM_ALIGN8(n);
	rq->sadb_x_ipsecrequest_proto = proto;
	rq->sadb_x_ipsecrequest_mode = mode;
	rq->sadb_x_ipsecrequest_level = level;
	rq->sadb_x_ipsecrequest_reqid = reqid;
	p->sadb_x_policy_len = (uint16_t)((m->len - off) / 8);
}

void mb_filter(struct mb *m, uint16_t family, uint8_t splen, uint8_t dplen)
{
	struct sadb_x_filter *f = put(m, sizeof(*f));

	f->sadb_x_filter_len = sizeof(*f) / 8;
	f->sadb_x_filter_exttype = SADB_X_EXT_FILTER;
	f->sadb_x_filter_family = family;
	f->sadb_x_filter_splen = splen;
	f->sadb_x_filter_dplen = dplen;
}

void mb_kmaddress(struct mb *m, const char *local, const char *remote)
{
	size_t start = m->len, n = sizeof(struct sadb_x_kmaddress);
	struct sadb_x_kmaddress *k = put(m, n + 64);

	n += fill_sockaddr((uint8_t *)(k + 1), local, 0);
	n += fill_sockaddr((uint8_t *)(k + 1) + (n - sizeof(*k)), remote, 0);
	m->len = start + PFKM_ALIGN8(n);
	k->sadb_x_kmaddress_len = (uint16_t)(PFKM_ALIGN8(n) / 8);
	k->sadb_x_kmaddress_exttype = SADB_X_EXT_KMADDRESS;
}

size_t mb_esp_sa(struct mb *m, uint8_t type, uint32_t spi, uint32_t seq,
		 const char *src, const char *dst)
{
	unsigned int plen = strchr(src, ':') ? 128 : 32;

	mb_hdr(m, type, SADB_SATYPE_ESP, seq);
	mb_sa(m, spi, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	mb_addr(m, SADB_EXT_ADDRESS_SRC, src, 0, (uint8_t)plen, IPSEC_PROTO_ANY);
	mb_addr(m, SADB_EXT_ADDRESS_DST, dst, 0, (uint8_t)plen, IPSEC_PROTO_ANY);
	mb_key(m, SADB_EXT_KEY_AUTH, 160, 0xa5);
	mb_key(m, SADB_EXT_KEY_ENCRYPT, 128, 0x5a);
	return mb_done(m);
}

size_t mb_esp_policy(struct mb *m, uint8_t type, uint8_t dir, const char *src,
		     const char *dst, uint32_t seq)
{
	unsigned int plen = strchr(src, ':') ? 128 : 32;
	size_t off;

	mb_hdr(m, type, SADB_SATYPE_UNSPEC, seq);
	mb_addr(m, SADB_EXT_ADDRESS_SRC, src, 0, (uint8_t)plen, IPSEC_PROTO_ANY);
	mb_addr(m, SADB_EXT_ADDRESS_DST, dst, 0, (uint8_t)plen, IPSEC_PROTO_ANY);
	off = mb_policy(m, IPSEC_POLICY_IPSEC, dir, 0);
	mb_ipsecreq(m, off, IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0,
		    NULL, NULL);
	return mb_done(m);
}

size_t mb_simple(struct mb *m, uint8_t type, uint8_t satype, uint32_t seq)
{
	mb_hdr(m, type, satype, seq);
	return mb_done(m);
}

int rx_get(int fd, struct rx *r, int timeout_ms)
{
	int ret;

	r->len = drv_recv(fd, r->b, sizeof(r->b), timeout_ms);
	r->h = (const struct sadb_msg *)(const void *)r->b;
	memset(&r->ex, 0, sizeof(r->ex));
	if (r->len <= 0)
		return r->len == 0 ? -ECONNRESET : r->len;
	ret = pfkm_walker_reply(r->b, (size_t)r->len, &r->ex);
	return ret < 0 ? ret : 0;
}

bool rx_expect(int fd, struct rx *r, uint8_t type, uint8_t err, const char *file, int line)
{
	int ret = rx_get(fd, r, 2000);

	if (ret) {
		drv_fail(file, line, "expected message type %u errno %u: got %s (len %d)",
			 type, err, strerror(-ret), r->len);
		return false;
	}
	if (r->h->sadb_msg_type != type || r->h->sadb_msg_errno != err) {
		drv_fail(file, line, "expected message type %u errno %u: got type %u errno %u",
			 type, err, r->h->sadb_msg_type, r->h->sadb_msg_errno);
		return false;
	}
	if (err && r->h->sadb_msg_len != 2) {
		drv_fail(file, line, "error reply with sadb_msg_len %u (want 2)",
			 r->h->sadb_msg_len);
		return false;
	}
	return true;
}

const void *rx_ext(const struct rx *r, uint16_t type)
{
	return type <= SADB_EXT_MAX ? r->ex.ext[type] : NULL;
}

bool rx_addr_tail_zero(const struct sadb_address *a)
{
	const uint8_t *p = (const uint8_t *)(a + 1);
	size_t slot = (size_t)a->sadb_address_len * 8 - sizeof(*a), i;

	for (i = sizeof(struct sockaddr_in6); i < slot; i++)
		if (p[i])
			return false;
	if (((const struct sockaddr *)(const void *)p)->sa_family == AF_INET)
		for (i = sizeof(struct sockaddr_in); i < slot; i++)
			if (p[i])
				return false;
	return true;
}
