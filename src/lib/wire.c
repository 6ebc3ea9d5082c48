// SPDX-License-Identifier: BSD-2-Clause
/*
 * wire.c: the one place where libpfkey's internal enums (pfk_satype,
 * pfk_mode, ...) meet SADB_* / IPSEC_* / IPPROTO_* numbers, and where they
 * get their setkey spellings. Builders and the parser call these; nothing
 * else in the library names a wire number of these enums.
 */
#include <errno.h>
#include "pfk.h"
#include "wire.h"

struct map {
	int internal;
	unsigned int wire;
	const char *name;
};

#define LOOKUP_TO(tab, v)						\
	do {								\
		size_t i_;						\
		for (i_ = 0; i_ < sizeof(tab) / sizeof(tab[0]); i_++)	\
			if (tab[i_].internal == (int)(v))		\
				return (int)tab[i_].wire;		\
		return -EINVAL;						\
	} while (0)
#define LOOKUP_FROM(tab, v, type)					\
	do {								\
		size_t i_;						\
		for (i_ = 0; i_ < sizeof(tab) / sizeof(tab[0]); i_++)	\
			if (tab[i_].wire == (v))			\
				return (type)tab[i_].internal;		\
		return (type)0;						\
	} while (0)
#define LOOKUP_NAME(tab, v)						\
	do {								\
		size_t i_;						\
		for (i_ = 0; i_ < sizeof(tab) / sizeof(tab[0]); i_++)	\
			if (tab[i_].internal == (int)(v))		\
				return tab[i_].name;			\
		return "unknown";					\
	} while (0)

static const struct map satypes[] = {
	{ PFK_SATYPE_UNSPEC, SADB_SATYPE_UNSPEC, "unspec" },
	{ PFK_SATYPE_AH, SADB_SATYPE_AH, "ah" },
	{ PFK_SATYPE_ESP, SADB_SATYPE_ESP, "esp" },
	{ PFK_SATYPE_IPCOMP, SADB_X_SATYPE_IPCOMP, "ipcomp" },
	{ PFK_SATYPE_RSVP, SADB_SATYPE_RSVP, "rsvp" },
	{ PFK_SATYPE_OSPFV2, SADB_SATYPE_OSPFV2, "ospfv2" },
	{ PFK_SATYPE_RIPV2, SADB_SATYPE_RIPV2, "ripv2" },
	{ PFK_SATYPE_MIP, SADB_SATYPE_MIP, "mip" },
};

static const struct map modes[] = {
	{ PFK_MODE_ANY, IPSEC_MODE_ANY, "any" },
	{ PFK_MODE_TRANSPORT, IPSEC_MODE_TRANSPORT, "transport" },
	{ PFK_MODE_TUNNEL, IPSEC_MODE_TUNNEL, "tunnel" },
	{ PFK_MODE_BEET, IPSEC_MODE_BEET, "beet" },
};

static const struct map states[] = {
	{ PFK_STATE_LARVAL, SADB_SASTATE_LARVAL, "larval" },
	{ PFK_STATE_MATURE, SADB_SASTATE_MATURE, "mature" },
	{ PFK_STATE_DYING, SADB_SASTATE_DYING, "dying" },
	{ PFK_STATE_DEAD, SADB_SASTATE_DEAD, "dead" },
};

static const struct map dirs[] = {
	{ PFK_DIR_ANY, IPSEC_DIR_ANY, "any" },
	{ PFK_DIR_IN, IPSEC_DIR_INBOUND, "in" },
	{ PFK_DIR_OUT, IPSEC_DIR_OUTBOUND, "out" },
	{ PFK_DIR_FWD, IPSEC_DIR_FWD, "fwd" },
};

