# A fill that the 4G simulated disk cannot hold is refused before any of it
# is written (writing 4G first took seconds and 4G of host memory).
file create big size=64G fill=0x41
