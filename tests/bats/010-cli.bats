#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# keysh command line: help, version, usage errors, exit codes, backends,
# parse-only mode. Most need no backend at all.

load fixtures/suite.bash

@test "--help prints usage and the exit codes" {
	run "$KEYSH_BIN" --help
	assert_success
	assert_line --index 0 "usage: keysh [options] [STATEMENT...]"
	assert_line "exit status: 0 ok, 1 a statement failed, 2 usage or syntax error,"
	assert_line "  3 backend unavailable or lost (a keyd that went away)"
	assert_line --partial "--atomic"
	run "$KEYSH_BIN" -h
	assert_success
	assert_line --index 0 "usage: keysh [options] [STATEMENT...]"
}

@test "--version and -V" {
	run "$KEYSH_BIN" --version
	assert_success
	assert_output --regexp '^keysh [0-9a-f.]+'
	run "$KEYSH_BIN" -V
	assert_output --regexp '^keysh '
}

@test "unknown option: exit 2" {
	run "$KEYSH_BIN" --bogus
	assert_failure 2
	assert_line --partial "unrecognized option '--bogus'"
	assert_line "(try keysh --help)"
}

@test "conflicting modes: exit 2" {
	run "$KEYSH_BIN" -D -x
	assert_failure 2
	assert_output "keysh: choose one of -f, -c, -D, -F, -x or statements
(try keysh --help)"
	run "$KEYSH_BIN" -l
	assert_failure 2
	assert_output "keysh: -l needs -D
(try keysh --help)"
	run "$KEYSH_BIN" --backend nope -D
	assert_failure 2
	assert_output "keysh: --backend: 'nope' is not auto, pfkey, xfrm or keyd
(try keysh --help)"
}

@test "bad monitor filter values: exit 2 with the validator's message" {
	run "$KEYSH_BIN" -x --spi 0x10
	assert_failure 2
	assert_output "keysh: --spi: SPI '0x10' is reserved (0-255 are reserved, RFC 4303)"
	run "$KEYSH_BIN" -x --satype espp
	assert_failure 2
	assert_output "keysh: --satype: unknown protocol 'espp'; did you mean 'esp'?"
	run "$KEYSH_BIN" -x --type addd
	assert_failure 2
	run "$KEYSH_BIN" -x --count x
	assert_failure 2
	assert_output "keysh: --count: invalid number 'x'
(try keysh --help)"
}

@test "no keyd on the socket: exit 3 with the reason" {
	keysh_skip_kernel "kernel mode runs keysh without --socket"
	run "$KEYSH_BIN" --socket "$BATS_TEST_TMPDIR/none.sock" -D
	assert_failure 3
	assert_output "keysh: no keyd listens on $BATS_TEST_TMPDIR/none.sock (ENOENT); start one with: keyd --socket $BATS_TEST_TMPDIR/none.sock --daemon"
	run "$KEYSH_BIN" --socket "$BATS_TEST_TMPDIR/none.sock" 'flush'
	assert_failure 3
}

@test "--backend kernel without PF_KEY: exit 3" {
	keysh_skip_kernel "this kernel has PF_KEY"
	run "$KEYSH_BIN" --backend kernel -D
	assert_failure 3
	assert_output "keysh: this kernel has no PF_KEY (load af_key or pfkeyv2.ko, or use --backend xfrm)"
}

@test "-n validates without a backend: ok and syntax error" {
	run "$KEYSH_BIN" -n --socket "$BATS_TEST_TMPDIR/none.sock" -f "$FIX/ipsec-tools.conf"
	assert_success
	# its des-cbc SA has no -A: RFC 8221 says why that is a bad idea
	assert_output "$FIX/ipsec-tools.conf:4:1: warning: des-cbc without -A: encryption without integrity protection (RFC 8221: use an AEAD such as aes-gcm-16, or add -A)"
	run "$KEYSH_BIN" -n --quiet --socket "$BATS_TEST_TMPDIR/none.sock" -f "$FIX/ipsec-tools.conf"
	assert_success
	assert_output ""
	run "$KEYSH_BIN" -n 'add 1.1.1.1 2.2.2.2 esp 0x300 -E aes-cbcx random'
	assert_failure 2
	assert_output "<args>:1:34: error: unknown algorithm 'aes-cbcx'; did you mean 'aes-cbc'?"
}

@test "-f missing file: exit 2" {
	run "$KEYSH_BIN" -f "$BATS_TEST_TMPDIR/nope.conf"
	assert_failure 2
	assert_output "keysh: $BATS_TEST_TMPDIR/nope.conf: No such file or directory"
}

@test "help prints the grammar; help CMD one command; unknown: exit 1" {
	run "$KEYSH_BIN" help spdadd
	assert_success
	assert_output "spdadd [-46n] SRC_RANGE DST_RANGE UPPERSPEC [-ctx DOI ALG CTX] POLICY ;"
	run "$KEYSH_BIN" help quit
	assert_output "exit ; | quit ; | bye ;"
	run "$KEYSH_BIN" help nope
	assert_failure 1
	assert_output "<args>:1: help: no command 'nope' (try 'help')"
	run "$KEYSH_BIN" help
	assert_success
	assert_line --index 0 "add [-46n] SRC DST PROTO SPI|auto [EXT...] ALGS ;"
}

