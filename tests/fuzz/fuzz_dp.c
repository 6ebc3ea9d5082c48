// fuzz-links: core msg
// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_dp.c: hostile packets through the whole portable data path
 * (kmod/core/dp.c, natt.c, esp.c, ah.c, replay.c, the SPD and SADB), the
 * code pfkeyv2.ko runs on every packet it hooks. Two hosts, A and B, keyed
 * for each other as the unit tests key them (tests/unit/dp_host.h):
 *   10.0.0.x      ESP AES-GCM-16 transport
 *   10.1.0.x      ESP AES-GCM-16 tunnel
 *   10.2.0.x      AH HMAC-SHA-256 transport
 *   10.3.0.x      ESP in UDP 4500 (NAT-T) transport
 *   10.4.0.x      ESP in UDP 4500 tunnel
 *   2001:db8::x   ESP AES-CBC + HMAC-SHA-256 transport
 *   2001:db8:1::x ESP AES-GCM-16 tunnel
 *   10.8/16 -> 10.9/16 through the gateway tunnel 10.5.0.1 -> 10.5.0.2
 * The first input byte picks what the rest is:
 *   0  a packet arriving at A (pfkm_dp_input; bit 3 of byte 0: through
 *      _route with a routing that calls nothing local, so the `fwd`
 *      policy applies);
 *   1  a packet A sends (pfkm_dp_output; bit 3 set: byte 1 gives a path
 *      MTU, 576 + 4 * byte, and the packet starts after it);
 *   2  a packet A forwards (pfkm_dp_forward; bit 3 as for 1);
 *   3  a packet B sends, whose result (if B protected it) arrives at A:
 *      so A's decapsulation, tunnel, NAT-T and policy code past the ICV
 *      sees whatever IP packet the fuzzer made B wrap;
 *   4  as 3, and an IPv4 ESP-in-UDP result gets another UDP source port
 *      (4501 + the high nibble of byte 0) on the way, as a NAT would:
 *      A accepts it and sends NAT_T_NEW_MAPPING;
 *   5  as 0 (bit 3 too), through the split calls keyd's crypto threads use
 *      (pfkm_dp_input_prep, pfkm_dp_job_xform, pfkm_dp_job_done);
 *   6  as 3, B's output and A's input both through the split calls.
 * Sanitizers catch out-of-bounds accesses; a result longer than the room
 * given, or a length that grew on input, aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "../unit/dp_host.h"

#define ROOM 4096

static struct dp_host A, B;
static bool ready;

static const struct dp_algs gcm_udp = {
	.satype = SADB_SATYPE_ESP, .enc = SADB_X_EALG_AES_GCM_ICV16, .ebits = 160,
	.natt_sport = 4500, .natt_dport = 4500,
};

