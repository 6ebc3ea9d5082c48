#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# mkinitramfs.sh: build the VM suite's initramfs.
#   mkinitramfs.sh OUT.cpio.gz KVER MODULES -- FILE...
# MODULES: space-separated kernel module names; each is resolved on the host
#   with `modprobe -S KVER --show-depends` into its dependency chain, the .ko
#   (.xz/.zst decompressed here: busybox insmod takes plain ELF) copied to
#   /lib/modules/NAME.ko and its name appended to /lib/modules/order once.
#   A name written @NAME is resolved the same way, but the modules of its
#   chain that are not already in order go to /lib/modules/later instead:
#   /init does not insert those; a suite inserts them when it needs them
#   (netfilter and bridge for tests/vm/xfrm-nf.sh, kept out of other boots).
# FILE: SRC[:DST]; executables also get their shared libraries (ldd) copied;
#   a directory is copied whole.
#   DST defaults to /bin/$(basename SRC); a *.ko[.xz|.zst] FILE goes to
#   /lib/modules/extra/NAME.ko (decompressed) and is not inserted by /init:
#   /suite.sh inserts those itself (pfkeyv2.ko, af_key.ko).
set -eu
out=$1 kver=$2 mods=$3
shift 3
[ "${1:-}" = -- ] && shift
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"	# mktemp's 0700 would become /'s mode: no one but root could run anything
mkdir -p "$root/bin" "$root/lib/modules/extra" "$root/etc" "$root/tmp"
cp "$(command -v busybox)" "$root/bin/busybox"
if ldd "$root/bin/busybox" >/dev/null 2>&1; then
	echo "mkinitramfs: busybox must be static (install busybox-static)" >&2
	exit 1
fi
ln -s busybox "$root/bin/sh"
: > "$root/lib/modules/order"
: > "$root/lib/modules/later"

add_module() { # path name list
	dst="$root/lib/modules/$2.ko"
	[ -e "$dst" ] && return 0
	case "$1" in
	*.xz) xz -dc "$1" > "$dst" ;;
	*.zst) zstd -qdc "$1" > "$dst" ;;
	*.gz) gzip -dc "$1" > "$dst" ;;
	*) cp "$1" "$dst" ;;
	esac
	echo "$2" >> "$root/lib/modules/$3"
}
# the immediate modules first, so a later chain skips what /init inserts
for m in $(printf '%s\n' $mods | grep -v '^@') $(printf '%s\n' $mods | grep '^@'); do
	list=order
	case "$m" in @*) m=${m#@} list=later ;; esac
	deps=$(modprobe -S "$kver" --show-depends "$m") || { echo "mkinitramfs: no module $m for $kver" >&2; exit 1; }
	echo "$deps" | while read -r verb path _; do
		[ "$verb" = insmod ] || continue
		n=$(basename "$path"); n=${n%%.ko*}
		add_module "$path" "$n" "$list"
	done
done

add_libs() { # binary
	ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' |
	while read -r lib; do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
for f in "$@"; do
	src=${f%%:*} dst=
	case "$f" in *:*) dst=${f#*:} ;; esac
	if [ -z "$dst" ]; then
		case "$src" in
		*.ko|*.ko.*) dst=/lib/modules/extra/$(basename "$src") ;;
		*) dst=/bin/$(basename "$src") ;;
		esac
	fi
	mkdir -p "$root$(dirname "$dst")"
	if [ -d "$src" ]; then	# a directory tree (bats, its libraries, tests)
		cp -a "$src" "$root$dst"
		continue
	fi
	case "$src" in
	*.ko.xz) dst=${dst%.xz}; xz -dc "$src" > "$root$dst"; continue ;;
	*.ko.zst) dst=${dst%.zst}; zstd -qdc "$src" > "$root$dst"; continue ;;
	esac
	cp -L "$src" "$root$dst"
	[ -x "$src" ] && [ ! -d "$src" ] && add_libs "$src"
done
# glibc programs expect these.
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out"
