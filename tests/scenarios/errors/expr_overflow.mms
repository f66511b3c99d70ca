# 2^64 - 1 is the largest value.
tick 0xffffffffffffffff+1
