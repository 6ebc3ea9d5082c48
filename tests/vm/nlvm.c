// SPDX-License-Identifier: BSD-2-Clause
/*
 * nlvm.c: the XFRM netlink store in the VM, whose kernel has ESP, AH and
 * IPComp (the host's has not): the PF_KEY engine on the store keys the
 * kernel and `ip xfrm state` shows it. Built by tests/vm/nl-run.sh with
 * tests/unit/main.c into /bin/nlvm (prints "N passed, N failed"); run by
 * tests/vm/nl.sh in the VM's own network namespace:
 *   - ADD of every algorithm row the kernel has (ESP enc x auth, AEADs,
 *     AH, IPComp), GET back with the keys, DELETE;
 *   - EEXIST/ESRCH, UPDATE of a mature SA (lifetimes only), replay 64
 *     (bitmap attribute), ESP-in-UDP ports, IPv6 tunnel mode with an AEAD;
 *   - `ip xfrm state add` of another process broadcast as SADB_ADD;
 *   - pipelined ADDs (pfkm_sock_send_many -> sa_add_many): 150 SAs with a
 *     duplicate and a malformed one among them, every answer in order to
 *     its request, the kernel holds the rest, another socket has each
 *     ADD once, in order, and the kernel queued no echo of them;
 *   - the store's SA walk (one walk_run for SAs and policies): only the
 *     protocol asked for, a paused entry offered again, a policy walk;
 *   - the kernel's ACQUIRE (policy without SA, ping) to a registered
 *     socket, answered as a KM does (GETSPI by its seq, UPDATE); soft and
 *     hard EXPIRE (addtime 1 s / 2 s).
 * Shell commands name iproute2 $IP (nl.sh sets it; IP=ip elsewhere).
 */
#include <poll.h>
#include <unistd.h>
#include "../unit/test_core.h"
#include "../unit/test_xfrm.h"
#include "../../src/xfrm/store_nl.h"

static struct pfkm_store *made;

static int make(const struct pfkm_store_cb *cb, void *arg, struct pfkm_store **out)
{
	int ret = xfrm_store_nl_create(cb, arg, out);

	made = ret ? NULL : *out;
	return ret;
}

static struct pfkm_net *net_open(void)
{
	struct pfkm_net *net = NULL;
	int ret;

	if (system("$IP xfrm state flush; $IP xfrm policy flush"))
		return NULL;
	ret = pfkm_net_create_on(make, NULL, &net);
	if (ret)
		printf("    pfkm_net_create_on: %s\n", strerror(-ret));
	return net;
}

/* Wait up to ms for the store's event socket and deliver what came. */
static int events(unsigned int ms)
{
	struct pollfd p = { .fd = xfrm_store_nl_monitor_fd(made), .events = POLLIN };

	if (poll(&p, 1, (int)ms) <= 0)
		return 0;
	return xfrm_store_nl_monitor_read(made);
}

static int add_sa(struct cap *c, uint8_t type, uint8_t satype, uint32_t spi,
		  const struct pfkm_alg *a, const struct pfkm_alg *e, uint8_t replay)
{
	struct mb m;

	mb_hdr(&m, type, satype, 9);
	mb_sa(&m, spi, a ? a->id : 0, e ? e->id : 0, replay);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "192.0.2.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "192.0.2.2", -1, 0, 0);
	if (a)
		mb_key(&m, SADB_EXT_KEY_AUTH, a->key_max, 0xaa);
	if (satype == SADB_SATYPE_ESP)
		mb_key(&m, SADB_EXT_KEY_ENCRYPT, e ? e->key_max : 0, 0xee);
	return mb_send(c, &m);
}

