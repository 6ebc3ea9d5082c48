#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# suite.sh: the tests run inside the VM (called by /init with the mode).
#   afkey    Linux af_key.ko owns PF_KEY: record the differential corpus;
#            keysh's bats suite in kernel mode (KEYSH_BACKEND=kernel).
#   pfkeyv2  our module: load (self-tests), refuse-while-af_key, corpus,
#            driver suite (driver --kernel), keysh's bats suite in kernel
#            mode, live-state unload/reload, stress (tests/vm/stress.c and
#            4 keysh writers with a keysh dumper and monitor), the SA and
#            policy limits of an unprivileged user's namespace (ENOBUFS),
#            socket(PF_KEY) autoloading pfkeyv2 through modprobe with
#            kmod/pfkeyv2.conf installed.
#   bench    keysh batch install into af_key, pfkeyv2 and (ip -batch) xfrm,
#            keysh -D of those SAs (af_key, pfkeyv2), interleaved over
#            keysh.benchrounds=R rounds (default 3; the module reloaded each
#            time, af_key and pfkeyv2 going first in turn: one boot's state,
#            order and TCG warm-up hit all sides alike); TCP over ESP AES-GCM keyed through pfkeyv2 vs by ip xfrm.
#   deb      the pfkeyv2-dkms package's module and modprobe.d file:
#            socket(PF_KEY) autoloads the package's pfkeyv2
#            (keysh.debver=VERSION: the package's version).
# Each test prints "VMTEST ok NAME" or "VMTEST FAIL NAME" on the console
# (tests/vm/run.sh counts them); corpus output goes to /dev/ttyS2, which is
# a file on the host. Exit status 0 only when every test passed.
mode=$1
pass=0 fail=0
stress_n=1000 bench_sizes="10000 100000" bench_rounds=3 fuzz_s=20 debver=
for a in $(cat /proc/cmdline); do
	case "$a" in
	keysh.stress=*) stress_n=${a#keysh.stress=} ;;
	keysh.fuzz=*) fuzz_s=${a#keysh.fuzz=} ;;
	keysh.bench=*) bench_sizes=$(echo "${a#keysh.bench=}" | tr , ' ') ;;
	keysh.benchrounds=*) bench_rounds=${a#keysh.benchrounds=} ;;
	keysh.debver=*) debver=${a#keysh.debver=} ;;
	esac
done
ko=/lib/modules/extra

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

kmsg_clean() { # no kernel warning, oops or leak report so far
	! dmesg | grep -E 'WARNING:|BUG:|Oops|leak|refcount_t|general protection' 
}

corpus() { # record the differential corpus on the data port (a hung case fails it after 300 s)
	echo "=== corpus $1" > /dev/ttyS2
	if ! timeout 300 /bin/diffclient > /tmp/corpus.$1; then
		# A hung case may have written until /tmp (tmpfs) was full: keep
		# its last lines, free the space for the tests that follow.
		tail -c 2000 /tmp/corpus.$1 | cut -c1-200
		rm -f /tmp/corpus.$1
		return 1
	fi
	cat /tmp/corpus.$1 > /dev/ttyS2 && grep -q '^D$' /tmp/corpus.$1
}

keysh_smoke() { # setkey script through keysh; dumps to the data port
	[ -x /bin/keysh ] || { echo "no keysh in the initramfs"; return 77; }
	keysh --backend kernel -f /keysh-smoke.conf || return 1
	{
		echo "=== keysh $1"
		keysh --backend kernel -D
		echo "--- spd"
		keysh --backend kernel -DP
		echo "=== end"
	} > /tmp/keysh.$1 || return 1
	cat /tmp/keysh.$1 > /dev/ttyS2
	keysh --backend kernel -F && keysh --backend kernel -FP
}

proc_has() { # /proc/net/pfkeyv2 field value
	grep -q "^$1: *$2\$" /proc/net/pfkeyv2
}

live_state() { # leave SAs and policies behind with no socket open
	/bin/diffclient -s 200 && proc_has sas 200 && proc_has policies 200
}

# Unload and load with live state. On the xfrm store the SAs and policies
# are the kernel's (xfrm_count sees them): they survive and show again, then
# they are flushed; on the memory store the tables go with the module.
reload() {
	n=$(sed -n 's/^sas: *//p' /proc/net/pfkeyv2)
	p=$(sed -n 's/^policies: *//p' /proc/net/pfkeyv2)
	x=$(xfrm_count)
	rmmod pfkeyv2 && ! grep -q pfkeyv2 /proc/modules || return 1
	if [ "${n:-0}" != 0 ] && [ "$x" = "$n" ]; then
		[ "$(xfrm_count)" = "$n" ] || { echo "xfrm holds $(xfrm_count) of $n SAs"; return 1; }
		insmod $ko/pfkeyv2.ko && proc_has sas "$n" && proc_has policies "$p" &&
			keysh --backend kernel 'flush; spdflush;' || return 1
	else
		insmod $ko/pfkeyv2.ko || return 1
	fi
	proc_has sas 0 && proc_has policies 0
}

af_key_refused() { # pfkeyv2 must not load while af_key owns PF_KEY
	insmod $ko/af_key.ko || return 1
	if insmod $ko/pfkeyv2.ko 2>/dev/null; then
		rmmod pfkeyv2
		rmmod af_key
		return 1
	fi
	dmesg | grep -q 'pfkeyv2: .*af_key' || { rmmod af_key; return 1; }
	rmmod af_key
}

selftests() { # every "self-tests:" line printed at load says pass
	dmesg | grep 'pfkeyv2: .*self-tests' | tee /tmp/st
	grep -q 'no self-tests' /tmp/st && return 77
	[ -s /tmp/st ] && ! grep -v 'self-tests: pass' /tmp/st
}

driver() { # the message-level driver, pointed at the kernel's PF_KEY
	grep -q -- '--kernel' /bin/driver || { echo "driver has no --kernel mode"; return 77; }
	/bin/driver --kernel
}

netns_isolation() { # each network namespace has its own SADB/SPD
	/bin/diffclient -s 10 && proc_has sas 10 || return 1
	# A new namespace starts empty, takes its own SAs, and dies with them
	# installed (pernet exit destroys a non-empty SADB).
	unshare -n sh -c 'grep -q "^sas: 0$" /proc/net/pfkeyv2 && /bin/diffclient -s 3 &&
		grep -q "^sas: 3$" /proc/net/pfkeyv2 && grep -q "^policies: 3$" /proc/net/pfkeyv2' ||
		return 1
	proc_has sas 10 && proc_has policies 10
}

# limits: uid 1000 (su, no capability) creates a user namespace and a network namespace
# (unshare -Urn) and, root in there, keys it through PF_KEY (ns_capable
# CAP_NET_ADMIN, as af_key): the namespace's limits are userns_max_sas and
# userns_max_policies (lowered here to 20 and 5): 20 SAs and 5 policies go
# in, the 21st SA (ADD and GETSPI) and the 6th policy fail with ENOBUFS and
# nothing is added; the initial namespace keeps its own, larger limits.
limits() {
	prm=/sys/module/pfkeyv2/parameters
	[ -w $prm/userns_max_sas ] && [ -w $prm/userns_max_policies ] || return 1
	proc_has sas_max 1048576 && proc_has policies_max 102400 || { cat /proc/net/pfkeyv2; return 1; }
	os=$(cat $prm/userns_max_sas) op=$(cat $prm/userns_max_policies)
	echo 20 > $prm/userns_max_sas && echo 5 > $prm/userns_max_policies || return 1
	gen_setkey 20 > /tmp/lim.sa
	gen_setkey 1 20 > /tmp/lim.sa21
	awk 'BEGIN { for (i = 0; i < 5; i++)
		printf "spdadd 10.77.%d.1 10.77.%d.2 any -P out ipsec esp/transport//require;\n", i, i }' > /tmp/lim.sp
	echo "spdadd 10.77.9.1 10.77.9.2 any -P out ipsec esp/transport//require;" > /tmp/lim.sp6
	echo "getspi 10.78.0.1 10.78.0.2 esp auto;" > /tmp/lim.getspi
	chmod 0644 /tmp/lim.*
	cat > /tmp/limits.sh <<-'EOF'
	export PATH=/bin:/sbin:/usr/bin:/usr/sbin
	p() { grep -q "^$1: $2\$" /proc/net/pfkeyv2 || { echo "want $1: $2"; cat /proc/net/pfkeyv2; exit 1; }; }
	enobufs() { # what: the request must fail with ENOBUFS
		if keysh --backend kernel -f "$2" > /tmp/lim.out 2>&1; then echo "$1 accepted"; exit 1; fi
		grep -q ENOBUFS /tmp/lim.out || { echo "$1:"; cat /tmp/lim.out; exit 1; }
	}
	echo "limits: uid $(id -u) in a user namespace, $(cat /proc/self/uid_map)"
	p sas_max 20
	p policies_max 5
	keysh --backend kernel -f /tmp/lim.sa || exit 1
	keysh --backend kernel -f /tmp/lim.sp || exit 1
	p sas 20
	p policies 5
	enobufs "the 21st SA" /tmp/lim.sa21
	enobufs "GETSPI at the limit" /tmp/lim.getspi
	enobufs "the 6th policy" /tmp/lim.sp6
	p sas 20
	p policies 5
	p limit_refused 3
	keysh --backend kernel 'delete 10.0.0.1 10.0.0.2 esp 0x10000;' || exit 1
	keysh --backend kernel -f /tmp/lim.sa21 || exit 1
	p sas 20
	EOF
	grep -q '^keyshu:' /etc/passwd || {
		echo "keyshu:x:1000:1000:limits test:/tmp:/bin/sh" >> /etc/passwd
		echo "keyshu:x:1000:" >> /etc/group
	}
	su -s /bin/sh keyshu -c '/bin/unshare -Urn /bin/sh /tmp/limits.sh'
	rc=$?
	[ "$rc" = 0 ] || cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null
	echo "$os" > $prm/userns_max_sas
	echo "$op" > $prm/userns_max_policies
	[ "$rc" = 0 ] && proc_has limit_refused 0
}

