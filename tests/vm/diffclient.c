/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * diffclient.c: the differential corpus. Sends one fixed sequence of PF_KEY
 * requests (valid ones and malformed ones, including the patterns behind
 * af_key's CVEs) to whatever owns PF_KEY in the running kernel (Linux af_key
 * or pfkeyv2.ko) and records, per case, every sendmsg() result and every
 * message any of the case's sockets received, as text:
 *
 *   P <pid>                  the client's pid (the comparer masks it)
 *   C <name> [<tag>...]      a case begins; tags: improvement:<what>
 *                            (see diffcmp.c), mask:spi (the case's SPIs
 *                            are kernel-chosen)
 *   S <sock> <ret> <errno>   result of socket()/send() (ret -1: errno set)
 *   R <sock> <hex>           one received message, raw bytes in hex
 *   E                        end of case
 *
 * Each case starts from a fresh set of sockets and empty tables. Every reply
 * and broadcast is queued before send() returns in both implementations, so
 * draining every socket with MSG_DONTWAIT after each request captures them all
 * (continuing dumps are generated inside recvmsg()). tests/vm/diffcmp.c
 * compares two such files.
 *
 *   diffclient            run the whole corpus to stdout
 *   diffclient -l         list case names
 *   diffclient NAME...    run the named cases only
 *   diffclient -s N       leave N SAs and N policies installed (for the
 *                         unload-with-live-state test); exit 0 if all added
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/pfkeyv2.h>
#include <linux/ipsec.h>
#ifdef DIFF_XFRM
#include "diffxfrm.h"	/* /bin/diffxfrm: the same corpus over keysh's xfrm backend */
#endif

#include "../lib/msg.h"

#define NSOCK 4
#define MSGMAX 65536

static int sk[NSOCK];
static uint32_t seq;

/* ---- the request under construction (tests/lib/msg.h) ---------------- */

static struct mb m;

/* Start a request: the next seq, our pid (the comparer masks it). */
static void hdr(uint8_t type, uint8_t satype)
{
	mb_hdr(&m, type, satype, ++seq)->sadb_msg_pid = getpid();
}

/* A key whose bytes tell position and extension type apart in the dumps. */
static void key(uint16_t type, uint16_t bits)
{
	uint8_t k[512];

	for (size_t i = 0; i < (bits + 7u) / 8 && i < sizeof(k); i++)
		k[i] = (uint8_t)(0x11 * (i + 1) + type);
	mb_key_bytes(&m, type, bits, k);
}

/* ---- I/O and recording ----------------------------------------------- */

static void hex(const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		putchar(d[p[i] >> 4]);
		putchar(d[p[i] & 15]);
	}
}

static void drain(void)
{
	static uint8_t rb[MSGMAX];

	for (int i = 0; i < NSOCK; i++) {
		if (sk[i] < 0)
			continue;
		for (;;) {
			ssize_t n = recv(sk[i], rb, sizeof(rb), MSG_DONTWAIT);

			if (n < 0)
				break;
			printf("R %d ", i);
			hex(rb, (size_t)n);
			putchar('\n');
		}
	}
}

static void quiet_drain(void)
{
	static uint8_t rb[MSGMAX];

	for (int i = 0; i < NSOCK; i++)
		while (sk[i] >= 0 && recv(sk[i], rb, sizeof(rb), MSG_DONTWAIT) >= 0)
			;
}

/* load_state(): sendraw() records nothing and counts failed requests. */
static int silent, silent_bad;

static void sendraw(int s, const void *p, size_t n, int flags)
{
	ssize_t r = send(sk[s], p, n, flags);

	if (silent) {
		static uint8_t rb[MSGMAX];

		if (r < 0 || recv(sk[s], rb, sizeof(rb), 0) < 16 ||
		    ((struct sadb_msg *)rb)->sadb_msg_errno)
			silent_bad++;
		quiet_drain();
		return;
	}

	printf("S %d %zd %d\n", s, r, r < 0 ? errno : 0);
	drain();
}

/* Send the built message from socket s, fixing the length first. */
static void tx(int s)
{
	mb_done(&m);
	sendraw(s, m.b, m.len, 0);
}

static void open_socks(void)
{
	for (int i = 0; i < NSOCK; i++) {
		sk[i] = socket(PF_KEY, SOCK_RAW, PF_KEY_V2);
		if (sk[i] < 0) {
			printf("S %d -1 %d\n", i, errno);
			fflush(stdout);
			exit(1);
		}
	}
}

static void close_socks(void)
{
	for (int i = 0; i < NSOCK; i++) {
		if (sk[i] >= 0)
			close(sk[i]);
		sk[i] = -1;
	}
}

/*
 * Fresh sockets and empty tables. Socket 3 registers for ESP so that
 * REGISTERED broadcasts have a target; nothing of the setup is recorded.
 */
