#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# ike.sh: real, unmodified IKE daemons on PF_KEY (issue 12), the suite of
# the VM boot that tests/vm/ike-run.sh makes (/suite.sh there). Two network
# namespaces joined by veth: a (10.0.0.1, inner 10.1.0.1 on lo) keys through
# PF_KEY, b (10.0.0.2, inner 10.2.0.1) through XFRM netlink. Run once on
# pfkeyv2.ko, then (rmmod, insmod af_key.ko) once on Linux af_key:
#   strongSwan charon, IKEv2, PSK: a's charon loads kernel-pfkey before
#   kernel-netlink (PF_KEY for IPsec, netlink for addresses), b's charon
#   kernel-netlink only. Per case (ESP proposal x transport/tunnel x
#   initiated by swanctl / triggered by an ACQUIRE from a trap policy and a
#   ping): the CHILD_SA is installed, a's `ip xfrm state` shows the
#   negotiated algorithm with its ICV length, pings pass and b decrypts them,
#   terminate leaves no SA and no policy in a. rekey-*: a's CHILD_SA
#   rekeys every 5 s (charon rekeys on the kernel's soft EXPIRE, which must
#   reach it through PF_KEY) under a 0.2 s ping for 24 s: at least 3
#   rekeys, not one ping lost.
#   racoon (ipsec-tools) <-> racoon, IKEv1, PSK: both on PF_KEY (each
#   namespace has its own), ACQUIRE-triggered by setkey's require policies;
#   only if /bin/racoon and /bin/setkey are in the initramfs.
# af_key lacks AEADs (no AES-GCM in its SADB) and keys HMAC-SHA-256 with a
# 96-bit ICV where IKE negotiates 128 (RFC 4868): those cases must fail there
# (checked: "ok - ... af_key limit" lines); everything else must pass on both.
# VMTEST lines; exit 0 only if all passed. Logs of failed cases are printed.
IP=${IP:-/bin/iproute2-ip}
fails=0
ok() { echo "VMTEST ok ike-$1"; }
bad() { echo "VMTEST FAIL ike-$1${2:+: $2}"; fails=$((fails + 1)); }
A() { $IP netns exec a "$@"; }
B() { $IP netns exec b "$@"; }
W=/tmp/ike
mkdir -p $W /run/netns /var
[ -e /var/run ] || ln -s /run /var/run	# racoon's pid file, /var/run/racoon.pid

for t in "$IP" /bin/charon /bin/swanctl; do
	[ -x "$t" ] || { bad tools "no $t in the initramfs"; exit 1; }
done
$IP netns add a && $IP netns add b || { bad netns; exit 1; }
$IP link add va netns a type veth peer name vb netns b || { bad veth; exit 1; }
A $IP addr add 10.0.0.1/24 dev va; A $IP addr add 10.1.0.1/32 dev lo
B $IP addr add 10.0.0.2/24 dev vb; B $IP addr add 10.2.0.1/32 dev lo
A $IP link set va up; A $IP link set lo up; B $IP link set vb up; B $IP link set lo up
A $IP route add 10.2.0.0/24 via 10.0.0.2; B $IP route add 10.1.0.0/24 via 10.0.0.1

# strongswan.conf per side: plugin order picks the IPsec backend.
conf() { # side plugins
	cat > $W/$1.conf <<-EOF
	charon {
		load = random nonce openssl kdf $2 socket-default vici
		install_routes = no
		retransmit_tries = 3
		retransmit_timeout = 2
		plugins {
			vici {
				socket = unix://$W/$1.vici
			}
		}
		filelog {
			$1 {
				path = $W/$1.log
				default = 1
				knl = 2
				append = yes
				flush_line = yes
			}
		}
	}
	EOF
}
conf a "kernel-pfkey kernel-netlink"
conf b "kernel-netlink"

