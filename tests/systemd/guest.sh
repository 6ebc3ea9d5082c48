#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# guest.sh: the checks tests/systemd/run.sh runs inside a Debian 12 root
# booted by systemd-nspawn, with systemd as its PID 1, as an operator would
# do them. Run by keysh-systest.service once the boot is done; prints TAP
# ("ok - NAME" / "not ok - NAME", with the evidence as "#" lines) and
# powers the container off.
#   phase install   dpkg -i the packages of `make deb` (/systest/debs),
#                   pfkeyv2-dkms registered with DKMS; keysh --version,
#                   man keysh; keyd.service started
#                   (Type=notify) and keysh --backend keyd -D through
#                   /run/keyd.sock; keysh-load.service with
#                   /etc/keysh/keysh.conf on the kernel's XFRM (policies:
#                   the host kernel's xfrm has no ESP/AH): start, reload,
#                   stop, a broken conf (unit failed, FILE:LINE in the
#                   journal, SPD as it was); both units left enabled
#   phase reboot    the next boot: keysh-load.service applied the conf at
#                   boot, keyd.service has its SA back from its state file;
#                   dpkg -r and dpkg -P leave none of the packages' files
#                   (pfkeyv2-dkms: DKMS forgets the module)
set -u
export DEBIAN_FRONTEND=noninteractive
phase=$(cat /systest/out/phase)
log=/systest/out/cmd.log
pass=0 fail=0
K16=0x00112233445566778899aabbccddeeff

t() { # name command...: one TAP line; the command's output in cmd.log
	tn=$1
	shift
	echo "=== $tn" >> "$log"
	if "$@" >> "$log" 2>&1; then
		echo "ok - systemd: $phase: $tn"
		pass=$((pass + 1))
	else
		echo "not ok - systemd: $phase: $tn"
		awk -v h="=== $tn" '$0 == h { on = 1 } on' "$log" | tail -n 25 | sed 's/^/#   /'
		fail=$((fail + 1))
	fi
}

conf() { # file text: a key file as an operator writes it (0600)
	(umask 077 && printf '%s\n' "$2" > "$1")
}

# The SPD as the kernel has it, one selector per line, from keysh's own
# dump (--backend xfrm) and, independently, iproute2's.
spd() {
	keysh --backend xfrm -DP | grep '^[0-9]' | sort
}
spd_is() { # expected lines (sorted)...
	got=$(spd)
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
	[ "$got" = "$want" ] || { printf 'SPD:\n%s\nwanted:\n%s\n' "$got" "$want"; return 1; }
	n=$(ip xfrm policy list | grep -c '^src ')
	[ "$n" = "$(printf '%s\n' "$want" | sed '/^$/d' | wc -l)" ] ||
		{ echo "ip xfrm policy: $n policies"; ip xfrm policy list; return 1; }
}
P1="10.1.0.0/16[any] 10.2.0.0/16[any] any"
P2="10.2.0.0/16[any] 10.1.0.0/16[any] any"
P3="10.3.0.0/16[any] 10.4.0.0/16[any] any"
PIKE="10.9.0.0/16[any] 10.8.0.0/16[any] any"
spdadd() { # src dst dir: the conf line of one policy
	echo "spdadd $1 $2 any -P $3 ipsec esp/tunnel/192.0.2.1-192.0.2.2/require ;"
}

# The journal's position now: what a test reads after it is its own.
cursor() {
	journalctl -q -n 1 --show-cursor | sed -n 's/^-- cursor: //p'
}

state() { # unit: its ActiveState
	systemctl show -P ActiveState "$1"
}
is() { # unit state
	s=$(state "$1")
	[ "$s" = "$2" ] || { echo "$1 is $s, not $2"; systemctl status --no-pager "$1"; return 1; }
}

# --- phase install --------------------------------------------------------

install_debs() {
	dpkg -i /systest/debs/keysh_"$V"_*.deb /systest/debs/keyd_"$V"_*.deb &&
		dpkg -s keysh keyd | grep -c '^Status: install ok installed' | grep -qx 2
}

# DKMS takes the module source (no kernel headers in this root: it builds
# nothing, and says so); the modprobe.d file is in place.
install_dkms() {
	dpkg -i /systest/debs/pfkeyv2-dkms_"$V"_all.deb || return 1
	st=$(dkms status pfkeyv2/"$V")
	echo "dkms status: $st"
	case $st in "pfkeyv2/$V: added"*) ;; *) return 1 ;; esac
	[ -f /usr/src/pfkeyv2-"$V"/dkms.conf ] &&
		grep -qx 'alias net-pf-15 pfkeyv2' /etc/modprobe.d/pfkeyv2-dkms.conf
}

