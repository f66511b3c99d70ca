#!/bin/sh
# `mmsim shell` from a pipe: no prompts; errors are printed and the shell
# goes on; `help` lists every command; `quit` leaves.
. "$(dirname "$0")/common.inc"

printf 'help\nhelp alloc_pages\nfrobnicate\ntick 1Q\necho "after errors"\nquit\necho "after quit"\n' |
	"$MMSIM" shell >"$T/out" 2>"$T/err"
expect_status 0 $? "shell"
for cmd in machine sysctl alloc_pages free_pages tick echo set show expect help; do
	grep -qE "^  $cmd " "$T/out" || fail "help does not list $cmd"
done
expect_grep "usage: alloc_pages ORDER" "$T/out" "help alloc_pages"
expect_grep "<shell>:3:1: error: unknown command 'frobnicate'" "$T/err" "shell error"
expect_grep "<shell>:4:6: error: bad number '1Q'" "$T/err" "shell error 2"
expect_grep "after errors" "$T/out" "the shell goes on after errors"
grep -q "after quit" "$T/out" && fail "quit did not leave"

# A continued line in the shell.
printf 'echo "a" \\\n "b"\n' | "$MMSIM" shell >"$T/out" 2>"$T/err"
expect_grep "a b" "$T/out" "continuation in the shell"

# A failed expect makes the shell's status 1.
printf 'expect 1 == 2\n' | "$MMSIM" shell >"$T/out" 2>"$T/err"
expect_status 1 $? "shell with a failed expect"
done_tests