static void setup(void)
{
	open_socks();
	hdr(SADB_FLUSH, SADB_SATYPE_UNSPEC);
	mb_done(&m);
	send(sk[0], m.b, m.len, 0);
	hdr(SADB_X_SPDFLUSH, SADB_SATYPE_UNSPEC);
	mb_done(&m);
	send(sk[0], m.b, m.len, 0);
	hdr(SADB_REGISTER, SADB_SATYPE_ESP);
	mb_done(&m);
	send(sk[3], m.b, m.len, 0);
	quiet_drain();
	seq = 0;
}

/* ---- building blocks ------------------------------------------------- */

static void add_esp(uint8_t type, uint32_t spi, const char *s, const char *d)
{
	hdr(type, SADB_SATYPE_ESP);
	mb_sa(&m, spi, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, s, MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, d, MB_FULL, IPSEC_PROTO_ANY, 0);
	key(SADB_EXT_KEY_AUTH, 160);
	key(SADB_EXT_KEY_ENCRYPT, 128);
	tx(0);
}

static void said(uint8_t type, uint8_t satype, uint32_t spi, const char *s, const char *d)
{
	hdr(type, satype);
	mb_sa(&m, spi, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, s, MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, d, MB_FULL, IPSEC_PROTO_ANY, 0);
	tx(0);
}

static void simple(uint8_t type, uint8_t satype, int s)
{
	hdr(type, satype);
	tx(s);
}

static void spd(uint8_t type, uint8_t dir, const char *s, const char *d, uint8_t plen, int tunnel)
{
	struct sadb_x_policy *pol;

	hdr(type, SADB_SATYPE_UNSPEC);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, s, plen, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, d, plen, IPSEC_PROTO_ANY, 0);
	pol = mb_policy(&m, IPSEC_POLICY_IPSEC, dir, 0, 0);
	if (tunnel)
		mb_ipsecreq(&m, pol, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0,
			    "192.0.2.1", "192.0.2.2");
	else
		mb_ipsecreq(&m, pol, IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0,
			    NULL, NULL);
	tx(0);
}

/* ---- the corpus ------------------------------------------------------ */

/* Valid requests */
static void c_register(void)
{
	simple(SADB_REGISTER, SADB_SATYPE_AH, 1);
	simple(SADB_REGISTER, SADB_SATYPE_ESP, 1);
	simple(SADB_REGISTER, SADB_SATYPE_ESP, 1);	/* EEXIST */
	simple(SADB_REGISTER, SADB_SATYPE_UNSPEC, 2);
	simple(SADB_REGISTER, SADB_SATYPE_MAX + 1, 2);	/* EINVAL */
}

static void c_add_get_delete(void)
{
	add_esp(SADB_ADD, 0x1000, "10.0.0.1", "10.0.0.2");
	add_esp(SADB_ADD, 0x1000, "10.0.0.1", "10.0.0.2");	/* EEXIST */
	said(SADB_GET, SADB_SATYPE_ESP, 0x1000, "10.0.0.1", "10.0.0.2");
	said(SADB_DELETE, SADB_SATYPE_ESP, 0x1000, "10.0.0.1", "10.0.0.2");
	said(SADB_GET, SADB_SATYPE_ESP, 0x1000, "10.0.0.1", "10.0.0.2");	/* ESRCH */
	said(SADB_DELETE, SADB_SATYPE_ESP, 0x1000, "10.0.0.1", "10.0.0.2");
}

static void c_add_v6(void)
{
	add_esp(SADB_ADD, 0x2000, "2001:db8::1", "2001:db8::2");
	said(SADB_GET, SADB_SATYPE_ESP, 0x2000, "2001:db8::1", "2001:db8::2");
}

static void c_update(void)
{
	add_esp(SADB_UPDATE, 0x1001, "10.0.0.1", "10.0.0.2");	/* ESRCH */
	add_esp(SADB_ADD, 0x1001, "10.0.0.1", "10.0.0.2");
	add_esp(SADB_UPDATE, 0x1001, "10.0.0.1", "10.0.0.2");
}

static void c_add_ah(void)
{
	static const uint8_t algs[] = { SADB_AALG_MD5HMAC, SADB_AALG_SHA1HMAC,
					SADB_X_AALG_SHA2_256HMAC, SADB_X_AALG_SHA2_384HMAC,
					SADB_X_AALG_SHA2_512HMAC, SADB_X_AALG_RIPEMD160HMAC,
					SADB_X_AALG_AES_XCBC_MAC };
	static const uint16_t bits[] = { 128, 160, 256, 384, 512, 160, 128 };

	for (unsigned i = 0; i < sizeof(algs); i++) {
		hdr(SADB_ADD, SADB_SATYPE_AH);
		mb_sa(&m, 0x3000 + i, algs[i], 0, 4);
		mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
		key(SADB_EXT_KEY_AUTH, bits[i]);
		tx(0);
	}
	simple(SADB_DUMP, SADB_SATYPE_AH, 0);
}

