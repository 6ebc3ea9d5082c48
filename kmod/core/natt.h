/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * natt.h: RFC 3948 UDP encapsulation of ESP (NAT traversal) on flat IPv4 /
 * IPv6 buffers: the 8-byte UDP header put in front of ESP and taken off
 * again, what a datagram to a NAT-T port is (IKE with the non-ESP marker,
 * NAT keepalive, ESP), the upper-layer checksum repair after transport-mode
 * decapsulation (RFC 3948 3.1.2), and the set of UDP ports a net's
 * ESP-in-UDP SAs use (so that ordinary UDP costs one bit test).
 *
 * Only UDP_ENCAP_ESPINUDP (type 2, RFC 3948) is done, as keysh's esp-udp
 * and Linux xfrm's `encap espinudp` send it. The UDP header follows the
 * IPv4 header / the IPv6 base header directly. IPv4 checksum 0 (RFC 3948
 * 3.1.1 allows it), IPv6 a real checksum (RFC 8200 8.1; Linux esp6 does the
 * same). Ports are network order throughout.
 *
 * SADB_X_NAT_T_NEW_MAPPING (af_key's pfkey_send_new_mapping, called by
 * esp4/esp6 through km_new_mapping): an authenticated ESP-in-UDP packet
 * whose outer source address or UDP source port is not the SA's tells
 * the registered key managers, at most once per (address, port) and once
 * per PFKM_NATT_MAP_MS per SA; the packet is accepted, the SA left as it
 * is (the key manager answers with UPDATE or MIGRATE).
 */
#ifndef PFKM_NATT_H
#define PFKM_NATT_H

#include "pfkey.h"
#include "addr.h"

struct pfkm_sadb;
struct pfkm_mem;
struct pfkm_sa;

#define PFKM_NATT_ESPINUDP 2	/* sadb_x_nat_t_type_type: UDP_ENCAP_ESPINUDP */
#define PFKM_NATT_HDR 8u	/* the UDP header */

/*
 * buf[0 .. *len) is an IPv4 or IPv6 packet whose protocol is ESP (right
 * after the IPv4 header / IPv6 base header), cap the room in buf: the UDP
 * header sport -> dport is inserted in front of ESP, protocol UDP, lengths
 * (and the IPv4 header checksum) fixed. -EMSGSIZE without room or beyond
 * 64 KiB, -EINVAL when the packet is not ESP.
 */
int pfkm_natt_encap(uint8_t *buf, size_t cap, size_t *len, uint16_t sport, uint16_t dport);

/* What a UDP datagram to a NAT-T port carries (pfkm_natt_classify). */
enum pfkm_natt_kind {
	PFKM_NATT_OTHER = 0,	/* not UDP, or too short to be any of these */
	PFKM_NATT_IKE,		/* non-ESP marker (4 zero bytes): IKE, for the socket */
	PFKM_NATT_KEEPALIVE,	/* one byte 0xff (RFC 3948 2.3): dropped */
	PFKM_NATT_ESP,		/* ESP: *spi (network order) is its SPI */
};

/*
 * buf[0 .. len) is an IPv4 (hl = header length) or IPv6 (hl = 40) packet.
 * UDP (the protocol byte says so, not a later fragment) gets its ports in
 * *sport / *dport and its payload classified; anything else is OTHER.
 */
enum pfkm_natt_kind pfkm_natt_classify(const uint8_t *buf, size_t len, size_t hl,
				       uint16_t *sport, uint16_t *dport, uint32_t *spi);

/* The UDP datagram at buf + hl (to the end of the packet, len): its length
 * field right and its checksum valid, or 0 over IPv4. */
bool pfkm_natt_csum_ok(const uint8_t *buf, size_t len, size_t hl);

/* Take the UDP header of an ESP-in-UDP packet off (protocol ESP, lengths
 * and IPv4 header checksum fixed). -EINVAL when it is not one. */
int pfkm_natt_decap(uint8_t *buf, size_t *len);

/*
 * After transport-mode decapsulation of a UDP-encapsulated SA: a NAT on
 * the way changed the IP addresses the sender's TCP/UDP (ICMPv6) checksum
 * covers, so recompute it over the packet as it is now (RFC 3948 3.1.2
 * allows recomputing; the payload's integrity was checked by ESP). IPv4
 * UDP with checksum 0 and later fragments are left alone.
 */
void pfkm_natt_l4_fix(uint8_t *buf, size_t len);

/*
 * The UDP ports (destination ports of our inbound view: an SA's natt_sport
 * and natt_dport both) of a net's ESP-in-UDP SAs, as a bitmap rebuilt from
 * the SADB when its SA count or newest SA changed, and at least every
 * PFKM_NATT_PORTS_MS (an UPDATE that changes an SA's ports in place). The
 * caller holds net->lock.
 */
#define PFKM_NATT_PORTS_MS 1000

struct pfkm_natt_ports {
	uint8_t *map;			/* 65536 bits, NULL until a NAT-T SA is seen */
	bool any;			/* some SA uses UDP encapsulation */
	bool built;
	size_t count;			/* sadb count when built */
	const void *newest;		/* newest SA when built */
	uint64_t newest_add_ms;
	uint64_t built_ms;
};

bool pfkm_natt_port_used(struct pfkm_natt_ports *p, struct pfkm_sadb *db, uint16_t port);
void pfkm_natt_ports_fini(struct pfkm_natt_ports *p);

/*
 * The last NEW_MAPPING sent for an SA (the data path keeps one per SA,
 * zeroed at first). Rate limit: none for an (address, port) already
 * reported, and none within PFKM_NATT_MAP_MS of the previous one; a
 * mapping skipped for the second limit is reported by a later packet.
 */
#define PFKM_NATT_MAP_MS 1000

struct pfkm_natt_map {
	struct pfkm_addr addr;		/* the peer's address reported */
	uint16_t port;			/* and UDP source port, network order */
	bool sent;
	uint64_t ms;			/* mono ms it was sent */
};

/*
 * An ESP-in-UDP packet for the esp-udp SA sa came from addr (sa's family)
 * and UDP source port sport and has been authenticated and decrypted:
 * when that is not sa's saddr / natt_sport, broadcast SADB_X_NAT_T_NEW_MAPPING
 * to the registered sockets as the rate limit in *last allows. Returns
 * true when a message was sent. The caller holds net->lock.
 */
bool pfkm_natt_mapping(struct pfkm_mem *mem, const struct pfkm_sa *sa, struct pfkm_natt_map *last,
		       const struct pfkm_addr *addr, uint16_t sport);

#endif /* PFKM_NATT_H */