# autoload: the install path of README/pfkeyv2(4): pfkeyv2.ko and af_key.ko
# under /lib/modules/KVER, depmod, kmod/pfkeyv2.conf in /etc/modprobe.d
# (af_key blacklisted, its install /bin/false) and kmod as /sbin/modprobe:
# the first socket(PF_KEY) makes the kernel ask modprobe for net-pf-15,
# which loads pfkeyv2 and not af_key; `modprobe af_key` is refused.
autoload() {
	kv=$(uname -r)
	[ -x /bin/kmod ] || { echo "no kmod in the initramfs"; return 1; }
	grep -q '^pfkeyv2 ' /proc/modules && return 1
	mkdir -p /lib/modules/$kv/extra /lib/modules/$kv/kernel/net/key /etc/modprobe.d /sbin
	cp $ko/pfkeyv2.ko /lib/modules/$kv/extra/ && cp $ko/af_key.ko /lib/modules/$kv/kernel/net/key/ || return 1
	ln -sf /bin/kmod /sbin/modprobe && ln -sf /bin/kmod /sbin/depmod || return 1
	/sbin/depmod -a "$kv" || return 1
	grep 'net-pf-15' /lib/modules/$kv/modules.alias
	grep -q '^alias net-pf-15 pfkeyv2$' /lib/modules/$kv/modules.alias || return 1
	cp /pfkeyv2.conf /etc/modprobe.d/pfkeyv2.conf || return 1
	keysh --backend kernel -D > /tmp/al.out 2>&1
	cat /tmp/al.out
	grep '^pfkeyv2 \|^af_key ' /proc/modules
	grep -q '^pfkeyv2 ' /proc/modules && ! grep -q '^af_key ' /proc/modules || return 1
	rmmod pfkeyv2 || return 1
	if /sbin/modprobe af_key 2>/dev/null; then echo "modprobe af_key was not refused"; return 1; fi
	! grep -q '^af_key ' /proc/modules || return 1
	# Without the snippet, net-pf-15 names both modules.
	rm /etc/modprobe.d/pfkeyv2.conf
	grep -q '^alias net-pf-15 af_key$' /lib/modules/$kv/modules.alias
}