static const struct map actions[] = {
	{ PFK_ACTION_DISCARD, IPSEC_POLICY_DISCARD, "discard" },
	{ PFK_ACTION_NONE, IPSEC_POLICY_NONE, "none" },
	{ PFK_ACTION_IPSEC, IPSEC_POLICY_IPSEC, "ipsec" },
	{ PFK_ACTION_ENTRUST, IPSEC_POLICY_ENTRUST, "entrust" },
	{ PFK_ACTION_BYPASS, IPSEC_POLICY_BYPASS, "bypass" },
};

static const struct map levels[] = {
	{ PFK_LEVEL_DEFAULT, IPSEC_LEVEL_DEFAULT, "default" },
	{ PFK_LEVEL_USE, IPSEC_LEVEL_USE, "use" },
	{ PFK_LEVEL_REQUIRE, IPSEC_LEVEL_REQUIRE, "require" },
	{ PFK_LEVEL_UNIQUE, IPSEC_LEVEL_UNIQUE, "unique" },
};

static const struct map ipprotos[] = {
	{ PFK_IPPROTO_ESP, IPPROTO_ESP, "esp" },
	{ PFK_IPPROTO_AH, IPPROTO_AH, "ah" },
	{ PFK_IPPROTO_IPCOMP, IPPROTO_COMP, "ipcomp" },
};

static const struct map msgtypes[] = {
	{ PFK_T_GETSPI, SADB_GETSPI, "GETSPI" },
	{ PFK_T_UPDATE, SADB_UPDATE, "UPDATE" },
	{ PFK_T_ADD, SADB_ADD, "ADD" },
	{ PFK_T_DELETE, SADB_DELETE, "DELETE" },
	{ PFK_T_GET, SADB_GET, "GET" },
	{ PFK_T_ACQUIRE, SADB_ACQUIRE, "ACQUIRE" },
	{ PFK_T_REGISTER, SADB_REGISTER, "REGISTER" },
	{ PFK_T_EXPIRE, SADB_EXPIRE, "EXPIRE" },
	{ PFK_T_FLUSH, SADB_FLUSH, "FLUSH" },
	{ PFK_T_DUMP, SADB_DUMP, "DUMP" },
	{ PFK_T_PROMISC, SADB_X_PROMISC, "X_PROMISC" },
	{ PFK_T_PCHANGE, SADB_X_PCHANGE, "X_PCHANGE" },
	{ PFK_T_SPDUPDATE, SADB_X_SPDUPDATE, "X_SPDUPDATE" },
	{ PFK_T_SPDADD, SADB_X_SPDADD, "X_SPDADD" },
	{ PFK_T_SPDDELETE, SADB_X_SPDDELETE, "X_SPDDELETE" },
	{ PFK_T_SPDGET, SADB_X_SPDGET, "X_SPDGET" },
	{ PFK_T_SPDACQUIRE, SADB_X_SPDACQUIRE, "X_SPDACQUIRE" },
	{ PFK_T_SPDDUMP, SADB_X_SPDDUMP, "X_SPDDUMP" },
	{ PFK_T_SPDFLUSH, SADB_X_SPDFLUSH, "X_SPDFLUSH" },
	{ PFK_T_SPDSETIDX, SADB_X_SPDSETIDX, "X_SPDSETIDX" },
	{ PFK_T_SPDEXPIRE, SADB_X_SPDEXPIRE, "X_SPDEXPIRE" },
	{ PFK_T_SPDDELETE2, SADB_X_SPDDELETE2, "X_SPDDELETE2" },
	{ PFK_T_NAT_T_NEW_MAPPING, SADB_X_NAT_T_NEW_MAPPING, "X_NAT_T_NEW_MAPPING" },
	{ PFK_T_MIGRATE, SADB_X_MIGRATE, "X_MIGRATE" },
};

