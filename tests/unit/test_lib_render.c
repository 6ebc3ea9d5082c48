// SPDX-License-Identifier: BSD-2-Clause
/* test_lib_render.c: exact setkey -D / -DP text, kdebug text, JSON validity
 * (checked by python3's json module) and stability, restorable scripts. */
#include <stdlib.h>
#include <time.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <errno.h>
#include <unistd.h>
#include "unit.h"
#include "pfk.h"

static char *out;
static size_t outlen;

static FILE *mem(void)
{
	free(out);
	out = NULL;
	return open_memstream(&out, &outlen);
}

static void utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

static struct pfk_addr a4(const char *s, uint8_t plen, uint16_t port)
{
	struct pfk_addr a = { .family = AF_INET, .prefixlen = plen, .port = port,
			      .proto = 255 };

	inet_pton(AF_INET, s, a.a.bytes);
	return a;
}

static void fixture_sa(struct pfk_msg *m)
{
	struct pfk_sa *sa = &m->sa;
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->kind = PFK_MSG_SA;
	m->type = PFK_T_DUMP;
	m->satype = PFK_SATYPE_ESP;
	m->pid = 4242;
	m->reserved = 1;
	sa->has = PFK_SA_HAS_SA | PFK_SA_HAS_SA2 | PFK_SA_HAS_SRC | PFK_SA_HAS_DST |
		  PFK_SA_HAS_AUTH_KEY | PFK_SA_HAS_ENC_KEY | PFK_SA_HAS_CUR |
		  PFK_SA_HAS_HARD | PFK_SA_HAS_SOFT;
	sa->satype = PFK_SATYPE_ESP;
	sa->spi = 0x1000;
	sa->replay = 4;
	sa->state = PFK_STATE_MATURE;
	sa->auth_alg = SADB_X_AALG_SHA2_256HMAC;
	sa->enc_alg = SADB_X_EALG_AESCBC;
	sa->mode = PFK_MODE_TUNNEL;
	sa->reqid = 5;
	sa->src = a4("192.0.2.1", 32, 0);
	sa->dst = a4("192.0.2.2", 32, 0);
	sa->enc_key.bits = 128;
	for (i = 0; i < 16; i++)
		sa->enc_key.data[i] = (uint8_t)(0x10 + i);
	sa->auth_key.bits = 256;
	for (i = 0; i < 32; i++)
		sa->auth_key.data[i] = (uint8_t)(0x80 + i);
	sa->cur.addtime = 1700000000;
	sa->cur.bytes = 1234;
	sa->hard.addtime = 3600;
	sa->soft.addtime = 3000;
}

static void fixture_policy(struct pfk_msg *m)
{
	struct pfk_policy *p = &m->pol;

	memset(m, 0, sizeof(*m));
	m->kind = PFK_MSG_POLICY;
	m->type = PFK_T_SPDDUMP;
	m->pid = 7;
	m->reserved = 2;
	p->has = PFK_POL_HAS_POLICY | PFK_POL_HAS_SRC | PFK_POL_HAS_DST | PFK_POL_HAS_CUR |
		 PFK_POL_HAS_HARD;
	p->dir = PFK_DIR_OUT;
	p->action = PFK_ACTION_IPSEC;
	p->id = 0x109;
	p->priority = PFK_PRIO_DEFAULT - 5;
	p->src = a4("10.0.1.0", 24, 0);
	p->dst = a4("10.0.2.0", 24, 80);
	p->src.proto = p->dst.proto = IPPROTO_TCP;
	p->nreq = 2;
	p->req[0] = (struct pfk_ipsecreq){ PFK_IPPROTO_ESP, PFK_MODE_TUNNEL, PFK_LEVEL_UNIQUE, 5,
					   a4("192.0.2.1", 32, 0), a4("192.0.2.2", 32, 0) };
	p->req[1] = (struct pfk_ipsecreq){ .proto = PFK_IPPROTO_AH, .mode = PFK_MODE_TRANSPORT,
					   .level = PFK_LEVEL_USE };
	p->cur.addtime = 1700000000;
	p->hard.addtime = 100;
	p->hard.usetime = 50;
	p->refcnt = 2;
}

