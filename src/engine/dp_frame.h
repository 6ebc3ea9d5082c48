/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dp_frame.h: the framing between keyd's data-path sockets and the core's
 * whole-packet buffers (dp_frame.c). The kernel hands a raw IPv6 socket
 * and a UDP socket the payload only; the core (kmod/core/dp.h) wants the
 * whole IPv4/IPv6 packet, so the headers are rebuilt in front of the
 * payload from the source address (msg_name) and the control messages
 * (IPV6_PKTINFO / IPV6_HOPLIMIT / IP_PKTINFO). Outbound, the destination
 * a packet is sent to is read from its own header. Self-contained (no
 * keyd.h): the fuzzer (tests/fuzz/fuzz_dpio.c) links it with the core.
 */
#ifndef KEYD_DP_FRAME_H
#define KEYD_DP_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define KEYD_NATT_PORT 4500

/* Where a socket's payload goes in the packet buffer: after the headers
 * the framing puts in front of it. */
#define KEYD_FRAME_RAW6_OFF 40u		/* IPv6 base header */
#define KEYD_FRAME_UDP4_OFF 28u		/* IPv4 + UDP */
#define KEYD_FRAME_UDP6_OFF 48u		/* IPv6 + UDP */

/*
 * buf[off .. off + n) holds what recvmsg returned (mh: its msghdr after
 * the call, msg_name a sockaddr_in6 / sockaddr_in of the sender); the
 * headers are written into buf[0 .. off). Returns the whole packet's
 * length, or -EINVAL when the control messages lack the local address
 * or the result would not fit its length fields (the caller drops it).
 */
int keyd_frame_raw6(uint8_t *buf, size_t n, const struct msghdr *mh, uint8_t proto);
/* ESP in UDP (RFC 3948) to port dport: IPv4 with the header checksum,
 * UDP checksum 0 (RFC 3948 allows it over IPv4). */
int keyd_frame_udp4(uint8_t *buf, size_t n, const struct msghdr *mh, uint16_t dport);
/* Over IPv6 the UDP checksum is mandatory (RFC 8200 8.1): computed. */
int keyd_frame_udp6(uint8_t *buf, size_t n, const struct msghdr *mh, uint16_t dport);

/* The destination of the IPv4/IPv6 packet buf[0 .. len) as a sockaddr
 * for sendto on an IPPROTO_RAW socket of its family; returns the family,
 * or -EINVAL for anything else (too short, another version, a length
 * field disagreeing with len). */
int keyd_frame_dest(const uint8_t *buf, size_t len, struct sockaddr_storage *ss, socklen_t *sl);

#endif
