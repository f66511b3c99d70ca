#!/bin/sh
# Several files run in one machine, in order: variables and allocations
# carry over; a machine line in a later file is too late.
. "$(dirname "$0")/common.inc"

printf 'machine ram=64M cpus=2\nalloc_pages 2 -> $p\n' >"$T/a.mms"
printf 'expect $p != 0\nfree_pages $p 2\necho "freed"\n' >"$T/b.mms"
"$MMSIM" run "$T/a.mms" "$T/b.mms" >"$T/out" 2>"$T/err"
expect_status 0 $? "two files"
expect_grep "freed" "$T/out" "two files"

printf 'machine ram=256M\n' >"$T/c.mms"
"$MMSIM" run "$T/a.mms" "$T/c.mms" >"$T/out" 2>"$T/err"
expect_status 2 $? "machine in the second file"
expect_grep "$T/c.mms:1:1: error: machine: must come first, but a machine is already running (booted at $T/a.mms:1)" "$T/err" "machine in the second file"
done_tests