static void c_add_esp_ciphers(void)
{
	static const uint8_t algs[] = { SADB_EALG_3DESCBC, SADB_X_EALG_AESCBC,
					SADB_X_EALG_AESCTR, SADB_X_EALG_CASTCBC,
					SADB_X_EALG_BLOWFISHCBC, SADB_X_EALG_CAMELLIACBC,
					SADB_X_EALG_SERPENTCBC, SADB_X_EALG_TWOFISHCBC,
					SADB_EALG_NULL };
	static const uint16_t bits[] = { 192, 256, 160, 128, 128, 128, 128, 128, 0 };

	for (unsigned i = 0; i < sizeof(algs); i++) {
		hdr(SADB_ADD, SADB_SATYPE_ESP);
		mb_sa(&m, 0x4000 + i, SADB_X_AALG_SHA2_256HMAC, algs[i], 4);
		mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
		key(SADB_EXT_KEY_AUTH, 256);
		if (bits[i])
			key(SADB_EXT_KEY_ENCRYPT, bits[i]);
		tx(0);
	}
}

static void c_null_enc(void)
{
	/* ESP with NULL encryption needs KEY_ENCRYPT (zero bits, as setkey
	 * sends for -E null); without it af_key answers EINVAL. */
	for (int withkey = 0; withkey < 2; withkey++) {
		hdr(SADB_ADD, SADB_SATYPE_ESP);
		mb_sa(&m, 0x4100 + withkey, SADB_X_AALG_SHA2_256HMAC, SADB_EALG_NULL, 4);
		mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
		key(SADB_EXT_KEY_AUTH, 256);
		if (withkey)
			key(SADB_EXT_KEY_ENCRYPT, 0);
		tx(0);
	}
	/* no authentication either */
	hdr(SADB_ADD, SADB_SATYPE_ESP);
	mb_sa(&m, 0x4102, 0, SADB_EALG_NULL, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
	key(SADB_EXT_KEY_ENCRYPT, 0);
	tx(0);
	said(SADB_GET, SADB_SATYPE_ESP, 0x4101, "10.0.0.1", "10.0.0.2");
}

static void c_add_unloaded_algs(void)
{
	/* SM4 and HMAC-SM3 exist in the uapi but their modules are not in the
	 * test VM: both modules must refuse them (ENOSYS) and leave them out of
	 * REGISTER (cases register*). */
	hdr(SADB_ADD, SADB_SATYPE_ESP);
	mb_sa(&m, 0x4200, SADB_AALG_SHA1HMAC, SADB_X_EALG_SM4CBC, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
	key(SADB_EXT_KEY_AUTH, 160);
	key(SADB_EXT_KEY_ENCRYPT, 128);
	tx(0);
	hdr(SADB_ADD, SADB_SATYPE_AH);
	mb_sa(&m, 0x4201, SADB_X_AALG_SM3_256HMAC, 0, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
	key(SADB_EXT_KEY_AUTH, 256);
	tx(0);
}

static void c_spd_refcnt_timer(void)
{
	/* The policy refcount in sadb_msg_reserved includes the XFRM policy
	 * timer's reference: held for the first second, and for as long as
	 * the policy has a time lifetime. */
	struct sadb_x_policy *pol;

	spd(SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.5.0.0", "10.6.0.0", 16, 0);
	hdr(SADB_X_SPDADD, SADB_SATYPE_UNSPEC);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.7.0.0", 16, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.8.0.0", 16, IPSEC_PROTO_ANY, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 0, 3600, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 0, 3000, 0);
	pol = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, pol, IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0, NULL, NULL);
	tx(0);
	usleep(1500 * 1000);
	simple(SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC, 0);
}

static void c_lifetimes(void)
{
	hdr(SADB_ADD, SADB_SATYPE_ESP);
	mb_sa(&m, 0x5000, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 8);
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 100000, 3600, 600);
	mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 80000, 3000, 500);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
	key(SADB_EXT_KEY_AUTH, 160);
	key(SADB_EXT_KEY_ENCRYPT, 128);
	mb_sa2(&m, IPSEC_MODE_TUNNEL, 42);
	tx(0);
	said(SADB_GET, SADB_SATYPE_ESP, 0x5000, "10.0.0.1", "10.0.0.2");
	/* hard without soft: EINVAL in af_key */
	hdr(SADB_ADD, SADB_SATYPE_ESP);
	mb_sa(&m, 0x5001, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 8);
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 0, 3600, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
	key(SADB_EXT_KEY_AUTH, 160);
	key(SADB_EXT_KEY_ENCRYPT, 128);
	tx(0);
}

