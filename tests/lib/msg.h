/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msg.h: the raw PF_KEY message builder of every test program (unit,
 * driver, VM clients, fuzzers, benchmarks). Messages are assembled by hand
 * from <linux/pfkeyv2.h> structs, so the bytes under test are exactly what
 * the test wrote; nothing here validates, so malformed messages are built
 * with the same calls plus a pointer poke. Needs libc and the kernel's UAPI
 * headers only (VM clients link it statically with nothing else).
 *
 *	struct mb m;
 *	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, seq);
 *	mb_sa(&m, 0x1001, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 4);
 *	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
 *	...
 *	send(fd, m.b, mb_done(&m), 0);
 */
#ifndef TESTS_LIB_MSG_H
#define TESTS_LIB_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <linux/pfkeyv2.h>
#include <linux/ipsec.h>

#define MB_MAX 65536
#define MB_PID 4242u		/* sadb_msg_pid of mb_hdr() */
#define MB_FULL (-1)		/* mb_addr prefix: the family's width (32/128) */
#define MB_ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

struct mb {
	union {
		uint8_t b[MB_MAX];
		struct sadb_msg h;
		uint64_t align;
	};
	size_t len;		/* bytes built so far */
};

/* n zeroed bytes at the end, exactly n (no padding: for malformed tails). */
void *mb_put(struct mb *m, size_t n);
/* Start a message: version 2, type, satype, seq, pid MB_PID (len by mb_done). */
struct sadb_msg *mb_hdr(struct mb *m, uint8_t type, uint8_t satype, uint32_t seq);
/* Set sadb_msg_len from the bytes built; returns the byte length. */
size_t mb_done(struct mb *m);

/* SA: spi in host order, state MATURE (the engines ignore it), flags 0. */
struct sadb_sa *mb_sa(struct mb *m, uint32_t spi, uint8_t auth, uint8_t enc, uint8_t replay);
/* Address extension from text ("10.0.0.1", "2001:db8::1"; any ':' means
 * IPv6); plen MB_FULL for the full width. sockaddr_in6 takes 32 bytes. */
struct sadb_address *mb_addr(struct mb *m, uint16_t exttype, const char *ip, int plen,
			     uint8_t proto, uint16_t port);
/* The same from the address's bytes (4 or 16, network order). */
struct sadb_address *mb_addr_bin(struct mb *m, uint16_t exttype, int family, const void *addr,
				 int plen, uint8_t proto, uint16_t port);
/* Key extension of bits, every byte fill; mb_key_bytes copies key. */
struct sadb_key *mb_key(struct mb *m, uint16_t exttype, unsigned int bits, uint8_t fill);
struct sadb_key *mb_key_bytes(struct mb *m, uint16_t exttype, unsigned int bits,
			      const void *key);
struct sadb_lifetime *mb_lifetime(struct mb *m, uint16_t exttype, uint32_t alloc,
				  uint64_t bytes, uint64_t add, uint64_t use);
struct sadb_x_sa2 *mb_sa2(struct mb *m, uint8_t mode, uint32_t reqid);
struct sadb_spirange *mb_spirange(struct mb *m, uint32_t min, uint32_t max);
/* X_POLICY with no requests yet; mb_ipsecreq appends to it. */
struct sadb_x_policy *mb_policy(struct mb *m, uint16_t type, uint8_t dir, uint32_t id,
				uint32_t prio);
/* Append one ipsecrequest to p, which must be the last extension built;
 * tunnel endpoints when tsrc and tdst are not NULL. */
struct sadb_x_ipsecrequest *mb_ipsecreq(struct mb *m, struct sadb_x_policy *p, uint8_t proto,
					uint8_t mode, uint8_t level, uint32_t reqid,
					const char *tsrc, const char *tdst);
/* Dump filter; the caller sets sadb_x_filter_saddr/daddr when it needs them. */
struct sadb_x_filter *mb_filter(struct mb *m, uint16_t family, uint8_t splen, uint8_t dplen);
/* NAT_T_TYPE (type: 1 non-IKE, 2 ESP-in-UDP) then NAT_T_SPORT and
 * NAT_T_DPORT with the ports in host order. */
void mb_natt(struct mb *m, uint8_t type, uint16_t sport, uint16_t dport);
struct sadb_x_kmaddress *mb_kmaddress(struct mb *m, const char *local, const char *remote);
/* Any extension header with a chosen sadb_ext_len (malformed ones): bytes
 * zeroed bytes (at least the 4-byte header) whose first word is len/type. */
void *mb_raw(struct mb *m, uint16_t exttype, uint16_t units, size_t bytes);

#endif
