# Orders are not negative.
alloc_pages -1
