#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# keyd_files.bats: keyd's files cannot be bent by whoever else can reach
# them (issue 14): pidfile and state tmp never followed, state file and
# directory ownership and mode checked, FIFOs and oversized files refused
# before reading, one keyd per state file (lock) and nothing written by a
# keyd that refuses.

load lib/keysh.bash
load lib/keyd_private.bash

setup() {
	keyd_private_setup
	D="$BATS_TEST_TMPDIR/st"
	mkdir -m 0700 "$D"
}

teardown() { keyd_private_teardown; }

add_sa() { # spi
	"$KEYSH" --backend keyd --socket "$S" -c <<<"add 10.0.0.1 10.0.0.2 esp $1 -E aes-cbc 0x00112233445566778899aabbccddeeff ;"
}

# a valid state file with one SA in $D/state
make_state() {
	keyd_private_start --state "$D/state"
	add_sa 0x1001
	keyd_private_stop
}

# run keyd (foreground) that must refuse to start; at most 10 s.
refuse() {
	run timeout 10 "$KEYD" --foreground --socket "$S" "$@"
	[ "$status" -ne 124 ]	# did not hang
	[ "$status" -ne 0 ]
	[ ! -e "${RS:-$S}" ]	# nothing bound
}

@test "keyd: a symlinked pidfile is refused and its target untouched" {
	echo precious >"$BATS_TEST_TMPDIR/victim"
	ln -s "$BATS_TEST_TMPDIR/victim" "$D/keyd.pid"
	refuse --pidfile "$D/keyd.pid"
	[ "$status" -eq 1 ]
	[[ "$output" == *"pidfile $D/keyd.pid: exists and is a symbolic link: refusing"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/victim")" = precious ]
}

@test "keyd: a stale pidfile of ours is replaced, removed at exit" {
	echo 99999 >"$D/keyd.pid"
	keyd_private_start --pidfile "$D/keyd.pid"
	# written once keyd listens (--daemon reports readiness after it)
	for _ in $(seq 1 500); do [ "$(cat "$D/keyd.pid")" = "$PID" ] && break; sleep 0.01; done
	[ "$(cat "$D/keyd.pid")" = "$PID" ]
	[ ! -L "$D/keyd.pid" ]
	keyd_private_stop
	[ ! -e "$D/keyd.pid" ]
}

@test "keyd: a pre-created state tmp (symlink) is not written through" {
	echo precious >"$BATS_TEST_TMPDIR/victim"
	ln -s "$BATS_TEST_TMPDIR/victim" "$D/state.tmp"
	keyd_private_start --state "$D/state"
	add_sa 0x1001
	keyd_private_stop
	[ "$(cat "$BATS_TEST_TMPDIR/victim")" = precious ]
	[ -f "$D/state" ] && [ ! -L "$D/state" ]
	[ "$(stat -c %a "$D/state")" = 600 ]
	keyd_private_start --state "$D/state"
	run "$KEYSH" --backend keyd --socket "$S" -c <<<"get 10.0.0.1 10.0.0.2 esp 0x1001 ;"
	[ "$status" -eq 0 ]
}

@test "keyd: a FIFO at the state path is refused without hanging" {
	mkfifo -m 0600 "$D/state"
	refuse --state "$D/state"
	[ "$status" -eq 3 ]
	[[ "$output" == *"state file $D/state: not a regular file: refusing"* ]]
}

@test "keyd: a symlink at the state path is refused" {
	make_state
	mv "$D/state" "$D/real"
	ln -s "$D/real" "$D/state"
	refuse --state "$D/state"
	[ "$status" -eq 3 ]
	[[ "$output" == *"is a symbolic link: refusing"* ]]
}

@test "keyd: an oversized state file is refused from its header, not read" {
	# a 1 GiB sparse file whose valid header claims one message in 1 GiB
	python3 - "$D/state" <<'PY'
import struct, sys
size = 1 << 30
with open(sys.argv[1], "wb") as f:
    f.write(b"KEYDSTAT" + struct.pack("<IIQ", 2, 1, size - 64) + bytes(32) + struct.pack("<Q", 0))
    f.truncate(size)
PY
	chmod 0600 "$D/state"
	refuse --state "$D/state"
	[ "$status" -eq 3 ]
	[[ "$output" == *"body bytes cannot hold 1 messages"* ]]
	# and a file whose size disagrees with its header
	truncate -s 100 "$D/state"
	refuse --state "$D/state"
	[ "$status" -eq 3 ]
	[[ "$output" == *"truncated (header says"* ]]
}

@test "keyd: a group-writable or world-readable state file is refused" {
	make_state
	chmod 0660 "$D/state"
	refuse --state "$D/state"
	[ "$status" -eq 3 ]
	[[ "$output" == *"mode 0660 gives group or others access: refusing (must be 0600)"* ]]
	chmod 0604 "$D/state"
	refuse --state "$D/state"
	[ "$status" -eq 3 ]
	chmod 0600 "$D/state"
	keyd_private_start --state "$D/state"
}

@test "keyd: a state file owned by another user is refused" {
	[ "$(id -u)" = 0 ] || skip "needs root to chown the state file to another user"
	make_state
	chown 65534 "$D/state"
	refuse --state "$D/state"
	[ "$status" -eq 3 ]
	[[ "$output" == *"owned by uid 65534, not keyd's uid 0: refusing"* ]]
}

@test "keyd: a state directory writable by others or owned by another user is refused" {
	chmod 1777 "$D"
	refuse --state "$D/state"
	[ "$status" -eq 3 ]
	[[ "$output" == *"state directory $D is writable by group or others (mode 1777)"* ]]
	[ ! -e "$D/state" ] && [ ! -e "$D/state.lock" ]
	chmod 0700 "$D"
	if [ "$(id -u)" = 0 ]; then
		chown 65534 "$D"
		refuse --state "$D/state"
		[ "$status" -eq 3 ]
		[[ "$output" == *"is owned by uid 65534, not keyd's uid 0"* ]]
	fi
}

@test "keyd: a second keyd on the same state refuses before touching anything" {
	keyd_private_start --state "$D/state"
	add_sa 0x1001
	before=$(stat -c '%i %Y %s' "$D/state")
	RS="$BATS_TEST_TMPDIR/other.sock"
	refuse --socket "$RS" --state "$D/state"
	[ "$status" -eq 3 ]
	[[ "$output" == *"state file $D/state is in use by another keyd ($D/state.lock is locked)"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/other.sock" ]
	[ "$(stat -c '%i %Y %s' "$D/state")" = "$before" ]
	run "$KEYSH" --backend keyd --socket "$S" -c <<<"get 10.0.0.1 10.0.0.2 esp 0x1001 ;"
	[ "$status" -eq 0 ]
}

# /proc/PID/limits shows the core limit; a non-dumpable process's /proc
# files belong to root (visible when the test does not run as root).
assert_no_core() { # pid
	grep -Eq '^Max core file size +0 +0 ' "/proc/$1/limits"
	if [ "$(id -u)" != 0 ]; then
		[ "$(stat -c %u "/proc/$1/environ")" = 0 ]
	fi
}

@test "keyd and keysh: no core dumps while they may hold keys" {
	keyd_private_start
	assert_no_core "$PID"
	"$KEYSH" --backend keyd --socket "$S" -x >/dev/null 2>&1 &
	mon=$!
	sleep 0.3
	assert_no_core "$mon"
	kill "$mon"
	wait "$mon" || true
}