static void c_dump_flush(void)
{
	for (uint32_t i = 0; i < 5; i++)
		add_esp(SADB_ADD, 0x6000 + i, "10.0.0.1", "10.0.0.2");
	simple(SADB_DUMP, SADB_SATYPE_ESP, 0);
	simple(SADB_DUMP, SADB_SATYPE_UNSPEC, 1);
	simple(SADB_FLUSH, SADB_SATYPE_ESP, 0);
	simple(SADB_DUMP, SADB_SATYPE_ESP, 0);		/* ENOENT */
	simple(SADB_FLUSH, SADB_SATYPE_UNSPEC, 0);
}

static void c_getspi_range(void)
{
	hdr(SADB_GETSPI, SADB_SATYPE_ESP);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_spirange(&m, 0x7000, 0x7000);
	tx(0);
	/* the same single-SPI range again: taken */
	hdr(SADB_GETSPI, SADB_SATYPE_ESP);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_spirange(&m, 0x7000, 0x7000);
	tx(0);
	/* min > max */
	hdr(SADB_GETSPI, SADB_SATYPE_ESP);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_spirange(&m, 0x7001, 0x7000);
	tx(0);
	/* the larval SA becomes mature by UPDATE */
	add_esp(SADB_UPDATE, 0x7000, "10.0.0.1", "10.0.0.2");
	said(SADB_GET, SADB_SATYPE_ESP, 0x7000, "10.0.0.1", "10.0.0.2");
}

static void c_getspi_random(void)
{
	hdr(SADB_GETSPI, SADB_SATYPE_ESP);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_sa2(&m, IPSEC_MODE_TRANSPORT, 7);
	tx(0);
	simple(SADB_DUMP, SADB_SATYPE_ESP, 0);
}

