/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * addr.h: the core's address value (an IPv4 or IPv6 address in network
 * order, zero padded to 16 bytes, like xfrm_address_t) and the few
 * operations the SADB and SPD need on it: conversion from/to sockaddrs,
 * prefix matching, hashing.
 */
#ifndef PFKM_ADDR_H
#define PFKM_ADDR_H

#include "wire.h"

struct pfkm_addr {
	union {
		uint8_t b[16];
		uint32_t w[4];
	};
};

/* Address bytes of a family: 4 or 16, 0 for anything else. */
static inline unsigned int pfkm_addr_bytes(unsigned int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static inline unsigned int pfkm_addr_bits(unsigned int family)
{
	return pfkm_addr_bytes(family) * 8;
}

/*
 * Copy the address (and port, network order) out of a verified sockaddr of
 * family AF_INET or AF_INET6. Returns the family, 0 if unsupported.
 */
unsigned int pfkm_addr_from_sockaddr(const struct sockaddr *sa, struct pfkm_addr *a,
				     os_be16 *port_be);
/*
 * Write a sockaddr of the family into out, which must be zeroed and hold
 * PFKM_ALIGN8(pfkm_walker_sockaddr_len(family)) bytes; every byte not set
 * stays zero (CVE-2026-43088). Returns the full prefix length (32/128).
 */
unsigned int pfkm_addr_to_sockaddr(unsigned int family, const struct pfkm_addr *a,
				   os_be16 port_be, void *out);
bool pfkm_addr_equal(unsigned int family, const struct pfkm_addr *a, const struct pfkm_addr *b);
/* First plen bits of a and b agree (plen may be 0: always true). */
bool pfkm_addr_match(const struct pfkm_addr *a, const struct pfkm_addr *b, unsigned int plen);
/* a with every bit after the first plen cleared. */
void pfkm_addr_mask(struct pfkm_addr *out, const struct pfkm_addr *a, unsigned int plen);
bool pfkm_addr_any(unsigned int family, const struct pfkm_addr *a);
/* 32-bit mixing hash steps (no division, kernel-safe). */
static inline uint32_t pfkm_hash_mix(uint32_t h, uint32_t v)
{
	h ^= v;
	h *= 0x9e3779b1u;
	h ^= h >> 15;
	return h;
}
uint32_t pfkm_addr_hash(uint32_t h, const struct pfkm_addr *a);

#endif /* PFKM_ADDR_H */
