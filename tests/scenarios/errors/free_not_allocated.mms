# Only what alloc_pages returned can be freed.
free_pages 0x1234 0
