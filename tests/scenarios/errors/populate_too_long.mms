# One command populates at most 2^18 pages (1G of 4K pages): populating a
# whole big machine would run for minutes.
spawn A
mmap A 1T prot=rw flags=noreserve -> $m
madvise A $m 1G+4K populate_write
