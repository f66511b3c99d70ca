/*
 * mmsim/types.h - the vocabulary every layer shares.
 *
 * Glossary (the words are Linux's; mmsim keeps three address spaces apart):
 *
 *   frame      a page-sized piece of simulated physical RAM.
 *   PFN        page frame number: physical address >> PAGE_SHIFT.   (mm_pfn_t)
 *   page       the descriptor of one frame, struct page in mem_map[PFN].
 *   PA         a simulated physical address.                        (mm_pa_t)
 *   VA         a simulated virtual address, kernel or user.         (mm_va_t)
 *   host ptr   an address in the mmsim process itself (void *); the
 *              byte at PA p lives at phys_to_host(p). Never mix the two.
 *   PTE        a page-table entry in the architecture's own bit layout,
 *              stored in a frame (4 or 8 bytes).                     (mm_pte_t)
 *   order      log2 of a block's size in pages (order 3 = 8 pages).
 *
 * Units are in names: _pfn, _pa, _va, _bytes, _pages, _order.
 */
#ifndef MMSIM_TYPES_H
#define MMSIM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t mm_pfn_t;
typedef uint64_t mm_pa_t;
typedef uint64_t mm_va_t;
typedef uint64_t mm_pte_t;

#define MM_KB 1024ULL
#define MM_MB (1024ULL * MM_KB)
#define MM_GB (1024ULL * MM_MB)
#define MM_TB (1024ULL * MM_GB)

#define MM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MM_ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define MM_ALIGN_UP(x, a) MM_ALIGN_DOWN((x) + (a) - 1, (a))
#define MM_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MM_MAX(a, b) ((a) > (b) ? (a) : (b))

struct mm_machine;

#endif
