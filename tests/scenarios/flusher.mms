# The writeback flusher (tick): it wakes every 5 s of simulated time and
# writes back files dirty for 30 s, or every dirty file at once when nr_dirty
# passes the background threshold (10% of dirtyable memory).
machine arch=x86_64 ram=128M
file create small size=4K fill=0x41
file create big size=16M fill=0x42
spawn A
mmap A 4K file=small flags=shared -> $s
write A $s "x"
expect vmstat.nr_dirty == 1
# 5 s later: one page dirty for 5 s, far below the background threshold
# (dirtyable ~ 27000 free pages -> ~2700 pages): nothing written.
tick 5000
expect vmstat.nr_dirty == 1
expect vmstat.nr_written == 0
# 25 s: the wake-up finds it 25 s old, younger than dirty_expire (30 s):
# still dirty.
tick 20000
expect vmstat.nr_dirty == 1
expect vmstat.nr_written == 0
# 30 s after it was dirtied, the flusher's next wake-up writes it (Linux
# writes an inode dirtied at or before now - 30 s).
tick 5000
expect vmstat.nr_dirty == 0
expect vmstat.nr_written == 1
# Dirty 16M = 4096 pages: above the background threshold (~2700 pages, with
# the 16M page cache now in the file LRU count still well below 4096), so the
# very next wake-up writes everything although nothing is 30 s old.
mmap A 16M file=big flags=shared -> $b
touch A $b 16M w
expect vmstat.nr_dirty == 4096
expect vmstat.nr_dirty_background_threshold < 4096
tick 5000
expect vmstat.nr_dirty == 0
expect vmstat.nr_written == 4097
