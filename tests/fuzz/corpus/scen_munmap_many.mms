# munmap_many.mms - munmap across several VMAs. Three adjacent 8K mappings
# with different rights (so they do not merge), top-down from mmap_base:
#   $a = 0x7ffff7ffd000 (r), $b = 0x7ffff7ffb000 (rw), $c = 0x7ffff7ff9000 (rx)
# munmap [$c+4K, $a+4K) removes the top of $c, all of $b, the bottom of $a.
machine arch=x86_64 ram=128M
spawn A
mmap A 8K prot=r -> $a
mmap A 8K prot=rw -> $b
mmap A 8K prot=rx -> $c
expect $a == 0x7ffff7ffd000
expect $b == 0x7ffff7ffb000
expect $c == 0x7ffff7ff9000
expect A.map_count == 7
touch A $a 8K r
touch A $b 8K w
touch A $c 8K r
expect A.RssAnon == 4K+8K           # the argument page and $b's two pages
munmap A $c+4K 16K
expect A.map_count == 6               # $c's lower page, $a's upper page
expect A.VmSize == 220K+8K
expect A.RssAnon == 4K
touch A $c 4K r
touch A $a+4K 4K r
expect A.state == running
# The hole is a hole: a touch there kills A (SIGSEGV).
touch A $b 4K r
expect last.result == segv
expect A.state == killed:segv
expect A.VmRSS == 0
