/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * ah.h: RFC 4302 AH on a whole IPv4 or IPv6 packet in a flat buffer, for
 * one direction of one SA.
 *
 * AH header: next header(1) | payload len(1) = words - 2 | reserved(2) |
 *            SPI(4) | seq low(4) | ICV, padded to 8 bytes (IPv6 by
 *            RFC 4302; IPv4 as Linux ah4, which refuses 4 unless `align4`);
 *            inbound IPv4 accepts 4-byte padding too.
 * The ICV covers the IP header with its mutable fields as zero, the AH
 * header with a zero ICV, the rest of the packet and, with ESN, the high 32
 * bits of the sequence number (RFC 4302 s3.3.3):
 *  - IPv4: TOS, flags + fragment offset, TTL, checksum; mutable options
 *    zeroed whole (all but security, CIPSO, router alert, RFC 1770), and with
 *    LSRR/SSRR the destination as the final hop (as Linux ah4 does).
 *  - IPv6: traffic class, flow label, hop limit; data of hop-by-hop and
 *    destination options whose type has the "may change" bit 0x20; routing
 *    headers of type 0 and 2 as they will arrive (addresses rotated,
 *    segments left 0, destination = final address, as Linux ah6 does).
 *    Other routing types with segments left > 0 are refused (-EOPNOTSUPP).
 * Mode agnostic: in tunnel mode the caller builds the outer header (next
 * header 4 or 41) around the inner packet and calls encap on the result.
 */
#ifndef PFKM_AH_H
#define PFKM_AH_H

#include "xform.h"
#include "replay.h"

#define PFKM_AH_HDR 12u		/* fixed part, without the ICV */

struct pfkm_ah {
	uint32_t spi;			/* host byte order */
	bool esn;
	uint8_t icv_len;
	const struct pfkm_alg *auth;
	struct pfkm_xform *ax;
};

struct pfkm_ah_rx {
	uint64_t seq;
	size_t len;			/* packet length after AH was removed */
	uint8_t next_hdr;		/* what followed AH (4/41: tunnel mode) */
};

/* auth must be a real MAC (not NULL). Errors as pfkm_esp_init. */
int pfkm_ah_init(struct pfkm_ah *ah, uint32_t spi, bool esn,
		 const struct pfkm_alg *auth, const uint8_t *key, size_t key_len);
void pfkm_ah_fini(struct pfkm_ah *ah);

/* AH header length (with ICV and padding) sent in an IPv4 (4) / IPv6 (6) packet. */
size_t pfkm_ah_hdr_len(const struct pfkm_ah *ah, int ipver);

/*
 * Locate AH in pkt[0 .. len): *ah_off is the AH header, *nh_off the byte
 * holding the next-header value that says 51 (IPv4 protocol field or the
 * previous IPv6 header's next header). -ENOENT when the packet has no AH
 * where one may be, -EINVAL when it is malformed.
 */
int pfkm_ah_find(const uint8_t *pkt, size_t len, size_t *ah_off, size_t *nh_off);

/* The ICV of pkt[0 .. len) whose AH header is at ah_off, computed with the
 * mutable fields and the ICV field as zero; seq_hi is used with ESN. */
int pfkm_ah_icv(struct pfkm_ah *ah, const uint8_t *pkt, size_t len, size_t ah_off,
		uint32_t seq_hi, uint8_t *icv);

/*
 * Insert AH into the IP packet pkt[0 .. len) (IPv4: after the header and
 * options; IPv6: after hop-by-hop, routing, fragment headers and destination
 * options before a routing header), fix lengths, next header and IPv4
 * checksum, and fill in the ICV. -EMSGSIZE if cap is too small,
 * -EOVERFLOW for a seq the SA cannot carry.
 */
int pfkm_ah_encap(struct pfkm_ah *ah, uint64_t seq, uint8_t *pkt, size_t cap, size_t len,
		  size_t *out_len);

/*
 * Verify and remove AH from pkt[0 .. len) in place: SPI, replay check
 * (rp NULL: none; required with ESN), ICV, window update; then AH is cut
 * out and lengths / next header / IPv4 checksum fixed. Errors: -EINVAL,
 * -ENOENT (no AH), -ESTALE / -EEXIST (replay), -EBADMSG (ICV mismatch).
 */
int pfkm_ah_decap(struct pfkm_ah *ah, struct pfkm_replay *rp, uint8_t *pkt, size_t len,
		  struct pfkm_ah_rx *rx);

/* Known-answer self-tests (selftest/ah.c): 0, or -ENOTRECOVERABLE after
 * logging. Run by module init (debug) and the unit tests. */
int pfkm_selftest_ah(void);

#endif /* PFKM_AH_H */
