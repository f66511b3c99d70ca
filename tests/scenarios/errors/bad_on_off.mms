# verbose is on or off.
set verbose maybe
