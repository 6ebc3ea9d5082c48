/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pfk.h: libpfkey, the userspace PF_KEY library behind keysh and keytui.
 *
 * One model (struct pfk_sa, pfk_policy, pfk_msg with PFK_*_HAS_* flags),
 * filled by the parser from any received message and consumed by the
 * builders. Internal enums start at *_UNKNOWN = 0 so a zeroed struct means
 * "unset"; only wire.c translates them to and from SADB_* numbers.
 * Every function returns 0 / a count, or -errno; nothing here prints to
 * stdout/stderr (renderers write to the FILE * they are given).
 */
#ifndef PFK_H
#define PFK_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "../../kmod/core/alg.h"

/* ---- model ---------------------------------------------------------- */

enum pfk_satype {
	PFK_SATYPE_UNKNOWN = 0,
	PFK_SATYPE_UNSPEC,	/* "all" in flush/dump/register */
	PFK_SATYPE_AH,
	PFK_SATYPE_ESP,
	PFK_SATYPE_IPCOMP,
	PFK_SATYPE_RSVP,
	PFK_SATYPE_OSPFV2,
	PFK_SATYPE_RIPV2,
	PFK_SATYPE_MIP,
};

enum pfk_mode {
	PFK_MODE_UNKNOWN = 0,
	PFK_MODE_ANY,
	PFK_MODE_TRANSPORT,
	PFK_MODE_TUNNEL,
	PFK_MODE_BEET,
};

enum pfk_state {
	PFK_STATE_UNKNOWN = 0,
	PFK_STATE_LARVAL,
	PFK_STATE_MATURE,
	PFK_STATE_DYING,
	PFK_STATE_DEAD,
};

enum pfk_dir {
	PFK_DIR_UNKNOWN = 0,
	PFK_DIR_ANY,
	PFK_DIR_IN,
	PFK_DIR_OUT,
	PFK_DIR_FWD,
};

enum pfk_action {		/* policy type */
	PFK_ACTION_UNKNOWN = 0,
	PFK_ACTION_DISCARD,
	PFK_ACTION_NONE,
	PFK_ACTION_IPSEC,
	PFK_ACTION_ENTRUST,
	PFK_ACTION_BYPASS,
};

enum pfk_level {
	PFK_LEVEL_UNKNOWN = 0,
	PFK_LEVEL_DEFAULT,
	PFK_LEVEL_USE,
	PFK_LEVEL_REQUIRE,
	PFK_LEVEL_UNIQUE,
};

enum pfk_ipproto {		/* protocol of an ipsecrequest */
	PFK_IPPROTO_UNKNOWN = 0,
	PFK_IPPROTO_ESP,
	PFK_IPPROTO_AH,
	PFK_IPPROTO_IPCOMP,
};

/*
 * An endpoint or selector: address, prefix, port and upper protocol.
 * Builders write: proto 0 as 255 (IPSEC_ULPROTO_ANY); prefixlen 0 as the
 * full length (32/128) unless the address is all zeros (0.0.0.0/0, ::/0 stay
 * /0, which is what a selector "any address" means). The parser stores the
 * wire values unchanged.
 */
struct pfk_addr {
	uint8_t family;		/* AF_INET, AF_INET6, 0 = unset */
	uint8_t prefixlen;
	uint8_t proto;		/* sadb_address_proto: IPPROTO_*, 255 = any */
	uint16_t port;		/* host order, 0 = any */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} a;
	uint32_t scope;		/* IPv6 sin6_scope_id ("fe80::1%eth0"), 0 = none */
};

#define PFK_KEY_MAX 64		/* bytes: 512-bit keys are the largest */
struct pfk_key {
	uint16_t bits;
	uint8_t data[PFK_KEY_MAX];
};

struct pfk_lifetime {
	uint32_t allocations;
	uint64_t bytes, addtime, usetime;
};

#define PFK_SECCTX_MAX 256
struct pfk_secctx {
	uint8_t doi, alg;
	uint16_t len;
	char str[PFK_SECCTX_MAX + 1];
};

