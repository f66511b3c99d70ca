# processes.mms - fuzz seed: processes, faults, fork, the views of issue 4.
machine arch=x86_64 ram=64M cpus=2
spawn A cpu=0
mmap A 64K -> $p
read A $p 16
write A $p "hello"
write A $p+4K 8K pattern=addr:3
touch A $p 64K w
fork A B
write B $p 4K fill=0x7f
verify A $p+4K 8K pattern=addr:3
fork A T thread
run T cpu=1
munmap A $p+32K 16K
mprotect A $p 4K r
brk A +16K
exec B exe=text:16K,data:4K,bss:4K
exit B
write A 0 "x"
show status A
show smaps A
show layout A
show ps
show translate A $p
show pagetable A $p
expect last.result == segv
