// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_sa.c: SA requests through keyd (GETSPI, ADD, UPDATE, GET, DELETE,
 * FLUSH, DUMP, error ACQUIRE): success and error replies and who gets them.
 */
#include <errno.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "drv.h"

static struct rx r, r2;

DTEST(sa_getspi)
{
	struct keyd k;
	int fd[2];
	struct mb m;
	const struct sadb_sa *sa;

	if (!drv_up(&k, fd, 2))
		return;
	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 7);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_spirange(&m, 0x1000, 0x1fff);
	mb_done(&m);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_GETSPI, 0)) {
		CHECK_EQ(r.h->sadb_msg_seq, 7);
		CHECK_EQ(r.h->sadb_msg_pid, DRV_PID);
		CHECK_EQ(r.h->sadb_msg_satype, SADB_SATYPE_ESP);
		sa = rx_ext(&r, SADB_EXT_SA);
		REQUIRE(sa);
		CHECK(ntohl(sa->sadb_sa_spi) >= 0x1000 && ntohl(sa->sadb_sa_spi) <= 0x1fff);
		CHECK_EQ(sa->sadb_sa_state, SADB_SASTATE_LARVAL);
		CHECK(rx_ext(&r, SADB_EXT_ADDRESS_SRC) && rx_ext(&r, SADB_EXT_ADDRESS_DST));
		CHECK(!rx_ext(&r, SADB_EXT_KEY_ENCRYPT));
	}
	CHECK(drv_quiet(fd[1], 100));	/* GETSPI answers ONE */

	/* No destination: EINVAL, to the sender only. */
	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 8);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_GETSPI, EINVAL));
	/* Inverted SPI range. */
	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 9);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_spirange(&m, 0x2000, 0x1000);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_GETSPI, EINVAL));
	CHECK(drv_quiet(fd[1], 100));
	drv_down(&k, fd, 2);
}

static bool key_is(const struct rx *x, uint16_t type, uint16_t bits, uint8_t fill)
{
	const struct sadb_key *key = rx_ext(x, type);
	const uint8_t *p;
	unsigned int i;

	if (!key || key->sadb_key_bits != bits)
		return false;
	p = (const uint8_t *)(key + 1);
	for (i = 0; i < bits / 8u; i++)
		if (p[i] != fill)
			return false;
	return true;
}

