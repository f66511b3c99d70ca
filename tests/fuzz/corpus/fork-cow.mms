# fork-cow.mms - fork and copy-on-write.
#
# fork copies the page tables of private anonymous memory (dup_mmap,
# copy_page_range): parent and child map the same pages, both read-only, and
# the parent's TLB is flushed. The first write on either side faults and
# copies the page (do_wp_page -> wp_page_copy). When only one mapping is
# left, a write keeps the page instead (wp_can_reuse_anon_folio: pgreuse).
machine arch=x86_64 ram=128M
spawn P
mmap P 256K -> $buf
write P $buf 256K pattern=addr
expect P.RssAnon == 4K+256K

fork P C
echo "After fork: C maps the same 64 pages (plus the argument page), read-only."
expect C.RssAnon == 4K+256K
show smaps C

echo "C writes 4 pages: 4 COW faults, 4 copies."
write C $buf 16K fill=0xcc
expect C.faults.cow == 4
verify C $buf 16K fill=0xcc
verify C $buf+16K 240K pattern=addr
verify P $buf 256K pattern=addr

echo "P writes one page C still shares: a copy too."
write P $buf+128K 8 fill=0x11
expect P.faults.cow == 1
expect vmstat.pgreuse == 0

echo "C exits. P's next write to a page C had shared keeps the page: a reuse."
exit C
set verbose on
write P $buf+64K 8 fill=0x22
set verbose off
expect last.result == minor
expect vmstat.pgreuse == 1
expect P.faults.cow == 1
show ps
