#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# nl.sh: the XFRM netlink store's VM tests (installed as /suite.sh by
# tests/vm/nl-run.sh; /init runs it and writes "success" when it exits 0).
# /bin/nlvm (tests/vm/nlvm.c) runs the engine on the netlink store against
# this kernel's xfrm, which has ESP, AH and IPComp; iproute2's ip checks
# what the kernel holds. Each test prints "VMTEST ok|FAIL|skip NAME".
#   bats-xfrm   keysh's bats suite (tests/bats) with KEYSH_BACKEND=xfrm:
#               keysh --backend xfrm on this kernel's XFRM netlink
#   corpus-afkey, corpus-xfrm   the differential corpus (diffclient.c)
#               recorded on Linux af_key and through keysh's xfrm backend
#               (/bin/diffxfrm) on the data port; nl-run.sh compares them
#               with diffcmp as run.sh compares af_key and pfkeyv2
#   nltraffic   tests/vm/nltraffic.sh: traffic between a namespace keyed by
#               keysh --backend xfrm and one keyed by ip xfrm (every
#               algorithm x mode x family), the monitor, ACQUIRE, EXPIRE,
#               the same SAD over netlink and over af_key
pass=0 fail=0
# nlvm's commands run iproute2 as $IP: busybox sh prefers its own ip
# applet (no xfrm) whatever PATH says.
export IP=/bin/iproute2-ip
$IP link set lo up
# keysh.nlbench=10000,100000: benchmarks instead of tests (nl-run.sh bench)
# keysh.nlrounds=R: keysh_bench's rounds (default 3)
rounds=3
for a in $(cat /proc/cmdline); do
	case "$a" in
	keysh.nlbench=*) sizes=$(echo "${a#keysh.nlbench=}" | tr , ' ') ;;
	keysh.nlrounds=*) rounds=${a#keysh.nlrounds=} ;;
	esac
done
gen_setkey() { # N: N ESP SAs as a keysh script (the SAs of suite.sh's bench)
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "add 10.%d.%d.1 10.%d.%d.2 esp 0x%x -m transport -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha1 0x00112233445566778899aabbccddeeff00112233;\n",
			i / 250 % 250, i % 250, i / 250 % 250, i % 250, 65536 + i }'
}
gen_ip() { # N: the same SAs as an `ip -batch` file
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "xfrm state add src 10.%d.%d.1 dst 10.%d.%d.2 proto esp spi 0x%x mode transport enc cbc(aes) 0x00112233445566778899aabbccddeeff auth-trunc hmac(sha1) 0x00112233445566778899aabbccddeeff00112233 96\n",
			i / 250 % 250, i % 250, i / 250 % 250, i % 250, 65536 + i }'
}
uptime_cs() { awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime; }
xfrm_count() { $IP xfrm state count | sed -n 's/.*count \([0-9]*\).*/\1/p'; }
timed() { # name N command...: BENCH name N seconds, after checking N SAs are in
	name=$1 want=$2
	shift 2
	t0=$(uptime_cs)
	"$@" > /tmp/timed.out 2>&1 || { echo "$name: $(tail -n 3 /tmp/timed.out)"; return 1; }
	t1=$(uptime_cs)
	[ "$(xfrm_count)" = "$want" ] || { echo "$name: the kernel holds $(xfrm_count) of $want SAs"; return 1; }
	echo "BENCH $name $want $(((t1 - t0) / 100)).$(printf %02d $(((t1 - t0) % 100)))"
	$IP xfrm state flush
}
# keysh itself (keysh -f of N statements) over netlink (pipelined ADDs),
# ip -batch of the same SAs and keysh over Linux af_key (keysh-bench-afkey;
# NL_ONLY=keysh-bench leaves it out), one after the other, $rounds rounds
# (one boot's order and warm-up hit every side alike; nl-run.sh takes the
# medians).
keysh_bench() {
	for n in $sizes; do
		gen_setkey "$n" > /tmp/sa.$n
		gen_ip "$n" > /tmp/ip.$n
		$IP xfrm state flush
		r=0
		while [ $r -lt "$rounds" ]; do
			r=$((r + 1))
			timed keysh-xfrm-add "$n" keysh --backend xfrm -f /tmp/sa.$n || return 1
			timed ip-batch-add "$n" $IP -batch /tmp/ip.$n || return 1
			if want keysh-bench-afkey && [ -f /lib/modules/extra/af_key.ko ] &&
				insmod /lib/modules/extra/af_key.ko; then
				timed keysh-afkey-add "$n" keysh --backend pfkey -f /tmp/sa.$n || return 1
				rmmod af_key
			fi
		done
		rm -f /tmp/sa.$n /tmp/ip.$n
	done
}
only=
for a in $(cat /proc/cmdline); do
	case "$a" in keysh.nlonly=*) only=${a#keysh.nlonly=} ;; esac
done
want() { [ -z "$only" ] || case ",$only," in *",$1,"*) true ;; *) false ;; esac; }

