#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Syntax and validation errors: one line each, FILE:LINE:COL, the token
# quoted, a suggestion for near misses, exit 2, every error of the script.

load fixtures/suite.bash

err() { # script text -> run keysh -n on it as a file
	printf '%s\n' "$1" > "$BATS_TEST_TMPDIR/s.conf"
	run "$KEYSH_BIN" -n -f "$BATS_TEST_TMPDIR/s.conf"
}

@test "near misses get a suggestion: command, protocol, algorithm, mode, level, direction" {
	err 'ad 10.0.0.1 10.0.0.2 esp 0x300 -E null;'
	assert_failure 2
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:1: error: unknown command 'ad'; did you mean 'add'?"
	err 'add 10.0.0.1 10.0.0.2 eps 0x300 -E null;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:23: error: unknown protocol 'eps'; did you mean 'esp'?"
	err 'add 10.0.0.1 10.0.0.2 esp 0x300 -E aes-cbcx random;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:36: error: unknown algorithm 'aes-cbcx'; did you mean 'aes-cbc'?"
	err 'add 10.0.0.1 10.0.0.2 esp 0x300 -m tunel -E null;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:36: error: unknown mode 'tunel'; did you mean 'tunnel'?"
	err 'spdadd 10.0.0.0/24 10.0.1.0/24 any -P out ipsec esp/transport//requre;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:49: error: unknown level 'requre' in 'esp/transport//requre'; did you mean 'require'?"
	err 'spdadd 10.0.0.0/24 10.0.1.0/24 any -P ot ipsec;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:39: error: unknown direction 'ot'; did you mean 'out'?"
	err 'add 10.0.0.1 10.0.0.2 esp 0x300 -x 5 -E null;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:33: error: unknown option '-x'; did you mean '-m'?"
	err 'spdadd 10.0.0.0/24 10.0.1.0/24 tpc -P out none;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:32: error: unknown upper-layer protocol 'tpc'; did you mean 'tcp'?"
}

@test "key length follows the algorithm table exactly (salt included)" {
	err 'add 10.0.0.1 10.0.0.2 esp 0x300 -E aes-gcm-16 0x00112233445566778899aabbccddeeff;'
	assert_failure 2
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:47: error: aes-gcm-16 key is 128 bits; it needs 160, 224 or 288 bits (key + 32-bit salt)"
	err 'add 10.0.0.1 10.0.0.2 esp 0x300 -E 3des-cbc "short";'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:45: error: 3des-cbc key is 40 bits; it needs 192 bits"
	err 'add 10.0.0.1 10.0.0.2 esp 0x300 -E blowfish-cbc 0x00;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:49: error: blowfish-cbc key is 8 bits; it needs 40..448 bits in steps of 8"
	err 'add 10.0.0.1 10.0.0.2 ah 0x300 -A hmac-sha256 random:128;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:47: error: hmac-sha256 keys are 256 bits; 'random:128' asks for 128"
	err 'add 10.0.0.1 10.0.0.2 esp 0x300 -E aes-cbc 0x0g;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:44: error: invalid hex digit in key"
}

@test "cross-field rules: AEAD with -A, ESP without -E, AH with -E, families" {
	err 'add 10.0.0.1 10.0.0.2 esp 0x300 -E aes-gcm-16 random -A hmac-sha1 random;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:36: error: 'aes-gcm-16' is an AEAD (combined mode); -A is not allowed with it"
	err 'add 10.0.0.1 10.0.0.2 esp 0x300 -A hmac-sha1 random;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:1: error: add: esp needs an encryption algorithm (-E)"
	err 'add 10.0.0.1 10.0.0.2 ah 0x300 -E null -A hmac-sha1 random;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:1: error: add: ah takes only -A"
	err 'add 10.0.0.1 fe80::1 esp 0x300 -E null;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:1: error: add: source and destination are of different address families"
	err 'add -6 10.0.0.1 10.0.0.2 esp 0x300 -E null;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:8: error: address '10.0.0.1' is not IPv6 (-6)"
	err 'add 10.0.0.1 10.0.0.2 esp 0x10 -E null;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:27: error: SPI '0x10' is reserved (0-255 are reserved, RFC 4303)"
	err 'add 10.0.0.1 10.0.0.2 tcp 0x1000 -A hmac-md5 "k";'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:23: error: protocol 'tcp' (TCP-MD5) is not supported: Linux PF_KEY has no TCP-MD5 SA type"
	err 'spdadd 10.0.0.0/24 10.0.1.0/24 any -P out ipsec esp/tunnel//require;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:49: error: tunnel mode needs endpoints: 'esp/tunnel/SRC-DST/...'"
	err 'spdadd 10.0.0.0/33 10.0.1.0/24 any -P out none;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:8: error: invalid prefix length '/33' in '10.0.0.0/33' (0-32)"
}

@test "missing pieces and a missing ';' are located" {
	err 'get 10.0.0.1 10.0.0.2 esp'
	assert_output "$BATS_TEST_TMPDIR/s.conf:2:1: error: get: missing SPI (statement not terminated by ';'?)"
	err 'delete 10.0.0.1 ;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:17: error: delete: missing destination address before ';'"
	err 'spdflush now;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:10: error: spdflush: unexpected 'now'; expected ';'"
	err 'add 10.0.0.1 10.0.0.2 esp 0x300 -E aes-cbc "unterminated ;'
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:44: error: unterminated string"
}

@test "every error of a script is reported, with its line; nothing else printed" {
	cat > "$BATS_TEST_TMPDIR/s.conf" <<-'EOF'
	# three statements, two of them wrong
	flush;
	add 10.0.0.1 10.0.0.2 esp 0x300
	    -E aes-cbcx random;
	dump espp;
	EOF
	run "$KEYSH_BIN" -n -f "$BATS_TEST_TMPDIR/s.conf"
	assert_failure 2
	assert_output "$BATS_TEST_TMPDIR/s.conf:4:8: error: unknown algorithm 'aes-cbcx'; did you mean 'aes-cbc'?
$BATS_TEST_TMPDIR/s.conf:5:6: error: unknown protocol 'espp'; did you mean 'esp'?"
}

@test "stdin and arguments are named <stdin> and <args>" {
	run "$KEYSH_BIN" -n -c <<< 'flush espx;'
	assert_failure 2
	assert_output "<stdin>:1:7: error: unknown protocol 'espx'; did you mean 'esp'?"
	run "$KEYSH_BIN" -n -f - <<< 'flush espx;'
	assert_output "<stdin>:1:7: error: unknown protocol 'espx'; did you mean 'esp'?"
	run "$KEYSH_BIN" -n flush espx
	assert_output "<args>:1:7: error: unknown protocol 'espx'; did you mean 'esp'?"
}

@test "keys never appear in error messages" {
	err 'add 10.0.0.1 10.0.0.2 esp 0x300 -E aes-cbc "sekrit-but-short!";'
	assert_failure 2
	refute_output --partial "sekrit"
	assert_output "$BATS_TEST_TMPDIR/s.conf:1:44: error: aes-cbc key is 136 bits; it needs 128, 192 or 256 bits"
}

@test "setkey scripts in the wild parse unchanged" {
	run "$KEYSH_BIN" -n -f "$FIX/ipsec-tools.conf"
	assert_success
	run "$KEYSH_BIN" -n -f "$FIX/freebsd-handbook.conf"
	assert_success
}
