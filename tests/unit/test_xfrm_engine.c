// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_xfrm_engine.c: the PF_KEY engine (kmod/core) on the XFRM netlink
 * store, against this host's kernel in a private network namespace: PF_KEY
 * messages in, the kernel's xfrm changed, PF_KEY replies and broadcasts
 * out, and `ip xfrm`'s changes broadcast to PF_KEY sockets. SA traffic
 * needs ESP in the kernel: tests/vm/nl-*.sh.
 */
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test_core.h"
#include "test_xfrm.h"
#include "../../src/xfrm/store_nl.h"

static unsigned int fails;

#define XCHECK(e) do { if (!(e)) { unit_fail(__FILE__, __LINE__, #e); fails++; } } while (0)
#define XREQUIRE(e) do { if (!(e)) { unit_fail(__FILE__, __LINE__, #e); fails++; return; } } while (0)

/* How a host keeps the store to poll its events: wrap the constructor. */
static struct pfkm_store *made;

static int make(const struct pfkm_store_cb *cb, void *arg, struct pfkm_store **out)
{
	int ret = xfrm_store_nl_create(cb, arg, out);

	made = ret ? NULL : *out;
	return ret;
}

static int spdadd(struct cap *c, uint8_t type, uint8_t dir, const char *src, uint32_t seq)
{
	struct sadb_x_policy *p;
	struct mb m;

	mb_hdr(&m, type, 0, seq);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, src, 24, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.1.0.0", 16, IPSEC_PROTO_ANY, 0);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, dir, 0, 0);
	mb_ipsecreq(&m, p, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_UNIQUE, 0,
		    "192.0.2.1", "192.0.2.2");
	return mb_send(c, &m);
}

