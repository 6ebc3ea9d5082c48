#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keyd.sh: ADD throughput and DUMP time of keyd. Starts a private keyd,
# streams N (default 100000) pre-built ADD messages through one raw client
# connection (the ceiling keysh's batch install is measured against), then
# DUMPs and DELETEs them. PAIRS=distinct (default: one destination per SA)
# or same (every SA between one address pair, the core's worst case);
# LARVAL=1 keeps a larval SA without SPI pending on another pair meanwhile.
# Usage: sh tests/bench/keyd.sh [N] [WINDOW]
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
N=${1:-100000}
W=${2:-64}
PAIRS=${PAIRS:-distinct}
[ -x "$B/keyd" ] || { echo "keyd.sh: $B/keyd missing (make B=$B userspace)" >&2; exit 1; }
make -s B="$B" "$B/libpfkey.a" "$B/libxfrmnl.a" "$B/libcore.a"
tmp=$(mktemp -d)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cc -O2 -D_GNU_SOURCE -Ikmod/core -Isrc/lib -o "$tmp/keyd_bench" tests/bench/keyd/*.c "$B/libpfkey.a" \
	"$B/libxfrmnl.a" "$B/libcore.a" -lmnl -lcrypto -lpthread
"$B/keyd" --foreground --socket "$tmp/keyd.sock" 2>"$tmp/keyd.log" &
pid=$!
i=0
while [ ! -S "$tmp/keyd.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
"$tmp/keyd_bench" "$tmp/keyd.sock" "$N" "$W" "$PAIRS" "$([ "${LARVAL:-0}" = 1 ] && echo larval || echo none)"
rss=$(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status 2>/dev/null || echo "?")
echo "keyd peak RSS with $N SAs: $rss"