DTEST(sa_add_get_delete)
{
	struct keyd k;
	int fd[2];
	struct mb m;
	const struct sadb_sa *sa;

	if (!drv_up(&k, fd, 2))
		return;
	mb_esp_sa(&m, SADB_ADD, 0x1234, 11, "10.0.0.1", "10.0.0.2");
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	/* ADD is announced to ALL sockets, keys included, identically. */
	if (RX_EXPECT(fd[0], &r, SADB_ADD, 0) && RX_EXPECT(fd[1], &r2, SADB_ADD, 0)) {
		CHECK_EQ(r.len, r2.len);
		CHECK(!memcmp(r.b, r2.b, (size_t)r.len));
		CHECK_EQ(r.h->sadb_msg_seq, 11);
		CHECK_EQ(r.h->sadb_msg_pid, DRV_PID);
		sa = rx_ext(&r, SADB_EXT_SA);
		REQUIRE(sa);
		CHECK_EQ(ntohl(sa->sadb_sa_spi), 0x1234);
		CHECK_EQ(sa->sadb_sa_auth, SADB_AALG_SHA1HMAC);
		CHECK_EQ(sa->sadb_sa_encrypt, SADB_X_EALG_AESCBC);
		CHECK(key_is(&r, SADB_EXT_KEY_AUTH, 160, 0xa5));
		CHECK(key_is(&r, SADB_EXT_KEY_ENCRYPT, 128, 0x5a));
	}
	/* Same SA again: EEXIST to the sender only. */
	mb_esp_sa(&m, SADB_ADD, 0x1234, 12, "10.0.0.1", "10.0.0.2");
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_ADD, EEXIST)) {
		CHECK_EQ(r.len, 16);
		CHECK_EQ(r.h->sadb_msg_seq, 12);
		CHECK_EQ(r.h->sadb_msg_pid, DRV_PID);
		CHECK_EQ(r.h->sadb_msg_satype, SADB_SATYPE_ESP);
	}
	CHECK(drv_quiet(fd[1], 100));

	/* GET: ONE, with keys. */
	mb_hdr(&m, SADB_GET, SADB_SATYPE_ESP, 13);
	mb_sa(&m, 0x1234, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_done(&m);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_GET, 0)) {
		CHECK_EQ(r.h->sadb_msg_seq, 13);
		CHECK(key_is(&r, SADB_EXT_KEY_AUTH, 160, 0xa5));
		CHECK(key_is(&r, SADB_EXT_KEY_ENCRYPT, 128, 0x5a));
		sa = rx_ext(&r, SADB_EXT_SA);
		CHECK(sa && sa->sadb_sa_state == SADB_SASTATE_MATURE);
	}
	CHECK(drv_quiet(fd[1], 100));

	/* DELETE: ALL, the whole SA as af_key's key_notify_sa composes it
	 * (pfkey_xfrm_state2msg, keys included). */
	((struct sadb_msg *)(void *)m.b)->sadb_msg_type = SADB_DELETE;
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_DELETE, 0) && RX_EXPECT(fd[1], &r2, SADB_DELETE, 0)) {
		CHECK_EQ(r.len, r2.len);
		CHECK(!memcmp(r.b, r2.b, (size_t)r.len));
		sa = rx_ext(&r, SADB_EXT_SA);
		CHECK(sa && ntohl(sa->sadb_sa_spi) == 0x1234);
		CHECK(rx_ext(&r, SADB_EXT_ADDRESS_SRC) && rx_ext(&r, SADB_EXT_ADDRESS_DST));
	}
	/* Gone: GET and DELETE answer ESRCH. */
	CHECK(drv_roundtrip(fd[0], &m, SADB_DELETE, ESRCH));
	((struct sadb_msg *)(void *)m.b)->sadb_msg_type = SADB_GET;
	CHECK(drv_roundtrip(fd[0], &m, SADB_GET, ESRCH));
	CHECK(drv_quiet(fd[1], 100));
	drv_down(&k, fd, 2);
}

DTEST(sa_add_errors)
{
	struct keyd k;
	int fd[2];
	struct mb m;

	if (!drv_up(&k, fd, 2))
		return;
	/* ESP without an encryption key. */
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 1);
	mb_sa(&m, 0x200, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 1);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_ADD, EINVAL));
	/* No SA extension. */
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 2);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 1);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_ADD, EINVAL));
	/* Source and destination of different families. */
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 3);
	mb_sa(&m, 0x201, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "2001:db8::2", 128, IPSEC_PROTO_ANY, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 1);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 1);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_ADD, EINVAL));
	/* HARD lifetime without SOFT (af_key rejects one without the other). */
	mb_esp_sa(&m, SADB_ADD, 0x202, 4, "10.0.0.1", "10.0.0.2");
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 1000, 0, 0);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_ADD, EINVAL));
	/* Auth key of the wrong size for HMAC-SHA1 (160 bits). */
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 5);
	mb_sa(&m, 0x203, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 128, 1);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 1);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_ADD, EINVAL));
	/* Encryption algorithm number out of range. */
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 6);
	mb_sa(&m, 0x204, SADB_AALG_SHA1HMAC, 254, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 1);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 1);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_ADD, EINVAL));
	CHECK(drv_quiet(fd[1], 100));	/* errors go to the sender only */
	drv_down(&k, fd, 2);
}

