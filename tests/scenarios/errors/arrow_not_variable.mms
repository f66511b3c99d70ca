# A variable is written with a dollar.
alloc_pages 0 -> p
