#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Batches: `-f` sends add/update/delete/spd* pipelined (prebuilt requests,
# many in flight, replies matched by seq); failures must still be reported
# one per statement, in script order, as FILE:LINE of the failing statement.

bats_require_minimum_version 1.5.0
load fixtures/suite.bash

setup() { keysh_start_keyd; }
teardown() { keysh_stop_keyd; }

@test "pipelined batch: every failure reported with its own line, in order" {
	local f="$BATS_TEST_TMPDIR/b.conf" i line=0 want=()

	: > "$f"
	for i in $(seq 0 499); do
		# Statements spread over two lines now and then: the error names
		# the line where the statement starts.
		if [ $((i % 7)) -eq 0 ]; then
			printf 'add 10.2.0.1 10.2.%d.%d\n   esp %d -E null;\n' $((i / 256)) $((i % 256)) $((4096 + i)) >> "$f"
			line=$((line + 2))
		else
			printf 'add 10.2.0.1 10.2.%d.%d esp %d -E null;\n' $((i / 256)) $((i % 256)) $((4096 + i)) >> "$f"
			line=$((line + 1))
		fi
		# Every 37th SA is added twice (EEXIST on the repeat), every 53rd
		# is deleted under a wrong destination (ESRCH/ENOENT).
		if [ $((i % 37)) -eq 5 ]; then
			printf 'add 10.2.0.1 10.2.%d.%d esp %d -E null;\n' $((i / 256)) $((i % 256)) $((4096 + i)) >> "$f"
			line=$((line + 1))
			want+=("$f:$line: add esp $(printf '0x%08x' $((4096 + i))): File exists (EEXIST)")
		fi
		if [ $((i % 53)) -eq 9 ]; then
			printf '# a comment\ndelete 10.2.0.1 10.3.0.1 esp %d;\n' $((4096 + i)) >> "$f"
			line=$((line + 2))
			want+=("$f:$line: delete esp $(printf '0x%08x' $((4096 + i))): no such SA (ESRCH)")
		fi
		# A statement that is not pipelined in the middle (waits for the
		# batch so far, then runs): a dump of the count so far.
		if [ "$i" -eq 250 ]; then
			printf 'get 10.2.0.1 10.2.0.250 esp %d;\n' $((4096 + 250)) >> "$f"
			line=$((line + 1))
		fi
	done
	run --separate-stderr ks -f "$f"
	assert_failure 1
	[ "${#stderr_lines[@]}" -eq "${#want[@]}" ]
	for i in "${!want[@]}"; do
		[ "${stderr_lines[$i]}" = "${want[$i]}" ] || {
			echo "line $i: got '${stderr_lines[$i]}' want '${want[$i]}'"
			return 1
		}
	done
	# The GET ran after the 251 ADDs before it (its reply is printed).
	assert_output --partial "spi=4346(0x000010fa)"
	[ "$(keysh_count_sa esp)" -eq 500 ]
}

@test "-n parses a multi-window batch and applies nothing; a batch ending in flush leaves nothing" {
	local f="$BATS_TEST_TMPDIR/c.conf" i

	for i in $(seq 0 299); do
		printf 'add 10.4.0.1 10.4.%d.%d esp %d -E null;\n' $((i / 256)) $((i % 256)) $((4096 + i))
	done > "$f"
	printf 'flush;\n' >> "$f"
	run ks -n -f "$f"
	assert_success
	assert_output ""
	[ "$(keysh_count_sa esp)" -eq 0 ]
	run ks -f "$f"
	assert_success
	[ "$(keysh_count_sa esp)" -eq 0 ]
}