enum {
	PFK_SA_HAS_SA = 1u << 0,	/* spi, replay, state, algs, flags */
	PFK_SA_HAS_SA2 = 1u << 1,	/* mode, reqid, sa2 seq */
	PFK_SA_HAS_SRC = 1u << 2,
	PFK_SA_HAS_DST = 1u << 3,
	PFK_SA_HAS_PROXY = 1u << 4,
	PFK_SA_HAS_AUTH_KEY = 1u << 5,
	PFK_SA_HAS_ENC_KEY = 1u << 6,
	PFK_SA_HAS_CUR = 1u << 7,
	PFK_SA_HAS_HARD = 1u << 8,
	PFK_SA_HAS_SOFT = 1u << 9,
	PFK_SA_HAS_NATT = 1u << 10,	/* natt_type, sport, dport */
	PFK_SA_HAS_NATT_OA = 1u << 11,
	PFK_SA_HAS_SECCTX = 1u << 12,
	PFK_SA_HAS_SPIRANGE = 1u << 13,
};

struct pfk_sa {
	uint32_t has;
	enum pfk_satype satype;
	uint32_t spi;			/* host order */
	uint8_t replay;			/* window, packets */
	enum pfk_state state;
	uint8_t auth_alg, enc_alg;	/* SADB ids; for IPComp enc_alg = CALG */
	uint32_t flags;			/* sadb_sa_flags */
	enum pfk_mode mode;
	uint32_t reqid, sa2_seq;
	struct pfk_addr src, dst, proxy, natt_oa;
	struct pfk_key auth_key, enc_key;
	struct pfk_lifetime cur, hard, soft;
	uint8_t natt_type;
	uint16_t natt_sport, natt_dport; /* host order */
	struct pfk_secctx ctx;
	uint32_t spi_min, spi_max;	/* SPIRANGE (GETSPI) */
};

#define PFK_MAX_REQ 6
struct pfk_ipsecreq {
	enum pfk_ipproto proto;
	enum pfk_mode mode;
	enum pfk_level level;
	uint32_t reqid;
	struct pfk_addr src, dst;	/* tunnel endpoints, family 0 if none */
};

enum {
	PFK_POL_HAS_POLICY = 1u << 0,	/* dir, action, id, priority, reqs */
	PFK_POL_HAS_SRC = 1u << 1,
	PFK_POL_HAS_DST = 1u << 2,
	PFK_POL_HAS_CUR = 1u << 3,
	PFK_POL_HAS_HARD = 1u << 4,
	PFK_POL_HAS_SOFT = 1u << 5,
	PFK_POL_HAS_SECCTX = 1u << 6,
};

struct pfk_policy {
	uint32_t has;
	enum pfk_dir dir;
	enum pfk_action action;
	uint32_t id;
	uint32_t priority;		/* wire value: 0x80000000 - user value */
	struct pfk_addr src, dst;	/* selectors; .proto = upper layer */
	unsigned int nreq;
	struct pfk_ipsecreq req[PFK_MAX_REQ];
	struct pfk_lifetime cur, hard, soft;
	struct pfk_secctx ctx;
	uint16_t refcnt;		/* sadb_msg_reserved in replies */
};

/* One algorithm as advertised in SUPPORTED_AUTH/ENCRYPT. */
struct pfk_supported_alg {
	uint8_t id, ivlen;
	uint16_t minbits, maxbits;
};
#define PFK_MAX_SUPPORTED 32
#define PFK_MAX_COMBS 32
struct pfk_comb {
	uint8_t auth, encrypt;
	uint16_t flags;
	uint16_t auth_minbits, auth_maxbits, encrypt_minbits, encrypt_maxbits;
	uint32_t soft_allocations, hard_allocations;
	uint64_t soft_bytes, hard_bytes, soft_addtime, hard_addtime,
		 soft_usetime, hard_usetime;
};

enum pfk_msgkind {
	PFK_MSG_UNKNOWN = 0,
	PFK_MSG_SA,		/* GETSPI/UPDATE/ADD/DELETE/GET/DUMP/EXPIRE/FLUSH */
	PFK_MSG_POLICY,		/* X_SPD* */
	PFK_MSG_REGISTER,	/* SUPPORTED lists */
	PFK_MSG_ACQUIRE,	/* sa (addresses) + policy + proposal */
	PFK_MSG_MIGRATE,
	PFK_MSG_OTHER,
};

enum pfk_msgtype {		/* SADB message types, internal numbering */
	PFK_T_UNKNOWN = 0,
	PFK_T_GETSPI, PFK_T_UPDATE, PFK_T_ADD, PFK_T_DELETE, PFK_T_GET,
	PFK_T_ACQUIRE, PFK_T_REGISTER, PFK_T_EXPIRE, PFK_T_FLUSH, PFK_T_DUMP,
	PFK_T_PROMISC, PFK_T_PCHANGE, PFK_T_SPDUPDATE, PFK_T_SPDADD,
	PFK_T_SPDDELETE, PFK_T_SPDGET, PFK_T_SPDACQUIRE, PFK_T_SPDDUMP,
	PFK_T_SPDFLUSH, PFK_T_SPDSETIDX, PFK_T_SPDEXPIRE, PFK_T_SPDDELETE2,
	PFK_T_NAT_T_NEW_MAPPING, PFK_T_MIGRATE,
};

