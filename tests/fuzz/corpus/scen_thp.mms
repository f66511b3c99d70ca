# thp.mms - transparent huge pages for anonymous memory, worked by hand.
#
# spawn A: 4K of RSS (the stack's argument page). A 4M anonymous mmap is
# 2M-aligned (its length is a multiple of 2M: thp_get_unmapped_area): the
# highest 2M boundary with 4M free below mmap_base 0x7ffff7fff000 is
# 0x7ffff7e00000, so it starts at 0x7ffff7a00000 and holds two 2M ranges.
machine arch=x86_64 ram=128M
spawn A
expect A.VmRSS == 4K

# madvise mode (the default): no THP without MADV_HUGEPAGE.
mmap A 4M -> $m
write A $m "x"
expect vmstat.thp_fault_alloc == 0
expect A.VmRSS == 8K
munmap A $m 4M

# always: the first write in an aligned 2M range maps a whole 2M page with
# one PMD leaf: RSS + 2M, AnonHugePages 2M, one fault.
sysctl transparent_hugepage=always
mmap A 4M -> $t
expect $t == 0x7ffff7a00000
write A $t+8K "hello"
expect vmstat.thp_fault_alloc == 1
expect A.VmRSS == 4K+2M
expect A.RssAnon == 4K+2M
expect meminfo.AnonHugePages == 2M
expect vmstat.nr_anon_transparent_hugepages == 1
# Every other address of the range is already mapped: no more faults.
touch A $t 2M
expect vmstat.thp_fault_alloc == 1

read A $t+8K 5

# munmap of 4K in the middle splits the PMD into 512 PTEs and the page into
# 512 pages; the 4K goes back to the buddy allocator.
munmap A $t+1M 4K
expect vmstat.thp_split_pmd == 1
expect vmstat.thp_split_page == 1
expect A.VmRSS == 4K+2M-4K
expect meminfo.AnonHugePages == 0
expect vmstat.nr_anon_transparent_hugepages == 0
read A $t+8K 5

# The second 2M range: a fault there, then mprotect of part of it splits.
write A $t+2M "y"
expect vmstat.thp_fault_alloc == 2
expect meminfo.AnonHugePages == 2M
mprotect A $t+2M 64K r
expect vmstat.thp_split_pmd == 2
expect meminfo.AnonHugePages == 0
expect A.VmRSS == 4K+4M-4K

# never: 4K pages only.
munmap A $t 4M
expect A.VmRSS == 4K
sysctl transparent_hugepage=never
mmap A 2M -> $n
write A $n "z"
expect vmstat.thp_fault_alloc == 2
expect A.VmRSS == 8K
