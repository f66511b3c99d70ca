# tlb_stride.mms - TLB hits and misses of a stride pattern, worked out from the
# default geometry (docs/mmu-tlb.md): L1d 4K 64 entries 4-way = 16 sets;
# L2 4K+2M 1536 entries 12-way = 128 sets; true LRU.
#
# 256 pages populated (populate faults them in without the MMU: nothing is
# cached), then read once per page, twice over:
#   pass 1: 256 misses (walks), no hit.
#   pass 2: L1d set s saw pages s, s+16, ..., s+240 and kept the last 4, so
#     when page s comes again it is gone, and so is each later one (the 12
#     pages before it in its set pushed it out): 0 L1d hits. The L2 holds
#     256 / 128 = 2 pages per set: all 256 hit there.
machine arch=x86_64 ram=128M
spawn A
mmap A 1M flags=private,populate -> $p
expect tlb.cpu0.misses == 0
touch A $p 1M r
expect tlb.cpu0.misses == 256
expect tlb.cpu0.hits == 0
touch A $p 1M r
expect tlb.cpu0.misses == 256
expect tlb.cpu0.l1d.hits == 0
expect tlb.cpu0.l2.hits == 256
expect tlb.cpu0.walks == 256
# 32 pages (2 per L1d set) stay in the L1d: a third pass over them all hits there.
touch A $p 128K r
touch A $p 128K r
expect tlb.cpu0.l1d.hits == 32