static void c_spd(void)
{
	spd(SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.1.0.0", "10.2.0.0", 16, 1);
	spd(SADB_X_SPDADD, IPSEC_DIR_INBOUND, "10.2.0.0", "10.1.0.0", 16, 1);
	spd(SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.1.0.0", "10.2.0.0", 16, 1); /* EEXIST */
	spd(SADB_X_SPDUPDATE, IPSEC_DIR_OUTBOUND, "10.1.0.0", "10.2.0.0", 16, 0);
	spd(SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "2001:db8:1::", "2001:db8:2::", 48, 0);
	simple(SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC, 0);
	spd(SADB_X_SPDDELETE, IPSEC_DIR_INBOUND, "10.2.0.0", "10.1.0.0", 16, 1);
	spd(SADB_X_SPDDELETE, IPSEC_DIR_INBOUND, "10.2.0.0", "10.1.0.0", 16, 1); /* ENOENT */
	simple(SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC, 0);
	simple(SADB_X_SPDFLUSH, SADB_SATYPE_UNSPEC, 0);
	simple(SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC, 0);
}

static void c_spdget(void)
{
	/* Policy ids are assigned by the kernel; af_key's first out policy in
	 * a fresh net namespace is deterministic, so ask for it by id. */
	spd(SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.3.0.0", "10.4.0.0", 16, 0);
	for (uint32_t id = 1; id < 64; id++) {
		hdr(SADB_X_SPDGET, SADB_SATYPE_UNSPEC);
		mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, id, 0);
		mb_done(&m);
		if (send(sk[0], m.b, m.len, 0) < 0)
			continue;
		{
			static uint8_t rb[MSGMAX];
			ssize_t n = recv(sk[0], rb, sizeof(rb), MSG_DONTWAIT);
			struct sadb_msg *r = (struct sadb_msg *)rb;

			if (n >= (ssize_t)sizeof(*r) && r->sadb_msg_errno == 0) {
				printf("F spdget-id-found\n");
				hdr(SADB_X_SPDDELETE2, SADB_SATYPE_UNSPEC);
				mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, id, 0);
				tx(0);
				break;
			}
		}
	}
}

static void c_promisc(void)
{
	simple(SADB_X_PROMISC, 1, 2);
	add_esp(SADB_ADD, 0x8000, "10.0.0.1", "10.0.0.2");
	simple(SADB_X_PROMISC, 0, 2);
	said(SADB_DELETE, SADB_SATYPE_ESP, 0x8000, "10.0.0.1", "10.0.0.2");
}

/* Documented improvements (pfkey.h): expected to differ */
static void c_aead(void)
{
	static const uint8_t algs[] = { SADB_X_EALG_AES_GCM_ICV16, SADB_X_EALG_AES_GCM_ICV8,
					SADB_X_EALG_AES_CCM_ICV16, SADB_X_EALG_NULL_AES_GMAC,
					25 /* keysh: ChaCha20-Poly1305 */ };
	static const uint16_t bits[] = { 160, 160, 152, 160, 288 };

	for (unsigned i = 0; i < sizeof(algs); i++) {
		hdr(SADB_ADD, SADB_SATYPE_ESP);
		mb_sa(&m, 0x9000 + i, SADB_AALG_NONE, algs[i], 4);
		mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
		key(SADB_EXT_KEY_ENCRYPT, bits[i]);
		tx(0);
	}
}

static void c_replay_large(void)
{
	hdr(SADB_ADD, SADB_SATYPE_ESP);
	mb_sa(&m, 0xa000, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 200);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
	key(SADB_EXT_KEY_AUTH, 160);
	key(SADB_EXT_KEY_ENCRYPT, 128);
	tx(0);
	said(SADB_GET, SADB_SATYPE_ESP, 0xa000, "10.0.0.1", "10.0.0.2");
}

/* Malformed: header level (sendmsg fails) */
static void c_hdr_errors(void)
{
	uint8_t small[8] = { PF_KEY_V2, SADB_DUMP };

	sendraw(0, small, sizeof(small), 0);			/* EMSGSIZE */
	hdr(SADB_DUMP, 0);
	m.h.sadb_msg_version = 1;
	tx(0);							/* EINVAL */
	hdr(SADB_DUMP, 0);
	m.h.sadb_msg_reserved = 1;
	tx(0);
	hdr(0, 0);
	tx(0);
	hdr(SADB_MAX + 1, 0);
	tx(0);
	hdr(SADB_DUMP, 0);
	mb_done(&m);
	m.h.sadb_msg_len = 3;
	sendraw(0, m.b, m.len, 0);				/* EMSGSIZE */
	hdr(SADB_DUMP, 0);
	mb_put(&m, 4);
	mb_done(&m);
	sendraw(0, m.b, m.len, 0);				/* not a multiple of 8 */
	hdr(SADB_DUMP, 0);
	tx(0);
	hdr(SADB_DUMP, 0);
	mb_done(&m);
	sendraw(0, m.b, m.len, MSG_OOB);				/* EOPNOTSUPP */
	hdr(SADB_EXPIRE, SADB_SATYPE_ESP);
	tx(0);							/* EOPNOTSUPP msg */
	hdr(SADB_X_PCHANGE, 0);
	tx(0);
	hdr(SADB_X_SPDACQUIRE, 0);
	tx(0);
	hdr(SADB_DUMP, 200);
	tx(0);							/* bad satype */
}

static void c_socket_errors(void)
{
	int s;

	s = socket(PF_KEY, SOCK_DGRAM, PF_KEY_V2);
	printf("S 9 %d %d\n", s, s < 0 ? errno : 0);
	if (s >= 0)
		close(s);
	s = socket(PF_KEY, SOCK_RAW, 1);
	printf("S 9 %d %d\n", s, s < 0 ? errno : 0);
	if (s >= 0)
		close(s);
}

/* Malformed: extension level (error message to the sender) */
static void c_ext_errors(void)
{
	hdr(SADB_GET, SADB_SATYPE_ESP);
	mb_raw(&m, SADB_EXT_SA, 0, 8);				/* len 0 */
	tx(0);
	hdr(SADB_GET, SADB_SATYPE_ESP);
	mb_raw(&m, SADB_EXT_SA, 9, 8);				/* overrun */
	tx(0);
	hdr(SADB_GET, SADB_SATYPE_ESP);
	mb_raw(&m, 0, 1, 8);					/* type 0 */
	tx(0);
	hdr(SADB_GET, SADB_SATYPE_ESP);
	mb_raw(&m, SADB_EXT_SA, 1, 8);				/* shorter than sadb_sa */
	tx(0);
	hdr(SADB_GET, SADB_SATYPE_ESP);				/* duplicate SA */
	mb_sa(&m, 1, 0, 0, 0);
	mb_sa(&m, 1, 0, 0, 0);
	tx(0);
	hdr(SADB_DUMP, SADB_SATYPE_ESP);			/* unknown type: skipped */
	mb_raw(&m, SADB_EXT_MAX + 1, 1, 8);
	tx(0);
	hdr(SADB_GET, SADB_SATYPE_ESP);				/* /33 */
	mb_sa(&m, 1, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 33, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, 0, 0);
	tx(0);
	hdr(SADB_GET, SADB_SATYPE_ESP);				/* /129 */
	mb_sa(&m, 1, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "2001:db8::1", 129, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "2001:db8::2", MB_FULL, 0, 0);
	tx(0);
	hdr(SADB_GET, SADB_SATYPE_ESP);				/* AF_UNIX address */
	mb_sa(&m, 1, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, 0, 0);
	((struct sockaddr *)(m.b + m.len - 16))->sa_family = AF_UNIX;
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, 0, 0);
	tx(0);
	hdr(SADB_GET, SADB_SATYPE_ESP);				/* v4 in a v6-sized ext */
	mb_sa(&m, 1, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "2001:db8::1", MB_FULL, 0, 0);
	((struct sockaddr *)(m.b + m.len - 32))->sa_family = AF_INET;
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, 0, 0);
	tx(0);
	hdr(SADB_GET, SADB_SATYPE_ESP);				/* mixed families */
	mb_sa(&m, 1, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "2001:db8::1", MB_FULL, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, 0, 0);
	tx(0);
	hdr(SADB_GET, SADB_SATYPE_ESP);				/* no SA ext */
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, 0, 0);
	tx(0);
}

