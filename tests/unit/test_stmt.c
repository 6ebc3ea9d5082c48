// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_stmt.c: the setkey-language parser and validators (src/lib/stmt.c,
 * lex.c, suggest.c): statements to models, exact error positions and
 * messages, key-length rules from the algorithm table, priorities, history
 * redaction.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "unit.h"
#include "stmt.h"

static int parse1(const char *text, struct pfk_stmt *st, struct pfk_err *e)
{
	struct pfk_lex lx;

	memset(e, 0, sizeof(*e));
	pfk_lex_init(&lx, text, strlen(text), 1);
	return pfk_stmt_parse(&lx, st, e);
}

TEST(stmt_add_esp_transport)
{
	struct pfk_stmt st;
	struct pfk_err e;
	struct in_addr a;

	REQUIRE_EQ(parse1("add 10.0.11.41 10.0.11.33 esp 0x10001\n"
			  "\t-m transport -E 3des-cbc \"kamekame12341234kame1234\"\n"
			  "\t-A hmac-md5 \"this is the test\" ;", &st, &e), 1);
	CHECK_EQ(st.cmd, PFK_CMD_ADD);
	CHECK_EQ(st.sa.satype, PFK_SATYPE_ESP);
	CHECK_EQ(st.sa.spi, 0x10001);
	CHECK_EQ(st.sa.mode, PFK_MODE_TRANSPORT);
	CHECK_EQ(st.sa.enc_alg, SADB_EALG_3DESCBC);
	CHECK_EQ(st.sa.enc_key.bits, 192);
	CHECK_MEM(st.sa.enc_key.data, "kamekame12341234kame1234", 24);
	CHECK_EQ(st.sa.auth_alg, SADB_AALG_MD5HMAC);
	CHECK_EQ(st.sa.auth_key.bits, 128);
	CHECK_EQ(st.sa.src.family, AF_INET);
	inet_pton(AF_INET, "10.0.11.33", &a);
	CHECK_MEM(&st.sa.dst.a.v4, &a, 4);
	CHECK((st.sa.has & (PFK_SA_HAS_SA | PFK_SA_HAS_SA2 | PFK_SA_HAS_SRC | PFK_SA_HAS_DST |
			    PFK_SA_HAS_ENC_KEY | PFK_SA_HAS_AUTH_KEY)) ==
	      (PFK_SA_HAS_SA | PFK_SA_HAS_SA2 | PFK_SA_HAS_SRC | PFK_SA_HAS_DST |
	       PFK_SA_HAS_ENC_KEY | PFK_SA_HAS_AUTH_KEY));
	pfk_stmt_wipe(&st);
	CHECK_EQ(st.sa.enc_key.data[0], 0);
}

TEST(stmt_add_aead_random_and_extensions)
{
	struct pfk_stmt st;
	struct pfk_err e;

	REQUIRE_EQ(parse1("add -6 fe80::1 fe80::2 esp auto -u 7 -r 64 -lh 100 -bs 2000 "
			  "-E aes-gcm-16 random;", &st, &e), 1);
	CHECK(st.opts & PFK_STMT_SPI_AUTO);
	CHECK(st.opts & PFK_STMT_RANDOM_ENC);
	CHECK_EQ(st.sa.enc_key.bits, 288);
	CHECK_EQ(st.sa.reqid, 7);
	CHECK_EQ(st.sa.replay, 64);
	CHECK_EQ(st.sa.hard.addtime, 100);
	CHECK_EQ(st.sa.soft.bytes, 2000);
	CHECK(st.sa.has & PFK_SA_HAS_HARD);
	CHECK(st.sa.has & PFK_SA_HAS_SOFT);
	CHECK_EQ(st.sa.src.family, AF_INET6);
	REQUIRE_EQ(parse1("add 1.1.1.1 2.2.2.2 esp 0x300 -E aes-cbc random:128;", &st, &e), 1);
	CHECK_EQ(st.sa.enc_key.bits, 128);
}

