# zones-i386.mms - the three zones of a 32-bit x86 machine, worked by hand.
#
# i386 with 2G: the kernel maps only the first 896M (the direct map, up to
# high_memory); RAM above that is HighMem and reachable only through kmap.
#   DMA      PFNs 0x00001-0x00fff   (< 16M)
#   Normal   PFNs 0x01000-0x37fff   (16M - 896M): 225280 pages spanned
#   HighMem  PFNs 0x38000-0x7ffff   (896M - 2G):   294912 pages
machine arch=i386 ram=2G

expect zoneinfo.Normal.spanned == 225280
expect zoneinfo.HighMem.spanned == 294912
# Normal managed = spanned - kernel image (8M = 2048 pages)
#                - mem_map (524288 pages x 56 bytes = 7168 pages)
#                - 2 early page-table pages (the PGD, and one PTE page for
#                  the first 1M, which is mapped with 4K pages; the rest of
#                  lowmem uses 4M PSE leaves)
#                - 30 pages of per-CPU first chunk (`show dmesg`: pcpu-alloc)
#                = 225280 - 2048 - 7168 - 2 - 30 = 216032
expect zoneinfo.Normal.managed == 216032
expect zoneinfo.HighMem.managed == 294912

# min_free_kbytes = int_sqrt(16 * lowmem_kbytes), lowmem = DMA + Normal:
#   (3840 + 216032) pages * 4 = 879488K; sqrt(14071808) = 3751.2 -> 3751
expect zoneinfo.DMA.min == 16
# pages_min = 3751 / 4 = 937, shared out by managed size among lowmem zones:
#   Normal: 937 * 216032 / 219872 = 920
expect zoneinfo.Normal.min == 920
# low = min + max(min/4, managed * watermark_scale_factor / 10000)
#     = 920 + max(230, 216032 * 10 / 10000 = 216) = 1150; high = 920 + 2 * 230 = 1380
expect zoneinfo.Normal.low == 1150
expect zoneinfo.Normal.high == 1380
# HighMem's min is managed/1024 clamped to [32, 128]: 288 -> 128; its
# low/high still use the share it would have had (937*294912/219872 = 1256):
#   low = 128 + max(1256/4, 294) = 442
expect zoneinfo.HighMem.min == 128
expect zoneinfo.HighMem.low == 442

# lowmem_reserve (protection): DMA keeps 1/256 of the pages above it back
# from allocations that could have gone higher; Normal keeps 1/32.
#   DMA vs Normal:   216032 / 256 = 843
#   DMA vs HighMem: (216032 + 294912) / 256 = 1995
#   Normal vs HighMem: 294912 / 32 = 9216
expect zoneinfo.DMA.protection.1 == 843
expect zoneinfo.DMA.protection.2 == 1995
expect zoneinfo.Normal.protection.2 == 9216

# GFP_HIGHUSER_MOVABLE (user pages) prefers HighMem; GFP_KERNEL cannot use
# HighMem (the kernel needs a direct-mapped address) and takes Normal.
alloc_pages 5 gfp=GFP_HIGHUSER_MOVABLE -> $user
expect $user >= 0x38000
alloc_pages 5 gfp=GFP_KERNEL -> $kern
expect $kern < 0x38000
expect $kern >= 0x1000
alloc_pages 0 gfp=GFP_DMA -> $dma
expect $dma < 0x1000
free_pages $user 5
free_pages $kern 5
free_pages $dma 0

# Raising min_free_kbytes raises every lowmem zone's watermarks.
sysctl vm.min_free_kbytes=16384
# pages_min = 4096: Normal = 4096 * 216032 / 219872 = 4024
expect zoneinfo.Normal.min == 4024
show zoneinfo
