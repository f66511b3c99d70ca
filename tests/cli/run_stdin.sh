#!/bin/sh
# `run -` reads the scenario from standard input, named "<stdin>" in messages.
. "$(dirname "$0")/common.inc"

printf 'echo "from stdin"\nalloc_pages 0 -> $p\nexpect $p != 0\n' | "$MMSIM" run - >"$T/out" 2>"$T/err"
expect_status 0 $? "run -"
expect_grep "from stdin" "$T/out" "run -"
[ -s "$T/err" ] && fail "run - wrote to stderr: $(cat "$T/err")"

printf '\n# comment\ntick 12Q\n' | "$MMSIM" run - >"$T/out" 2>"$T/err"
expect_status 2 $? "error on stdin"
printf '%s\n' "<stdin>:3:6: error: bad number '12Q' (numbers: 42, 0x2a, with a suffix K M G T, or p for pages)" >"$T/want"
expect_same "$T/want" "$T/err" "stdin error message"
done_tests
