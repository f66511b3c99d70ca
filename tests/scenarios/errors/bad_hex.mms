# Hex digits stop at F.
tick 0xZZ
