#!/bin/bash
# run-fuzz.sh SECONDS [HARNESS...] - build the libFuzzer harnesses with clang
# (ASan + UBSan + libFuzzer) and run each for SECONDS on its corpus.  New
# inputs go to a scratch copy; crashes are left in $OUT as crash-* files and
# make the run fail.  Used by `make fuzz` and CI.
set -euo pipefail
secs=${1:-30}
shift || true
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${HWE_TOP_BUILDDIR:-$PWD}
OUT=${FUZZ_OUT:-$build/fuzz-out}
CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null || { echo "run-fuzz: $CC not found" >&2; exit 77; }
mkdir -p "$OUT/obj"
pkgs="libcrypto libssl libcurl tss2-esys tss2-tctildr tss2-rc p11-kit-1"
flags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -I$build -I$src/lib -I$src/providers/common -I$src/providers/tpm2-wrap -I$src/tcti -DHWE_PKGLIBDIR=\"/nonexistent\" $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs)"
# the same sources as lib/libhwe.la
lib_srcs=$(sed -n '/^lib_libhwe_la_SOURCES/,/^[^\t]/p' "$src/lib/local.mk" | grep -oE '(lib|providers/[a-z0-9-]*)/[a-z0-9-]*\.c')
objs=()
for f in $lib_srcs; do
	o=$OUT/obj/$(basename "${f%.c}").o
	$CC $flags -c "$src/$f" -o "$o"
	objs+=("$o")
done
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=($(cd "$src/test/fuzz" && ls fuzz-*.c | sed 's/^fuzz-//; s/\.c$//'))
status=0
printf '%-14s %12s %10s %s\n' harness execs corpus result
for h in "${harnesses[@]}"; do
	bin=$OUT/fuzz-$h
	$CC $flags -fsanitize=fuzzer "$src/test/fuzz/fuzz-$h.c" "${objs[@]}" $libs -o "$bin"
	work=$OUT/corpus-$h
	mkdir -p "$work"
	[ -d "$src/test/fuzz/corpus/$h" ] && cp -n "$src/test/fuzz/corpus/$h"/* "$work"/ 2>/dev/null || true
	set +e
	(cd "$OUT" && "$bin" -max_total_time="$secs" -print_final_stats=1 -max_len=65536 "$work" >"$OUT/$h.log" 2>&1)
	rc=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$h.log" | tail -1)
	res=ok
	[ $rc -eq 0 ] || { res="FAILED (see $OUT/$h.log)"; status=1; }
	printf '%-14s %12s %10s %s\n' "$h" "${execs:-?}" "$(ls "$work" | wc -l)" "$res"
done
exit $status
