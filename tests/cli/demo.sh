#!/bin/sh
# `mmsim demo` runs every chapter, each on its own machine, and every expect
# in it holds (exit 0); --list names the chapters; an unknown chapter is bad
# usage (exit 2).
. "$(dirname "$0")/common.inc"

"$MMSIM" demo >"$T/out" 2>"$T/err"
expect_status 0 $? "demo"
expect_grep "=== Chapter 1: Booting a machine" "$T/out" "demo boot chapter"
expect_grep "Memory: " "$T/out" "demo shows the boot log"
expect_grep "Node 0, zone    DMA32" "$T/out" "demo shows buddyinfo"
expect_grep "fork and copy-on-write" "$T/out" "demo has the fork chapter"
if grep -q "expect failed" "$T/out" "$T/err"; then
	fail "an expect failed in the demo: $(grep "expect failed" "$T/out" "$T/err" | head -3)"
fi

"$MMSIM" demo --list >"$T/out" 2>"$T/err"
expect_status 0 $? "demo --list"
expect_grep "boot" "$T/out" "demo --list"
expect_grep "fork-cow" "$T/out" "demo --list"

"$MMSIM" demo no-such-chapter >"$T/out" 2>"$T/err"
expect_status 2 $? "demo with an unknown chapter"
expect_grep "no chapter 'no-such-chapter'" "$T/err" "demo with an unknown chapter"
done_tests