static const char sa_hidden[] =
	"192.0.2.1 192.0.2.2 \n"
	"\tesp mode=tunnel spi=4096(0x00001000) reqid=5(0x00000005)\n"
	"\tE: aes-cbc  (hidden)\n"
	"\tA: hmac-sha256  (hidden)\n"
	"\tseq=0x00000000 replay=4 flags=0x00000000 state=mature \n"
	"\tcreated: Nov 14 22:13:20 2023\tcurrent: Nov 14 22:14:40 2023\n"
	"\tdiff: 80(s)\thard: 3600(s)\tsoft: 3000(s)\n"
	"\tlast:                     \thard: 0(s)\tsoft: 0(s)\n"
	"\tcurrent: 1234(bytes)\thard: 0(bytes)\tsoft: 0(bytes)\n"
	"\tallocated: 0\thard: 0\tsoft: 0\n"
	"\tsadb_seq=0 pid=4242 refcnt=1\n";

TEST(lib_render_setkey_sa_exact)
{
	struct pfk_msg m;
	FILE *f;

	utc();
	fixture_sa(&m);
	f = mem();
	pfk_render_sa_setkey(f, &m, 0, 1700000080);
	fclose(f);
	CHECK_STR(out, sa_hidden);

	f = mem();
	pfk_render_sa_setkey(f, &m, PFK_R_SHOW_KEYS | PFK_R_PORTS, 1700000080);
	fclose(f);
	CHECK(strncmp(out, "192.0.2.1[0] 192.0.2.2[0] \n", 27) == 0);
	CHECK(strstr(out, "\tE: aes-cbc  10111213 14151617 18191a1b 1c1d1e1f\n") != NULL);
	CHECK(strstr(out, "\tA: hmac-sha256  80818283 84858687 88898a8b 8c8d8e8f "
		      "90919293 94959697 98999a9b 9c9d9e9f\n") != NULL);
	CHECK(strstr(out, "(hidden)") == NULL);

	/* 64-byte key: ipsec_hexdump breaks the line after 32 bytes */
	m.sa.auth_alg = SADB_X_AALG_SHA2_512HMAC;
	m.sa.auth_key.bits = 512;
	memset(m.sa.auth_key.data, 0xab, 64);
	f = mem();
	pfk_render_sa_setkey(f, &m, PFK_R_SHOW_KEYS, 1700000080);
	fclose(f);
	CHECK(strstr(out, "\tA: hmac-sha512  abababab abababab abababab abababab abababab "
		      "abababab abababab abababab\n abababab") != NULL);
	pfk_msg_wipe(&m);
}

TEST(lib_render_setkey_sa_natt_ipcomp)
{
	struct pfk_msg m;
	FILE *f;

	utc();
	fixture_sa(&m);
	m.sa.has &= ~PFK_SA_HAS_CUR;
	m.sa.has |= PFK_SA_HAS_NATT | PFK_SA_HAS_NATT_OA;
	m.sa.natt_type = 2;
	m.sa.natt_sport = 4500;
	m.sa.natt_dport = 4500;
	m.sa.natt_oa = a4("10.9.9.9", 32, 0);
	f = mem();
	pfk_render_sa_setkey(f, &m, 0, 0);
	fclose(f);
	CHECK_STR(out,
		  "192.0.2.1[4500] 192.0.2.2[4500] \n"
		  "\tesp-udp mode=tunnel spi=4096(0x00001000) reqid=5(0x00000005)\n"
		  "\tNAT OA=10.9.9.9\n"
		  "\tE: aes-cbc  (hidden)\n"
		  "\tA: hmac-sha256  (hidden)\n"
		  "\tseq=0x00000000 replay=4 flags=0x00000000 state=mature \n"
		  "\tsadb_seq=0 pid=4242 refcnt=1\n");

	fixture_sa(&m);
	m.satype = PFK_SATYPE_IPCOMP;
	m.sa.has = PFK_SA_HAS_SA | PFK_SA_HAS_SA2 | PFK_SA_HAS_SRC | PFK_SA_HAS_DST;
	m.sa.enc_alg = SADB_X_CALG_DEFLATE;
	m.sa.mode = PFK_MODE_ANY;
	m.sa.reqid = 0;
	f = mem();
	pfk_render_sa_setkey(f, &m, 0, 0);
	fclose(f);
	CHECK_STR(out,
		  "192.0.2.1 192.0.2.2 \n"
		  "\tipcomp mode=any spi=4096(0x00001000) reqid=0(0x00000000)\n"
		  "\tC: deflate \n"
		  "\tseq=0x00000000 replay=4 flags=0x00000000 state=mature \n"
		  "\tsadb_seq=0 pid=4242 refcnt=1\n");
}

