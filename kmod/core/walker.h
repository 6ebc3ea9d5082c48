/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * walker.h: the one bounded PF_KEY message walker, used by the kernel module,
 * keyd and libpfkey alike. It owns every length rule of the wire format; code
 * that gets a struct pfkm_exts back may read each present extension up to its
 * declared length without further bounds checks.
 *
 * Errors follow Linux af_key byte for byte:
 *   pfkm_walker_header:  buffer shorter than sadb_msg, sadb_msg_len (8-byte
 *                        units) != bytes received, or len < 2 -> -EMSGSIZE;
 *                        version != PF_KEY_V2, reserved != 0, type 0 or
 *                        > SADB_MAX -> -EINVAL.
 *   pfkm_walker_exts:    any malformed extension -> -EINVAL (see walker.c);
 *                        extension types above SADB_EXT_MAX are skipped.
 * Userspace receivers use pfkm_walker_reply(), which does not enforce the
 * request-only rule that reserved is 0 (policy replies carry a refcount there).
 */
#ifndef PFKM_WALKER_H
#define PFKM_WALKER_H

#include "wire.h"

struct pfkm_exts {
	const struct sadb_msg *msg;
	/* ext[t] points at the extension of type t, or NULL. ext[0] unused. */
	const struct sadb_ext *ext[SADB_EXT_MAX + 1];
};

#define PFKM_EXT(exts, type, ctype) ((const ctype *)(const void *)(exts)->ext[type])

int pfkm_walker_header(const void *buf, size_t len);
int pfkm_walker_exts(const void *buf, size_t len, struct pfkm_exts *out);
/* header + exts for a request coming in on a socket */
int pfkm_walker_request(const void *buf, size_t len, struct pfkm_exts *out);
/* header (reserved may be non-zero) + exts, for messages a client receives */
int pfkm_walker_reply(const void *buf, size_t len, struct pfkm_exts *out);

/*
 * Bounded iteration over the sadb_x_ipsecrequest records that follow a
 * sadb_x_policy. Lengths of requests count bytes (not units). Usage:
 *   struct pfkm_req_iter it; const struct sadb_x_ipsecrequest *rq;
 *   pfkm_walker_request_begin(&it, pol);
 *   while ((ret = pfkm_walker_request_next(&it, &rq)) > 0) ...
 * next returns 1 with *rq set, 0 at the end, -EINVAL on a malformed record
 * (len < 16 or beyond the policy extension), as af_key's parse_ipsecrequests.
 */
struct pfkm_req_iter {
	const uint8_t *p;
	size_t left;
};
void pfkm_walker_request_begin(struct pfkm_req_iter *it, const struct sadb_x_policy *pol);
int pfkm_walker_request_next(struct pfkm_req_iter *it, const struct sadb_x_ipsecrequest **rq);

/* Size of a sockaddr of the given family (16 or 28), 0 if unsupported. */
size_t pfkm_walker_sockaddr_len(unsigned int family);
/*
 * A pair of sockaddrs of one family packed back to back (tunnel endpoints in
 * an ipsecrequest, X_KMADDRESS). Returns the family, or -EINVAL when the pair
 * does not fit in len or the families differ or are unsupported.
 */
int pfkm_walker_sockaddr_pair(const void *p, size_t len,
			      const struct sockaddr **a, const struct sockaddr **b);
/* The sockaddr inside a verified sadb_address extension. */
static inline const struct sockaddr *pfkm_walker_addr(const struct sadb_address *a)
{
	return (const struct sockaddr *)(const void *)(a + 1);
}
/* X_FILTER prefix bounds (CVE-2021-0605): splen/dplen < 128 else -EINVAL. */
int pfkm_walker_filter_check(const struct sadb_x_filter *f);

#endif /* PFKM_WALKER_H */
