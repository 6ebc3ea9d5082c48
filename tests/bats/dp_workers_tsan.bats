#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# dp_workers_tsan.bats: the data path's crypto lanes under ThreadSanitizer.
# The unit binary is built with -fsanitize=thread into its own build dir and
# runs its dp_workers cases (tests/unit/test_dp_workers.c: the pool alone,
# items in flight at destroy, and real ESP through the core's split calls
# over a pool, both ways). Any race report fails the test (TSan exits 66).

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
TSAN_B="${DP_TSAN_BUILD:-build-tsan}"

setup_file() {
	if ! echo 'int main(void){return 0;}' |
		${CC:-cc} -fsanitize=thread -x c -o "$BATS_FILE_TMPDIR/t" - 2>/dev/null; then
		skip "no -fsanitize=thread here"
	fi
	make -s -C "$ROOT" B="$TSAN_B" EXTRA_CFLAGS="-fsanitize=thread" "$TSAN_B/unit" \
		>"$BATS_FILE_TMPDIR/build.log" 2>&1 || {
		cat "$BATS_FILE_TMPDIR/build.log" >&3
		return 1
	}
}

@test "dp_workers: lanes and split calls race free under ThreadSanitizer" {
	run env TSAN_OPTIONS="exitcode=66 halt_on_error=0" "$ROOT/$TSAN_B/unit" dp_workers
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"ThreadSanitizer"* ]]
	# every case of the file ran
	n=$(grep -c '^TEST(dp_workers_' "$ROOT/tests/unit/test_dp_workers.c")
	[[ "$output" == *"$n passed, 0 failed"* ]]
}