static const char pol_text[] =
	"10.0.1.0/24[any] 10.0.2.0/24[80] tcp\n"
	"\tout prio def + 5 ipsec\n"
	"\tesp/tunnel/192.0.2.1-192.0.2.2/unique:5\n"
	"\tah/transport//use\n"
	"\tcreated: Nov 14 22:13:20 2023  lastused:                     \n"
	"\tlifetime: 100(s) validtime: 50(s)\n"
	"\tspid=265 seq=0 pid=7\n"
	"\trefcnt=2\n";

TEST(lib_render_setkey_policy_exact)
{
	struct pfk_msg m;
	FILE *f;

	utc();
	fixture_policy(&m);
	f = mem();
	pfk_render_policy_setkey(f, &m, 0, 0);
	fclose(f);
	CHECK_STR(out, pol_text);

	/* per-socket ids (id % 8 >= 3), default prio, discard, icmp type/code */
	m.pol.id = 0x10b;
	m.pol.priority = PFK_PRIO_DEFAULT;
	m.pol.action = PFK_ACTION_DISCARD;
	m.pol.has = PFK_POL_HAS_POLICY | PFK_POL_HAS_SRC | PFK_POL_HAS_DST;
	f = mem();
	pfk_render_policy_setkey(f, &m, 0, 0);
	fclose(f);
	CHECK_STR(out, "(per-socket policy) \n\tout prio def discard\n"
		  "\tspid=267 seq=0 pid=7\n\trefcnt=2\n");

	m.pol.id = 8;
	m.pol.priority = PFK_PRIO_HIGH + 3;
	m.pol.src = a4("0.0.0.0", 0, 8);
	m.pol.dst = a4("0.0.0.0", 0, 0);
	m.pol.src.proto = m.pol.dst.proto = IPPROTO_ICMP;
	f = mem();
	pfk_render_policy_setkey(f, &m, 0, 0);
	fclose(f);
	CHECK_STR(out, "0.0.0.0/0 0.0.0.0/0 icmp 8,0\n\tout prio high - 3 discard\n"
		  "\tspid=8 seq=0 pid=7\n\trefcnt=2\n");

	/* ports in tunnel endpoints with -p; reqid above the manual range */
	fixture_policy(&m);
	m.pol.req[0].reqid = 0x4001;
	m.pol.req[0].src.port = 4500;
	m.pol.nreq = 1;
	m.pol.has &= ~(PFK_POL_HAS_CUR | PFK_POL_HAS_HARD);
	f = mem();
	pfk_render_policy_setkey(f, &m, PFK_R_PORTS, 0);
	fclose(f);
	CHECK(strstr(out, "\tesp/tunnel/192.0.2.1[4500]-192.0.2.2[0]/unique#16385\n") != NULL);
}

