#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Several -f files as one script (one --atomic journal across them) and
# --undo (the removals of what a script installs): the command lines of
# keysh-load.service, against keyd or, in the VM, the kernel's PF_KEY.

load fixtures/suite.bash

setup() {
	keysh_start_keyd
	D=$BATS_TEST_TMPDIR
	# aes-cbc + hmac-sha256: Linux af_key has them too (the VM runs this).
	K16=0x00112233445566778899aabbccddeeff
	K32=0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
	cat > "$D/a.conf" <<-EOF
	# a host pair, both directions
	add 192.0.2.1 192.0.2.2 esp 0x1001 -m transport -E aes-cbc $K16 -A hmac-sha256 $K32 ;
	spdadd 192.0.2.1 192.0.2.2 any -P out ipsec esp/transport//require ;
	EOF
	cat > "$D/b.conf" <<-EOF
	add 192.0.2.2 192.0.2.1 esp 0x1002 -m transport -E aes-cbc $K16 -A hmac-sha256 $K32 ;
	spdadd 10.0.0.0/24[500] 10.0.1.0/24 tcp -P in prio 10 ipsec esp/transport//require ;
	EOF
	# Someone else's SA and policy (an IKE daemon's): --undo leaves them.
	ks "add 198.51.100.1 198.51.100.2 esp 0x7777 -E aes-cbc $K16 -A hmac-sha256 $K32"
	ks "spdadd 198.51.100.1 198.51.100.2 any -P out ipsec esp/transport//require"
}
teardown() { keysh_stop_keyd; }

@test "-f twice: both files run, in order" {
	run ks -f "$D/a.conf" -f "$D/b.conf"
	assert_success
	run ks -D
	assert_output --partial "spi=4097(0x00001001)"
	assert_output --partial "spi=4098(0x00001002)"
	run ks -DP
	assert_output --partial "10.0.0.0/24[500]"
}

@test "-f twice --atomic: a failure in the second file undoes the first, names FILE:LINE" {
	stable_dump > "$D/before"
	# The second file's line 2 adds 0x1001 again: EEXIST after a.conf ran.
	printf 'add 192.0.2.9 192.0.2.8 esp 0x1003 -E aes-cbc %s -A hmac-sha256 %s ;\nadd 192.0.2.1 192.0.2.2 esp 0x1001 -E aes-cbc %s -A hmac-sha256 %s ;\n' \
		"$K16" "$K32" "$K16" "$K32" > "$D/dup.conf"
	run ks --atomic -f "$D/a.conf" -f "$D/dup.conf"
	assert_failure 1
	assert_output --partial "$D/dup.conf:2: add esp 0x00001001: File exists (EEXIST)"
	assert_output --partial "rolled back 3 changes"
	run diff "$D/before" <(stable_dump)
	assert_success
}

@test "-f twice: a syntax error in the second file changes nothing (exit 2)" {
	stable_dump > "$D/before"
	printf 'add 192.0.2.9 192.0.2.8 esp 0x1003 -E aes-cbc 0x0011 ;\n' > "$D/bad.conf"
	run ks --atomic -f "$D/a.conf" -f "$D/bad.conf"
	assert_failure 2
	assert_output --regexp "$D/bad.conf:1:[0-9]+: error: aes-cbc key is 16 bits"
	run diff "$D/before" <(stable_dump)
	assert_success
	# Without --atomic as well: every file is parsed before anything runs.
	run ks -f "$D/a.conf" -f "$D/bad.conf"
	assert_failure 2
	run diff "$D/before" <(stable_dump)
	assert_success
}

@test "-f twice: an unreadable file changes nothing (exit 2)" {
	stable_dump > "$D/before"
	run ks --atomic -f "$D/a.conf" -f "$D/missing.conf"
	assert_failure 2
	assert_output "keysh: $D/missing.conf: No such file or directory"
	run diff "$D/before" <(stable_dump)
	assert_success
}

