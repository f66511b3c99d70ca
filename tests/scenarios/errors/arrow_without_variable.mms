# -> must name where the result goes.
alloc_pages 0 ->
