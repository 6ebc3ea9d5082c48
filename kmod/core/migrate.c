// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * migrate.c: owns the X_MIGRATE request (pfkey_migrate): its parsing and
 * checks (xfrm_migrate_check); the store moves the SAs and templates
 * (xfrm_migrate) and reports it, and notify.c sends the MIGRATE message to
 * all sockets (pfkey_send_migrate). Linux answers ENOPROTOOPT without
 * CONFIG_NET_KEY_MIGRATE; keysh implements it.
 * Old and new endpoints must be of one family (CVE-2026-31515: af_key
 * trusted them and overran its buffer).
 */
#include "net.h"

static int pair(const struct sadb_x_ipsecrequest *rq, struct pfkm_addr *s,
		struct pfkm_addr *d)
{
	const struct sockaddr *a, *b;
	int fam = pfkm_walker_sockaddr_pair(rq + 1, rq->sadb_x_ipsecrequest_len - sizeof(*rq),
					    &a, &b);

	if (fam < 0)
		return fam;
	pfkm_addr_from_sockaddr(a, s, NULL);
	pfkm_addr_from_sockaddr(b, d, NULL);
	return fam;
}

/* ipsecrequests_to_migrate: an old and a new request. Bytes used or -errno. */
static int parse_one(const uint8_t *p, size_t len, struct pfkm_store_mig *m)
{
	const struct sadb_x_ipsecrequest *r1 = (const void *)p, *r2;
	int fam1, fam2, mode;

	if (len < sizeof(*r1) || len < r1->sadb_x_ipsecrequest_len ||
	    r1->sadb_x_ipsecrequest_len < sizeof(*r1))
		return -EINVAL;
	fam1 = pair(r1, &m->old_s, &m->old_d);
	if (fam1 < 0)
		return fam1;
	r2 = (const void *)(p + r1->sadb_x_ipsecrequest_len);
	len -= r1->sadb_x_ipsecrequest_len;
	if (len <= sizeof(*r2) || len < r2->sadb_x_ipsecrequest_len ||
	    r2->sadb_x_ipsecrequest_len < sizeof(*r2))
		return -EINVAL;
	fam2 = pair(r2, &m->new_s, &m->new_d);
	if (fam2 < 0)
		return fam2;
	if (fam1 != fam2)
		return -EINVAL;		/* CVE-2026-31515 */
	if (r1->sadb_x_ipsecrequest_proto != r2->sadb_x_ipsecrequest_proto ||
	    r1->sadb_x_ipsecrequest_mode != r2->sadb_x_ipsecrequest_mode ||
	    r1->sadb_x_ipsecrequest_reqid != r2->sadb_x_ipsecrequest_reqid)
		return -EINVAL;
	mode = pfkm_sa_msg_mode(r1->sadb_x_ipsecrequest_mode);
	if (mode < 0)
		return -EINVAL;
	m->proto = (uint8_t)r1->sadb_x_ipsecrequest_proto;
	m->mode = (uint8_t)mode;
	m->reqid = r1->sadb_x_ipsecrequest_reqid;
	m->family = (uint8_t)fam1;
	return r1->sadb_x_ipsecrequest_len + r2->sadb_x_ipsecrequest_len;
}

/* xfrm_migrate_check */
static int check(const struct pfkm_store_mig *m, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		if (pfkm_addr_any(m[i].family, &m[i].new_d) || pfkm_addr_any(m[i].family, &m[i].new_s))
			return -EINVAL;
		for (j = i + 1; j < n; j++)
			if (pfkm_addr_equal(AF_INET6, &m[i].old_d, &m[j].old_d) &&
			    pfkm_addr_equal(AF_INET6, &m[i].old_s, &m[j].old_s) &&
			    m[i].proto == m[j].proto && m[i].mode == m[j].mode &&
			    m[i].reqid == m[j].reqid && m[i].family == m[j].family)
				return -EINVAL;
	}
	return 0;
}

int pfkm_migrate_req(struct pfkm_req *r)
{
	const struct sadb_x_policy *xp = PFKM_X(r, SADB_X_EXT_POLICY, struct sadb_x_policy);
	const struct sadb_x_kmaddress *kma = PFKM_X(r, SADB_X_EXT_KMADDRESS,
						    struct sadb_x_kmaddress);
	struct pfkm_store *st = r->net->store;
	struct pfkm_store_migrate *mg;
	const uint8_t *p;
	size_t len;
	int ret;

	if (!st->ops->migrate)
		return -EOPNOTSUPP;
	mg = os_zalloc(sizeof(*mg));
	if (!mg)
		return -ENOMEM;
	ret = -EINVAL;
	if (pfkm_policy_msg_sel(r, &mg->sel) || !xp)
		goto out;
	if (xp->sadb_x_policy_dir >= IPSEC_DIR_MAX)
		goto out;
	mg->dir = xp->sadb_x_policy_dir;
	if (kma) {
		const struct sockaddr *a, *b;

		ret = pfkm_walker_sockaddr_pair(kma + 1, (size_t)kma->sadb_x_kmaddress_len *
						PFKM_UNIT - sizeof(*kma), &a, &b);
		if (ret < 0)
			goto out;
		mg->kfam = ret;
		pfkm_addr_from_sockaddr(a, &mg->kl, NULL);
		pfkm_addr_from_sockaddr(b, &mg->kr, NULL);
		mg->kres = kma->sadb_x_kmaddress_reserved;
	}
	/* The migrate message keeps the raw selector protocol (0 = any). */
	p = (const uint8_t *)(xp + 1);
	len = (size_t)xp->sadb_x_policy_len * PFKM_UNIT - sizeof(*xp);
	while (len > 0 && mg->n < PFKM_MAX_TEMPLATES) {
		ret = parse_one(p, len, &mg->m[mg->n]);
		if (ret < 0)
			goto out;
		p += ret;
		len -= (size_t)ret;
		mg->n++;
	}
	ret = -EINVAL;
	if (!mg->n || len > 0)
		goto out;
	ret = check(mg->m, mg->n);
	if (!ret)
		ret = st->ops->migrate(st, mg);
out:
	os_free(mg);
	return ret;
}
