# The run stops at the first error: the second line never runs.
tick 1Q
tick 2Q
