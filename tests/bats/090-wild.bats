#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# setkey scripts in the styles found in the wild run unchanged.

load fixtures/suite.bash

setup() { keysh_start_keyd; }
teardown() { keysh_stop_keyd; }

@test "ipsec-tools setkey(8) EXAMPLES" {
	run ks -f "$FIX/ipsec-tools.conf"
	assert_success
	# get and dump esp print their SAs (setkey -D blocks)
	assert_line "3ffe:501:4819::1 3ffe:501:481d::1 "
	assert_line "	ah mode=transport spi=123456(0x0001e240) reqid=0(0x00000000)"
	assert_line "	esp mode=transport spi=65537(0x00010001) reqid=0(0x00000000)"
	assert_sa_exists 3ffe:501:4819::1 3ffe:501:481d::1 esp 123457 enc_name=des-cbc enc_key.bits=64
	assert_sa_exists 3ffe:501:4819::1 3ffe:501:481d::1 ah 123456 auth_name=hmac-sha1 auth_key.bits=160
	assert_sa_exists 10.0.11.41 10.0.11.33 esp 0x10001 auth_name=hmac-md5
	assert_policy_exists 10.0.11.41 10.0.11.33 out src.port=21 'requests[0].mode=tunnel' \
		'requests[0].src.addr=192.168.0.1'
}

@test "FreeBSD handbook / BSDRP style gateway tunnel" {
	keysh_skip_afkey "AEAD (aes-gcm-16) SAs of the FreeBSD handbook script"
	run ks -f "$FIX/freebsd-handbook.conf"
	assert_success
	assert_output ""
	assert_sa_exists 10.0.23.2 10.0.34.4 esp 0x1000 enc_name=aes-gcm-16 enc_key.bits=160
	assert_policy_exists 10.0.12.0/24 10.0.45.0/24 out 'requests[0].level=require'
	assert_policy_exists 10.0.45.0/24 10.0.12.0/24 in
	[ "$(keysh_count_sa)" -eq 2 ]
	# Run twice: flush; spdflush; at the top make it idempotent.
	run ks -f "$FIX/freebsd-handbook.conf"
	assert_success
	[ "$(keysh_count_policies)" -eq 2 ]
}

@test "KAME-era transport script with AH+ESP bundles and comments" {
	run ks -f "$FIX/kame-bundle.conf"
	assert_success
	assert_policy_exists 10.0.0.11 10.0.0.216 out 'requests[0].proto=esp' 'requests[1].proto=ah'
	[ "$(keysh_count_sa)" -eq 4 ]
}

@test "setkey -c style input on stdin, statements split over lines" {
	keysh_skip_afkey "AEAD (aes-gcm-16) SAs of the FreeBSD handbook script"
	run ks -c < "$FIX/freebsd-handbook.conf"
	assert_success
	[ "$(keysh_count_sa esp)" -eq 2 ]
}