static void c_add_errors(void)
{
	/* key bits larger than the key extension */
	hdr(SADB_ADD, SADB_SATYPE_ESP);
	mb_sa(&m, 0xb000, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, 0, 0);
	key(SADB_EXT_KEY_AUTH, 160);
	key(SADB_EXT_KEY_ENCRYPT, 128);
	((struct sadb_key *)(m.b + m.len - 24))->sadb_key_bits = 1024;
	tx(0);
	/* ESP without an encryption key */
	hdr(SADB_ADD, SADB_SATYPE_ESP);
	mb_sa(&m, 0xb001, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, 0, 0);
	key(SADB_EXT_KEY_AUTH, 160);
	tx(0);
	/* AH without an auth key */
	hdr(SADB_ADD, SADB_SATYPE_AH);
	mb_sa(&m, 0xb002, SADB_AALG_SHA1HMAC, 0, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, 0, 0);
	tx(0);
	/* unknown algorithms */
	hdr(SADB_ADD, SADB_SATYPE_ESP);
	mb_sa(&m, 0xb003, 240, SADB_X_EALG_AESCBC, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, 0, 0);
	key(SADB_EXT_KEY_AUTH, 160);
	key(SADB_EXT_KEY_ENCRYPT, 128);
	tx(0);
	hdr(SADB_ADD, SADB_SATYPE_ESP);
	mb_sa(&m, 0xb004, SADB_AALG_SHA1HMAC, 254, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, 0, 0);
	key(SADB_EXT_KEY_AUTH, 160);
	key(SADB_EXT_KEY_ENCRYPT, 128);
	tx(0);
	/* missing destination */
	hdr(SADB_ADD, SADB_SATYPE_ESP);
	mb_sa(&m, 0xb005, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, 0, 0);
	key(SADB_EXT_KEY_AUTH, 160);
	key(SADB_EXT_KEY_ENCRYPT, 128);
	tx(0);
	/* unspecified satype */
	hdr(SADB_ADD, SADB_SATYPE_UNSPEC);
	mb_sa(&m, 0xb006, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, 0, 0);
	key(SADB_EXT_KEY_AUTH, 160);
	key(SADB_EXT_KEY_ENCRYPT, 128);
	tx(0);
	simple(SADB_DUMP, SADB_SATYPE_UNSPEC, 0);		/* nothing got in */
}

static void c_spd_errors(void)
{
	struct sadb_x_policy *pol;

	spd(SADB_X_SPDADD, 0, "10.1.0.0", "10.2.0.0", 16, 0);		/* dir 0 */
	spd(SADB_X_SPDADD, 9, "10.1.0.0", "10.2.0.0", 16, 0);		/* dir 9 */
	hdr(SADB_X_SPDADD, 0);						/* ENTRUST */
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 16, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.2.0.0", 16, IPSEC_PROTO_ANY, 0);
	mb_policy(&m, IPSEC_POLICY_ENTRUST, IPSEC_DIR_OUTBOUND, 0, 0);
	tx(0);
	hdr(SADB_X_SPDADD, 0);						/* 7 templates */
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 16, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.2.0.0", 16, IPSEC_PROTO_ANY, 0);
	pol = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	for (int i = 0; i < 7; i++)
		mb_ipsecreq(&m, pol, IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0,
			    NULL, NULL);
	tx(0);
	hdr(SADB_X_SPDADD, 0);						/* mode 0 */
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 16, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.2.0.0", 16, IPSEC_PROTO_ANY, 0);
	pol = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, pol, IPPROTO_ESP, 0, IPSEC_LEVEL_REQUIRE, 0, NULL, NULL);
	tx(0);
	hdr(SADB_X_SPDADD, 0);						/* request len 200 */
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 16, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.2.0.0", 16, IPSEC_PROTO_ANY, 0);
	pol = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, pol, IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0, NULL, NULL);
	((struct sadb_x_ipsecrequest *)(m.b + m.len - 16))->sadb_x_ipsecrequest_len = 200;
	tx(0);
	hdr(SADB_X_SPDADD, 0);						/* no policy ext */
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 16, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.2.0.0", 16, IPSEC_PROTO_ANY, 0);
	tx(0);
	simple(SADB_X_SPDDUMP, 0, 0);					/* ENOENT */
}

/* The patterns behind af_key CVEs. Byte comparison catches leaks: any
 * uninitialised byte would differ between the two kernels (and between runs). */
static void c_cve_2013_2234_flush_notify(void)
{
	add_esp(SADB_ADD, 0xc000, "10.0.0.1", "10.0.0.2");
	simple(SADB_FLUSH, SADB_SATYPE_ESP, 0);
	simple(SADB_FLUSH, SADB_SATYPE_UNSPEC, 1);
}

