#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# SA statements against a private keyd: add, update, get, delete, deleteall,
# flush, dump, getspi, spi auto, random keys, register; backend errors.

load fixtures/suite.bash

setup() { keysh_start_keyd; }
teardown() { keysh_stop_keyd; }

# setkey -D without the lines that carry times, pids and sequence numbers.
stable() { grep -v -e 'created:' -e 'diff:' -e 'last:' -e 'sadb_seq='; }

@test "add then -D prints the setkey block, keys hidden" {
	run ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -m tunnel -u 5 -E aes-cbc 0x000102030405060708090a0b0c0d0e0f -A hmac-sha256 random'
	assert_success
	assert_output ""
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' -D | grep -v -e created: -e diff: -e last: -e sadb_seq="
	assert_success
	assert_output "10.0.0.1 10.0.0.2 
	esp mode=tunnel spi=4096(0x00001000) reqid=5(0x00000005)
	E: aes-cbc  (hidden)
	A: hmac-sha256  (hidden)
	seq=0x00000000 replay=0 flags=0x00000000 state=mature 
	current: 0(bytes)	hard: 0(bytes)	soft: 0(bytes)
	allocated: 0	hard: 0	soft: 0"
	assert_sa_exists 10.0.0.1 10.0.0.2 esp 0x1000 mode=tunnel reqid=5 enc_name=aes-cbc \
		auth_name=hmac-sha256 enc_key.bits=128 auth_key.bits=256 state=mature
}

@test "-K shows keys; set show-keys on does too" {
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc 0x000102030405060708090a0b0c0d0e0f'
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' -K -D | grep 'E:'"
	assert_output "	E: aes-cbc  00010203 04050607 08090a0b 0c0d0e0f"
	run ks -c <<< 'set show-keys on; get 10.0.0.1 10.0.0.2 esp 0x1000; set show-keys off; get 10.0.0.1 10.0.0.2 esp 0x1000;'
	assert_success
	assert_line --index 2 "	E: aes-cbc  00010203 04050607 08090a0b 0c0d0e0f"
	assert_line --index 12 "	E: aes-cbc  (hidden)"
}

@test "add an existing SA: FILE:LINE message with errno name, exit 1, the rest still runs" {
	printf '%s\n' 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E null;' \
		'add 10.0.0.1 10.0.0.2 esp 0x1000 -E null;' \
		'add 10.0.0.1 10.0.0.2 esp 0x1001 -E null;' > "$BATS_TEST_TMPDIR/a.conf"
	run ks -f "$BATS_TEST_TMPDIR/a.conf"
	assert_failure 1
	assert_output "$BATS_TEST_TMPDIR/a.conf:2: add esp 0x00001000: File exists (EEXIST)"
	[ "$(keysh_count_sa esp)" -eq 2 ]
}

@test "get and delete of a missing SA fail with the backend's errno" {
	run ks 'get 10.0.0.1 10.0.0.2 esp 0x999'
	assert_failure 1
	assert_output --regexp '^<args>:1: get esp 0x00000999: no such SA \((ENOENT|ESRCH)\)$'
	run ks 'delete 10.0.0.1 10.0.0.2 esp 0x999'
	assert_failure 1
	assert_output --regexp '^<args>:1: delete esp 0x00000999: no such SA \((ENOENT|ESRCH)\)$'
}

@test "update changes a mature SA's lifetimes (keys stay, as on Linux); delete removes" {
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc 0x000102030405060708090a0b0c0d0e0f'
	run ks -q 'update 10.0.0.1 10.0.0.2 esp 0x1000 -lh 600 -E aes-cbc 0x0f0e0d0c0b0a09080706050403020100'
	assert_success
	assert_output ""
	assert_sa_exists 10.0.0.1 10.0.0.2 esp 0x1000 lifetime_hard.addtime=600
	run ks delete 10.0.0.1 10.0.0.2 esp 0x1000
	assert_success
	run ks -D
	assert_output "No SAD entries."
	run ks 'update 10.0.0.1 10.0.0.2 esp 0x1000 -E null'
	assert_failure 1
	assert_output --regexp '^<args>:1: update esp 0x00001000: no such SA \((ENOENT|ESRCH)\)$'
}

