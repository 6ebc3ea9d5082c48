#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Backend auto-detection: no PF_KEY in this kernel (EAFNOSUPPORT), so keysh
# uses keyd on its default socket, starting the keyd next to its own binary
# when none runs, and says so once on stderr.

load fixtures/suite.bash

setup() {
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -p "$XDG_RUNTIME_DIR"
	SOCK=$XDG_RUNTIME_DIR/keyd.sock
}

teardown() {
	local pid
	# The keyd keysh started: found by this test's own socket path.
	for pid in $(pgrep -f -- "--socket $SOCK" || true); do
		kill "$pid"
	done
}

@test "auto: starts keyd on the default socket, says so once, then uses it" {
	[ ! -e /proc/net/pfkey ] && [ ! -e /proc/net/pfkeyv2 ] || skip "this kernel has PF_KEY"
	run "$KEYSH_BIN" -D
	assert_success
	assert_output "keysh: no PF_KEY in this kernel; started keyd on $SOCK
No SAD entries."
	[ -S "$SOCK" ]
	run "$KEYSH_BIN" 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E null'
	assert_success
	assert_output "keysh: no PF_KEY in this kernel; using keyd on $SOCK"
	run "$KEYSH_BIN" --backend keyd --json -D
	assert_success
	refute_output --partial "PF_KEY"
	assert_output --partial '"spi":4096'
}

@test "--backend keyd never starts keyd: exit 3" {
	run "$KEYSH_BIN" --backend keyd -D
	assert_failure 3
	assert_output "keysh: cannot connect to keyd on $SOCK: No such file or directory (ENOENT)"
	[ ! -e "$SOCK" ]
}

@test "completion never starts keyd" {
	run "$KEYSH_BIN" --complete "get 10.0.0.1 10.0.0.2 esp "
	assert_success
	[ ! -e "$SOCK" ]
}