static void c_cve_2013_2237_spdflush_notify(void)
{
	spd(SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.1.0.0", "10.2.0.0", 16, 0);
	simple(SADB_X_SPDFLUSH, 0, 0);
	simple(SADB_X_SPDFLUSH, 0, 1);
}

static void c_cve_2021_0605_filter(void)
{
	struct sadb_x_filter *f;

	add_esp(SADB_ADD, 0xc100, "10.0.0.1", "10.0.0.2");
	for (int bad = 0; bad < 3; bad++) {
		hdr(SADB_DUMP, SADB_SATYPE_ESP);
		f = mb_filter(&m, AF_INET, bad == 1 ? 200 : 8, bad == 2 ? 129 : 8);
		f->sadb_x_filter_saddr[0] = htonl(0x0a000000);
		f->sadb_x_filter_daddr[0] = htonl(0x0a000000);
		tx(0);
	}
}

static void c_cve_2022_1353_register(void)
{
	simple(SADB_REGISTER, SADB_SATYPE_AH, 0);
	simple(SADB_REGISTER, SADB_SATYPE_ESP, 0);
	simple(SADB_REGISTER, SADB_X_SATYPE_IPCOMP, 1);
}

static void c_cve_2022_3028_register_race(void)
{
	/* The race needs threads; here: many REGISTERs from many sockets. */
	for (int i = 0; i < 3; i++)
		simple(SADB_REGISTER, SADB_SATYPE_AH, i);
}

static void c_cve_2026_31515_migrate(void)
{
	/* MIGRATE whose old/new templates differ in family. */
	struct sadb_x_policy *pol;
	struct sadb_x_ipsecrequest *r;

	hdr(SADB_X_MIGRATE, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 16, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.2.0.0", 16, IPSEC_PROTO_ANY, 0);
	pol = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, pol, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0, "192.0.2.1",
		    "192.0.2.2");
	mb_ipsecreq(&m, pol, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0, "192.0.2.3",
		    "192.0.2.4");
	r = (struct sadb_x_ipsecrequest *)(m.b + m.len - 48);
	((struct sockaddr *)(r + 1))->sa_family = AF_INET6;
	tx(0);
}

static void c_cve_2026_43088_migrate_v6(void)
{
	/* A successful IPv6 MIGRATE: af_key broadcasts SADB_X_MIGRATE with
	 * sockaddr_in6 in 32-byte slots; the 4 tail bytes must be zero. */
	struct sadb_x_policy *pol;

	hdr(SADB_X_SPDADD, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "2001:db8:1::", 48, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "2001:db8:2::", 48, IPSEC_PROTO_ANY, 0);
	pol = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, pol, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0, "2001:db8::1",
		    "2001:db8::2");
	tx(0);
	hdr(SADB_ADD, SADB_SATYPE_ESP);
	mb_sa(&m, 0xd000, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 4);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "2001:db8::1", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "2001:db8::2", MB_FULL, IPSEC_PROTO_ANY, 0);
	key(SADB_EXT_KEY_AUTH, 160);
	key(SADB_EXT_KEY_ENCRYPT, 128);
	mb_sa2(&m, IPSEC_MODE_TUNNEL, 0);
	tx(0);
	hdr(SADB_X_MIGRATE, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "2001:db8:1::", 48, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "2001:db8:2::", 48, IPSEC_PROTO_ANY, 0);
	pol = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, pol, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0, "2001:db8::1",
		    "2001:db8::2");
	mb_ipsecreq(&m, pol, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0, "2001:db8::3",
		    "2001:db8::4");
	tx(0);
	simple(SADB_DUMP, SADB_SATYPE_ESP, 0);
}

static void c_expire(void)
{
	/* Soft add-time expiry after 1 s, hard after 2 s: registered socket 3
	 * gets SADB_EXPIRE (soft, then hard) and the SA is gone. Exercises
	 * the host's timers (delayed work in pfkeyv2, xfrm's hrtimer in af_key). */
	hdr(SADB_ADD, SADB_SATYPE_ESP);
	mb_sa(&m, 0xe000, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 4);
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 0, 2, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 0, 1, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", MB_FULL, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", MB_FULL, IPSEC_PROTO_ANY, 0);
	key(SADB_EXT_KEY_AUTH, 160);
	key(SADB_EXT_KEY_ENCRYPT, 128);
	tx(0);
	usleep(1500 * 1000);
	drain();
	usleep(1500 * 1000);
	drain();
	said(SADB_GET, SADB_SATYPE_ESP, 0xe000, "10.0.0.1", "10.0.0.2");
}

