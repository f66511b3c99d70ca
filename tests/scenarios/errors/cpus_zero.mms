# A machine has at least one CPU.
machine cpus=0
