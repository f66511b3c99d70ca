# file-mapping.mms - a file mapping's major then minor faults, read-around,
# fault-around, async readahead, a shared write and its writeback, and the
# SIGBUS past the end of a file. Worked by hand from Linux's rules:
#
#   4K pages; ra_pages = 128K / 4K = 32; read-around window 32 pages centred
#   on the fault (start = index - 16, clipped at 0), async_size 32/4 = 8:
#   PG_readahead on the page 8 before the window's end;
#   fault_around_bytes = 64K: a read fault first maps the cached, uptodate
#   pages of the aligned 16-page window around it (never a PG_readahead one).
#
# The mapping is placed at 0x7f0000000000 (a free, 2M-aligned hint), so page
# N of the file is at $m + N*4K and its PTE index is N: fault-around windows
# are [0,16), [16,32), ...
machine arch=x86_64 ram=128M

file create data size=1M fill=0x41      # 256 pages on the disk, none cached
spawn A
mmap A 1M prot=r file=data addr=0x7f0000000000 -> $m
expect $m == 0x7f0000000000
expect vmstat.pgmajfault == 0

# Page 0: not cached -> major fault. Fault-around finds nothing cached; the
# read-around window is pages 0..31 (start max(0, 0-16) = 0), marker on 24.
read A $m 8
expect last.result == major
expect A.faults.major == 1
expect vmstat.pgmajfault == 1
file show data -> $cached
expect $cached == 32
expect vmstat.pgpgin == 128               # 32 pages = 128K read

# Page 1: cached, not mapped -> minor fault; fault-around maps pages 1..15
# of the window [0,16) (page 0 is mapped already).
read A $m+4K 8
expect last.result == minor
# Page 15: mapped by fault-around: no fault, just a TLB miss and a walk.
read A $m+15*4K 8
expect last.result == walk
# Page 20: minor; fault-around maps [16,32) except page 24 (PG_readahead).
read A $m+20*4K 8
expect last.result == minor
read A $m+31*4K 8
expect last.result == walk

# Page 24: the readahead marker. A minor fault that starts async readahead:
# the window moves on to pages 32..63 (the expected index 0+32-8 = 24 was
# hit, the size stays at the maximum 32). Still one major fault in all.
read A $m+24*4K 8
expect last.result == minor
file show data -> $cached
expect $cached == 64
expect vmstat.pgmajfault == 1

# Page 100: not cached -> major; read-around pages 84..115.
read A $m+100*4K 8
expect last.result == major
expect vmstat.pgmajfault == 2
file show data -> $cached
expect $cached == 96

# A shared writable mapping of the same file: the first write dirties the
# page in the page cache (one page, Dirty 4K); fsync writes it back.
mmap A 64K prot=rw flags=shared file=data -> $w
write A $w "hello"
expect meminfo.Dirty == 4K
file sync data -> $written
expect $written == 1
expect meminfo.Dirty == 0
file read data 0 5                       # the disk now says "hello"

# The end of a file: 5000 bytes = pages 0 and 1 (904 bytes in page 1, the
# rest of that page reads as zeros); page 2 of a 12K mapping is past the
# page holding EOF: SIGBUS, and the process is killed.
file create small size=5000 fill=0x42
spawn B
mmap B 12K prot=r file=small -> $s
verify B $s+4096 904 fill=0x42
verify B $s+5000 3192 fill=0
read B $s+8K 1
expect B.state == killed:bus
expect A.state == running               # B's SIGBUS is B's alone: A is untouched
