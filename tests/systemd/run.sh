#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: the packages of `make deb` on a Debian 12 system booted with
# systemd as PID 1 (tests/run.sh runs it; `sh tests/systemd/run.sh`).
# A minimal bookworm root (mmdebstrap: systemd, man-db, iproute2 and what
# the packages depend on) is made once and cached as a tarball in
# build/nspawn/ (its package list is the cache key); every run unpacks a
# fresh copy and boots it twice with systemd-nspawn (private network: its
# own XFRM SPD, an empty SADB) running tests/systemd/guest.sh as a unit at
# the end of each boot:
#   1. install: dpkg -i (pfkeyv2-dkms too: DKMS registers the module; no
#      kernel headers here, so nothing is built), keysh --version, man
#      keysh, keyd.service and keysh-load.service started, reloaded,
#      stopped, broken confs
#   2. reboot: what the enabled units set up at boot; dpkg -r and -P
# Prints TAP lines, the container's console in build/nspawn/console.PHASE
# and the guest's command output in build/nspawn/cmd.log; last line
# "N passed, N failed". Needs root, systemd-nspawn (systemd-container) and
# mmdebstrap (tests/deps.sh test); without the packages in build/deb (make
# deb) or any of these it says why in one skipped test.
# SYSTEMD_TIMEOUT (s, default 300) bounds each boot.
set -u
cd "$(dirname "$0")/../.." || exit 2
B=${B:-build}
DEB=${KEYSH_DEB_DIR:-$PWD/$B/deb}
C=$PWD/$B/nspawn
pass=0 fail=0
ok() { echo "ok - systemd: $1"; pass=$((pass + 1)); }
bad() { echo "not ok - systemd: $1${2:+: $2}"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }
skip() { echo "ok - systemd: boots # SKIP $1"; finish; }

[ "$(id -u)" = 0 ] || skip "not root (systemd-nspawn and mmdebstrap need root)"
command -v systemd-nspawn > /dev/null || skip "no systemd-nspawn (apt-get install systemd-container)"
command -v mmdebstrap > /dev/null || skip "no mmdebstrap (apt-get install mmdebstrap)"
ls "$DEB"/keysh_*.deb "$DEB"/keyd_*.deb "$DEB"/pfkeyv2-dkms_*.deb > /dev/null 2>&1 || skip "no packages in $DEB (make deb)"
t0=$(date +%s)
mkdir -p "$C"

# 1. the root, cached: systemd as init, man-db for man, iproute2 to see the
# kernel's SPD without keysh, and the packages' dependencies (no network
# in the container: they must be there before dpkg -i; pfkeyv2-dkms's
# dkms brings a compiler, ~200 MiB).
deps=$(for d in "$DEB"/keysh_*.deb "$DEB"/keyd_*.deb "$DEB"/pfkeyv2-dkms_*.deb; do dpkg-deb -f "$d" Depends; done |
	tr ',' '\n' | sed 's/[(|].*//; s/[[:space:]]//g' | sed '/^$/d')
# shellcheck disable=SC2086 # one name a word
pkgs=$(printf '%s\n' systemd systemd-sysv dbus man-db iproute2 $deps | sort -u | tr '\n' ',')
pkgs=${pkgs%,}
tar=$C/bookworm.tar
if [ ! -s "$tar" ] || [ "$(cat "$C/bookworm.pkgs" 2>/dev/null)" != "$pkgs" ]; then
	rm -f "$tar" "$C/bookworm.pkgs"
	b0=$(date +%s)
	# No mirror named: mmdebstrap's default for bookworm (stdin is no
	# sources.list here).
	if mmdebstrap --variant=minbase --include="$pkgs" bookworm "$C/bookworm.new.tar" \
		< /dev/null > "$C/mmdebstrap.log" 2>&1; then
		mv "$C/bookworm.new.tar" "$tar" && echo "$pkgs" > "$C/bookworm.pkgs"
		ok "bookworm root bootstrapped ($(($(date +%s) - b0)) s, $(du -m "$tar" | cut -f1) MiB, cached in $tar)"
	else
		rm -f "$C/bookworm.new.tar"
		bad "bookworm root bootstrapped" "see $C/mmdebstrap.log"
		tail -n 20 "$C/mmdebstrap.log" | sed 's/^/#   /'
		finish
	fi
fi

# 2. a fresh copy (outside build/: make scans build/ for *.d files) with
# the test unit, run after everything else of the boot.
R=$(mktemp -d /var/tmp/keysh-systemd.XXXXXX)
out=$R/out
machine=keysh-systest-$$
cleanup() {
	rm -rf "$R"
	# nspawn leaves this on a /run that is no tmpfs.
	rmdir "/run/systemd/nspawn/propagate/$machine" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir -p "$R/root" "$out"
tar -C "$R/root" -xf "$tar" || { bad "unpack $tar"; finish; }
mkdir -p "$R/root/systest/debs" "$R/root/systest/t" "$R/root/systest/out"
cat > "$R/root/etc/systemd/system/keysh-systest.service" <<'EOF'
[Unit]
Description=keysh system test (tests/systemd/guest.sh)
After=multi-user.target keysh-load.service keyd.service
[Service]
Type=oneshot
ExecStart=/bin/sh /systest/t/guest.sh
StandardOutput=append:/systest/out/tap
StandardError=append:/systest/out/cmd.log
EOF
mkdir -p "$R/root/etc/systemd/system/multi-user.target.wants"
ln -s ../keysh-systest.service "$R/root/etc/systemd/system/multi-user.target.wants/"
# No getty on the console: nobody logs in.
ln -sf /dev/null "$R/root/etc/systemd/system/console-getty.service"

boot() { # phase
	echo "$1" > "$out/phase"
	rm -f "$out/done.$1"
	: > "$out/tap"
	b0=$(date +%s)
	timeout "${SYSTEMD_TIMEOUT:-300}" systemd-nspawn -q -D "$R/root" -M "$machine" \
		--private-network --register=no --keep-unit --console=read-only \
		--bind-ro="$DEB:/systest/debs" --bind-ro="$PWD/tests/systemd:/systest/t" \
		--bind="$out:/systest/out" -b < /dev/null > "$C/console.$1" 2>&1
	rc=$?
	cat "$out/tap"
	pass=$((pass + $(grep -c '^ok ' "$out/tap")))
	fail=$((fail + $(grep -c '^not ok ' "$out/tap")))
	if [ -f "$out/done.$1" ]; then
		ok "$1: boot, guest.sh and poweroff ($(($(date +%s) - b0)) s)"
	else
		bad "$1: boot, guest.sh and poweroff" "nspawn rc $rc, console in $C/console.$1"
		sed 's/\x1b\[[0-9;]*m//g' "$C/console.$1" | tail -n 30 | sed 's/^/#   /'
	fi
}
boot install
[ -f "$out/done.install" ] && boot reboot
cp "$out/cmd.log" "$C/cmd.log" 2>/dev/null
echo "# systemd suite took $(($(date +%s) - t0)) s"
finish
