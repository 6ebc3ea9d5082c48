#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# save FILE (restorable script with keys, mode 0600) and load FILE.

load fixtures/suite.bash

setup() { keysh_start_keyd; }
teardown() { keysh_stop_keyd; }

@test "save writes a 0600 script with keys; load restores it" {
	ks -f "$MIXED"
	before=$(ks -K --script -D; ks --script -DP)
	umask 022
	run ks "save $BATS_TEST_TMPDIR/state.conf"
	assert_success
	assert_output ""
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/state.conf")" = 600 ]
	run head -1 "$BATS_TEST_TMPDIR/state.conf"
	assert_output "# keysh save: restore with keysh -f $BATS_TEST_TMPDIR/state.conf (into an empty SADB/SPD)"
	grep -q '0x3132333435363738393031323334353637383930' "$BATS_TEST_TMPDIR/state.conf"
	ks -F
	ks -FP
	run ks "load $BATS_TEST_TMPDIR/state.conf"
	assert_success
	[ "$before" = "$(ks -K --script -D; ks --script -DP)" ]
}

@test "save over an existing world-readable file makes it 0600" {
	touch "$BATS_TEST_TMPDIR/s.conf"
	chmod 644 "$BATS_TEST_TMPDIR/s.conf"
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E null'
	run ks "save \"$BATS_TEST_TMPDIR/s.conf\""
	assert_success
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/s.conf")" = 600 ]
}

@test "save never writes through a symlink nor into another user's file" {
	ks 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc 0x000102030405060708090a0b0c0d0e0f'
	echo victim > "$BATS_TEST_TMPDIR/victim"
	chmod 644 "$BATS_TEST_TMPDIR/victim"
	ln -s "$BATS_TEST_TMPDIR/victim" "$BATS_TEST_TMPDIR/link.conf"
	run ks "save $BATS_TEST_TMPDIR/link.conf"
	assert_success
	[ ! -L "$BATS_TEST_TMPDIR/link.conf" ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/link.conf")" = 600 ]
	[ "$(cat "$BATS_TEST_TMPDIR/victim")" = victim ]
	# no temporary file left next to it
	[ "$(ls -A "$BATS_TEST_TMPDIR" | grep -c tmp)" -eq 0 ]
	if [ "$(id -u)" -eq 0 ]; then
		chown 65534 "$BATS_TEST_TMPDIR/victim"
		run ks "save $BATS_TEST_TMPDIR/victim"
		assert_failure 1
		assert_output "<args>: save $BATS_TEST_TMPDIR/victim: the file belongs to another user: not replaced"
		[ "$(cat "$BATS_TEST_TMPDIR/victim")" = victim ]
	fi
}

@test "save to an impossible path fails with exit 1" {
	run ks "save $BATS_TEST_TMPDIR/no/such/dir/x"
	assert_failure 1
	assert_output "<args>: save $BATS_TEST_TMPDIR/no/such/dir/x: No such file or directory (ENOENT)"
}

@test "load reports the loaded file's errors with its own name; a failed load fails" {
	printf 'add 10.0.0.1 10.0.0.2 esp 0x1000 -E null;\nadd 10.0.0.1 10.0.0.2 esp 0x1000 -E null;\n' \
		> "$BATS_TEST_TMPDIR/l.conf"
	printf 'load %s;\nadd 10.0.0.1 10.0.0.2 esp 0x1001 -E null;\n' "$BATS_TEST_TMPDIR/l.conf" \
		> "$BATS_TEST_TMPDIR/main.conf"
	run ks -f "$BATS_TEST_TMPDIR/main.conf"
	assert_failure 1
	assert_output "$BATS_TEST_TMPDIR/l.conf:2: add esp 0x00001000: File exists (EEXIST)"
	[ "$(keysh_count_sa)" -eq 2 ]
	run ks "load $BATS_TEST_TMPDIR/missing.conf"
	assert_failure 1
	assert_output "<args>:1: load $BATS_TEST_TMPDIR/missing.conf: No such file or directory (ENOENT)"
	printf 'load %s;\n' "$BATS_TEST_TMPDIR/self.conf" > "$BATS_TEST_TMPDIR/self.conf"
	run ks -f "$BATS_TEST_TMPDIR/self.conf"
	assert_failure 1
	assert_line "$BATS_TEST_TMPDIR/self.conf:1: load $BATS_TEST_TMPDIR/self.conf: too many nested loads"
}
