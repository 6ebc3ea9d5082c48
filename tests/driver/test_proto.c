// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_proto.c: socket-level protocol through keyd: REGISTER, X_PROMISC,
 * header faults (keyd's header-only errno reply), who receives what (ONE,
 * ALL, REGISTERED, PROMISC) and what happens when a reader falls behind.
 */
#include <errno.h>
#include <arpa/inet.h>

#include "drv.h"

static struct rx r, r2;

static bool has_supported(const struct rx *x)
{
	return rx_ext(x, SADB_EXT_SUPPORTED_AUTH) && rx_ext(x, SADB_EXT_SUPPORTED_ENCRYPT);
}

DTEST(proto_register)
{
	struct keyd k;
	int fd[3];
	struct mb m;

	if (!drv_up(&k, fd, 3))
		return;
	/* First REGISTER: reply to the requester (now registered) only. */
	mb_simple(&m, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_REGISTER, 0)) {
		CHECK(has_supported(&r));
		CHECK_EQ(r.h->sadb_msg_satype, SADB_SATYPE_ESP);
		CHECK_EQ(r.h->sadb_msg_seq, 1);
	}
	CHECK(drv_quiet(fd[1], 100));
	/* Second socket registers AH: REGISTERED sockets and the requester. */
	mb_simple(&m, SADB_REGISTER, SADB_SATYPE_AH, 2);
	CHECK_EQ(drv_send(fd[1], m.b, m.len), 0);
	CHECK(RX_EXPECT(fd[1], &r, SADB_REGISTER, 0) && has_supported(&r));
	CHECK(RX_EXPECT(fd[0], &r2, SADB_REGISTER, 0) && r2.h->sadb_msg_satype == SADB_SATYPE_AH);
	CHECK(drv_quiet(fd[2], 100));
	/* Registering the same satype twice: EEXIST, sender only. */
	mb_simple(&m, SADB_REGISTER, SADB_SATYPE_ESP, 3);
	CHECK(drv_roundtrip(fd[0], &m, SADB_REGISTER, EEXIST));
	CHECK(drv_quiet(fd[1], 100));
	/* UNSPEC: the SUPPORTED list without registering the requester. */
	mb_simple(&m, SADB_REGISTER, SADB_SATYPE_UNSPEC, 4);
	CHECK_EQ(drv_send(fd[2], m.b, m.len), 0);
	CHECK(RX_EXPECT(fd[2], &r, SADB_REGISTER, 0) && has_supported(&r));
	CHECK(RX_EXPECT(fd[0], &r, SADB_REGISTER, 0));
	CHECK(RX_EXPECT(fd[1], &r, SADB_REGISTER, 0));
	mb_simple(&m, SADB_REGISTER, SADB_X_SATYPE_IPCOMP, 5);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	CHECK(RX_EXPECT(fd[0], &r, SADB_REGISTER, 0));
	CHECK(RX_EXPECT(fd[1], &r, SADB_REGISTER, 0));
	CHECK(drv_quiet(fd[2], 100));	/* fd[2] did not become registered */
	/* satype beyond SADB_SATYPE_MAX. */
	mb_simple(&m, SADB_REGISTER, SADB_SATYPE_MAX + 1, 6);
	CHECK(drv_roundtrip(fd[2], &m, SADB_REGISTER, EINVAL));
	drv_down(&k, fd, 3);
}