version() {
	out=$(keysh --version) && echo "$out" && [ "$out" = "keysh $V" ] &&
		[ "$(keyd --version)" = "keyd $V" ]
}

man_keysh() {
	out=$(MANWIDTH=80 man keysh 2>&1) || { echo "$out"; return 1; }
	echo "$out" | head -n 5
	echo "$out" | grep -q 'setkey-compatible PF_KEY shell' &&
		MANWIDTH=80 man 5 keysh-json | grep -q 'keysh-json' && man -w keyd
}

not_enabled() { # the packages start and enable nothing by themselves
	for u in keyd keysh-load; do
		e=$(systemctl is-enabled "$u.service")
		[ "$e" = disabled ] || { echo "$u: $e"; return 1; }
		is "$u.service" inactive || return 1
	done
}

keyd_notify() {
	systemctl start keyd.service || return 1
	is keyd.service active || return 1
	systemctl show -P Type keyd.service | grep -qx notify || return 1
	# The status keyd sent with READY=1: the unit's readiness came from it.
	st=$(systemctl show -P StatusText keyd.service)
	echo "StatusText=$st"
	[ "$st" = "listening on /run/keyd/keyd.sock" ] || return 1
	[ "$(readlink /run/keyd.sock)" = /run/keyd/keyd.sock ] &&
		[ "$(stat -c %a /var/lib/keyd)" = 700 ]
}

keyd_D() {
	out=$(keysh --backend keyd -D) && [ "$out" = "No SAD entries." ] || { echo "$out"; return 1; }
	keysh --backend keyd "add 192.0.2.1 192.0.2.2 esp 0x1001 -m tunnel -E aes-cbc $K16 -A hmac-sha256 0x$(printf '%064d' 1)" || return 1
	out=$(keysh --backend keyd -D) && echo "$out" && echo "$out" | grep -q 'spi=4097(0x00001001)'
}

keyd_reload_state() { # reload (SIGHUP) writes the state file; a restart reads it back
	systemctl reload keyd.service && [ -s /var/lib/keyd/state ] &&
		[ "$(stat -c %a /var/lib/keyd/state)" = 600 ] || return 1
	systemctl restart keyd.service && is keyd.service active &&
		keysh --backend keyd -D | grep -q 'spi=4097(0x00001001)'
}

load_start() {
	conf /etc/keysh/keysh.conf "$(spdadd 10.1.0.0/16 10.2.0.0/16 out)"
	conf /etc/keysh/conf.d/10-in.conf "$(spdadd 10.2.0.0/16 10.1.0.0/16 in)"
	# An IKE daemon's policy: not the files', so never touched by the unit.
	keysh --backend xfrm "$(spdadd 10.9.0.0/16 10.8.0.0/16 out)" || return 1
	systemctl start keysh-load.service || { journalctl -u keysh-load --no-pager; return 1; }
	is keysh-load.service active && spd_is "$P1" "$P2" "$PIKE" &&
		[ "$(stat -c %a /run/keysh/loaded.undo)" = 600 ]
}

load_reload() {
	rm /etc/keysh/conf.d/10-in.conf
	conf /etc/keysh/conf.d/20-x.conf "$(spdadd 10.3.0.0/16 10.4.0.0/16 out)"
	systemctl reload keysh-load.service && is keysh-load.service active &&
		spd_is "$P1" "$P3" "$PIKE"
}

# A conf.d file whose second line fails in the kernel (the policy exists).
broken_conf() {
	conf /etc/keysh/conf.d/50-bad.conf "$(spdadd 10.5.0.0/16 10.6.0.0/16 out)
$(spdadd 10.1.0.0/16 10.2.0.0/16 out)"
}

load_reload_broken() {
	broken_conf
	c=$(cursor)
	if systemctl reload keysh-load.service; then echo "reload succeeded"; return 1; fi
	# Still active with the old set: reload is atomic.
	is keysh-load.service active && spd_is "$P1" "$P3" "$PIKE" || return 1
	journalctl -u keysh-load.service --after-cursor="$c" --no-pager -o cat > /tmp/j
	cat /tmp/j
	grep -q '^/etc/keysh/conf.d/50-bad.conf:2: spdadd .*File exists' /tmp/j
}