# autoload_deb: the same with what the pfkeyv2-dkms package installs
# (tests/vm/run.sh takes both from the .deb of `make deb`): its module,
# built from the package's /usr/src tree as dkms.conf says, where DKMS
# puts it (updates/dkms), and the package's modprobe.d file. The module
# socket(PF_KEY) loads is the package's (its version, not this suite's
# debug build); `modprobe af_key` is refused.
autoload_deb() {
	kv=$(uname -r)
	[ -f /deb/pfkeyv2.ko ] && [ -f /deb/pfkeyv2-dkms.conf ] || { echo "no package files in the initramfs"; return 1; }
	[ -x /bin/kmod ] || { echo "no kmod in the initramfs"; return 1; }
	grep -q '^pfkeyv2 \|^af_key ' /proc/modules && return 1
	mkdir -p /lib/modules/$kv/updates/dkms /lib/modules/$kv/kernel/net/key /etc/modprobe.d /sbin
	cp /deb/pfkeyv2.ko /lib/modules/$kv/updates/dkms/ && cp $ko/af_key.ko /lib/modules/$kv/kernel/net/key/ || return 1
	ln -sf /bin/kmod /sbin/modprobe && ln -sf /bin/kmod /sbin/depmod || return 1
	/sbin/depmod -a "$kv" || return 1
	cp /deb/pfkeyv2-dkms.conf /etc/modprobe.d/pfkeyv2-dkms.conf || return 1
	/sbin/modprobe --show-depends net-pf-15
	keysh --backend kernel -D > /tmp/al.out 2>&1
	cat /tmp/al.out
	grep -q '^No SAD entries.$' /tmp/al.out || return 1
	grep '^pfkeyv2 \|^af_key ' /proc/modules
	grep -q '^pfkeyv2 ' /proc/modules && ! grep -q '^af_key ' /proc/modules || return 1
	echo "pfkeyv2 version $(cat /sys/module/pfkeyv2/version), package $debver"
	[ -n "$debver" ] && [ "$(cat /sys/module/pfkeyv2/version)" = "$debver" ] || return 1
	rmmod pfkeyv2 || return 1
	if /sbin/modprobe af_key 2>/dev/null; then echo "modprobe af_key was not refused"; return 1; fi
	! grep -q '^af_key ' /proc/modules
}

