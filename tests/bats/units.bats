#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Installed like a system tool (host only: not run in the VM): the systemd
# units (systemd-analyze verify and security), keysh-load's start, reload
# and stop against a private keyd as keysh-load.service runs them, keyd's
# start-up errors and sd_notify readiness, make install / uninstall.

load fixtures/suite.bash

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
K16=0x00112233445566778899aabbccddeeff

setup() {
	D=$BATS_TEST_TMPDIR
	# The units and keysh-load with the paths of this build.
	make -s -C "$ROOT" B="$D/b" units BINDIR="$KEYSH_BUILD" LIBDIR="$D/b/systemd" \
		DOCDIR="$ROOT" >/dev/null
	U=$D/b/systemd
}
teardown() { keysh_stop_keyd; }

# keysh-load as the unit runs it, on a private /etc/keysh and keyd.
load_env() {
	keysh_start_keyd
	mkdir -p "$D/etc/conf.d"
	export KEYSH_CONFDIR=$D/etc KEYSH_RUNDIR=$D/run KEYSH=$KEYSH_BIN
	export KEYSH_OPTS="--socket $KEYSH_SOCKET"
	LOAD=$U/keysh-load
}
conf() { # file text: a key file as an operator writes it (0600)
	(umask 077; printf '%s\n' "$2" > "$1")
}

@test "systemd-analyze verify: every unit, no complaint" {
	for u in "$U"/keysh-load.service "$U"/keyd.service; do
		run systemd-analyze verify --man=no "$u"
		assert_success
		assert_output ""
	done
}

@test "systemd-analyze verify notices a broken unit (the check can fail)" {
	sed 's/^Type=notify/Type=notifyy/' "$U/keyd.service" > "$D/keyd.service"
	run systemd-analyze verify --man=no "$D/keyd.service"
	assert_output --partial "Failed to parse service type"
}

@test "systemd-analyze security: keyd.service <= 2.0, keysh-load.service <= 2.5" {
	run systemd-analyze security --offline=true --no-pager "$U/keyd.service"
	assert_success
	score=$(printf '%s\n' "$output" | sed -n 's/.*exposure level for keyd.service: \([0-9.]*\).*/\1/p')
	echo "keyd.service: $score"
	awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }'
	run systemd-analyze security --offline=true --no-pager "$U/keysh-load.service"
	score=$(printf '%s\n' "$output" | sed -n 's/.*exposure level for keysh-load.service: \([0-9.]*\).*/\1/p')
	echo "keysh-load.service: $score"
	awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.5) }'
}

@test "the units run what this package installs, as the README says" {
	grep -qx "ExecStart=$KEYSH_BUILD/keyd --foreground --socket /run/keyd/keyd.sock --state /var/lib/keyd/state" "$U/keyd.service"
	grep -qx "Type=notify" "$U/keyd.service"
	grep -qx "StateDirectory=keyd" "$U/keyd.service"
	grep -qx "ExecStartPre=$U/keysh-load check" "$U/keysh-load.service"
	grep -qx "ExecStop=$U/keysh-load stop" "$U/keysh-load.service"
	grep -qx "L /run/keyd.sock - - - - /run/keyd/keyd.sock" "$ROOT/src/systemd/keyd.tmpfiles"
}

@test "keysh-load start, reload, stop: what the files installed, nothing else" {
	load_env
	conf "$D/etc/keysh.conf" "spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require ;"
	conf "$D/etc/conf.d/10-out.conf" "add 192.0.2.1 192.0.2.2 esp 0x1001 -m tunnel -E aes-cbc $K16 ;"
	ks "add 198.51.100.1 198.51.100.2 esp 0x7777 -E aes-cbc $K16"   # an IKE daemon's
	run "$LOAD" files
	assert_output "$D/etc/keysh.conf
$D/etc/conf.d/10-out.conf"
	run "$LOAD" check
	assert_success
	run "$LOAD" start
	assert_success
	run ks -D
	assert_output --partial "spi=4097(0x00001001)"
	[ "$(stat -c %a "$D/run/loaded.undo")" = 600 ]
	# Reload: the new set replaces the old one.
	rm "$D/etc/conf.d/10-out.conf"
	conf "$D/etc/conf.d/20-in.conf" "add 192.0.2.2 192.0.2.1 esp 0x1002 -m tunnel -E aes-cbc $K16 ;"
	run "$LOAD" reload
	assert_success
	run ks -D
	refute_output --partial "spi=4097(0x00001001)"
	assert_output --partial "spi=4098(0x00001002)"
	assert_output --partial "spi=30583(0x00007777)"
	run "$LOAD" stop
	assert_success
	run ks -K -D --script
	assert_output "add 198.51.100.1 198.51.100.2 esp 0x00007777 -m transport -E aes-cbc $K16 ;"
	run ks -DP
	assert_output "No SPD entries."
	# Stopping twice (or after an SA expired) is not an error.
	run "$LOAD" stop
	assert_success
}

