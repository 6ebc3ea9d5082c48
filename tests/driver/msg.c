// SPDX-License-Identifier: BSD-2-Clause
/*
 * msg.c: the driver's stock requests (on tests/lib/msg.c, the builder every
 * test program shares) and reply checking.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "drv.h"

size_t mb_esp_sa(struct mb *m, uint8_t type, uint32_t spi, uint32_t seq,
		 const char *src, const char *dst)
{
	unsigned int plen = strchr(src, ':') ? 128 : 32;

	mb_hdr(m, type, SADB_SATYPE_ESP, seq);
	mb_sa(m, spi, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	mb_addr(m, SADB_EXT_ADDRESS_SRC, src, (int)plen, IPSEC_PROTO_ANY, 0);
	mb_addr(m, SADB_EXT_ADDRESS_DST, dst, (int)plen, IPSEC_PROTO_ANY, 0);
	mb_key(m, SADB_EXT_KEY_AUTH, 160, 0xa5);
	mb_key(m, SADB_EXT_KEY_ENCRYPT, 128, 0x5a);
	return mb_done(m);
}

size_t mb_esp_policy(struct mb *m, uint8_t type, uint8_t dir, const char *src,
		     const char *dst, uint32_t seq)
{
	unsigned int plen = strchr(src, ':') ? 128 : 32;
	struct sadb_x_policy *pol;

	mb_hdr(m, type, SADB_SATYPE_UNSPEC, seq);
	mb_addr(m, SADB_EXT_ADDRESS_SRC, src, (int)plen, IPSEC_PROTO_ANY, 0);
	mb_addr(m, SADB_EXT_ADDRESS_DST, dst, (int)plen, IPSEC_PROTO_ANY, 0);
	pol = mb_policy(m, IPSEC_POLICY_IPSEC, dir, 0, 0);
	mb_ipsecreq(m, pol, IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0,
		    NULL, NULL);
	return mb_done(m);
}

size_t mb_simple(struct mb *m, uint8_t type, uint8_t satype, uint32_t seq)
{
	mb_hdr(m, type, satype, seq);
	return mb_done(m);
}

int rx_get(int fd, struct rx *r, int timeout_ms)
{
	int ret;

	r->len = drv_recv(fd, r->b, sizeof(r->b), timeout_ms);
	r->h = (const struct sadb_msg *)(const void *)r->b;
	memset(&r->ex, 0, sizeof(r->ex));
	if (r->len <= 0)
		return r->len == 0 ? -ECONNRESET : r->len;
	ret = pfkm_walker_reply(r->b, (size_t)r->len, &r->ex);
	return ret < 0 ? ret : 0;
}

bool rx_expect(int fd, struct rx *r, uint8_t type, uint8_t err, const char *file, int line)
{
	int ret = rx_get(fd, r, 2000);

	if (ret) {
		drv_fail(file, line, "expected message type %u errno %u: got %s (len %d)",
			 type, err, strerror(-ret), r->len);
		return false;
	}
	if (r->h->sadb_msg_type != type || r->h->sadb_msg_errno != err) {
		drv_fail(file, line, "expected message type %u errno %u: got type %u errno %u",
			 type, err, r->h->sadb_msg_type, r->h->sadb_msg_errno);
		return false;
	}
	if (err && r->h->sadb_msg_len != 2) {
		drv_fail(file, line, "error reply with sadb_msg_len %u (want 2)",
			 r->h->sadb_msg_len);
		return false;
	}
	return true;
}

const void *rx_ext(const struct rx *r, uint16_t type)
{
	return type <= SADB_EXT_MAX ? r->ex.ext[type] : NULL;
}

bool rx_addr_tail_zero(const struct sadb_address *a)
{
	const uint8_t *p = (const uint8_t *)(a + 1);
	size_t slot = (size_t)a->sadb_address_len * 8 - sizeof(*a), i;

	for (i = sizeof(struct sockaddr_in6); i < slot; i++)
		if (p[i])
			return false;
	if (((const struct sockaddr *)(const void *)p)->sa_family == AF_INET)
		for (i = sizeof(struct sockaddr_in); i < slot; i++)
			if (p[i])
				return false;
	return true;
}
