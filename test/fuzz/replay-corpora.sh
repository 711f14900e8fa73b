#!/bin/bash
# Replay every committed fuzz corpus input through its harness (built with
# the normal compiler): seeds and past crashes stay fixed.
set -eu
src=${HWE_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${HWE_TOP_BUILDDIR:-$PWD}
for c in "$src"/test/fuzz/corpus/*/; do
	h=$(basename "$c")
	bin=$build/test/fuzz/replay-$h
	[ -x "$bin" ] || { echo "no replay program for corpus $h" >&2; exit 1; }
	"$bin" "$c" >/dev/null || { echo "FAIL: corpus $h" >&2; exit 1; }
	echo "corpus $h: $(ls "$c" | wc -l) inputs ok"
done
