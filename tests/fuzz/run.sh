#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: `make fuzz`. Builds every tests/fuzz/fuzz_<name>.c as a libFuzzer
# target (clang -fsanitize=fuzzer,address,undefined) together with the
# userspace sources it needs, then runs each for $1 seconds (default 60)
# starting from tests/fuzz/corpus/<name>/. A finding fails the run.
# FUZZ_ONLY="dp dpio" runs only the targets named.
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-60}
out=build-fuzz
mkdir -p "$out"
sh tests/deps.sh fuzz
CC=${FUZZ_CC:-clang}
FLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -Ikmod/core -Isrc/lib"
core=$(ls kmod/core/*.c)
lib=$(ls src/lib/*.c)
xfrm=$(ls src/xfrm/*.c)
status=0
for f in tests/fuzz/fuzz_*.c; do
	name=$(basename "$f" .c); name=${name#fuzz_}
	# FUZZ_ONLY="dp dpio": just those targets
	case " ${FUZZ_ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
	# A target declares what it links in its first lines: "// fuzz-links: core lib walker frame msg"
	# (msg: tests/lib/msg.c, the raw PF_KEY message builder of every test)
	links=$(sed -n 's|^// fuzz-links: *||p' "$f" | head -n1)
	srcs=""
	for l in $links; do
		case "$l" in
		core) srcs="$srcs $core" ;;
		# libpfkey runs the core's engine on the netlink store in process
		lib) srcs="$srcs $lib $core $xfrm" ;;
		walker) srcs="$srcs kmod/core/walker.c kmod/core/alg.c" ;;
		msg) srcs="$srcs tests/lib/msg.c" ;;
		frame) srcs="$srcs src/engine/dp_frame.c" ;;
		esac
	done
	srcs=$(printf '%s\n' $srcs | sort -u)
	echo "fuzz: building $name"
	if ! $CC $FLAGS -o "$out/$name" "$f" $srcs -lmnl -lcrypto -lpthread; then
		echo "fuzz: $name does not build"; status=1; continue
	fi
	mkdir -p "tests/fuzz/corpus/$name" "$out/corpus-$name"
	echo "fuzz: running $name for ${secs}s"
	if ! "$out/$name" -max_total_time="$secs" -print_final_stats=0 \
		-artifact_prefix="$out/$name-" "$out/corpus-$name" "tests/fuzz/corpus/$name" \
		> "$out/$name.log" 2>&1; then
		tail -n 40 "$out/$name.log"; status=1
		echo "fuzz: $name FOUND A CRASH (see $out/$name.log)"
	else
		tail -n 2 "$out/$name.log"; echo "fuzz: $name clean"
	fi
done
exit $status
