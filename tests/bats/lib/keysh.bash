# SPDX-License-Identifier: BSD-2-Clause
# keysh.bash: bats helpers for testing IPsec setups made with keysh.
# Installed as $(DATADIR)/keysh/bats/keysh.bash; keysh's own suite uses it.
#
#   load /usr/local/share/keysh/bats/keysh.bash
#   setup()    { keysh_start_keyd; }
#   teardown() { keysh_stop_keyd; }
#   @test "my tunnel" {
#       keysh_cmd -f my-setup.conf
#       assert_sa_exists 10.0.0.1 10.0.0.2 esp 0x1000 mode=tunnel enc_name=aes-gcm-16
#       assert_policy_exists 10.1.0.0/24 10.2.0.0/24 out action=ipsec
#       [ "$(keysh_count_sa esp)" -eq 2 ]
#   }
#
# Binaries: $KEYSH / $KEYD when set, else $KEYSH_BUILD/{keysh,keyd} when
# KEYSH_BUILD is set (keysh's own tree), else keysh / keyd from $PATH.
# Needs jq for the assertions (addresses are compared canonically: with
# perl's inet_pton/inet_ntop where perl exists, else in bash).
#
# KEYSH_BACKEND=kernel: the same tests against the running kernel's PF_KEY
# (Linux af_key or pfkeyv2.ko) instead of a private keyd. There is one SADB
# and SPD per network namespace, so keysh_start_keyd flushes both instead of
# starting keyd (keysh_stop_keyd does nothing: the next test flushes, and
# whoever runs the suite flushes after it); KEYSH_SOCKET names a socket
# nobody listens on and keysh_cmd takes --backend pfkey. A test
# of something only keyd has calls keysh_skip_kernel REASON; a test of an
# improvement Linux af_key cannot do calls keysh_skip_afkey REASON.
# KEYSH_BACKEND=xfrm: kernel mode over XFRM netlink (keysh --backend xfrm,
# the PF_KEY engine in process on the kernel's xfrm): keysh_kernel is true,
# keysh_kernel_impl says xfrm; a test netlink cannot apply to calls
# keysh_skip_xfrm REASON.

keysh__bin() { # name
	local up
	up=$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')
	if [ -n "${!up:-}" ]; then
		printf '%s\n' "${!up}"
	elif [ -n "${KEYSH_BUILD:-}" ]; then
		printf '%s\n' "$KEYSH_BUILD/$1"
	else
		command -v "$1"
	fi
}

keysh__fail() {
	printf '%s\n' "$*" >&2
	return 1
}

keysh_kernel() { [ "${KEYSH_BACKEND:-}" = kernel ] || [ "${KEYSH_BACKEND:-}" = xfrm ]; }
keysh_xfrm() { [ "${KEYSH_BACKEND:-}" = xfrm ]; }

# keysh's --backend for the kernel's tables in kernel mode: pfkey or xfrm.
keysh_kernel_backend() {
	if keysh_xfrm; then echo xfrm; else echo pfkey; fi
}

# Which kernel interface answers: xfrm (netlink, KEYSH_BACKEND=xfrm), else
# the PF_KEY: pfkeyv2 (our module), afkey (Linux) or none.
keysh_kernel_impl() {
	if keysh_xfrm; then
		echo xfrm
	elif [ -e /proc/net/pfkeyv2 ]; then
		echo pfkeyv2
	elif [ -e /proc/net/pfkey ]; then
		echo afkey
	else
		echo none
	fi
}

# skip (bats) in kernel mode / on Linux af_key, saying why.
keysh_skip_kernel() {
	if keysh_kernel; then
		skip "keyd only: $*"
	fi
	return 0
}
keysh_skip_afkey() {
	if keysh_kernel && [ "$(keysh_kernel_impl)" = afkey ]; then
		skip "Linux af_key cannot: $*"
	fi
	return 0
}
keysh_skip_xfrm() {
	if keysh_xfrm; then
		skip "not over XFRM netlink: $*"
	fi
	return 0
}

# Empty the kernel's SADB and SPD (one keysh: each start costs, in a VM).
keysh_flush_kernel() {
	local keysh
	keysh=$(keysh__bin keysh) || keysh__fail "keysh not found" || return 1
	"$keysh" --backend "$(keysh_kernel_backend)" 'flush; spdflush;' ||
		keysh__fail "cannot flush the kernel's SADB/SPD"
}