@test "help output is the man page SYNOPSIS grammar, line for line" {
	[ -r "$BATS_TEST_DIRNAME/../../man/keysh.8" ] || skip "no man/keysh.8 beside the tests"
	man_grammar=$(sed -n '/^\.\\" grammar-begin/,/^\.\\" grammar-end/p' \
		"$BATS_TEST_DIRNAME/../../man/keysh.8" |
		sed -e '1,2d' -e '$d' | sed -e '$d' -e 's/^\.sp$//' -e 's/\\-/-/g' -e 's/\\e/\\/g')
	run "$KEYSH_BIN" help
	assert_success
	assert_output "$man_grammar"
}

@test "--complete: commands, algorithms for the protocol, policy levels" {
	run "$KEYSH_BIN" --complete "spd"
	assert_output "spdadd
spdupdate
spddelete
spdflush
spddump"
	# the algorithms the backend runs (REGISTER): Linux af_key has no AEAD
	run "$KEYSH_BIN" --complete "add 1.1.1.1 2.2.2.2 esp 0x300 -E aes-g"
	if keysh_kernel && [ "$(keysh_kernel_impl)" = afkey ]; then
		assert_output ""
	else
		assert_output "aes-gcm-16
aes-gcm-12
aes-gcm-8"
	fi
	run "$KEYSH_BIN" --complete "add 1.1.1.1 2.2.2.2 ah 0x300 -"
	assert_output "-m
-u
-r
-f
-lh
-ls
-bh
-bs
-ctx
-A"
	run "$KEYSH_BIN" --complete "spdadd 10.0.0.0/24 10.0.1.0/24 any -P out ipsec esp/tunnel/1.1.1.1-2.2.2.2/re"
	assert_output "esp/tunnel/1.1.1.1-2.2.2.2/require"
	run "$KEYSH_BIN" --complete "set show-keys o"
	assert_output "on
off"
}

@test "no terminal and nothing on stdin (make run from a script): says so" {
	run bash -c "'$KEYSH_BIN' --socket '$BATS_TEST_TMPDIR/none.sock' < /dev/null"
	assert_success
	assert_output "keysh: standard input is not a terminal and holds no statements: nothing to do (run keysh in a terminal for the shell)"
	# -c says explicitly that stdin is the script: an empty one is fine
	run bash -c "'$KEYSH_BIN' -c --socket '$BATS_TEST_TMPDIR/none.sock' < /dev/null"
	assert_success
	assert_output ""
}

@test "--json: errors are one JSON object each on stderr" {
	run "$KEYSH_BIN" --json -n 'add 1.1.1.1 2.2.2.2 esp 0x300 -E aes-cbcx random'
	assert_failure 2
	assert_output '{"type":"ERROR","file":"<args>","line":1,"col":34,"message":"error: unknown algorithm '"'aes-cbcx'"'; did you mean '"'aes-cbc'"'?"}'
	echo "$output" | jq -e '.type == "ERROR"'
}

@test "make install: keysh.8 names the installed bats helper, no literal \$(DATADIR)" {
	top="$BATS_TEST_DIRNAME/../.."
	[ -f "$top/Makefile" ] && [ -x "$KEYSH_BUILD/keysh" ] || skip "no source tree beside the tests"
	[ "$KEYSH_BUILD" = "$(cd "$top" && pwd)/build" ] || skip "KEYSH_BUILD is not this tree's build"
	run make -s -C "$top" install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/opt/ks
	assert_success
	man8="$BATS_TEST_TMPDIR/root/opt/ks/share/man/man8/keysh.8"
	[ -f "$man8" ] || man8=$(find "$BATS_TEST_TMPDIR/root" -name keysh.8 | head -n1)
	! grep -qF '$(' "$man8"
	grep -qF "/opt/ks/share/keysh/bats/keysh.bash" "$man8"
	[ -f "$BATS_TEST_TMPDIR/root/opt/ks/share/keysh/bats/keysh.bash" ]
}

@test "bash completion: words, and words inside a quoted statement" {
	comp="$BATS_TEST_DIRNAME/../../completions/keysh.bash"
	[ -r "$comp" ] || skip "no completions/ beside the tests"
	run bash -c "source '$comp'; keysh() { '$KEYSH_BIN' --socket '$BATS_TEST_TMPDIR/none.sock' \"\$@\"; }
		COMP_WORDS=(keysh \"'add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-gc\"); COMP_CWORD=1
		_keysh; printf '%s\n' \"\${COMPREPLY[@]}\"
		COMP_WORDS=(keysh '\"spdf'); COMP_CWORD=1
		_keysh; printf '%s\n' \"\${COMPREPLY[@]}\"
		COMP_WORDS=(keysh add 10.0.0.1 10.0.0.2 esp-); COMP_CWORD=4
		_keysh; printf '%s\n' \"\${COMPREPLY[@]}\""
	assert_success
	assert_output "'add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-gcm-16
'add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-gcm-12
'add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-gcm-8
\"spdflush
esp-udp"
}

@test "errors never print raw control bytes from a script, a word or a file name" {
	f="$BATS_TEST_TMPDIR/"$'\e[31m'"x.conf"
	printf 'add 1.1.1.1 2.2.2.2 esp 0x300 -E \033]2;x\007 random;\n' > "$f"
	run "$KEYSH_BIN" -n -f "$f"
	assert_failure 2
	[[ "$output" != *$'\e'* ]]
	[[ "$output" != *$'\a'* ]]
	assert_output --partial '\x1b[31mx.conf:1:'
	assert_output --partial '\x1b]2'
	run "$KEYSH_BIN" --socket "$BATS_TEST_TMPDIR/none.sock" help $'\e]2x\a'
	assert_failure 1
	[[ "$output" != *$'\e'* ]]
	assert_output "<args>:1: help: no command '\x1b]2x\x07' (try 'help')"
}