TEST(stmt_espudp_ports_become_natt)
{
	struct pfk_stmt st;
	struct pfk_err e;

	REQUIRE_EQ(parse1("add 1.1.1.1[4501] 2.2.2.2 esp-udp 0x1000 -E null;", &st, &e), 1);
	CHECK(st.sa.has & PFK_SA_HAS_NATT);
	CHECK_EQ(st.sa.natt_sport, 4501);
	CHECK_EQ(st.sa.natt_dport, 4500);
	CHECK_EQ(st.sa.src.port, 0);
	CHECK_EQ(st.sa.enc_key.bits, 0);
}

TEST(stmt_errors_have_position_and_suggestion)
{
	struct pfk_stmt st;
	struct pfk_err e;

	CHECK_EQ(parse1("add 1.1.1.1 2.2.2.2 esp 0x300\n  -E aes-cbcx 0x00;", &st, &e), -EINVAL);
	CHECK_EQ(e.line, 2);
	CHECK_EQ(e.col, 6);
	CHECK_STR(e.msg, "unknown algorithm 'aes-cbcx'; did you mean 'aes-cbc'?");
	CHECK_EQ(parse1("add 1.1.1.1 2.2.2.2 esp 0x300 -E aes-gcm-16 0x0011;", &st, &e), -EINVAL);
	CHECK_STR(e.msg, "aes-gcm-16 key is 16 bits; it needs 160, 224 or 288 bits (key + 32-bit salt)");
	CHECK_EQ(parse1("spdadd 10.0.0.0/24 10.0.1.0/24 any -P out ipsec esp/tunel//require;",
			&st, &e), -EINVAL);
	CHECK_STR(e.msg, "unknown mode 'tunel' in 'esp/tunel//require'; did you mean 'tunnel'?");
	CHECK_EQ(parse1("dleete 1.1.1.1 2.2.2.2 esp 0x300;", &st, &e), -EINVAL);
	CHECK_STR(e.msg, "unknown command 'dleete'; did you mean 'delete'?");
	CHECK_EQ(parse1("add 1.1.1.1 2.2.2.2 esp 0x10 -E null;", &st, &e), -EINVAL);
	CHECK_STR(e.msg, "SPI '0x10' is reserved (0-255 are reserved, RFC 4303)");
	CHECK_EQ(e.col, 25);
	CHECK_EQ(parse1("add 1.1.1.1 2.2.2.2 esp 0x300 -E aes-gcm-16 random -A hmac-sha1 random;",
			&st, &e), -EINVAL);
	CHECK_STR(e.msg, "'aes-gcm-16' is an AEAD (combined mode); -A is not allowed with it");
	CHECK_EQ(parse1("add 1.1.1.1 2.2.2.2 ah 0x300 -A aes-cbc 0x00;", &st, &e), -EINVAL);
	CHECK_STR(e.msg, "'aes-cbc' is an encryption algorithm, not authentication");
	CHECK_EQ(parse1("add 1.1.1.1 fe80::1 esp 0x300 -E null;", &st, &e), -EINVAL);
	CHECK_STR(e.msg, "add: source and destination are of different address families");
	CHECK_EQ(parse1("get 1.1.1.1 2.2.2.2 esp", &st, &e), -EINVAL);
	CHECK_STR(e.msg, "get: missing SPI (statement not terminated by ';'?)");
	CHECK_EQ(parse1("add 1.1.1.1 2.2.2.2 esp 0x300;", &st, &e), -EINVAL);
	CHECK_STR(e.msg, "add: esp needs an encryption algorithm (-E)");
	CHECK_EQ(parse1("add 1.1.1.1 2.2.2.2 tcp 0x1000 -A tcp-md5 \"k\";", &st, &e), -EINVAL);
	CHECK_STR(e.msg, "protocol 'tcp' (TCP-MD5) is not supported: Linux PF_KEY has no TCP-MD5 SA type");
}

