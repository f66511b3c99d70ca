# slab.mms - the slab allocator: kmalloc's size classes, a cache of your
# own, and how SLUB's per-CPU slab and partial lists show in slabinfo.
# Run: mmsim run examples/slab.mms     (docs/slab.md explains the columns)

machine arch=x86_64 ram=128M cpus=1

# ---- kmalloc rounds a request up to its size class -------------------------
# 8 16 32 64 96 128 192 256 512 1k 2k 4k 8k: 100 bytes come from kmalloc-128,
# 65 from kmalloc-96, 193 from kmalloc-256. ksize says what you really got.
kmalloc 100 -> $a
ksize $a -> $n
expect $n == 128
kmalloc 65 -> $b
ksize $b -> $n
expect $n == 96
kmalloc 193 -> $c
ksize $c -> $n
expect $n == 256

# krealloc stays in place while the class is big enough.
krealloc $a 120 -> $a2
expect $a2 == $a
krealloc $a 129 -> $a3          # 129 > 128: a kmalloc-192 object, bytes copied
ksize $a3 -> $n
expect $n == 192

# kmalloc(0) is ZERO_SIZE_PTR, never a real object.
kmalloc 0 -> $z
expect $z == 16

# GFP_DMA objects come from the dma-kmalloc caches (slabs in ZONE_DMA).
kmalloc 64 gfp=GFP_KERNEL|GFP_DMA -> $d
expect slabinfo.dma-kmalloc-64.inuse == 1

# Above 8K (two pages) kmalloc skips the slabs: a compound block straight
# from the buddy allocator, 20000 bytes -> order 3 (32K). It counts in
# meminfo's SUnreclaim like slab pages do.
kmalloc 20000 -> $big
ksize $big -> $n
expect $n == 32K
expect slabinfo.kmalloc_large_bytes == 32K
kfree $big
expect slabinfo.kmalloc_large_bytes == 0

# ---- a cache of your own ------------------------------------------------------
# 700-byte objects, cache-line aligned: 704-byte slots. With 1 CPU SLUB wants
# at least 4*(fls(1)+1) = 8 objects per slab: 8*704 = 5632 bytes -> order 1
# (8K), which holds 11 with 448 bytes left over (<= 1/16 of the slab: fine).
kmem_cache create my_obj size=700 flags=HWCACHE_ALIGN
expect slabinfo.my_obj.objsize == 704
expect slabinfo.my_obj.objperslab == 11
expect slabinfo.my_obj.pagesperslab == 2

kmem_cache alloc my_obj -> $o1
# One slab now belongs to the CPU. slabinfo's active_objs counts every
# object of it as active (SLUB only subtracts free objects on the node's
# partial list), so one allocation shows 11 active objects.
expect slabinfo.my_obj.num_slabs == 1
expect slabinfo.my_obj.active_objs == 11
expect slabinfo.my_obj.inuse == 1

kmem_cache alloc my_obj -> $o2
kmem_cache alloc my_obj -> $o3
kmem_cache alloc my_obj -> $o4
kmem_cache alloc my_obj -> $o5
kmem_cache alloc my_obj -> $o6
kmem_cache alloc my_obj -> $o7
kmem_cache alloc my_obj -> $o8
kmem_cache alloc my_obj -> $o9
kmem_cache alloc my_obj -> $o10
kmem_cache alloc my_obj -> $o11
# The 12th object: the first slab is full and leaves the CPU (on no list at
# all: SLUB does not track full slabs); a second slab becomes the cpu slab.
kmem_cache alloc my_obj -> $o12
expect slabinfo.my_obj.num_slabs == 2
expect slabinfo.my_obj.num_objs == 22
expect slabinfo.my_obj.active_objs == 22

# Freeing into the full slab puts it on this CPU's partial list: still
# "active" for slabinfo, though only 11 objects are allocated.
kmem_cache free my_obj $o1
expect slabinfo.my_obj.cpu_partial == 1
expect slabinfo.my_obj.active_objs == 22
expect slabinfo.my_obj.inuse == 11

# kmem_cache shrink flushes the CPU's slabs to the node's partial list:
# now active_objs is exact (22 minus the 11 free objects on that list).
kmem_cache shrink my_obj
expect slabinfo.my_obj.partial == 2
expect slabinfo.my_obj.active_objs == 11

# Emptying the second slab does not free it: the node keeps up to
# min_partial (5 here) partial slabs, empty ones included...
kmem_cache free my_obj $o12
expect slabinfo.my_obj.num_slabs == 2
# ...until a shrink gives empty slabs back to the buddy allocator.
kmem_cache shrink my_obj
expect slabinfo.my_obj.num_slabs == 1

# Destroying a cache that still has objects fails (a warning in dmesg).
kmem_cache destroy my_obj
expect slabinfo.my_obj.num_slabs == 1
kmem_cache free my_obj $o2
kmem_cache free my_obj $o3
kmem_cache free my_obj $o4
kmem_cache free my_obj $o5
kmem_cache free my_obj $o6
kmem_cache free my_obj $o7
kmem_cache free my_obj $o8
kmem_cache free my_obj $o9
kmem_cache free my_obj $o10
kmem_cache free my_obj $o11
kmem_cache destroy my_obj

# The objects are real bytes in simulated RAM, reached through the direct map.
kzalloc 16 -> $s
kwrite $s "slab!"
kread $s 16 -> $v
expect $v == 0x2162616c73      # "slab!" as a little-endian number
kfree $s
kfree $a3
kfree $b
kfree $c
kfree $d

show slabinfo kmalloc-96 kmalloc-128 kmalloc-192 kmalloc-256
