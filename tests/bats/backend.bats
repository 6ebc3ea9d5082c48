#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Which engine keysh and keytui talk to (libpfkey's backend.c): keyd only
# when asked and never started for the user, the default keyd socket (root:
# /run/keyd.sock; a user: only $XDG_RUNTIME_DIR), the SO_PEERCRED owner
# check, a keyd that goes away, --backend errors and the messages naming
# CAP_NET_ADMIN; the xfrm backend on this kernel (in private network
# namespaces): auto picks it without PF_KEY, SPD requests and events over
# netlink, an SA the kernel cannot carry, keyd --store xfrm, keytui.
# keyd's --socket-group/--socket-mode: backend_keyd.bats.

load fixtures/suite.bash

setup() {
	keysh_skip_kernel "backend choice and keyd sockets are tested on the host"
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -p "$XDG_RUNTIME_DIR"
	KT=$KEYSH_BUILD/keytui
	KEYD=$KEYSH_BUILD/keyd
}

teardown() {
	local pid
	[ -z "${TM:-}" ] || $TM kill-server 2>/dev/null || true
	for pid in ${FOREIGN_PID:-} ${KEYD_PID:-}; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	[ -z "${SHARED:-}" ] || rm -rf "$SHARED"
}

need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root (setpriv to another uid)"; }

has_pfkey() { python3 -c 'import socket; socket.socket(15, socket.SOCK_RAW, 2)' 2>/dev/null; }

# Start keyd as uid nobody on $1 (in a directory nobody may write).
start_foreign_keyd() {
	local sock=$1 i
	chmod 0777 "$(dirname "$sock")"
	setpriv --reuid nobody --regid nogroup --clear-groups \
		"$KEYD" --socket "$sock" --foreground 2>"$BATS_TEST_TMPDIR/foreign.log" &
	FOREIGN_PID=$!
	for i in $(seq 1 500); do
		[ -S "$sock" ] && return 0
		sleep 0.01
	done
	cat "$BATS_TEST_TMPDIR/foreign.log" >&2
	return 1
}

@test "auto never falls back to keyd and never starts one" {
	run "$KEYSH_BIN" -D
	refute_output --partial "keyd"
	[ ! -e "$XDG_RUNTIME_DIR/keyd.sock" ]
	! pgrep -f -- "--socket $XDG_RUNTIME_DIR" >/dev/null
}

@test "--backend keyd with no keyd running: exit 3 and how to start one" {
	run "$KEYSH_BIN" --backend keyd --socket "$BATS_TEST_TMPDIR/k.sock" -D
	assert_failure 3
	assert_output "keysh: no keyd listens on $BATS_TEST_TMPDIR/k.sock (ENOENT); start one with: keyd --socket $BATS_TEST_TMPDIR/k.sock --daemon"
	[ ! -e "$BATS_TEST_TMPDIR/k.sock" ]
}

@test "--backend: unknown names and --socket with another backend are usage errors" {
	run "$KEYSH_BIN" --backend netlink -D
	assert_failure 2
	assert_output "keysh: --backend: 'netlink' is not auto, pfkey, xfrm or keyd
(try keysh --help)"
	run "$KEYSH_BIN" --backend xfrm --socket /run/keyd.sock -D
	assert_failure 2
	assert_line --index 0 "keysh: --socket: names a keyd socket, but --backend is xfrm"
	run "$KT" --backend netlink
	assert_failure 2
}

@test "--backend pfkey on a kernel without PF_KEY names what is missing" {
	has_pfkey && skip "this kernel has PF_KEY"
	run "$KEYSH_BIN" --backend pfkey -D
	assert_failure 3
	assert_output "keysh: this kernel has no PF_KEY (load af_key or pfkeyv2.ko, or use --backend xfrm)"
	run "$KEYSH_BIN" --backend kernel -D	# the old name of pfkey
	assert_failure 3
	assert_output --partial "no PF_KEY"
}