static int get_sa(struct cap *c, uint8_t satype, uint32_t spi)
{
	struct mb m;

	mb_hdr(&m, SADB_GET, satype, 10);
	mb_sa(&m, spi, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "192.0.2.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "192.0.2.2", -1, 0, 0);
	return mb_send(c, &m);
}

static int del_sa(struct cap *c, uint8_t satype, uint32_t spi)
{
	struct mb m;

	mb_hdr(&m, SADB_DELETE, satype, 11);
	mb_sa(&m, spi, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "192.0.2.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "192.0.2.2", -1, 0, 0);
	return mb_send(c, &m);
}

/* Rows of algorithms this VM's kernel has no module for (mkinitramfs). */
static bool kernel_lacks(const struct pfkm_alg *g)
{
	return g && g->crypto_name && (strstr(g->crypto_name, "sm3") || strstr(g->crypto_name, "sm4"));
}

/* One ADD, then GET (keys back from the kernel) and DELETE. */
static void one(uint8_t satype, uint32_t spi /* host order */, const struct pfkm_alg *a, const struct pfkm_alg *e,
		unsigned int *done)
{
	struct pfkm_net *net = net_open();
	const struct sadb_sa *s;
	struct pfkm_exts x;
	struct cap c;
	int err;

	REQUIRE(net);
	cap_open(net, &c);
	REQUIRE_EQ(add_sa(&c, SADB_ADD, satype, spi, a, e, 4), 0);
	err = cap_errno(&c);
	if (kernel_lacks(a) || kernel_lacks(e)) {
		CHECK(err == ENOSYS || err == -1);
		goto out;
	}
	if (err != -1) {
		printf("    ADD satype %u auth %s enc %s: errno %d (%s)\n", satype, a ? a->name : "-",
		       e ? e->name : "-", err, xfrm_store_nl_why(made));
		CHECK_EQ(err, -1);
		goto out;
	}
	cap_clear(&c);
	REQUIRE_EQ(get_sa(&c, satype, spi), 0);
	REQUIRE_EQ(c.n, 1);
	REQUIRE_EQ(cap_exts(&c, 0, &x), 0);
	s = PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa);
	REQUIRE(s);
	CHECK_EQ(s->sadb_sa_auth, a ? a->id : 0);
	CHECK_EQ(s->sadb_sa_encrypt, e ? e->id : 0);
	CHECK_EQ(s->sadb_sa_state, SADB_SASTATE_MATURE);
	CHECK_EQ(s->sadb_sa_replay, 4);
	if (a && a->key_max)
		CHECK(x.ext[SADB_EXT_KEY_AUTH] != NULL);
	if (e && e->key_max && satype == SADB_SATYPE_ESP)
		CHECK(x.ext[SADB_EXT_KEY_ENCRYPT] != NULL);
	cap_clear(&c);
	REQUIRE_EQ(del_sa(&c, satype, spi), 0);
	CHECK(c.n == 1 && cap_hdr(&c, 0)->sadb_msg_type == SADB_DELETE &&
	      cap_hdr(&c, 0)->sadb_msg_errno == 0);
	(*done)++;
out:
	cap_close(&c);
	pfkm_net_destroy(net);
}

TEST(nlvm_add_get_delete_every_algorithm)
{
	const struct pfkm_alg *a, *e;
	unsigned int i, j, done = 0, spi = 0x1000;

	for (i = 0; (e = pfkm_alg_at(PFKM_ALG_ENC, i)); i++) {
		if (e->aead) {
			one(SADB_SATYPE_ESP, spi++, NULL, e, &done);
			continue;
		}
		for (j = 1; (a = pfkm_alg_at(PFKM_ALG_AUTH, j)); j++)
			one(SADB_SATYPE_ESP, spi++, a, e, &done);
	}
	for (j = 1; (a = pfkm_alg_at(PFKM_ALG_AUTH, j)); j++)
		one(SADB_SATYPE_AH, spi++, a, NULL, &done);
	one(SADB_X_SATYPE_IPCOMP, 0x4000, NULL,
	    pfkm_alg_by_id(PFKM_ALG_COMP, SADB_X_CALG_DEFLATE), &done);
	printf("    %u SAs keyed, read back and deleted\n", done);
	CHECK(done > 60);
}

TEST(nlvm_errnos_update_replay_natt)
{
	const struct pfkm_alg *a = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha256");
	const struct pfkm_alg *e = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc");
	struct pfkm_net *net = net_open();
	const struct sadb_lifetime *lh;
	const struct sadb_sa *s;
	struct pfkm_exts x;
	struct cap c;
	struct mb m;

	REQUIRE(net);
	cap_open(net, &c);
	REQUIRE_EQ(add_sa(&c, SADB_ADD, SADB_SATYPE_ESP, 0x2000, a, e, 64), 0);
	REQUIRE_EQ(cap_errno(&c), -1);
	/* a bitmap window: iproute2 shows the attribute's */
	CHECK_EQ(system("$IP xfrm state | grep -q 'replay_window 64'"), 0);
	/* the ICV is RFC 4868's, not af_key's 96 bits */
	CHECK_EQ(system("$IP xfrm state | grep -q 'hmac(sha256).* 128'"), 0);
	cap_clear(&c);
	REQUIRE_EQ(add_sa(&c, SADB_ADD, SADB_SATYPE_ESP, 0x2000, a, e, 64), 0);
	CHECK_EQ(cap_errno(&c), EEXIST);
	cap_clear(&c);
	REQUIRE_EQ(get_sa(&c, SADB_SATYPE_ESP, 0x2001), 0);
	CHECK_EQ(cap_errno(&c), ESRCH);
	cap_clear(&c);
	REQUIRE_EQ(del_sa(&c, SADB_SATYPE_ESP, 0x2001), 0);
	CHECK_EQ(cap_errno(&c), ESRCH);
	cap_clear(&c);
	REQUIRE_EQ(get_sa(&c, SADB_SATYPE_ESP, 0x2000), 0);
	REQUIRE_EQ(cap_exts(&c, 0, &x), 0);
	s = PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa);
	CHECK(s && s->sadb_sa_replay == 64);
	/* UPDATE of a mature SA: new lifetimes, in state DEAD as af_key */
	cap_clear(&c);
	mb_hdr(&m, SADB_UPDATE, SADB_SATYPE_ESP, 12);
	mb_sa(&m, 0x2000, a->id, e->id, 64);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "192.0.2.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "192.0.2.2", -1, 0, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 0, 3600, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 0, 3000, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 256, 0xaa);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 0xee);
	REQUIRE_EQ(mb_send(&c, &m), 0);
	REQUIRE_EQ(c.n, 1);
	REQUIRE_EQ(cap_exts(&c, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_UPDATE);
	s = PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa);
	CHECK(s && s->sadb_sa_state == SADB_SASTATE_DEAD);
	cap_clear(&c);
	REQUIRE_EQ(get_sa(&c, SADB_SATYPE_ESP, 0x2000), 0);
	REQUIRE_EQ(cap_exts(&c, 0, &x), 0);
	lh = PFKM_EXT(&x, SADB_EXT_LIFETIME_HARD, struct sadb_lifetime);
	CHECK(lh && lh->sadb_lifetime_addtime == 3600);
	/* ESP in UDP */
	cap_clear(&c);
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 13);
	mb_sa(&m, 0x2100, a->id, e->id, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "192.0.2.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "192.0.2.2", -1, 0, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 256, 0xaa);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 0xee);
	mb_natt(&m, UDP_ENCAP_ESPINUDP, 4500, 4501);
	REQUIRE_EQ(mb_send(&c, &m), 0);
	CHECK_EQ(cap_errno(&c), -1);
	CHECK_EQ(system("$IP xfrm state | grep -q 'encap type espinudp sport 4500 dport 4501'"), 0);
	/* IPv6, tunnel mode, a reqid (SA2), an AEAD */
	cap_clear(&c);
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 14);
	mb_sa(&m, 0x2200, 0, SADB_X_EALG_AES_GCM_ICV16, 32);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "2001:db8::1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "2001:db8::2", -1, 0, 0);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 288, 0xee);
	mb_sa2(&m, IPSEC_MODE_TUNNEL, 5);
	REQUIRE_EQ(mb_send(&c, &m), 0);
	CHECK_EQ(cap_errno(&c), -1);
	CHECK_EQ(system("$IP xfrm state get src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x2200 "
			"| grep -q 'reqid 5 mode tunnel'"), 0);
	CHECK_EQ(system("$IP xfrm state get src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x2200 "
			"| grep -q 'aead rfc4106(gcm(aes)) 0x[e]* 128'"), 0);
	cap_close(&c);
	pfkm_net_destroy(net);
}

