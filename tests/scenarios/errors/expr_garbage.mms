# Text after a complete expression.
tick (1+2)x