start() { # side ns: charon in namespace ns, its pid file in a private /run
	rm -f $W/$1.vici
	$IP netns exec "$2" env STRONGSWAN_CONF=$W/$1.conf sh -c \
		"mount -t tmpfs run /run && exec /bin/charon" > $W/$1.out 2>&1 &
	eval "pid_$1=$!"
	i=0
	while [ ! -S $W/$1.vici ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
	[ -S $W/$1.vici ]
}
stop() { # side
	eval "p=\${pid_$1:-}"
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	eval "pid_$1="
}
sw() { # side command [arguments]: swanctl takes the command first
	s=$1 c=$2; shift 2
	STRONGSWAN_CONF=$W/$s.conf /bin/swanctl "$c" --uri unix://$W/$s.vici "$@"
}

# swanctl.conf of one side: side local remote ts-local ts-remote mode esp start rekey
swconf() {
	cat > $W/$1.swanctl.conf <<-EOF
	connections {
		c {
			version = 2
			local_addrs = $2
			remote_addrs = $3
			proposals = aes128-sha256-x25519
			local {
				auth = psk
				id = $2
			}
			remote {
				auth = psk
				id = $3
			}
			children {
				c {
					mode = $6
					local_ts = $4
					remote_ts = $5
					esp_proposals = $7
					start_action = $8
					rekey_time = $9
					life_time = $(( ${9%s} * 2 ))s
					rand_time = 0
				}
			}
		}
	}
	secrets {
		ike-c {
			id-a = 10.0.0.1
			id-b = 10.0.0.2
			secret = "keysh-ike-test-psk-0123456789"
		}
	}
	EOF
	sw "$1" --load-all --file $W/$1.swanctl.conf > $W/$1.load 2>&1
}

# what a's `ip xfrm state` must show for an ESP proposal
xfrm_of() {
	case "$1" in
	aes128gcm16) echo "aead rfc4106(gcm(aes)) 0x[0-9a-f]* 128" ;;
	aes128-sha256) echo "auth-trunc hmac(sha256) 0x[0-9a-f]* 128" ;;
	aes128-sha1) echo "auth-trunc hmac(sha1) 0x[0-9a-f]* 96" ;;
	aes128-sha256-96) echo "auth-trunc hmac(sha256) 0x[0-9a-f]* 96" ;;
	esac
}
# the reason af_key cannot (empty: it can)
afkey_limit() {
	case "$1" in
	aes128gcm16) echo "af_key has no AEAD" ;;
	aes128-sha256) echo "af_key keys HMAC-SHA-256 with a 96-bit ICV" ;;
	esac
}

