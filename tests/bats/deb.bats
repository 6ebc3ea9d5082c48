#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The Debian packages of `make deb` (build/deb/, built by .ci/run before
# make check: the build takes ~2-3 minutes, too long for make check itself).
# Each package is unpacked with dpkg -x; its programs run from there: keysh
# --version, man keysh, keysh against the package's own keyd, the
# autopkgtest (debian/tests/keysh-keyd) on the unpacked tree, and the DKMS
# package: its tree builds the module with dkms.conf's make line, and kmod's
# modprobe, given its modprobe.d file, resolves net-pf-15 (what the kernel
# asks for at socket(PF_KEY)) to pfkeyv2. Skipped, saying so, when build/deb has no packages.

load fixtures/suite.bash

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
DEB=${KEYSH_DEB_DIR:-$ROOT/build/deb}

setup() {
	ls "$DEB"/keysh_*.deb >/dev/null 2>&1 || skip "no packages in $DEB (make deb)"
	V=$(cd "$ROOT" && dpkg-parsechangelog -S Version)
	X=$BATS_TEST_TMPDIR/x
	mkdir -p "$X"
	for p in keysh keyd pfkeyv2-dkms; do
		dpkg -x "$(ls "$DEB"/${p}_"$V"_*.deb)" "$X"
	done
}
teardown() {
	if [ -n "${kd:-}" ]; then kill "$kd" 2>/dev/null; wait "$kd" 2>/dev/null || true; fi
}

@test "deb: keysh --version is the package version; man keysh renders" {
	run "$X/usr/sbin/keysh" --version
	assert_success
	assert_output "keysh $V"
	run "$X/usr/sbin/keyd" --version
	assert_output "keyd $V"
	run sh -c "MANWIDTH=80 man -l '$X/usr/share/man/man8/keysh.8.gz' 2>&1 | col -b"
	assert_success
	assert_output --partial "setkey-compatible PF_KEY shell"
}

@test "deb: keysh --backend keyd -D against the package's keyd" {
	"$X/usr/sbin/keyd" --foreground --socket "$BATS_TEST_TMPDIR/k.sock" 2>/dev/null &
	kd=$!
	for i in $(seq 200); do [ -S "$BATS_TEST_TMPDIR/k.sock" ] && break; sleep 0.05; done
	run "$X/usr/sbin/keysh" --backend keyd --socket "$BATS_TEST_TMPDIR/k.sock" \
		'add 192.0.2.1 192.0.2.2 esp 0x1001 -E aes-cbc 0x00112233445566778899aabbccddeeff'
	assert_success
	run "$X/usr/sbin/keysh" --backend keyd --socket "$BATS_TEST_TMPDIR/k.sock" -D
	assert_success
	assert_output --partial "spi=4097(0x00001001)"
}

@test "deb: the autopkgtest passes on the unpacked packages" {
	mkdir "$BATS_TEST_TMPDIR/t"	# autopkgtest makes AUTOPKGTEST_TMP
	run env PATH="$X/usr/sbin:$PATH" KEYSH="$X/usr/sbin/keysh" \
		KEYSH_LOAD="$X/usr/lib/keysh/keysh-load" AUTOPKGTEST_TMP="$BATS_TEST_TMPDIR/t" \
		sh "$ROOT/debian/tests/keysh-keyd"
	assert_success
	assert_output --partial "keysh-keyd: ok"
}

