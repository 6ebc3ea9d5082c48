/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * ip.h: owns the IP header arithmetic on flat buffers that dp.c, natt.c and
 * ah.c share: the Internet checksum (RFC 1071) and the fix-up of an IPv4 or
 * IPv6 header after its payload changed. Header-only (static inline): the
 * loops are short and each user wants them inlined.
 */
#ifndef PFKM_IP_H
#define PFKM_IP_H

#include "os.h"

#define PFKM_IP4_HDR 20u
#define PFKM_IP6_HDR 40u

/* s plus the ones' complement sum of n bytes (an odd last byte padded with
 * zero), folded to 16 bits so calls can be chained. */
static inline uint32_t pfkm_ip_sum(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* The checksum field's value for a sum. */
static inline uint16_t pfkm_ip_sum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An IPv4 header's checksum made again (over its ihl). */
static inline void pfkm_ip4_csum_set(uint8_t *h)
{
	uint16_t c;

	h[10] = h[11] = 0;
	c = pfkm_ip_sum_fold(pfkm_ip_sum(0, h, (size_t)(h[0] & 15) * 4));
	h[10] = (uint8_t)(c >> 8);
	h[11] = (uint8_t)c;
}

/* The packet at p is now len bytes with protocol proto after the (base)
 * header: IPv4 total length, protocol and checksum; IPv6 payload length and
 * the base header's next header. */
static inline void pfkm_ip_fix(uint8_t *p, size_t len, uint8_t proto)
{
	if (p[0] >> 4 == 6) {
		p[4] = (uint8_t)((len - PFKM_IP6_HDR) >> 8);
		p[5] = (uint8_t)(len - PFKM_IP6_HDR);
		p[6] = proto;
		return;
	}
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[9] = proto;
	pfkm_ip4_csum_set(p);
}

#endif /* PFKM_IP_H */
