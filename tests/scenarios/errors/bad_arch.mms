# mmsim models x86 and a toy machine.
machine arch=arm64
