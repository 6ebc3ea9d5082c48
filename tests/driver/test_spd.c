// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_spd.c: policy requests through keyd: X_SPDADD/SPDUPDATE/SPDGET/
 * SPDDUMP/SPDDELETE/SPDDELETE2/SPDFLUSH, success and error replies.
 */
#include <errno.h>

#include "drv.h"

static struct rx r, r2;

static uint32_t policy_id(const struct rx *x)
{
	const struct sadb_x_policy *p = rx_ext(x, SADB_X_EXT_POLICY);

	return p ? p->sadb_x_policy_id : 0;
}

DTEST(spd_add_get_delete)
{
	struct keyd k;
	int fd[2];
	struct mb m;
	uint32_t id_out = 0, id_in = 0;
	const struct sadb_x_policy *p;

	if (!drv_up(&k, fd, 2))
		return;
	mb_simple(&m, SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC, 1);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDDUMP, ENOENT));

	mb_esp_policy(&m, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.1", "10.0.0.2", 2);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_X_SPDADD, 0) && RX_EXPECT(fd[1], &r2, SADB_X_SPDADD, 0)) {
		CHECK(!memcmp(r.b, r2.b, (size_t)r.len));
		id_out = policy_id(&r);
		CHECK(id_out != 0);
		p = rx_ext(&r, SADB_X_EXT_POLICY);
		CHECK(p && p->sadb_x_policy_dir == IPSEC_DIR_OUTBOUND &&
		      p->sadb_x_policy_type == IPSEC_POLICY_IPSEC);
		CHECK_EQ(r.h->sadb_msg_seq, 2);
	}
	/* Same selector and direction again: EEXIST. */
	mb_esp_policy(&m, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.1", "10.0.0.2", 3);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDADD, EEXIST));
	CHECK(drv_quiet(fd[1], 100));
	/* SPDUPDATE of the existing one: ALL, same id. */
	mb_esp_policy(&m, SADB_X_SPDUPDATE, IPSEC_DIR_OUTBOUND, "10.0.0.1", "10.0.0.2", 4);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	CHECK(RX_EXPECT(fd[0], &r, SADB_X_SPDUPDATE, 0));
	CHECK(RX_EXPECT(fd[1], &r2, SADB_X_SPDUPDATE, 0));
	mb_esp_policy(&m, SADB_X_SPDADD, IPSEC_DIR_INBOUND, "10.0.0.2", "10.0.0.1", 5);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_X_SPDADD, 0))
		id_in = policy_id(&r);
	drv_drain(fd[1], 100);
	CHECK(id_in && id_in != id_out);

	/* SPDGET by id: ONE. */
	mb_hdr(&m, SADB_X_SPDGET, SADB_SATYPE_UNSPEC, 6);
	mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, id_out, 0);
	mb_done(&m);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_X_SPDGET, 0)) {
		CHECK_EQ(policy_id(&r), id_out);
		CHECK(rx_ext(&r, SADB_EXT_ADDRESS_SRC) && rx_ext(&r, SADB_EXT_ADDRESS_DST));
	}
	CHECK(drv_quiet(fd[1], 100));

	/* SPDDUMP: two messages, seq 1 then 0. */
	mb_simple(&m, SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC, 7);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_X_SPDDUMP, 0))
		CHECK_EQ(r.h->sadb_msg_seq, 1);
	if (RX_EXPECT(fd[0], &r, SADB_X_SPDDUMP, 0))
		CHECK_EQ(r.h->sadb_msg_seq, 0);
	CHECK(drv_quiet(fd[0], 100));

	/* SPDDELETE by selector + direction: ALL. */
	mb_esp_policy(&m, SADB_X_SPDDELETE, IPSEC_DIR_OUTBOUND, "10.0.0.1", "10.0.0.2", 8);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	CHECK(RX_EXPECT(fd[0], &r, SADB_X_SPDDELETE, 0));
	CHECK(RX_EXPECT(fd[1], &r2, SADB_X_SPDDELETE, 0));
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDDELETE, ENOENT));
	/* SPDGET of the deleted id: ENOENT. */
	mb_hdr(&m, SADB_X_SPDGET, SADB_SATYPE_UNSPEC, 9);
	mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, id_out, 0);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDGET, ENOENT));
	/* SPDDELETE2 by id: ALL, as SPDDELETE2. */
	mb_hdr(&m, SADB_X_SPDDELETE2, SADB_SATYPE_UNSPEC, 10);
	mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_INBOUND, id_in, 0);
	mb_done(&m);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_X_SPDDELETE2, 0))
		CHECK_EQ(policy_id(&r), id_in);
	CHECK(RX_EXPECT(fd[1], &r2, SADB_X_SPDDELETE2, 0));
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDDELETE2, ENOENT));
	mb_simple(&m, SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC, 11);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDDUMP, ENOENT));
	drv_down(&k, fd, 2);
}

DTEST(spd_errors_and_flush)
{
	struct keyd k;
	int fd[2];
	struct mb m;
	struct sadb_x_policy *pol;

	if (!drv_up(&k, fd, 2))
		return;
	/* No X_POLICY extension. */
	mb_hdr(&m, SADB_X_SPDADD, SADB_SATYPE_UNSPEC, 1);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDADD, EINVAL));
	/* Direction out of range. */
	mb_esp_policy(&m, SADB_X_SPDADD, IPSEC_DIR_MAX, "10.0.0.1", "10.0.0.2", 2);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDADD, EINVAL));
	/* ENTRUST/BYPASS are per-socket policy types only: EINVAL. */
	mb_hdr(&m, SADB_X_SPDADD, SADB_SATYPE_UNSPEC, 3);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_policy(&m, IPSEC_POLICY_BYPASS, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDADD, EINVAL));
	/* More templates than XFRM_MAX_DEPTH (6): ELOOP as af_key. */
	mb_hdr(&m, SADB_X_SPDADD, SADB_SATYPE_UNSPEC, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	pol = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	for (int i = 0; i < 7; i++)
		mb_ipsecreq(&m, pol, IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0,
			    NULL, NULL);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDADD, ELOOP));
	CHECK(drv_quiet(fd[1], 100));

	/* A discard policy and a none policy, then SPDFLUSH to ALL. */
	mb_hdr(&m, SADB_X_SPDADD, SADB_SATYPE_UNSPEC, 5);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.3", 32, IPSEC_PROTO_ANY, 0);
	mb_policy(&m, IPSEC_POLICY_DISCARD, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDADD, 0));
	CHECK(RX_EXPECT(fd[1], &r, SADB_X_SPDADD, 0));
	mb_simple(&m, SADB_X_SPDFLUSH, SADB_SATYPE_UNSPEC, 6);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	CHECK(RX_EXPECT(fd[0], &r, SADB_X_SPDFLUSH, 0));	/* unicast copy */
	CHECK(RX_EXPECT(fd[0], &r, SADB_X_SPDFLUSH, 0));	/* ALL */
	CHECK(RX_EXPECT(fd[1], &r2, SADB_X_SPDFLUSH, 0));
	CHECK(drv_quiet(fd[1], 50));
	mb_simple(&m, SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC, 7);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDDUMP, ENOENT));
	drv_down(&k, fd, 2);
}
