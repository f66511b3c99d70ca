# hugepages.mms - huge pages, both kinds: the hugetlb pool and transparent
# huge pages (THP). Self-checking: every number is worked out by hand.
# See docs/hugepages.md.
machine arch=x86_64 ram=128M
spawn A

# ---- hugetlb: a pool reserved up front ------------------------------------
# Four 2M pages come out of the buddy allocator as order-9 blocks: MemFree
# drops by 8M and the pool shows them.
sysctl vm.nr_hugepages=4
expect meminfo.HugePages_Total == 4
expect meminfo.HugePages_Free == 4
expect meminfo.Hugetlb == 8M
expect vmstat.htlb_buddy_alloc_success == 4

# mmap reserves (HugePages_Rsvd), it does not allocate yet.
mmap A 4M flags=hugetlb -> $h
expect meminfo.HugePages_Rsvd == 2
# The first touch of a 2M page takes it from the pool, zeroed, mapped by
# one PMD entry with PS set; hugetlb memory is not counted in RSS.
write A $h "from the pool"
expect meminfo.HugePages_Free == 3
expect meminfo.HugePages_Rsvd == 1
expect A.VmRSS == 4K
show translate A $h
# Unmapping gives the page and the unused reservation back.
munmap A $h 4M
expect meminfo.HugePages_Free == 4
expect meminfo.HugePages_Rsvd == 0

# ---- THP: huge pages on demand ---------------------------------------------
# transparent_hugepage is "madvise" by default; "always" makes every
# aligned 2M range of private anonymous memory eligible.
sysctl transparent_hugepage=always
mmap A 4M -> $t
write A $t "one fault, 2M"
expect vmstat.thp_fault_alloc == 1
expect A.VmRSS == 4K+2M
expect meminfo.AnonHugePages == 2M
# One 2M TLB entry serves all 512 pages: the touch reports 512 TLB hits
# and no walk.
touch A $t 2M
show translate A $t+1M

# Unmapping 4K in the middle splits the PMD into 512 PTEs (and the page).
munmap A $t+1M 4K
expect vmstat.thp_split_pmd == 1
expect A.VmRSS == 4K+2M-4K
expect meminfo.AnonHugePages == 0
show translate A $t
