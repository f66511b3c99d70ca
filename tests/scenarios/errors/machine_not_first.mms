# alloc_pages boots the default machine; a later machine line is too late.
alloc_pages 0
machine ram=256M