kfuzz() { # mutated corpus messages for keysh.fuzz seconds; a bug kills the VM
	/bin/kfuzz "$fuzz_s" "$(date +%s)" /tmp/corpus.* || return 1
	[ -r /proc/net/pfkeyv2 ] && ! proc_has sas 0 && { cat /proc/net/pfkeyv2; return 1; }
	return 0
}

bats_kernel() { # keysh's bats suite (tests/bats) against the kernel's PF_KEY
	[ -x /usr/bin/bats ] || { echo "bats not in the initramfs"; return 77; }
	[ -x /bin/keysh ] || { echo "no keysh in the initramfs"; return 77; }
	# Two halves at once, the second in a network namespace of its own
	# (its own SADB/SPD in af_key and pfkeyv2 alike): bats, bash and jq
	# are slow under TCG and the VM has two CPUs.
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
	KEYSH_BUILD=/bin KEYSH_BACKEND=kernel bats --tap "$@" \
		> "$out" 2>&1
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
	echo "bats: $(grep -c '^ok' /tmp/bats.tap) ok ($(grep -c '^ok .* # skip' /tmp/bats.tap)" \
		"skipped), $(grep -c '^not ok' /tmp/bats.tap) not ok in $(($(date +%s) - s0)) s"
	keysh --backend kernel 'flush; spdflush;' || return 1
	[ "$(cat /tmp/bats.a.tap.rc /tmp/bats.b.tap.rc)" = "0
0" ] && ! grep -q '^not ok' /tmp/bats.tap && grep -q '^ok' /tmp/bats.tap
}

keysh_stress() { # 4 keysh writers x N/4 SAs, keysh -D loop and keysh -x meanwhile
	[ -x /bin/keysh ] || { echo "no keysh in the initramfs"; return 77; }
	q=$((stress_n / 4))
	for w in 0 1 2 3; do gen_setkey "$q" $((w * q)) > /tmp/ks.$w; done
	rm -f /tmp/ks.done /tmp/ks.err
	keysh --backend kernel -x > /tmp/ks.mon 2>&1 &
	mon=$!
	( while [ ! -e /tmp/ks.done ]; do
		keysh --backend kernel -D > /dev/null 2>> /tmp/ks.err || echo "dump failed" >> /tmp/ks.err
		sleep 1
	done ) &
	dl=$!
	s0=$(date +%s)
	pids=
	for w in 0 1 2 3; do
		keysh --backend kernel -f /tmp/ks.$w > /tmp/ks.out.$w 2>&1 &
		pids="$pids $!"
	done
	rc=0
	for p in $pids; do wait "$p" || rc=1; done
	touch /tmp/ks.done
	wait "$dl"
	kill "$mon"
	echo "keysh stress: $((q * 4)) SAs by 4 keysh writers in $(($(date +%s) - s0)) s," \
		"monitor printed $(wc -l < /tmp/ks.mon) lines"
	cat /proc/net/pfkeyv2
	[ "$rc" = 0 ] || { grep -h -c . /tmp/ks.out.*; tail -n 2 /tmp/ks.out.*; ks_missing; ks_clean; return 1; }
	[ -s /tmp/ks.err ] && { cat /tmp/ks.err; ks_clean; return 1; }
	proc_has sas $((q * 4)) || { ks_clean; return 1; }
	listed=$(keysh --backend kernel -D | grep -c '^	esp mode=')
	echo "keysh -D lists $listed SAs"
	[ "$listed" = $((q * 4)) ] && ks_clean
}

ks_missing() { # which SPIs of the keysh stress are not in the SADB, and what keysh said
	keysh --backend kernel -D | sed -n 's/.*spi=\([0-9]*\)(.*/\1/p' | sort -n > /tmp/ks.have
	seq 65536 $((65536 + stress_n / 4 * 4 - 1)) > /tmp/ks.want
	for spi in $(awk 'NR == FNR { h[$1] = 1; next } !($1 in h)' /tmp/ks.have /tmp/ks.want |
			head -n 8); do
		hex=$(printf '0x%x' "$spi")
		echo "missing SPI $hex:"
		grep -h "esp $hex:" /tmp/ks.out.* | head -n 2
		dmesg | grep -i pfkeyv2 | tail -n 3
	done
}

ks_clean() { # leave the SADB empty for the next test
	keysh --backend kernel -F && proc_has sas 0
}

lifecycle_paired() { # every pfkm_net created (pr_debug, DEBUG build) was destroyed
	c=$(dmesg | grep -c 'pfkeyv2: net .* created')
	d=$(dmesg | grep -c 'pfkeyv2: net .* destroyed')
	echo "pfkm_net: $c created, $d destroyed"
	[ "$c" -gt 0 ] && [ "$c" = "$d" ]
}

stress() { # N SAs from 4 writers with a concurrent dumper and monitor
	s0=$(date +%s)
	/bin/stress "$stress_n" 4
	rc=$?
	echo "stress: $stress_n SAs in $(($(date +%s) - s0)) s"
	return $rc
}

gen_setkey() { # N [FIRST]: N ESP SAs (numbered from FIRST) as a setkey/keysh script
	awk -v n="$1" -v f="${2:-0}" 'BEGIN { for (i = f; i < f + n; i++)
		printf "add 10.%d.%d.1 10.%d.%d.2 esp 0x%x -m transport -E aes-cbc 0x00112233445566778899aabbccddeeff -A hmac-sha1 0x00112233445566778899aabbccddeeff00112233;\n",
			i / 250 % 250, i % 250, i / 250 % 250, i % 250, 65536 + i }'
}

