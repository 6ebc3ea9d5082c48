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

@test "--script prints statements with keys" {
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -m tunnel -u 7 -E aes-cbc 0x000102030405060708090a0b0c0d0e0f -A hmac-sha1 0x0102030405060708090a0b0c0d0e0f1011121314'
	ks 'spdadd 10.0.0.0/24 10.0.1.0/24 any -P out ipsec esp/tunnel/10.0.0.1-10.0.0.2/require'
	run ks --script -D
	assert_output "add 10.0.0.1 10.0.0.2 esp 0x1000 -m tunnel -u 7 -E aes-cbc 0x000102030405060708090a0b0c0d0e0f -A hmac-sha1 0x0102030405060708090a0b0c0d0e0f1011121314 ;"
	run ks --script -DP
	assert_output "spdadd 10.0.0.0/24[any] 10.0.1.0/24[any] any -P out prio def ipsec esp/tunnel/10.0.0.1-10.0.0.2/require ;"
}

# The policy refcount (refcnt, sadb_msg_reserved) is the engine's own count
# (af_key: 2 during a policy's first second): left out of the comparison.
@test "round trip: dump --script -> flush -> -f -> dump is identical" {
	load_mixed
	{ ks --script -D; ks --script -DP; } > "$BATS_TEST_TMPDIR/saved.conf"
	ks -K -D | grep -v -e created: -e diff: -e last: -e sadb_seq= > "$BATS_TEST_TMPDIR/before.txt"
	ks --json -DP | jq -c 'del(.seq, .pid, .reserved, .policy.id, .policy.refcnt, .policy.lifetime_current)' > "$BATS_TEST_TMPDIR/before.json"
	ks -F
	ks -FP
	run ks -D
	assert_output "No SAD entries."
	run ks -f "$BATS_TEST_TMPDIR/saved.conf"
	assert_success
	{ ks --script -D; ks --script -DP; } > "$BATS_TEST_TMPDIR/again.conf"
	run diff "$BATS_TEST_TMPDIR/saved.conf" "$BATS_TEST_TMPDIR/again.conf"
	assert_success
	run diff "$BATS_TEST_TMPDIR/before.txt" <(ks -K -D | grep -v -e created: -e diff: -e last: -e sadb_seq=)
	assert_success
	run diff "$BATS_TEST_TMPDIR/before.json" <(ks --json -DP | jq -c 'del(.seq, .pid, .reserved, .policy.id, .policy.refcnt, .policy.lifetime_current)')
	assert_success
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