DTEST(sa_update)
{
	struct keyd k;
	int fd[2];
	struct mb m;
	const struct sadb_sa *sa;
	uint32_t spi = 0;

	if (!drv_up(&k, fd, 2))
		return;
	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 21);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_done(&m);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	REQUIRE(RX_EXPECT(fd[0], &r, SADB_GETSPI, 0));
	sa = rx_ext(&r, SADB_EXT_SA);
	REQUIRE(sa);
	spi = ntohl(sa->sadb_sa_spi);
	/* Default range 0x100..0x0fffffff, as af_key. */
	CHECK(spi >= 0x100 && spi <= 0x0fffffff);

	mb_esp_sa(&m, SADB_UPDATE, spi, 21, "10.0.0.1", "10.0.0.2");
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_UPDATE, 0) && RX_EXPECT(fd[1], &r2, SADB_UPDATE, 0)) {
		CHECK(!memcmp(r.b, r2.b, (size_t)r.len));
		sa = rx_ext(&r, SADB_EXT_SA);
		CHECK(sa && ntohl(sa->sadb_sa_spi) == spi);
		CHECK(key_is(&r, SADB_EXT_KEY_ENCRYPT, 128, 0x5a));
	}
	mb_hdr(&m, SADB_GET, SADB_SATYPE_ESP, 22);
	mb_sa(&m, spi, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_done(&m);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_GET, 0)) {
		sa = rx_ext(&r, SADB_EXT_SA);
		CHECK(sa && sa->sadb_sa_state == SADB_SASTATE_MATURE);
	}
	/* UPDATE of an SA that does not exist. */
	mb_esp_sa(&m, SADB_UPDATE, 0x7777, 23, "10.0.0.1", "10.0.0.2");
	CHECK(drv_roundtrip(fd[0], &m, SADB_UPDATE, ESRCH));
	CHECK(drv_quiet(fd[1], 100));
	drv_down(&k, fd, 2);
}

DTEST(sa_flush_dump)
{
	struct keyd k;
	int fd[2], i;
	struct mb m;
	bool seen[3] = { false, false, false };

	if (!drv_up(&k, fd, 2))
		return;
	mb_simple(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 30);
	CHECK(drv_roundtrip(fd[0], &m, SADB_DUMP, ENOENT));
	for (i = 0; i < 3; i++) {
		mb_esp_sa(&m, SADB_ADD, 0x500 + (uint32_t)i, 31, "10.0.0.1", "10.0.0.2");
		CHECK(drv_roundtrip(fd[0], &m, SADB_ADD, 0));
	}
	CHECK_EQ(drv_drain(fd[1], 100), 3);
	mb_simple(&m, SADB_DUMP, SADB_SATYPE_ESP, 32);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	for (i = 0; i < 3; i++) {
		const struct sadb_sa *sa;

		if (!RX_EXPECT(fd[0], &r, SADB_DUMP, 0))
			break;
		/* af_key numbers dump messages 1, 2, ... and sends the last as 0 */
		CHECK_EQ(r.h->sadb_msg_seq, i == 2 ? 0 : i + 1);
		CHECK_EQ(r.h->sadb_msg_pid, DRV_PID);
		CHECK_EQ(r.h->sadb_msg_satype, SADB_SATYPE_ESP);
		sa = rx_ext(&r, SADB_EXT_SA);
		if (sa && ntohl(sa->sadb_sa_spi) >= 0x500 && ntohl(sa->sadb_sa_spi) < 0x503)
			seen[ntohl(sa->sadb_sa_spi) - 0x500] = true;
	}
	CHECK(seen[0] && seen[1] && seen[2]);
	CHECK(drv_quiet(fd[0], 100));
	CHECK(drv_quiet(fd[1], 100));
	/* DUMP of another satype finds nothing. */
	mb_simple(&m, SADB_DUMP, SADB_SATYPE_AH, 33);
	CHECK(drv_roundtrip(fd[0], &m, SADB_DUMP, ENOENT));

	/* FLUSH: the sender's unicast copy (unicast_flush_resp), then the
	 * ALL notification. */
	mb_simple(&m, SADB_FLUSH, SADB_SATYPE_UNSPEC, 34);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	CHECK(RX_EXPECT(fd[0], &r, SADB_FLUSH, 0));
	CHECK(RX_EXPECT(fd[0], &r, SADB_FLUSH, 0));
	CHECK(RX_EXPECT(fd[1], &r, SADB_FLUSH, 0));
	CHECK(drv_quiet(fd[1], 50));
	/* Flushing an empty table: the sender's copy only. */
	CHECK(drv_roundtrip(fd[0], &m, SADB_FLUSH, 0));
	CHECK(drv_quiet(fd[0], 50));
	CHECK(drv_quiet(fd[1], 50));
	mb_simple(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 35);
	CHECK(drv_roundtrip(fd[0], &m, SADB_DUMP, ENOENT));
	drv_down(&k, fd, 2);
}

