# anon_faults.mms - demand paging of private anonymous memory, worked by hand.
#
# spawn A: text 64K + data 16K + bss 8K + stack 132K = 220K of VmSize; one page
# present (the stack's argument page, written by exec: one minor fault).
# A 4K mmap goes to the top of the gap under mmap_base 0x7ffff7fff000.
machine arch=x86_64 ram=128M
spawn A
expect A.VmSize == 220K
expect A.VmRSS == 4K
expect A.RssAnon == 4K
expect A.faults.minor == 1
expect vmstat.pgfault == 1

mmap A 4K -> $p
expect $p == 0x7ffff7ffe000

# Read a fresh page: a fault maps the shared zero page (no RSS).
read A $p 8
expect last.result == zero
expect A.faults.minor == 2
expect A.VmRSS == 4K
expect meminfo.AnonPages == 4K

# Write it: a second fault replaces the zero page with a zeroed page of its own.
write A $p "hi"
expect last.result == cow
expect A.faults.minor == 3
expect A.faults.cow == 1
expect A.VmRSS == 8K
expect meminfo.AnonPages == 8K
expect vmstat.pgfault == 3

# Now the translation is cached: a TLB hit, no fault.
read A $p 2 -> $v
expect last.result == hit
expect $v == 0x6968
expect vmstat.pgfault == 3

# A write to a page never read: one fault, straight to a new page.
mmap A 4K -> $q
write A $q "x"
expect last.result == minor
expect A.faults.minor == 4
expect A.faults.cow == 1

# Demand paging: mapping 8M costs no memory; touching 1M of it costs 1M.
mmap A 8M -> $buf
expect A.VmSize == 220K+8K+8M
expect A.VmRSS == 12K
touch A $buf 1M w
expect A.VmRSS == 12K+1M
expect A.RssAnon == 12K+1M
expect A.faults.minor == 4+256
expect vmstat.pgfault == 4+256
# Half of it again: all TLB hits or walks, no more faults.
touch A $buf 512K r
expect A.faults.minor == 260
