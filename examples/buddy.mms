# buddy.mms - the buddy allocator splitting and merging blocks, worked by hand.
#
# x86_64 with 128M: the DMA32 zone spans PFNs 0x1000-0x7fff (16M-128M).
# memblock reserved in it, before the buddy allocator took over:
#   0x1000-0x1fff  the kernel image (16M at CONFIG_PHYSICAL_START = 16M)
#   0x7e3c-0x7e3f  4 early page-table pages (top-down, below mem_map)
#   0x7e40-0x7fff  mem_map: 32768 pages x 56 bytes = 448 pages
# So the free range is 0x2000-0x7e3b = 24124 pages, released as the largest
# aligned blocks that fit:
#   0x2000-0x7bff  23 blocks of order 10
#   0x7c00-0x7dff  order 9
#   0x7e00-0x7e1f  order 5
#   0x7e20-0x7e2f  order 4
#   0x7e30-0x7e37  order 3
#   0x7e38-0x7e3b  order 2
#
# Every pageblock starts MOVABLE. Then the slab allocator boots: its first
# caches (kmem_cache, kmem_cache_node) need unmovable pages, find no
# unmovable free block, and fall back by claiming the LARGEST movable block
# - one order-10 block, i.e. two pageblocks become UNMOVABLE. Anti-
# fragmentation in action: unmovable pages gather in few pageblocks. So the
# movable free lists hold what is above minus one order-10 block.
machine arch=x86_64 ram=128M

expect zoneinfo.DMA32.managed == 24124
expect pagetypeinfo.DMA32.blocks.Unmovable == 2
expect pagetypeinfo.DMA32.Movable.10 == 22
expect pagetypeinfo.DMA32.Movable.9 == 1
expect pagetypeinfo.DMA32.Movable.5 == 1
expect pagetypeinfo.DMA32.Movable.4 == 1
expect pagetypeinfo.DMA32.Movable.3 == 1
expect pagetypeinfo.DMA32.Movable.2 == 1
expect pagetypeinfo.DMA32.Movable.1 == 0

# A movable order-4 request finds an order-4 block of its own type on the
# free list and takes it whole: nothing splits.
alloc_pages 4 gfp=GFP_HIGHUSER_MOVABLE -> $a
expect $a == 0x7e20
expect pagetypeinfo.DMA32.Movable.4 == 0
free_pages $a 4
expect pagetypeinfo.DMA32.Movable.4 == 1

# An order-6 request: orders 6, 7 and 8 are empty, so the order-9 block at
# 0x7c00 splits: 9 -> 8 + 8 (0x7d00 freed), 8 -> 7 + 7 (0x7c80 freed),
# 7 -> 6 + 6 (0x7c40 freed), and 0x7c00 is returned.
alloc_pages 6 gfp=GFP_HIGHUSER_MOVABLE -> $b
expect $b == 0x7c00
expect pagetypeinfo.DMA32.Movable.9 == 0
expect pagetypeinfo.DMA32.Movable.8 == 1
expect pagetypeinfo.DMA32.Movable.7 == 1
expect pagetypeinfo.DMA32.Movable.6 == 1
show buddyinfo

# Freeing it merges with its buddy at each order (0x7c00 ^ 0x40 = 0x7c40,
# then ^ 0x80, then ^ 0x100) back into the order-9 block.
free_pages $b 6
expect pagetypeinfo.DMA32.Movable.9 == 1
expect pagetypeinfo.DMA32.Movable.8 == 0
expect pagetypeinfo.DMA32.Movable.7 == 0
expect pagetypeinfo.DMA32.Movable.6 == 0

# An unmovable order-4 request (GFP_KERNEL) is served from the unmovable
# pageblocks the slab allocator claimed at boot: the movable lists do not
# change and no further pageblock changes type.
alloc_pages 4 gfp=GFP_KERNEL -> $c
expect pagetypeinfo.DMA32.Movable.10 == 22
expect pagetypeinfo.DMA32.blocks.Unmovable == 2
free_pages $c 4
show pagetypeinfo
