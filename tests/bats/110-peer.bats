#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# keysh --peer: the other end's script. Applied to a second keyd, its
# policies must be this end's seen from the other side (out <-> in, the
# fwd a gateway needs), its SAs the same.

load fixtures/suite.bash

setup() {
	keysh_skip_kernel "two engines side by side: two keyds"
	keysh_start_keyd
	A_SOCKET=$KEYSH_SOCKET
	A_PID=$KEYD_PID
	B_SOCKET="$BATS_TEST_TMPDIR/b.sock"
	"$KEYSH_BUILD/keyd" --socket "$B_SOCKET" --foreground >"$BATS_TEST_TMPDIR/b.log" 2>&1 &
	B_PID=$!
	for _ in $(seq 1 1000); do
		[ -S "$B_SOCKET" ] && [ -S "$B_SOCKET.ctl" ] && break
		sleep 0.01
	done
	cat > "$BATS_TEST_TMPDIR/a.conf" <<'CONF'
# gateway A: 10.1.0.0/16 behind 192.0.2.1; B: 10.2.0.0/16 behind 192.0.2.2
add 192.0.2.1 192.0.2.2 esp 0x1001 -m tunnel -u 7 -E aes-gcm-16 0x3132333435363738393031323334353637383930;
add 192.0.2.2 192.0.2.1 esp 0x1002 -m tunnel -u 8 -E aes-gcm-16 0x4142434445464748494a4b4c4d4e4f5051525354;
spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/unique:7;
spdadd 10.2.0.0/16 10.1.0.0/16 any -P in ipsec
	esp/tunnel/192.0.2.2-192.0.2.1/unique:8;   # the way back
spdadd 10.2.0.0/16 10.1.0.0/16 any -P fwd ipsec esp/tunnel/192.0.2.2-192.0.2.1/unique:8;
# the gateways talk IKE-free, but keep ICMP in the clear
spdadd 192.0.2.1 192.0.2.2 icmp -P out prio high + 5 none;
spdadd 192.0.2.2 192.0.2.1 icmp -P in prio high + 5 none;
CONF
}

teardown() {
	kill "$B_PID" 2>/dev/null || true
	wait "$B_PID" 2>/dev/null || true
	keysh_stop_keyd
}

ksa() { "$KEYSH_BIN" --socket "$A_SOCKET" "$@"; }
ksb() { "$KEYSH_BIN" --socket "$B_SOCKET" "$@"; }

# Policies as comparable lines, direction mapped by $1 (a jq expression).
policies() { # socket dirmap
	"$KEYSH_BIN" --socket "$1" --json -DP |
		jq -c "$2"' | .policy | {dir, action, priority, src: .src, dst: .dst, requests}' | sort
}

@test "--peer applied to the other keyd: same SAs, policies mirrored with the gateway's fwd" {
	run ksa --peer -K -f "$BATS_TEST_TMPDIR/a.conf"
	assert_success
	(umask 077; ksa --peer -K -f "$BATS_TEST_TMPDIR/a.conf" > "$BATS_TEST_TMPDIR/b.conf")
	ksa -f "$BATS_TEST_TMPDIR/a.conf"
	ksb -f "$BATS_TEST_TMPDIR/b.conf"
	# SAs: identical, keys included
	[ "$(ksa -K --script -D)" = "$(ksb -K --script -D)" ]
	# A's out is B's in (and B's fwd: B forwards to 10.2/16); A's in is
	# B's out; A's fwd has no counterpart.
	want=$(policies "$A_SOCKET" 'select(.policy.dir != "fwd") |
		if .policy.dir == "out" then .policy.dir = "in" else .policy.dir = "out" end')
	fwd=$(policies "$A_SOCKET" 'select(.policy.dir == "out" and .policy.action == "ipsec") |
		.policy.dir = "fwd"')
	got=$(policies "$B_SOCKET" '.')
	[ -n "$want" ] && [ -n "$fwd" ]
	[ "$got" = "$(printf '%s\n%s\n' "$want" "$fwd" | sort)" ]
	[ "$(keysh_count_policies)" -eq 5 ]
	[ "$(ksb --json -DP | jq -s length)" -eq 5 ]
	# the peer of the peer is this end again (fwd included)
	before=$(policies "$A_SOCKET" .)
	(umask 077; ksb --peer -K -f "$BATS_TEST_TMPDIR/b.conf" > "$BATS_TEST_TMPDIR/aa.conf")
	ksa 'flush; spdflush;'
	ksa -f "$BATS_TEST_TMPDIR/aa.conf"
	[ "$(policies "$A_SOCKET" .)" = "$before" ]
}

@test "--peer keeps comments and layout; keys only with -K; runs nothing" {
	run ksa --peer -f "$BATS_TEST_TMPDIR/a.conf"
	assert_success
	assert_line --index 0 "# keys omitted (written without -K): this script cannot be loaded;"
	assert_line "# gateway A: 10.1.0.0/16 behind 192.0.2.1; B: 10.2.0.0/16 behind 192.0.2.2"
	assert_line "add 192.0.2.1 192.0.2.2 esp 0x1001 -m tunnel -u 7 -E aes-gcm-16 (hidden);"
	assert_line "spdadd 10.2.0.0/16[any] 10.1.0.0/16[any] any -P out prio def ipsec esp/tunnel/192.0.2.2-192.0.2.1/unique:8 ;   # the way back"
	assert_line "# keysh --peer: this end's fwd policy has no counterpart there"
	refute_output --partial 3132333435
	[ "$(keysh_count_sa)" -eq 0 ]
	[ "$(keysh_count_policies)" -eq 0 ]
}

@test "--peer refuses random keys and SPI auto, and needs a script" {
	run ksa --peer 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-gcm-16 random'
	assert_failure 1
	assert_output "<args>:1:1: --peer: 'random' keys and SPI 'auto' differ at each end: write the SPI and keys in the script"
	run ksa --peer -D
	assert_failure 2
	assert_line --index 0 "keysh: --peer needs a script: -f FILE, -c or statements"
}
