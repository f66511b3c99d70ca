# tick takes one number.
tick 1 2
