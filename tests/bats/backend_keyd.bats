#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# keyd's side of the backends: --store memory|xfrm, --socket-group and
# --socket-mode (delegating keying to a group), the default socket rule
# shared with keysh, and the usage errors of these options.

load fixtures/suite.bash

setup() {
	keysh_skip_kernel "keyd options are tested on the host"
	KEYD=$KEYSH_BUILD/keyd
}

teardown() {
	[ -z "${KPID:-}" ] || { kill "$KPID" 2>/dev/null; wait "$KPID" 2>/dev/null; } || true
	[ -z "${DIR:-}" ] || rm -rf "$DIR"
}

need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root (setpriv to another uid)"; }

# keyd in the background on $DIR/keyd.sock with the given options.
start_keyd() {
	DIR=$(mktemp -d /tmp/keysh-grp.XXXXXX)
	chmod 0755 "$DIR"
	SOCK=$DIR/keyd.sock
	"$KEYD" --socket "$SOCK" --foreground "$@" 2>"$DIR/log" &
	KPID=$!
	for _ in $(seq 1 500); do
		[ -S "$SOCK" ] && [ -S "$SOCK.ctl" ] && return 0
		kill -0 "$KPID" 2>/dev/null || break
		sleep 0.01
	done
	cat "$DIR/log" >&2
	return 1
}

# keysh as uid nobody with the given setpriv group options.
as_nobody() { # setpriv-group-args... -- keysh-args...
	local g=()
	while [ "$1" != "--" ]; do g+=("$1"); shift; done
	shift
	setpriv --reuid nobody "${g[@]}" "$KEYSH_BIN" --socket "$SOCK" "$@"
}

@test "keyd: usage errors of --store, --socket-group, --socket-mode" {
	run "$KEYD" --store disk
	assert_failure 2
	assert_output "keyd: invalid --store \`disk' (memory or xfrm)"
	run "$KEYD" --socket-group no-such-group-keysh
	assert_failure 2
	assert_output "keyd: --socket-group: no group \`no-such-group-keysh'"
	run "$KEYD" --socket-group 4242 --socket-mode 0666
	assert_failure 2
	assert_output --partial "invalid --socket-mode \`0666'"
	run "$KEYD" --socket-group 4242 --socket-mode 0460
	assert_failure 2
	run "$KEYD" --socket-mode 0660
	assert_failure 2
	assert_output "keyd: --socket-mode needs --socket-group (alone, the sockets are 0600)"
	run "$KEYD" --store xfrm --state "$BATS_TEST_TMPDIR/state"
	assert_failure 2
	assert_output --partial "--state with --store xfrm"
}

@test "keyd: sockets are 0600 by default" {
	start_keyd
	[ "$(stat -c %a "$SOCK")" = 600 ]
	[ "$(stat -c %a "$SOCK.ctl")" = 600 ]
}

@test "keyd --socket-group: group and mode on both sockets; members key, others are refused" {
	need_root
	start_keyd --socket-group 4242
	[ "$(stat -c '%a %g' "$SOCK")" = "660 4242" ]
	[ "$(stat -c '%a %g' "$SOCK.ctl")" = "660 4242" ]
	# a member by a supplementary group
	run as_nobody --regid nogroup --groups 4242 -- 'add 10.0.0.1 10.0.0.2 esp 0x1001 -E null'
	assert_success
	# a member by its primary group
	run as_nobody --regid 4242 --clear-groups -- 'add 10.0.0.1 10.0.0.2 esp 0x1002 -E null'
	assert_success
	# not a member: refused
	run as_nobody --regid nogroup --clear-groups -- 'add 10.0.0.1 10.0.0.2 esp 0x1003 -E null'
	assert_failure 3
	assert_output "keysh: cannot connect to keyd on $SOCK: Permission denied (EACCES)"
	run "$KEYSH_BIN" --socket "$SOCK" --json -D
	assert_success
	assert_line --partial '"spi":4097'
	assert_line --partial '"spi":4098'
	refute_output --partial '"spi":4099'
}

@test "keyd --socket-group with --socket-mode 0600: only the owner and root" {
	need_root
	start_keyd --socket-group 4242 --socket-mode 0600
	[ "$(stat -c '%a %g' "$SOCK")" = "600 4242" ]
	run as_nobody --regid nogroup --groups 4242 -- -D
	assert_failure 3
}

@test "keyd: default socket is /run/keyd.sock for root, XDG_RUNTIME_DIR only for users" {
	need_root
	# a user without XDG_RUNTIME_DIR: no default, nothing created in /tmp
	run setpriv --reuid nobody --regid nogroup --clear-groups env -u XDG_RUNTIME_DIR \
		"$KEYD" --foreground
	assert_failure 2
	assert_output "keyd: XDG_RUNTIME_DIR is not set, so there is no default socket for uid 65534: give --socket PATH"
	[ ! -e /tmp/keyd-65534.sock ]
}
