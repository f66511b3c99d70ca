# slub-debug.mms - play a buggy kernel and watch SLUB catch it.
# slub_debug=FZPU: F consistency checks, Z red zones, P poisoning,
# U the allocating and freeing call sites. Every bug below is reported once
# in dmesg, in Linux's words ("BUG kmalloc-64 (Not tainted): ..."), with
# the damaged bytes restored, and counted in slabinfo.<cache>.errors.
# Run: mmsim run examples/slub-debug.mms     (docs/slab.md explains the report)

machine arch=x86_64 ram=128M slub_debug=FZPU

# With red zones and tracking, a kmalloc-64 slot is 256 bytes:
# 64 left red zone | 64 object | 8 right red zone | 8 free pointer |
# 2 x 32 track (alloc, free) | 4 requested size | padding.
expect slabinfo.kmalloc-64.objsize == 256
expect slabinfo.kmalloc-64.objperslab == 16

# ---- an overflow: one byte past what was asked for -------------------------
kmalloc 50 -> $p
kread $p+48 4 -> $v        # 6b a5 cc cc: poison, its end byte, the kmalloc red zone
expect $v == 0xcccca56b
kwrite $p+50 "!"
kfree $p                   # BUG kmalloc-64: kmalloc Redzone overwritten; not freed
expect slabinfo.kmalloc-64.errors == 1
kread $p+50 1 -> $v        # restored to 0xcc
expect $v == 0xcc
kfree $p                   # now it is clean: freed, nothing new to report
expect slabinfo.kmalloc-64.errors == 1

# ---- the right red zone, past the whole object ------------------------------
kmalloc 64 -> $r
kwrite $r+64 "XYZ"
kfree $r                   # BUG kmalloc-64: Right Redzone overwritten
expect slabinfo.kmalloc-64.errors == 2
kfree $r
expect slabinfo.kmalloc-64.errors == 2

# ---- a double free ---------------------------------------------------------------
kmem_cache create victim size=64        # slub_debug applies to new caches too
kmem_cache alloc victim -> $v1
kmem_cache alloc victim -> $v2
kmem_cache free victim $v1
kmem_cache free victim $v1              # BUG victim: Object already free
expect slabinfo.victim.errors == 1
expect slabinfo.victim.inuse == 1

# ---- freeing what was never allocated ---------------------------------------------
kfree $v2+8                             # BUG victim: Invalid object pointer
expect slabinfo.victim.errors == 2

# ---- a leak found at destroy time ---------------------------------------------------
kmem_cache destroy victim               # BUG victim: Objects remaining...; cache kept
expect slabinfo.victim.inuse == 1
kmem_cache free victim $v2
kmem_cache destroy victim               # empty now: gone

# ---- a use after free -----------------------------------------------------------
# A free object is poisoned (0x6b... ending in 0xa5). A write into it is
# caught when the allocator hands it out again: the poison is checked first.
kmem_cache create uaf size=64
kmem_cache alloc uaf -> $u1
kmem_cache free uaf $u1
kread $u1 8 -> $v
expect $v == 0x6b6b6b6b6b6b6b6b
kwrite $u1+8 "use after free"
kmem_cache alloc uaf -> $u2             # BUG uaf: Poison overwritten
expect slabinfo.uaf.errors == 1
# SLUB restores the poison, then gives up on the rest of that slab ("FIX
# uaf: Marking all objects used": those objects leak, as on Linux) and
# allocates from a fresh slab.
expect $u2 != $u1
kmem_cache alloc uaf -> $u3             # no new report
expect slabinfo.uaf.errors == 1
expect slabinfo.uaf.num_slabs == 2

# All of it, as the kernel log tells it (the reports follow the boot log).
show dmesg