gen_ip() { # N: the same SAs as an `ip -batch` file
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "xfrm state add src 10.%d.%d.1 dst 10.%d.%d.2 proto esp spi 0x%x mode transport enc cbc(aes) 0x00112233445566778899aabbccddeeff auth-trunc hmac(sha1) 0x00112233445566778899aabbccddeeff00112233 96\n",
			i / 250 % 250, i % 250, i / 250 % 250, i % 250, 65536 + i }'
}

xfrm_count() { # SAs in the XFRM SADB (af_key installs there)
	/bin/iproute2-ip xfrm state count | sed -n 's/.*count \([0-9]*\).*/\1/p'
}

bench() { # keysh batch install into af_key, xfrm (ip -batch), pfkeyv2
	for n in $bench_sizes; do
		gen_setkey "$n" > /tmp/sa.$n
		gen_ip "$n" > /tmp/ip.$n
	done
	for n in $bench_sizes; do
		r=0
		while [ $r -lt "$bench_rounds" ]; do
			r=$((r + 1))
			# the two PF_KEY modules take turns going first: whatever
			# one run leaves behind (xfrm's deferred state GC, grown
			# caches) falls on each of them equally
			order="af_key pfkeyv2 ip"
			[ $((r % 2)) = 0 ] && order="pfkeyv2 af_key ip"
			for m in $order; do
				bench_one "$m" "$n" || return 1
			done
		done
	done
	insmod $ko/pfkeyv2.ko || return 1
	bench_tcp || return 1
	rmmod pfkeyv2
}

