# An operator needs a right-hand side.
tick 4K+
