# map_fixed_middle.mms - MAP_FIXED over the middle of a mapping leaves three
# VMAs; mprotect of the middle splits in three and mprotect back merges into
# one. spawn A has 4 VMAs (text, data, bss, stack).
machine arch=x86_64 ram=128M
spawn A
expect A.map_count == 4
mmap A 12K -> $p
expect $p == 0x7ffff7ffc000
expect A.map_count == 5
write A $p 12K fill=0x11

# A read-only page replaces the middle one: [rw][r][rw], and its old data is gone.
mmap A 4K addr=$p+4K prot=r flags=fixed
expect A.map_count == 7
verify A $p+4K 4K fill=0
verify A $p 4K fill=0x11
verify A $p+8K 4K fill=0x11
expect A.RssAnon == 4K+8K           # the argument page and the two kept pages

# mprotect of the middle back to rw: the three merge into one.
mprotect A $p+4K 4K rw
expect A.map_count == 5
# and mprotect of the middle splits it again.
mprotect A $p+4K 4K r
expect A.map_count == 7
mprotect A $p+4K 4K rw
expect A.map_count == 5
write A $p+4K "ok"
