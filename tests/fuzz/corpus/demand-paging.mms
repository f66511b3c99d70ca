# demand-paging.mms - memory is mapped at once but paged in on first touch.
#
# mmap reserves address space (VmSize) and charges Committed_AS, but no page
# exists until the process touches it: each first touch is a page fault that
# allocates one zeroed page (do_anonymous_page). Mapping 8M and touching 1M
# therefore raises RSS by exactly 1M: 256 pages, 256 faults.
machine arch=x86_64 ram=128M
spawn A
show layout A
echo "A starts with one page present: the stack page exec wrote argv/envp into."
expect A.VmRSS == 4K
expect A.faults.minor == 1

mmap A 8M -> $buf
echo "8M mapped at $buf: VmSize grows by 8M, VmRSS does not move."
expect A.VmSize == 220K+8M
expect A.VmRSS == 4K

touch A $buf 1M w
echo "1M touched (one write per page): 256 faults, 256 new pages."
expect A.VmRSS == 4K+1M
expect A.RssAnon == 4K+1M
expect A.faults.minor == 1+256
expect vmstat.pgfault == 1+256
show status A

echo "Touching it again costs no fault: the pages are there."
touch A $buf 1M r
expect A.faults.minor == 257

echo "smaps: the 8M mapping has 1M resident, all anonymous, private and dirty."
show smaps A
