#!/bin/sh
# A failing expect reports both values, the run goes on to the end, and the
# exit status is 1; every failure is reported.
. "$(dirname "$0")/common.inc"

cat >"$T/one.mms" <<'MMS'
alloc_pages 0 -> $p
expect $p == $p+1
echo "still running"
MMS
"$MMSIM" run "$T/one.mms" >"$T/out" 2>"$T/err"
expect_status 1 $? "one failing expect"
expect_grep "still running" "$T/out" "the run goes on after a failed expect"
# $p+1 is one more than $p: "(got P)" where the wanted value is P+1.
p=$(sed -n 's/.*expect failed: \$p == \([0-9]*\) (got \([0-9]*\))$/\1 \2/p' "$T/err")
[ -n "$p" ] || fail "no 'expect failed: \$p == N (got M)' line in: $(cat "$T/err")"
set -- $p
[ -n "${1:-}" ] && [ "$1" -eq $(($2 + 1)) ] || fail "wanted = got + 1, saw: $p"
expect_grep "$T/one.mms:2:8: expect failed:" "$T/err" "place of the failure"

# The machine's total memory is known to the view; MemTotal == 1 fails with
# the real value; then a second failure is reported too.
cat >"$T/two.mms" <<'MMS'
expect meminfo.MemTotal == 1
expect 2*3 == 7
expect 4K == 4096
expect 1 < 2
echo "end"
MMS
"$MMSIM" run "$T/two.mms" >"$T/out" 2>"$T/err"
expect_status 1 $? "two failing expects"
expect_grep "$T/two.mms:1:8: expect failed: meminfo.MemTotal == 1 (got " "$T/err" "first failure"
expect_grep "$T/two.mms:2:8: expect failed: 2*3 == 7 (got 6)" "$T/err" "second failure"
[ "$(grep -c 'expect failed' "$T/err")" = 2 ] || fail "expected exactly 2 failures: $(cat "$T/err")"
expect_grep "end" "$T/out" "two failures: the run reaches the end"

# An error after a failed expect: the error wins (exit 2) and stops the run.
printf 'expect 1 == 2\ntick 1Q\necho "not reached"\n' >"$T/three.mms"
"$MMSIM" run "$T/three.mms" >"$T/out" 2>"$T/err"
expect_status 2 $? "failure then error"
grep -q "not reached" "$T/out" && fail "the run went on after an error"
done_tests