struct pfk_migrate_req {
	struct pfk_ipsecreq old, new_;
};

/* Everything one received message can say. */
struct pfk_msg {
	enum pfk_msgkind kind;
	enum pfk_msgtype type;
	uint8_t errno_;			/* sadb_msg_errno */
	enum pfk_satype satype;
	uint32_t seq, pid;
	uint16_t reserved;
	size_t len;			/* bytes */
	struct pfk_sa sa;		/* SA-type messages, ACQUIRE addresses */
	struct pfk_policy pol;		/* policy messages, ACQUIRE policy */
	unsigned int nauth, nenc;	/* REGISTER replies */
	struct pfk_supported_alg auth[PFK_MAX_SUPPORTED], enc[PFK_MAX_SUPPORTED];
	unsigned int ncomb;		/* ACQUIRE proposal */
	uint8_t prop_replay;
	struct pfk_comb comb[PFK_MAX_COMBS];
	unsigned int nmigrate;		/* X_MIGRATE */
	struct pfk_addr km_local, km_remote;
	struct pfk_migrate_req migrate[PFK_MAX_REQ];
};

/* Wipe key material held in a model (explicit_bzero). */
void pfk_sa_wipe(struct pfk_sa *sa);
void pfk_msg_wipe(struct pfk_msg *m);

/* ---- enums <-> wire (the one translation place: wire.c) ------------- */
int pfk_satype_to_sadb(enum pfk_satype t);
enum pfk_satype pfk_satype_from_sadb(unsigned int v);
int pfk_mode_to_wire(enum pfk_mode m);
enum pfk_mode pfk_mode_from_wire(unsigned int v);
int pfk_state_to_wire(enum pfk_state s);
enum pfk_state pfk_state_from_wire(unsigned int v);
int pfk_dir_to_wire(enum pfk_dir d);
enum pfk_dir pfk_dir_from_wire(unsigned int v);
int pfk_action_to_wire(enum pfk_action a);
enum pfk_action pfk_action_from_wire(unsigned int v);
int pfk_level_to_wire(enum pfk_level l);
enum pfk_level pfk_level_from_wire(unsigned int v);
int pfk_ipproto_to_wire(enum pfk_ipproto p);	/* IPPROTO_ESP ... */
enum pfk_ipproto pfk_ipproto_from_wire(unsigned int v);
int pfk_msgtype_to_sadb(enum pfk_msgtype t);
enum pfk_msgtype pfk_msgtype_from_sadb(unsigned int v);
const char *pfk_msgtype_name(enum pfk_msgtype t);	/* "ADD", "X_SPDADD" */

/* ---- names (setkey spellings) ---------------------------------------- */
const char *pfk_satype_name(enum pfk_satype t);	/* "esp", "ah", "ipcomp" */
const char *pfk_mode_name(enum pfk_mode m);	/* "any", "transport", ... */
const char *pfk_state_name(enum pfk_state s);	/* "larval", "mature", ... */
const char *pfk_dir_name(enum pfk_dir d);	/* "in", "out", "fwd" */
const char *pfk_action_name(enum pfk_action a);	/* "discard", "none", "ipsec" */
const char *pfk_level_name(enum pfk_level l);	/* "default", "use", ... */
const char *pfk_ipproto_name(enum pfk_ipproto p);	/* "esp", "ah", "ipcomp" */
/* Upper-layer protocol (selector) names as /etc/protocols spells them, 255 =
 * "any"; NULL when the number has no built-in name (print the number). */
const char *pfk_ulproto_name(unsigned int proto);
/* Inverse (also accepts "icmp6"); -ENOENT when unknown. */
int pfk_ulproto_from_name(const char *name);

/* Policy priorities (wire values) behind setkey's "prio low|def|high". */
#define PFK_PRIO_HIGH 0x40000000u
#define PFK_PRIO_DEFAULT 0x80000000u
#define PFK_PRIO_LOW 0xC0000000u

