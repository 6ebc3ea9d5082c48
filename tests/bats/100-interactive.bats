#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Interactive mode driven through tmux: prompt naming the backend,
# multi-line statements, caret errors, history (0600, keys redacted),
# context-aware tab completion with live SPIs, exit.

load fixtures/suite.bash

setup() {
	command -v tmux >/dev/null || skip "tmux not installed"
	keysh_start_keyd
	# The prompt names the backend keysh took.
	BE=keyd
	if keysh_kernel; then BE=$(keysh_kernel_backend); fi
	TM="tmux -L keysh-bats-$$-$BATS_TEST_NUMBER"
	HIST=$BATS_TEST_TMPDIR/history
	$TM new-session -d -x 150 -y 50 \
		"env KEYSH_HISTFILE='$HIST' TERM=xterm '$KEYSH_BIN' --socket '$KEYSH_SOCKET'; sleep 5"
	wait_for "keysh($BE)>"
}

teardown() {
	$TM kill-server 2>/dev/null || true
	keysh_stop_keyd
}

screen() { $TM capture-pane -p | sed -e 's/[[:space:]]*$//' | sed -e '/^$/d'; }

wait_for() { # text: poll the screen until it shows text
	local i
	for i in $(seq 1 50); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.05
	done
	screen >&2
	return 1
}

# Type text literally (tmux would take a trailing ';' as its own separator).
type_() {
	local t=$1
	if [ "${t%;}" != "$t" ]; then
		$TM send-keys -l -- "${t%;}"
		$TM send-keys '\;'
	else
		$TM send-keys -l -- "$t"
	fi
}
enter() { $TM send-keys Enter; }
tab() { $TM send-keys Tab; sleep 0.2; }

@test "prompt names the backend; a statement spans lines until ';'" {
	type_ 'add 10.0.0.1 10.0.0.2 esp 0x1000'
	enter
	wait_for '...>'
	type_ '-E aes-cbc 0x000102030405060708090a0b0c0d0e0f;'
	enter
	wait_for "keysh($BE)>"
	sleep 0.2
	run screen
	assert_line --index 0 "keysh($BE)> add 10.0.0.1 10.0.0.2 esp 0x1000"
	assert_line --index 1 "...> -E aes-cbc 0x000102030405060708090a0b0c0d0e0f;"
	assert_sa_exists 10.0.0.1 10.0.0.2 esp 0x1000
}

@test "errors show a caret under the token" {
	type_ 'add 10.0.0.1 10.0.0.2 esp 0x1001 -E aes-cbcx random;'
	enter
	wait_for '^'
	run screen
	assert_line --index 1 "error: unknown algorithm 'aes-cbcx'; did you mean 'aes-cbc'?"
	assert_line --index 2 "  add 10.0.0.1 10.0.0.2 esp 0x1001 -E aes-cbcx random;"
	assert_line --index 3 "                                      ^"
}

@test "backend errors are reported and the shell goes on" {
	type_ 'delete 10.0.0.1 10.0.0.2 esp 0x999;'
	enter
	wait_for 'delete esp 0x00000999'
	type_ 'dump;'
	enter
	wait_for 'No SAD entries.'
	# typed at the prompt: no "<stdin>:1:", a missing SA in words
	run screen
	assert_line --index 1 "delete esp 0x00000999: no such SA (ESRCH)"
}

