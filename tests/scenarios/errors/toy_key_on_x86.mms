# va_bits= shapes the toy machine only.
machine va_bits=14
