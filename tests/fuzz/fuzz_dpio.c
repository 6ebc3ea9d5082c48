// fuzz-links: core frame
// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_dpio.c: keyd's data-path input framing (src/engine/dp_frame.c) in
 * front of the portable data path, as keyd's socket loop runs it: what a
 * raw IPv6 ESP/AH socket or a UDP 4500 socket (IPv4, IPv6) returned -
 * payload, sender address (msg_name) and control messages - is framed
 * into a whole packet and handed to host A's pfkm_dp_input_route; an
 * outbound packet's destination is read from its header. Hosts A and B
 * as in fuzz_dp.c (tests/unit/dp_host.h), keyed for:
 *   2001:db8:1::x ESP AES-GCM-16 tunnel (raw IPv6)
 *   10.4.0.x      ESP in UDP 4500 tunnel (IPv4)
 *   2001:db8:3::x ESP in UDP 4500 tunnel (IPv6)
 * Input byte 0 picks the case, byte 1 how the message header looks:
 *   bit 0 an IPV6_PKTINFO / IP_PKTINFO control message, bit 1 an
 *   IPV6_HOPLIMIT one, bit 2 raw control bytes from the input in front of
 *   them (their count: byte 2 & 63), bit 3 msg_namelen one byte short,
 *   bit 4 no msg_control at all. Then the sender's address (16 bytes),
 *   the local address (16), the sender's port (2), and the payload:
 *   0 raw IPv6, next header ESP or AH (bit 3 of byte 0);
 *   1 UDP over IPv4;  2 UDP over IPv6;
 *   3 keyd_frame_dest on the rest as an outbound packet;
 *   4 B protects the payload (an IP packet) and the kernel's view of the
 *     result - payload and addresses as the socket for it would hand them
 *     over - is framed again and must equal what B sent (addresses,
 *     protocol, lengths, ports, the IPv6 UDP checksum), then goes to A.
 * Sanitizers catch out-of-bounds accesses; a framed length other than the
 * header room plus the payload, or a disagreement in case 4, aborts.
 */
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "../unit/dp_host.h"
#include "../../src/engine/dp_frame.h"

#define ROOM 4096

static struct dp_host A, B;
static bool ready;

static const struct dp_algs gcm_udp = {
	.satype = SADB_SATYPE_ESP, .enc = SADB_X_EALG_AES_GCM_ICV16, .ebits = 160,
	.natt_sport = 4500, .natt_dport = 4500,
};

static void setup(void)
{
	if (dp_host_open(&A) || dp_host_open(&B) ||
	    dp_host_pair(&A, &B, &dp_gcm, IPSEC_MODE_TUNNEL, "2001:db8:1::1", "2001:db8:1::2") ||
	    dp_host_pair(&A, &B, &gcm_udp, IPSEC_MODE_TUNNEL, "10.4.0.1", "10.4.0.2") ||
	    dp_host_pair(&A, &B, &gcm_udp, IPSEC_MODE_TUNNEL, "2001:db8:3::1", "2001:db8:3::2"))
		abort();
	ready = true;
}

static bool not_local(void *arg, unsigned int family, const uint8_t *daddr)
{
	(void)arg;
	(void)family;
	(void)daddr;
	return false;
}

/* What recvmsg leaves behind: name and control of one datagram. */
struct fake {
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} name;
	struct msghdr mh;
	union {
		struct cmsghdr c;
		uint8_t b[64 + 64];	/* raw bytes, then two cmsgs of <= 40 */
	} ctl;
};

static void cmsg_put(struct fake *f, size_t *at, int level, int type, const void *data,
		     size_t len)
{
	struct cmsghdr c = { .cmsg_len = CMSG_LEN(len), .cmsg_level = level, .cmsg_type = type };

	memcpy(f->ctl.b + *at, &c, sizeof(c));
	memcpy(f->ctl.b + *at + CMSG_LEN(0), data, len);
	*at += CMSG_SPACE(len);
}

