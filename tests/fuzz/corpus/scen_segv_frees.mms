# segv_frees.mms - a bad access kills the process (SIGSEGV) and frees its
# memory: nothing of it stays mapped or allocated as page tables or anonymous
# pages. (MemFree itself moves with the per-CPU page lists and slab caches.)
machine arch=x86_64 ram=128M
expect meminfo.AnonPages == 0
# The kernel's own tables (the direct map of 128M) at boot: 64 pages.
expect meminfo.PageTables == 256K
spawn A
mmap A 4M -> $p
write A $p 2M fill=0x5a
expect meminfo.AnonPages == 4K+2M
expect A.VmRSS == 4K+2M
# The process's: one PGD, one PUD and one PMD (shared by the stack and $p),
# one PTE table for the stack's page and one for $p's 2M (2M-aligned).
expect meminfo.PageTables == 256K+5*4K
expect A.VmPTE == 4*4K                # VmPTE does not count the PGD
write A 0 "boom"
expect last.result == segv
expect A.state == killed:segv
expect A.VmRSS == 0
expect meminfo.AnonPages == 0
expect meminfo.PageTables == 256K
# Other processes go on.
spawn B
write B $p "fine"
expect B.state == killed:segv        # B has no mapping there: also killed
spawn C
mmap C 4K -> $q
write C $q "fine"
expect C.state == running
