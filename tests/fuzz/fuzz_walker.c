// SPDX-License-Identifier: BSD-2-Clause
// fuzz-links: lib
/*
 * fuzz_walker.c: libFuzzer target for everything that reads untrusted
 * PF_KEY bytes in userspace: the core walker (request and reply rules, the
 * ipsecrequest iterator) and libpfkey's parser and renderers on top of it.
 * The input is copied into an 8-byte aligned buffer, as sockets deliver.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "pfk.h"
#include "walker.h"

static uint64_t buf[PFKM_MSG_MAX / 8 + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	static struct pfk_msg m;
	struct pfkm_exts e;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (size > sizeof(buf))
		size = sizeof(buf);
	memcpy(buf, data, size);

	if (pfkm_walker_request(buf, size, &e) == 0 && e.ext[SADB_X_EXT_POLICY]) {
		const struct sadb_x_ipsecrequest *rq;
		struct pfkm_req_iter it;

		pfkm_walker_request_begin(&it, PFKM_EXT(&e, SADB_X_EXT_POLICY,
							 struct sadb_x_policy));
		while (pfkm_walker_request_next(&it, &rq) > 0)
			;
	}
	pfk_render_debug(sink, buf, size, PFK_R_SHOW_KEYS);
	if (pfk_parse(buf, size, &m) == 0) {
		pfk_render_json(sink, &m, PFK_R_SHOW_KEYS);
		pfk_render_sa_setkey(sink, &m, PFK_R_SHOW_KEYS | PFK_R_PORTS, 0);
		pfk_render_policy_setkey(sink, &m, PFK_R_PORTS, 0);
		pfk_render_script_sa(sink, &m.sa, true);
		pfk_render_script_policy(sink, &m.pol);
		pfk_msg_wipe(&m);
	}
	return 0;
}