/* Build + render through the real parser: kdebug text of a DELETE. */
TEST(lib_render_debug_exact)
{
	uint64_t buf[64];
	struct pfk_buf b = { .p = (uint8_t *)buf, .cap = sizeof(buf) };
	struct pfk_sa sa = { 0 };
	struct pfk_policy p;
	struct pfk_msg m;
	FILE *f;
	int len;

	sa.has = PFK_SA_HAS_SA | PFK_SA_HAS_SRC | PFK_SA_HAS_DST;
	sa.satype = PFK_SATYPE_ESP;
	sa.spi = 4096;
	sa.src = a4("192.0.2.1", 0, 0);
	sa.dst = a4("192.0.2.2", 0, 0);
	len = pfk_build_delete(&b, &sa, 20, 21);
	REQUIRE(len == 80);
	f = mem();
	pfk_render_debug(f, buf, (size_t)len, 0);
	fclose(f);
	CHECK_STR(out,
		  "sadb_msg{ version=2 type=4 errno=0 satype=3\n"
		  "  len=10 reserved=0 seq=20 pid=21\n"
		  "sadb_ext{ len=2 type=1 }\n"
		  "sadb_sa{ spi=4096 replay=0 state=0\n"
		  "  auth=0 encrypt=0 flags=0x00000000 }\n"
		  "sadb_ext{ len=3 type=5 }\n"
		  "sadb_address{ proto=255 prefixlen=32 reserved=0x0000 }\n"
		  "sockaddr{ len=16 family=2 port=0\n"
		  " c0000201  }\n"
		  "sadb_ext{ len=3 type=6 }\n"
		  "sadb_address{ proto=255 prefixlen=32 reserved=0x0000 }\n"
		  "sockaddr{ len=16 family=2 port=0\n"
		  " c0000202  }\n");

	/* policy with a tunnel request, keys hidden in an ADD */
	fixture_policy(&m);
	p = m.pol;
	len = pfk_build_spdadd(&b, &p, 0, 5474);
	REQUIRE(len > 0);
	f = mem();
	pfk_render_debug(f, buf, (size_t)len, 0);
	fclose(f);
	CHECK(strstr(out, "sadb_x_policy{ type=2 dir=2 id=109 priority=2147483643 }\n"
		      " { len=48 proto=50 mode=2 level=3 reqid=5\n"
		      "sockaddr{ len=16 family=2 port=0\n c0000201  }\n"
		      "sockaddr{ len=16 family=2 port=0\n c0000202  }\n }\n"
		      " { len=16 proto=51 mode=1 level=1 reqid=0\n }\n") != NULL);

	fixture_sa(&m);
	len = pfk_build_add(&b, &m.sa, 1, 1);
	REQUIRE(len > 0);
	f = mem();
	pfk_render_debug(f, buf, (size_t)len, 0);
	fclose(f);
	CHECK(strstr(out, "sadb_key{ bits=128 reserved=0\n  key= (hidden) }\n") != NULL);
	f = mem();
	pfk_render_debug(f, buf, (size_t)len, PFK_R_SHOW_KEYS);
	fclose(f);
	CHECK(strstr(out, "  key= 10111213 14151617 18191a1b 1c1d1e1f }\n") != NULL);

	/* malformed: header printed, then the walker's verdict */
	f = mem();
	pfk_render_debug(f, buf, (size_t)len - 8, 0);
	fclose(f);
	CHECK(strstr(out, "sadb_msg{ version=2 type=3") == out);
	CHECK(strstr(out, "malformed") != NULL);
	f = mem();
	pfk_render_debug(f, buf, 4, 0);
	fclose(f);
	CHECK(strstr(out, "short") != NULL);
	pfk_msg_wipe(&m);
}