@test "keysh-load: a broken conf.d file leaves the SAD as it was, the error names FILE:LINE" {
	load_env
	conf "$D/etc/keysh.conf" "add 192.0.2.1 192.0.2.2 esp 0x1001 -E aes-cbc $K16 ;"
	run "$LOAD" start
	assert_success
	stable_dump > "$D/before"
	# A statement that fails in the middle of the second file.
	conf "$D/etc/conf.d/50-x.conf" "add 192.0.2.5 192.0.2.6 esp 0x2001 -E aes-cbc $K16 ;
add 192.0.2.1 192.0.2.2 esp 0x1001 -E aes-cbc $K16 ;"
	run "$LOAD" reload
	assert_failure 1
	assert_output --partial "$D/etc/conf.d/50-x.conf:2: add esp 0x00001001: File exists (EEXIST)"
	run diff "$D/before" <(stable_dump)
	assert_success
	# A syntax error: caught before anything runs, by check and by start.
	conf "$D/etc/conf.d/50-x.conf" "add 192.0.2.5 192.0.2.6 esp 0x2001 -E aes-cbc 0x01 ;"
	run "$LOAD" check
	assert_failure 2
	assert_output --regexp "$D/etc/conf.d/50-x.conf:1:[0-9]+: error: aes-cbc key is 8 bits"
	run "$LOAD" stop
	run "$LOAD" start
	assert_failure 2
	run ks -D
	assert_output "No SAD entries."
	[ ! -e "$D/run/loaded.undo" ]
}

@test "keysh-load refuses key files others may read or write" {
	load_env
	conf "$D/etc/keysh.conf" "add 192.0.2.1 192.0.2.2 esp 0x1001 -E aes-cbc $K16 ;"
	chmod 0644 "$D/etc/keysh.conf"
	run "$LOAD" start
	assert_failure 2
	assert_output "keysh-load: $D/etc/keysh.conf: mode 0644 lets others read or change keys (chmod 600 $D/etc/keysh.conf)"
	run ks -D
	assert_output "No SAD entries."
	ln -s "$D/etc/keysh.conf" "$D/etc/conf.d/link.conf"
	chmod 0600 "$D/etc/keysh.conf"
	run "$LOAD" check
	assert_failure 2
	assert_output "keysh-load: $D/etc/conf.d/link.conf: not a regular file"
}

@test "keysh-load with no files: nothing to load, success" {
	load_env
	run "$LOAD" start
	assert_success
	assert_output --partial "nothing to load"
	run "$LOAD" stop
	assert_success
}

@test "keyd --daemon: a missing state directory is said on stderr, exit 3" {
	run "$KEYSH_BUILD/keyd" --socket "$D/k.sock" --state "$D/nodir/state" --daemon
	assert_failure 3
	assert_output "keyd: --state $D/nodir/state: directory $D/nodir: No such file or directory (create it, mode 0700; keyd.service gets it from StateDirectory=keyd)"
	[ ! -e "$D/k.sock" ]
}

@test "keyd --daemon: start-up errors reach stderr before it detaches" {
	mkdir "$D/s"
	printf 'not a state file' > "$D/s/state"
	run "$KEYSH_BUILD/keyd" --socket "$D/k.sock" --state "$D/s/state" --daemon
	assert_failure 3
	assert_output --partial "state file $D/s/state:"
}

