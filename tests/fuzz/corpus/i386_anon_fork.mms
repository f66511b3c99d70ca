machine arch=i386
spawn A
mmap A 4K -> $p
write A $p "x"
