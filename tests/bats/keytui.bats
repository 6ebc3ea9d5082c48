#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# keytui.bats: keytui driven through tmux (send-keys / capture-pane) against a
# private keyd per test. Each flow of issue 6: start, navigate, compose an SA
# with a generated key and see it in SAD and its ADD in Events, the pair
# wizard, delete, flush, filter, resize, export, and invalid input rejected
# with the message keysh prints for the same statement.

load lib/keysh.bash

# ks STATEMENTS: run keysh statements against the private keyd.
ks() { printf '%s\n' "$1" | keysh_cmd -c; }

KT="${KEYTUI:-${KEYSH_BUILD:-$PWD/build}/keytui}"

setup() {
	command -v tmux >/dev/null || skip "tmux not installed"
	keysh_start_keyd
	TSOCK="$BATS_TEST_TMPDIR/tmux.sock"
}

teardown() {
	tmux -S "$TSOCK" kill-server 2>/dev/null || true
	keysh_stop_keyd
}

# kt_start [COLSxROWS] [keytui args...]: keytui in a detached tmux pane.
kt_start() {
	local size=100x30
	case "${1:-}" in *x*) size=$1; shift ;; esac
	printf '#!/bin/sh\n"$@" 2>"%s/stderr"\necho "EXIT=$?" >"%s/exit"\nsleep 600\n' \
		"$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/run.sh"
	tmux -S "$TSOCK" -f /dev/null new-session -d -s kt -x "${size%x*}" -y "${size#*x}" \
		"env TERM=screen LANG=C.UTF-8 sh $BATS_TEST_TMPDIR/run.sh $KT --socket $KEYSH_SOCKET $*"
	kt_wait "1 SAD"
}

kt_keys() { tmux -S "$TSOCK" send-keys -t kt "$@"; }
kt_type() { tmux -S "$TSOCK" send-keys -t kt -l "$1"; }
kt_screen() { tmux -S "$TSOCK" capture-pane -p -t kt; }

# Waits poll for a condition, never sleep a fixed time: under load (CI, VMs
# next door) a frame can take seconds, so the timeouts are generous and only
# a failing test pays them.
KT_TIMEOUT=${KT_TIMEOUT:-20}

# kt_wait TEXT [seconds]: until the screen shows TEXT (fixed string).
kt_wait() {
	local end=$((SECONDS + ${2:-$KT_TIMEOUT}))
	while [ "$SECONDS" -lt "$end" ]; do
		kt_screen | grep -qF -- "$1" && return 0
		sleep 0.05
	done
	echo "--- screen (waiting for: $1) ---" >&2
	kt_screen >&2
	return 1
}

# kt_wait_line TEXT1 TEXT2: until one screen line shows both.
kt_wait_line() {
	local end=$((SECONDS + KT_TIMEOUT))
	while [ "$SECONDS" -lt "$end" ]; do
		kt_screen | grep -F -- "$1" | grep -qF -- "$2" && return 0
		sleep 0.05
	done
	echo "--- screen (waiting for a line with: $1 and $2) ---" >&2
	kt_screen >&2
	return 1
}

# kt_gone TEXT: until the screen no longer shows TEXT.
kt_gone() {
	local end=$((SECONDS + KT_TIMEOUT))
	while [ "$SECONDS" -lt "$end" ]; do
		kt_screen | grep -qF -- "$1" || return 0
		sleep 0.05
	done
	echo "--- screen (still shows: $1) ---" >&2
	kt_screen >&2
	return 1
}

# kt_idle: until the status bar has no " | loading" (no dump running).
kt_idle() { kt_gone " | loading"; }

add_sa() { # src dst spi
	ks "add $1 $2 esp $3 -m transport -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha256 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ;"
}

