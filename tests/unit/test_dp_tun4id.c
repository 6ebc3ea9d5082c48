// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_dp_tun4id.c: the outer IPv4 header of tunnel mode (kmod/core/dp.c)
 * gets a distinct identification per packet, as xfrm's ip_select_ident
 * does: IP may fragment the outer packet (DF cleared when too big), and
 * fragments of different packets sharing one ID would be reassembled
 * together at the peer. ESP and AH (whose ICV covers the ID) both.
 */
#include "dp_host.h"

/* Gateway 192.0.2.1 tunnelling 10.1/16 -> 10.2/16 to 192.0.2.2 (SA 0x1001). */
static int id_open(struct dp_host *h, uint8_t satype)
{
	int ret = dp_host_open(h);

	if (ret)
		return ret;
	return dp_host_flow(h, NULL, dp_algs_of(satype), IPSEC_MODE_TUNNEL, 0x1001, "10.1.0.0/16",
			    "10.2.0.0/16", "192.0.2.1", "192.0.2.2");
}

/* IPv4 UDP 10.1.0.1 -> 10.2.0.1, DF set, ID 0x4242 (checksum left 0:
 * the data path does not verify the inner header's). */
static size_t inner(uint8_t *p)
{
	memset(p, 0, 60);
	p[0] = 0x45;
	p[3] = 60;
	p[4] = 0x42;
	p[5] = 0x42;
	p[6] = 0x40;
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	inet_pton(AF_INET, "10.1.0.1", p + 12);
	inet_pton(AF_INET, "10.2.0.1", p + 16);
	p[21] = 7;
	p[23] = 7;
	p[25] = 40;
	return 60;
}

static void distinct_ids(uint8_t satype)
{
	uint16_t id[4];
	uint8_t pkt[512];
	struct dp_host H;
	unsigned int i, j;
	size_t len;

	REQUIRE_EQ(id_open(&H, satype), 0);
	for (i = 0; i < 4; i++) {
		len = inner(pkt);
		REQUIRE_EQ(pfkm_dp_output(H.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
		CHECK_EQ(pkt[9], satype == SADB_SATYPE_ESP ? IPPROTO_ESP : IPPROTO_AH);
		CHECK_EQ(pkt[12], 192);		/* the outer header */
		CHECK_EQ(pkt[6] & 0x40, 0x40);	/* DF copied from the inner */
		id[i] = (uint16_t)(pkt[4] << 8 | pkt[5]);
	}
	for (i = 0; i < 4; i++)
		for (j = i + 1; j < 4; j++)
			CHECK(id[i] != id[j]);
	dp_host_close(&H);
}

TEST(dp_tunnel4_outer_id_distinct_esp) { distinct_ids(SADB_SATYPE_ESP); }
TEST(dp_tunnel4_outer_id_distinct_ah) { distinct_ids(SADB_SATYPE_AH); }
