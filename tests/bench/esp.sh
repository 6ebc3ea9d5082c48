#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# esp.sh: kmod/core ESP encap (AES-GCM-16, 1400 B) vs raw OpenSSL EVP AES-GCM
# on the same payload in the same run; prints both rates and the ratio
# (goal >= 0.85). Usage: sh tests/bench/esp.sh [seconds-per-round]
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
make -s B="$B" "$B/libcore.a"
mkdir -p "$B/bench"
cc -O2 -D_GNU_SOURCE -Ikmod/core -o "$B/bench/esp" tests/bench/esp/*.c "$B/libcore.a" \
	-lcrypto -lpthread
"$B/bench/esp" "$@"
