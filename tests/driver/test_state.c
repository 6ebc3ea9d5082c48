// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_state.c: --state FILE. SADB and SPD survive SIGTERM + restart (and a
 * SIGKILL after the debounced save); a corrupt, truncated or foreign file
 * stops keyd with exit status 3 and a message naming the problem.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <arpa/inet.h>

#include "drv.h"

static struct rx r;

/* A dump without LIFETIME_CURRENT (add time and counters restart) and
 * without policy ids. */
struct snap {
	int n;
	size_t len[16];
	uint8_t msg[16][1024];
};

static void strip_current(const struct rx *x, uint8_t *out, size_t *olen)
{
	size_t off = sizeof(struct sadb_msg), n = sizeof(struct sadb_msg);

	memcpy(out, x->b, n);
	while (off < (size_t)x->len) {
		const struct sadb_ext *e = (const void *)(x->b + off);
		size_t el = (size_t)e->sadb_ext_len * 8;

		if (e->sadb_ext_type != SADB_EXT_LIFETIME_CURRENT && n + el <= 1024) {
			memcpy(out + n, e, el);
			/* X_SPDADD takes no policy id (af_key): the replay gets
			 * new ids, everything else must match. */
			if (e->sadb_ext_type == SADB_X_EXT_POLICY)
				((struct sadb_x_policy *)(void *)(out + n))->sadb_x_policy_id = 0;
			n += el;
		}
		off += el;
	}
	*olen = n;
}

static void snapshot(int fd, uint8_t type, struct snap *s)
{
	struct mb m;

	s->n = 0;
	mb_simple(&m, type, SADB_SATYPE_UNSPEC, 100);
	if (drv_send(fd, m.b, m.len))
		return;
	while (s->n < 16 && rx_get(fd, &r, 2000) == 0 && !r.h->sadb_msg_errno) {
		strip_current(&r, s->msg[s->n], &s->len[s->n]);
		s->n++;
		if (r.h->sadb_msg_seq == 0)
			break;
	}
}

static bool snap_equal(const struct snap *a, const struct snap *b)
{
	int i, j;

	if (a->n != b->n)
		return false;
	/* Order may differ after a replay: match each message somewhere. */
	for (i = 0; i < a->n; i++) {
		bool found = false;

		for (j = 0; j < b->n && !found; j++)
			/* header without reserved (policy refcount) and seq
			 * (dump position), then every extension */
			found = a->len[i] == b->len[j] &&
				!memcmp(a->msg[i] + 12, b->msg[j] + 12, a->len[i] - 12) &&
				!memcmp(a->msg[i], b->msg[j], 6);
		if (!found) {
			/* Show the message that has no twin, for the log. */
			printf("    unmatched message %d (%zu bytes):", i, a->len[i]);
			for (j = 0; j < (int)a->len[i]; j++)
				printf("%s%02x", j % 16 ? "" : "\n     ", a->msg[i][j]);
			printf("\n    candidates:");
			for (j = 0; j < b->n; j++)
				for (size_t o = 0; o < b->len[j]; o++)
					printf("%s%02x", o % 16 ? "" : "\n     ", b->msg[j][o]);
			printf("\n");
			return false;
		}
	}
	return true;
}

static void populate(int fd)
{
	struct mb m;

	mb_esp_sa(&m, SADB_ADD, 0x1001, 1, "10.0.0.1", "10.0.0.2");
	CHECK(drv_roundtrip(fd, &m, SADB_ADD, 0));
	mb_esp_sa(&m, SADB_ADD, 0x1002, 2, "2001:db8::1", "2001:db8::2");
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 1 << 20, 3600, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 1 << 19, 1800, 0);
	mb_done(&m);
	CHECK(drv_roundtrip(fd, &m, SADB_ADD, 0));
	/* A larval SA: transient, not saved. */
	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, 3);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.3", 32, IPSEC_PROTO_ANY, 0);
	mb_done(&m);
	CHECK(drv_roundtrip(fd, &m, SADB_GETSPI, 0));
	mb_esp_policy(&m, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.1", "10.0.0.2", 4);
	CHECK(drv_roundtrip(fd, &m, SADB_X_SPDADD, 0));
	mb_esp_policy(&m, SADB_X_SPDADD, IPSEC_DIR_INBOUND, "2001:db8::2", "2001:db8::1", 5);
	CHECK(drv_roundtrip(fd, &m, SADB_X_SPDADD, 0));
}

