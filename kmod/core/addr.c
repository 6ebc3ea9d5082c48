// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * addr.c: owns struct pfkm_addr conversions, prefix matching and hashing
 * (see addr.h). Pure functions, no state.
 */
#include "addr.h"

unsigned int pfkm_addr_from_sockaddr(const struct sockaddr *sa, struct pfkm_addr *a,
				     os_be16 *port_be)
{
	memset(a, 0, sizeof(*a));
	if (port_be)
		*port_be = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		memcpy(a->b, &in->sin_addr, 4);
		if (port_be)
			*port_be = in->sin_port;
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		memcpy(a->b, &in6->sin6_addr, 16);
		if (port_be)
			*port_be = in6->sin6_port;
		return AF_INET6;
	}
	return 0;
}

unsigned int pfkm_addr_to_sockaddr(unsigned int family, const struct pfkm_addr *a,
				   os_be16 port_be, void *out)
{
	if (family == AF_INET) {
		struct sockaddr_in *in = out;

		in->sin_family = AF_INET;
		in->sin_port = port_be;
		memcpy(&in->sin_addr, a->b, 4);
		return 32;
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 *in6 = out;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = port_be;
		memcpy(&in6->sin6_addr, a->b, 16);
		return 128;
	}
	return 0;
}

bool pfkm_addr_equal(unsigned int family, const struct pfkm_addr *a, const struct pfkm_addr *b)
{
	return memcmp(a->b, b->b, pfkm_addr_bytes(family)) == 0;
}

bool pfkm_addr_match(const struct pfkm_addr *a, const struct pfkm_addr *b, unsigned int plen)
{
	unsigned int full = plen / 8, rest = plen % 8;

	if (plen > 128)
		return false;
	if (memcmp(a->b, b->b, full))
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		if ((a->b[full] ^ b->b[full]) & m)
			return false;
	}
	return true;
}

void pfkm_addr_mask(struct pfkm_addr *out, const struct pfkm_addr *a, unsigned int plen)
{
	unsigned int full, rest;

	if (plen > 128)
		plen = 128;
	full = plen / 8;
	rest = plen % 8;
	memset(out, 0, sizeof(*out));
	memcpy(out->b, a->b, full);
	if (rest)
		out->b[full] = a->b[full] & (uint8_t)(0xff << (8 - rest));
}

bool pfkm_addr_any(unsigned int family, const struct pfkm_addr *a)
{
	static const struct pfkm_addr zero;

	return pfkm_addr_equal(family, a, &zero);
}

uint32_t pfkm_addr_hash(uint32_t h, const struct pfkm_addr *a)
{
	h = pfkm_hash_mix(h, a->w[0]);
	h = pfkm_hash_mix(h, a->w[1]);
	h = pfkm_hash_mix(h, a->w[2]);
	return pfkm_hash_mix(h, a->w[3]);
}
