/*
 * phys.h - simulated physical RAM.
 *
 * RAM is one host region reserved with MAP_NORESERVE: the host pays only for
 * frames that are touched. Physical address 0 is the region's first byte.
 * This is the only file that knows where RAM lives in the host.
 */
#ifndef MMSIM_HW_PHYS_H
#define MMSIM_HW_PHYS_H

#include "mmsim/types.h"

struct phys_ram {
	uint8_t *base;     /* host address of PA 0 */
	uint64_t bytes;    /* RAM size */
	uint64_t map_bytes;/* bytes reserved from the host (page-rounded) */
};

/* Reserve bytes of RAM; 0 or -ENOMEM. Contents start zeroed. */
int phys_init(struct phys_ram *ram, uint64_t bytes);
void phys_fini(struct phys_ram *ram);

/* Host pointer to the byte at pa; pa must be inside RAM. */
static inline void *phys_to_host(const struct phys_ram *ram, mm_pa_t pa)
{
	return ram->base + pa;
}

static inline bool phys_valid(const struct phys_ram *ram, mm_pa_t pa, uint64_t len)
{
	return pa <= ram->bytes && len <= ram->bytes - pa;
}

/* Bytes of host memory actually resident for RAM (from mincore). */
uint64_t phys_resident_bytes(const struct phys_ram *ram);

#endif
