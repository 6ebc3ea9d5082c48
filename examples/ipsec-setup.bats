#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Testing an IPsec setup with bats and keysh's helper library, against a
# private keyd (no root, no kernel changes). Run: bats examples/ipsec-setup.bats
# (installed keysh: load /usr/local/share/keysh/bats/keysh.bash instead).

load "${KEYSH_BATS_LIB:-$BATS_TEST_DIRNAME/../tests/bats/lib/keysh.bash}"

setup() {
	keysh_start_keyd
	export KEYDIR=$BATS_TEST_TMPDIR/keys
	mkdir -p "$KEYDIR"
	(umask 077
	 openssl rand -hex 36 > "$KEYDIR/out.key"
	 openssl rand -hex 36 > "$KEYDIR/in.key")
}

teardown() {
	keysh_stop_keyd
}

@test "host-to-host transport with AES-GCM installs two SAs and two policies" {
	KEYSH="$(keysh__bin keysh)" run sh "$BATS_TEST_DIRNAME/host-to-host.sh" --socket "$KEYSH_SOCKET"
	[ "$status" -eq 0 ]
	assert_sa_exists 192.0.2.1 192.0.2.2 esp 0x1001 mode=transport enc_name=aes-gcm-16 enc_key.bits=288
	assert_sa_exists 192.0.2.2 192.0.2.1 esp 0x1002 mode=transport
	assert_policy_exists 192.0.2.1 192.0.2.2 out action=ipsec 'requests[0].level=require'
	[ "$(keysh_count_sa esp)" -eq 2 ]
	[ "$(keysh_count_policies)" -eq 2 ]
}

@test "running the setup twice fails and changes nothing (--atomic)" {
	KEYSH="$(keysh__bin keysh)" run sh "$BATS_TEST_DIRNAME/host-to-host.sh" --socket "$KEYSH_SOCKET"
	[ "$status" -eq 0 ]
	KEYSH="$(keysh__bin keysh)" run sh "$BATS_TEST_DIRNAME/host-to-host.sh" --socket "$KEYSH_SOCKET"
	[ "$status" -eq 1 ]
	[ "$(keysh_count_sa)" -eq 2 ]
	[ "$(keysh_count_policies)" -eq 2 ]
}
