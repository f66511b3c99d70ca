/*
 * phys.c - simulated physical RAM as a sparse host mapping.
 *
 * MAP_NORESERVE|MAP_ANONYMOUS gives zero-filled memory the host commits only
 * when a frame is first written, so `machine ram=64G` boots on a smaller host:
 * what costs is the page descriptors actually initialised and the frames used.
 */
#include "hw/phys.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int phys_init(struct phys_ram *ram, uint64_t bytes)
{
	uint64_t host_page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t len = MM_ALIGN_UP(bytes ? bytes : 1, host_page);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	ram->base = p;
	ram->bytes = bytes;
	ram->map_bytes = len;
	return 0;
}

void phys_fini(struct phys_ram *ram)
{
	if (ram->base)
		munmap(ram->base, ram->map_bytes);
	ram->base = NULL;
	ram->bytes = ram->map_bytes = 0;
}

uint64_t phys_resident_bytes(const struct phys_ram *ram)
{
	uint64_t host_page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t n = ram->map_bytes / host_page, resident = 0;
	unsigned char vec[4096];
	for (uint64_t i = 0; i < n; i += sizeof(vec)) {
		uint64_t chunk = MM_MIN(n - i, (uint64_t)sizeof(vec));
		if (mincore(ram->base + i * host_page, chunk * host_page, vec))
			return 0;
		for (uint64_t j = 0; j < chunk; j++)
			resident += vec[j] & 1;
	}
	return resident * host_page;
}
