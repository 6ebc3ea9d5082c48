// SPDX-License-Identifier: BSD-2-Clause
/*
 * msg.c: the raw PF_KEY message builder (msg.h) shared by every test
 * program: headers, extensions in their 8-byte units, sockaddrs inside
 * address, ipsecrequest and kmaddress extensions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "msg.h"

void *mb_put(struct mb *m, size_t n)
{
	void *p;

	if (n > sizeof(m->b) - m->len) {
		fprintf(stderr, "mb_put: %zu bytes past the %zu already built overflow the builder\n",
			n, m->len);
		abort();
	}
	p = m->b + m->len;
	memset(p, 0, n);
	m->len += n;
	return p;
}

struct sadb_msg *mb_hdr(struct mb *m, uint8_t type, uint8_t satype, uint32_t seq)
{
	struct sadb_msg *h;

	m->len = 0;
	h = mb_put(m, sizeof(*h));
	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_type = type;
	h->sadb_msg_satype = satype;
	h->sadb_msg_seq = seq;
	h->sadb_msg_pid = MB_PID;
	return h;
}

size_t mb_done(struct mb *m)
{
	m->h.sadb_msg_len = (uint16_t)(m->len / 8);
	return m->len;
}

struct sadb_sa *mb_sa(struct mb *m, uint32_t spi, uint8_t auth, uint8_t enc, uint8_t replay)
{
	struct sadb_sa *s = mb_put(m, sizeof(*s));

	s->sadb_sa_len = sizeof(*s) / 8;
	s->sadb_sa_exttype = SADB_EXT_SA;
	s->sadb_sa_spi = htonl(spi);
	s->sadb_sa_replay = replay;
	s->sadb_sa_state = SADB_SASTATE_MATURE;
	s->sadb_sa_auth = auth;
	s->sadb_sa_encrypt = enc;
	return s;
}

/* A sockaddr of the text's family at p; its size (16 or 28). */
static size_t sockaddr_put(void *p, const char *ip, uint16_t port)
{
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = p;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		return sizeof(*a);
	} else {
		struct sockaddr_in *a = p;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, ip, &a->sin_addr);
		return sizeof(*a);
	}
}

struct sadb_address *mb_addr_bin(struct mb *m, uint16_t exttype, int family, const void *addr,
				 int plen, uint8_t proto, uint16_t port)
{
	size_t slot = family == AF_INET6 ? 32 : 16;
	struct sadb_address *a = mb_put(m, sizeof(*a) + slot);

	a->sadb_address_len = (uint16_t)((sizeof(*a) + slot) / 8);
	a->sadb_address_exttype = exttype;
	a->sadb_address_proto = proto;
	if (family == AF_INET6) {
		struct sockaddr_in6 *s = (void *)(a + 1);

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, addr, 16);
		a->sadb_address_prefixlen = (uint8_t)(plen < 0 ? 128 : plen);
	} else {
		struct sockaddr_in *s = (void *)(a + 1);

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, addr, 4);
		a->sadb_address_prefixlen = (uint8_t)(plen < 0 ? 32 : plen);
	}
	return a;
}

struct sadb_address *mb_addr(struct mb *m, uint16_t exttype, const char *ip, int plen,
			     uint8_t proto, uint16_t port)
{
	int family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	uint8_t bin[16] = { 0 };

	inet_pton(family, ip, bin);
	return mb_addr_bin(m, exttype, family, bin, plen, proto, port);
}

/* A key extension of bits with its bytes left zero. */
static struct sadb_key *key_put(struct mb *m, uint16_t exttype, unsigned int bits)
{
	size_t sz = sizeof(struct sadb_key) + MB_ALIGN8((bits + 7u) / 8u);
	struct sadb_key *k = mb_put(m, sz);

	k->sadb_key_len = (uint16_t)(sz / 8);
	k->sadb_key_exttype = exttype;
	k->sadb_key_bits = (uint16_t)bits;
	return k;
}

struct sadb_key *mb_key_bytes(struct mb *m, uint16_t exttype, unsigned int bits,
			      const void *key)
{
	struct sadb_key *k = key_put(m, exttype, bits);

	memcpy(k + 1, key, (bits + 7u) / 8u);
	return k;
}

struct sadb_key *mb_key(struct mb *m, uint16_t exttype, unsigned int bits, uint8_t fill)
{
	struct sadb_key *k = key_put(m, exttype, bits);

	memset(k + 1, fill, (bits + 7u) / 8u);
	return k;
}

struct sadb_lifetime *mb_lifetime(struct mb *m, uint16_t exttype, uint32_t alloc,
				  uint64_t bytes, uint64_t add, uint64_t use)
{
	struct sadb_lifetime *l = mb_put(m, sizeof(*l));

	l->sadb_lifetime_len = sizeof(*l) / 8;
	l->sadb_lifetime_exttype = exttype;
	l->sadb_lifetime_allocations = alloc;
	l->sadb_lifetime_bytes = bytes;
	l->sadb_lifetime_addtime = add;
	l->sadb_lifetime_usetime = use;
	return l;
}

struct sadb_x_sa2 *mb_sa2(struct mb *m, uint8_t mode, uint32_t reqid)
{
	struct sadb_x_sa2 *s = mb_put(m, sizeof(*s));