/* ---- algorithms: see kmod/core/alg.h (pfkm_alg_*) -------------------- */
/* Key length in bytes for alg, or the first allowed size when several. */
size_t pfk_alg_default_key_bytes(const struct pfkm_alg *alg);
/* The valid algorithm names for a protocol (for completion / pick-lists). */
size_t pfk_alg_names(enum pfk_satype t, enum pfkm_alg_kind kind,
		     const char **out, size_t max);

/* ---- builders (build.c) ---------------------------------------------- */
/*
 * Each builder writes one complete PF_KEY message into buf (cap bytes) and
 * returns its length in bytes, or -EMSGSIZE / -EINVAL. seq and pid go into
 * the header. Fields are taken from the model only where HAS_* says so.
 * b->p must be 8-byte aligned (uint64_t storage); b->len is set to the
 * message length. Defaults: SA state LARVAL (as KAME setkey; af_key ignores
 * it), SA2 mode any, request mode transport / level require, policy action
 * ipsec. HARD and SOFT lifetimes are sent together when either is given
 * (af_key refuses one alone); the missing one goes out as zeros (no limit).
 */
struct pfk_buf {
	uint8_t *p;
	size_t cap, len;
};
int pfk_build_getspi(struct pfk_buf *b, const struct pfk_sa *sa, uint32_t seq, uint32_t pid);
int pfk_build_add(struct pfk_buf *b, const struct pfk_sa *sa, uint32_t seq, uint32_t pid);
int pfk_build_update(struct pfk_buf *b, const struct pfk_sa *sa, uint32_t seq, uint32_t pid);
int pfk_build_delete(struct pfk_buf *b, const struct pfk_sa *sa, uint32_t seq, uint32_t pid);
int pfk_build_get(struct pfk_buf *b, const struct pfk_sa *sa, uint32_t seq, uint32_t pid);
int pfk_build_acquire_error(struct pfk_buf *b, enum pfk_satype t, uint32_t acq_seq,
			    uint8_t err, uint32_t pid);
int pfk_build_register(struct pfk_buf *b, enum pfk_satype t, uint32_t seq, uint32_t pid);
int pfk_build_flush(struct pfk_buf *b, enum pfk_satype t, uint32_t seq, uint32_t pid);
int pfk_build_dump(struct pfk_buf *b, enum pfk_satype t, uint32_t seq, uint32_t pid);
int pfk_build_promisc(struct pfk_buf *b, bool on, uint32_t seq, uint32_t pid);
int pfk_build_spdadd(struct pfk_buf *b, const struct pfk_policy *p, uint32_t seq, uint32_t pid);
int pfk_build_spdupdate(struct pfk_buf *b, const struct pfk_policy *p, uint32_t seq, uint32_t pid);
int pfk_build_spddelete(struct pfk_buf *b, const struct pfk_policy *p, uint32_t seq, uint32_t pid);
int pfk_build_spddelete2(struct pfk_buf *b, uint32_t id, uint32_t seq, uint32_t pid);
int pfk_build_spdget(struct pfk_buf *b, uint32_t id, uint32_t seq, uint32_t pid);
int pfk_build_spddump(struct pfk_buf *b, uint32_t seq, uint32_t pid);
int pfk_build_spdflush(struct pfk_buf *b, uint32_t seq, uint32_t pid);
int pfk_build_migrate(struct pfk_buf *b, const struct pfk_policy *sel,
		      const struct pfk_addr *km_local, const struct pfk_addr *km_remote,
		      const struct pfk_migrate_req *reqs, unsigned int n,
		      uint32_t seq, uint32_t pid);

/* ---- parser (parse.c) ------------------------------------------------ */
/* Walk (kmod/core/walker.c) and decode any received message. -errno on a
 * malformed one (-E2BIG: a key or context larger than the model holds,
 * -ELOOP: more than PFK_MAX_REQ requests). buf must be 8-byte aligned, as
 * pfk_conn_recv's caller buffer should be. Key bytes are copied into the
 * model: pfk_msg_wipe after. */
int pfk_parse(const void *buf, size_t len, struct pfk_msg *out);
/* One address extension (already bounded by the walker) into a pfk_addr. */
struct sadb_address;
void pfk_parse_addr_ext(const struct sadb_address *e, struct pfk_addr *a);

