#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# keyd_load.bats: no spurious failures under load (issue 14). Eight keysh
# writers (four of them --atomic), a monitor and a dump loop against one
# keyd --state: every writer succeeds, every acknowledged ADD is there at
# the end (also after kill -9 and a restart), and the monitor sees every
# ADD or counts it as LOST. And keysh settles a change whose reply did not
# come in time instead of reporting ETIMEDOUT for it.

load lib/keysh.bash
load lib/keyd_private.bash

setup() {
	keyd_private_setup
	D="$BATS_TEST_TMPDIR/st"
	mkdir -m 0700 "$D"
}

teardown() {
	[ -n "${MON:-}" ] && kill "$MON" 2>/dev/null || true
	[ -n "${DL:-}" ] && kill "$DL" 2>/dev/null || true
	keyd_private_teardown
}

@test "keyd: 8 writers, a monitor and a dump loop: no spurious failure, nothing lost" {
	N=1500
	keyd_private_start --state "$D/state"
	ks -x --json >"$BATS_TEST_TMPDIR/mon" 2>&1 &
	MON=$!
	( while :; do ks -D >/dev/null 2>&1 || true; done ) &
	DL=$!
	sleep 0.3
	for w in 1 2 3 4 5 6 7 8; do
		awk -v w="$w" -v n="$N" 'BEGIN { for (i = 0; i < n; i++)
			printf "add 10.%d.0.1 10.%d.0.2 esp %d -E aes-cbc 0x00112233445566778899aabbccddeeff ;\n", w, w, 4096 + i }' \
			>"$BATS_TEST_TMPDIR/w$w.conf"
	done
	pids=
	for w in 1 2 3 4 5 6 7 8; do
		if [ $((w % 2)) = 0 ]; then a=--atomic; else a=; fi
		ks $a -f "$BATS_TEST_TMPDIR/w$w.conf" >"$BATS_TEST_TMPDIR/w$w.out" 2>&1 &
		pids="$pids $!"
	done
	fails=0
	for p in $pids; do wait "$p" || fails=$((fails + 1)); done
	cat "$BATS_TEST_TMPDIR"/w*.out >&2
	[ "$fails" -eq 0 ]
	# acknowledged means durable: kill -9 at once, restart, count
	kill -9 "$PID"; wait "$PID" 2>/dev/null || true; PID=
	kill "$DL" 2>/dev/null || true; DL=
	keyd_private_start --state "$D/state"
	[ "$(ks -D --json | grep -c '"spi"')" -eq $((8 * N)) ]
	# the monitor saw ADDs or counted them lost, never more than were made
	sleep 0.3
	kill "$MON" 2>/dev/null || true; wait "$MON" 2>/dev/null || true; MON=
	seen=$(grep -c '"type":"ADD"' "$BATS_TEST_TMPDIR/mon" || true)
	lost=$(grep -o '"type":"LOST","count":[0-9]*' "$BATS_TEST_TMPDIR/mon" |
		awk -F: '{ s += $NF } END { print s + 0 }')
	echo "monitor: $seen ADD events, $lost LOST" >&2
	[ "$seen" -gt 0 ]
	[ $((seen + lost)) -le $((8 * N)) ]
}

@test "keyd: a monitor sees every ADD of 8 writers or counts it LOST" {
	N=1500
	keyd_private_start
	ks -x --json >"$BATS_TEST_TMPDIR/mon" 2>&1 &
	MON=$!
	sleep 0.3
	for w in 1 2 3 4 5 6 7 8; do
		awk -v w="$w" -v n="$N" 'BEGIN { for (i = 0; i < n; i++)
			printf "add 10.%d.0.1 10.%d.0.2 esp %d -E aes-cbc 0x00112233445566778899aabbccddeeff ;\n", w, w, 4096 + i }' \
			>"$BATS_TEST_TMPDIR/w$w.conf"
	done
	pids=
	for w in 1 2 3 4 5 6 7 8; do
		ks -f "$BATS_TEST_TMPDIR/w$w.conf" >/dev/null 2>&1 &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p"; done
	sleep 1
	kill "$MON"; wait "$MON" 2>/dev/null || true; MON=
	seen=$(grep -c '"type":"ADD"' "$BATS_TEST_TMPDIR/mon" || true)
	lost=$(grep -o '"type":"LOST","count":[0-9]*' "$BATS_TEST_TMPDIR/mon" |
		awk -F: '{ s += $NF } END { print s + 0 }')
	echo "monitor: $seen ADD events, $lost LOST" >&2
	[ $((seen + lost)) -eq $((8 * N)) ]
}

@test "keysh: a change whose reply comes late is settled, not reported as ETIMEDOUT" {
	keyd_private_start
	kill -STOP "$PID"
	( sleep 6.5; kill -CONT "$PID" ) &
	run ks --atomic -c <<<"add 10.0.0.1 10.0.0.2 esp 0x1001 -E aes-cbc 0x00112233445566778899aabbccddeeff ;"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	ks -c <<<"get 10.0.0.1 10.0.0.2 esp 0x1001 ;" >/dev/null
}

@test "keysh: a policy change whose reply comes late is settled too" {
	keyd_private_start
	kill -STOP "$PID"
	( sleep 6.5; kill -CONT "$PID" ) &
	run ks --atomic -c <<<"spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/transport//require ;"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$(ks -DP --json | grep -c '"dir":"out"')" -eq 1 ]
}
