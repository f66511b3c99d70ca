# tlb-walk.mms - one virtual address through the MMU: the VA split into
# indices, the TLB lookup, the four-level walk, the physical address; and the
# TLB at work (hits, misses, context switches with PCIDs, shootdowns).
machine arch=x86_64 ram=128M cpus=2
spawn A cpu=0
mmap A 64K -> $p
write A $p+0x123 "x"
echo "0x7ffff7fef123 = PGD 255 | PUD 511 | PMD 447 | PTE 495 | offset 0x123"
show translate A $p+0x123
expect last.paddr != 0
expect last.paddr < 128M                 # a frame inside the machine's RAM

echo "The write's fault left the translation in the TLB: the reads hit."
set verbose on
read A $p+0x123 1
read A $p+0x123 1
set verbose off
expect last.result == hit

echo "16 pages written: 15 faults (one page was written already), then 16 hits."
touch A $p 64K w
expect A.faults.minor == 1+16
touch A $p 64K r
expect last.result == hit

echo "Another process on the same CPU: a new ASID (PCID), A's entries stay."
spawn B cpu=0
mmap B 4K -> $q
write B $q "b"
run A cpu=0
expect tlb.cpu0.pcid == 2
read A $p 1
expect last.result == hit             # A's PCID-tagged entries survived

echo "A thread of A on cpu1: both CPUs run A's mm; munmap shoots cpu1 down."
fork A T thread
run T cpu=1
read T $p 1
munmap A $p 64K
expect tlb.cpu1.shootdowns == 1
expect tlb.cpu0.ipis_sent == 1
show tlb cpu1