DTEST(proto_promisc)
{
	struct keyd k;
	int fd[2];
	struct mb m, req;

	if (!drv_up(&k, fd, 2))
		return;
	/* X_PROMISC on: the request is broadcast to ALL (af_key). */
	mb_simple(&m, SADB_X_PROMISC, 1, 1);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	/* fd[0] is promiscuous by then: the ALL broadcast reaches it twice
	 * ("you receive it twice as promiscuous socket", af_key). */
	CHECK(RX_EXPECT(fd[0], &r, SADB_X_PROMISC, 0));
	CHECK(RX_EXPECT(fd[0], &r, SADB_X_PROMISC, 0));
	CHECK(RX_EXPECT(fd[1], &r, SADB_X_PROMISC, 0));
	CHECK(drv_quiet(fd[1], 50));
	/* Another socket's request: the promiscuous one sees a copy of the
	 * request, then the error reply that went to the requester. */
	mb_hdr(&req, SADB_GET, SADB_SATYPE_ESP, 5);
	mb_sa(&req, 0x999, 0, 0, 0);
	mb_addr(&req, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&req, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_done(&req);
	CHECK_EQ(drv_send(fd[1], req.b, req.len), 0);
	CHECK(RX_EXPECT(fd[1], &r, SADB_GET, ESRCH));
	if (RX_EXPECT(fd[0], &r, SADB_GET, 0)) {
		CHECK_EQ((size_t)r.len, req.len);
		CHECK(!memcmp(r.b, req.b, req.len));
	}
	CHECK(RX_EXPECT(fd[0], &r, SADB_GET, ESRCH));
	CHECK(drv_quiet(fd[0], 100));
	/* Off again: nothing more. */
	mb_simple(&m, SADB_X_PROMISC, 0, 2);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	/* Still promiscuous when the request is copied, not any more when
	 * the ALL broadcast goes out: two again. */
	CHECK(RX_EXPECT(fd[0], &r, SADB_X_PROMISC, 0));
	CHECK(RX_EXPECT(fd[0], &r, SADB_X_PROMISC, 0));
	CHECK(RX_EXPECT(fd[1], &r, SADB_X_PROMISC, 0));
	CHECK(drv_quiet(fd[0], 50));
	CHECK_EQ(drv_send(fd[1], req.b, req.len), 0);
	CHECK(RX_EXPECT(fd[1], &r, SADB_GET, ESRCH));
	CHECK(drv_quiet(fd[0], 100));
	drv_down(&k, fd, 2);
}

/*
 * Header faults: where sendmsg() on a PF_KEY socket fails, keyd answers with
 * the request header, sadb_msg_len = 2 and sadb_msg_errno set (man keyd).
 * The kernel's PF_KEY fails the sendmsg() itself and sends nothing.
 */
static void fault(int fd, int other, const void *msg, size_t len, uint8_t type, int err)
{
	struct sadb_msg want;
	uint8_t got[64];
	int n;

	/* Raw receive: the reply may carry the request's invalid type, which
	 * a reply walker would reject. */
	memset(&want, 0, sizeof(want));
	memcpy(&want, msg, len < 16 ? len : 16);
	want.sadb_msg_version = PF_KEY_V2;
	want.sadb_msg_len = 2;
	want.sadb_msg_errno = (uint8_t)err;
	if (drv_kernel) {
		CHECK_EQ(drv_send(fd, msg, len), -err);
		CHECK(drv_quiet(fd, 50));
		CHECK(drv_quiet(other, 50));
		return;
	}
	CHECK_EQ(drv_send(fd, msg, len), 0);
	n = drv_recv(fd, got, sizeof(got), 2000);
	CHECK_EQ(n, 16);
	if (n == 16 && memcmp(got, &want, 16)) {
		const struct sadb_msg *h = (const void *)got;

		drv_fail(__FILE__, __LINE__, "fault reply type %u errno %u len %u, want type %u "
			 "errno %d len 2", h->sadb_msg_type, h->sadb_msg_errno, h->sadb_msg_len,
			 type, err);
	}
	CHECK(drv_quiet(other, 50));
}

DTEST(proto_header_faults)
{
	struct keyd k;
	int fd[2];
	struct mb m;
	struct sadb_msg *h = (struct sadb_msg *)(void *)m.b;

	if (!drv_up(&k, fd, 2))
		return;
	/* fd[1] is promiscuous: faults must not reach it either. */
	mb_simple(&m, SADB_X_PROMISC, 1, 1);
	CHECK_EQ(drv_send(fd[1], m.b, m.len), 0);
	CHECK_EQ(drv_drain(fd[0], 100), 1);
	CHECK_EQ(drv_drain(fd[1], 100), 2);

	mb_simple(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 41);
	fault(fd[0], fd[1], m.b, 8, SADB_DUMP, EMSGSIZE);	/* short */
	mb_simple(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 42);
	h->sadb_msg_len = 3;					/* len != bytes */
	fault(fd[0], fd[1], m.b, 16, SADB_DUMP, EMSGSIZE);
	mb_simple(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 43);
	m.len = 24;						/* trailing bytes */
	fault(fd[0], fd[1], m.b, 24, SADB_DUMP, EMSGSIZE);
	mb_simple(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 44);
	h->sadb_msg_version = 1;
	fault(fd[0], fd[1], m.b, 16, SADB_DUMP, EINVAL);
	mb_simple(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 45);
	h->sadb_msg_reserved = 1;
	fault(fd[0], fd[1], m.b, 16, SADB_DUMP, EINVAL);
	mb_simple(&m, 0, SADB_SATYPE_UNSPEC, 46);
	fault(fd[0], fd[1], m.b, 16, 0, EINVAL);
	mb_simple(&m, SADB_MAX + 1, SADB_SATYPE_UNSPEC, 47);
	fault(fd[0], fd[1], m.b, 16, SADB_MAX + 1, EINVAL);
	/* Still a working socket afterwards. */
	mb_simple(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 48);
	CHECK(drv_roundtrip(fd[0], &m, SADB_DUMP, ENOENT));
	drv_down(&k, fd, 2);
}

/* Who receives what: sender S, plain P, registered R, promiscuous M. */
DTEST(proto_broadcast_targets)
{
	struct keyd k;
	int fd[4], S = 0, P = 1, R = 2, M = 3;
	struct mb m;
	char out[256];

	if (!drv_up(&k, fd, 4))
		return;
	REQUIRE(drv_register_fd(fd[R], SADB_SATYPE_ESP));
	mb_simple(&m, SADB_X_PROMISC, 1, 1);
	CHECK_EQ(drv_send(fd[M], m.b, m.len), 0);
	drv_drain(fd[S], 100);
	drv_drain(fd[P], 100);
	drv_drain(fd[R], 100);
	drv_drain(fd[M], 100);

	/* ADD: ALL (M: request copy + promiscuous copy + its own). */
	mb_esp_sa(&m, SADB_ADD, 0x300, 2, "10.0.0.1", "10.0.0.2");
	CHECK_EQ(drv_send(fd[S], m.b, m.len), 0);
	CHECK(RX_EXPECT(fd[S], &r, SADB_ADD, 0));
	CHECK(RX_EXPECT(fd[P], &r, SADB_ADD, 0));
	CHECK(RX_EXPECT(fd[R], &r, SADB_ADD, 0));
	CHECK_EQ(drv_drain(fd[M], 100), 3);

	/* GET: ONE (M sees the request and the reply). */
	mb_hdr(&m, SADB_GET, SADB_SATYPE_ESP, 3);
	mb_sa(&m, 0x300, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_done(&m);
	CHECK_EQ(drv_send(fd[S], m.b, m.len), 0);
	CHECK(RX_EXPECT(fd[S], &r, SADB_GET, 0));
	CHECK(drv_quiet(fd[P], 100));
	CHECK(drv_quiet(fd[R], 50));
	CHECK_EQ(drv_drain(fd[M], 100), 2);

	/* ACQUIRE from a flow: REGISTERED (and M). */
	if (drv_keyd_only_part("ACQUIRE from a flow injected on the control socket")) {
		drv_down(&k, fd, 4);
		return;
	}
	mb_esp_policy(&m, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.1.0.1", "10.1.0.2", 4);
	CHECK_EQ(drv_send(fd[S], m.b, m.len), 0);
	CHECK(RX_EXPECT(fd[S], &r, SADB_X_SPDADD, 0));
	drv_drain(fd[P], 100);
	drv_drain(fd[R], 50);
	drv_drain(fd[M], 50);
	CHECK(!drv_ctl(&k, "flow out 10.1.0.1 10.1.0.2 icmp 0 0 100", out, sizeof(out)));
	CHECK(!strcmp(out, "ok acquire"));
	CHECK(RX_EXPECT(fd[R], &r, SADB_ACQUIRE, 0));
	CHECK(RX_EXPECT(fd[M], &r, SADB_ACQUIRE, 0));
	CHECK(drv_quiet(fd[S], 100));
	CHECK(drv_quiet(fd[P], 50));
	drv_down(&k, fd, 4);
}

/*
 * A reader that never reads: broadcasts to it are dropped once its queue is
 * full (counted in keyd's stats; the kernel drops as silently as af_key's
 * ENOBUFS, with no counter the driver can read), the sender keeps
 * getting every reply, and what the slow reader finally reads is whole.
 */
DTEST(proto_lost_events)
{
	struct keyd k;
	int fd[2], i, got = 0, bad = 0;
	const int n = 3000;
	struct mb m;

	if (!drv_up(&k, fd, 2))
		return;
	for (i = 0; i < n; i++) {
		mb_esp_sa(&m, SADB_ADD, 0x10000 + (uint32_t)i, (uint32_t)i + 1, "10.0.0.1",
			  "10.0.0.2");
		if (!drv_roundtrip(fd[0], &m, SADB_ADD, 0))
			break;
	}
	CHECK_EQ(i, n);
	if (!drv_keyd_only_part("keyd's drop counter"))
		CHECK(drv_stat(&k, "drops") > 0);
	while (rx_get(fd[1], &r, 200) == 0) {
		if (r.h->sadb_msg_type != SADB_ADD || r.h->sadb_msg_errno ||
		    r.h->sadb_msg_seq != (uint32_t)got + 1)
			bad++;
		got++;
	}
	/* A prefix arrived in order, whole; the rest was lost. */
	CHECK(got > 0 && got < n);
	CHECK_EQ(bad, 0);
	/* Once drained, the slow reader gets broadcasts again. */
	mb_esp_sa(&m, SADB_ADD, 0x9000, 1, "10.0.0.1", "10.0.0.2");
	CHECK(drv_roundtrip(fd[0], &m, SADB_ADD, 0));
	CHECK(RX_EXPECT(fd[1], &r, SADB_ADD, 0));
	drv_down(&k, fd, 2);
}