@test "deleteall removes every SA between two addresses, and only those" {
	ks -c <<-'EOF'
	add 10.0.0.1 10.0.0.2 esp 0x1000 -E null;
	add 10.0.0.1 10.0.0.2 esp 0x1001 -E null;
	add 10.0.0.1 10.0.0.2 ah 0x1002 -A hmac-sha1 random;
	add 10.0.0.2 10.0.0.1 esp 0x1003 -E null;
	EOF
	run ks deleteall 10.0.0.1 10.0.0.2 esp
	assert_success
	[ "$(keysh_count_sa)" -eq 2 ]
	assert_sa_exists 10.0.0.1 10.0.0.2 ah 0x1002
	assert_sa_exists 10.0.0.2 10.0.0.1 esp 0x1003
}

@test "flush PROTO and flush; -F" {
	ks -c <<-'EOF'
	add 10.0.0.1 10.0.0.2 esp 0x1000 -E null;
	add 10.0.0.1 10.0.0.2 ah 0x1002 -A hmac-sha1 random;
	add 10.0.0.1 10.0.0.2 ipcomp 0x1003 -C deflate;
	EOF
	run ks flush ah
	assert_success
	[ "$(keysh_count_sa)" -eq 2 ]
	[ "$(keysh_count_sa ah)" -eq 0 ]
	run ks flush
	[ "$(keysh_count_sa)" -eq 0 ]
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E null'
	run ks -F
	assert_success
	[ "$(keysh_count_sa)" -eq 0 ]
}

@test "dump PROTO lists one protocol, sorted by dst, proto, SPI" {
	ks -c <<-'EOF'
	add 10.0.0.9 10.0.0.3 esp 0x3000 -E null;
	add 10.0.0.1 10.0.0.2 esp 0x2000 -E null;
	add 10.0.0.1 10.0.0.2 esp 0x1000 -E null;
	add 10.0.0.1 10.0.0.2 ah 0x1500 -A hmac-sha1 random;
	add fe80::1 fe80::2 esp 0x1000 -E null;
	EOF
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' -D | grep spi= | sed 's/ reqid.*//'"
	assert_output "	ah mode=transport spi=5376(0x00001500)
	esp mode=transport spi=4096(0x00001000)
	esp mode=transport spi=8192(0x00002000)
	esp mode=transport spi=12288(0x00003000)
	esp mode=transport spi=4096(0x00001000)"
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' dump ah | grep -c spi="
	assert_output 1
}

@test "getspi allocates a larval SA from a range; spi auto completes it" {
	run ks getspi 10.0.0.1 10.0.0.2 esp 0x5000-0x5000
	assert_success
	assert_output "10.0.0.1 10.0.0.2 esp spi=20480(0x00005000)"
	assert_sa_exists 10.0.0.1 10.0.0.2 esp 0x5000 state=larval
	# Linux af_key has no AEAD: spi auto with AES-CBC there.
	enc='aes-gcm-16 random' name=aes-gcm-16 bits=288
	if keysh_kernel && [ "$(keysh_kernel_impl)" = afkey ]; then
		enc='aes-cbc random -A hmac-sha256 random' name=aes-cbc bits=256
	fi
	run ks "add 10.0.0.1 10.0.0.2 esp auto -m tunnel -E $enc"
	assert_success
	assert_output --regexp '^10\.0\.0\.1 10\.0\.0\.2 esp spi=[0-9]+\(0x[0-9a-f]{8}\)$'
	spi=$(sed 's/.*(\(0x[0-9a-f]*\))$/\1/' <<< "$output")
	assert_sa_exists 10.0.0.1 10.0.0.2 esp "$spi" state=mature mode=tunnel enc_name=$name enc_key.bits=$bits
	run ks --json 'add 10.0.0.1 10.0.0.2 ah auto -A hmac-sha1 random'
	assert_output --regexp '^\{"spi":[0-9]+\}$'
}

@test "random keys have exactly the algorithm's size and differ" {
	keysh_skip_afkey "AEAD SAs (chacha20-poly1305, aes-ccm-16)"
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E chacha20-poly1305 random'
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1001 -E aes-ccm-16 random:152'
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1002 -E aes-cbc random -A hmac-sha512 random'
	assert_sa_exists 10.0.0.1 10.0.0.2 esp 0x1000 enc_key.bits=288 enc_name=chacha20-poly1305
	assert_sa_exists 10.0.0.1 10.0.0.2 esp 0x1001 enc_key.bits=152
	assert_sa_exists 10.0.0.1 10.0.0.2 esp 0x1002 enc_key.bits=256 auth_key.bits=512
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' -K --json -D | jq -r .sa.enc_key.hex | sort -u | wc -l"
	assert_output 3
}