/* ---- transports (transport.c, engine.c) and the backend choice (backend.c) */
enum pfk_backend {
	PFK_BACKEND_AUTO = 0,
	PFK_BACKEND_PFKEY,	/* the kernel's socket(PF_KEY, SOCK_RAW, PF_KEY_V2) */
	PFK_BACKEND_XFRM,	/* in-process PF_KEY engine on XFRM netlink (engine.c) */
	PFK_BACKEND_KEYD,	/* Unix SOCK_SEQPACKET to keyd */
};
struct pfk_engine_sock;
struct pfk_conn {
	int fd;
	enum pfk_backend backend;	/* set by pfk_conn_open, also on failure */
	char path[108];		/* keyd socket path */
	uint32_t pid, seq;	/* our pid for headers, next seq */
	uint64_t lost;		/* receive overflows observed (ENOBUFS) */
	uint32_t peer_uid;	/* keyd: the server's uid (SO_PEERCRED) */
	struct pfk_engine_sock *eng;	/* XFRM: this connection's engine socket */
};
/*
 * Default keyd socket: /run/keyd.sock for root (whatever XDG_RUNTIME_DIR
 * says), $XDG_RUNTIME_DIR/keyd.sock for everyone else. -EDESTADDRREQ when
 * a non-root user has no XDG_RUNTIME_DIR (there is no shared fallback: a
 * socket in /tmp could be bound by anyone first).
 */
int pfk_keyd_default_path(char *buf, size_t cap);
/*
 * Open a backend. AUTO resolves through pfk_backend_resolve (path non-NULL:
 * keyd). KEYD connects to path (NULL: the default) and refuses a server that
 * runs as neither root nor our own uid (-EACCES, c->peer_uid says who).
 * -EAFNOSUPPORT: no PF_KEY; -EPERM: needs CAP_NET_ADMIN; -ENOENT /
 * -ECONNREFUSED: no keyd listening. c->backend and c->path tell what was
 * tried, for pfk_conn_explain.
 */
int pfk_conn_open(struct pfk_conn *c, enum pfk_backend be, const char *path);
void pfk_conn_close(struct pfk_conn *c);
int pfk_conn_send(struct pfk_conn *c, const void *msg, size_t len);
/* Receive one whole message (buf at least PFKM_MSG_MAX to be safe).
 * timeout_ms < 0 waits forever; -ETIMEDOUT on timeout. */
int pfk_conn_recv(struct pfk_conn *c, void *buf, size_t cap, int timeout_ms);
/* sendmmsg()/recvmmsg(MSG_DONTWAIT) of whole messages for pipelining
 * (pipeline.c): the number done, or -errno as those calls' errno. */
struct mmsghdr;
int pfk_conn_sendv(struct pfk_conn *c, struct mmsghdr *mv, unsigned int n);
int pfk_conn_recvv(struct pfk_conn *c, struct mmsghdr *mv, unsigned int n);
/* Whether err from send/recv means the engine went away (keyd exited). */
bool pfk_conn_lost(const struct pfk_conn *c, int err);
const char *pfk_backend_name(enum pfk_backend be);
/* "auto", "pfkey" ("kernel" too), "xfrm", "keyd"; -EINVAL otherwise. */
int pfk_backend_parse(const char *s, enum pfk_backend *out);
/*
 * The one place keysh and keytui choose: want as given by --backend, sock
 * by --socket. AUTO with a socket is keyd; AUTO without one is the kernel's
 * PF_KEY when socket(PF_KEY) works or is refused for want of
 * CAP_NET_ADMIN, else XFRM netlink. keyd is never chosen unless asked for.
 */
enum pfk_backend pfk_backend_resolve(enum pfk_backend want, const char *sock);
/*
 * One line for the user about a failed pfk_conn_open (or a lost
 * connection: err from pfk_conn_lost), naming what to do: CAP_NET_ADMIN
 * and --backend keyd, how to start keyd, the uid of a foreign socket.
 */
void pfk_conn_explain(const struct pfk_conn *c, int err, char *buf, size_t cap);
/* A statement the backend refused for want of kernel support (the
 * kernel's xfrm without ESP/AH, a missing crypto module): one line naming
 * what is missing, for after the error; 1 when written, else 0. */
struct pfk_stmt;
int pfk_conn_hint(const struct pfk_conn *c, const struct pfk_stmt *st, int err, char *buf,
		  size_t cap);
/* What -v and the status bar show: "pfkey (pfkeyv2.ko)", "xfrm (netlink)",
 * "keyd /run/keyd.sock". */
void pfk_conn_describe(const struct pfk_conn *c, char *buf, size_t cap);

