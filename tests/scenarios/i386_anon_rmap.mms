# i386_anon_rmap.mms - anonymous memory and fork on a 32-bit machine.
# Regression (fuzzer): i386's slab hands out 4-byte-aligned objects, and the
# anon_vma host struct was placed in one (misaligned access under UBSan).
# mm_object_alloc now keeps such structs in host memory, with the slab
# object as their stand-in, so slabinfo still counts them.
machine arch=i386 ram=256M
spawn A
mmap A 8K -> $p
write A $p "hello"                # first write fault: anon_vma_prepare
# Two minor faults: exec's write of the argument page on the stack (as in
# anon_faults.mms), then this first write to the 8K mapping (one page).
expect A.faults.minor == 2
fork A B                          # anon_vma_fork: a child anon_vma and chains
write B $p "world"                # copy-on-write in the child
expect last.result == cow
read A $p 1 -> $a                 # the parent still sees its own page
expect $a == 0x68                 # 'h'
read B $p 1 -> $b
expect $b == 0x77                 # 'w'
exit B
exit A