static void c_dump_resume(void)
{
	/* A dump far larger than the reader's buffer arrives completely:
	 * generation pauses above 2/3 of SO_RCVBUF and resumes in recv(). */
	int small = 2048;

	for (uint32_t i = 0; i < 64; i++)
		add_esp(SADB_ADD, 0xf000 + i, "10.0.0.1", "10.0.0.2");
	setsockopt(sk[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	simple(SADB_DUMP, SADB_SATYPE_ESP, 1);
	simple(SADB_FLUSH, SADB_SATYPE_ESP, 0);
}

static void c_big_message(void)
{
	/* Larger than the socket's send buffer is EMSGSIZE in af_key. */
	int sz = 4096;

	setsockopt(sk[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	mb_hdr(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 0);
	mb_put(&m, MSGMAX - 8 - m.len);
	sendraw(0, m.b, mb_done(&m), 0);
}

/* Install n SAs and n policies; every reply must say errno 0. */
static int load_state(unsigned n)
{
	char a[32], b[32];

	silent = 1;
	open_socks();
	for (unsigned i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "10.%u.%u.1", 100 + i / 250, i % 250);
		snprintf(b, sizeof(b), "10.%u.%u.2", 100 + i / 250, i % 250);
		hdr(SADB_ADD, SADB_SATYPE_ESP);
		mb_sa(&m, 0x10000 + i, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 32);
		mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 0, 3600 + i, 0);
		mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 0, 1800 + i, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_SRC, a, MB_FULL, IPSEC_PROTO_ANY, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_DST, b, MB_FULL, IPSEC_PROTO_ANY, 0);
		key(SADB_EXT_KEY_AUTH, 160);
		key(SADB_EXT_KEY_ENCRYPT, 128);
		tx(0);
		spd(SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, a, b, 32, 0);
	}
	close_socks();
	if (silent_bad)
		fprintf(stderr, "diffclient: %d of %u requests failed\n", silent_bad, 2 * n);
	return silent_bad ? 1 : 0;
}

struct dcase {
	const char *name, *tags;
	void (*fn)(void);
};

static const struct dcase cases[] = {
	{ "register", "improvement:aead-supported", c_register },
	{ "add_get_delete", "", c_add_get_delete },
	{ "add_v6", "", c_add_v6 },
	{ "update", "", c_update },
	{ "add_ah_algs", "", c_add_ah },	/* RFC 4868 ICVs: not on the wire */
	{ "add_esp_ciphers", "", c_add_esp_ciphers },
	{ "null_enc", "", c_null_enc },
	{ "add_unloaded_algs", "", c_add_unloaded_algs },
	{ "spd_refcnt_timer", "", c_spd_refcnt_timer },
	{ "lifetimes", "", c_lifetimes },
	{ "dump_flush", "", c_dump_flush },
	{ "getspi_range", "", c_getspi_range },
	{ "getspi_random", "mask:spi", c_getspi_random },
	{ "spd", "", c_spd },
	{ "spdget", "", c_spdget },
	{ "promisc", "", c_promisc },
	{ "aead", "improvement:aead", c_aead },
	{ "replay_large", "improvement:replay", c_replay_large },
	{ "hdr_errors", "", c_hdr_errors },
	{ "socket_errors", "", c_socket_errors },
	{ "ext_errors", "", c_ext_errors },
	{ "add_errors", "", c_add_errors },
	{ "spd_errors", "", c_spd_errors },
	{ "cve_2013_2234_flush_notify", "", c_cve_2013_2234_flush_notify },
	{ "cve_2013_2237_spdflush_notify", "", c_cve_2013_2237_spdflush_notify },
	{ "cve_2021_0605_filter", "", c_cve_2021_0605_filter },
	{ "cve_2022_1353_register", "improvement:aead-supported", c_cve_2022_1353_register },
	{ "cve_2022_3028_register_race", "improvement:aead-supported",
	  c_cve_2022_3028_register_race },
	{ "cve_2026_31515_migrate", "", c_cve_2026_31515_migrate },
	{ "cve_2026_43088_migrate_v6", "", c_cve_2026_43088_migrate_v6 },
	{ "expire", "", c_expire },
	{ "dump_resume", "", c_dump_resume },
	{ "big_message", "", c_big_message },
};

int main(int argc, char **argv)
{
	for (int i = 0; i < NSOCK; i++)
		sk[i] = -1;
	if (argc > 2 && !strcmp(argv[1], "-s"))
		return load_state((unsigned)atoi(argv[2]));
	if (argc > 1 && !strcmp(argv[1], "-l")) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	printf("P %d\n", (int)getpid());
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int want = argc == 1;

		for (int a = 1; a < argc; a++)
			want |= !strcmp(argv[a], cases[i].name);
		if (!want)
			continue;
		setup();
		printf("C %s %s\n", cases[i].name, cases[i].tags);
		cases[i].fn();
		printf("E\n");
		close_socks();
		fflush(stdout);
	}
	/* leave the tables empty for whoever runs next */
	setup();
	close_socks();
	printf("D\n");
	fflush(stdout);
	return 0;
}
