# MAX_PAGE_ORDER is 10 on x86_64.
alloc_pages 11
