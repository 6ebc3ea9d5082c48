// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * natt.c: owns RFC 3948 UDP encapsulation of ESP on flat buffers (see
 * natt.h): the UDP header in and out, the classification of datagrams to
 * a NAT-T port, the transport-mode checksum repair, the NAT-T port set
 * of a net and the SADB_X_NAT_T_NEW_MAPPING event. dp.c decides when to
 * call them, under net->lock.
 */
#include "natt.h"
#include "store_mem.h"
#include "net.h"
#include "ip.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Checksum of the upper-layer message buf[hl .. len) with protocol proto
 * under the IP header at buf (the pseudo header of RFC 768 / RFC 8200 8.1),
 * the message's checksum field taken as zero (it is at off).
 */
static uint16_t l4_csum(const uint8_t *buf, size_t hl, size_t len, uint8_t proto, size_t off)
{
	bool v6 = buf[0] >> 4 == 6;
	size_t n = len - hl;
	uint8_t ph[8];
	uint32_t s;

	s = v6 ? pfkm_ip_sum(0, buf + 8, 32) : pfkm_ip_sum(0, buf + 12, 8);
	memset(ph, 0, sizeof(ph));
	ph[2] = (uint8_t)(n >> 8);
	ph[3] = (uint8_t)n;
	ph[7] = proto;
	if (!v6)
		ph[1] = (uint8_t)(n >> 16);
	s = pfkm_ip_sum(s, ph, 8);
	s = pfkm_ip_sum(s, buf + hl, off);
	s = pfkm_ip_sum(s, buf + hl + off + 2, n - off - 2);
	return pfkm_ip_sum_fold(s);
}

/* Header length of the IPv4/IPv6 packet buf[0 .. len), -EINVAL if none. */
static int hdr_len(const uint8_t *buf, size_t len)
{
	size_t hl;

	if (len < PFKM_IP4_HDR)
		return -EINVAL;
	if (buf[0] >> 4 == 6)
		return len < PFKM_IP6_HDR ? -EINVAL : (int)PFKM_IP6_HDR;
	if (buf[0] >> 4 != 4)
		return -EINVAL;
	hl = (size_t)(buf[0] & 15) * 4;
	return hl < PFKM_IP4_HDR || hl > len ? -EINVAL : (int)hl;
}

int pfkm_natt_encap(uint8_t *buf, size_t cap, size_t *len, uint16_t sport, uint16_t dport)
{
	int h = hdr_len(buf, *len);
	bool v6;
	size_t hl, n;
	uint8_t *u;

	if (h < 0)
		return h;
	hl = (size_t)h;
	v6 = buf[0] >> 4 == 6;
	if ((v6 ? buf[6] : buf[9]) != IPPROTO_ESP)
		return -EINVAL;
	n = *len + PFKM_NATT_HDR;
	if (n > cap || n - hl > 0xffff || (!v6 && n > 0xffff))
		return -EMSGSIZE;
	memmove(buf + hl + PFKM_NATT_HDR, buf + hl, *len - hl);
	u = buf + hl;
	memcpy(u, &sport, 2);
	memcpy(u + 2, &dport, 2);
	put16(u + 4, (uint16_t)(n - hl));
	u[6] = u[7] = 0;
	pfkm_ip_fix(buf, n, IPPROTO_UDP);
	if (v6) {
		uint16_t c = l4_csum(buf, hl, n, IPPROTO_UDP, 6);

		put16(u + 6, c ? c : 0xffff);
	}
	*len = n;
	return 0;
}

enum pfkm_natt_kind pfkm_natt_classify(const uint8_t *buf, size_t len, size_t hl,
				       uint16_t *sport, uint16_t *dport, uint32_t *spi)
{
	const uint8_t *u = buf + hl;
	bool v6 = buf[0] >> 4 == 6;
	size_t n;

	if (len < hl + PFKM_NATT_HDR || (v6 ? buf[6] : buf[9]) != IPPROTO_UDP)
		return PFKM_NATT_OTHER;
	if (!v6 && ((buf[6] & 0x3f) | buf[7]))
		return PFKM_NATT_OTHER;	/* a fragment (LOCAL_IN sees them reassembled) */
	memcpy(sport, u, 2);
	memcpy(dport, u + 2, 2);
	n = len - hl - PFKM_NATT_HDR;	/* payload */
	u += PFKM_NATT_HDR;
	if (n == 1 && u[0] == 0xff)
		return PFKM_NATT_KEEPALIVE;
	if (n >= 4 && !u[0] && !u[1] && !u[2] && !u[3])
		return PFKM_NATT_IKE;
	/* more than SPI and sequence number, as Linux's udp encap_rcv asks;
	 * shorter non-zero payloads go to the socket like IKE */
	if (n <= 8)
		return PFKM_NATT_OTHER;
	memcpy(spi, u, 4);
	return PFKM_NATT_ESP;
}

bool pfkm_natt_csum_ok(const uint8_t *buf, size_t len, size_t hl)
{
	const uint8_t *u = buf + hl;
	bool v6 = buf[0] >> 4 == 6;
	uint16_t c;

	if (len < hl + PFKM_NATT_HDR || (size_t)(u[4] << 8 | u[5]) != len - hl)
		return false;
	if (!u[6] && !u[7])
		return !v6;	/* IPv4 may leave it out; IPv6 must not */
	c = l4_csum(buf, hl, len, IPPROTO_UDP, 6);
	if (!c)
		c = 0xffff;
	return c == (uint16_t)(u[6] << 8 | u[7]);
}