TEST(stmt_policy_priorities_and_requests)
{
	struct pfk_stmt st;
	struct pfk_err e;

	REQUIRE_EQ(parse1("spdadd 10.0.0.0/24[any] 10.0.1.0/24[500] udp -P out prio high + 10 "
			  "ipsec esp/tunnel/192.168.0.1-192.168.1.2/unique:5 ah/transport//require;",
			  &st, &e), 1);
	CHECK_EQ(st.pol.priority, 0x40000000u - 10);
	CHECK_EQ(st.pol.dir, PFK_DIR_OUT);
	CHECK_EQ(st.pol.action, PFK_ACTION_IPSEC);
	CHECK_EQ(st.pol.nreq, 2);
	CHECK_EQ(st.pol.req[0].mode, PFK_MODE_TUNNEL);
	CHECK_EQ(st.pol.req[0].level, PFK_LEVEL_UNIQUE);
	CHECK_EQ(st.pol.req[0].reqid, 5);
	CHECK_EQ(st.pol.req[0].src.family, AF_INET);
	CHECK_EQ(st.pol.req[1].proto, PFK_IPPROTO_AH);
	CHECK_EQ(st.pol.dst.port, 500);
	CHECK_EQ(st.pol.dst.prefixlen, 24);
	CHECK_EQ(st.pol.src.proto, 17);
	REQUIRE_EQ(parse1("spdadd 10.0.0.0/24 10.0.1.0/24 any -P in prio 100 none;", &st, &e), 1);
	CHECK_EQ(st.pol.priority, 0x80000000u - 100);
	REQUIRE_EQ(parse1("spdadd 10.0.0.0/24 10.0.1.0/24 any -P in prio low -3 discard;", &st, &e), 1);
	CHECK_EQ(st.pol.priority, 0xC0000000u + 3);
	REQUIRE_EQ(parse1("spdadd ::/0 ::/0 icmp6 135,0 -P out none;", &st, &e), 1);
	CHECK_EQ(st.pol.src.port, 135);
	CHECK_EQ(st.pol.src.proto, 58);
	CHECK_EQ(parse1("spdadd 10.0.0.0/24 10.0.1.0/24 any -P out discard esp/transport//use;",
			&st, &e), -EINVAL);
	CHECK_STR(e.msg, "requests like 'esp/transport//use' need the action 'ipsec', not 'discard'");
	CHECK_EQ(parse1("spdadd 10.0.0.0/24 10.0.1.0/24 any -P out ipsec esp/tunnel//require;",
			&st, &e), -EINVAL);
	CHECK_STR(e.msg, "tunnel mode needs endpoints: 'esp/tunnel/SRC-DST/...'");
	REQUIRE_EQ(parse1("spddelete 10.0.0.0/24 10.0.1.0/24 any -P out;", &st, &e), 1);
	CHECK_EQ(st.pol.dir, PFK_DIR_OUT);
}

