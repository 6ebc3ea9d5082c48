#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Dump forms: --json lines, --script that reads back, the round trip
# dump --script -> -f -> dump identical, -l loop, -p ports.

load fixtures/suite.bash

setup() { keysh_start_keyd; }
teardown() { keysh_stop_keyd; }

load_mixed() {
	ks -f "$MIXED"
}

@test "--json: one object per line, keys hidden unless -K" {
	keysh_skip_afkey "AEAD SA (aes-gcm-16) in the JSON checked here"
	load_mixed
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' --json -D | jq -c 'select(.sa.spi == 4096) | {type, satype, spi: .sa.spi_hex, mode: .sa.mode, enc: .sa.enc_name, key: .sa.enc_key}'"
	assert_success
	assert_output '{"type":"DUMP","satype":"esp","spi":"0x00001000","mode":"tunnel","enc":"aes-gcm-16","key":{"bits":160,"hidden":true}}'
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' -K --json -D | jq -r 'select(.sa.spi == 4096) | .sa.enc_key.hex'"
	assert_output "3132333435363738393031323334353637383930"
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' --json -D | wc -l"
	assert_output 5
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' --json -DP | jq -r .kind | sort -u"
	assert_output "policy"
}

@test "--script prints statements; keys only with -K" {
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -m tunnel -u 7 -E aes-cbc 0x000102030405060708090a0b0c0d0e0f -A hmac-sha1 0x0102030405060708090a0b0c0d0e0f1011121314'
	ks 'spdadd 10.0.0.0/24 10.0.1.0/24 any -P out ipsec esp/tunnel/10.0.0.1-10.0.0.2/require'
	run ks -K --script -D
	assert_output "add 10.0.0.1 10.0.0.2 esp 0x00001000 -m tunnel -u 7 -E aes-cbc 0x000102030405060708090a0b0c0d0e0f -A hmac-sha1 0x0102030405060708090a0b0c0d0e0f1011121314 ;"
	run ks --script -D
	assert_line --index 0 "# keys omitted (written without -K): this script cannot be loaded;"
	assert_line --index 2 "add 10.0.0.1 10.0.0.2 esp 0x00001000 -m tunnel -u 7 -E aes-cbc (hidden) -A hmac-sha1 (hidden) ;"
	refute_output --partial 0x000102030405060708090a0b0c0d0e0f
	run ks --script -DP
	assert_output "spdadd 10.0.0.0/24[any] 10.0.1.0/24[any] any -P out prio def ipsec esp/tunnel/10.0.0.1-10.0.0.2/require ;"
}

# The policy refcount (refcnt, sadb_msg_reserved) is the engine's own count
# (af_key: 2 during a policy's first second): left out of the comparison.
@test "round trip: dump --script -> flush -> -f -> dump is identical" {
	load_mixed
	{ ks -K --script -D; ks --script -DP; } | cat > "$BATS_TEST_TMPDIR/saved.conf"
	ks -K -D | grep -v -e created: -e diff: -e last: -e sadb_seq= > "$BATS_TEST_TMPDIR/before.txt"
	ks --json -DP | jq -c 'del(.seq, .pid, .reserved, .policy.id, .policy.refcnt, .policy.lifetime_current)' > "$BATS_TEST_TMPDIR/before.json"
	ks -F
	ks -FP
	run ks -D
	assert_output "No SAD entries."
	run ks -f "$BATS_TEST_TMPDIR/saved.conf"
	assert_success
	{ ks -K --script -D; ks --script -DP; } | cat > "$BATS_TEST_TMPDIR/again.conf"
	run diff "$BATS_TEST_TMPDIR/saved.conf" "$BATS_TEST_TMPDIR/again.conf"
	assert_success
	run diff "$BATS_TEST_TMPDIR/before.txt" <(ks -K -D | grep -v -e created: -e diff: -e last: -e sadb_seq=)
	assert_success
	run diff "$BATS_TEST_TMPDIR/before.json" <(ks --json -DP | jq -c 'del(.seq, .pid, .reserved, .policy.id, .policy.refcnt, .policy.lifetime_current)')
	assert_success
}

@test "a script written without -K is refused by load and -f, nothing applied" {
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc 0x000102030405060708090a0b0c0d0e0f'
	ks --script -D > "$BATS_TEST_TMPDIR/nokeys.conf"
	ks -F
	run ks "load $BATS_TEST_TMPDIR/nokeys.conf"
	assert_failure 1
	assert_output --partial "$BATS_TEST_TMPDIR/nokeys.conf:3:62: error: key omitted: this script was written without keys (write it again with keysh -K --script -D, or use save)"
	run ks -f "$BATS_TEST_TMPDIR/nokeys.conf"
	assert_failure 2
	[ "$(keysh_count_sa)" -eq 0 ]
}

@test "-K into a file others can read: a warning; 0600 or a pipe: none" {
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc 0x000102030405060708090a0b0c0d0e0f'
	umask 022
	ks -K --script -D > "$BATS_TEST_TMPDIR/k.conf" 2> "$BATS_TEST_TMPDIR/err"
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output "keysh: warning: -K writes keys to a file others can read (mode 0644); chmod 600 it first, or use save FILE"
	grep -q 0x000102030405060708090a0b0c0d0e0f "$BATS_TEST_TMPDIR/k.conf"
	(umask 077; ks -K --script -D > "$BATS_TEST_TMPDIR/k2.conf" 2> "$BATS_TEST_TMPDIR/err2")
	[ ! -s "$BATS_TEST_TMPDIR/err2" ]
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' -K -D 2>&1 | cat"
	refute_output --partial warning
}

@test "-l prints the short listing every second" {
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -lh 100 -E null'
	# 2.5 s: two listings even where starting keysh takes a while (TCG VM).
	run timeout -s INT 2.5 "$KEYSH_BIN" --socket "$KEYSH_SOCKET" -D -l
	assert_line --index 0 "time p   s spi      ltime   src -> dst"
	assert_line --index 1 --regexp '^[0-9]{4} esp M 00001000   [01]/100 10\.0\.0\.1 -> 10\.0\.0\.2$'
	[ "${#lines[@]}" -ge 4 ]
}

@test "-p shows NAT-T ports in -D" {
	ks 'add 10.0.0.1[4501] 10.0.0.2[4502] esp-udp 0x1000 -E null'
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' -D | head -1"
	assert_output "10.0.0.1[4501] 10.0.0.2[4502] "
}

@test "empty tables: text says so, JSON and script print nothing" {
	run ks -D
	assert_output "No SAD entries."
	run ks -DP
	assert_output "No SPD entries."
	run ks --json -D
	assert_success
	assert_output ""
	run ks --script -DP
	assert_output ""
}
