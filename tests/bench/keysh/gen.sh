#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# gen.sh N: N setkey add statements, one destination per SA (the same SAs
# as tests/bench/keyd/keyd_bench.c: ESP, AES-CBC-128 + HMAC-SHA1).
awk -v n="${1:-100000}" 'BEGIN {
	for (i = 0; i < n; i++) {
		d = i + 1
		printf "add 10.0.0.1 10.%d.%d.%d esp %d -E aes-cbc 0x000102030405060708090a0b0c0d0e0f -A hmac-sha1 0x0102030405060708090a0b0c0d0e0f1011121314;\n", int(d / 65536) % 256, int(d / 256) % 256, d % 256, 4096 + i
	}
}'