TEST(stmt_validators_alone)
{
	struct pfk_addr a;
	struct pfk_err e;
	struct pfk_policy p;
	uint32_t spi;
	const struct pfkm_alg *alg;
	struct pfk_key k;

	CHECK_EQ(pfk_stmt_addr("10.1.0.0/16[80]", true, 0, &a, &e), 0);
	CHECK_EQ(a.prefixlen, 16);
	CHECK_EQ(a.port, 80);
	CHECK_EQ(pfk_stmt_addr("10.1.0.0/16", false, 0, &a, &e), -EINVAL);
	CHECK_EQ(pfk_stmt_addr("10.1.0.0/33", true, 0, &a, &e), -EINVAL);
	CHECK_EQ(pfk_stmt_addr("10.1.0.1", false, AF_INET6, &a, &e), -EINVAL);
	CHECK_EQ(pfk_stmt_spi("4294967295", PFK_SATYPE_ESP, &spi, &e), 0);
	CHECK_EQ(pfk_stmt_spi("4294967296", PFK_SATYPE_ESP, &spi, &e), -EINVAL);
	CHECK_EQ(pfk_stmt_spi("0x10000", PFK_SATYPE_IPCOMP, &spi, &e), -EINVAL);
	CHECK_EQ(pfk_stmt_alg("rijndael-cbc", PFKM_ALG_ENC, &alg, &e), 0);
	CHECK_STR(alg->name, "aes-cbc");
	CHECK_EQ(pfk_stmt_key(alg, "0x000102030405060708090a0b0c0d0e0f", false, &k, &e), 0);
	CHECK_EQ(k.bits, 128);
	CHECK_EQ(k.data[15], 15);
	CHECK_EQ(pfk_stmt_key(alg, "0x0g", false, &k, &e), -EINVAL);
	CHECK_STR(e.msg, "invalid hex digit in key");
	CHECK_EQ(pfk_stmt_key(alg, "0x000", false, &k, &e), -EINVAL);
	CHECK_EQ(pfk_stmt_policy("out ipsec esp/transport//require", &p, &e), 0);
	CHECK_EQ(p.nreq, 1);
	CHECK_EQ(pfk_stmt_policy("sideways ipsec", &p, &e), -EINVAL);
}

TEST(stmt_parse_all_reports_every_error)
{
	struct pfk_stmt *v;
	struct pfk_err errs[4];
	size_t n;
	const char *text = "flush;\nadd 1.1.1.1 2.2.2.2 esp 0x300 -E nope 0x00;\nspdflush;\n"
			   "dump espp;\ndump esp;\n";

	CHECK_EQ(pfk_stmt_parse_all(text, strlen(text), &v, &n, errs, 4), 2);
	CHECK_EQ(n, 3);
	CHECK_EQ(errs[0].line, 2);
	CHECK_EQ(errs[1].line, 4);
	CHECK_STR(errs[1].msg, "unknown protocol 'espp'; did you mean 'esp'?");
	CHECK_EQ(v[2].cmd, PFK_CMD_DUMP);
	CHECK_EQ(v[2].satype, PFK_SATYPE_ESP);
	pfk_stmt_free_all(v, n);
}

TEST(stmt_lex_complete_and_redact)
{
	char out[256];

	CHECK(!pfk_lex_complete("add 1.1.1.1 # ; comment\n"));
	CHECK(!pfk_lex_complete("add \"a;b"));
	CHECK(pfk_lex_complete("add \"a;b\" ;"));
	pfk_lex_redact("add 1.1.1.1 2.2.2.2 esp 0x300 -E aes-cbc 0x00112233 -A hmac-sha1 \"secret\";",
		       out, sizeof(out));
	CHECK_STR(out, "add 1.1.1.1 2.2.2.2 esp 0x300 -E aes-cbc (hidden) -A hmac-sha1 (hidden);");
	pfk_lex_redact("add 1.1.1.1 2.2.2.2 esp 0x300 -E aes-cbc \"unterminated", out, sizeof(out));
	CHECK_STR(out, "add 1.1.1.1 2.2.2.2 esp 0x300 -E aes-cbc (hidden)");
	/* 0X keys and keys after a quoted algorithm name */
	pfk_lex_redact("add 1.1.1.1 2.2.2.2 esp 0x300 -E aes-cbc 0X00112233445566778899aabbccddeeff;",
		       out, sizeof(out));
	CHECK_STR(out, "add 1.1.1.1 2.2.2.2 esp 0x300 -E aes-cbc (hidden);");
	pfk_lex_redact("add 1.1.1.1 2.2.2.2 esp 0x300 -E \"aes-gcm-16\" 0x0011223344556677"
		       "8899aabbccddeeff00112233 -A \"hmac-sha1\" \"secret\";", out, sizeof(out));
	CHECK_STR(out, "add 1.1.1.1 2.2.2.2 esp 0x300 -E \"aes-gcm-16\" (hidden) -A \"hmac-sha1\" "
		  "(hidden);");
}