/* Feed JSON lines to python3's json module; exit status 0 = all valid. */
static int json_valid(const char *text)
{
	FILE *p = popen("python3 -c 'import json,sys\n"
			"for l in sys.stdin:\n"
			"    o = json.loads(l)\n"
			"    assert isinstance(o, dict) and \"type\" in o\n' 2>/dev/null", "w");
	int st;

	if (!p)
		return -1;
	fputs(text, p);
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(lib_render_json_valid_and_stable)
{
	struct pfk_msg m;
	char *first;
	FILE *f;

	fixture_sa(&m);
	m.sa.has |= PFK_SA_HAS_SECCTX | PFK_SA_HAS_NATT;
	m.sa.ctx.len = 9;
	memcpy(m.sa.ctx.str, "a\"b\\c\nd\x01", 9);
	f = mem();
	pfk_render_json(f, &m, 0);
	fputc('\n', f);
	fclose(f);
	first = strdup(out);
	CHECK(strstr(out, "\"spi\":4096,\"spi_hex\":\"0x00001000\"") != NULL);
	CHECK(strstr(out, "\"enc_key\":{\"bits\":128,\"hidden\":true}") != NULL);
	CHECK(strstr(out, "\"str\":\"a\\\"b\\\\c\\u000ad\\u0001\"") != NULL);
	CHECK(strstr(out, "\"mode\":\"tunnel\"") != NULL);
	CHECK(strchr(out, '\n') == out + strlen(out) - 1);	/* one line */
	CHECK_EQ(json_valid(out), 0);
	/* stable: the same message renders the same bytes */
	f = mem();
	pfk_render_json(f, &m, 0);
	fputc('\n', f);
	fclose(f);
	CHECK_STR(out, first);
	free(first);

	f = mem();
	pfk_render_json(f, &m, PFK_R_SHOW_KEYS);
	fputc('\n', f);
	fixture_policy(&m);
	pfk_render_json(f, &m, 0);
	fputc('\n', f);
	m.kind = PFK_MSG_REGISTER;
	m.type = PFK_T_REGISTER;
	m.pol.has = 0;
	m.nauth = 2;
	m.auth[0].id = SADB_AALG_SHA1HMAC;
	m.auth[1].id = SADB_X_AALG_SHA2_256HMAC;
	m.nenc = 1;
	m.enc[0].id = SADB_X_EALG_AESCBC;
	pfk_render_json(f, &m, 0);
	fputc('\n', f);
	m.kind = PFK_MSG_ACQUIRE;
	m.type = PFK_T_ACQUIRE;
	m.ncomb = 2;
	pfk_render_json(f, &m, 0);
	fputc('\n', f);
	m.kind = PFK_MSG_MIGRATE;
	m.type = PFK_T_MIGRATE;
	m.nmigrate = 1;
	m.migrate[0].old.proto = PFK_IPPROTO_ESP;
	m.km_local = a4("1.1.1.1", 32, 0);
	m.km_remote = a4("2.2.2.2", 32, 0);
	pfk_render_json(f, &m, 0);
	fputc('\n', f);
	fclose(f);
	CHECK(strstr(out, "\"hex\":\"101112131415161718191a1b1c1d1e1f\"") != NULL);
	CHECK(strstr(out, "\"requests\":[{\"proto\":\"esp\",\"mode\":\"tunnel\"") != NULL);
	CHECK(strstr(out, "\"auth\":[{\"id\":3,\"name\":\"hmac-sha1\"") != NULL);
	CHECK(strstr(out, "},{\"id\":5,\"name\":\"hmac-sha256\"") != NULL);
	CHECK(strstr(out, "\"combs\":[{") != NULL);
	CHECK(strstr(out, "\"km_local\":{\"family\":\"inet\",\"addr\":\"1.1.1.1\"") != NULL);
	CHECK_EQ(json_valid(out), 0);
	/* the checker itself rejects broken JSON */
	CHECK(json_valid("{\"type\":1,}\n") != 0);
	pfk_msg_wipe(&m);
}

TEST(lib_render_script)
{
	struct pfk_msg m;
	char *first;
	FILE *f;

	fixture_sa(&m);
	f = mem();
	pfk_render_script_sa(f, &m.sa, true);
	fclose(f);
	CHECK_STR(out, "add 192.0.2.1 192.0.2.2 esp 0x00001000 -m tunnel -r 4 -u 5 -lh 3600 -ls 3000"
		  " -E aes-cbc 0x101112131415161718191a1b1c1d1e1f"
		  " -A hmac-sha256 0x808182838485868788898a8b8c8d8e8f"
		  "909192939495969798999a9b9c9d9e9f ;\n");
	first = strdup(out);
	f = mem();
	pfk_render_script_sa(f, &m.sa, true);
	fclose(f);
	CHECK_STR(out, first);
	free(first);
	/* without keys: (hidden) where each key was */
	f = mem();
	pfk_render_script_sa(f, &m.sa, false);
	fclose(f);
	CHECK_STR(out, "add 192.0.2.1 192.0.2.2 esp 0x00001000 -m tunnel -r 4 -u 5 -lh 3600 -ls 3000"
		  " -E aes-cbc (hidden) -A hmac-sha256 (hidden) ;\n");

	m.sa.enc_alg = SADB_X_EALG_AES_GCM_ICV16;
	m.sa.enc_key.bits = 160;
	memcpy(m.sa.enc_key.data + 16, "\x20\x21\x22\x23", 4);
	m.sa.has &= ~(PFK_SA_HAS_AUTH_KEY | PFK_SA_HAS_HARD | PFK_SA_HAS_SOFT);
	m.sa.replay = 64;
	f = mem();
	pfk_render_script_sa(f, &m.sa, true);
	fclose(f);
	CHECK_STR(out, "add 192.0.2.1 192.0.2.2 esp 0x00001000 -m tunnel -r 64 -u 5"
		  " -E aes-gcm-16 0x101112131415161718191a1b1c1d1e1f20212223 ;\n");

	fixture_policy(&m);
	f = mem();
	pfk_render_script_policy(f, &m.pol);
	fclose(f);
	CHECK_STR(out, "spdadd 10.0.1.0/24[any] 10.0.2.0/24[80] tcp -P out prio def + 5 ipsec"
		  " esp/tunnel/192.0.2.1-192.0.2.2/unique:5 ah/transport//use ;\n");
	m.pol.req[0].src.port = 4500;
	m.pol.req[0].dst.port = 4500;
	m.pol.priority = 0;
	m.pol.nreq = 1;
	f = mem();
	pfk_render_script_policy(f, &m.pol);
	fclose(f);
	CHECK_STR(out, "spdadd 10.0.1.0/24[any] 10.0.2.0/24[80] tcp -P out ipsec"
		  " esp/tunnel/192.0.2.1[4500]-192.0.2.2[4500]/unique:5 ;\n");
	pfk_msg_wipe(&m);
}

/* pfk_file: temp 0600 next to the target, renamed over it; never written
 * through a symlink, never over another user's file. */
TEST(lib_file_secret)
{
	char dir[] = "/tmp/keysh-unit-XXXXXX", path[256], link[256], other[256], buf[16];
	struct pfk_file pf;
	struct stat sb;
	mode_t old = umask(022);
	int fd;

	REQUIRE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/out", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	fd = open(other, O_WRONLY | O_CREAT, 0644);
	REQUIRE(fd >= 0);
	CHECK_EQ(write(fd, "victim", 6), 6);
	close(fd);
	REQUIRE_EQ(symlink(other, link), 0);

	/* through a symlink: the link is replaced, its target untouched */
	REQUIRE_EQ(pfk_file_open(&pf, link), 0);
	CHECK_EQ(write(pf.fd, "key", 3), 3);
	CHECK_EQ(pfk_file_commit(&pf), 0);
	CHECK_EQ(lstat(link, &sb), 0);
	CHECK(S_ISREG(sb.st_mode));
	CHECK_EQ(sb.st_mode & 07777, 0600);
	fd = open(other, O_RDONLY);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 6);
	close(fd);
	CHECK_MEM(buf, "victim", 6);

	/* an existing 0644 file is replaced by a 0600 one */
	REQUIRE_EQ(pfk_file_open(&pf, other), 0);
	CHECK_EQ(pfk_file_commit(&pf), 0);
	CHECK_EQ(stat(other, &sb), 0);
	CHECK_EQ(sb.st_mode & 07777, 0600);
	CHECK_EQ(sb.st_size, 0);

	/* abort leaves nothing behind; a directory is refused */
	REQUIRE_EQ(pfk_file_open(&pf, path), 0);
	pfk_file_abort(&pf);
	CHECK(access(path, F_OK) != 0);
	CHECK_EQ(pfk_file_open(&pf, dir), -EISDIR);

	/* another user's file: refused (root can chown to test it) */
	if (geteuid() == 0) {
		CHECK_EQ(chown(other, 65534, 65534), 0);
		CHECK_EQ(pfk_file_open(&pf, other), -EPERM);
	}
	unlink(other);
	unlink(link);
	CHECK_EQ(rmdir(dir), 0);
	umask(old);
}