@test "keytui: --help, --version, bad options" {
	run "$KT" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--backend auto|pfkey|xfrm|keyd"* ]]
	run "$KT" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "keytui "* ]]
	run "$KT" --backend bogus
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid backend: \`bogus'"* ]]
	run "$KT" --socket "$BATS_TEST_TMPDIR/nothing.sock" --backend keyd
	[ "$status" -eq 3 ]
	[[ "$output" == *"no keyd listens on $BATS_TEST_TMPDIR/nothing.sock (ENOENT); start one with: keyd --socket"* ]]
	run "$KT" --socket "$BATS_TEST_TMPDIR/nothing.sock" --backend xfrm
	[ "$status" -eq 2 ]
	[[ "$output" == *"--socket names a keyd socket, but --backend is xfrm"* ]]
}

@test "keytui: starts with tabs, status bar naming the keyd socket, empty SAD" {
	kt_start
	kt_wait "No SAD entries"
	kt_screen | head -n1 | grep -F "1 SAD (0)" | grep -F "2 SPD (0)" | grep -qF "3 Events"
	kt_screen | tail -n1 | grep -qF "keyd on $KEYSH_SOCKET"
	kt_keys q
	for _ in $(seq 1 100); do [ -f "$BATS_TEST_TMPDIR/exit" ] && break; sleep 0.05; done
	grep -qx "EXIT=0" "$BATS_TEST_TMPDIR/exit"
}

@test "keytui: SAs added elsewhere appear live; navigate, detail with hidden keys" {
	kt_start
	add_sa 10.0.0.1 10.0.0.2 0x1001
	add_sa 10.0.0.1 10.0.0.3 0x1002
	add_sa 10.0.0.1 10.0.0.4 0x1003
	kt_wait "0x00001003"
	kt_screen | grep -qF "1 SAD (3)"
	kt_screen | grep -F "0x00001001" | grep -qF "aes-cbc/sha256"
	kt_keys j j Enter
	kt_wait "Detail: esp SA spi 0x00001003"
	kt_screen | grep -qF "(hidden)"
	! kt_screen | grep -qF "00112233"
	kt_keys K
	kt_wait "KEYS SHOWN"
	kt_screen | grep -q "00112233"
	kt_keys K k
	kt_wait "Detail: esp SA spi 0x00001002"
	! kt_screen | grep -qF "KEYS SHOWN"
}

@test "keytui: views switch by key and by mouse click on the tab bar" {
	kt_start
	ks "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/10.0.0.1-10.0.0.2/require ;"
	kt_keys 2
	kt_wait "SELECTOR"
	kt_wait_line "10.1.0.0/24" "esp/tunnel/10.0.0.1-10.0.0.2/require"
	kt_screen | grep -F "10.1.0.0/24" | grep -F "out" | grep -qF "esp/tunnel/10.0.0.1-10.0.0.2/require"
	kt_keys 3
	kt_wait "X_SPDADD"
	# xterm mouse report: press and release of button 1 on column 2 of row 0
	# (SAD tab), in one write. keytui waits 25 ms for the rest of an escape
	# sequence; a loaded machine can split the write, then the click is
	# read as ESC and is sent again (three times at most).
	for _ in 1 2 3; do
		tmux -S "$TSOCK" send-keys -t kt -l "$(printf '\033[M !!\033[M#!!')"
		kt_wait "PROTO" 5 2>/dev/null && break
	done
	kt_wait "PROTO"
	kt_screen | grep -qF "SRC → DST"
}

@test "keytui: compose an SA with generated keys; it shows in SAD and its ADD in Events" {
	kt_start 120x30
	kt_keys a
	kt_wait "Compose SA (add)"
	kt_type 192.0.2.1; kt_keys Tab
	kt_type 192.0.2.2; kt_keys Tab
	kt_keys Tab                       # protocol: esp
	kt_keys C-u; kt_type 0x2001; kt_keys Tab
	kt_keys Tab Tab Tab               # mode, reqid, encryption aes-cbc
	kt_keys C-g; kt_keys Tab          # generated enc key
	kt_keys Tab                       # auth hmac-sha256
	kt_keys C-g                       # generated auth key
	kt_wait "(hidden, generated 256 bits)"
	kt_keys Enter
	kt_wait "0x00002001"
	kt_screen | grep -F "192.0.2.1 → 192.0.2.2" | grep -qF "aes-cbc/sha256"
	assert_sa_exists 192.0.2.1 192.0.2.2 esp 0x2001 enc_key.bits=128 auth_key.bits=256
	kt_keys 3
	kt_wait "ADD"
	kt_screen | grep -F "ADD" | grep -F "0x00002001" | grep -qF "192.0.2.1 → 192.0.2.2"
}

@test "keytui: invalid input is rejected with keysh's own message" {
	kt_start 160x30
	run ks "add 10.0.0.300 10.0.0.2 esp 0x1000 -E aes-cbc 0x00112233445566778899aabbccddeeff ;"
	[ "$status" -ne 0 ]
	msg=$(sed -n 's/^.*error: //p' <<<"$output" | head -n1)
	[ -n "$msg" ]
	kt_keys a
	kt_wait "Compose SA (add)"
	kt_type 10.0.0.300
	kt_wait "Source: $msg"
	# a wrong key length: keysh's message for the whole statement
	run ks "add 10.0.0.1 10.0.0.2 esp 0x1000 -m transport -E aes-cbc 0x0011 ;"
	[ "$status" -ne 0 ]
	msg=$(sed -n 's/^.*error: //p' <<<"$output" | head -n1)
	[ -n "$msg" ]
	kt_keys C-u; kt_type 10.0.0.1; kt_keys Tab
	kt_type 10.0.0.2; kt_keys Tab Tab
	kt_keys C-u; kt_type 0x1000; kt_keys Tab Tab Tab Tab
	kt_type 0x0011
	kt_wait "Enc key: $msg"
	kt_keys Enter
	kt_wait "Compose SA (add)"
	[ "$(keysh_count_sa)" -eq 0 ]
}

@test "keytui: pair wizard installs both SAs and the policies atomically" {
	kt_start 120x30
	kt_keys w
	kt_wait "Pair wizard"
	kt_keys Tab
	kt_type 198.51.100.1; kt_keys Tab
	kt_type 198.51.100.2
	kt_keys Enter
	kt_wait "Equivalent keysh script"
	kt_screen | grep -F "add 198.51.100.1 198.51.100.2 esp" | grep -qF "(hidden)"
	kt_screen | grep -qF "spdadd 198.51.100.2 198.51.100.1 any -P in ipsec esp/transport//require"
	kt_keys Enter
	kt_wait "pair installed: 2 SAs and 2 policies"
	[ "$(keysh_count_sa esp)" -eq 2 ]
	[ "$(keysh_count_policies)" -eq 2 ]
	assert_policy_exists 198.51.100.1 198.51.100.2 out action=ipsec
	kt_wait "1 SAD (2)"
	kt_wait "2 SPD (2)"
}

@test "keytui: pair wizard in tunnel mode adds fwd; a failure rolls everything back" {
	# an SA that collides with the wizard's inbound SPI makes the 2nd add fail
	add_sa 203.0.113.2 203.0.113.1 0x3002
	kt_start 120x30
	kt_keys w
	kt_wait "Pair wizard"
	kt_keys Right Tab
	kt_type 203.0.113.1; kt_keys Tab
	kt_type 203.0.113.2; kt_keys Tab
	kt_type 10.1.0.0/16; kt_keys Tab
	kt_type 10.2.0.0/16; kt_keys Tab Tab Tab
	kt_keys C-u; kt_type 0x3001; kt_keys Tab
	kt_keys C-u; kt_type 0x3002
	kt_keys Enter
	kt_wait "-P fwd ipsec esp/tunnel/203.0.113.2-203.0.113.1/require"
	kt_keys Enter
	kt_wait "rolled back"
	[ "$(keysh_count_sa)" -eq 1 ]
	[ "$(keysh_count_policies)" -eq 0 ]
}

@test "keytui: delete asks first, then removes the SA" {
	add_sa 10.0.0.1 10.0.0.2 0x1001
	add_sa 10.0.0.1 10.0.0.3 0x1002
	kt_start
	kt_wait "0x00001002"
	kt_keys d
	kt_wait "Delete esp SA 10.0.0.1 → 10.0.0.2 spi 0x00001001? [y/N]"
	kt_keys n
	kt_wait "cancelled"
	[ "$(keysh_count_sa)" -eq 2 ]
	kt_keys d y
	kt_wait "deleted (delete 10.0.0.1 10.0.0.2 esp 0x00001001 ;)"
	kt_gone "→ 10.0.0.2 "
	kt_screen | grep -qF "0x00001002"
	assert_sa_absent 10.0.0.1 10.0.0.2 esp 0x1001
	kt_keys 3
	kt_wait "DELETE"
}

@test "keytui: flush needs the typed word" {
	add_sa 10.0.0.1 10.0.0.2 0x1001
	kt_start
	kt_wait "0x00001001"
	kt_keys F
	kt_wait "Type 'flush' to remove all 1 SAs:"
	kt_type nope; kt_keys Enter
	kt_wait "not flushed"
	[ "$(keysh_count_sa)" -eq 1 ]
	kt_keys F
	kt_type flush; kt_keys Enter
	kt_wait "SAD flushed"
	kt_wait "No SAD entries"
	[ "$(keysh_count_sa)" -eq 0 ]
}

@test "keytui: incremental filter by address, SPI and proto" {
	add_sa 10.0.0.1 10.0.0.2 0x1001
	add_sa 10.0.0.1 10.0.0.3 0x1002
	ks "add 10.0.0.1 10.0.0.4 ah 0x1003 -A hmac-sha256 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ;"
	kt_start
	kt_wait "0x00001003"
	kt_keys /
	kt_type 10.0.0.3
	kt_gone "0x00001001"
	kt_screen | grep -qF "0x00001002"
	! kt_screen | grep -qF "0x00001003"
	kt_keys Enter
	kt_screen | tail -n1 | grep -qF "/10.0.0.3"
	kt_keys Escape
	kt_wait "0x00001001"
	kt_keys /; kt_type ah; kt_keys Enter
	kt_gone "0x00001002"
	kt_screen | grep -qF "0x00001003"
	kt_keys Escape /; kt_type 0x1001; kt_keys Enter
	kt_gone "0x00001003"
	kt_screen | grep -qF "0x00001001"
}

@test "keytui: works at 80x24 and adapts on resize" {
	add_sa 10.0.0.1 10.0.0.2 0x1001
	kt_start 80x24
	kt_wait "0x00001001"
	[ "$(kt_screen | wc -l)" -eq 24 ]
	kt_screen | tail -n1 | grep -qF "SA 1 SP 0"
	tmux -S "$TSOCK" resize-window -t kt -x 150 -y 40
	kt_wait "REQID"
	[ "$(kt_screen | wc -l)" -eq 40 ]
	kt_screen | sed -n 40p | grep -qF "SA 1 SP 0"
	tmux -S "$TSOCK" resize-window -t kt -x 80 -y 24
	kt_gone "REQID"
	kt_screen | sed -n 24p | grep -qF "SA 1 SP 0"
}

@test "keytui: help lists every key; export writes a 0600 keysh script that restores" {
	add_sa 10.0.0.1 10.0.0.2 0x1001
	ks "spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//require ;"
	# the export target is a symlink: replaced, never followed
	echo victim > "$BATS_TEST_TMPDIR/victim"
	ln -s "$BATS_TEST_TMPDIR/victim" "$BATS_TEST_TMPDIR/out.keysh"
	kt_start 120x40
	kt_keys '?'
	kt_wait "keytui help"
	kt_screen | grep -qF "pair wizard"
	kt_keys q
	kt_wait "1 SAD (1)"
	kt_keys E
	kt_wait "Export SAD and SPD to file (0600):"
	kt_keys C-u 2>/dev/null || true
	for _ in $(seq 1 20); do kt_keys BSpace; done
	kt_type "$BATS_TEST_TMPDIR/out.keysh"; kt_keys Enter
	kt_wait "exported"
	[ ! -L "$BATS_TEST_TMPDIR/out.keysh" ]
	[ "$(cat "$BATS_TEST_TMPDIR/victim")" = victim ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/out.keysh")" = 600 ]
	grep -q "^add 10.0.0.1 10.0.0.2 esp" "$BATS_TEST_TMPDIR/out.keysh"
	grep -q "^spdadd" "$BATS_TEST_TMPDIR/out.keysh"
	ks "flush ; spdflush ;"
	keysh_cmd -f "$BATS_TEST_TMPDIR/out.keysh"
	assert_sa_exists 10.0.0.1 10.0.0.2 esp 0x1001 enc_key.bits=128
	[ "$(keysh_count_policies out)" -eq 1 ]
}

@test "keytui: NO_COLOR gives a monochrome screen" {
	# capture with escapes: reverse video and bold only, no colour SGR (3x/4x)
	tmux -S "$TSOCK" -f /dev/null new-session -d -s kt -x 100 -y 30 \
		"env TERM=screen-256color NO_COLOR=1 $KT --socket $KEYSH_SOCKET; sleep 60"
	kt_wait "1 SAD"
	! tmux -S "$TSOCK" capture-pane -e -p -t kt | grep -qE $'\e\\[[0-9;]*(3[0-7]|4[0-7])m'
	tmux -S "$TSOCK" capture-pane -e -p -t kt | grep -qE $'\e\\[[0-9;]*7m'
	TSOCK="$BATS_TEST_TMPDIR/tmux2.sock"
	tmux -S "$TSOCK" -f /dev/null new-session -d -s kt -x 100 -y 30 \
		"env TERM=screen-256color $KT --socket $KEYSH_SOCKET; sleep 60"
	kt_wait "1 SAD"
	tmux -S "$TSOCK" capture-pane -e -p -t kt | grep -qE $'\e\\[[0-9;]*(3[0-7]|4[0-7])m'
	tmux -S "$TSOCK" kill-server
	TSOCK="$BATS_TEST_TMPDIR/tmux.sock"
}

@test "keytui: compose a policy; update an SA's lifetimes; copy a row as a keysh statement" {
	add_sa 10.0.0.1 10.0.0.2 0x1001
	kt_start 120x30
	tmux -S "$TSOCK" set -g set-clipboard on
	kt_wait "0x00001001"
	kt_keys p
	kt_wait "Compose policy (spdadd)"
	kt_type 10.5.0.0/24; kt_keys Tab
	kt_type 10.6.0.0/24; kt_keys Tab
	kt_keys C-u; kt_type tcp; kt_keys Tab
	kt_keys Right                     # direction: in
	kt_keys Enter
	kt_wait "ok: spdadd 10.5.0.0/24 10.6.0.0/24 tcp -P in ipsec esp/transport//require ;"
	assert_policy_exists 10.5.0.0/24 10.6.0.0/24 in action=ipsec
	kt_keys 2
	kt_wait "10.5.0.0/24 → 10.6.0.0/24 tcp"
	kt_keys 1 l
	kt_wait "Update SA lifetimes (update)"
	kt_keys C-u; kt_type 100; kt_keys Tab
	kt_keys C-u; kt_type 200
	kt_keys Enter
	kt_wait "ok: update 10.0.0.1 10.0.0.2 esp 0x00001001"
	assert_sa_exists 10.0.0.1 10.0.0.2 esp 0x1001 lifetime_soft.addtime=100 lifetime_hard.addtime=200 \
		enc_key.bits=128
	kt_keys y
	kt_wait "copied: add 10.0.0.1 10.0.0.2 esp"
	kt_screen | tail -n1 | grep -qF -- "-E aes-cbc (hidd"
	for _ in $(seq 1 50); do tmux -S "$TSOCK" show-buffer 2>/dev/null | grep -q "^add 10.0.0.1" && break; sleep 0.05; done
	# keys hidden on screen: hidden in the clipboard too
	tmux -S "$TSOCK" show-buffer | grep -q "^add 10.0.0.1 10.0.0.2 esp .*-E aes-cbc (hidden) -A hmac-sha256 (hidden) ;"
	! tmux -S "$TSOCK" show-buffer | grep -q "00112233445566778899aabbccddeeff"
	tmux -S "$TSOCK" delete-buffer
	kt_keys K
	kt_wait "KEYS SHOWN"
	kt_keys y
	for _ in $(seq 1 50); do tmux -S "$TSOCK" show-buffer 2>/dev/null | grep -q "^add 10.0.0.1" && break; sleep 0.05; done
	tmux -S "$TSOCK" show-buffer | grep -q "^add 10.0.0.1 10.0.0.2 esp .*0x00112233445566778899aabbccddeeff"
}

@test "keytui: Events follow, pause, hex view with key bytes blanked until K" {
	kt_start 120x40
	kt_keys 3
	kt_wait "REGISTER"
	add_sa 10.0.0.1 10.0.0.2 0x1001
	kt_wait "0x00001001"
	kt_keys Space
	kt_wait "PAUSED"
	add_sa 10.0.0.1 10.0.0.3 0x1002
	kt_wait "SA 2 SP 0"
	! kt_screen | grep -qF "0x00001002"
	kt_keys Space
	kt_wait "0x00001002"
	kt_keys k x
	kt_wait "hex (key bytes blanked; K shows keys):"
	! kt_screen | grep -q "00112233"
	kt_keys K
	kt_wait "KEYS SHOWN"
	kt_screen | grep -q "00112233"
}

@test "keytui: SPI auto (GETSPI then UPDATE) from the compose form" {
	kt_start 120x30
	kt_keys a
	kt_wait "Compose SA (add)"
	kt_type 192.0.2.5; kt_keys Tab
	kt_type 192.0.2.6; kt_keys Tab Tab
	kt_wait "auto"
	kt_keys Tab Tab Tab Tab C-g Tab Tab C-g Enter
	kt_wait "ok: add 192.0.2.5 192.0.2.6 esp auto"
	kt_wait "1 SAD (1)"
	[ "$(keysh_count_sa esp)" -eq 1 ]
	spi=$(keysh_sa_json | jq -r .sa.spi)
	[ "$spi" -ge 256 ]
	kt_screen | grep -F "192.0.2.5 → 192.0.2.6" | grep -qF "$(printf 0x%08x "$spi")"
	# GETSPI's reply is unicast (af_key: BROADCAST_ONE); the UPDATE is broadcast
	kt_keys 3
	kt_wait "UPDATE"
	kt_screen | grep -F "UPDATE" | grep -qF "$(printf 0x%08x "$spi")"
}

@test "keytui: sort by column and reverse; refresh keeps the rows" {
	add_sa 10.0.0.9 10.0.0.2 0x1001
	add_sa 10.0.0.1 10.0.0.3 0x1003
	add_sa 10.0.0.5 10.0.0.4 0x1002
	kt_start 120x30
	kt_wait "0x00001003"
	# default: SPI ascending
	[ "$(kt_screen | grep -o '0x0000100[123]' | tr '\n' ' ')" = "0x00001001 0x00001002 0x00001003 " ]
	kt_keys S
	kt_wait "sorted by SPI (reversed)"
	[ "$(kt_screen | grep -o '0x0000100[123]' | tr '\n' ' ')" = "0x00001003 0x00001002 0x00001001 " ]
	kt_keys S s s s s s s s
	kt_wait "sorted by SRC -> DST"
	! kt_screen | grep -qF "(reversed)"
	[ "$(kt_screen | grep -o '0x0000100[123]' | tr '\n' ' ')" = "0x00001003 0x00001002 0x00001001 " ]
	kt_keys r
	kt_wait "1 SAD (3)"
}

@test "keytui: --backend kernel without PF_KEY in the kernel fails with the reason" {
	if python3 -c 'import socket; socket.socket(15, socket.SOCK_RAW, 2)' 2>/dev/null; then
		skip "this kernel has PF_KEY"
	fi
	run "$KT" --backend kernel
	[ "$status" -eq 3 ]
	[[ "$output" == "keytui: this kernel has no PF_KEY (load af_key or pfkeyv2.ko, or use --backend xfrm)" ]]
}

@test "keytui: never starts keyd: --socket with nothing listening says how to start one" {
	sock="$BATS_TEST_TMPDIR/auto.sock"
	run "$KT" --socket "$sock"
	[ "$status" -eq 3 ]
	[ "$output" = "keytui: no keyd listens on $sock (ENOENT); start one with: keyd --socket $sock --daemon" ]
	[ ! -e "$sock" ]
	! pgrep -f -- "--socket $sock" >/dev/null
}

@test "keytui: soft then hard EXPIRE: the SA turns dying, then leaves the SAD" {
	kt_start 120x30
	ks "add 10.7.0.1 10.7.0.2 esp 0x5001 -m transport -ls 1 -lh 3 -E aes-cbc random -A hmac-sha256 random ;"
	kt_wait "0x00005001"
	kt_screen | grep -F "0x00005001" | grep -qF "mature"
	kt_wait_line "0x00005001" "dying"
	kt_gone "0x00005001"
	kt_wait "1 SAD (0)"
	kt_keys 3
	kt_wait "EXPIRE"
	[ "$(kt_screen | grep -F EXPIRE | grep -cF 0x00005001)" -eq 2 ]
}

@test "keytui: deletes racing the initial dump leave the SAD equal to keyd's" {
	key=0x00112233445566778899aabbccddeeff
	for i in $(seq 1 3000); do
		printf 'add 10.8.%d.%d 10.9.0.1 esp %d -m transport -E aes-cbc %s ;\n' \
			$((i / 250)) $((i % 250 + 1)) $((0x10000 + i)) "$key"
	done >"$BATS_TEST_TMPDIR/add.keysh"
	for i in $(seq 1 2 3000); do
		printf 'delete 10.8.%d.%d 10.9.0.1 esp %d ;\n' $((i / 250)) $((i % 250 + 1)) $((0x10000 + i))
	done >"$BATS_TEST_TMPDIR/del.keysh"
	keysh_cmd -f "$BATS_TEST_TMPDIR/add.keysh"
	keysh_cmd -f "$BATS_TEST_TMPDIR/del.keysh" &
	delpid=$!
	kt_start 120x30
	wait "$delpid"
	[ "$(keysh_count_sa)" -eq 1500 ]
	kt_wait "1 SAD (1500)"
	kt_idle
	kt_screen | head -n1 | grep -qF "1 SAD (1500)"
	# the 1500 left are the even SPIs: no deleted one survived in keytui
	kt_keys /; kt_type 0x10001; kt_keys Enter
	kt_wait "No SA matches the filter"
	kt_keys Escape /; kt_type 0x10002; kt_keys Enter
	kt_wait "0x00010002"
	kt_keys Escape
	kt_keys r
	kt_wait "1 SAD (1500)"
	kt_idle
	kt_screen | head -n1 | grep -qF "1 SAD (1500)"
}

@test "keytui: broadcasts lost while it is stopped: it dumps again and the SAD equals keyd's" {
	# keytui stopped: keyd's queue to its event socket (8 MiB) overflows
	# and the DELETEs it misses would leave ghosts without the re-dump
	key=0x00112233445566778899aabbccddeeff
	for i in $(seq 1 6000); do
		printf 'add 10.8.%d.%d 10.9.0.1 esp %d -m transport -E aes-cbc %s ;\n' \
			$((i / 250)) $((i % 250 + 1)) $((0x10000 + i)) "$key"
	done >"$BATS_TEST_TMPDIR/add.keysh"
	for i in $(seq 1 2 6000); do
		printf 'delete 10.8.%d.%d 10.9.0.1 esp %d ;\n' $((i / 250)) $((i % 250 + 1)) $((0x10000 + i))
	done >"$BATS_TEST_TMPDIR/del.keysh"
	kt_start 120x30
	kt_wait "No SAD entries"
	kpid=$(pgrep -f -- "^$KT --socket $KEYSH_SOCKET")
	[ -n "$kpid" ]
	kill -STOP "$kpid"
	keysh_cmd -f "$BATS_TEST_TMPDIR/add.keysh"
	keysh_cmd -f "$BATS_TEST_TMPDIR/del.keysh"
	kill -CONT "$kpid"
	[ "$(keysh_count_sa)" -eq 3000 ]
	kt_wait "1 SAD (3000)" 60
	kt_idle
	kt_screen | head -n1 | grep -qF "1 SAD (3000)"
	# it did lose broadcasts (else this test proves nothing) and says so
	kt_screen | tail -n1 | grep -qE "drop [1-9][0-9]*"
	kt_keys /; kt_type 0x10001; kt_keys Enter
	kt_wait "No SA matches the filter"
}

@test "keytui: SAs added and deleted during re-dumps leave no ghost" {
	# Each 'r' dumps 3000 SAs while SAs come and go: a DELETE read before the
	# dump delivers the entry it composed earlier must keep it out, even when
	# the ADD broadcast had put the entry in the dump's table already.
	key=0x00112233445566778899aabbccddeeff
	for i in $(seq 1 3000); do
		printf 'add 10.8.%d.%d 10.9.0.1 esp %d -m transport -E aes-cbc %s ;\n' \
			$((i / 250)) $((i % 250 + 1)) $((0x10000 + i)) "$key"
	done >"$BATS_TEST_TMPDIR/add.keysh"
	# 1500 SAs added, each deleted 20 statements later: some are alive
	# when a dump passes by and deleted before keytui reads that dump entry
	for i in $(seq 1 1520); do
		[ "$i" -gt 1500 ] ||
			printf 'add 10.7.%d.%d 10.9.0.1 esp %d -m transport -E aes-cbc %s ;\n' \
				$((i / 250)) $((i % 250 + 1)) $((0x20000 + i)) "$key"
		j=$((i - 20))
		[ "$j" -lt 1 ] ||
			printf 'delete 10.7.%d.%d 10.9.0.1 esp %d ;\n' $((j / 250)) $((j % 250 + 1)) $((0x20000 + j))
	done >"$BATS_TEST_TMPDIR/churn.keysh"
	keysh_cmd -f "$BATS_TEST_TMPDIR/add.keysh"
	kt_start 120x30
	kt_wait "1 SAD (3000)"
	keysh_cmd -f "$BATS_TEST_TMPDIR/churn.keysh" &
	churn=$!
	while kill -0 "$churn" 2>/dev/null; do kt_keys r; sleep 0.02; done
	wait "$churn"
	[ "$(keysh_count_sa)" -eq 3000 ]
	kt_idle
	kt_wait "1 SAD (3000)"
	kt_screen | head -n1 | grep -qF "1 SAD (3000)"
}

@test "keytui: esp-udp shown as esp-udp; an icmp6 type as type,code, not a port" {
	ks "add 10.0.0.1[4500] 10.0.0.2[4500] esp-udp 0x1001 -E aes-gcm-16 0x3132333435363738393031323334353637383930 ;"
	ks "spdadd 2001:db8::/64 2001:db8:1::/64 icmp6 135,0 -P out discard ;"
	kt_start 120x30
	kt_wait_line "0x00001001" "esp-udp"
	kt_keys 2
	kt_wait "2001:db8::/64 → 2001:db8:1::/64 icmp6 135,0"
	! kt_screen | grep -qF "/64[135]"
}

@test "keytui: cut cells end in a marker; a wide terminal widens the columns" {
	ks "add 2001:db8:aaaa:bbbb:cccc:dddd:eeee:200 2001:db8:aaaa:bbbb:cccc:dddd:eeee:2 esp 0x1001 -E cast128-cbc 0x00112233445566778899aabbccddeeff -A hmac-md5 0x00112233445566778899aabbccddeeff ;"
	kt_start 80x24
	kt_wait "0x00001001"
	kt_screen | grep -F "0x00001001" | grep -qF "…"
	tmux -S "$TSOCK" resize-window -t kt -x 200 -y 50
	kt_wait "2001:db8:aaaa:bbbb:cccc:dddd:eeee:200 → 2001:db8:aaaa:bbbb:cccc:dddd:eeee:2"
	kt_wait "cast128-cbc/md5"
	! kt_screen | grep -F "0x00001001" | grep -qF "…"
}

@test "keytui: C-u clears the export prompt; forms are boxed" {
	add_sa 10.0.0.1 10.0.0.2 0x1001
	kt_start 100x30
	kt_keys e
	kt_wait "Export the selected row to file (0600): keytui-export.keysh"
	kt_keys C-u
	kt_gone "keytui-export.keysh"
	kt_type "$BATS_TEST_TMPDIR/one.keysh"; kt_keys Enter
	kt_wait "exported"
	grep -q "^add 10.0.0.1 10.0.0.2 esp 0x00001001" "$BATS_TEST_TMPDIR/one.keysh"
	kt_keys a
	kt_wait "Compose SA (add)"
	kt_screen | grep -qF "┌"
	kt_screen | grep -qF "┘"
	[ "$(kt_screen | grep -cF "│")" -ge 5 ]
}

@test "keytui: ESP without integrity is applied with keysh's RFC 8221 warning" {
	kt_start 160x30
	kt_keys a
	kt_wait "Compose SA (add)"
	kt_type 192.0.2.1; kt_keys Tab
	kt_type 192.0.2.2; kt_keys Tab
	kt_keys Tab                       # protocol: esp
	kt_keys C-u; kt_type 0x2001; kt_keys Tab
	kt_keys Tab Tab Tab               # mode, reqid, encryption aes-cbc
	kt_keys C-g; kt_keys Tab          # generated enc key
	for _ in $(seq 1 12); do          # authentication: (none)
		kt_screen | grep -qF "(none)" && break
		kt_keys Left
		sleep 0.1
	done
	kt_wait "(none)"
	kt_keys Enter
	kt_wait "ok, warning: aes-cbc without -A: encryption without integrity protection"
	assert_sa_exists 192.0.2.1 192.0.2.2 esp 0x2001 enc_key.bits=128
}

@test "keytui: the wizard preview shows the peer's script; y copies it (keys after K)" {
	kt_start 160x50
	tmux -S "$TSOCK" set -g set-clipboard on
	kt_keys w
	kt_wait "Pair wizard"
	kt_keys Right Tab
	kt_type 203.0.113.1; kt_keys Tab
	kt_type 203.0.113.2; kt_keys Tab
	kt_type 10.1.0.0/16; kt_keys Tab
	kt_type 10.2.0.0/16; kt_keys Tab Tab Tab
	kt_keys C-u; kt_type 0x3001; kt_keys Tab
	kt_keys C-u; kt_type 0x3002
	kt_keys Enter
	kt_wait "The peer's script (keysh --peer"
	# this end's out flow enters the peer: in, and fwd (a gateway)
	kt_wait "spdadd 10.1.0.0/16[any] 10.2.0.0/16[any] any -P in prio def ipsec esp/tunnel/203.0.113.1-203.0.113.2/require ;"
	kt_wait "spdadd 10.1.0.0/16[any] 10.2.0.0/16[any] any -P fwd prio def ipsec esp/tunnel/203.0.113.1-203.0.113.2/require ;"
	kt_keys y
	kt_wait "copied the peer's script"
	tmux -S "$TSOCK" show-buffer > "$BATS_TEST_TMPDIR/peer.keysh"
	grep -qF "(hidden)" "$BATS_TEST_TMPDIR/peer.keysh"
	tmux -S "$TSOCK" delete-buffer
	kt_keys K
	kt_keys y
	kt_wait "with keys"
	for _ in $(seq 1 50); do tmux -S "$TSOCK" show-buffer 2>/dev/null | grep -q "^add" && break; sleep 0.05; done
	tmux -S "$TSOCK" show-buffer > "$BATS_TEST_TMPDIR/peer.keysh"
	! grep -qF "(hidden)" "$BATS_TEST_TMPDIR/peer.keysh"
	keysh_cmd -n -f "$BATS_TEST_TMPDIR/peer.keysh"
	grep -q "^add 203.0.113.1 203.0.113.2 esp 0x3001 .*-E aes-cbc 0x[0-9a-f]\{32\} -A hmac-sha256 0x[0-9a-f]\{64\} ;" \
		"$BATS_TEST_TMPDIR/peer.keysh"
	grep -qF "spdadd 10.2.0.0/16[any] 10.1.0.0/16[any] any -P out prio def ipsec esp/tunnel/203.0.113.2-203.0.113.1/require ;" \
		"$BATS_TEST_TMPDIR/peer.keysh"
}
