# zero-page.mms - the shared zero page.
#
# A read of a never-written anonymous page does not allocate anything: the
# fault maps the kernel's zero page read-only (its physical address is the
# same for every such page of every process, and it never counts in RSS).
# The first write to such a page faults again and gets a zeroed page of its
# own (do_wp_page on the zero page: a "cow" fault).
machine arch=x86_64 ram=128M
spawn A
spawn B
mmap A 64K -> $a
mmap B 64K -> $b

set verbose on
read A $a 8
expect last.result == zero
read A $a+4K 8
set verbose off
expect last.result == zero
read B $b 8
expect last.result == zero
echo "Three reads, three faults, one physical page:"
show translate A $a
show translate B $b
expect A.VmRSS == 4K                  # still only the stack's argument page
expect meminfo.AnonPages == 8K        # A's and B's argument pages

echo "A whole 64K read: 16 zero-page faults, still no memory used."
touch A $a 64K r
expect A.VmRSS == 4K

echo "Now write to one of those pages: a second fault, a page of its own."
set verbose on
write A $a "data"
set verbose off
expect last.result == cow
expect A.faults.cow == 1
expect A.VmRSS == 8K
show pagetable A $a