static struct pfk_addr a6(const char *s, uint8_t plen, uint16_t port, uint32_t scope)
{
	struct pfk_addr a = { .family = AF_INET6, .prefixlen = plen, .port = port,
			      .proto = 255, .scope = scope };

	inet_pton(AF_INET6, s, &a.a.v6);
	return a;
}

/* One address under every flag: the text each front end used to write by hand. */
static void check_fmt(const struct pfk_addr *a, unsigned int flags, const char *want)
{
	char buf[PFK_ADDR_TXT];

	CHECK_EQ(pfk_addr_format(buf, sizeof(buf), a, flags), (int)strlen(want));
	CHECK_STR(buf, want);
}

TEST(lib_addr_format)
{
	struct pfk_addr a = a4("10.0.0.1", 32, 0);
	char buf[64], zone[IF_NAMESIZE + 16];

	/* v4: host; PFK_ADDR_NET (SAs, keytui) */
	check_fmt(&a, 0, "10.0.0.1");
	check_fmt(&a, PFK_ADDR_NET, "10.0.0.1");
	a = a4("10.0.0.0", 24, 0);
	check_fmt(&a, PFK_ADDR_NET, "10.0.0.0/24");
	a = a4("10.0.0.1", 0, 4500);
	check_fmt(&a, PFK_ADDR_NET, "10.0.0.1[4500]");
	check_fmt(&a, PFK_ADDR_PLEN_SHORT, "10.0.0.1/0");
	a = a4("0.0.0.0", 0, 0);
	check_fmt(&a, PFK_ADDR_NET, "0.0.0.0/0");
	/* prefix rules: always, unless full, network */
	a = a4("192.0.2.1", 32, 0);
	check_fmt(&a, PFK_ADDR_PLEN, "192.0.2.1/32");
	check_fmt(&a, PFK_ADDR_PLEN_SHORT, "192.0.2.1");
	a = a4("192.0.2.0", 25, 0);
	check_fmt(&a, PFK_ADDR_PLEN_SHORT, "192.0.2.0/25");
	/* port forms: [port] unless 0, [port]/[any], [port] always */
	check_fmt(&a, PFK_ADDR_PORT, "192.0.2.0");
	check_fmt(&a, PFK_ADDR_PORT_ANY, "192.0.2.0[any]");
	check_fmt(&a, PFK_ADDR_PORT_ALWAYS, "192.0.2.0[0]");
	check_fmt(&a, PFK_ADDR_PLEN | PFK_ADDR_PORT_ANY, "192.0.2.0/25[any]");
	a.port = 65535;
	check_fmt(&a, PFK_ADDR_PLEN | PFK_ADDR_PORT_ANY, "192.0.2.0/25[65535]");
	check_fmt(&a, PFK_ADDR_PORT_ALWAYS, "192.0.2.0[65535]");
	/* v6: compressed, lower case; full width is 128 */
	a = a6("2001:DB8:0::1", 128, 500, 0);
	check_fmt(&a, 0, "2001:db8::1");
	check_fmt(&a, PFK_ADDR_NET, "2001:db8::1[500]");
	check_fmt(&a, PFK_ADDR_PLEN_SHORT | PFK_ADDR_PORT_ANY, "2001:db8::1[500]");
	a = a6("2001:db8::", 64, 0, 0);
	check_fmt(&a, PFK_ADDR_PLEN_SHORT | PFK_ADDR_PORT_ANY, "2001:db8::/64[any]");
	check_fmt(&a, PFK_ADDR_NET, "2001:db8::/64");
	a = a6("::", 0, 0, 0);
	check_fmt(&a, PFK_ADDR_NET, "::/0");
	a = a6("fe80::1", 64, 0, 0);
	check_fmt(&a, PFK_ADDR_NET, "fe80::1/64");
	/* scoped v6: the interface's name, its number when there is none */
	a = a6("fe80::1", 128, 0, 1);
	CHECK(if_indextoname(1, zone) != NULL);
	snprintf(buf, sizeof(buf), "fe80::1%%%s", zone);
	check_fmt(&a, 0, buf);
	snprintf(buf, sizeof(buf), "fe80::1%%%s/128[89]", zone);
	a.port = 89;
	check_fmt(&a, PFK_ADDR_PLEN | PFK_ADDR_PORT_ANY, buf);
	a = a6("fe80::1", 128, 0, 0x7fffffff);
	check_fmt(&a, 0, "fe80::1%2147483647");
	check_fmt(&a, PFK_ADDR_PLEN_SHORT | PFK_ADDR_PORT_ANY, "fe80::1%2147483647[any]");
	/* cut at cap - 1, the full length returned (snprintf) */
	a = a4("192.0.2.123", 24, 4500);
	CHECK_EQ(pfk_addr_format(buf, 8, &a, PFK_ADDR_NET), 20);
	CHECK_STR(buf, "192.0.2");
	CHECK_EQ(pfk_addr_format(NULL, 0, &a, PFK_ADDR_NET), 20);
	/* unknown family: -EINVAL and an empty string */
	a.family = 99;
	CHECK_EQ(pfk_addr_format(buf, sizeof(buf), &a, PFK_ADDR_NET), -EINVAL);
	CHECK_STR(buf, "");
	a.family = 0;
	CHECK_EQ(pfk_addr_format(buf, sizeof(buf), &a, 0), -EINVAL);
	free(out);
	out = NULL;
}
