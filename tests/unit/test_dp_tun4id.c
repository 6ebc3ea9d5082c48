// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_dp_tun4id.c: the outer IPv4 header of tunnel mode (kmod/core/dp.c)
 * gets a distinct identification per packet, as xfrm's ip_select_ident
 * does: IP may fragment the outer packet (DF cleared when too big), and
 * fragments of different packets sharing one ID would be reassembled
 * together at the peer. ESP and AH (whose ICV covers the ID) both.
 */
#include "test_core.h"
#include "dp.h"

struct idhost {
	struct pfkm_net *net;
	struct cap c;
	struct pfkm_dp *dp;
};

static int id_open(struct idhost *h, uint8_t satype)
{
	struct sadb_x_policy *p;
	struct mb m;
	int ret = pfkm_net_create(&h->net);

	if (ret)
		return ret;
	cap_open(h->net, &h->c);
	ret = pfkm_dp_create(h->net, &h->dp);
	if (ret)
		return ret;
	mb_hdr(&m, SADB_ADD, satype, 1);
	if (satype == SADB_SATYPE_ESP) {
		mb_sa(&m, 0x1001, SADB_AALG_NONE, SADB_X_EALG_AES_GCM_ICV16, 32);
		mb_addr(&m, SADB_EXT_ADDRESS_SRC, "192.0.2.1", -1, 0, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_DST, "192.0.2.2", -1, 0, 0);
		mb_key(&m, SADB_EXT_KEY_ENCRYPT, 160, 0x11);
	} else {
		mb_sa(&m, 0x1001, SADB_X_AALG_SHA2_256HMAC, SADB_EALG_NONE, 32);
		mb_addr(&m, SADB_EXT_ADDRESS_SRC, "192.0.2.1", -1, 0, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_DST, "192.0.2.2", -1, 0, 0);
		mb_key(&m, SADB_EXT_KEY_AUTH, 256, 0x22);
	}
	mb_sa2(&m, IPSEC_MODE_TUNNEL, 0);
	ret = mb_send(&h->c, &m);
	if (ret)
		return ret;
	mb_hdr(&m, SADB_X_SPDADD, 0, 2);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 16, IPSEC_ULPROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.2.0.0", 16, IPSEC_ULPROTO_ANY, 0);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, p, satype == SADB_SATYPE_ESP ? IPPROTO_ESP : IPPROTO_AH,
		    IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0, "192.0.2.1", "192.0.2.2");
	return mb_send(&h->c, &m);
}

static void id_close(struct idhost *h)
{
	pfkm_dp_destroy(h->dp);
	cap_close(&h->c);
	pfkm_net_destroy(h->net);
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
	struct idhost H;
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
	id_close(&H);
}

TEST(dp_tunnel4_outer_id_distinct_esp) { distinct_ids(SADB_SATYPE_ESP); }
TEST(dp_tunnel4_outer_id_distinct_ah) { distinct_ids(SADB_SATYPE_AH); }