bench_one() { # af_key|pfkeyv2|ip N: install N SAs, check, dump (PF_KEY), flush
	if [ "$1" = ip ]; then
		timeit xfrm-ip-batch-$2 /bin/iproute2-ip -batch /tmp/ip.$2 || return 1
		[ "$(xfrm_count)" = "$2" ] || { echo "ip -batch: xfrm holds $(xfrm_count) SAs"; return 1; }
		/bin/iproute2-ip xfrm state flush
		return
	fi
	tag=$(echo "$1" | tr -d _)
	insmod $ko/$1.ko || return 1
	timeit $tag-keysh-$2 keysh --backend kernel -f /tmp/sa.$2 || return 1
	[ "$(xfrm_count)" = "$2" ] || { echo "$1: xfrm holds $(xfrm_count) SAs"; return 1; }
	timeit $tag-dump-$2 sh -c "keysh --backend kernel -D > /tmp/dump.$2" || return 1
	[ "$(grep -c '^10\.' /tmp/dump.$2)" = "$2" ] || { echo "$1: dump short"; return 1; }
	keysh --backend kernel -F || return 1
	[ "$(xfrm_count)" = 0 ] || { echo "$1: flush left $(xfrm_count) SAs"; return 1; }
	rmmod "$1"
}

# bench_tcp: one TCP flow (32 MiB, dptcp) over ESP AES-GCM-16 transport
# between two namespaces, the same SAs and policies keyed in namespace a
# through PF_KEY (keysh -> pfkeyv2) or by ip xfrm, alternating, 7 runs
# each: BENCH tcp-gcm-pfkeyv2 / tcp-gcm-ip-xfrm lines (ms) for run.sh.
bench_tcp() {
	ipx=/bin/iproute2-ip
	mkdir -p /run/netns
	$ipx netns add ba && $ipx netns add bb || return 1
	$ipx link add va netns ba type veth peer name vb netns bb || return 1
	$ipx -n ba addr add 10.7.0.1/24 dev va && $ipx -n bb addr add 10.7.0.2/24 dev vb || return 1
	for l in "ba va" "ba lo" "bb vb" "bb lo"; do set -- $l; $ipx -n "$1" link set "$2" up; done
	k=0x11111111111111111111111111111111aabbccdd x="aead rfc4106(gcm(aes)) $k 128"
	for a in "10.7.0.1 10.7.0.2 0x1001" "10.7.0.2 10.7.0.1 0x2002"; do
		set -- $a
		$ipx -n bb xfrm state add src "$1" dst "$2" proto esp spi "$3" mode transport $x || return 1
	done
	$ipx -n bb xfrm policy add src 10.7.0.2/32 dst 10.7.0.1/32 dir out tmpl proto esp mode transport &&
	$ipx -n bb xfrm policy add src 10.7.0.1/32 dst 10.7.0.2/32 dir in tmpl proto esp mode transport ||
		return 1
	for i in 1 2 3 4 5 6 7; do
		for how in pfkeyv2 ip-xfrm; do
			$ipx -n ba xfrm state flush; $ipx -n ba xfrm policy flush
			if [ $how = pfkeyv2 ]; then
				printf '%s\n' "add 10.7.0.1 10.7.0.2 esp 0x1001 -m transport -E aes-gcm-16 $k;" \
					"add 10.7.0.2 10.7.0.1 esp 0x2002 -m transport -E aes-gcm-16 $k;" \
					"spdadd 10.7.0.1 10.7.0.2 any -P out ipsec esp/transport//require;" \
					"spdadd 10.7.0.2 10.7.0.1 any -P in ipsec esp/transport//require;" > /tmp/tk.conf
				$ipx netns exec ba keysh --backend kernel -f /tmp/tk.conf || return 1
			else
				for a in "10.7.0.1 10.7.0.2 0x1001" "10.7.0.2 10.7.0.1 0x2002"; do
					set -- $a
					$ipx -n ba xfrm state add src "$1" dst "$2" proto esp spi "$3" \
						mode transport $x || return 1
				done
				$ipx -n ba xfrm policy add src 10.7.0.1/32 dst 10.7.0.2/32 dir out \
					tmpl proto esp mode transport &&
				$ipx -n ba xfrm policy add src 10.7.0.2/32 dst 10.7.0.1/32 dir in \
					tmpl proto esp mode transport || return 1
			fi
			$ipx netns exec bb /bin/dptcp recv 9000 60 > /tmp/tr 2>&1 & rp=$!
			sleep 1
			$ipx netns exec ba timeit tcp-gcm-$how /bin/dptcp send 10.7.0.2 9000 33554432 \
				> /tmp/ts 2>&1
			wait $rp
			grep '^BENCH' /tmp/ts
			grep -q '^bytes 33554432 ' /tmp/tr || { cat /tmp/ts /tmp/tr; return 1; }
		done
	done
	$ipx netns del ba; $ipx netns del bb
}

