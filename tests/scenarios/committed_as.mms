# committed_as.mms - meminfo Committed_AS shows the mmap layer's overcommit
# accounting (it printed 0 whatever was mapped).
# A new process is charged for its writable private VMAs: data 16K + bss 8K
# + stack 132K (the heap is empty) = 156K.
machine arch=x86_64 ram=128M
spawn A
expect meminfo.Committed_AS == 156K
mmap A 64M -> $m                        # private writable: charged
expect meminfo.Committed_AS == 156K+64M
mmap A 1M prot=r -> $r                  # read-only private: not charged
mmap A 1M flags=shared -> $s            # shared anonymous: not charged (no shmem file)
expect meminfo.Committed_AS == 156K+64M
munmap A $m 64M
expect meminfo.Committed_AS == 156K
exit A
expect meminfo.Committed_AS == 0
