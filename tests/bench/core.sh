#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# core.sh: kmod/core benchmarks. Compiles each tests/bench/core/<name>.c
# against $B/libcore.a and tests/lib/msg.c (the test message builder)
# (cc -O2 -Ikmod/core) as $B/bench-<name> and runs it:
#   lookup:  SADB inbound lookup ns/op at 1k vs 1M SAs and SPD lookup at 10
#            vs 10k policies, with the ratios;
#   onepair: ADD/GET/DELETE/FLUSH cost per SA when all SAs share one address
#            pair, at 100k vs 1M SAs (ONEPAIR="N_SMALL N_LARGE" to change).
# Usage: sh tests/bench/core.sh [lookup|onepair]   (default: both)
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
[ -f "$B/libcore.a" ] || make -s B="$B" "$B/libcore.a"
for name in ${1:-lookup onepair}; do
	cc -O2 -D_GNU_SOURCE -Ikmod/core -o "$B/bench-$name" "tests/bench/core/$name.c" \
		tests/lib/msg.c "$B/libcore.a" -lcrypto -lpthread
	case $name in
	onepair) "$B/bench-$name" ${ONEPAIR:-} ;;
	*) "$B/bench-$name" ;;
	esac
done
