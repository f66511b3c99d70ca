# brk.mms - the heap grows and shrinks with brk. spawn A: text 64K at
# 0x400000, data 16K at 0x410000, bss 8K at 0x414000, start_brk 0x416000.
machine arch=x86_64 ram=128M
spawn A
expect A.start_brk == 0x416000
expect A.brk == 0x416000
expect A.map_count == 4

brk A +64K -> $b
expect $b == 0x426000
expect A.map_count == 5               # [heap] 0x416000-0x426000
expect A.VmData == 16K+8K+64K
touch A 0x416000 64K w
expect A.RssAnon == 4K+64K

# brk to an unaligned address: the VMA ends at the next page boundary.
brk A 0x41e123 -> $b
expect $b == 0x41e123
expect A.VmData == 16K+8K+36K     # the heap is 0x416000-0x41f000
expect A.RssAnon == 4K+36K          # pages past the new end were freed
# Below start_brk: refused, the old break is returned.
brk A 0x400000 -> $b
expect $b == 0x41e123
# Shrink to nothing: the heap VMA goes.
brk A 0x416000 -> $b
expect $b == 0x416000
expect A.map_count == 4
expect A.RssAnon == 4K
# An access there now is a SIGSEGV.
read A 0x416000 1
expect A.state == killed:segv
