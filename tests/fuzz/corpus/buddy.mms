# buddy.mms - the buddy allocator splitting and merging blocks, worked by hand.
#
# x86_64 with 128M: the DMA32 zone spans PFNs 0x1000-0x7fff (16M-128M).
# memblock reserved in it, top-down, before the buddy allocator took over:
#   0x1000-0x1fff  the kernel image (16M at CONFIG_PHYSICAL_START = 16M)
#   0x7e40-0x7fff  mem_map: 32768 pages x 56 bytes = 448 pages
#   0x7e3c-0x7e3f  4 early page-table pages
#   0x7c00-0x7c3f  the per-CPU first chunk: x86_64 embeds it in a 2M-aligned
#                  atom (the highest free 2M boundary is 0x7c00) and keeps
#                  only the 64 pages the unit uses (`show dmesg`: pcpu-alloc)
# So 24124 - 64 = 24060 pages are free, released as the largest aligned
# blocks that fit:
#   0x2000-0x7bff  23 blocks of order 10
#   0x7c40 order 6, 0x7c80 order 7, 0x7d00 order 8,
#   0x7e00 order 5, 0x7e20 order 4, 0x7e30 order 3, 0x7e38 order 2
#
# Every pageblock starts MOVABLE. Then the slab allocator boots: its first
# caches need unmovable pages, find no unmovable free block, and fall back by
# claiming the LARGEST movable block - one order-10 block, i.e. two
# pageblocks become UNMOVABLE (anti-fragmentation: unmovable pages gather in
# few pageblocks). So the movable free lists hold the above minus one
# order-10 block.
machine arch=x86_64 ram=128M

expect zoneinfo.DMA32.managed == 24060
expect pagetypeinfo.DMA32.blocks.Unmovable == 2
expect pagetypeinfo.DMA32.Movable.10 == 22
expect pagetypeinfo.DMA32.Movable.9 == 0
expect pagetypeinfo.DMA32.Movable.8 == 1
expect pagetypeinfo.DMA32.Movable.5 == 1
expect pagetypeinfo.DMA32.Movable.4 == 1
expect pagetypeinfo.DMA32.Movable.2 == 1
expect pagetypeinfo.DMA32.Movable.1 == 0

# Orders above 3 bypass the per-CPU lists, so every step shows in the lists.
# A movable order-4 request takes the order-4 block whole: nothing splits.
alloc_pages 4 gfp=GFP_HIGHUSER_MOVABLE -> $a
expect $a == 0x7e20
expect pagetypeinfo.DMA32.Movable.4 == 0

# The next one finds order 4 empty and splits the order-5 block at 0x7e00:
# the lower half is returned, the upper half (0x7e10) goes on the order-4 list.
alloc_pages 4 gfp=GFP_HIGHUSER_MOVABLE -> $b
expect $b == 0x7e00
expect pagetypeinfo.DMA32.Movable.5 == 0
expect pagetypeinfo.DMA32.Movable.4 == 1
alloc_pages 4 gfp=GFP_HIGHUSER_MOVABLE -> $c
expect $c == 0x7e10
expect pagetypeinfo.DMA32.Movable.4 == 0
show buddyinfo

# Free 0x7e00: its buddy 0x7e00 ^ 0x10 = 0x7e10 is in use, so no merge.
free_pages $b 4
expect pagetypeinfo.DMA32.Movable.4 == 1
# Free 0x7e10: its buddy 0x7e00 is free, so they merge into order 5 at
# 0x7e00; that block's buddy 0x7e00 ^ 0x20 = 0x7e20 is in use: stop.
free_pages $c 4
expect pagetypeinfo.DMA32.Movable.5 == 1
expect pagetypeinfo.DMA32.Movable.4 == 0
# Free 0x7e20: its order-4 buddy 0x7e30 is free only as an order-3 block,
# so it cannot merge: the lists are back where they started.
free_pages $a 4
expect pagetypeinfo.DMA32.Movable.4 == 1
expect pagetypeinfo.DMA32.Movable.5 == 1

# An order-9 request: no order-9 block, so an order-10 block splits into two
# halves; one is returned and the other waits on the order-9 list. Freeing
# merges them again.
alloc_pages 9 gfp=GFP_HIGHUSER_MOVABLE -> $d
expect pagetypeinfo.DMA32.Movable.10 == 21
expect pagetypeinfo.DMA32.Movable.9 == 1
free_pages $d 9
expect pagetypeinfo.DMA32.Movable.10 == 22
expect pagetypeinfo.DMA32.Movable.9 == 0

# An unmovable order-4 request (GFP_KERNEL) is served from the unmovable
# pageblocks the slab allocator claimed at boot: the movable lists do not
# change and no further pageblock changes type.
alloc_pages 4 gfp=GFP_KERNEL -> $e
expect pagetypeinfo.DMA32.Movable.10 == 22
expect pagetypeinfo.DMA32.blocks.Unmovable == 2
free_pages $e 4
show pagetypeinfo