@test "Ctrl-C cancels the line (prompt and continuation), the session and its history go on" {
	type_ 'dump ah;'
	enter
	type_ 'add 10.0.0.1 10.0.0.2 esp 0x1000'
	enter
	wait_for '...>'
	$TM send-keys C-c
	wait_for '^C'
	type_ 'get 10.0.0.1 10.0.0.2 esp 0x1'
	$TM send-keys C-c
	type_ 'add 10.0.0.1 10.0.0.2 esp 0x1001 -E null;'
	enter
	for i in $(seq 1 40); do [ "$(keysh_count_sa)" -eq 1 ] && break; sleep 0.05; done
	# the cancelled continuation did not join the next statement
	assert_sa_exists 10.0.0.1 10.0.0.2 esp 0x1001
	assert_sa_absent 10.0.0.1 10.0.0.2 esp 0x1000
	wait_for "keysh($BE)> add 10.0.0.1 10.0.0.2 esp 0x1001 -E null;"
	type_ 'exit'
	enter
	for i in $(seq 1 40); do [ -s "$HIST" ] && break; sleep 0.05; done
	run cat "$HIST"
	assert_line 'dump\040ah;'
	assert_line 'exit;'
	refute_output --partial 'get'
}

@test "Ctrl-C ends a monitor started at the prompt; the next Ctrl-C still only cancels a line" {
	type_ 'monitor;'
	enter
	sleep 0.3
	$TM send-keys C-c
	wait_for "keysh($BE)>"
	type_ 'get 10.0.0.1 10.0.0.2 esp 0x1'
	$TM send-keys C-c
	sleep 0.2
	type_ 'dump ah;'
	enter
	wait_for 'No SAD entries.'
}

@test "help, exit and quit need no ';'" {
	type_ 'help exit'
	enter
	wait_for 'exit ; | quit ; | bye ;'
	type_ 'help'
	enter
	wait_for 'spdadd'
	type_ 'quit'
	enter
	for i in $(seq 1 40); do [ "$($TM list-panes -F '#{pane_current_command}')" != keysh ] && break; sleep 0.05; done
	[ "$($TM list-panes -F '#{pane_current_command}')" != keysh ]
}

@test "tab completes commands, protocols, algorithms, and live SPIs" {
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1234 -E null'
	type_ 'dum'
	tab
	type_ 'e'
	tab
	run screen
	assert_line --index 0 "keysh($BE)> dump esp"
	$TM send-keys C-u
	type_ 'get 10.0.0.1 10.0.0.2 esp '
	tab
	wait_for "esp 0x00001234"
	$TM send-keys C-u
	type_ 'add 10.0.0.1 10.0.0.2 esp 0x5 -E chacha'
	tab
	wait_for 'chacha20-poly1305'
	$TM send-keys C-u
	type_ 'spd'
	tab
	wait_for 'spdadd  spdupdate  spddelete  spdflush  spddump'
}

@test "history is 0600 and never holds keys" {
	type_ 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc 0x000102030405060708090a0b0c0d0e0f -A hmac-sha1 "twenty-byte-secret!!";'
	enter
	type_ 'quit;'
	enter
	for i in $(seq 1 40); do [ -s "$HIST" ] && break; sleep 0.05; done
	[ "$(stat -c %a "$HIST")" = 600 ]
	run cat "$HIST"
	assert_output --partial 'aes-cbc\040(hidden)\040-A\040hmac-sha1\040(hidden);'
	refute_output --partial '000102'
	refute_output --partial 'secret'
}

@test "history is loaded again: up-arrow recalls earlier statements" {
	type_ 'dump ah;'
	enter
	type_ 'exit;'
	enter
	sleep 0.3
	$TM kill-server 2>/dev/null || true
	TM="$TM-again"
	$TM new-session -d -x 150 -y 50 \
		"env KEYSH_HISTFILE='$HIST' TERM=xterm '$KEYSH_BIN' --socket '$KEYSH_SOCKET'; sleep 5"
	wait_for "keysh($BE)>"
	$TM send-keys Up
	wait_for "keysh($BE)> exit;"
	$TM send-keys Up
	wait_for "keysh($BE)> dump ah;"
}

@test "Ctrl-D leaves the shell" {
	$TM send-keys C-d
	sleep 0.3
	run screen
	refute_output --partial "keysh($BE)> keysh"
	[ "$($TM list-panes -F '#{pane_current_command}')" != keysh ]
}