/* A script written without -K says (hidden) where keys were: refused with
 * a message that says why, not "invalid key". */
TEST(stmt_hidden_key_refused)
{
	struct pfk_stmt st;
	struct pfk_err e;

	CHECK_EQ(parse1("add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc (hidden) ;", &st, &e), -EINVAL);
	CHECK(strstr(e.msg, "key omitted: this script was written without keys") != NULL);
	CHECK_EQ(e.col, 45);
}

/* Control bytes from a script never reach the terminal raw in an error. */
TEST(stmt_error_escapes_control_bytes)
{
	struct pfk_stmt st;
	struct pfk_err e;

	CHECK_EQ(parse1("add 10.0.0.1 10.0.0.2 \033]0;x\007 0x1000 ;", &st, &e), -EINVAL);
	CHECK(strchr(e.msg, '\033') == NULL);
	CHECK(strchr(e.msg, '\007') == NULL);
	CHECK(strstr(e.msg, "\\x1b]0") != NULL);
	CHECK(strchr(e.token, '\033') == NULL);
}

TEST(stmt_suggest)
{
	static const char *const c[] = { "aes-cbc", "aes-ctr", "des-cbc" };

	CHECK_EQ(pfk_suggest_distance("kitten", "sitting"), 3);
	CHECK_EQ(pfk_suggest_distance("ab", "ba"), 1);
	CHECK_STR(pfk_suggest_pick("aes-cbcx", c, 3), "aes-cbc");
	CHECK(pfk_suggest_pick("twofish", c, 3) == NULL);
}

/* Scoped IPv6 (RFC 4007 zones), as setkey's getaddrinfo takes them. */
TEST(stmt_addr_ipv6_zone)
{
	struct pfk_addr a;
	struct pfk_err e;
	struct pfk_stmt st;

	memset(&e, 0, sizeof(e));
	REQUIRE_EQ(pfk_stmt_addr("fe80::1%lo", false, 0, &a, &e), 0);
	CHECK_EQ(a.family, AF_INET6);
	CHECK_EQ(a.scope, if_nametoindex("lo"));
	CHECK(a.scope != 0);
	REQUIRE_EQ(pfk_stmt_addr("fe80::1%7[500]", false, 0, &a, &e), 0);
	CHECK_EQ(a.scope, 7);
	CHECK_EQ(a.port, 500);
	REQUIRE_EQ(pfk_stmt_addr("fe80::/64%lo", true, 0, &a, &e), 0);
	CHECK_EQ(a.prefixlen, 64);
	REQUIRE_EQ(pfk_stmt_addr("fe80::%lo/64", true, 0, &a, &e), 0);
	CHECK_EQ(a.prefixlen, 64);
	CHECK_EQ(a.scope, if_nametoindex("lo"));
	CHECK_EQ(pfk_stmt_addr("fe80::1%nosuchif0", false, 0, &a, &e), -EINVAL);
	CHECK_STR(e.msg, "unknown interface 'nosuchif0' in 'fe80::1%nosuchif0'");
	CHECK_EQ(pfk_stmt_addr("10.0.0.1%lo", false, 0, &a, &e), -EINVAL);
	CHECK_STR(e.msg, "a zone ('%lo') is for IPv6 addresses only, in '10.0.0.1%lo'");
	/* a whole statement: the OSPFv3 case of RFC 4552 */
	REQUIRE_EQ(parse1("add fe80::1%lo ff02::5%lo ah 0x1000 -A hmac-sha256 random ;", &st, &e), 1);
	CHECK_EQ(st.sa.src.scope, if_nametoindex("lo"));
	CHECK_EQ(st.sa.dst.scope, if_nametoindex("lo"));
	pfk_stmt_wipe(&st);
}

