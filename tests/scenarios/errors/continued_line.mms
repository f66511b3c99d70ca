# The place of an error on a continued line is its own line and column.
alloc_pages 0 \
    gfp=GFP_KERNEL \
    cpu=1
