# One command touches at most 2^18 pages (1G of 4K pages): a bigger range
# would fault in frames for minutes.
spawn A
mmap A 2G prot=rw flags=noreserve -> $m
touch A $m 1G+4K w
