/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * drv.h: the message-level driver for keyd. Every case starts its own keyd
 * (argv[1] of the driver) on a private socket, talks raw PF_KEY messages to
 * it over SOCK_SEQPACKET and checks replies and broadcasts byte by byte.
 * With KEYSH_VALGRIND=1 keyd runs under valgrind --error-exitcode=99, and
 * every keyd stop checks the exit status, so an uninitialised byte in any
 * emitted message (sendmsg of an uninitialised buffer) fails the case.
 * Output: "ok NAME" / "not ok NAME" per case, then "N passed, N failed".
 *
 * `driver --kernel` runs the same cases against the running kernel's PF_KEY
 * (socket(PF_KEY, SOCK_RAW, PF_KEY_V2): pfkeyv2.ko in the VM suite) instead:
 * drv_up opens kernel sockets after flushing the SADB and SPD, drv_down
 * flushes again. Cases (or parts) that need keyd itself — its control
 * socket's injected flows, --state, the daemon's command line — skip with
 * the reason printed (drv_keyd_only).
 */
#ifndef DRV_H
#define DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <linux/pfkeyv2.h>
#include <linux/ipsec.h>

#include "walker.h"
#include "../lib/msg.h"

/* ---- cases and checks (main.c) -------------------------------------- */
struct drv_case {
	const char *name;
	void (*fn)(void);
	struct drv_case *next;
};
void drv_register(struct drv_case *c);
void drv_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void drv_skip(const char *why);
extern const char *drv_keyd_bin;	/* NULL with --kernel */
extern bool drv_kernel;			/* --kernel: the kernel's PF_KEY, no keyd */
/* In kernel mode: skip the whole case (prints why) and return true. */
bool drv_keyd_only(const char *why);
/* In kernel mode: say which part of a case is not run and return true. */
bool drv_keyd_only_part(const char *why);

#define DTEST(n)							\
	static void dtest_##n(void);					\
	static struct drv_case drv_case_##n = { #n, dtest_##n, NULL };	\
	__attribute__((constructor)) static void drv_reg_##n(void)	\
	{ drv_register(&drv_case_##n); }				\
	static void dtest_##n(void)

#define CHECK(e) do { if (!(e)) drv_fail(__FILE__, __LINE__, "%s", #e); } while (0)
#define REQUIRE(e) do { if (!(e)) { drv_fail(__FILE__, __LINE__, "%s", #e); return; } } while (0)
#define CHECK_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) drv_fail(__FILE__, __LINE__, "%s == %s (%lld != %lld)", #a, #b, _a, _b); } while (0)
#define REQUIRE_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { drv_fail(__FILE__, __LINE__, "%s == %s (%lld != %lld)", #a, #b, _a, _b); return; } } while (0)

struct mb;

/* ---- keyd processes and client sockets (harness.c) ------------------- */
struct keyd {
	pid_t pid;
	char dir[64];		/* private temp dir, removed by drv_keyd_stop */
	char sock[108];
	char ctl[112];
	char state[128];	/* dir/state: used when started with_state */
	char log[128];		/* keyd's stderr */
	bool with_state;
};
/* Start keyd --foreground --socket DIR/keyd.sock [--state DIR/state]
 * [extra...]; waits until it accepts. 0 or -errno. */
int drv_keyd_start(struct keyd *k, bool with_state, const char *const *extra);
/* Start again in the same dir (restart with the same socket/state). */
int drv_keyd_restart(struct keyd *k);
/* SIGTERM, wait; returns the exit status (99 = valgrind found errors) or -1.
 * Does not remove the dir. */
int drv_keyd_term(struct keyd *k);
/* drv_keyd_term + CHECK(status == 0) + remove the temp dir. */
void drv_keyd_stop(struct keyd *k);
/* Start a plain keyd and connect n clients into fds; false (reported) on
 * failure. drv_down closes them and stops keyd (checking its status). */
bool drv_up(struct keyd *k, int *fds, int n);
void drv_down(struct keyd *k, int *fds, int n);
/* REGISTER fd for satype and read its own reply; false on failure. */
bool drv_register_fd(int fd, uint8_t satype);
/* Send msg on fd and require a reply of (type, err) on fd; false otherwise. */
bool drv_roundtrip_at(int fd, const struct mb *m, uint8_t type, uint8_t err,
		      const char *file, int line);
#define drv_roundtrip(fd, m, type, err) \
	drv_roundtrip_at((fd), (m), (type), (err), __FILE__, __LINE__)
/* Connect a client (SOCK_SEQPACKET; a PF_KEY socket in kernel mode).
 * -errno on failure. */
int drv_connect(const struct keyd *k);
/* One control-socket line; answer without newline in out. 0 or -errno. */
int drv_ctl(const struct keyd *k, const char *line, char *out, size_t cap);
/* Counter from "stats" (e.g. "drops"), or -1. */
long long drv_stat(const struct keyd *k, const char *name);

int drv_send(int fd, const void *msg, size_t len);
/* Receive one message: length, or -ETIMEDOUT / -errno / 0 on EOF. */
int drv_recv(int fd, void *buf, size_t cap, int timeout_ms);
/* True when nothing arrives within ms. */
bool drv_quiet(int fd, int ms);
/* Read and discard everything queued (returns the count). */
int drv_drain(int fd, int ms);

/* ---- message building (msg.c) ---------------------------------------- */
#define DRV_PID MB_PID
/* Convenience: a complete ESP SA (AES-CBC 128 + HMAC-SHA1) 10.0.0.1->2 */
size_t mb_esp_sa(struct mb *m, uint8_t type, uint32_t spi, uint32_t seq,
		 const char *src, const char *dst);
/* Convenience: SPDADD/SPDUPDATE/SPDDELETE of an ipsec esp/transport/require
 * policy between two hosts (any proto). */
size_t mb_esp_policy(struct mb *m, uint8_t type, uint8_t dir, const char *src,
		     const char *dst, uint32_t seq);
/* Header-only request (DUMP, FLUSH, REGISTER, ...). */
size_t mb_simple(struct mb *m, uint8_t type, uint8_t satype, uint32_t seq);

/* ---- reply checking (msg.c) ------------------------------------------ */
struct rx {
	uint8_t b[65536];
	int len;
	struct pfkm_exts ex;
	const struct sadb_msg *h;
};
/* Receive and walk one message; 0 or -errno (timeout, malformed). */
int rx_get(int fd, struct rx *r, int timeout_ms);
/* Receive and require type/errno (errno 0 for success) ; false otherwise,
 * with the reason reported as a failure. */
bool rx_expect(int fd, struct rx *r, uint8_t type, uint8_t err, const char *file, int line);
#define RX_EXPECT(fd, r, type, err) rx_expect((fd), (r), (type), (err), __FILE__, __LINE__)
const void *rx_ext(const struct rx *r, uint16_t type);
/* The 28-byte sockaddr_in6 tail in a 32-byte slot must be zero. */
bool rx_addr_tail_zero(const struct sadb_address *a);

#endif /* DRV_H */
