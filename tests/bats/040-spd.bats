#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Policy statements against a private keyd: spdadd (priorities, requests,
# upper-layer specs), spdupdate, spddelete, spdflush, spddump, -DP, -FP.

load fixtures/suite.bash

setup() { keysh_start_keyd; }
teardown() { keysh_stop_keyd; }

@test "spdadd with a tunnel request; -DP prints the setkey block" {
	run ks 'spdadd 10.0.0.0/24 10.0.1.0/24 any -P out ipsec esp/tunnel/192.168.0.1-192.168.1.2/unique:5'
	assert_success
	assert_output ""
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' -DP | grep -v -e created: -e spid= -e refcnt="
	assert_output "10.0.0.0/24[any] 10.0.1.0/24[any] any
	out prio def ipsec
	esp/tunnel/192.168.0.1-192.168.1.2/unique:5
	lifetime: 0(s) validtime: 0(s)"
	# af_key's count: the table's reference, plus the policy timer's
	# during the policy's first second
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' -DP | grep -E '^	refcnt=[12]$'"
	assert_success
	assert_policy_exists 10.0.0.0/24 10.0.1.0/24 out action=ipsec 'requests[0].mode=tunnel' \
		'requests[0].level=unique' 'requests[0].reqid=5' 'requests[0].dst.addr=192.168.1.2'
}

@test "priorities: prio N, prio high + N, prio low - N; -P alone dumps the SPD" {
	ks -c <<-'EOF'
	spdadd 10.0.1.0/24 10.0.0.0/24 tcp -P in prio high + 10 ipsec esp/transport//require ah/transport//use;
	spdadd 10.0.2.0/24 10.0.0.0/24 any -P in prio 100 none;
	spdadd 10.0.3.0/24 10.0.0.0/24 any -P in prio low - 3 discard;
	EOF
	assert_policy_exists 10.0.1.0/24 10.0.0.0/24 in priority=$((0x40000000 - 10)) upper_name=tcp \
		'requests[1].proto=ah' 'requests[1].level=use'
	assert_policy_exists 10.0.2.0/24 10.0.0.0/24 in priority=$((0x80000000 - 100)) action=none
	assert_policy_exists 10.0.3.0/24 10.0.0.0/24 in priority=$((0xC0000000 + 3)) action=discard
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' -P | grep prio"
	assert_output "	in prio high + 10 ipsec
	in prio def + 100 none
	in prio low - 3 discard"
}

@test "upper-layer specs: ports, icmp6 type,code" {
	run ks -c <<-'EOF'
	spdadd 10.0.2.0/24[80] 10.0.3.0/24[any] tcp -P fwd discard;
	spdadd ::/0 ::/0 icmp6 135,0 -P out none;
	EOF
	assert_success
	assert_policy_exists 10.0.2.0/24 10.0.3.0/24 fwd src.port=80 upper_name=tcp
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' -DP | grep icmp"
	assert_output "::/0 ::/0 ipv6-icmp 135,0"
}

@test "spdadd twice: EEXIST; spdupdate replaces; spddelete removes; again: ENOENT" {
	ks 'spdadd 10.0.0.0/24 10.0.1.0/24 any -P out discard'
	run ks 'spdadd 10.0.0.0/24 10.0.1.0/24 any -P out discard'
	assert_failure 1
	assert_output "<args>:1: spdadd 10.0.0.0/24 10.0.1.0/24 -P out: File exists (EEXIST)"
	run ks 'spdupdate 10.0.0.0/24 10.0.1.0/24 any -P out ipsec esp/transport//require'
	assert_success
	assert_policy_exists 10.0.0.0/24 10.0.1.0/24 out action=ipsec
	run ks 'spddelete 10.0.0.0/24 10.0.1.0/24 any -P out'
	assert_success
	run ks 'spddelete 10.0.0.0/24 10.0.1.0/24 any -P out'
	assert_failure 1
	assert_output "<args>:1: spddelete 10.0.0.0/24 10.0.1.0/24 -P out: no such policy (ENOENT)"
}

@test "spdflush, -FP and spddump" {
	ks -c <<-'EOF'
	spdadd 10.0.0.0/24 10.0.1.0/24 any -P out discard;
	spdadd 10.0.1.0/24 10.0.0.0/24 any -P in discard;
	EOF
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' spddump | grep -c spid="
	assert_output 2
	run ks spdflush
	assert_success
	[ "$(keysh_count_policies)" -eq 0 ]
	ks 'spdadd 10.0.0.0/24 10.0.1.0/24 any -P out discard'
	run ks -FP
	assert_success
	run ks -DP
	assert_output "No SPD entries."
}