@test "--undo -n prints the removal statements; they read back as themselves" {
	run "$KEYSH_BIN" --undo -n -f "$D/a.conf" -f "$D/b.conf"
	assert_success
	assert_output "delete 192.0.2.1 192.0.2.2 esp 0x1001 ;
spddelete 192.0.2.1/32[any] 192.0.2.2/32[any] any -P out ;
delete 192.0.2.2 192.0.2.1 esp 0x1002 ;
spddelete 10.0.0.0/24[500] 10.0.1.0/24[any] tcp -P in ;"
	printf '%s\n' "$output" > "$D/undo.keysh"
	run "$KEYSH_BIN" --undo -n -f "$D/undo.keysh"
	assert_success
	assert_output "$(cat "$D/undo.keysh")"
}

@test "--undo removes what the files installed, nothing else; twice is fine" {
	stable_dump > "$D/before"
	run ks --atomic -f "$D/a.conf" -f "$D/b.conf"
	assert_success
	run ks --undo -f "$D/a.conf" -f "$D/b.conf"
	assert_success
	assert_output ""
	run diff "$D/before" <(stable_dump)
	assert_success
	# Already gone: not an error.
	run ks --undo -f "$D/a.conf" -f "$D/b.conf"
	assert_success
	run diff "$D/before" <(stable_dump)
	assert_success
}

@test "--undo of a printed removal script removes the same entries" {
	stable_dump > "$D/before"
	ks -f "$D/a.conf" -f "$D/b.conf"
	"$KEYSH_BIN" --undo -n -f "$D/a.conf" -f "$D/b.conf" > "$D/undo.keysh"
	run ks --undo -f "$D/undo.keysh"
	assert_success
	run diff "$D/before" <(stable_dump)
	assert_success
}

@test "--undo: flush and get install nothing and are skipped; spi auto is refused" {
	printf 'flush ;\nspdflush ;\nadd 10.9.0.1 10.9.0.2 esp auto -E aes-cbc random ;\n' > "$D/auto.conf"
	run "$KEYSH_BIN" --undo -n -f "$D/auto.conf"
	assert_failure 1
	assert_output --partial "$D/auto.conf:3: add esp"
	assert_output --partial "spi auto: the SPI is chosen when it runs"
	# Nothing was flushed.
	run ks -D
	assert_output --partial "spi=30583(0x00007777)"
}

@test "--undo with -D is a usage error" {
	run "$KEYSH_BIN" --undo -D
	assert_failure 2
	assert_output --partial "--undo applies to a script"
}

@test "--atomic: a failure in a loaded script also undoes what ran before the load" {
	stable_dump > "$D/before"
	printf 'add 192.0.2.9 192.0.2.8 esp 0x1003 -E aes-cbc %s -A hmac-sha256 %s ;\nadd 198.51.100.1 198.51.100.2 esp 0x7777 -E aes-cbc %s -A hmac-sha256 %s ;\n' \
		"$K16" "$K32" "$K16" "$K32" > "$D/dup.conf"
	printf 'load "%s" ;\nload "%s" ;\n' "$D/a.conf" "$D/dup.conf" > "$D/top.conf"
	run ks --atomic -f "$D/top.conf"
	assert_failure 1
	assert_output --partial "$D/dup.conf:2: add esp 0x00007777: File exists (EEXIST)"
	run diff "$D/before" <(stable_dump)
	assert_success
}

@test "-f twice: each file's warnings once, in file order (parsed once, run as one script)" {
	printf 'add 192.0.2.9 192.0.2.8 esp 0x1003 -E aes-cbc %s ;\n' "$K16" > "$D/w1.conf"
	printf 'spdadd 192.0.2.9 192.0.2.8 any -P out ipsec esp/transport//default ;\n' > "$D/w2.conf"
	run ks -f "$D/w1.conf" -f "$D/w2.conf"
	assert_success
	assert_equal "$(grep -c warning: <<<"$output")" 2
	assert_line --index 0 --partial "$D/w1.conf:1:1: warning: aes-cbc without -A"
	assert_line --index 1 --partial "$D/w2.conf:1:1: warning: level default"
}