/* ADD of spi from 192.0.2.1 to 192.0.2.2 (enc_bits 0: no key, malformed) */
static void add_msg(struct mb *m, uint32_t seq, uint32_t spi, unsigned int enc_bits)
{
	mb_hdr(m, SADB_ADD, SADB_SATYPE_ESP, seq);
	mb_sa(m, spi, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 4);
	mb_addr(m, SADB_EXT_ADDRESS_SRC, "192.0.2.1", -1, 0, 0);
	mb_addr(m, SADB_EXT_ADDRESS_DST, "192.0.2.2", -1, 0, 0);
	mb_key(m, SADB_EXT_KEY_AUTH, 160, 0xaa);
	if (enc_bits)
		mb_key(m, SADB_EXT_KEY_ENCRYPT, enc_bits, 0xee);
	m->h.sadb_msg_len = (uint16_t)(m->len / 8);
}

TEST(nlvm_pipelined_adds_answer_in_order)
{
	enum { N = 150, DUP = 70, BAD = 100 };
	static struct mb m[N];
	static struct pfkm_msgv v[N];
	struct pfkm_net *net = net_open();
	struct xfrm_store_nl_stats st;
	struct cap c, b;
	unsigned int i, j, added = 0;
	char cmd[160];

	REQUIRE(net);
	REQUIRE(made->ops->sa_add_many);
	cap_open(net, &c);
	cap_open(net, &b);
	for (i = 0; i < N; i++) {
		/* the DUPth repeats the 10th SA's SPI: EEXIST from the kernel */
		add_msg(&m[i], 1000 + i, i == DUP ? 0x5000 + 10 : 0x5000 + i, i == BAD ? 0 : 128);
		v[i].msg = m[i].b;
		v[i].len = m[i].len;
	}
	REQUIRE_EQ(pfkm_sock_send_many(c.sk, v, N), N);
	REQUIRE_EQ(c.n, N);
	for (i = 0; i < N; i++) {
		const struct sadb_msg *h = cap_hdr(&c, i);

		CHECK_EQ(h->sadb_msg_seq, 1000 + i);
		CHECK_EQ(h->sadb_msg_type, SADB_ADD);
		if (i == DUP)
			CHECK_EQ(h->sadb_msg_errno, EEXIST);
		else if (i == BAD)
			CHECK_EQ(h->sadb_msg_errno, EINVAL);
		else
			CHECK(h->sadb_msg_errno == 0 && h->sadb_msg_len > 2 && ++added);
	}
	CHECK_EQ(added, N - 2);
	/* every other socket had each SA's ADD, in order: the kernel dropped
	 * its echoes (the event socket's filter), the store told them itself */
	REQUIRE_EQ(b.n, N - 2);
	for (i = 0, j = 0; i < N; i++) {
		const struct sadb_msg *h;

		if (i == DUP || i == BAD)
			continue;
		h = cap_hdr(&b, j++);
		CHECK_EQ(h->sadb_msg_seq, 1000 + i);
		CHECK(h->sadb_msg_type == SADB_ADD && h->sadb_msg_errno == 0);
	}
	xfrm_store_nl_stats(made, &st);
	CHECK_EQ(st.echoes, 0);
	snprintf(cmd, sizeof(cmd), "test \"$($IP xfrm state count | sed -n 's/.*count \\([0-9]*\\).*/\\1/p')\" = %u",
		 (unsigned int)(N - 2));
	CHECK_EQ(system(cmd), 0);
	/* our own notifications were consumed in place, none comes again */
	cap_clear(&c);
	cap_clear(&b);
	CHECK_EQ(events(200), 0);
	CHECK_EQ(c.n, 0);
	CHECK_EQ(b.n, 0);
	xfrm_store_nl_stats(made, &st);
	CHECK_EQ(st.echoes, 0);
	cap_close(&b);
	cap_close(&c);
	REQUIRE_EQ(system("$IP xfrm state flush"), 0);
	pfkm_net_destroy(net);
}

