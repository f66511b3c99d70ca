/* vmstat.c - the names of the vmstat counters (see vmstat.h). */
#include "mm/vmstat.h"

const char *const vmstat_names[NR_VM_ITEMS] = {
#define VMSTAT_NAME(name) #name,
	VMSTAT_ITEMS(VMSTAT_NAME)
#undef VMSTAT_NAME
};
