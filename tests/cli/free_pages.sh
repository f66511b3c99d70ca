#!/bin/sh
# free_pages refuses what alloc_pages did not hand out: a double free, a
# wrong order, a page inside a block. Each is an input error (exit 2) at
# the free_pages line. (The PFNs depend on the allocator, so the messages
# are matched without them.)
. "$(dirname "$0")/common.inc"

printf 'alloc_pages 2 -> $p\nfree_pages $p 2\nfree_pages $p 2\n' >"$T/double.mms"
"$MMSIM" run "$T/double.mms" >"$T/out" 2>"$T/err"
expect_status 2 $? "double free"
expect_grep "double.mms:3:12: error: free_pages: pfn 0x" "$T/err" "double free place"
expect_grep "is not an allocated block of order 2 (it was freed at line 2: a double free)" "$T/err" "double free"

printf 'alloc_pages 2 -> $p\nfree_pages $p 1\n' >"$T/order.mms"
"$MMSIM" run "$T/order.mms" >"$T/out" 2>"$T/err"
expect_status 2 $? "wrong order"
expect_grep "order.mms:2:15: error: free_pages: pfn 0x" "$T/err" "wrong order place"
expect_grep "is not an allocated block of order 1 (alloc_pages gave it order 2)" "$T/err" "wrong order"

printf 'alloc_pages 2 -> $p\nfree_pages $p+1 0\n' >"$T/inside.mms"
"$MMSIM" run "$T/inside.mms" >"$T/out" 2>"$T/err"
expect_status 2 $? "inside a block"
expect_grep "(it is inside the order-2 block at pfn 0x" "$T/err" "inside a block"

# The allocation itself prints its result; a good free is silent.
printf 'alloc_pages 3 -> $p\nfree_pages $p 3\nalloc_pages 3 -> $q\nfree_pages $q 3\n' >"$T/ok.mms"
"$MMSIM" run "$T/ok.mms" >"$T/out" 2>"$T/err"
expect_status 0 $? "alloc and free"
expect_grep "alloc_pages: order 3 -> pfn 0x" "$T/out" "alloc_pages output"
[ "$(grep -c alloc_pages "$T/out")" = 2 ] || fail "expected two alloc_pages lines: $(cat "$T/out")"
done_tests