@test "deb: files, modes and units where the packages put them" {
	[ "$(stat -c %a "$X/etc/keysh")" = 700 ]
	[ "$(stat -c %a "$X/etc/keysh/conf.d")" = 700 ]
	[ "$(stat -c %a "$X/var/lib/keyd")" = 700 ]
	grep -qx "ExecStart=/usr/lib/keysh/keysh-load start" "$X/lib/systemd/system/keysh-load.service"
	grep -qx "ExecStart=/usr/sbin/keyd --foreground --socket /run/keyd/keyd.sock --state /var/lib/keyd/state" \
		"$X/lib/systemd/system/keyd.service"
	for u in keysh-load keyd; do
		sed "s|/usr/sbin/|$X/usr/sbin/|; s|/usr/lib/keysh/|$X/usr/lib/keysh/|" \
			"$X/lib/systemd/system/$u.service" > "$BATS_TEST_TMPDIR/$u.service"
		run systemd-analyze verify --man=no "$BATS_TEST_TMPDIR/$u.service"
		assert_success
		assert_output ""
	done
	[ -f "$X/usr/share/bash-completion/completions/keysh" ]
	[ -f "$X/usr/share/keysh/bats/keysh.bash" ]
}

@test "deb: pfkeyv2-dkms: dkms.conf with the version, the module source, the modprobe.d alias" {
	S=$X/usr/src/pfkeyv2-$V
	run grep -x "PACKAGE_VERSION=\"$V\"" "$S/dkms.conf"
	assert_success
	[ "$(cat "$S/VERSION")" = "$V" ]
	[ -f "$S/Kbuild" ] && [ -f "$S/linux/af_pfkey.c" ] && [ -f "$S/core/walker.c" ]
	[ ! -e "$S/core/os_user.c" ]
	run grep -v '^#' "$X/etc/modprobe.d/pfkeyv2-dkms.conf"
	assert_output "alias net-pf-15 pfkeyv2
install af_key /bin/false"
}

@test "deb: the DKMS tree builds pfkeyv2.ko as dkms.conf says; modprobe.d maps net-pf-15 to it" {
	kb=$(ls -d /lib/modules/*/build 2>/dev/null | head -n1)
	[ -n "$kb" ] || skip "no kernel headers (tests/deps.sh vm installs linux-headers-amd64)"
	kver=$(basename "$(dirname "$kb")")
	S=$X/usr/src/pfkeyv2-$V
	# dkms.conf's MAKE[0], with the tree where dkms would copy it.
	make_line=$(sed -n 's/^MAKE\[0\]="\(.*\)"$/\1/p' "$S/dkms.conf")
	[ "$make_line" = 'make -C ${kernel_source_dir} M=${dkms_tree}/${PACKAGE_NAME}/${PACKAGE_VERSION}/build modules' ]
	run make -C "$kb" M="$S" modules
	assert_success
	[ -f "$S/pfkeyv2.ko" ]
	# Kbuild takes the version from the tree's VERSION file.
	run modinfo -F version "$S/pfkeyv2.ko"
	assert_output "$V"
	# The module tree DKMS makes (updates/dkms), af_key beside it, and
	# kmod's modprobe resolving the alias socket(PF_KEY) asks for.
	R=$BATS_TEST_TMPDIR/root
	mkdir -p "$R/lib/modules/$kver/updates/dkms" "$R/lib/modules/$kver/kernel/net/key"
	cp "$S/pfkeyv2.ko" "$R/lib/modules/$kver/updates/dkms/"
	cp "$(modinfo -k "$kver" -n af_key)" "$R/lib/modules/$kver/kernel/net/key/"
	depmod -b "$R" "$kver"
	run modprobe -d "$R" -S "$kver" -C "$X/etc/modprobe.d/pfkeyv2-dkms.conf" --show-depends net-pf-15
	assert_success
	assert_output --regexp "^insmod $R/lib/modules/$kver/updates/dkms/pfkeyv2.ko"
	run modprobe -d "$R" -S "$kver" -C "$X/etc/modprobe.d/pfkeyv2-dkms.conf" --show-depends af_key
	assert_output --partial "install /bin/false"
	# Without the file, af_key's own alias wins: the file is what changes it.
	: > "$BATS_TEST_TMPDIR/empty.conf"
	run modprobe -d "$R" -S "$kver" -C "$BATS_TEST_TMPDIR/empty.conf" --show-depends net-pf-15
	assert_output --regexp "af_key.ko"
}