# Start a private keyd for this test; sets KEYSH_SOCKET and KEYD_PID. In
# kernel mode: flush the kernel's tables instead.
keysh_start_keyd() {
	local dir=${BATS_TEST_TMPDIR:-$(mktemp -d)} keyd i
	if keysh_kernel; then
		export KEYSH_SOCKET="$dir/no-keyd.sock"
		KEYD_PID=
		keysh_flush_kernel
		return
	fi
	keyd=$(keysh__bin keyd) || keysh__fail "keyd not found" || return 1
	export KEYSH_SOCKET="$dir/keyd.sock"
	rm -f "$KEYSH_SOCKET"
	"$keyd" --socket "$KEYSH_SOCKET" --foreground "$@" >"$dir/keyd.log" 2>&1 &
	KEYD_PID=$!
	# keyd renames each socket into place once it listens, the control
	# socket first: ready when both exist (10 s for loaded machines).
	for i in $(seq 1 1000); do
		[ -S "$KEYSH_SOCKET" ] && [ -S "$KEYSH_SOCKET.ctl" ] && return 0
		kill -0 "$KEYD_PID" 2>/dev/null || break
		sleep 0.01
	done
	cat "$dir/keyd.log" >&2
	keysh__fail "keyd did not start on $KEYSH_SOCKET"
}

keysh_stop_keyd() {
	if keysh_kernel; then
		return 0
	fi
	if [ -n "${KEYD_PID:-}" ]; then
		kill "$KEYD_PID" 2>/dev/null
		wait "$KEYD_PID" 2>/dev/null
		KEYD_PID=
	fi
	return 0
}

# keysh against the private keyd (the kernel's PF_KEY in kernel mode).
keysh_cmd() {
	if keysh_kernel; then
		"$(keysh__bin keysh)" --backend "$(keysh_kernel_backend)" "$@"
	else
		"$(keysh__bin keysh)" --socket "$KEYSH_SOCKET" "$@"
	fi
}

# The SADB / SPD as JSON lines.
keysh_sa_json() { keysh_cmd --json -D; }
keysh_policy_json() { keysh_cmd --json -D -P; }

# Number of SAs (of one protocol) / policies (of one direction).
keysh_count_sa() { # [proto]
	keysh_sa_json | jq -s --arg p "${1:-}" '[.[] | select($p == "" or .satype == $p)] | length'
}
keysh_count_policies() { # [dir]
	keysh_policy_json | jq -s --arg d "${1:-}" '[.[] | select($d == "" or .policy.dir == $d)] | length'
}

