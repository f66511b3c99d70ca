#!/bin/sh
# --version prints "mmsim VERSION", --help the usage; both exit 0.
. "$(dirname "$0")/common.inc"

"$MMSIM" --version >"$T/out" 2>"$T/err"
expect_status 0 $? "--version"
grep -qE '^mmsim [0-9]+\.[0-9]+\.[0-9]+$' "$T/out" || fail "--version printed: $(cat "$T/out")"

"$MMSIM" --help >"$T/out" 2>"$T/err"
expect_status 0 $? "--help"
expect_grep "usage: mmsim COMMAND" "$T/out" "--help"
for cmd in demo run shell bench; do
	expect_grep "mmsim $cmd" "$T/out" "--help lists $cmd"
done

"$MMSIM" >"$T/out" 2>"$T/err"
expect_status 2 $? "no arguments"
expect_grep "usage: mmsim" "$T/err" "no arguments"

"$MMSIM" run --help >"$T/out" 2>"$T/err"
expect_status 0 $? "run --help"
done_tests