@test "-v and the prompt name the backend in use" {
	keysh_start_keyd
	run "$KEYSH_BIN" -v --socket "$KEYSH_SOCKET" -D
	assert_success
	assert_line --index 0 "keysh: backend keyd on $KEYSH_SOCKET"
	assert_line "No SAD entries."
	keysh_stop_keyd
}

@test "root uses /run/keyd.sock even with XDG_RUNTIME_DIR set" {
	need_root
	command -v unshare >/dev/null || skip "no unshare"
	# A private /run (mount namespace) with a keyd holding one SA, and a
	# decoy keyd in XDG_RUNTIME_DIR: keysh must find the first.
	cat > "$BATS_TEST_TMPDIR/in-ns.sh" <<EOF
set -e
mount -t tmpfs tmpfs /run
"$KEYD" --socket /run/keyd.sock --daemon --pidfile /run/keyd.pid
"$KEYD" --socket "$XDG_RUNTIME_DIR/keyd.sock" --daemon --pidfile "$BATS_TEST_TMPDIR/decoy.pid"
"$KEYSH_BIN" --socket /run/keyd.sock 'add 10.0.0.1 10.0.0.2 esp 0x1001 -E null'
rc=0
XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" "$KEYSH_BIN" --backend keyd -v --json -D || rc=\$?
kill \$(cat /run/keyd.pid) \$(cat "$BATS_TEST_TMPDIR/decoy.pid")
exit \$rc
EOF
	run unshare -m --propagation private sh "$BATS_TEST_TMPDIR/in-ns.sh"
	assert_success
	assert_line --index 0 "keysh: backend keyd on /run/keyd.sock"
	assert_line --partial '"spi":4097'
}

@test "a user without XDG_RUNTIME_DIR has no default keyd socket (no /tmp fallback)" {
	need_root
	run setpriv --reuid nobody --regid nogroup --clear-groups \
		env -u XDG_RUNTIME_DIR "$KEYSH_BIN" --backend keyd -D
	assert_failure 3
	assert_output "keysh: XDG_RUNTIME_DIR is not set, so keyd's socket has no default place for uid 65534: give --socket PATH"
	run setpriv --reuid nobody --regid nogroup --clear-groups \
		env XDG_RUNTIME_DIR=/nonexistent-keysh-run "$KEYSH_BIN" --backend keyd -D
	assert_failure 3
	assert_output --partial "no keyd listens on /nonexistent-keysh-run/keyd.sock (ENOENT)"
}

@test "a keyd socket served by another uid is refused (keysh and keytui)" {
	need_root
	# a directory uid nobody can reach (BATS_TEST_TMPDIR's parents are 0700)
	SHARED=$(mktemp -d /tmp/keysh-foreign.XXXXXX)
	sock=$SHARED/keyd.sock
	start_foreign_keyd "$sock"
	run "$KEYSH_BIN" --socket "$sock" 'add 10.0.0.1 10.0.0.2 esp 0x1001 -E aes-gcm-16 0x00112233445566778899aabbccddeeff00112233'
	assert_failure 3
	assert_output "keysh: refusing keyd socket $sock: its server runs as uid 65534, not root or uid 0 (you)"
	run "$KT" --socket "$sock"
	assert_failure 3
	assert_output "keytui: refusing keyd socket $sock: its server runs as uid 65534, not root or uid 0 (you)"
	# the foreign keyd received nothing: its SAD is still empty
	run setpriv --reuid nobody --regid nogroup --clear-groups \
		"$KEYSH_BIN" --socket "$sock" --json -D
	assert_success
	refute_output --partial '"spi"'
}

@test "a keyd that goes away: the next keysh says so and never starts an empty one" {
	keysh_start_keyd
	run "$KEYSH_BIN" --socket "$KEYSH_SOCKET" 'add 10.0.0.1 10.0.0.2 esp 0x1001 -E null'
	assert_success
	keysh_stop_keyd
	run "$KEYSH_BIN" --socket "$KEYSH_SOCKET" -D
	assert_failure 3
	assert_output "keysh: no keyd listens on $KEYSH_SOCKET (ENOENT); start one with: keyd --socket $KEYSH_SOCKET --daemon"
	refute_output --partial "No SAD entries"
	[ ! -e "$KEYSH_SOCKET" ]
}