load_start_broken() { # at boot: the unit fails, the SPD is what it was
	rm /etc/keysh/conf.d/50-bad.conf
	systemctl stop keysh-load.service && spd_is "$PIKE" || return 1
	broken_conf
	c=$(cursor)
	if systemctl start keysh-load.service; then echo "start succeeded"; return 1; fi
	is keysh-load.service failed && spd_is "$PIKE" || return 1
	journalctl -u keysh-load.service --after-cursor="$c" --no-pager -o cat > /tmp/j
	cat /tmp/j
	grep -q '^/etc/keysh/conf.d/50-bad.conf:2: spdadd .*File exists' /tmp/j &&
		[ ! -e /run/keysh/loaded.undo ]
}

load_syntax_error() { # caught by ExecStartPre (keysh -n): nothing runs
	conf /etc/keysh/conf.d/50-bad.conf "spdadd 10.5.0.0/16 10.6.0.0/16 any -P sideways none ;"
	systemctl reset-failed keysh-load.service
	c=$(cursor)
	if systemctl start keysh-load.service; then echo "start succeeded"; return 1; fi
	is keysh-load.service failed && spd_is "$PIKE" || return 1
	journalctl -u keysh-load.service --after-cursor="$c" --no-pager -o cat > /tmp/j
	cat /tmp/j
	grep -q "^/etc/keysh/conf.d/50-bad.conf:1:39: error: unknown direction 'sideways'" /tmp/j &&
		[ ! -e /run/keysh/loaded.undo ]
}

load_stop() {
	rm /etc/keysh/conf.d/50-bad.conf
	systemctl reset-failed keysh-load.service
	systemctl start keysh-load.service && spd_is "$P1" "$P3" "$PIKE" || return 1
	systemctl stop keysh-load.service && is keysh-load.service inactive &&
		spd_is "$PIKE" && [ ! -e /run/keysh/loaded.undo ]
}

# KEYSH_OPTS in /etc/default/keysh points keysh-load at keyd: SAs, which
# the container's kernel (no ESP) could not take.
load_keyd() {
	cp /etc/default/keysh /tmp/default.keysh
	echo 'KEYSH_OPTS="--socket /run/keyd.sock"' >> /etc/default/keysh
	mv /etc/keysh/keysh.conf /tmp/keysh.conf
	mv /etc/keysh/conf.d/20-x.conf /tmp/20-x.conf
	conf /etc/keysh/keysh.conf "add 192.0.2.1 192.0.2.2 esp 0x2001 -m tunnel -E aes-cbc $K16 -A hmac-sha256 0x$(printf '%064d' 2) ;"
	systemctl start keysh-load.service && is keysh-load.service active || return 1
	keysh --backend keyd -D | grep -q 'spi=8193(0x00002001)' &&
		keysh --backend keyd -D | grep -q 'spi=4097(0x00001001)' && spd_is "$PIKE" || return 1
	systemctl stop keysh-load.service || return 1
	keysh --backend keyd -D | grep -c '^[0-9]' | grep -qx 1 &&
		keysh --backend keyd -D | grep -q 'spi=4097(0x00001001)' || return 1
	mv /tmp/default.keysh /etc/default/keysh
	mv /tmp/keysh.conf /etc/keysh/keysh.conf
	mv /tmp/20-x.conf /etc/keysh/conf.d/20-x.conf
}

enable_both() { # for the next boot
	systemctl enable keysh-load.service keyd.service &&
		[ "$(systemctl is-enabled keysh-load.service)" = enabled ]
}

# --- phase reboot ---------------------------------------------------------

boot_loaded() { # the conf was applied at boot, before the network
	is keysh-load.service active && spd_is "$P1" "$P3" || return 1
	journalctl -b -u keysh-load.service --no-pager -o cat
	systemctl show -P ActiveEnterTimestampMonotonic keysh-load.service > /tmp/a
	systemctl show -P ActiveEnterTimestampMonotonic network-pre.target > /tmp/b
	[ "$(cat /tmp/a)" -le "$(cat /tmp/b)" ]
}

boot_keyd() {
	is keyd.service active && keysh --backend keyd -D | grep -q 'spi=4097(0x00001001)'
}