if [ -n "${sizes:-}" ]; then
	if want keysh-bench; then keysh_bench || exit 1; fi
	want nlbench || exit 0
	for n in $sizes; do
		/bin/nlbench "$n" || exit 1
		/bin/nlbench "$n" events || exit 1
	done
	exit 0
fi
t() { # name command...  (command exit 77: skipped, counted neither way)
	n=$1
	shift
	echo "VMTEST run $n"
	"$@"
	rc=$?
	if [ "$rc" = 0 ]; then
		echo "VMTEST ok $n"
		pass=$((pass + 1))
	elif [ "$rc" = 77 ]; then
		echo "VMTEST skip $n"
	else
		echo "VMTEST FAIL $n"
		fail=$((fail + 1))
	fi
}

bats_xfrm() { # keysh's bats suite against keysh --backend xfrm
	[ -x /usr/bin/bats ] || { echo "bats not in the initramfs"; return 77; }
	[ -x /bin/keysh ] || { echo "no keysh in the initramfs"; return 77; }
	# Two halves at once, the second in a network namespace of its own
	# (its own xfrm SAD/SPD): bats, bash and jq are slow under TCG.
	set -- /tests/bats/[0-9]*.bats
	a= b=
	for f; do
		case "$f" in
		*/0[13]*|*/06*|*/08*) a="$a $f" ;;
		*) b="$b $f" ;;
		esac
	done
	cat > /tmp/bats-group.sh <<-'EOF'
	out=$1
	shift
	KEYSH_BUILD=/bin KEYSH_BACKEND=xfrm bats --tap "$@" > "$out" 2>&1
	echo $? > "$out.rc"
	EOF
	s0=$(date +%s)
	# shellcheck disable=SC2086
	sh /tmp/bats-group.sh /tmp/bats.a.tap $a &
	# shellcheck disable=SC2086
	unshare -n sh /tmp/bats-group.sh /tmp/bats.b.tap $b
	wait
	cat /tmp/bats.a.tap /tmp/bats.b.tap > /tmp/bats.tap
	# Only failures and skips in full; the count of the rest.
	grep -v '^ok [0-9]* [^#]*$' /tmp/bats.tap
	echo "bats-xfrm: $(grep -c '^ok' /tmp/bats.tap) ok ($(grep -c '^ok .* # skip' /tmp/bats.tap)" \
		"skipped), $(grep -c '^not ok' /tmp/bats.tap) not ok in $(($(date +%s) - s0)) s"
	keysh --backend xfrm 'flush; spdflush;' || return 1
	[ "$(cat /tmp/bats.a.tap.rc /tmp/bats.b.tap.rc)" = "0
0" ] && ! grep -q '^not ok' /tmp/bats.tap && grep -q '^ok' /tmp/bats.tap
}

corpus() { # tag program: record the corpus on the data port (300 s at most)
	echo "=== corpus $1" > /dev/ttyS2
	if ! timeout 300 "$2" > /tmp/corpus.$1; then
		tail -c 2000 /tmp/corpus.$1 | cut -c1-200
		rm -f /tmp/corpus.$1
		return 1
	fi
	cat /tmp/corpus.$1 > /dev/ttyS2 && grep -q '^D$' /tmp/corpus.$1
	rm -f /tmp/corpus.$1
}

# af_key.ko loaded for both: diffclient needs it, and diffxfrm sends the
# socket() calls the xfrm backend has no layer for (wrong type or
# version) to the kernel, as keysh would meet them.
corpora() {
	[ -x /bin/diffclient ] && [ -x /bin/diffxfrm ] && [ -f /lib/modules/extra/af_key.ko ] ||
		{ echo "no diffclient, diffxfrm or af_key.ko"; return 77; }
	insmod /lib/modules/extra/af_key.ko || return 1
	corpus afkey /bin/diffclient
	r1=$?
	corpus xfrm /bin/diffxfrm
	r2=$?
	rmmod af_key
	[ "$r1" = 0 ] && [ "$r2" = 0 ]
}

want nlvm && t nlvm /bin/nlvm
want bats-xfrm && t bats-xfrm bats_xfrm
want corpus && t corpus-afkey-and-xfrm corpora
want nltraffic && t nltraffic sh /nltraffic.sh
echo "nl: $pass passed, $fail failed"
[ "$fail" = 0 ]