	s->sadb_x_sa2_len = sizeof(*s) / 8;
	s->sadb_x_sa2_exttype = SADB_X_EXT_SA2;
	s->sadb_x_sa2_mode = mode;
	s->sadb_x_sa2_reqid = reqid;
	return s;
}

struct sadb_spirange *mb_spirange(struct mb *m, uint32_t min, uint32_t max)
{
	struct sadb_spirange *r = mb_put(m, sizeof(*r));

	r->sadb_spirange_len = sizeof(*r) / 8;
	r->sadb_spirange_exttype = SADB_EXT_SPIRANGE;
	r->sadb_spirange_min = min;
	r->sadb_spirange_max = max;
	return r;
}

struct sadb_x_policy *mb_policy(struct mb *m, uint16_t type, uint8_t dir, uint32_t id,
				uint32_t prio)
{
	struct sadb_x_policy *p = mb_put(m, sizeof(*p));

	p->sadb_x_policy_len = sizeof(*p) / 8;
	p->sadb_x_policy_exttype = SADB_X_EXT_POLICY;
	p->sadb_x_policy_type = type;
	p->sadb_x_policy_dir = dir;
	p->sadb_x_policy_id = id;
	p->sadb_x_policy_priority = prio;
	return p;
}

struct sadb_x_ipsecrequest *mb_ipsecreq(struct mb *m, struct sadb_x_policy *p, uint8_t proto,
					uint8_t mode, uint8_t level, uint32_t reqid,
					const char *tsrc, const char *tdst)
{
	struct sadb_x_ipsecrequest *r = mb_put(m, sizeof(*r));
	size_t n = sizeof(*r);

	if (tsrc && tdst) {
		uint8_t sa[2 * sizeof(struct sockaddr_in6)] = { 0 };
		size_t sl = sockaddr_put(sa, tsrc, 0);

		sl += sockaddr_put(sa + sl, tdst, 0);
		memcpy(mb_put(m, MB_ALIGN8(sl)), sa, sl);
		n += MB_ALIGN8(sl);
	}
	r->sadb_x_ipsecrequest_len = (uint16_t)n;
	r->sadb_x_ipsecrequest_proto = proto;
	r->sadb_x_ipsecrequest_mode = mode;
	r->sadb_x_ipsecrequest_level = level;
	r->sadb_x_ipsecrequest_reqid = reqid;
	p->sadb_x_policy_len = (uint16_t)((size_t)(m->b + m->len - (uint8_t *)p) / 8);
	return r;
}

struct sadb_x_filter *mb_filter(struct mb *m, uint16_t family, uint8_t splen, uint8_t dplen)
{
	struct sadb_x_filter *f = mb_put(m, sizeof(*f));

	f->sadb_x_filter_len = sizeof(*f) / 8;
	f->sadb_x_filter_exttype = SADB_X_EXT_FILTER;
	f->sadb_x_filter_family = family;
	f->sadb_x_filter_splen = splen;
	f->sadb_x_filter_dplen = dplen;
	return f;
}

void mb_natt(struct mb *m, uint8_t type, uint16_t sport, uint16_t dport)
{
	struct sadb_x_nat_t_type *t = mb_put(m, sizeof(*t));
	struct sadb_x_nat_t_port *p;

	t->sadb_x_nat_t_type_len = sizeof(*t) / 8;
	t->sadb_x_nat_t_type_exttype = SADB_X_EXT_NAT_T_TYPE;
	t->sadb_x_nat_t_type_type = type;
	p = mb_put(m, sizeof(*p));
	p->sadb_x_nat_t_port_len = sizeof(*p) / 8;
	p->sadb_x_nat_t_port_exttype = SADB_X_EXT_NAT_T_SPORT;
	p->sadb_x_nat_t_port_port = htons(sport);
	p = mb_put(m, sizeof(*p));
	p->sadb_x_nat_t_port_len = sizeof(*p) / 8;
	p->sadb_x_nat_t_port_exttype = SADB_X_EXT_NAT_T_DPORT;
	p->sadb_x_nat_t_port_port = htons(dport);
}

struct sadb_x_kmaddress *mb_kmaddress(struct mb *m, const char *local, const char *remote)
{
	struct sadb_x_kmaddress *k = mb_put(m, sizeof(*k));
	uint8_t sa[2 * sizeof(struct sockaddr_in6)] = { 0 };
	size_t sl = sockaddr_put(sa, local, 0);

	sl += sockaddr_put(sa + sl, remote, 0);
	memcpy(mb_put(m, MB_ALIGN8(sl)), sa, sl);
	k->sadb_x_kmaddress_len = (uint16_t)((sizeof(*k) + MB_ALIGN8(sl)) / 8);
	k->sadb_x_kmaddress_exttype = SADB_X_EXT_KMADDRESS;
	return k;
}

void *mb_raw(struct mb *m, uint16_t exttype, uint16_t units, size_t bytes)
{
	struct sadb_ext *e = mb_put(m, bytes < sizeof(*e) ? sizeof(*e) : bytes);

	e->sadb_ext_len = units;
	e->sadb_ext_type = exttype;
	return e;
}