@test "policies sort by direction then id" {
	ks -c <<-'EOF'
	spdadd 10.0.0.0/24 10.0.1.0/24 any -P out discard;
	spdadd 10.0.1.0/24 10.0.0.0/24 any -P fwd discard;
	spdadd 10.0.1.0/24 10.0.0.0/24 any -P in discard;
	spdadd 10.0.5.0/24 10.0.0.0/24 any -P in discard;
	EOF
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' --json -DP | jq -r '.policy.dir + \" \" + .policy.src.addr'"
	assert_output "in 10.0.1.0
in 10.0.5.0
out 10.0.0.0
fwd 10.0.1.0"
}

@test "bats helper: addresses compared as addresses; assert_policy_absent" {
	ks 'spdadd 2001:db8::1 2001:db8:0:1::/64 any -P out ipsec esp/transport//require'
	ks 'add 2001:db8::1 2001:db8::2 esp 0x1000 -E null'
	assert_policy_exists 2001:DB8:0::1 2001:0db8:0000:0001::/64 out action=ipsec
	assert_policy_exists 2001:db8::1/128 2001:db8:0:1::/64 out
	assert_sa_exists 2001:DB8::0:1 2001:db8:0::2 esp 0x1000
	assert_policy_absent 2001:db8::1 2001:db8:0:1::/64 in
	assert_policy_absent 2001:db8::1 2001:db8:0:2::/64 out
	run assert_policy_absent 2001:DB8:0::1 2001:db8:0:1::/64 out
	assert_failure
	assert_output "policy 2001:DB8:0::1 2001:db8:0:1::/64 out exists"
	run assert_sa_absent 2001:DB8::1 2001:db8::2 esp 0x1000
	assert_failure
	run assert_policy_exists 2001:db8::1 2001:db8:0:1::/64 in
	assert_failure
	assert_output "no policy 2001:db8::1 2001:db8:0:1::/64 in"
}

@test "bats helper: the bash address canonicaliser agrees with inet_ntop (perl)" {
	command -v perl >/dev/null || skip "no perl to compare with (the VM: the bash version is what runs)"
	local a
	for a in 2001:DB8:0::1 ::1 :: 1:: 0:0:0:0:0:0:0:1 2001:db8:0:0:1:0:0:1 2001:0:0:1:0:0:0:1 \
		fe80::1%eth0 2001:db8::/64 10.0.0.1 10.0.0.0/8 ::ffff:1.2.3.4 2001:0db8:0001:0002:0003:0004:0005:0006 \
		1:0:0:2:0:0:0:3 abcd:ef01:0:0:0:0:0:0; do
		[ "$(keysh__canon_sh "$a")" = "$(keysh__canon "$a")" ] ||
			fail "$a: bash $(keysh__canon_sh "$a"), perl $(keysh__canon "$a")"
	done
}

@test "setkey's spddelete with the policy after -P runs (the policy is checked, not sent)" {
	ks 'spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//use'
	printf 'spddelete 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//use ;\n' > "$BATS_TEST_TMPDIR/d.conf"
	run ks -f "$BATS_TEST_TMPDIR/d.conf"
	assert_success
	assert_output ""
	assert_policy_absent 10.0.0.1 10.0.0.2 out
	run ks -n 'spddelete 10.0.0.1 10.0.0.2 any -P out ipsec esp/transprt//use'
	assert_failure 2
	assert_output --partial "unknown mode 'transprt'"
}

@test "scoped IPv6 addresses (fe80::1%lo) are accepted; an unknown interface is an error" {
	keysh_skip_afkey "af_key matches addresses only; the zone is ignored"
	run ks 'add fe80::1%lo fe80::2%lo ah 0x1000 -A hmac-sha256 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'
	assert_success
	assert_sa_exists fe80::1 fe80::2 ah 0x1000
	run ks 'spdadd fe80::1%lo fe80::2%lo 89 -P out ipsec ah/transport//require'
	assert_success
	assert_policy_exists fe80::1 fe80::2 out
	run ks 'add fe80::1%nosuchif0 fe80::2 ah 0x1001 -A hmac-sha256 random'
	assert_failure 2
	assert_output "<args>:1:5: error: unknown interface 'nosuchif0' in 'fe80::1%nosuchif0'"
}