@test "keyd: READY=1 on \$NOTIFY_SOCKET once it serves, STOPPING=1 on SIGTERM" {
	python3 - "$D/notify.sock" > "$D/notify.out" <<-'EOF' &
	import socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind(sys.argv[1]); s.settimeout(20)
	for i in range(2):
	    print(s.recv(4096).decode().replace("\n", " "), flush=True)
	EOF
	py=$!
	for i in $(seq 100); do [ -S "$D/notify.sock" ] && break; sleep 0.05; done
	NOTIFY_SOCKET=$D/notify.sock "$KEYSH_BUILD/keyd" --socket "$D/k.sock" 2>"$D/keyd.err" &
	kd=$!
	for i in $(seq 200); do grep -q READY "$D/notify.out" && break; sleep 0.05; done
	run cat "$D/notify.out"
	assert_output "READY=1 MAINPID=$kd STATUS=listening on $D/k.sock"
	# Ready means serving: keysh works at once.
	run "$KEYSH_BIN" --socket "$D/k.sock" -D
	assert_output "No SAD entries."
	kill "$kd"; wait "$kd" || true
	wait "$py"
	run sed -n 2p "$D/notify.out"
	assert_output "STOPPING=1"
}

@test "make install creates the directories with their modes; uninstall leaves no file" {
	S=$D/stage
	make -s -C "$ROOT" B="$KEYSH_BUILD" install DESTDIR="$S" PREFIX=/usr >/dev/null
	[ "$(stat -c %a "$S/etc/keysh")" = 700 ]
	[ "$(stat -c %a "$S/etc/keysh/conf.d")" = 700 ]
	[ "$(stat -c %a "$S/var/lib/keyd")" = 700 ]
	[ -x "$S/usr/lib/keysh/keysh-load" ]
	grep -q "^ExecStart=/usr/lib/keysh/keysh-load start$" "$S/usr/lib/systemd/system/keysh-load.service"
	grep -q "^ExecStart=/usr/sbin/keyd " "$S/usr/lib/systemd/system/keyd.service"
	[ -f "$S/usr/lib/tmpfiles.d/keyd.conf" ]
	[ -f "$S/etc/default/keysh" ]
	run "$S/usr/sbin/keysh" --version
	assert_success
	make -s -C "$ROOT" B="$KEYSH_BUILD" uninstall DESTDIR="$S" PREFIX=/usr >/dev/null
	run find "$S" ! -type d
	assert_output ""
	[ ! -e "$S/etc/keysh" ] && [ ! -e "$S/var/lib/keyd" ] && [ ! -e "$S/usr/lib/keysh" ]
}

@test "make uninstall keeps the operator's keys and keyd's state" {
	S=$D/stage
	make -s -C "$ROOT" B="$KEYSH_BUILD" install DESTDIR="$S" >/dev/null
	conf "$S/etc/keysh/keysh.conf" "flush ;"
	echo 'KEYSH_OPTS="--backend kernel"' > "$S/etc/default/keysh"
	echo state > "$S/var/lib/keyd/state"
	make -s -C "$ROOT" B="$KEYSH_BUILD" uninstall DESTDIR="$S" >/dev/null 2>&1
	run sh -c "find '$S' ! -type d | sort"
	assert_output "$S/etc/default/keysh
$S/etc/keysh/keysh.conf
$S/var/lib/keyd/state"
}

@test "keysh-load: spi auto cannot be removed at stop, so start refuses it and applies nothing" {
	load_env
	conf "$D/etc/keysh.conf" "add 192.0.2.1 192.0.2.2 esp 0x1001 -E aes-cbc $K16 ;
add 192.0.2.1 192.0.2.2 esp auto -E aes-cbc $K16 ;"
	run "$LOAD" start
	assert_failure 1
	assert_output --partial "$D/etc/keysh.conf:2: add esp"
	assert_output --partial "spi auto"
	run ks -D
	assert_output "No SAD entries."
	[ ! -e "$D/run/loaded.undo.new" ] && [ ! -e "$D/run/loaded.undo" ]
}