/* flags as byte 1; raw[0 .. nraw) raw control bytes. */
static void fake_make(struct fake *f, bool v6, uint8_t flags, const uint8_t *raw, size_t nraw,
		      const uint8_t *src, const uint8_t *dst, const uint8_t *port)
{
	size_t at = 0;

	memset(f, 0, sizeof(*f));
	if (v6) {
		f->name.v6.sin6_family = AF_INET6;
		memcpy(&f->name.v6.sin6_addr, src, 16);
		memcpy(&f->name.v6.sin6_port, port, 2);
		f->mh.msg_namelen = sizeof(f->name.v6);
	} else {
		f->name.v4.sin_family = AF_INET;
		memcpy(&f->name.v4.sin_addr, src, 4);
		memcpy(&f->name.v4.sin_port, port, 2);
		f->mh.msg_namelen = sizeof(f->name.v4);
	}
	if (flags & 8)
		f->mh.msg_namelen--;
	f->mh.msg_name = &f->name;
	if (flags & 4) {
		/* aligned like a cmsghdr, as the kernel's would be */
		nraw &= ~(sizeof(size_t) - 1);
		memcpy(f->ctl.b, raw, nraw);
		at = nraw;
	}
	if (flags & 1) {
		if (v6) {
			struct in6_pktinfo pi = { .ipi6_ifindex = 1 };

			memcpy(&pi.ipi6_addr, dst, 16);
			cmsg_put(f, &at, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
		} else {
			struct in_pktinfo pi = { .ipi_ifindex = 1 };

			memcpy(&pi.ipi_addr, dst, 4);
			memcpy(&pi.ipi_spec_dst, dst, 4);
			cmsg_put(f, &at, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
		}
	}
	if (flags & 2) {
		int hl = src[15];

		cmsg_put(f, &at, IPPROTO_IPV6, IPV6_HOPLIMIT, &hl, sizeof(hl));
	}
	if (!(flags & 16) && at) {
		f->mh.msg_control = &f->ctl;
		f->mh.msg_controllen = at;
	}
}

static void to_a(uint8_t *buf, int len)
{
	struct pfkm_dp_route rt = { .local = not_local };
	size_t l;

	if (len < 0)
		return;
	l = (size_t)len;
	if (pfkm_dp_input_route(A.dp, buf, &l, &rt) >= 0 && l > (size_t)len)
		abort();
}

/* Case 4: B's ESP (or ESP in UDP) result seen by the receiving socket. */
static void round_trip(uint8_t *buf, size_t len)
{
	static uint8_t fr[ROOM + 64];
	static const uint8_t port0[2];
	bool v6 = buf[0] >> 4 == 6;
	uint8_t proto = v6 ? buf[6] : buf[9];
	size_t hl = v6 ? 40 : (size_t)(buf[0] & 15) * 4;
	struct fake f;
	int n;

	if (len < hl + 8)
		abort();
	if (proto == IPPROTO_UDP) {
		size_t off = v6 ? KEYD_FRAME_UDP6_OFF : KEYD_FRAME_UDP4_OFF;
		size_t pl = len - hl - 8;

		if (v6 != (hl == 40))
			abort();
		fake_make(&f, v6, 3, NULL, 0, buf + (v6 ? 8 : 12), buf + (v6 ? 24 : 16),
			  buf + hl);
		memcpy(fr + off, buf + hl + 8, pl);
		n = v6 ? keyd_frame_udp6(fr, pl, &f.mh, KEYD_NATT_PORT) :
			keyd_frame_udp4(fr, pl, &f.mh, KEYD_NATT_PORT);
		if (n != (int)(off + pl))
			abort();
		/* ports, UDP length and checksum as B sent them */
		if (memcmp(fr + off - 8, buf + hl, 8))
			abort();
	} else if (v6) {
		fake_make(&f, true, 3, NULL, 0, buf + 8, buf + 24, port0);
		memcpy(fr + KEYD_FRAME_RAW6_OFF, buf + 40, len - 40);
		n = keyd_frame_raw6(fr, len - 40, &f.mh, proto);
		if (n != (int)len)
			abort();
	} else {
		/* raw IPv4 sockets hand over the whole packet */
		memcpy(fr, buf, len);
		n = (int)len;
	}
	/* addresses, payload length and next header as B sent them */
	if (v6 ? memcmp(fr + 4, buf + 4, 3) : memcmp(fr + 2, buf + 2, 2) || fr[9] != buf[9])
		abort();
	if (memcmp(fr + (v6 ? 8 : 12), buf + (v6 ? 8 : 12), v6 ? 32 : 8) ||
	    memcmp(fr + hl, buf + hl, len - hl))
		abort();
	to_a(fr, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[ROOM + 64];
	const uint8_t *src, *dst, *port, *pl, *raw;
	struct sockaddr_storage ss;
	size_t npl, nraw;
	uint8_t op, fl;
	struct fake f;
	socklen_t sl;
	int n;

	if (!ready)
		setup();
	if (size < 3 + 34 || size > ROOM)
		return 0;
	op = data[0];
	fl = data[1];
	nraw = data[2] & 63;
	src = data + 3;
	dst = src + 16;
	port = dst + 16;
	pl = port + 2;
	npl = size - 37;
	raw = pl;	/* the raw control bytes are the payload's first bytes */
	if (nraw > npl)
		nraw = npl;
	switch (op & 7) {
	case 0:
		fake_make(&f, true, fl, raw, nraw, src, dst, port);
		memcpy(buf + KEYD_FRAME_RAW6_OFF, pl, npl);
		n = keyd_frame_raw6(buf, npl, &f.mh, op & 8 ? IPPROTO_AH : IPPROTO_ESP);
		if (n >= 0 && n != (int)(KEYD_FRAME_RAW6_OFF + npl))
			abort();
		to_a(buf, n);
		break;
	case 1:
	case 2:
		fake_make(&f, (op & 7) == 2, fl, raw, nraw, src, dst, port);
		if ((op & 7) == 1) {
			memcpy(buf + KEYD_FRAME_UDP4_OFF, pl, npl);
			n = keyd_frame_udp4(buf, npl, &f.mh, KEYD_NATT_PORT);
			if (n >= 0 && n != (int)(KEYD_FRAME_UDP4_OFF + npl))
				abort();
		} else {
			memcpy(buf + KEYD_FRAME_UDP6_OFF, pl, npl);
			n = keyd_frame_udp6(buf, npl, &f.mh, KEYD_NATT_PORT);
			if (n >= 0 && n != (int)(KEYD_FRAME_UDP6_OFF + npl))
				abort();
		}
		to_a(buf, n);
		break;
	case 3:
		n = keyd_frame_dest(data + 1, size - 1, &ss, &sl);
		if (n >= 0 && (n != ss.ss_family ||
			       sl != (n == AF_INET ? sizeof(struct sockaddr_in) :
				      sizeof(struct sockaddr_in6))))
			abort();
		break;
	case 4: {
		size_t len = size - 1;

		memcpy(buf, data + 1, len);
		if (pfkm_dp_output(B.dp, buf, ROOM, &len) == PFKM_DP_XFORM) {
			if (len > ROOM || keyd_frame_dest(buf, len, &ss, &sl) < 0)
				abort();
			round_trip(buf, len);
		}
		break;
	}
	default:
		break;
	}
	cap_clear(&A.c);
	cap_clear(&B.c);
	return 0;
}
