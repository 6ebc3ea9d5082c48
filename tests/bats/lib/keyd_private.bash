# SPDX-License-Identifier: BSD-2-Clause
# keyd_private.bash: a private keyd per test for the suites that start,
# stop, kill and restart keyd themselves (keyd_files, keyd_load,
# keyd_durable). Load after lib/keysh.bash (keysh__bin).
#
#   keyd_private_setup        KEYD and KEYSH (keysh__bin), S (the socket,
#                             in $BATS_TEST_TMPDIR), PID empty: no keyd yet
#   keyd_private_start ARG... keyd --foreground --socket $S ARG... in the
#                             background (PID); returns once $S is a socket,
#                             or 1 with keyd's output if keyd exits first or
#                             5 s pass; keyd's output is appended to
#                             $BATS_TEST_TMPDIR/keyd.log
#   keyd_private_stop         SIGTERM; returns keyd's exit status
#   keyd_private_teardown     ends a keyd still running (a stopped one too)
#   ks ARG...                 keysh against $S

keyd_private_setup() {
	KEYD=$(keysh__bin keyd)
	KEYSH=$(keysh__bin keysh)
	S="$BATS_TEST_TMPDIR/k.sock"
	PID=
}

keyd_private_start() {
	rm -f "$S"
	"$KEYD" --foreground --socket "$S" "$@" >>"$BATS_TEST_TMPDIR/keyd.log" 2>&1 &
	PID=$!
	for _ in $(seq 1 500); do
		[ -S "$S" ] && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.01
	done
	cat "$BATS_TEST_TMPDIR/keyd.log" >&2
	return 1
}

keyd_private_stop() {
	kill "$PID"
	wait "$PID"
	local rc=$?
	PID=
	return $rc
}

keyd_private_teardown() {
	if [ -n "${PID:-}" ]; then
		kill -CONT "$PID" 2>/dev/null || true
		kill "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
		PID=
	fi
}

ks() { "$KEYSH" --backend keyd --socket "$S" "$@"; }