int pfk_satype_to_sadb(enum pfk_satype t) { LOOKUP_TO(satypes, t); }
enum pfk_satype pfk_satype_from_sadb(unsigned int v) { LOOKUP_FROM(satypes, v, enum pfk_satype); }
int pfk_mode_to_wire(enum pfk_mode m) { LOOKUP_TO(modes, m); }
enum pfk_mode pfk_mode_from_wire(unsigned int v) { LOOKUP_FROM(modes, v, enum pfk_mode); }
int pfk_state_to_wire(enum pfk_state s) { LOOKUP_TO(states, s); }
enum pfk_state pfk_state_from_wire(unsigned int v) { LOOKUP_FROM(states, v, enum pfk_state); }
int pfk_dir_to_wire(enum pfk_dir d) { LOOKUP_TO(dirs, d); }
enum pfk_dir pfk_dir_from_wire(unsigned int v) { LOOKUP_FROM(dirs, v, enum pfk_dir); }
int pfk_action_to_wire(enum pfk_action a) { LOOKUP_TO(actions, a); }
enum pfk_action pfk_action_from_wire(unsigned int v) { LOOKUP_FROM(actions, v, enum pfk_action); }
int pfk_level_to_wire(enum pfk_level l) { LOOKUP_TO(levels, l); }
enum pfk_level pfk_level_from_wire(unsigned int v) { LOOKUP_FROM(levels, v, enum pfk_level); }
int pfk_ipproto_to_wire(enum pfk_ipproto p) { LOOKUP_TO(ipprotos, p); }
enum pfk_ipproto pfk_ipproto_from_wire(unsigned int v) { LOOKUP_FROM(ipprotos, v, enum pfk_ipproto); }
int pfk_msgtype_to_sadb(enum pfk_msgtype t) { LOOKUP_TO(msgtypes, t); }
enum pfk_msgtype pfk_msgtype_from_sadb(unsigned int v) { LOOKUP_FROM(msgtypes, v, enum pfk_msgtype); }

const char *pfk_msgtype_name(enum pfk_msgtype t) { LOOKUP_NAME(msgtypes, t); }
const char *pfk_satype_name(enum pfk_satype t) { LOOKUP_NAME(satypes, t); }
const char *pfk_mode_name(enum pfk_mode m) { LOOKUP_NAME(modes, m); }
const char *pfk_state_name(enum pfk_state s) { LOOKUP_NAME(states, s); }
const char *pfk_dir_name(enum pfk_dir d) { LOOKUP_NAME(dirs, d); }
const char *pfk_action_name(enum pfk_action a) { LOOKUP_NAME(actions, a); }
const char *pfk_level_name(enum pfk_level l) { LOOKUP_NAME(levels, l); }
const char *pfk_ipproto_name(enum pfk_ipproto p) { LOOKUP_NAME(ipprotos, p); }

/*
 * Upper-layer protocol names as /etc/protocols spells them, so dumps do not
 * depend on the host's netbase. 255 (IPSEC_ULPROTO_ANY) is "any".
 */
static const struct {
	uint8_t num;
	const char *name;
} ulprotos[] = {
	{ 1, "icmp" }, { 2, "igmp" }, { 4, "ipencap" }, { 6, "tcp" },
	{ 17, "udp" }, { 41, "ipv6" }, { 47, "gre" }, { 50, "esp" },
	{ 51, "ah" }, { 58, "ipv6-icmp" }, { 103, "pim" }, { 108, "ipcomp" },
	{ 132, "sctp" }, { 135, "mobility-header" }, { 136, "udplite" },
	{ IPSEC_ULPROTO_ANY, "any" },
};

const char *pfk_ulproto_name(unsigned int proto)
{
	size_t i;

	for (i = 0; i < sizeof(ulprotos) / sizeof(ulprotos[0]); i++)
		if (ulprotos[i].num == proto)
			return ulprotos[i].name;
	return NULL;
}

int pfk_ulproto_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(ulprotos) / sizeof(ulprotos[0]); i++)
		if (strcmp(ulprotos[i].name, name) == 0)
			return ulprotos[i].num;
	if (strcmp(name, "icmp6") == 0)
		return IPPROTO_ICMPV6;
	return -ENOENT;
}
