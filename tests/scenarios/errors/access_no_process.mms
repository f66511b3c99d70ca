# A process touching memory must exist.
spawn A
touch B 0x400000 4K