@test "a keyd that goes away under the monitor: said, exit 3" {
	keysh_start_keyd
	"$KEYSH_BIN" --socket "$KEYSH_SOCKET" -x > "$BATS_TEST_TMPDIR/mon.out" 2>&1 &
	mon=$!
	# connected once it is counted by keyd
	for _ in $(seq 1 200); do
		"$KEYD" --socket "$KEYSH_SOCKET" stats 2>/dev/null | grep -q "sockets=1" && break
		sleep 0.02
	done
	kill "$KEYD_PID"
	wait "$KEYD_PID" || true
	KEYD_PID=
	rc=0
	wait "$mon" || rc=$?
	[ "$rc" -eq 3 ]
	grep -qF "keysh: keyd on $KEYSH_SOCKET went away (ECONNRESET): the SAs and policies it held are gone unless it keeps --state" "$BATS_TEST_TMPDIR/mon.out"
}

@test "interactive: a keyd that goes away is said, the next statement reconnects" {
	command -v tmux >/dev/null || skip "tmux not installed"
	keysh_start_keyd
	TM="tmux -L keysh-be-$$-$BATS_TEST_NUMBER"
	export TM
	$TM new-session -d -x 200 -y 40 "env TERM=xterm '$KEYSH_BIN' --socket '$KEYSH_SOCKET'; sleep 5"
	screen() { $TM capture-pane -p | sed -e 's/[[:space:]]*$//'; }
	wait_for() {
		for _ in $(seq 1 100); do
			screen | grep -qF -- "$1" && return 0
			sleep 0.05
		done
		screen >&2
		return 1
	}
	wait_for "keysh(keyd)>"
	keysh_stop_keyd
	# (tmux takes a trailing ';' as its own separator: sent apart)
	$TM send-keys -l -- 'add 10.0.0.1 10.0.0.2 esp 0x1001 -E null '
	$TM send-keys '\;' Enter
	wait_for "keysh: keyd on $KEYSH_SOCKET went away"
	wait_for "the next statement connects to $KEYSH_SOCKET again (start keyd there first), or type exit"
	keysh_start_keyd
	$TM send-keys -l -- 'add 10.0.0.1 10.0.0.2 esp 0x1002 -E null '
	$TM send-keys '\;' Enter
	for _ in $(seq 1 100); do
		"$KEYSH_BIN" --socket "$KEYSH_SOCKET" --json -D | grep -q '"spi":4098' && break
		sleep 0.05
	done
	run "$KEYSH_BIN" --socket "$KEYSH_SOCKET" --json -D
	assert_output --partial '"spi":4098'
	[ "$(screen | grep -c 'went away')" -eq 1 ]
	$TM kill-server 2>/dev/null || true
	keysh_stop_keyd
}

# ---- the xfrm backend: the engine in process on this kernel's XFRM netlink.
# Each test runs in its own network namespace (unshare -n): a private,
# empty SAD and SPD, nothing of the host's touched.

need_netns() {
	need_root
	unshare -n true 2>/dev/null || skip "cannot unshare a network namespace"
}

# Run a script in a fresh network namespace.
in_netns() { unshare -n sh -c "$1"; }

@test "auto on a kernel without PF_KEY is the xfrm backend (no keyd involved)" {
	has_pfkey && skip "this kernel has PF_KEY: auto takes it"
	need_netns
	run in_netns "'$KEYSH_BIN' -v -D"
	assert_success
	assert_output "keysh: backend xfrm (PF_KEY engine in process on the kernel's XFRM netlink)
No SAD entries."
	[ ! -e "$XDG_RUNTIME_DIR/keyd.sock" ]
}