case "$mode" in
bench)
	t bench bench
	;;
afkey)
	t insmod-af_key insmod $ko/af_key.ko
	t corpus-afkey corpus afkey
	t keysh-afkey keysh_smoke afkey
	t bats-keysh-afkey bats_kernel
	t stress-afkey stress
	t kfuzz-afkey kfuzz
	;;
pfkeyv2)
	t af_key-refused af_key_refused
	t insmod-pfkeyv2 insmod $ko/pfkeyv2.ko
	t selftests selftests
	t proc-net-pfkeyv2 test -r /proc/net/pfkeyv2
	t corpus-pfkeyv2 corpus pfkeyv2
	t keysh-pfkeyv2 keysh_smoke pfkeyv2
	[ -x /bin/driver ] && t driver driver
	t bats-keysh bats_kernel
	t live-state live_state
	t unload-reload reload
	t corpus-after-reload corpus pfkeyv2-reload
	t live-state-final live_state
	t unload-reload-2 reload
	t stress stress
	t unload-reload-stress-state reload
	t keysh-stress keysh_stress
	t netns-isolation netns_isolation
	t limits-userns limits
	t kfuzz kfuzz
	t unload-after-fuzz rmmod pfkeyv2
	t reload-after-fuzz insmod $ko/pfkeyv2.ko
	t unload-final rmmod pfkeyv2
	t autoload-socket-pf_key autoload
	grep -q '^pfkeyv2 ' /proc/modules && rmmod pfkeyv2
	sleep 1	# namespaces are torn down by a kernel worker
	t lifecycle-paired lifecycle_paired
	;;
deb)
	t autoload-deb-package autoload_deb
	;;
*)
	echo "suite: unknown mode '$mode'"
	fail=1
	;;
esac
t kernel-log-clean kmsg_clean
dmesg | tail -n 30
echo "VMTEST summary $mode: $pass passed, $fail failed"
[ "$fail" = 0 ]