struct walked {
	unsigned int n, pause_at, offered;
	uint32_t spis[8];
	uint8_t protos[8];
};

static int walk_sa_cb(void *arg, const struct pfkm_sa *x)
{
	struct walked *w = arg;

	w->offered++;
	if (w->pause_at && w->n == w->pause_at - 1) {
		w->pause_at = 0;	/* pause once: this entry comes again */
		return 1;
	}
	if (w->n < 8) {
		w->spis[w->n] = ntohl(x->spi);
		w->protos[w->n] = x->proto;
	}
	w->n++;
	return 0;
}

static int walk_pol_cb(void *arg, const struct pfkm_policy *p)
{
	struct walked *w = arg;

	(void)p;
	w->n++;
	return 0;
}

TEST(nlvm_store_walks_filter_and_pause)
{
	struct pfkm_net *net = net_open();
	struct pfkm_store_walk w = { .what = PFKM_WALK_SA, .proto = IPPROTO_ESP };
	struct walked got = { .pause_at = 2 };
	unsigned int i;

	REQUIRE(net);
	REQUIRE_EQ(system("for s in 0x4001 0x4002 0x4003; do $IP xfrm state add src 192.0.2.1 "
			  "dst 192.0.2.2 proto esp spi $s enc 'cbc(aes)' "
			  "0x00112233445566778899aabbccddeeff || exit 1; done && "
			  "$IP xfrm state add src 192.0.2.1 dst 192.0.2.2 proto ah spi 0x4004 "
			  "auth-trunc 'hmac(sha1)' 0x00112233445566778899aabbccddeeff00112233 96 && "
			  "$IP xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir out "
			  "tmpl proto esp mode transport && "
			  "$IP xfrm policy add src 10.2.0.0/16 dst 10.1.0.0/16 dir in "
			  "tmpl proto esp mode transport"), 0);
	/* paused on the second ESP SA: the walk returns 1, then goes on */
	CHECK_EQ(made->ops->sa_walk(made, &w, walk_sa_cb, &got), 1);
	CHECK_EQ(got.n, 1);
	CHECK(w.started);
	CHECK_EQ(made->ops->sa_walk(made, &w, walk_sa_cb, &got), 0);
	CHECK(!w.started && !w.priv);
	CHECK_EQ(got.n, 3);
	CHECK_EQ(got.offered, 4);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(got.protos[i], IPPROTO_ESP);
		CHECK(got.spis[i] >= 0x4001 && got.spis[i] <= 0x4003);
	}
	CHECK(got.spis[0] != got.spis[1] && got.spis[1] != got.spis[2] &&
	      got.spis[0] != got.spis[2]);
	/* every protocol */
	memset(&got, 0, sizeof(got));
	w = (struct pfkm_store_walk){ .what = PFKM_WALK_SA, .proto = IPSEC_PROTO_ANY };
	CHECK_EQ(made->ops->sa_walk(made, &w, walk_sa_cb, &got), 0);
	CHECK_EQ(got.n, 4);
	/* policies, through the same walk */
	memset(&got, 0, sizeof(got));
	w = (struct pfkm_store_walk){ .what = PFKM_WALK_POL };
	CHECK_EQ(made->ops->pol_walk(made, &w, walk_pol_cb, &got), 0);
	CHECK_EQ(got.n, 2);
	CHECK(!w.started && !w.priv);
	REQUIRE_EQ(system("$IP xfrm state flush; $IP xfrm policy flush"), 0);
	pfkm_net_destroy(net);
}