static void setup(void)
{
	struct mb m;

	if (dp_host_open(&A) || dp_host_open(&B))
		abort();
	/* A's socket registered for ESP: ACQUIRE and NAT_T_NEW_MAPPING built */
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	if (mb_send(&A.c, &m) ||
	    dp_host_pair(&A, &B, &dp_gcm, IPSEC_MODE_TRANSPORT, "10.0.0.1", "10.0.0.2") ||
	    dp_host_pair(&A, &B, &dp_gcm, IPSEC_MODE_TUNNEL, "10.1.0.1", "10.1.0.2") ||
	    dp_host_pair(&A, &B, &dp_ah, IPSEC_MODE_TRANSPORT, "10.2.0.1", "10.2.0.2") ||
	    dp_host_pair(&A, &B, &gcm_udp, IPSEC_MODE_TRANSPORT, "10.3.0.1", "10.3.0.2") ||
	    dp_host_pair(&A, &B, &gcm_udp, IPSEC_MODE_TUNNEL, "10.4.0.1", "10.4.0.2") ||
	    dp_host_pair(&A, &B, &dp_cbc, IPSEC_MODE_TRANSPORT, "2001:db8::1", "2001:db8::2") ||
	    dp_host_pair(&A, &B, &dp_gcm, IPSEC_MODE_TUNNEL, "2001:db8:1::1", "2001:db8:1::2") ||
	    dp_host_flow(&B, &A, &dp_gcm, IPSEC_MODE_TUNNEL, 0x3001, "10.8.0.0/16",
			 "10.9.0.0/16", "10.5.0.2", "10.5.0.1") ||
	    dp_host_flow(&A, &B, &dp_gcm, IPSEC_MODE_TUNNEL, 0x3002, "10.9.0.0/16",
			 "10.8.0.0/16", "10.5.0.1", "10.5.0.2") ||
	    dp_host_policy(&A, IPSEC_DIR_FWD, IPSEC_POLICY_IPSEC, "10.8.0.0/16", "10.9.0.0/16",
			   IPPROTO_ESP, IPSEC_MODE_TUNNEL, 0, "10.5.0.2", "10.5.0.1"))
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

static uint32_t mtu_of(void *arg, unsigned int family, const uint8_t *saddr,
		       const uint8_t *daddr)
{
	(void)family;
	(void)saddr;
	(void)daddr;
	return *(const uint32_t *)arg;
}

/* One call of the split path (dp.h): _prep, the transform here, _done. */
static int split_in(struct pfkm_dp *dp, uint8_t *b, size_t *len, struct pfkm_dp_route *rt)
{
	static struct pfkm_dp_job job;
	int ret = pfkm_dp_input_prep(dp, b, len, rt, &job);

	if (ret != PFKM_DP_QUEUED)
		return ret;
	pfkm_dp_job_xform(&job, b, ROOM, len);
	return pfkm_dp_job_done(dp, &job, b, len, rt);
}

static int split_out(struct pfkm_dp *dp, uint8_t *b, size_t *len)
{
	static struct pfkm_dp_job job;
	int ret = pfkm_dp_output_prep(dp, b, ROOM, len, NULL, &job);

	if (ret != PFKM_DP_QUEUED)
		return ret;
	pfkm_dp_job_xform(&job, b, ROOM, len);
	return pfkm_dp_job_done(dp, &job, b, len, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[ROOM];
	struct pfkm_dp_route rt = { 0 };
	uint32_t mtu = 0;
	size_t len, before;
	uint8_t op;
	int ret;

	if (!ready)
		setup();
	if (size < 2 || size - 1 > ROOM / 2)
		return 0;
	op = data[0];
	len = size - 1;
	memcpy(buf, data + 1, len);
	before = len;
	switch (op & 7) {
	case 0:
	case 5:
		if (op & 8)
			rt.local = not_local;
		if ((op & 7) == 5)
			ret = split_in(A.dp, buf, &len, &rt);
		else if (op & 8)
			ret = pfkm_dp_input_route(A.dp, buf, &len, &rt);
		else
			ret = pfkm_dp_input(A.dp, buf, &len);
		if (ret >= 0 && len > before)
			abort();
		break;
	case 1:
	case 2:
		if (op & 8) {	/* byte 1 is the MTU, the packet follows */
			mtu = 576u + data[1] * 4u;
			rt.mtu = mtu_of;
			rt.arg = &mtu;
			len--;
			memmove(buf, buf + 1, len);
		}
		if ((op & 7) == 1)
			ret = pfkm_dp_output_route(A.dp, buf, ROOM, &len, &rt);
		else
			ret = pfkm_dp_forward(A.dp, buf, ROOM, &len, &rt, false);
		if (ret >= 0 && len > ROOM)
			abort();
		break;
	case 3:
	case 4:
	case 6:
		if ((op & 7) == 6)
			ret = split_out(B.dp, buf, &len);
		else
			ret = pfkm_dp_output(B.dp, buf, ROOM, &len);
		if (ret == PFKM_DP_XFORM) {
			if (len > ROOM)
				abort();
			/* 4: a NAT on the way rewrote an IPv4 ESP-in-UDP source
			 * port (checksum 0 there): A's NEW_MAPPING path */
			if ((op & 7) == 4 && len >= 28 && buf[0] == 0x45 && buf[9] == 17) {
				buf[20] = 0x11;
				buf[21] = (uint8_t)(0x95 + (op >> 4));
			}
			before = len;
			if ((op & 7) == 6)
				ret = split_in(A.dp, buf, &len, NULL);
			else
				ret = pfkm_dp_input(A.dp, buf, &len);
			if (ret >= 0 && len > before)
				abort();
		}
		break;
	default:
		break;
	}
	/* the hosts' PF_KEY messages (EXPIRE, ACQUIRE) are not looked at */
	cap_clear(&A.c);
	cap_clear(&B.c);
	if ((op & 0xf0) == 0xf0) {
		pfkm_dp_gc(A.dp);
		pfkm_dp_gc(B.dp);
	}
	return 0;
}
