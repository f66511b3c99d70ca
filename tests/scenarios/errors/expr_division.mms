# Expressions add, subtract and multiply; they do not divide.
tick 10/2
