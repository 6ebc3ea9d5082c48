// SPDX-License-Identifier: BSD-2-Clause
/* test_walker.c: header and extension rules of kmod/core/walker.c, each with
 * the errno Linux af_key gives. */
#include "unit.h"
#include "walker.h"

static size_t put_hdr(uint8_t *b, uint8_t type, size_t len)
{
	struct sadb_msg *m = (void *)b;

	memset(m, 0, sizeof(*m));
	m->sadb_msg_version = PF_KEY_V2;
	m->sadb_msg_type = type;
	m->sadb_msg_len = len / 8;
	return sizeof(*m);
}

TEST(walker_header_rules)
{
	uint64_t buf[8];
	uint8_t *b = (void *)buf;
	struct sadb_msg *m = (void *)b;
	struct pfkm_exts e;

	put_hdr(b, SADB_FLUSH, 16);
	CHECK_EQ(pfkm_walker_request(b, 16, &e), 0);
	CHECK_EQ(pfkm_walker_request(b, 15, &e), -EMSGSIZE);
	CHECK_EQ(pfkm_walker_request(b, 24, &e), -EMSGSIZE);
	m->sadb_msg_version = 1;
	CHECK_EQ(pfkm_walker_request(b, 16, &e), -EINVAL);
	put_hdr(b, SADB_FLUSH, 16);
	m->sadb_msg_reserved = 1;
	CHECK_EQ(pfkm_walker_request(b, 16, &e), -EINVAL);
	CHECK_EQ(pfkm_walker_reply(b, 16, &e), 0);
	put_hdr(b, 0, 16);
	CHECK_EQ(pfkm_walker_request(b, 16, &e), -EINVAL);
	put_hdr(b, SADB_MAX + 1, 16);
	CHECK_EQ(pfkm_walker_request(b, 16, &e), -EINVAL);
}