static struct snap sa1, sa2, sp1, sp2;

DTEST(state_restart_same_dump)
{
	struct keyd k;
	struct stat st;
	int fd, status;

	if (drv_keyd_only("keyd --state file"))
		return;
	REQUIRE_EQ(drv_keyd_start(&k, true, NULL), 0);
	fd = drv_connect(&k);
	REQUIRE(fd >= 0);
	populate(fd);
	snapshot(fd, SADB_DUMP, &sa1);
	snapshot(fd, SADB_X_SPDDUMP, &sp1);
	CHECK_EQ(sa1.n, 3);	/* two mature + one larval */
	CHECK_EQ(sp1.n, 2);
	close(fd);
	status = drv_keyd_term(&k);
	CHECK_EQ(status, 0);
	REQUIRE_EQ(stat(k.state, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK(st.st_size > 56);
	CHECK(access(k.sock, F_OK) != 0);	/* socket removed on shutdown */

	REQUIRE_EQ(drv_keyd_restart(&k), 0);
	fd = drv_connect(&k);
	REQUIRE(fd >= 0);
	snapshot(fd, SADB_DUMP, &sa2);
	snapshot(fd, SADB_X_SPDDUMP, &sp2);
	/* The larval SA is not restored; everything else is, byte for byte. */
	CHECK_EQ(sa2.n, 2);
	{
		struct snap mature = { 0 };
		int i;

		for (i = 0; i < sa1.n; i++) {
			const struct sadb_sa *sa = (const void *)(sa1.msg[i] + 16);

			if (sa->sadb_sa_exttype == SADB_EXT_SA &&
			    sa->sadb_sa_state == SADB_SASTATE_LARVAL)
				continue;
			mature.len[mature.n] = sa1.len[i];
			memcpy(mature.msg[mature.n++], sa1.msg[i], sa1.len[i]);
		}
		CHECK(snap_equal(&mature, &sa2));
	}
	CHECK(snap_equal(&sp1, &sp2));
	close(fd);
	drv_keyd_stop(&k);
}

DTEST(state_saved_before_crash)
{
	struct keyd k;
	int fd;
	struct mb m;

	if (drv_keyd_only("keyd --state file"))
		return;
	REQUIRE_EQ(drv_keyd_start(&k, true, NULL), 0);
	fd = drv_connect(&k);
	REQUIRE(fd >= 0);
	mb_esp_sa(&m, SADB_ADD, 0x2001, 1, "10.0.0.1", "10.0.0.2");
	CHECK(drv_roundtrip(fd, &m, SADB_ADD, 0));
	close(fd);
	/* Debounced save (--save-delay 20 in the harness), then a crash. */
	usleep(getenv("KEYSH_VALGRIND") ? 3000000 : 500000);
	kill(k.pid, SIGKILL);
	waitpid(k.pid, NULL, 0);
	k.pid = -1;
	REQUIRE_EQ(drv_keyd_restart(&k), 0);
	fd = drv_connect(&k);
	REQUIRE(fd >= 0);
	snapshot(fd, SADB_DUMP, &sa1);
	CHECK_EQ(sa1.n, 1);
	close(fd);
	drv_keyd_stop(&k);
}

static bool log_has(const struct keyd *k, const char *needle)
{
	char buf[8192];
	ssize_t n;
	int fd = open(k->log, O_RDONLY);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* Restart on a damaged file: must fail with status 3 and say why. */
static void expect_refused(struct keyd *k, const char *why, const char *file, int line)
{
	int ret, st;

	truncate(k->log, 0);
	ret = drv_keyd_restart(k);
	if (ret != -ECHILD) {
		drv_fail(file, line, "keyd started on a %s state file (%d)", why, ret);
		drv_keyd_term(k);
		return;
	}
	/* spawn() reaped it; run it once more in the foreground for the status. */
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "%s --foreground --socket %s --state %s 2>>%s",
			 drv_keyd_bin, k->sock, k->state, k->log);
		st = system(cmd);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 3)
			drv_fail(file, line, "%s state file: exit status %d, want 3", why,
				 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	if (!log_has(k, why))
		drv_fail(file, line, "no `%s' in keyd's error output", why);
	if (access(k->sock, F_OK) == 0)
		drv_fail(file, line, "socket exists after refusing the %s state file", why);
}
#define EXPECT_REFUSED(k, why) expect_refused((k), (why), __FILE__, __LINE__)

static void rewrite(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	if (fd >= 0) {
		if (write(fd, p, n) != (ssize_t)n)
			drv_fail(__FILE__, __LINE__, "rewrite %s", path);
		close(fd);
	}
}

DTEST(state_corrupt_file_refused)
{
	static uint8_t good[65536], bad[65536];
	struct keyd k;
	ssize_t n;
	int fd;

	if (drv_keyd_only("keyd --state file"))
		return;
	REQUIRE_EQ(drv_keyd_start(&k, true, NULL), 0);
	fd = drv_connect(&k);
	REQUIRE(fd >= 0);
	populate(fd);
	close(fd);
	REQUIRE_EQ(drv_keyd_term(&k), 0);
	fd = open(k.state, O_RDONLY);
	REQUIRE(fd >= 0);
	n = read(fd, good, sizeof(good));
	close(fd);
	REQUIRE(n > 100);

	memcpy(bad, good, (size_t)n);
	bad[n - 20] ^= 0x01;			/* one flipped key bit */
	rewrite(k.state, bad, (size_t)n);
	EXPECT_REFUSED(&k, "checksum");
	rewrite(k.state, good, (size_t)n - 24);	/* truncated body */
	EXPECT_REFUSED(&k, "truncated");
	rewrite(k.state, good, 30);		/* truncated header */
	EXPECT_REFUSED(&k, "truncated");
	rewrite(k.state, good, 0);		/* empty */
	EXPECT_REFUSED(&k, "truncated");
	memcpy(bad, good, (size_t)n);
	memcpy(bad, "NOTKEYD!", 8);
	rewrite(k.state, bad, (size_t)n);
	EXPECT_REFUSED(&k, "magic");
	/* The intact file still loads. */
	rewrite(k.state, good, (size_t)n);
	REQUIRE_EQ(drv_keyd_restart(&k), 0);
	fd = drv_connect(&k);
	REQUIRE(fd >= 0);
	snapshot(fd, SADB_DUMP, &sa1);
	CHECK_EQ(sa1.n, 2);
	close(fd);
	drv_keyd_stop(&k);
}

/* A state file keyd cannot write is refused at start, not at shutdown. */
DTEST(state_unwritable_refused)
{
	char cmd[512];
	int st;

	if (drv_keyd_only("keyd --state file"))
		return;
	snprintf(cmd, sizeof(cmd), "%s --foreground --socket /tmp/keyd-drv-unw.sock "
		 "--state /nonexistent-dir/state 2>/dev/null", drv_keyd_bin);
	st = system(cmd);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	CHECK(access("/tmp/keyd-drv-unw.sock", F_OK) != 0);
}

/* An SA removed by its hard lifetime (a core timer) leaves the file too. */
DTEST(state_follows_timer_expiry)
{
	struct keyd k;
	struct mb m;
	int fd;

	if (drv_keyd_only("keyd --state file"))
		return;
	REQUIRE_EQ(drv_keyd_start(&k, true, NULL), 0);
	fd = drv_connect(&k);
	REQUIRE(fd >= 0);
	mb_esp_sa(&m, SADB_ADD, 0x3001, 1, "10.0.0.1", "10.0.0.2");
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 0, 1, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 0, 1, 0);
	mb_done(&m);
	CHECK(drv_roundtrip(fd, &m, SADB_ADD, 0));
	mb_esp_sa(&m, SADB_ADD, 0x3002, 2, "10.0.0.1", "10.0.0.2");
	CHECK(drv_roundtrip(fd, &m, SADB_ADD, 0));
	close(fd);
	usleep(getenv("KEYSH_VALGRIND") ? 5000000 : 2000000);
	kill(k.pid, SIGKILL);	/* no shutdown save: only the debounced one */
	waitpid(k.pid, NULL, 0);
	k.pid = -1;
	REQUIRE_EQ(drv_keyd_restart(&k), 0);
	fd = drv_connect(&k);
	REQUIRE(fd >= 0);
	snapshot(fd, SADB_DUMP, &sa1);
	CHECK_EQ(sa1.n, 1);
	if (sa1.n == 1)
		CHECK_EQ(ntohl(((const struct sadb_sa *)(const void *)(sa1.msg[0] + 16))->sadb_sa_spi),
			 0x3002);
	close(fd);
	drv_keyd_stop(&k);
}