# b's packet counter of the a->b ESP SA(s), summed
b_decrypted() {
	B $IP -s xfrm state list src 10.0.0.1 dst 10.0.0.2 |
		sed -n 's/.* \([0-9][0-9]*\)(packets).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}
installed() { sw a --list-sas 2>/dev/null | grep -q 'INSTALLED'; }
wait_installed() { # seconds
	i=0
	while ! installed && [ $i -lt $(($1 * 5)) ]; do sleep 0.2; i=$((i + 1)); done
	installed
}
clean() { # nothing of the case may stay in a's kernel
	sw a --terminate --ike c > /dev/null 2>&1
	sw b --terminate --ike c > /dev/null 2>&1
	printf 'connections {}\nsecrets {}\n' > $W/empty.conf
	sw a --load-all --clear --file $W/empty.conf > /dev/null 2>&1
	sw b --load-all --clear --file $W/empty.conf > /dev/null 2>&1
	sleep 0.5
}
showlog() { # case: a's and b's log of this case, on failure
	echo "--- $1: a (PF_KEY) log"; tail -n 25 $W/a.log
	echo "--- $1: b (netlink) log"; tail -n 10 $W/b.log
	echo "--- $1: a ip xfrm state"; A $IP xfrm state | head -n 20
}

# one case: backend name esp mode start(initiate|trap)
case_run() {
	be=$1 name=$2 esp=$3 mode=$4 how=$5
	if [ "$mode" = tunnel ]; then
		la=10.1.0.1/32 lb=10.2.0.1/32 dst=10.2.0.1 src="-I 10.1.0.1"
	else
		la=10.0.0.1/32 lb=10.0.0.2/32 dst=10.0.0.2 src=
	fi
	act=none
	[ "$how" = trap ] && act="trap"
	: > $W/a.log; : > $W/b.log
	swconf b 10.0.0.2 10.0.0.1 $lb $la "$mode" "$esp" none 600s &&
		swconf a 10.0.0.1 10.0.0.2 $la $lb "$mode" "$esp" $act 600s ||
		{ bad "$be-$name" "swanctl --load-all: $(cat $W/a.load $W/b.load | tail -n 3 | tr '\n' ' ')"; return; }
	n0=$(b_decrypted)
	why=
	if [ "$how" = trap ]; then
		# the trap policy is in the kernel; the first ping raises the ACQUIRE
		A $IP xfrm policy | grep -q 'dir out' || why="no trap policy in a's kernel"
		# shellcheck disable=SC2086
		A ping -c 1 -W 1 $src $dst > /dev/null 2>&1
		grep -q 'received an SADB_ACQUIRE' $W/a.log || why="${why:-no SADB_ACQUIRE reached charon}"
	else
		sw a --initiate --child c --timeout 30 > $W/a.init 2>&1
	fi
	lim=
	[ "$be" = afkey ] && lim=$(afkey_limit "$esp")
	# (an expected failure is quick: af_key refuses the ADD at once)
	wt=20
	[ -n "$lim" ] && wt=8
	wait_installed $wt || why="${why:-CHILD_SA not installed}"
	if [ -z "$why" ]; then
		A $IP xfrm state > $W/a.state
		grep -q "$(xfrm_of "$esp")" $W/a.state || why="a's xfrm state lacks '$(xfrm_of "$esp")'"
		grep -q "mode $mode" $W/a.state || why="${why:-xfrm state of a not mode $mode}"
	fi
	if [ -z "$why" ]; then
		# shellcheck disable=SC2086
		A ping -c 3 -W 3 $src $dst > $W/ping 2>&1 || why="ping failed: $(grep -E 'transmitted' $W/ping)"
	fi
	n1=$(b_decrypted)
	[ -n "$why" ] || [ "$n1" -ge $((n0 + 3)) ] || why="b decrypted $((n1 - n0)) packets of a's 3"
	if [ -n "$lim" ]; then
		if [ -n "$why" ]; then
			ok "$be-$name: fails as expected ($lim): $why"
		else
			bad "$be-$name" "passed on af_key, which should not be able to ($lim)"
		fi
	elif [ -n "$why" ]; then
		bad "$be-$name" "$why"
		showlog "$be-$name"
	else
		ok "$be-$name"
	fi
	clean
	# (xfrm's larval ACQUIRE state, SPI 0, of a failed negotiation expires by
	# itself after net.core.xfrm_acq_expires: not counted)
	st=$(A $IP xfrm state | grep 'proto .* spi 0x' | grep -vc 'spi 0x00000000 ')
	# (charon's per-socket bypass policies list as "socket in/out": not counted)
	po=$(A $IP xfrm policy | grep -c 'dir \(in\|out\|fwd\)')
	if [ "$st" = 0 ] && [ "$po" = 0 ]; then
		ok "$be-$name-cleanup"
	else
		bad "$be-$name-cleanup" "$st SAs, $po policies left in a after terminate and unload"
		A $IP xfrm state flush; A $IP xfrm policy flush
	fi
	B $IP xfrm state flush; B $IP xfrm policy flush
}

# rekeying under traffic: backend name esp mode
rekey_run() {
	be=$1 name=$2 esp=$3 mode=$4
	if [ "$mode" = tunnel ]; then
		la=10.1.0.1/32 lb=10.2.0.1/32 dst=10.2.0.1 src="-I 10.1.0.1"
	else
		la=10.0.0.1/32 lb=10.0.0.2/32 dst=10.0.0.2 src=
	fi
	: > $W/a.log; : > $W/b.log
	# a rekeys (5 s); b's CHILD_SA lifetime is longer, so a rekeys first
	swconf b 10.0.0.2 10.0.0.1 $lb $la "$mode" "$esp" none 60s &&
		swconf a 10.0.0.1 10.0.0.2 $la $lb "$mode" "$esp" none 5s ||
		{ bad "$be-$name" "swanctl --load-all"; return; }
	sw a --initiate --child c --timeout 30 > $W/a.init 2>&1
	why=
	wait_installed 20 || why="CHILD_SA not installed"
	if [ -z "$why" ]; then
		# shellcheck disable=SC2086
		A ping -q -i 0.2 -c 120 -W 3 $src $dst > $W/ping 2>&1
		tx=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' $W/ping)
		rx=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' $W/ping)
		nr=$(grep -c 'CHILD_SA c{[0-9]*} established' $W/a.log)
		if [ "${tx:-0}" != 120 ] || [ "${rx:-0}" != 120 ]; then
			why="lost pings: ${rx:-?} of ${tx:-?} answered over $((nr - 1)) rekeys"
		elif [ "$nr" -lt 4 ]; then
			why="only $((nr - 1)) rekeys in 24 s (want >= 3)"
		elif ! grep -q 'received an SADB_EXPIRE' $W/a.log; then
			why="no SADB_EXPIRE reached charon (rekeys not from the kernel's soft expiry)"
		fi
	fi
	if [ -n "$why" ]; then
		bad "$be-$name" "$why"
		showlog "$be-$name"
	else
		ok "$be-$name: $((nr - 1)) rekeys, $rx of $tx pings answered"
	fi
	clean
	A $IP xfrm state flush; A $IP xfrm policy flush
	B $IP xfrm state flush; B $IP xfrm policy flush
}

# racoon <-> racoon (IKEv1, PSK), both on PF_KEY in their namespace: setkey
# installs require policies on both sides, a ping from a raises the ACQUIRE
# that a's racoon answers; b's racoon responds (GETSPI, UPDATE, ADD).
# racoon_conf side peer self encryption authentication
racoon_conf() {
	cat > $W/racoon-$1.conf <<-EOF
	path pre_shared_key "$W/psk-$1.txt";
	listen { isakmp $3 [500]; }
	remote $2 {
		exchange_mode main;
		my_identifier address $3;
		peers_identifier address $2;
		proposal {
			encryption_algorithm aes 128;
			hash_algorithm sha256;
			authentication_method pre_shared_key;
			dh_group modp2048;
		}
	}
	sainfo anonymous {
		encryption_algorithm $4;
		authentication_algorithm $5;
		compression_algorithm deflate;
		lifetime time 600 sec;
	}
	EOF
	printf '%s keysh-ike-test-psk-0123456789\n' "$2" > $W/psk-$1.txt
	chmod 600 $W/psk-$1.txt
}
racoon_run() { # backend name racoon-encryption racoon-authentication xfrm-esp mode
	be=$1 name=$2 mode=$6
	if [ "$mode" = tunnel ]; then
		dst=10.2.0.1 src="-I 10.1.0.1"
		spa="spdadd 10.1.0.1/32 10.2.0.1/32 any -P out ipsec esp/tunnel/10.0.0.1-10.0.0.2/require;
spdadd 10.2.0.1/32 10.1.0.1/32 any -P in ipsec esp/tunnel/10.0.0.2-10.0.0.1/require;"
		spb="spdadd 10.2.0.1/32 10.1.0.1/32 any -P out ipsec esp/tunnel/10.0.0.2-10.0.0.1/require;
spdadd 10.1.0.1/32 10.2.0.1/32 any -P in ipsec esp/tunnel/10.0.0.1-10.0.0.2/require;"
	else
		dst=10.0.0.2 src=
		spa="spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//require;
spdadd 10.0.0.2 10.0.0.1 any -P in ipsec esp/transport//require;"
		spb="spdadd 10.0.0.2 10.0.0.1 any -P out ipsec esp/transport//require;
spdadd 10.0.0.1 10.0.0.2 any -P in ipsec esp/transport//require;"
	fi
	racoon_conf a 10.0.0.2 10.0.0.1 "$3" "$4"
	racoon_conf b 10.0.0.1 10.0.0.2 "$3" "$4"
	printf 'flush;\nspdflush;\n%s\n' "$spa" > $W/setkey-a.conf
	printf 'flush;\nspdflush;\n%s\n' "$spb" > $W/setkey-b.conf
	why=
	A /bin/setkey -f $W/setkey-a.conf > $W/setkey.out 2>&1 &&
		B /bin/setkey -f $W/setkey-b.conf >> $W/setkey.out 2>&1 ||
		why="setkey: $(head -c 200 $W/setkey.out)"
	: > $W/racoon-a.log; : > $W/racoon-b.log
	for s in a b; do
		$IP netns exec $s sh -c "mount -t tmpfs run /run &&
			exec /bin/racoon -F -v -f $W/racoon-$s.conf -l $W/racoon-$s.log" > $W/racoon-$s.out 2>&1 &
		eval "rpid_$s=$!"
	done
	sleep 2
	n0=$(b_decrypted)
	# shellcheck disable=SC2086
	A ping -c 1 -W 1 $src $dst > /dev/null 2>&1	# raises the ACQUIRE
	i=0
	while ! grep -q 'IPsec-SA established' $W/racoon-a.log && [ $i -lt 100 ]; do
		sleep 0.2; i=$((i + 1))
	done
	if [ -z "$why" ]; then
		grep -q 'IPsec-SA established' $W/racoon-a.log || why="no IPsec-SA established by racoon"
	fi
	if [ -z "$why" ]; then
		A $IP xfrm state > $W/a.state
		grep -q "$(xfrm_of "$5")" $W/a.state || why="a's xfrm state lacks '$(xfrm_of "$5")'"
	fi
	if [ -z "$why" ]; then
		sleep 1	# b's racoon installs its SAs after a's
		# shellcheck disable=SC2086
		A ping -c 3 -W 3 $src $dst > $W/ping 2>&1 || why="ping failed: $(grep -E 'transmitted' $W/ping)"
	fi
	n1=$(b_decrypted)
	[ -n "$why" ] || [ "$n1" -ge $((n0 + 3)) ] || why="b decrypted $((n1 - n0)) packets of a's 3"
	if [ -n "$why" ]; then
		bad "$be-$name" "$why"
		echo "--- racoon a"; tail -n 30 $W/racoon-a.log $W/racoon-a.out
		echo "--- racoon b"; tail -n 20 $W/racoon-b.log $W/racoon-b.out
	else
		ok "$be-$name"
	fi
	for s in a b; do
		eval "p=\$rpid_$s"
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	A $IP xfrm state flush; A $IP xfrm policy flush
	B $IP xfrm state flush; B $IP xfrm policy flush
}

suite() { # backend
	be=$1
	if ! start a a || ! start b b; then
		bad "$be-charon-start" "$(cat $W/a.out $W/b.out | tail -n 5 | tr '\n' ' ')"
		stop a; stop b
		return
	fi
	# a's charon holds PF_KEY sockets (kernel-pfkey), b's none
	if [ "$be" = afkey ]; then
		na=$(($(A cat /proc/net/pfkey | wc -l) - 1)) nb=$(($(B cat /proc/net/pfkey | wc -l) - 1))
	else
		na=$(A sed -n 's/^sockets: //p' /proc/net/pfkeyv2) nb=$(B sed -n 's/^sockets: //p' /proc/net/pfkeyv2)
	fi
	if [ "${na:-0}" -ge 1 ] && [ "${nb:-1}" = 0 ]; then
		ok "$be-charon-kernel-pfkey: a's charon on PF_KEY ($na sockets), b's on netlink"
	else
		bad "$be-charon-kernel-pfkey" "PF_KEY sockets: a ${na:-?}, b ${nb:-?}"
	fi
	for esp in aes128-sha1 aes128-sha256 aes128gcm16; do
		for mode in transport tunnel; do
			for how in initiate trap; do
				case_run "$be" "$esp-$mode-$how" "$esp" "$mode" "$how"
			done
		done
	done
	if [ "$be" = afkey ]; then
		rekey_run "$be" rekey-aes128-sha1-tunnel aes128-sha1 tunnel
	else
		rekey_run "$be" rekey-aes128gcm16-transport aes128gcm16 transport
		rekey_run "$be" rekey-aes128-sha256-tunnel aes128-sha256 tunnel
	fi
	stop a; stop b
	if [ -x /bin/racoon ] && [ -x /bin/setkey ]; then
		# both sides on the same PF_KEY: af_key's 96-bit SHA-256 ICV on
		# both ends agrees with itself
		sha256=aes128-sha256
		[ "$be" = afkey ] && sha256=aes128-sha256-96
		racoon_run "$be" racoon-aes-sha1-transport "aes 128" hmac_sha1 aes128-sha1 transport
		racoon_run "$be" racoon-aes-sha256-tunnel "aes 128" hmac_sha256 $sha256 tunnel
	fi
}

insmod /lib/modules/extra/pfkeyv2.ko || { bad load-pfkeyv2; exit 1; }
suite pfkeyv2
rmmod pfkeyv2 || bad rmmod-pfkeyv2
if insmod /lib/modules/extra/af_key.ko; then
	suite afkey
	rmmod af_key
else
	bad load-af_key
fi
if dmesg | grep -E 'WARNING:|BUG:|Oops|refcount_t|general protection'; then
	bad kmsg-clean
else
	ok kmsg-clean
fi
[ "$fails" = 0 ]