TEST(nlvm_ip_xfrm_add_is_broadcast)
{
	struct pfkm_net *net = net_open();
	const struct sadb_sa *s;
	struct pfkm_exts x;
	struct cap c;
	int i;

	REQUIRE(net);
	cap_open(net, &c);
	REQUIRE_EQ(system("$IP xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x3000 "
			  "enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff "
			  "auth-trunc 'hmac(sha1)' 0x00112233445566778899aabbccddeeff00112233 96"), 0);
	for (i = 0; i < 10 && !c.n; i++)
		events(100);
	REQUIRE_EQ(c.n, 1);
	REQUIRE_EQ(cap_exts(&c, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_ADD);
	CHECK_EQ(x.msg->sadb_msg_satype, SADB_SATYPE_ESP);
	s = PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa);
	CHECK(s && s->sadb_sa_spi == htonl(0x3000) && s->sadb_sa_encrypt == SADB_X_EALG_AESCBC &&
	      s->sadb_sa_auth == SADB_AALG_SHA1HMAC);
	cap_clear(&c);
	REQUIRE_EQ(system("$IP xfrm state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x3000"), 0);
	for (i = 0; i < 10 && !c.n; i++)
		events(100);
	REQUIRE_EQ(c.n, 1);
	CHECK_EQ(cap_hdr(&c, 0)->sadb_msg_type, SADB_DELETE);
	cap_close(&c);
	pfkm_net_destroy(net);
}

