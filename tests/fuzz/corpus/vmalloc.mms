# vmalloc.mms - vmalloc: kernel memory that is contiguous in virtual
# addresses but built from scattered pages, with a guard page after every
# area, unmapped at once when freed and flushed from the TLBs lazily.
# Run: mmsim run examples/vmalloc.mms     (docs/vmalloc-highmem.md explains)

machine arch=x86_64 ram=128M cpus=1

# ---- an area, its size and its guard page ---------------------------------------
# x86_64's vmalloc area starts at 0xffffc90000000000 (no KASLR) and is empty
# after boot. 1M is 256 pages; the area is one page longer: the guard page,
# never mapped, so running off the end faults instead of hitting the next
# area. vmallocinfo's size counts it; VmallocUsed counts only the pages.
vmalloc 1M -> $v
expect $v == 0xffffc90000000000
expect vmallocinfo.area.0.size == 1M+4K
expect vmallocinfo.area.0.pages == 256
expect meminfo.VmallocUsed == 1M
vmalloc_to_page $v -> $first
vmalloc_to_page $v+1M-1 -> $last
vmalloc_to_page $v+1M -> $guard          # the guard page: not mapped
expect $guard == 0

# The next area starts right after the guard page: lowest address first.
vmalloc 16K -> $w
expect $w == $v+1M+4K
show vmallocinfo

# ---- virtually contiguous, physically scattered -----------------------------------
# Free both areas and purge them (one TLB flush), so that their page tables
# and bookkeeping objects are there to be reused.
vfree $w
vfree $v
vm_unmap_aliases
expect vmallocinfo.nr_areas == 0

# Take 8 pages and give 4 of them back. The page allocator hands out the
# most recently freed page first (per-CPU lists are LIFO), so a 4-page
# vmalloc gets exactly those 4, last freed first: four pages from four
# different places, one contiguous kernel buffer.
alloc_pages 0 -> $p0
alloc_pages 0 -> $p1
alloc_pages 0 -> $p2
alloc_pages 0 -> $p3
alloc_pages 0 -> $p4
alloc_pages 0 -> $p5
alloc_pages 0 -> $p6
alloc_pages 0 -> $p7
free_pages $p1 0
free_pages $p3 0
free_pages $p5 0
free_pages $p7 0
vmalloc 16K -> $s
expect $s == 0xffffc90000000000            # the purged range is free again
vmalloc_to_page $s -> $s0
vmalloc_to_page $s+4K -> $s1
vmalloc_to_page $s+8K -> $s2
vmalloc_to_page $s+12K -> $s3
expect $s0 == $p7
expect $s1 == $p5
expect $s2 == $p3
expect $s3 == $p1

# ---- vfree: unmapped now, flushed later --------------------------------------------
# vfree clears the PTEs and frees the pages at once, but the addresses wait
# in a "lazy" list: other CPUs' TLBs may still hold them, and one flush for
# many vfrees is cheaper than one each. Until then the range is not reused.
vfree $s
expect meminfo.VmallocUsed == 0
expect vmallocinfo.nr_lazy == 1
expect vmallocinfo.lazy_bytes == 20K
vmalloc_to_page $s -> $gone
expect $gone == 0
vmalloc 4K -> $t
expect $t == $s+20K                       # not in the unflushed range
vm_unmap_aliases                            # the purge: one flush for all
expect vmallocinfo.nr_lazy == 0
expect vmallocinfo.purges == 2
vfree $t

# ---- vmap: your own pages, mapped contiguously --------------------------------------
vmap $p0 $p2 $p4 -> $m
vmalloc_to_page $m+4K -> $x
expect $x == $p2
expect vmallocinfo.area.0.kind == "vmap"
vunmap $m                                   # the pages stay allocated
free_pages $p0 0
free_pages $p2 0
free_pages $p4 0
free_pages $p6 0

# ---- a big area keeps its page list in vmalloc memory too ---------------------------
# 4M = 1024 pages: the list of their struct page pointers (8K) is itself
# vmalloc'ed ("vpages"), in a 2-page area right after the big one.
vm_unmap_aliases
vmalloc 4M -> $big
expect meminfo.VmallocUsed == 4M+8K
show vmallocinfo
vfree $big
expect meminfo.VmallocUsed == 0
