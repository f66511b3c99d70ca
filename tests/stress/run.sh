#!/bin/sh
# make stress: long randomized runs of the allocators, several seeds and arches.
set -e
b=${1:-./build}
for seed in 1 2 3 4 5 6 7 8; do
	"$b"/stress_page_alloc "$seed" 2000000 256 x86_64
	"$b"/stress_page_alloc "$seed" 500000 2048 i386
done
"$b"/stress_page_alloc 9 200000 1 toy