TEST(nlvm_kernel_acquire_and_expire)
{
	struct pfkm_net *net = net_open();
	struct sadb_x_policy *p;
	struct pfkm_exts x;
	struct cap c, reg;
	unsigned int i, soft = 0, hard = 0, acq = 0;
	uint32_t acq_seq = 0;
	struct mb m;

	REQUIRE(net);
	cap_open(net, &c);
	cap_open(net, &reg);
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	REQUIRE_EQ(mb_send(&reg, &m), 0);
	cap_clear(&reg);
	REQUIRE_EQ(system("$IP link add nv0 type veth peer name nv1 && $IP addr add 10.99.0.1/24 dev nv0 "
			  "&& $IP link set nv0 up && $IP link set nv1 up"), 0);
	mb_hdr(&m, SADB_X_SPDADD, 0, 2);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.99.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.99.0.2", 32, IPSEC_PROTO_ANY, 0);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, p, IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0, NULL, NULL);
	REQUIRE_EQ(mb_send(&c, &m), 0);
	REQUIRE_EQ(cap_errno(&c), -1);
	cap_clear(&reg);
	/* a packet without an SA: the kernel asks its key managers */
	CHECK(system("ping -c 1 -W 1 10.99.0.2 >/dev/null 2>&1") != 0);
	for (i = 0; i < 20 && !acq; i++) {
		size_t k;

		events(100);
		for (k = 0; k < reg.n; k++)
			acq += cap_hdr(&reg, k)->sadb_msg_type == SADB_ACQUIRE;
	}
	CHECK_EQ(acq, 1);
	for (i = 0; i < reg.n; i++) {
		if (cap_hdr(&reg, i)->sadb_msg_type != SADB_ACQUIRE)
			continue;
		REQUIRE_EQ(cap_exts(&reg, i, &x), 0);
		CHECK(x.msg->sadb_msg_seq != 0);
		CHECK(x.ext[SADB_EXT_ADDRESS_SRC] && x.ext[SADB_EXT_ADDRESS_DST] &&
		      x.ext[SADB_X_EXT_POLICY] && x.ext[SADB_EXT_PROPOSAL]);
		acq_seq = x.msg->sadb_msg_seq;
	}
	/* the key manager's answer: GETSPI with the ACQUIRE's seq takes the
	 * kernel's larval SA (ALLOCSPI by seq), UPDATE makes it mature */
	REQUIRE(acq_seq);
	cap_clear(&c);
	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, acq_seq);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.99.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.99.0.2", -1, 0, 0);
	mb_spirange(&m, 0x7000, 0x7000);
	REQUIRE_EQ(mb_send(&c, &m), 0);
	REQUIRE_EQ(c.n, 1);
	REQUIRE_EQ(cap_exts(&c, 0, &x), 0);
	REQUIRE(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa));
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_spi, htonl(0x7000));
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_state, SADB_SASTATE_LARVAL);
	CHECK_EQ(system("$IP xfrm state | grep -c 'spi 0x00007000' | grep -qx 1"), 0);
	cap_clear(&c);
	mb_hdr(&m, SADB_UPDATE, SADB_SATYPE_ESP, acq_seq);
	mb_sa(&m, 0x7000, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 32);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.99.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.99.0.2", -1, 0, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 0xaa);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 0xee);
	REQUIRE_EQ(mb_send(&c, &m), 0);
	REQUIRE_EQ(c.n, 1);
	REQUIRE_EQ(cap_exts(&c, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_UPDATE);
	CHECK_EQ(x.msg->sadb_msg_errno, 0);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_state, SADB_SASTATE_MATURE);
	CHECK_EQ(system("$IP xfrm state | grep -q 'enc cbc(aes) 0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'"), 0);
	CHECK_EQ(system("$IP xfrm state | grep -c 'spi 0x00007000' | grep -qx 1"), 0);
	/* EXPIRE: soft after 1 s, hard after 2 s, from the kernel's timers */
	cap_clear(&c);
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 3);
	mb_sa(&m, 0x5000, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "192.0.2.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "192.0.2.2", -1, 0, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 0, 2, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 0, 1, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 0xaa);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 0xee);
	REQUIRE_EQ(mb_send(&c, &m), 0);
	REQUIRE_EQ(cap_errno(&c), -1);
	cap_clear(&c);
	cap_clear(&reg);
	/* EXPIRE goes to registered sockets (af_key's BROADCAST_REGISTERED) */
	for (i = 0; i < 60 && !hard; i++) {
		size_t k;

		events(100);
		soft = hard = 0;
		for (k = 0; k < reg.n; k++) {
			if (cap_hdr(&reg, k)->sadb_msg_type != SADB_EXPIRE)
				continue;
			REQUIRE_EQ(cap_exts(&reg, k, &x), 0);
			if (x.ext[SADB_EXT_LIFETIME_HARD]) {
				hard++;
			} else {
				const struct sadb_sa *s = PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa);

				/* the store read the algorithms back for it */
				CHECK(s && s->sadb_sa_state == SADB_SASTATE_DYING &&
				      s->sadb_sa_auth == SADB_AALG_SHA1HMAC &&
				      s->sadb_sa_encrypt == SADB_X_EALG_AESCBC);
				soft++;
			}
		}
	}
	CHECK_EQ(soft, 1);
	CHECK_EQ(hard, 1);
	CHECK_EQ(c.n, 0);
	CHECK_EQ(system("$IP xfrm state | grep -q 'spi 0x00005000'"), 256);
	system("$IP link del nv0");
	cap_close(&reg);
	cap_close(&c);
	pfkm_net_destroy(net);
}

