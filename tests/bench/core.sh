#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# core.sh: kmod/core lookup benchmark. Compiles tests/bench/core/*.c against
# $B/libcore.a (cc -O2 -Ikmod/core) and prints SADB inbound lookup ns/op at
# 1k vs 1M SAs and SPD lookup at 10 vs 10k policies, with the ratios.
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
[ -f "$B/libcore.a" ] || make -s B="$B" "$B/libcore.a"
cc -O2 -D_GNU_SOURCE -Ikmod/core -o "$B/bench-core" tests/bench/core/*.c "$B/libcore.a" -lcrypto -lpthread
"$B/bench-core"
