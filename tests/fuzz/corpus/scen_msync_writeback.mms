# A shared file mapping: a write dirties the page-cache page; msync(MS_SYNC)
# writes it back (nr_written + 1) and leaves it clean; munmap alone would
# have left it dirty for the flusher, as on Linux.
machine arch=x86_64 ram=128M
file create data size=16K fill=0x41
spawn A
mmap A 16K file=data flags=shared -> $m
write A $m+4K "hello"
# The write fault found the page clean and cached (readahead brought all 4
# pages in): one page dirty.
expect vmstat.nr_dirty == 1
expect vmstat.nr_written == 0
msync A $m 16K -> $r
expect $r == 0
expect vmstat.nr_dirty == 0
expect vmstat.nr_written == 1
# The bytes are in the file now.
file read data 4K 5
# A second write to the same (now write-protected, clean) page faults again
# and dirties it again; munmap leaves it dirty (no writeback on unmap).
write A $m+4K "world"
expect vmstat.nr_dirty == 1
munmap A $m 16K
expect vmstat.nr_dirty == 1
# msync over a hole is ENOMEM, as Linux.
msync A $m 16K -> $r
expect $r == -12
file sync data
expect vmstat.nr_dirty == 0
expect vmstat.nr_written == 2