@test "esp-udp sets NAT-T encapsulation ports; ipcomp with -R" {
	run ks 'add 10.0.0.1[4501] 10.0.0.2 esp-udp 0x1000 -E null'
	assert_success
	assert_sa_exists 10.0.0.1 10.0.0.2 esp 0x1000 natt.type=2 natt.sport=4501 natt.dport=4500
	run ks 'add 10.0.0.1 10.0.0.2 ipcomp 0x400 -C deflate -R'
	assert_success
	assert_sa_exists 10.0.0.1 10.0.0.2 ipcomp 0x400 enc_name=deflate
}

@test "lifetimes -lh -ls -bh -bs reach the SA" {
	run ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -lh 3600 -ls 3000 -bh 1000000 -bs 900000 -E null'
	assert_success
	assert_sa_exists 10.0.0.1 10.0.0.2 esp 0x1000 lifetime_hard.addtime=3600 lifetime_soft.addtime=3000 \
		lifetime_hard.bytes=1000000 lifetime_soft.bytes=900000
}

@test "register lists the backend's algorithms" {
	run ks register esp
	assert_success
	assert_line "auth hmac-sha256 256-256"
	assert_line --regexp '^enc aes-cbc 128-256 ivlen=[0-9]+$'
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' --json register esp | jq -r .type"
	assert_output "REGISTER"
}

@test "-v names the backend, then prints every message sent and received" {
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E null'
	run ks -v get 10.0.0.1 10.0.0.2 esp 0x1000
	assert_success
	assert_line --index 0 --regexp '^keysh: backend (keyd on |pfkey |xfrm )'
	assert_line --index 1 "# sent"
	assert_line "# received"
	assert_line --regexp '^sadb_msg\{ version=2 type=5 errno=0 satype=3$'
}

@test "one-shot statement without ';' and several statements with ';'" {
	run ks add 10.0.0.1 10.0.0.2 esp 0x1000 -E null
	assert_success
	run ks 'add 10.0.0.1 10.0.0.2 esp 0x1001 -E null; add 10.0.0.1 10.0.0.2 esp 0x1002 -E null;'
	assert_success
	[ "$(keysh_count_sa)" -eq 3 ]
}

@test "a syntax error anywhere applies nothing (exit 2)" {
	run ks -c <<-'EOF'
	add 10.0.0.1 10.0.0.2 esp 0x1000 -E null;
	add 10.0.0.1 10.0.0.2 esp 0x1001 -E nul;
	EOF
	assert_failure 2
	assert_output "<stdin>:2:37: error: unknown algorithm 'nul'; did you mean 'null'?"
	run ks -D
	assert_output "No SAD entries."
}

@test "an algorithm the backend cannot run is named in the error" {
	keysh_skip_kernel "which algorithms the kernel lacks depends on the kernel"
	run ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E twofish-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha256 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'
	assert_failure 1
	assert_output "<args>:1: add esp 0x00001000: twofish-cbc not supported by this backend (ENOSYS)"
	# completion offers only what the backend runs (REGISTER's list)
	run ks --complete 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E '
	assert_line aes-gcm-16
	refute_line twofish-cbc
	refute_line serpent-cbc
	# -n has no backend: it cannot know
	run ks -n 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E twofish-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha256 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'
	assert_success
	run ks --json 'delete 10.0.0.1 10.0.0.2 esp 0x999'
	assert_failure 1
	assert_output '{"type":"ERROR","file":"<args>","line":1,"errno":"ESRCH","message":"delete esp 0x00000999: no such SA (ESRCH)"}'
}

@test "-f esn: SADB_X_SAFLAGS_ESN (0x400) in -D and as -f esn in --script; af_key drops it and caps the window at 32" {
	run ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -m transport -r 64 -f esn -E aes-cbc 0x000102030405060708090a0b0c0d0e0f -A hmac-sha256 random'
	assert_success
	run bash -c "'$KEYSH_BIN' --socket '$KEYSH_SOCKET' -D | grep flags="
	if keysh_kernel && [ "$(keysh_kernel_impl)" = afkey ]; then
		assert_output "	seq=0x00000000 replay=32 flags=0x00000000 state=mature "
		return
	fi
	assert_output "	seq=0x00000000 replay=64 flags=0x00000400 state=mature "
	run ks --script -D
	assert_success
	assert_line --index 2 "add 10.0.0.1 10.0.0.2 esp 0x00001000 -m transport -r 64 -f esn -E aes-cbc (hidden) -A hmac-sha256 (hidden) ;"
}