/* setkey accepts a whole policy after spddelete's -P: checked, not sent. */
TEST(stmt_spddelete_with_policy)
{
	struct pfk_stmt st;
	struct pfk_err e;

	REQUIRE_EQ(parse1("spddelete 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//use ;", &st,
			  &e), 1);
	CHECK_EQ(st.cmd, PFK_CMD_SPDDELETE);
	CHECK_EQ(st.pol.dir, PFK_DIR_OUT);
	CHECK_EQ(parse1("spddelete 10.0.0.1 10.0.0.2 any -P out ipsec esp/transprt//use ;", &st, &e),
		 -EINVAL);
	CHECK(strstr(e.msg, "unknown mode 'transprt'") != NULL);
}

/* What a statement asks and will not get: said, with RFC 8221 for ESP
 * without integrity. */
TEST(stmt_warnings)
{
	struct pfk_stmt st;
	struct pfk_err e;
	char w[4][160];

	REQUIRE_EQ(parse1("add 10.0.0.1 10.0.0.2 esp 0x1000 -f random-pad -E sm4-cbc random ;", &st,
			  &e), 1);
	REQUIRE_EQ(pfk_stmt_warnings(&st, w, 4), 2);
	CHECK_STR(w[0], "sm4-cbc without -A: encryption without integrity protection "
		  "(RFC 8221: use an AEAD such as aes-gcm-16, or add -A)");
	CHECK(strstr(w[1], "-f random-pad: Linux PF_KEY ignores") == w[1]);
	pfk_stmt_wipe(&st);
	REQUIRE_EQ(parse1("add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-gcm-16 random ;", &st, &e), 1);
	CHECK_EQ(pfk_stmt_warnings(&st, w, 4), 0);
	pfk_stmt_wipe(&st);
	REQUIRE_EQ(parse1("add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc random -A hmac-sha256 random ;",
			  &st, &e), 1);
	CHECK_EQ(pfk_stmt_warnings(&st, w, 4), 0);
	pfk_stmt_wipe(&st);
	REQUIRE_EQ(parse1("add 10.0.0.1 10.0.0.2 ipcomp 0x1000 -C deflate -R ;", &st, &e), 1);
	REQUIRE_EQ(pfk_stmt_warnings(&st, w, 4), 1);
	CHECK(strstr(w[0], "-R: Linux PF_KEY ignores the raw-CPI flag") == w[0]);
	REQUIRE_EQ(parse1("spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//default ;", &st,
			  &e), 1);
	REQUIRE_EQ(pfk_stmt_warnings(&st, w, 4), 1);
	CHECK(strstr(w[0], "level default") == w[0]);
	REQUIRE_EQ(parse1("spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//require ;", &st,
			  &e), 1);
	CHECK_EQ(pfk_stmt_warnings(&st, w, 4), 0);
	/* -f esn sets SADB_X_SAFLAGS_ESN beside the padding bits, no warning */
	REQUIRE_EQ(parse1("add 10.0.0.1 10.0.0.2 esp 0x1000 -r 64 -f esn -E aes-gcm-16 random ;",
			  &st, &e), 1);
	CHECK_EQ(st.sa.flags, 0x400);
	CHECK_EQ(pfk_stmt_warnings(&st, w, 4), 0);
	pfk_stmt_wipe(&st);
	REQUIRE_EQ(parse1("add 10.0.0.1 10.0.0.2 esp 0x1000 -f esn -f zero-pad -E aes-gcm-16 random ;",
			  &st, &e), 1);
	CHECK_EQ(st.sa.flags, 0x600);
	pfk_stmt_wipe(&st);
	CHECK_EQ(parse1("add 10.0.0.1 10.0.0.2 esp 0x1000 -f esm -E aes-gcm-16 random ;", &st, &e),
		 -EINVAL);
	CHECK(strstr(e.msg, "'esm'") != NULL);
	/* max bounds the output */
	REQUIRE_EQ(parse1("add 10.0.0.1 10.0.0.2 esp 0x1000 -f random-pad -E sm4-cbc random ;", &st,
			  &e), 1);
	CHECK_EQ(pfk_stmt_warnings(&st, w, 1), 1);
	pfk_stmt_wipe(&st);
}
