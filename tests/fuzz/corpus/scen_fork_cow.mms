# fork_cow.mms - copy-on-write after fork, worked by hand: the child's first
# write copies the page once; after the child exits the parent is the only
# user, so its write keeps the page (do_wp_page's reuse, vmstat pgreuse).
machine arch=x86_64 ram=128M
spawn A
mmap A 4K -> $p
write A $p "parent"
fork A B
# The child maps the same pages, read-only: the argument page and $p.
expect B.RssAnon == 8K
expect B.faults.minor == 0
read B $p 6 -> $v
expect $v == 0x746e65726170          # "parent", little-endian
expect last.result == walk            # present in B's tables: no fault

# The child writes: one COW fault, a copy.
write B $p "child!"
expect last.result == cow
expect B.faults.cow == 1
expect B.RssAnon == 8K
read A $p 6 -> $v
expect $v == 0x746e65726170          # the parent's data is untouched
read B $p 6 -> $v
expect $v == 0x21646c696863          # "child!"
# Writing again in the child: its own page now, no fault.
write B $p "C"
expect B.faults.cow == 1

# Data patterns survive fork and COW (pattern=addr words).
mmap A 64K -> $big
write A $big 64K pattern=addr
fork A C
write C $big+16K 16K pattern=addr:0x55
verify A $big 64K pattern=addr
verify C $big 16K pattern=addr
verify C $big+16K 16K pattern=addr:0x55
verify C $big+32K 32K pattern=addr
expect C.faults.cow == 4

# The children exit; the parent's next write reuses its page.
exit B
exit C
expect B.state == exited
expect vmstat.pgreuse == 0
write A $p "P"
expect last.result == minor
expect vmstat.pgreuse == 1
expect A.faults.cow == 0
read A $p 6 -> $v
expect $v == 0x746e65726150          # "Parent"