DTEST(sa_acquire_error)
{
	struct keyd k;
	int fd[2];
	struct mb m;
	struct sadb_msg *h;

	if (!drv_up(&k, fd, 2))
		return;
	/* A key manager's error ACQUIRE for an unknown sequence: af_key
	 * silently ignores it (no reply), and the socket stays usable. */
	mb_simple(&m, SADB_ACQUIRE, SADB_SATYPE_ESP, 999);
	h = (struct sadb_msg *)(void *)m.b;
	h->sadb_msg_errno = ENOENT;
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	CHECK(drv_quiet(fd[0], 200));
	CHECK(drv_quiet(fd[1], 100));
	mb_simple(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 1);
	CHECK(drv_roundtrip(fd[0], &m, SADB_DUMP, ENOENT));
	drv_down(&k, fd, 2);
}

/*
 * A dump larger than the connection's buffer: keyd pauses it at 2/3 of
 * SO_SNDBUF and resumes on POLLOUT, so a slow reader still gets every SA
 * exactly once, numbered 1, 2, ... and the last one 0.
 */
DTEST(sa_dump_pause_resume)
{
	static bool seen[4000];
	struct keyd k;
	int fd[2], i, n = 4000, got = 0, dup = 0, badseq = 0;
	struct mb m;

	if (!drv_up(&k, fd, 2))
		return;
	close(fd[1]);	/* no ALL copies to a reader that never reads */
	fd[1] = -1;
	for (i = 0; i < n; i++) {
		mb_esp_sa(&m, SADB_ADD, 0x20000 + (uint32_t)i, 1, "10.0.0.1", "10.0.0.2");
		if (!drv_roundtrip(fd[0], &m, SADB_ADD, 0))
			break;
	}
	REQUIRE_EQ(i, n);
	memset(seen, 0, sizeof(seen));
	mb_simple(&m, SADB_DUMP, SADB_SATYPE_ESP, 5);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	usleep(200000);		/* let the queue fill and the dump pause */
	while (rx_get(fd[0], &r, 2000) == 0) {
		const struct sadb_sa *sa = rx_ext(&r, SADB_EXT_SA);
		uint32_t spi;

		if (r.h->sadb_msg_type != SADB_DUMP || r.h->sadb_msg_errno || !sa)
			break;
		got++;
		spi = ntohl(sa->sadb_sa_spi) - 0x20000;
		if (spi < 4000u && seen[spi])
			dup++;
		else if (spi < 4000u)
			seen[spi] = true;
		if (r.h->sadb_msg_seq != (got == n ? 0u : (uint32_t)got))
			badseq++;
		if (r.h->sadb_msg_seq == 0)
			break;
		if (got % 500 == 0)
			usleep(20000);	/* a slow reader */
	}
	CHECK_EQ(got, n);
	CHECK_EQ(dup, 0);
	CHECK_EQ(badseq, 0);
	CHECK(drv_quiet(fd[0], 100));
	drv_down(&k, fd, 2);
}