int pfkm_natt_decap(uint8_t *buf, size_t *len)
{
	int h = hdr_len(buf, *len);
	size_t hl;

	if (h < 0)
		return h;
	hl = (size_t)h;
	if ((buf[0] >> 4 == 6 ? buf[6] : buf[9]) != IPPROTO_UDP || *len < hl + PFKM_NATT_HDR)
		return -EINVAL;
	memmove(buf + hl, buf + hl + PFKM_NATT_HDR, *len - hl - PFKM_NATT_HDR);
	*len -= PFKM_NATT_HDR;
	pfkm_ip_fix(buf, *len, IPPROTO_ESP);
	return 0;
}

void pfkm_natt_l4_fix(uint8_t *buf, size_t len)
{
	int h = hdr_len(buf, len);
	bool v6 = buf[0] >> 4 == 6;
	size_t hl, off;
	uint8_t proto;
	uint16_t c;

	if (h < 0)
		return;
	hl = (size_t)h;
	proto = v6 ? buf[6] : buf[9];
	if (!v6 && ((buf[6] & 0x3f) | buf[7]))
		return;		/* a fragment: the checksum covers the whole datagram */
	if (proto == IPPROTO_TCP)
		off = 16;
	else if (proto == IPPROTO_UDP)
		off = 6;
	else if (proto == 58 && v6)	/* ICMPv6 */
		off = 2;
	else
		return;
	if (len < hl + off + 2 || (proto == IPPROTO_UDP && len < hl + 8))
		return;
	if (proto == IPPROTO_UDP && !v6 && !buf[hl + 6] && !buf[hl + 7])
		return;		/* IPv4 UDP without checksum */
	c = l4_csum(buf, hl, len, proto, off);
	if (!c && proto == IPPROTO_UDP)
		c = 0xffff;
	put16(buf + hl + off, c);
}

/* ---- the NAT-T port set of a net ----------------------------------------- */

static const struct pfkm_sa *newest_sa(struct pfkm_sadb *db)
{
	const struct pfkm_walk *w;

	for (w = db->all.next; w != &db->all; w = w->next)
		if (!w->marker)
			return os_container_of(w, struct pfkm_sa, all);
	return NULL;
}

static void ports_build(struct pfkm_natt_ports *p, struct pfkm_sadb *db)
{
	const struct pfkm_walk *w;
	const struct pfkm_sa *sa;

	p->any = false;
	if (p->map)
		memset(p->map, 0, 65536 / 8);
	for (w = db->all.next; w != &db->all; w = w->next) {
		uint16_t port[2];
		unsigned int i;

		if (w->marker)
			continue;
		sa = os_container_of(w, struct pfkm_sa, all);
		if (sa->proto != IPPROTO_ESP || sa->natt_type != PFKM_NATT_ESPINUDP)
			continue;
		if (!p->map) {
			p->map = os_zalloc(65536 / 8);
			if (!p->map)
				break;	/* no set: treated as "no NAT-T SA" until the next build */
		}
		p->any = true;
		port[0] = os_ntohs(sa->natt_sport);
		port[1] = os_ntohs(sa->natt_dport);
		for (i = 0; i < 2; i++)
			p->map[port[i] >> 3] |= (uint8_t)(1u << (port[i] & 7));
	}
	sa = newest_sa(db);
	p->count = db->count;
	p->newest = sa;
	p->newest_add_ms = sa ? sa->add_ms : 0;
	p->built_ms = os_time_mono_ms();
	p->built = true;
}

bool pfkm_natt_port_used(struct pfkm_natt_ports *p, struct pfkm_sadb *db, uint16_t port)
{
	const struct pfkm_sa *sa = newest_sa(db);
	uint16_t h = os_ntohs(port);

	if (!p->built || p->count != db->count || p->newest != (const void *)sa ||
	    (sa && p->newest_add_ms != sa->add_ms) ||
	    os_time_mono_ms() - p->built_ms >= PFKM_NATT_PORTS_MS)
		ports_build(p, db);
	return p->any && p->map && (p->map[h >> 3] >> (h & 7) & 1);
}

void pfkm_natt_ports_fini(struct pfkm_natt_ports *p)
{
	os_free(p->map);
	p->map = NULL;
	p->built = false;
}

bool pfkm_natt_mapping(struct pfkm_mem *mem, const struct pfkm_sa *sa, struct pfkm_natt_map *last,
		       const struct pfkm_addr *addr, uint16_t sport)
{
	struct pfkm_store_ev ev = {
		.kind = PFKM_EV_NEW_MAPPING, .sa = sa, .addr = addr, .port = sport,
	};
	uint64_t now;

	os_assert_held(mem->lock);
	if (sa->proto != IPPROTO_ESP || sa->natt_type != PFKM_NATT_ESPINUDP)
		return false;
	if (sport == sa->natt_sport && pfkm_addr_equal(sa->family, addr, &sa->saddr))
		return false;
	if (last->sent && last->port == sport && pfkm_addr_equal(sa->family, addr, &last->addr))
		return false;
	now = os_time_mono_ms();
	if (last->sent && now - last->ms < PFKM_NATT_MAP_MS)
		return false;
	ev.seq = pfkm_mem_next_seq(mem);
	if (pfkm_store_event(&mem->st, &ev))
		return false;	/* no memory: a later packet tries again */
	last->addr = *addr;
	last->port = sport;
	last->sent = true;
	last->ms = now;
	return true;
}