# dpkg -r: the programs, units and man pages go (the units stopped first:
# keysh-load's stop removes its policies); conffiles and keyd's state stay
# until purge, which leaves nothing of the packages.
remove_clean() {
	dpkg -L keysh keyd | sort -u > /tmp/files
	dpkg-query -W -f '${Conffiles}\n' keysh keyd | awk 'NF { print $1 }' > /tmp/conffiles
	dpkg -r keysh keyd || return 1
	# keysh is gone: the kernel's SPD through iproute2 (empty: this boot's
	# policies were all keysh-load's).
	is keyd.service inactive && is keysh-load.service inactive || return 1
	[ "$(ip xfrm policy list | grep -c '^src ')" = 0 ] || { ip xfrm policy list; return 1; }
	left=$(while read -r f; do
		[ -e "$f" ] && [ ! -d "$f" ] && ! grep -qx "$f" /tmp/conffiles && echo "$f"
	done < /tmp/files)
	[ -z "$left" ] || { echo "left after dpkg -r: $left"; return 1; }
	[ ! -e /usr/sbin/keysh ] && [ ! -e /usr/sbin/keyd ] || return 1
	systemctl cat keysh-load.service > /dev/null 2>&1 && { echo "unit still known"; return 1; }
	dpkg -P keysh keyd || return 1
	left=$(while read -r f; do [ -e "$f" ] && [ ! -d "$f" ] && echo "$f"; done < /tmp/files)
	[ -z "$left" ] || { echo "left after dpkg -P: $left"; return 1; }
	! dpkg -s keysh > /dev/null 2>&1
}

remove_dkms() {
	dpkg -L pfkeyv2-dkms | sort -u > /tmp/files
	dpkg -r pfkeyv2-dkms || return 1
	st=$(dkms status pfkeyv2)
	[ -z "$st" ] || { echo "dkms status: $st"; return 1; }
	[ ! -e /usr/src/pfkeyv2-"$V" ] || { echo "/usr/src/pfkeyv2-$V left"; return 1; }
	dpkg -P pfkeyv2-dkms || return 1
	left=$(while read -r f; do [ -e "$f" ] && [ ! -d "$f" ] && echo "$f"; done < /tmp/files)
	[ -z "$left" ] || { echo "left after dpkg -P: $left"; return 1; }
	[ ! -e /etc/modprobe.d/pfkeyv2-dkms.conf ]
}

V=$(dpkg-deb -f "$(ls /systest/debs/keysh_*.deb | head -n1)" Version)
echo "# phase $phase, packages $V, $(systemctl is-system-running)"
case $phase in
install)
	t "dpkg -i keysh keyd" install_debs
	t "dpkg -i pfkeyv2-dkms: dkms status pfkeyv2 added, modprobe.d file" install_dkms
	t "keysh --version" version
	t "man keysh" man_keysh
	t "packages enable and start nothing" not_enabled
	t "keyd.service active (Type=notify, READY=1)" keyd_notify
	t "keysh --backend keyd -D through /run/keyd.sock" keyd_D
	t "keyd.service reload writes the state, restart reads it" keyd_reload_state
	t "keysh-load.service start applies /etc/keysh" load_start
	t "keysh-load.service reload re-applies" load_reload
	t "keysh-load.service reload with a broken conf: fails, FILE:LINE in the journal, SPD kept" load_reload_broken
	t "keysh-load.service start with a broken conf: failed, FILE:LINE in the journal, SPD as it was" load_start_broken
	t "keysh-load.service: a syntax error fails ExecStartPre, nothing applied" load_syntax_error
	t "keysh-load.service stop removes what it installed, nothing else" load_stop
	t "keysh-load.service on keyd (KEYSH_OPTS=--socket /run/keyd.sock): SAs in, stop takes them out" load_keyd
	t "systemctl enable keysh-load keyd" enable_both
	;;
reboot)
	t "keysh-load.service applied /etc/keysh at boot" boot_loaded
	t "keyd.service came back with its state" boot_keyd
	t "dpkg -r, dpkg -P remove cleanly" remove_clean
	t "dpkg -r, dpkg -P pfkeyv2-dkms: dkms forgets it, nothing left" remove_dkms
	;;
*)
	echo "not ok - systemd: unknown phase '$phase'"
	fail=1
	;;
esac
echo "# phase $phase: $pass passed, $fail failed"
echo "$fail" > /systest/out/done.$phase
systemctl --no-block poweroff
