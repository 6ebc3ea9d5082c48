// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_core_dump.c: DUMP and X_SPDDUMP: one message per entry, sequence
 * numbers counting up with the last one 0, newest first, ENOENT when
 * empty, EBUSY while a dump is running, pausing at 2/3 of the receive
 * buffer and resuming below 1/3 (also across deletions), X_FILTER.
 */
#include "test_core.h"

static void add_n(struct cap *c, int n)
{
	char dst[32];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(dst, sizeof(dst), "10.0.%d.%d", i / 200, i % 200 + 1);
		add_esp(c, SADB_ADD, 0x1000 + i, "10.0.0.1", dst);
	}
}

static int send_dump(struct cap *c, uint8_t type, uint8_t satype)
{
	struct mb m;

	mb_hdr(&m, type, satype, 99);
	return mb_send(c, &m);
}

TEST(core_dump_seq_order_and_end)
{
	struct pfkm_net *net;
	struct cap a, b;
	struct pfkm_exts x;
	size_t i;

	pfkm_net_create(&net);
	cap_open(net, &a);
	cap_open(net, &b);
	REQUIRE_EQ(send_dump(&a, SADB_DUMP, SADB_SATYPE_UNSPEC), 0);
	CHECK_EQ(cap_errno(&a), ENOENT);
	add_n(&a, 5);
	cap_clear(&a);
	cap_clear(&b);
	REQUIRE_EQ(send_dump(&a, SADB_DUMP, SADB_SATYPE_ESP), 0);
	REQUIRE_EQ(a.n, 5);
	CHECK_EQ(b.n, 0);
	for (i = 0; i < 5; i++) {
		REQUIRE_EQ(cap_exts(&a, i, &x), 0);
		CHECK_EQ(x.msg->sadb_msg_type, SADB_DUMP);
		CHECK_EQ(x.msg->sadb_msg_seq, i < 4 ? i + 1 : 0);
		CHECK_EQ(x.msg->sadb_msg_pid, 4242);
		CHECK_EQ(x.msg->sadb_msg_errno, 0);
		/* newest first, as Linux's state_all list */
		CHECK_EQ(ntohl(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_spi), 0x1004 - i);
		CHECK(x.ext[SADB_EXT_KEY_ENCRYPT]);
	}
	cap_clear(&a);
	REQUIRE_EQ(send_dump(&a, SADB_DUMP, SADB_SATYPE_AH), 0);
	CHECK_EQ(cap_errno(&a), ENOENT);
	REQUIRE_EQ(send_dump(&a, SADB_DUMP, 6), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	cap_close(&a);
	cap_close(&b);
	pfkm_net_destroy(net);
}

TEST(core_dump_pause_resume_ebusy)
{
	struct pfkm_net *net;
	struct cap a;
	struct pfkm_exts x;
	size_t i, one, total = 0;
	uint32_t next_seq = 1;
	int rounds = 0;
	struct mb m;

	pfkm_net_create(&net);
	cap_open(net, &a);
	add_n(&a, 40);
	cap_clear(&a);
	/* one SA message is one..; a buffer for ~6 of them */
	REQUIRE_EQ(send_dump(&a, SADB_DUMP, SADB_SATYPE_UNSPEC), 0);
	one = a.len[0];
	cap_clear(&a);
	a.account = true;
	a.rcvbuf = 6 * one;
	REQUIRE_EQ(send_dump(&a, SADB_DUMP, SADB_SATYPE_UNSPEC), 0);
	CHECK(a.n < 40);
	CHECK(3 * a.rmem <= 2 * a.rcvbuf + 3 * one);
	/* while paused: a second dump on the socket is EBUSY (a reply) */
	i = a.n;
	a.rmem = 0;
	a.account = false;
	mb_hdr(&m, SADB_X_SPDDUMP, 0, 1);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EBUSY);
	a.n--;
	free(a.msg[a.n]);
	a.account = true;
	a.rmem = i * one;
	/* delete an SA not dumped yet: the cursor survives */
	mb_hdr(&m, SADB_DELETE, SADB_SATYPE_ESP, 0);
	mb_sa(&m, 0x1000, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.1", -1, 0, 0);
	mb_send(&a, &m);	/* spi 0x1000 is 10.0.0.1 -> 10.0.0.1: found and deleted */
	REQUIRE(a.n > i);
	CHECK_EQ(cap_hdr(&a, a.n - 1)->sadb_msg_type, SADB_DELETE);
	a.n--;
	free(a.msg[a.n]);
	for (;;) {
		/* the reader drains everything, then the host resumes */
		for (; total < a.n; total++) {
			REQUIRE_EQ(cap_exts(&a, total, &x), 0);
			if (x.msg->sadb_msg_type != SADB_DUMP)
				continue;
			if (x.msg->sadb_msg_seq == 0)
				goto done;
			CHECK_EQ(x.msg->sadb_msg_seq, next_seq);
			next_seq++;
		}
		a.rmem = 0;
		pfkm_sock_dump_resume(a.sk);
		REQUIRE(++rounds < 50);
	}
done:
	CHECK_EQ(next_seq, 39);	/* 39 SAs: 38 numbered + the final 0 */
	CHECK(rounds > 1);
	/* finished: a new dump is accepted */
	cap_clear(&a);
	a.account = false;
	REQUIRE_EQ(send_dump(&a, SADB_DUMP, SADB_SATYPE_UNSPEC), 0);
	CHECK_EQ(a.n, 39);
	cap_close(&a);
	pfkm_net_destroy(net);
}

/* Every entry walked, the last one held back for room: the resume sends
 * it (seq 0) and walks nothing again (a store's walk, once ended, may
 * start over from the top). */
TEST(core_dump_resume_after_walk_ended)
{
	struct pfkm_net *net;
	struct pfkm_exts x;
	struct cap a;
	size_t one, i;

	pfkm_net_create(&net);
	cap_open(net, &a);
	add_n(&a, 3);
	cap_clear(&a);
	REQUIRE_EQ(send_dump(&a, SADB_DUMP, SADB_SATYPE_UNSPEC), 0);
	one = a.len[0];
	cap_clear(&a);
	a.account = true;
	a.rmem = 0;
	a.rcvbuf = 2 * one;	/* room to compose all three, not to send the last */
	REQUIRE_EQ(send_dump(&a, SADB_DUMP, SADB_SATYPE_UNSPEC), 0);
	REQUIRE_EQ(a.n, 2);
	a.rmem = 0;
	pfkm_sock_dump_resume(a.sk);
	REQUIRE_EQ(a.n, 3);
	for (i = 0; i < 3; i++) {
		REQUIRE_EQ(cap_exts(&a, i, &x), 0);
		CHECK_EQ(x.msg->sadb_msg_seq, i < 2 ? i + 1 : 0);
		CHECK_EQ(ntohl(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_spi), 0x1002 - i);
	}
	a.rmem = 0;
	pfkm_sock_dump_resume(a.sk);
	CHECK_EQ(a.n, 3);
	cap_close(&a);
	pfkm_net_destroy(net);
}

TEST(core_dump_release_while_paused)
{
	struct pfkm_net *net;
	struct cap a, b;

	pfkm_net_create(&net);
	cap_open(net, &a);
	cap_open(net, &b);
	add_n(&a, 10);
	a.account = true;
	a.rmem = 0;
	a.rcvbuf = 1;	/* pauses before the first entry */
	REQUIRE_EQ(send_dump(&a, SADB_DUMP, SADB_SATYPE_UNSPEC), 0);
	cap_close(&a);
	/* the list still works (the cursor was unlinked) */
	cap_clear(&b);
	REQUIRE_EQ(send_dump(&b, SADB_DUMP, SADB_SATYPE_UNSPEC), 0);
	CHECK_EQ(b.n, 10);
	cap_close(&b);
	pfkm_net_destroy(net);
}

TEST(core_dump_filter)
{
	struct pfkm_net *net;
	struct cap a;
	struct sadb_x_filter *f;
	struct mb m;

	pfkm_net_create(&net);
	cap_open(net, &a);
	add_n(&a, 5);	/* 10.0.0.1 -> 10.0.0.1..5 */
	add_esp(&a, SADB_ADD, 0x2000, "10.9.0.1", "10.9.0.2");
	cap_clear(&a);
	mb_hdr(&m, SADB_DUMP, 0, 1);
	f = mb_filter(&m, AF_INET, 16, 0);
	inet_pton(AF_INET, "10.9.0.0", f->sadb_x_filter_saddr);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(a.n, 1);
	CHECK_EQ(cap_hdr(&a, 0)->sadb_msg_seq, 0);
	/* CVE-2021-0605: prefix lengths >= 128 are refused */
	f->sadb_x_filter_dplen = 200;
	REQUIRE_EQ(mb_send(&a, &m), 0);
	CHECK_EQ(cap_errno(&a), EINVAL);
	cap_close(&a);
	pfkm_net_destroy(net);
}
