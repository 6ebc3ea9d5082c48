#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --atomic: the first failing statement undoes everything applied before it
# (adds deleted, updates/deletes/flushes restored from snapshots), so the
# SADB/SPD end exactly as they were; without --atomic setkey semantics.

load fixtures/suite.bash

setup() {
	keysh_start_keyd
	ks -f "$MIXED"
	snapshot > "$BATS_TEST_TMPDIR/before"
}
teardown() { keysh_stop_keyd; }

# Everything an SA/policy is, keys included, without times/pids/ids. The
# policy refcount (refcnt, also in sadb_msg_reserved) counts the engine's own
# references (af_key: 2 during a policy's first second, its timer's): not
# something a restore sets.
snapshot() {
	ks -K --json -D | jq -c 'del(.seq, .pid, .sa.lifetime_current)'
	ks --json -DP | jq -c 'del(.seq, .pid, .reserved, .policy.id, .policy.refcnt, .policy.lifetime_current)'
}

assert_unchanged() {
	run diff "$BATS_TEST_TMPDIR/before" <(snapshot)
	assert_success
}

@test "adds, updates, deletes, flushes rolled back when the last statement fails" {
	# Linux af_key has no AEAD: aes-cbc for the spi auto SA there.
	aead=aes-gcm-16
	if keysh_kernel && [ "$(keysh_kernel_impl)" = afkey ]; then aead=aes-cbc; fi
	cat > "$BATS_TEST_TMPDIR/t.conf" <<-EOF
	add 10.9.0.1 10.9.0.2 esp 0x5000 -E aes-cbc random;
	add 10.9.0.1 10.9.0.2 esp auto -E $aead random;
	update 10.0.34.4 10.0.23.2 esp 0x1001 -lh 60 -E aes-cbc random -A hmac-sha256 random;
	delete 10.0.23.2 10.0.34.4 esp 0x1000;
	deleteall fe80::1 fe80::2 ah;
	spdadd 10.9.0.0/24 10.9.1.0/24 any -P out discard;
	spdupdate 10.0.12.0/24 10.0.45.0/24 any -P out none;
	spddelete 10.0.45.0/24 10.0.12.0/24 any -P in;
	flush ipcomp;
	add 10.0.23.2 10.0.34.4 esp 0x1001 -E null;
	EOF
	# The last add collides with nothing; make it fail: the SA 0x5000 exists by then.
	echo 'add 10.9.0.1 10.9.0.2 esp 0x5000 -E null;' >> "$BATS_TEST_TMPDIR/t.conf"
	run ks --atomic -f "$BATS_TEST_TMPDIR/t.conf"
	assert_failure 1
	assert_line "$BATS_TEST_TMPDIR/t.conf:11: add esp 0x00005000: File exists (EEXIST)"
	assert_line --regexp '^keysh: --atomic: rolled back [0-9]+ changes$'
	assert_unchanged
}

@test "spdflush and flush rolled back" {
	run ks --atomic -c <<-'EOF'
	spdflush;
	flush;
	get 10.0.0.1 10.0.0.2 esp 0x999;
	EOF
	assert_failure 1
	assert_unchanged
}

@test "success applies everything and prints no rollback" {
	run ks --atomic -c <<-'EOF'
	add 10.9.0.1 10.9.0.2 esp 0x5000 -E null;
	spdadd 10.9.0.0/24 10.9.1.0/24 any -P out discard;
	EOF
	assert_success
	assert_output ""
	assert_sa_exists 10.9.0.1 10.9.0.2 esp 0x5000
	assert_policy_exists 10.9.0.0/24 10.9.1.0/24 out
}

@test "without --atomic a failure leaves what succeeded (setkey semantics)" {
	run ks -c <<-'EOF'
	add 10.9.0.1 10.9.0.2 esp 0x5000 -E null;
	add 10.9.0.1 10.9.0.2 esp 0x5000 -E null;
	add 10.9.0.1 10.9.0.2 esp 0x5001 -E null;
	EOF
	assert_failure 1
	assert_output "<stdin>:2: add esp 0x00005000: File exists (EEXIST)"
	assert_sa_exists 10.9.0.1 10.9.0.2 esp 0x5000
	assert_sa_exists 10.9.0.1 10.9.0.2 esp 0x5001
}