static void engine(void)
{
	struct pfkm_exts x;
	struct pfkm_net *net = NULL;
	const struct sadb_x_policy *xp;
	struct sadb_x_policy *pp;
	const struct sadb_sa *sa;
	struct cap a, b;
	uint32_t id;
	struct mb m;
	size_t i;

	XREQUIRE(pfkm_net_create_on(make, NULL, &net) == 0 && made);
	cap_open(net, &a);
	cap_open(net, &b);

	/* SPDADD: the sender and everyone get it, with the kernel's index */
	XREQUIRE(spdadd(&a, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.0", 21) == 0);
	XREQUIRE(a.n == 1 && b.n == 1);
	XREQUIRE(cap_exts(&b, 0, &x) == 0);
	XCHECK(x.msg->sadb_msg_type == SADB_X_SPDADD && x.msg->sadb_msg_seq == 21 &&
	       x.msg->sadb_msg_errno == 0);
	/* af_key's refcount: creator + table (+ the policy timer's, while the
	 * policy is under a second old: a loaded host can be past it) */
	XCHECK(x.msg->sadb_msg_reserved == 2 || x.msg->sadb_msg_reserved == 3);
	xp = PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy);
	XREQUIRE(xp);
	id = xp->sadb_x_policy_id;
	XCHECK(id && pfkm_spd_id2dir(id) == IPSEC_DIR_OUTBOUND);
	/* the same again: EEXIST from the kernel, to the sender only */
	cap_clear(&a);
	cap_clear(&b);
	XCHECK(spdadd(&a, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.0", 22) == 0);
	XCHECK(cap_errno(&a) == EEXIST && b.n == 0);
	/* ip xfrm's policy reaches PF_KEY sockets once the host reads the
	 * store's events */
	cap_clear(&a);
	XREQUIRE(system("ip xfrm policy add src 10.5.0.0/16 dst 10.6.0.0/16 dir fwd") == 0);
	XCHECK(a.n == 0);
	XCHECK(xfrm_store_nl_monitor_read(made) == 1);
	XREQUIRE(a.n == 1 && b.n == 1);
	XREQUIRE(cap_exts(&a, 0, &x) == 0);
	XCHECK(x.msg->sadb_msg_type == SADB_X_SPDADD && x.msg->sadb_msg_pid == 0);
	xp = PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy);
	XCHECK(xp && xp->sadb_x_policy_dir == IPSEC_DIR_FWD &&
	       xp->sadb_x_policy_type == IPSEC_POLICY_NONE);
	/* SPDDUMP: both, newest first */
	cap_clear(&a);
	mb_hdr(&m, SADB_X_SPDDUMP, 0, 30);
	XCHECK(mb_send(&a, &m) == 0);
	XREQUIRE(a.n == 2);
	XREQUIRE(cap_exts(&a, 1, &x) == 0);
	xp = PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy);
	XCHECK(xp && xp->sadb_x_policy_id == id);
	XCHECK(cap_hdr(&a, 0)->sadb_msg_seq == 1 && cap_hdr(&a, 1)->sadb_msg_seq == 0);
	/* SPDGET by id */
	cap_clear(&a);
	mb_hdr(&m, SADB_X_SPDGET, 0, 31);
	mb_policy(&m, 0, 0, id, 0);
	XCHECK(mb_send(&a, &m) == 0);
	XCHECK(a.n == 1 && cap_hdr(&a, 0)->sadb_msg_errno == 0 &&
	       cap_hdr(&a, 0)->sadb_msg_type == SADB_X_SPDGET);
	/* lookup + table (+ the timer while the policy is under a second old) */
	XCHECK(cap_hdr(&a, 0)->sadb_msg_reserved == 2 || cap_hdr(&a, 0)->sadb_msg_reserved == 3);
	/* GETSPI: a larval SA in the kernel, its SPI in the range asked */
	cap_clear(&a);
	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 40);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "192.0.2.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "192.0.2.2", -1, 0, 0);
	mb_spirange(&m, 0x2000, 0x2fff);
	XCHECK(mb_send(&a, &m) == 0);
	XREQUIRE(a.n == 1 && cap_exts(&a, 0, &x) == 0);
	sa = PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa);
	XREQUIRE(sa);
	XCHECK(ntohl(sa->sadb_sa_spi) >= 0x2000 && ntohl(sa->sadb_sa_spi) <= 0x2fff);
	XCHECK(sa->sadb_sa_state == SADB_SASTATE_LARVAL);
	XCHECK(system("ip xfrm state | grep -q 'proto esp spi 0x00002'") == 0);
	/* DUMP shows it */
	cap_clear(&a);
	mb_hdr(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 41);
	XCHECK(mb_send(&a, &m) == 0);
	XCHECK(a.n == 1 && cap_hdr(&a, 0)->sadb_msg_type == SADB_DUMP &&
	       cap_hdr(&a, 0)->sadb_msg_errno == 0);
	/* FLUSH: the sender's answer, then everyone's SADB_FLUSH */
	cap_clear(&a);
	cap_clear(&b);
	mb_hdr(&m, SADB_FLUSH, SADB_SATYPE_UNSPEC, 42);
	XCHECK(mb_send(&a, &m) == 0);
	XCHECK(b.n == 1 && cap_hdr(&b, 0)->sadb_msg_type == SADB_FLUSH);
	XCHECK(system("test -z \"$(ip xfrm state)\"") == 0);
	/* SPDFLUSH */
	cap_clear(&b);
	mb_hdr(&m, SADB_X_SPDFLUSH, 0, 43);
	XCHECK(mb_send(&a, &m) == 0);
	XCHECK(b.n == 1 && cap_hdr(&b, 0)->sadb_msg_type == SADB_X_SPDFLUSH);
	XCHECK(system("test -z \"$(ip xfrm policy)\"") == 0);
	/* X_MIGRATE: the kernel moves the policy's template (xfrm_migrate)
	 * and announces it; everyone gets the one MIGRATE */
	mb_hdr(&m, SADB_X_SPDADD, 0, 50);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 16, 255, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.2.0.0", 16, 255, 0);
	pp = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, pp, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_UNIQUE, 100,
		    "192.168.1.1", "192.168.1.2");
	XCHECK(mb_send(&a, &m) == 0);
	XCHECK(cap_errno(&a) == -1);
	cap_clear(&a);
	cap_clear(&b);
	mb_migrate(&m, "192.168.1.1", "192.168.1.2", "192.168.9.1", "192.168.9.2", 100);
	XCHECK(mb_send(&a, &m) == 0);
	XCHECK(a.n == 1 && cap_hdr(&a, 0)->sadb_msg_type == SADB_X_MIGRATE &&
	       cap_hdr(&a, 0)->sadb_msg_errno == 0);
	XCHECK(b.n == 1 && cap_hdr(&b, 0)->sadb_msg_type == SADB_X_MIGRATE);
	XCHECK(system("ip xfrm policy | grep -q 'tmpl src 192.168.9.1 dst 192.168.9.2'") == 0);
	/* without such a policy: ENOENT */
	cap_clear(&a);
	mb_hdr(&m, SADB_X_MIGRATE, 0, 9);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.7.0.0", 16, 255, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.2.0.0", 16, 255, 0);
	pp = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, pp, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_UNIQUE, 100,
		    "192.168.1.1", "192.168.1.2");
	mb_ipsecreq(&m, pp, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_UNIQUE, 100,
		    "192.168.9.1", "192.168.9.2");
	XCHECK(mb_send(&a, &m) == 0);
	XCHECK(cap_errno(&a) == ENOENT);
	XCHECK(system("ip xfrm policy flush") == 0);
	XCHECK(xfrm_store_nl_monitor_read(made) == 1);	/* ip's SPDFLUSH */
	/* our own changes are not reported twice */
	cap_clear(&a);
	XCHECK(xfrm_store_nl_monitor_read(made) == 0);
	XCHECK(a.n == 0);
	for (i = 0; i < 2; i++)
		cap_close(i ? &b : &a);
	pfkm_net_destroy(net);
}