/* Print one notification as "VEC name hex" (for tests/unit/test_xfrm.h). */
static bool capture(struct xfrm_nl *nl, uint16_t type, const char *name, unsigned int ms)
{
	unsigned int i;

	for (i = 0; i < ms / 50; i++) {
		const struct nlmsghdr *nlh;
		ssize_t n = xfrm_nl_recv(nl);
		int len;

		if (n <= 0) {
			usleep(50000);
			continue;
		}
		len = (int)n;
		for (nlh = (const void *)nl->buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			uint32_t k;

			if (nlh->nlmsg_type != type)
				continue;
			printf("VEC %s ", name);
			for (k = 0; k < nlh->nlmsg_len; k++)
				printf("%02x", ((const uint8_t *)nlh)[k]);
			printf("\n");
			return true;
		}
	}
	return false;
}

/*
 * The kernel's own messages for SAs, which the host kernel cannot make:
 * NEWSA of an AEAD SA with ESP-in-UDP and a 64-packet window, NEWSA of
 * AES-CBC + HMAC-SHA-256/128, a soft EXPIRE, an ACQUIRE. Printed for the
 * unit vectors; each must arrive.
 */
TEST(nlvm_capture_kernel_messages)
{
	struct xfrm_nl nl;

	REQUIRE_EQ(system("$IP xfrm state flush; $IP xfrm policy flush"), 0);
	REQUIRE_EQ(xfrm_nl_open(&nl, xfrm_ev_groups(XFRM_STORE_NL_EV_ALL), true), 0);
	REQUIRE_EQ(system("$IP xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x6000 "
			  "reqid 4 mode tunnel replay-window 64 aead 'rfc4106(gcm(aes))' "
			  "0x00112233445566778899aabbccddeeff01020304 128 "
			  "encap espinudp 4500 4500 0.0.0.0"), 0);
	CHECK(capture(&nl, XFRM_MSG_NEWSA, "NEWSA_GCM_NATT", 2000));
	REQUIRE_EQ(system("$IP xfrm state add src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x6001 "
			  "mode transport enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff "
			  "auth-trunc 'hmac(sha256)' "
			  "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128 "
			  "limit time-soft 1 limit time-hard 30"), 0);
	CHECK(capture(&nl, XFRM_MSG_NEWSA, "NEWSA_V6_CBC_SHA256", 2000));
	CHECK(capture(&nl, XFRM_MSG_EXPIRE, "EXPIRE_SOFT_V6", 4000));
	REQUIRE_EQ(system("$IP link add nc0 type veth peer name nc1 && $IP addr add 10.98.0.1/24 dev nc0 "
			  "&& $IP link set nc0 up && $IP link set nc1 up && "
			  "$IP xfrm policy add src 10.98.0.1/32 dst 10.98.0.2/32 proto 1 dir out "
			  "priority 7 tmpl dst 198.51.100.2 src 198.51.100.1 proto esp reqid 12 mode tunnel"), 0);
	CHECK(capture(&nl, XFRM_MSG_NEWPOLICY, "NEWPOLICY_ICMP", 2000));
	CHECK(system("ping -c 1 -W 1 10.98.0.2 >/dev/null 2>&1") != 0);
	CHECK(capture(&nl, XFRM_MSG_ACQUIRE, "ACQUIRE_TUNNEL", 3000));
	CHECK(system("$IP link del nc0; $IP xfrm state flush; $IP xfrm policy flush") == 0);
	xfrm_nl_close(&nl);
}
