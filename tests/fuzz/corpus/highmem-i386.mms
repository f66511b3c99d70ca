# highmem-i386.mms - high memory on 32-bit x86: the kernel's 1G of virtual
# addresses cannot map 2G of RAM, so pages above 896M get a kernel address
# only while someone holds one: kmap (PKMAP slots) or kmap_local (per-CPU
# fixmap slots). vmalloc prefers exactly those pages.
# Run: mmsim run examples/highmem-i386.mms     (docs/vmalloc-highmem.md explains)

machine arch=i386 ram=2G cpus=2

# ---- lowmem and HighMem ---------------------------------------------------------
# The direct map covers 896M: PFNs below 0x38000. GFP_HIGHUSER may return a
# HighMem page; GFP_KERNEL never does (the kernel must reach its own data).
alloc_pages 0 gfp=GFP_HIGHUSER -> $h
alloc_pages 0 gfp=GFP_HIGHUSER -> $h2
alloc_pages 0 gfp=GFP_KERNEL -> $l
expect $h >= 0x38000
expect $l < 0x38000
expect meminfo.HighTotal > 1G

# ---- kmap of a lowmem page: just its direct-map address -----------------------------
kmap $l -> $lv
expect $lv == 0xC0000000+$l*4K
kunmap $l

# ---- kmap of a HighMem page: a PKMAP slot ----------------------------------------------
# 1024 slots of 4K from PKMAP_BASE = 0xFF400000. The search starts after
# slot 0, so the first kmap gets slot 1. A second kmap of the same page
# shares the slot (its use count goes 2 -> 3).
kmap $h -> $hv
expect $hv == 0xFF401000
kmap $h -> $hv2
expect $hv2 == $hv
kunmap $h
kunmap $h
# The slot is now "mapped but unused" (count 1): kunmap does not flush the
# TLB; slots are cleared in one batch when the search wraps round to slot 0.
kmap $h2 -> $h2v
expect $h2v == 0xFF402000                  # the next slot, not slot 1 again
kunmap $h2

# ---- kmap_local: per-CPU slots, used as a stack ------------------------------------------
# CPU c's slot i sits at FIXADDR_TOP (0xFFFFF000) - (1 + i + 16c) pages.
kmap_local $h -> $a
kmap_local $h2 -> $b
expect $a == 0xFFFFE000
expect $b == 0xFFFFD000
kmap_local $h cpu=1 -> $c
expect $c == 0xFFFFF000-17*4K
kunmap_local $b                            # most recent first ...
kunmap_local $a                            # ... then the one below it
kunmap_local $c cpu=1
# A lowmem page needs no slot here either.
kmap_local $l -> $d
expect $d == $lv
kunmap_local $d

# ---- vmalloc on i386 ---------------------------------------------------------------------
# VMALLOC_START = (high_memory + 8M) & ~(8M - 1) = 0xF8000000 + 8M = 0xF8800000,
# and vmalloc takes HighMem pages first: it maps them itself.
vmalloc 64K -> $v
expect $v == 0xF8800000
vmalloc_to_page $v -> $vp
expect $vp >= 0x38000
expect vmallocinfo.total_bytes == 0xFF3FE000-0xF8800000
show vmallocinfo
vfree $v
free_pages $h 0
free_pages $h2 0
free_pages $l 0