@test "xfrm: without CAP_NET_ADMIN the message names it and --backend keyd" {
	need_root
	msg="keysh: the kernel's XFRM netlink needs CAP_NET_ADMIN (run as root); for a private test engine use --backend keyd"
	run setpriv --inh-caps=-all --bounding-set=-net_admin "$KEYSH_BIN" --backend xfrm -D
	assert_failure 3
	assert_output "$msg"
	run setpriv --reuid nobody --regid nogroup --clear-groups "$KEYSH_BIN" --backend xfrm -D
	assert_failure 3
	assert_output "$msg"
	if ! has_pfkey; then
		# auto lands on xfrm here: the same message
		run setpriv --reuid nobody --regid nogroup --clear-groups "$KEYSH_BIN" -DP
		assert_failure 3
		assert_output "$msg"
		run setpriv --reuid nobody --regid nogroup --clear-groups "$KT"
		assert_failure 3
		assert_output "keytui: the kernel's XFRM netlink needs CAP_NET_ADMIN (run as root); for a private test engine use --backend keyd"
	fi
}

@test "xfrm: spdadd keys the kernel (ip xfrm sees it), spddump shows ip xfrm's, spdflush" {
	need_netns
	run in_netns "
		'$KEYSH_BIN' --backend xfrm 'spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//require;' || exit 10
		ip xfrm policy add src 10.9.0.0/24 dst 10.8.0.0/24 dir in || exit 11
		echo '--- ip'; ip xfrm policy list
		echo '--- keysh'; '$KEYSH_BIN' --backend xfrm -DP || exit 12
		'$KEYSH_BIN' --backend xfrm -FP || exit 13
		echo '--- after'; ip xfrm policy list | wc -l"
	assert_success
	assert_line "src 10.0.0.1/32 dst 10.0.0.2/32 "
	assert_line --partial "proto esp reqid 0 mode transport"
	assert_line "10.0.0.1[any] 10.0.0.2[any] any"
	assert_line "	esp/transport//require"
	assert_line "10.9.0.0/24[any] 10.8.0.0/24[any] any"
	assert_line --index $((${#lines[@]} - 1)) "0"
}

@test "xfrm: an SA this kernel cannot carry fails naming the missing kernel support" {
	need_netns
	if in_netns "ip xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 mode transport enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff auth-trunc 'hmac(sha256)' 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff 128" 2>/dev/null; then
		skip "this kernel's xfrm has ESP"
	fi
	run in_netns "'$KEYSH_BIN' --backend xfrm 'add 10.0.0.1 10.0.0.2 esp 0x1001 -m transport -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha256 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'"
	assert_failure 1
	assert_output "<args>:1: add esp 0x00001001: Protocol not supported (EPROTONOSUPPORT): the kernel's xfrm has no ESP (CONFIG_INET_ESP, CONFIG_INET6_ESP: modules esp4, esp6)"
}

@test "xfrm: the monitor shows what ip xfrm and another keysh did" {
	need_netns
	run in_netns "
		'$KEYSH_BIN' --backend xfrm -x --json --count 2 > '$BATS_TEST_TMPDIR/mon' 2>&1 & m=\$!
		sleep 0.5
		ip xfrm policy add src 10.8.0.1 dst 10.8.0.2 dir out
		'$KEYSH_BIN' --backend xfrm 'spdadd 10.0.0.1 10.0.0.2 any -P in ipsec esp/transport//require;'
		wait \$m; echo rc=\$?"
	assert_success
	assert_output "rc=0"
	run jq -r '[.type, .policy.dir, .policy.src.addr] | join(" ")' "$BATS_TEST_TMPDIR/mon"
	assert_output "X_SPDADD out 10.8.0.1
X_SPDADD in 10.0.0.1"
}

@test "keyd --store xfrm: PF_KEY on a Unix socket over the kernel's xfrm" {
	need_netns
	run in_netns "
		'$KEYD' --store xfrm --socket '$BATS_TEST_TMPDIR/kx.sock' --daemon --pidfile '$BATS_TEST_TMPDIR/kx.pid' || exit 10
		'$KEYSH_BIN' --socket '$BATS_TEST_TMPDIR/kx.sock' 'spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//require;' || exit 11
		ip xfrm policy add src 10.9.0.1 dst 10.9.0.2 dir in
		ip xfrm policy list | grep -c '^src'
		'$KEYSH_BIN' --socket '$BATS_TEST_TMPDIR/kx.sock' -DP | grep '^10'
		kill \$(cat '$BATS_TEST_TMPDIR/kx.pid')"
	assert_success
	assert_output "2
10.9.0.1[any] 10.9.0.2[any] any
10.0.0.1[any] 10.0.0.2[any] any"
}

@test "keytui --backend xfrm: status bar names it, the SPD view shows the kernel's policies" {
	need_netns
	command -v tmux >/dev/null || skip "tmux not installed"
	TM="tmux -L keysh-bex-$$-$BATS_TEST_NUMBER"
	export TM
	$TM new-session -d -x 150 -y 30 "unshare -n sh -c \"ip xfrm policy add src 10.7.0.1 dst 10.7.0.2 dir out; env TERM=screen LANG=C.UTF-8 '$KT' --backend xfrm\"; sleep 30"
	for _ in $(seq 1 100); do
		$TM capture-pane -p | grep -qF "2 SPD (1)" && break
		sleep 0.05
	done
	run $TM capture-pane -p
	assert_output --partial "2 SPD (1)"
	assert_output --partial "xfrm (PF_KEY engine in process"
}

@test "a keyd that goes away under a batch: said once, exit 3, nothing after it runs" {
	keysh_start_keyd
	awk 'BEGIN { for (i = 0; i < 200000; i++)
		printf "add 10.%d.%d.1 10.0.0.2 esp %d -E null;\n", int(i / 250) % 250, i % 250, 4096 + i }' \
		> "$BATS_TEST_TMPDIR/big.conf"
	"$KEYSH_BIN" --socket "$KEYSH_SOCKET" -f "$BATS_TEST_TMPDIR/big.conf" \
		> "$BATS_TEST_TMPDIR/out" 2>&1 &
	ks=$!
	# stop keyd once the batch is under way
	for _ in $(seq 1 500); do
		"$KEYD" --socket "$KEYSH_SOCKET" stats 2>/dev/null | grep -q "sas=[1-9]" && break
		sleep 0.01
	done
	keysh_stop_keyd
	rc=0
	wait "$ks" || rc=$?
	[ "$rc" -ne 0 ] || skip "the batch finished before keyd was stopped"
	[ "$rc" -eq 3 ]
	run cat "$BATS_TEST_TMPDIR/out"
	assert_line --regexp "^keysh: keyd on $KEYSH_SOCKET went away \((ECONNRESET|EPIPE)\)"
	[ "${#lines[@]}" -eq 1 ]
}

@test "keytui: a keyd that goes away is said, r reconnects; quitting while it is gone exits 3" {
	command -v tmux >/dev/null || skip "tmux not installed"
	keysh_start_keyd
	TM="tmux -L keysh-bet-$$-$BATS_TEST_NUMBER"
	export TM
	rcf=$BATS_TEST_TMPDIR/rc
	$TM new-session -d -x 160 -y 30 "env TERM=screen LANG=C.UTF-8 '$KT' --socket '$KEYSH_SOCKET'; echo \$? > '$rcf'; sleep 30"
	wait_for() {
		for _ in $(seq 1 200); do
			$TM capture-pane -p | grep -qF -- "$1" && return 0
			sleep 0.05
		done
		$TM capture-pane -p >&2
		return 1
	}
	wait_for "keyd on $KEYSH_SOCKET"
	keysh_stop_keyd
	wait_for "keyd on $KEYSH_SOCKET went away"
	wait_for "press r to reconnect"
	keysh_start_keyd
	$TM send-keys r
	wait_for "reconnected to keyd on $KEYSH_SOCKET"
	"$KEYSH_BIN" --socket "$KEYSH_SOCKET" 'add 10.0.0.1 10.0.0.2 esp 0x7001 -E null'
	wait_for "0x00007001"
	# gone again, and quit without reconnecting
	keysh_stop_keyd
	wait_for "went away"
	$TM send-keys q
	for _ in $(seq 1 100); do [ -s "$rcf" ] && break; sleep 0.05; done
	[ "$(cat "$rcf")" = 3 ]
}
