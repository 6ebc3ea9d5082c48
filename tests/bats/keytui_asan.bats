#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# keytui_asan.bats: the sanitizer smoke run. keytui is built with
# -fsanitize=address,undefined into its own build dir and a scripted session
# (--keys, --iterations) exercises every view, the detail pane, filter, sort,
# help, a compose form with generated keys, the pair wizard, delete and a
# resize, against a private keyd. Any sanitizer report fails the test.

load lib/keysh.bash

# ks STATEMENTS: run keysh statements against the private keyd.
ks() { printf '%s\n' "$1" | keysh_cmd -c; }

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
ASAN_B="${KEYTUI_ASAN_BUILD:-build-asan}"

setup_file() {
	# -Wno-nonnull: gcc 12 sees UBSan's null-check paths as explicit_bzero
	# of a null member array (form.c, exec.c) and warns, which fails the
	# build under `make WERROR=1 check`; the regular build keeps -Wnonnull.
	if [ -z "${KEYTUI_SKIP_ASAN:-}" ]; then
		make -s -C "$ROOT" B="$ASAN_B" \
			EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -Wno-nonnull" \
			"$ASAN_B/keytui" >"$BATS_FILE_TMPDIR/build.log" 2>&1 || {
			cat "$BATS_FILE_TMPDIR/build.log" >&3
			return 1
		}
	fi
}

setup() {
	[ -z "${KEYTUI_SKIP_ASAN:-}" ] || skip "KEYTUI_SKIP_ASAN set"
	keysh_start_keyd
}

teardown() {
	keysh_stop_keyd
}

@test "keytui: ASan/UBSan scripted session is clean" {
	ks "add 10.0.0.1 10.0.0.2 esp 0x1001 -m transport -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha256 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ;"
	ks "spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//require ;"
	cp "$ROOT/tests/bench/keytui/session.keys" "$BATS_TEST_TMPDIR/session.keys"
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98
	run env TERM=xterm "$ROOT/$ASAN_B/keytui" --socket "$KEYSH_SOCKET" \
		--keys "$BATS_TEST_TMPDIR/session.keys" --iterations 4000 \
		--stats "$BATS_TEST_TMPDIR/stats" </dev/null >"$BATS_TEST_TMPDIR/screen" \
		2>"$BATS_TEST_TMPDIR/stderr"
	cat "$BATS_TEST_TMPDIR/stderr" >&3
	[ "$status" -eq 0 ]
	! grep -qE "AddressSanitizer|runtime error|LeakSanitizer" "$BATS_TEST_TMPDIR/stderr"
	# the session really ran: the form and the wizard installed their SAs
	grep -q "^frames [1-9]" "$BATS_TEST_TMPDIR/stats"
	assert_sa_exists 192.0.2.1 192.0.2.2 esp 0x2001
	[ "$(keysh_count_sa)" -eq 4 ]
	[ "$(keysh_count_policies)" -eq 3 ]
}
