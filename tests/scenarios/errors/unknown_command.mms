# An unknown command names itself and the nearest known one.
alloc_page 3
