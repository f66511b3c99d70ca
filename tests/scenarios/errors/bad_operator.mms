# =< is not an operator.
expect meminfo.MemFree =< 1
