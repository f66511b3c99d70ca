# 12Q: Q is no size suffix.
alloc_pages 12Q