TEST(xfrm_engine_on_netlink_store)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(77);
		engine();
		fflush(stdout);
		_exit(fails ? 1 : 0);
	}
	REQUIRE(waitpid(pid, &st, 0) == pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		printf("    skipped: cannot unshare a network namespace here\n");
		return;
	}
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* One ESP ADD (AES-CBC + HMAC-SHA1) of spi; enc_bits 0: a malformed one
 * (no encryption key: the engine's EINVAL, never sent to the kernel). */
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

/*
 * pfkm_sock_send_many on the netlink store: a run of ADDs is pipelined
 * (sa_add_many) and every answer goes to the right request, in order.
 * This host's kernel has no ESP, so each ADD the kernel sees fails with
 * its errno; the malformed ADD fails in the engine (EINVAL), the GET in
 * between is answered in its place (ESRCH), and a message whose header
 * does not parse ends the batch (sendmmsg's count) without an answer.
 */
static void send_many(void)
{
	static struct mb m[7];
	struct pfkm_msgv v[7];
	struct pfkm_net *net = NULL;
	struct cap a;
	int kerr, i;

	XREQUIRE(pfkm_net_create_on(make, NULL, &net) == 0 && made);
	XREQUIRE(made->ops->sa_add_many);
	cap_open(net, &a);
	/* what the kernel answers one ADD sent alone */
	add_msg(&m[0], 1, 0x100, 128);
	XREQUIRE(pfkm_sock_send(a.sk, m[0].b, m[0].len) == 0);
	kerr = cap_errno(&a);
	XREQUIRE(kerr > 0);
	cap_clear(&a);

	add_msg(&m[0], 11, 0x101, 128);
	add_msg(&m[1], 12, 0x102, 128);
	add_msg(&m[2], 13, 0x103, 0);		/* malformed */
	add_msg(&m[3], 14, 0x104, 128);
	mb_hdr(&m[4], SADB_GET, SADB_SATYPE_ESP, 15);
	mb_sa(&m[4], 0x999, 0, 0, 0);
	mb_addr(&m[4], SADB_EXT_ADDRESS_SRC, "192.0.2.1", -1, 0, 0);
	mb_addr(&m[4], SADB_EXT_ADDRESS_DST, "192.0.2.2", -1, 0, 0);
	m[4].h.sadb_msg_len = (uint16_t)(m[4].len / 8);
	add_msg(&m[5], 16, 0x105, 128);
	add_msg(&m[6], 17, 0x106, 128);
	m[6].h.sadb_msg_version = 1;		/* header fault */
	for (i = 0; i < 7; i++) {
		v[i].msg = m[i].b;
		v[i].len = m[i].len;
	}
	XCHECK(pfkm_sock_send_many(a.sk, v, 7) == 6);
	XREQUIRE(a.n == 6);
	{
		static const int want[6] = { -1, -1, EINVAL, -1, ESRCH, -1 };

		for (i = 0; i < 6; i++) {
			const struct sadb_msg *h = cap_hdr(&a, (size_t)i);

			XCHECK(h->sadb_msg_seq == (uint32_t)(11 + i));
			XCHECK(h->sadb_msg_len == 2);
			XCHECK(h->sadb_msg_errno == (want[i] < 0 ? kerr : want[i]));
		}
	}
	/* the faulty header first: its errno, nothing answered */
	cap_clear(&a);
	XCHECK(pfkm_sock_send_many(a.sk, &v[6], 1) == -EINVAL);
	XCHECK(a.n == 0);
	cap_close(&a);
	pfkm_net_destroy(net);
}

TEST(xfrm_engine_send_many_pipelines_adds)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(77);
		send_many();
		fflush(stdout);
		_exit(fails ? 1 : 0);
	}
	REQUIRE(waitpid(pid, &st, 0) == pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		printf("    skipped: cannot unshare a network namespace here\n");
		return;
	}
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
