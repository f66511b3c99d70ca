# $pp was never stored.
alloc_pages 0 -> $p
free_pages $pp 0
