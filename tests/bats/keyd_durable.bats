#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# keyd_durable.bats: --state on a full file system (issue 14). On a small
# tmpfs filled up, changes fail with ENOSPC (keysh reports it), nothing of
# them stays in keyd, what was acknowledged before is intact, and changes
# succeed again once space returns; a restart shows exactly the
# acknowledged state. Needs root (mount); skipped with the reason otherwise.

load lib/keysh.bash
load lib/keyd_private.bash

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs"
	keyd_private_setup
	M="$BATS_TEST_TMPDIR/fs"
	mkdir -p "$M"
	mount -t tmpfs -o size=1m,mode=0700 tmpfs "$M" || skip "cannot mount tmpfs here"
}

teardown() {
	keyd_private_teardown
	[ -n "${M:-}" ] && umount "$M" 2>/dev/null || true
}
add() { ks -c <<<"add 10.0.0.1 10.0.0.2 esp $1 -E aes-cbc 0x00112233445566778899aabbccddeeff ;"; }
has() { ks -c <<<"get 10.0.0.1 10.0.0.2 esp $1 ;" >/dev/null 2>&1; }

@test "keyd --state: ENOSPC fails the change, keeps state, recovers when space returns" {
	keyd_private_start --state "$M/state"
	add 0x1001
	# fill the file system; the journal's last page still takes a few
	# records, then a change must fail
	dd if=/dev/zero of="$M/fill" bs=4k 2>/dev/null || true
	failed=
	for i in $(seq 8192 8500); do
		run add "$i"
		if [ "$status" -ne 0 ]; then failed=$i; break; fi
		ok_last=$i
	done
	[ -n "$failed" ]
	[[ "$output" == *"No space left on device"* ]]
	! has "$failed"
	has "${ok_last:-0x1001}"
	has 0x1001
	# small DELETE records may still fit in the page: delete until refused
	dfail=
	for i in $(seq 8192 "$ok_last"); do
		run ks -c <<<"delete 10.0.0.1 10.0.0.2 esp $i ;"
		if [ "$status" -ne 0 ]; then dfail=$i; break; fi
		deleted=$i
	done
	[ -n "$dfail" ]
	[[ "$output" == *"No space left on device"* ]]
	has "$dfail"		# the refused DELETE left it
	grep -q "rolled back to the durable state" "$BATS_TEST_TMPDIR/keyd.log"
	rm -f "$M/fill"
	add 0x1003
	has 0x1003
	kill -9 "$PID"
	wait "$PID" 2>/dev/null || true
	PID=
	keyd_private_start --state "$M/state"
	has 0x1001
	has 0x1003
	! has "$failed"
	for i in $(seq 8192 $((failed - 1))); do
		if [ -n "${deleted:-}" ] && [ "$i" -le "$deleted" ]; then ! has "$i"; else has "$i"; fi
	done
}
