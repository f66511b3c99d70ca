#!/bin/sh
# Bad usage exits 2 with a message on stderr: an unknown subcommand, a
# missing scenario file, no file at all, an unknown option.
. "$(dirname "$0")/common.inc"

"$MMSIM" frobnicate >"$T/out" 2>"$T/err"
expect_status 2 $? "unknown subcommand"
expect_grep "unknown command 'frobnicate'" "$T/err" "unknown subcommand"

"$MMSIM" run "$T/does-not-exist.mms" >"$T/out" 2>"$T/err"
expect_status 2 $? "missing file"
expect_grep "cannot open '$T/does-not-exist.mms': No such file or directory" "$T/err" "missing file"

mkdir "$T/dir.mms"
"$MMSIM" run "$T/dir.mms" >"$T/out" 2>"$T/err"
expect_status 2 $? "a directory"
expect_grep "cannot open '$T/dir.mms': Is a directory" "$T/err" "a directory"

# Files are all opened before anything runs: nothing is printed.
printf 'echo "ran"\n' >"$T/a.mms"
"$MMSIM" run "$T/a.mms" "$T/missing.mms" >"$T/out" 2>"$T/err"
expect_status 2 $? "second file missing"
[ -s "$T/out" ] && fail "a file ran although another was missing"

"$MMSIM" run >"$T/out" 2>"$T/err"
expect_status 2 $? "run without files"
expect_grep "no scenario file" "$T/err" "run without files"

"$MMSIM" run --frob "$T/a.mms" >"$T/out" 2>"$T/err"
expect_status 2 $? "unknown option"

"$MMSIM" bench no-such-benchmark >"$T/out" 2>"$T/err"
expect_status 2 $? "unknown benchmark"
expect_grep "unknown benchmark 'no-such-benchmark'" "$T/err" "unknown benchmark"
done_tests
