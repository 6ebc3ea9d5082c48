// SPDX-License-Identifier: BSD-2-Clause
/*
 * dp_frame.c: framing of keyd's data path (dp_frame.h): the IPv4/IPv6 and
 * UDP headers rebuilt in front of what a raw IPv6 or a UDP socket
 * returned, from msg_name and the control messages, and the destination
 * of an outbound packet read from its header. Every length and every
 * control message is checked: the input is whatever the network sent.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "dp_frame.h"

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The control message of (level, type) carrying at least len bytes. */
static const void *cmsg_find(const struct msghdr *mh, int level, int type, size_t len)
{
	struct cmsghdr *c;

	if (!mh->msg_control || mh->msg_controllen < sizeof(struct cmsghdr))
		return NULL;
	for (c = CMSG_FIRSTHDR((struct msghdr *)mh); c;
	     c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (c->cmsg_len < CMSG_LEN(len) ||
		    (uint8_t *)c + CMSG_LEN(len) >
		    (uint8_t *)mh->msg_control + mh->msg_controllen)
			continue;
		if (c->cmsg_level == level && c->cmsg_type == type)
			return CMSG_DATA(c);
	}
	return NULL;
}

static const struct sockaddr_in6 *from6(const struct msghdr *mh)
{
	const struct sockaddr_in6 *s = mh->msg_name;

	if (!s || mh->msg_namelen < sizeof(*s) || s->sin6_family != AF_INET6)
		return NULL;
	return s;
}

/* The IPv6 base header in buf[0 .. 40) for a payload of plen bytes. */
static int ip6_hdr(uint8_t *buf, size_t plen, const struct msghdr *mh, uint8_t proto)
{
	const struct sockaddr_in6 *src = from6(mh);
	const uint8_t *pi = cmsg_find(mh, IPPROTO_IPV6, IPV6_PKTINFO, sizeof(struct in6_pktinfo));
	const uint8_t *hl = cmsg_find(mh, IPPROTO_IPV6, IPV6_HOPLIMIT, sizeof(int));
	int hlim = 64;

	if (!src || !pi || plen > 0xffff)
		return -EINVAL;
	if (hl)
		memcpy(&hlim, hl, sizeof(hlim));
	memset(buf, 0, 40);
	buf[0] = 0x60;
	put16(buf + 4, (uint32_t)plen);
	buf[6] = proto;
	buf[7] = (uint8_t)(hlim >= 0 && hlim <= 255 ? hlim : 64);
	memcpy(buf + 8, &src->sin6_addr, 16);
	/* in6_pktinfo starts with the local address */
	memcpy(buf + 24, pi, 16);
	return 0;
}

int keyd_frame_raw6(uint8_t *buf, size_t n, const struct msghdr *mh, uint8_t proto)
{
	int ret = ip6_hdr(buf, n, mh, proto);

	return ret ? ret : (int)(KEYD_FRAME_RAW6_OFF + n);
}

int keyd_frame_udp4(uint8_t *buf, size_t n, const struct msghdr *mh, uint16_t dport)
{
	const struct sockaddr_in *src = mh->msg_name;
	const struct in_pktinfo *pip = cmsg_find(mh, IPPROTO_IP, IP_PKTINFO, sizeof(*pip));
	struct in_pktinfo pi;
	size_t tot = KEYD_FRAME_UDP4_OFF + n;

	if (!src || mh->msg_namelen < sizeof(*src) || src->sin_family != AF_INET || !pip ||
	    tot > 0xffff)
		return -EINVAL;
	memcpy(&pi, pip, sizeof(pi));
	memset(buf, 0, KEYD_FRAME_UDP4_OFF);
	buf[0] = 0x45;
	put16(buf + 2, (uint32_t)tot);
	buf[8] = 64;
	buf[9] = IPPROTO_UDP;
	memcpy(buf + 12, &src->sin_addr, 4);
	memcpy(buf + 16, &pi.ipi_addr, 4);
	put16(buf + 10, fold(sum16(0, buf, 20)));
	memcpy(buf + 20, &src->sin_port, 2);
	put16(buf + 22, dport);
	put16(buf + 24, (uint32_t)(8 + n));
	return (int)tot;
}

int keyd_frame_udp6(uint8_t *buf, size_t n, const struct msghdr *mh, uint16_t dport)
{
	const struct sockaddr_in6 *src = from6(mh);
	uint8_t *u = buf + 40;
	uint32_t s;
	uint16_t c;
	int ret;

	if (n > 0xffff - 8)
		return -EINVAL;
	ret = ip6_hdr(buf, 8 + n, mh, IPPROTO_UDP);
	if (ret)
		return ret;
	memcpy(u, &src->sin6_port, 2);
	put16(u + 2, dport);
	put16(u + 4, (uint32_t)(8 + n));
	u[6] = u[7] = 0;
	/* pseudo header: addresses, upper-layer length, next header */
	s = sum16(0, buf + 8, 32);
	s += (uint32_t)(8 + n);
	s += IPPROTO_UDP;
	s = sum16(s, u, 8 + n);
	c = fold(s);
	put16(u + 6, c ? c : 0xffff);
	return (int)(KEYD_FRAME_UDP6_OFF + n);
}

int keyd_frame_dest(const uint8_t *buf, size_t len, struct sockaddr_storage *ss, socklen_t *sl)
{
	memset(ss, 0, sizeof(*ss));
	if (len >= 20 && buf[0] >> 4 == 4 && (size_t)(buf[2] << 8 | buf[3]) == len) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, buf + 16, 4);
		*sl = sizeof(*a);
		return AF_INET;
	}
	if (len >= 40 && buf[0] >> 4 == 6 && (size_t)(buf[4] << 8 | buf[5]) + 40 == len) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, buf + 24, 16);
		*sl = sizeof(*a);
		return AF_INET6;
	}
	return -EINVAL;
}