# Compare FIELD=VALUE pairs (jq paths below .sa / .policy) with one object.
# One jq for all of them: jq starts slowly (half a second in a TCG VM).
keysh__fields() { # json prefix field=value...
	local json=$1 prefix=$2 kv prog= got i=0
	local -a vals
	shift 2
	[ $# -gt 0 ] || return 0
	for kv in "$@"; do
		prog+="${prog:+, }($prefix.${kv%%=*} | if type == \"string\" then . else tojson end)"
	done
	mapfile -t vals < <(jq -r "$prog" <<<"$json")
	[ "${#vals[@]}" -eq $# ] ||
		keysh__fail "jq gave ${#vals[@]} values for $# fields: $prog" || return 1
	for kv in "$@"; do
		got=${vals[i]}
		i=$((i + 1))
		[ "$got" = "${kv#*=}" ] ||
			keysh__fail "$prefix.${kv%%=*} is '$got', expected '${kv#*=}'" || return 1
	done
}

# An address as keysh prints it (inet_pton, then inet_ntop), so
# 2001:DB8:0::1 and 2001:db8::1 compare equal: ADDR[%ZONE][/PLEN]. Text that
# is not an address comes back unchanged (and then matches nothing).
keysh__canon() { # addr
	if command -v perl >/dev/null 2>&1; then
		perl -MSocket=inet_pton,inet_ntop,AF_INET,AF_INET6 -e '
			my ($a, $p) = split m{/}, $ARGV[0], 2;
			my ($h, $z) = split /%/, $a, 2;
			for my $af (AF_INET, AF_INET6) {
				my $b = inet_pton($af, $h);
				if (defined $b) { $h = inet_ntop($af, $b); last; }
			}
			print $h, (defined $z ? "%$z" : ""), (defined $p ? "/$p" : ""), "\n";
		' "$1"
	else
		keysh__canon_sh "$1"
	fi
}

# The same in bash, for hosts without perl (the VM's initramfs): IPv6 in
# hex groups as inet_ntop prints it (lower case, no leading zeros, the
# longest run of two or more zero groups as ::, the first of equals);
# IPv4 and IPv6 with an embedded IPv4 part come back as given.
keysh__canon_sh() { # addr
	local a=$1 p="" z="" h head tail g i n best=-1 bestlen=0 run=-1 len=0 out=""
	local -a gs=() hg=() tg=()
	case $a in */*) p=/${a#*/}; a=${a%%/*} ;; esac
	case $a in *%*) z=%${a#*%}; a=${a%%\%*} ;; esac
	h=$a
	case $h in *:*) ;; *) echo "$h$z$p"; return ;; esac
	case $h in *.*) echo "$h$z$p"; return ;; esac
	case $h in *[!0-9a-fA-F:]*) echo "$h$z$p"; return ;; esac
	if [[ $h == *::* ]]; then
		head=${h%%::*} tail=${h#*::}
		[[ $tail == *::* ]] && { echo "$h$z$p"; return; }
		[ -n "$head" ] && IFS=: read -r -a hg <<< "$head"
		[ -n "$tail" ] && IFS=: read -r -a tg <<< "$tail"
		n=$((8 - ${#hg[@]} - ${#tg[@]}))
		[ "$n" -ge 1 ] || { echo "$h$z$p"; return; }
		gs=("${hg[@]}")
		for ((i = 0; i < n; i++)); do gs+=(0); done
		gs+=("${tg[@]}")
	else
		IFS=: read -r -a gs <<< "$h"
	fi
	[ "${#gs[@]}" -eq 8 ] || { echo "$h$z$p"; return; }
	for ((i = 0; i < 8; i++)); do
		g=${gs[i]}
		[ ${#g} -ge 1 ] && [ ${#g} -le 4 ] || { echo "$h$z$p"; return; }
		gs[i]=$(printf '%x' "0x$g")
	done
	for ((i = 0; i <= 8; i++)); do
		if [ "$i" -lt 8 ] && [ "${gs[i]}" = 0 ]; then
			[ "$run" -lt 0 ] && run=$i
			len=$((len + 1))
		else
			if [ "$len" -gt "$bestlen" ] && [ "$len" -ge 2 ]; then
				best=$run bestlen=$len
			fi
			run=-1 len=0
		fi
	done
	for ((i = 0; i < 8; i++)); do
		if [ "$i" = "$best" ]; then
			out+="::"
			i=$((i + bestlen - 1))
			continue
		fi
		case $out in ""|*:) out+=${gs[i]} ;; *) out+=":${gs[i]}" ;; esac
	done
	echo "$out$z$p"
}

# The policies SRC DST DIR selects, as JSON lines (selectors as ADDR for a
# host, ADDR/PLEN or the address with its full length).
keysh__policies() { # src dst dir
	local src dst
	src=$(keysh__canon "$1")
	dst=$(keysh__canon "$2")
	keysh_policy_json | jq -c --arg s "$src" --arg d "$dst" --arg dir "$3" '
		def sel(a): if (a.prefixlen == (if a.family == "inet" then 32 else 128 end))
			then a.addr else "\(a.addr)/\(a.prefixlen)" end;
		select(.policy.dir == $dir and
		       (sel(.policy.src) == $s or "\(.policy.src.addr)/\(.policy.src.prefixlen)" == $s) and
		       (sel(.policy.dst) == $d or "\(.policy.dst.addr)/\(.policy.dst.prefixlen)" == $d))'
}

# The SAs SRC DST PROTO SPI selects, as JSON lines.
keysh__sas() { # src dst proto spi
	local src dst spi=$(($4))
	src=$(keysh__canon "$1")
	dst=$(keysh__canon "$2")
	keysh_sa_json | jq -c --arg s "$src" --arg d "$dst" --arg p "$3" --argjson spi "$spi" \
		'select(.satype == $p and .sa.src.addr == $s and .sa.dst.addr == $d and .sa.spi == $spi)'
}

# assert_sa_exists SRC DST PROTO SPI [field=value...], e.g. mode=tunnel reqid=5
# enc_name=aes-cbc auth_name=hmac-sha256 enc_key.bits=256 state=mature
assert_sa_exists() {
	local src=$1 dst=$2 proto=$3 spi=$(($4)) json
	shift 4
	json=$(keysh__sas "$src" "$dst" "$proto" "$spi")
	[ -n "$json" ] || keysh__fail "no SA $src $dst $proto $(printf 0x%08x "$spi")" || return 1
	keysh__fields "$json" .sa "$@"
}

assert_sa_absent() {
	[ -z "$(keysh__sas "$1" "$2" "$3" "$4")" ] ||
		keysh__fail "SA $1 $2 $3 $(printf 0x%08x "$(($4))") exists"
}

# assert_policy_exists SRC[/PLEN] DST[/PLEN] DIR [field=value...], e.g.
# action=ipsec 'requests[0].mode=tunnel' upper_name=tcp
assert_policy_exists() {
	local src=$1 dst=$2 dir=$3 json
	shift 3
	json=$(keysh__policies "$src" "$dst" "$dir")
	[ -n "$json" ] || keysh__fail "no policy $src $dst $dir" || return 1
	keysh__fields "$(head -n1 <<<"$json")" .policy "$@"
}

# assert_policy_absent SRC[/PLEN] DST[/PLEN] DIR
assert_policy_absent() {
	[ -z "$(keysh__policies "$1" "$2" "$3")" ] || keysh__fail "policy $1 $2 $3 exists"
}
