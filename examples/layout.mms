# layout.mms - a process's address space, top to bottom.
#
# spawn lays a program out as Linux's load_elf_binary does for a static
# x86_64 binary, with kernel.randomize_va_space=0 (mmsim's default):
#   text r-xp at 0x400000, data rw-p after it (both from the program file),
#   bss (anonymous) after the data, the heap (brk) from the end of the bss,
#   the mmap area top-down from mmap_base = task_size - 128M, and the stack at
#   the top of user space: 128K + its argument page, growing down.
machine arch=x86_64 ram=128M
spawn A exe=text:64K,data:16K,bss:8K
expect A.start_code == 0x400000
expect A.start_data == 0x410000
expect A.start_brk == 0x416000
expect A.mmap_base == 0x7ffff7fff000
expect A.VmExe == 64K
expect A.VmData == 24K
expect A.VmStk == 132K
brk A +128K
mmap A 1M -> $m
mmap A 64K prot=r -> $r
show layout A
show maps A

echo "The stack grows down on demand, up to RLIMIT_STACK (8M)."
write A 0x7ffffffce000 "x"
expect A.VmStk == 132K+64K

echo "With kernel.randomize_va_space=2 (from the machine's seed), the stack,"
echo "mmap_base and the heap move by random amounts (28 bits of pages for mmap)."
sysctl kernel.randomize_va_space=2
spawn R
expect R.mmap_base != 0x7ffff7fff000
# mmap_base(): gap = 8M rlimit + 1M guard + 0x3fffff pages of stack
# randomisation = 0x4008ff000, so base = 0x7ffffffff000 - 0x4008ff000 - rnd
# = 0x7ffbff700000 - rnd, rnd < 2^28 pages: down to 0x7efbff701000.
expect R.mmap_base <= 0x7ffbff700000
expect R.mmap_base >= 0x7efbff701000
expect R.start_brk != 0x416000
show maps R
