#!/bin/sh
# alloc_pages: the result is the first PFN; a failed allocation prints
# "order N failed", stores -1 and is not an error (exit 0).
. "$(dirname "$0")/common.inc"

# 40 blocks of 4M cannot fit in 32M of RAM: the last ones fail.
{
	echo "machine ram=32M"
	i=0
	while [ $i -lt 40 ]; do
		echo 'alloc_pages 10 -> $p'
		i=$((i + 1))
	done
	echo 'expect $p == -1'
	echo 'echo "p=$p"'
} >"$T/oom.mms"
"$MMSIM" run "$T/oom.mms" >"$T/out" 2>"$T/err"
expect_status 0 $? "allocation failure"
expect_grep "alloc_pages: order 10 failed" "$T/out" "allocation failure message"
expect_grep "p=-1" "$T/out" "the failed result is -1"
[ -s "$T/err" ] && fail "allocation failure wrote to stderr: $(cat "$T/err")"

# The result is the PFN: its physical address is PFN * 4K, printed alike.
printf 'alloc_pages 0 gfp=GFP_DMA -> $p\necho "pfn=$p"\nexpect $p > 0\nexpect $p < 4096\n' >"$T/dma.mms"
"$MMSIM" run "$T/dma.mms" >"$T/out" 2>"$T/err"
expect_status 0 $? "GFP_DMA"
expect_grep "zone DMA)" "$T/out" "GFP_DMA comes from ZONE_DMA"
pfn=$(sed -n 's/^pfn=\(0x[0-9a-f]*\)$/\1/p' "$T/out")
pa=$(sed -n 's/.*(pa \(0x[0-9a-f]*\), zone.*/\1/p' "$T/out")
[ -n "$pfn" ] && [ $((pfn * 4096)) -eq $((pa)) ] || fail "pa $pa is not pfn $pfn * 4096"

# A toy machine with 64-byte pages allocates too; its pages are 64 bytes.
# PFN 0 is a real page there (nothing is reserved), hence -1 for failure.
printf 'machine arch=toy page=64\nalloc_pages 1 -> $p\nexpect $p >= 0\nexpect 2p == 128\nfree_pages $p 1\n' >"$T/toy.mms"
"$MMSIM" run "$T/toy.mms" >"$T/out" 2>"$T/err"
expect_status 0 $? "toy machine"
done_tests