/* ---- renderers (render_*.c) ------------------------------------------ */
enum {
	PFK_R_SHOW_KEYS = 1u << 0,	/* print keys instead of (hidden) */
	PFK_R_PORTS = 1u << 1,		/* setkey -p */
	PFK_R_UNIX_TIME = 1u << 2,	/* -xx timestamps */
};
/* setkey -D block for one SA; `now` = wall clock used for diff: lines. */
void pfk_render_sa_setkey(FILE *f, const struct pfk_msg *m, unsigned int flags, uint64_t now);
/* setkey -DP block for one policy. */
void pfk_render_policy_setkey(FILE *f, const struct pfk_msg *m, unsigned int flags, uint64_t now);
/* One policy request as setkey writes it: "esp/tunnel/A-B/require:5". */
void pfk_render_request(FILE *f, const struct pfk_ipsecreq *r, bool ports);
/* " prio def + 5" (leading blank) for a wire priority; nothing for 0. */
void pfk_render_priority(FILE *f, uint32_t prio);
/* setkey -x/-v kdebug_sadb blocks for any raw message. A message the walker
 * rejects prints its header (when there is one) and a "malformed" line. */
void pfk_render_debug(FILE *f, const void *buf, size_t len, unsigned int flags);
/* One JSON object (single line, no trailing newline) for any parsed msg. */
void pfk_render_json(FILE *f, const struct pfk_msg *m, unsigned int flags);
/* Restorable script statement(s): "add ... ;" / "spdadd ... ;". Keys are
 * written when keys is true; otherwise each key is the word (hidden),
 * which the parser refuses (such a script cannot restore anything). */
void pfk_render_script_sa(FILE *f, const struct pfk_sa *sa, bool keys);
void pfk_render_script_policy(FILE *f, const struct pfk_policy *p);
/*
 * Address text, the one place an address becomes text (text.c): the host
 * ("10.0.0.1", "2001:db8::1", "fe80::1%eth0" with the zone's interface name
 * or number), then what flags ask for:
 *   prefix (at most one): PFK_ADDR_PLEN always "/plen"; PFK_ADDR_PLEN_SHORT
 *     "/plen" unless the family's full width (setkey's SPD); PFK_ADDR_PLEN_NET
 *     "/plen" when shorter than full, and "/0" only on an all-zero address
 *     (an SA's prefix 0 is not a network);
 *   port: PFK_ADDR_PORT "[port]" unless 0; PFK_ADDR_PORT_ANY "[port]" or
 *     "[any]"; PFK_ADDR_PORT_ALWAYS "[port]" even for 0.
 * PFK_ADDR_NET = PLEN_NET|PORT: "10.0.0.0/24", "10.0.0.1[4500]".
 * Returns the length (as snprintf: the text is cut at cap-1), -EINVAL (buf
 * "") for a family other than AF_INET/AF_INET6.
 */
#define PFK_ADDR_PLEN		0x01u
#define PFK_ADDR_PLEN_SHORT	0x02u
#define PFK_ADDR_PLEN_NET	0x04u
#define PFK_ADDR_PORT		0x10u
#define PFK_ADDR_PORT_ANY	0x20u
#define PFK_ADDR_PORT_ALWAYS	0x40u
#define PFK_ADDR_NET		(PFK_ADDR_PLEN_NET | PFK_ADDR_PORT)
/* Longest text: an IPv6 address, "%" zone, "/128", "[65535]". */
#define PFK_ADDR_TXT		80
int pfk_addr_format(char *buf, size_t cap, const struct pfk_addr *a, unsigned int flags);

/*
 * peer.c: the policies the other end needs for p (keysh --peer): same
 * selectors and requests, out -> in (plus fwd when that end is a tunnel
 * gateway for a network), in -> out, fwd -> none. Returns 0, 1 or 2.
 */
int pfk_policy_peer(const struct pfk_policy *p, struct pfk_policy out[2]);

/*
 * file.c: a file that may hold keys. open creates a temporary file 0600
 * (O_CREAT|O_EXCL|O_NOFOLLOW) next to path; commit syncs it and renames it
 * over path; abort removes it. A path owned by another user: -EPERM; a
 * directory: -EISDIR. Returns 0 or -errno.
 */
struct pfk_file {
	int fd;
	char path[4096];
	char tmp[4096 + 32];
};
int pfk_file_open(struct pfk_file *f, const char *path);
int pfk_file_commit(struct pfk_file *f);
void pfk_file_abort(struct pfk_file *f);

#endif /* PFK_H */
