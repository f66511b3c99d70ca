#!/bin/sh
# check_error.sh MMSIM FILE.mms - run an error scenario and compare.
#
# FILE.expected beside FILE.mms holds the exit status on its first line and
# the exact standard error after it. The scenario runs from the repository
# root under its relative path (tests/scenarios/errors/NAME.mms), so that
# the file name in "FILE:LINE:COL: error: ..." is the same on every machine.
set -u
if [ $# -ne 2 ]; then
	echo "usage: check_error.sh MMSIM FILE.mms" >&2
	exit 2
fi
mmsim=$1
file=$2
case $mmsim in /*) ;; *) mmsim=$(pwd)/$mmsim ;; esac
case $file in /*) ;; *) file=$(pwd)/$file ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
rel=${file#"$root"/}
expected=${file%.mms}.expected
if [ ! -f "$expected" ]; then
	echo "check_error: missing $expected" >&2
	exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$root" || exit 1
"$mmsim" run "$rel" >"$tmp/stdout" 2>"$tmp/stderr"
status=$?
want_status=$(head -n 1 "$expected")
tail -n +2 "$expected" >"$tmp/want"
fail=0
if [ "$status" != "$want_status" ]; then
	echo "check_error: $rel: exit status $status, expected $want_status"
	fail=1
fi
if ! diff -u "$tmp/want" "$tmp/stderr" >"$tmp/diff"; then
	echo "check_error: $rel: standard error differs (- expected, + got):"
	cat "$tmp/diff"
	fail=1
fi
exit $fail
