/*
 * fuzz_scenario.c - the scenario parser and interpreter against hostile input.
 *
 * Two ways to run it:
 *   - with libFuzzer (clang -fsanitize=fuzzer, `make fuzz`): LLVMFuzzerTestOneInput
 *     is the entry point, coverage-guided, seeded from tests/fuzz/corpus/;
 *   - without (MMSIM_FUZZ_STANDALONE, built by CMake for `make test`): a
 *     deterministic mutation loop that starts from the corpus files and a
 *     vocabulary of the language's tokens, runs N inputs and checks only that
 *     mmsim neither crashes nor leaks (under ASan) and returns 0, 1 or 2.
 *
 *   fuzz_scenario_smoke [N] [SEED] [CORPUS_FILE...]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmsim/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Fuzz inputs must never read or write host files (`file create from=`,
 * `file export`): simfs refuses both when this variable is set. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("MMSIM_NO_HOST_FILES", "1", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Keep every input small enough that one run stays fast. */
	if (size > 4096)
		return 0;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	FILE *devnull = fopen("/dev/null", "w");
	struct scenario *s = scenario_create(devnull, devnull);
	int st = scenario_run_string(s, text, "<fuzz>");
	scenario_destroy(s);
	fclose(devnull);
	free(text);
	if (st < 0 || st > 2)
		abort();
	return 0;
}

#ifdef MMSIM_FUZZ_STANDALONE
static const char *const vocab[] = {
	"machine ", "arch=", "x86_64", "i386", "i386-pae", "toy", "x86_64-la57", "ram=", "cpus=",
	"va_bits=", "pa_bits=", "page=", "levels=", "cma=", "slub_debug=FZPU", "tlb=", "pcid=off",
	"alloc_pages ", "free_pages ", "gfp=", "GFP_KERNEL", "GFP_DMA", "|__GFP_ZERO", "GFP_ATOMIC",
	"GFP_HIGHUSER_MOVABLE", "kmalloc ", "kfree ", "kmem_cache ", "create ", "alloc ", "free ",
	"vmalloc ", "vfree ", "kmap ", "kunmap ", "show ", "meminfo", "buddyinfo", "zoneinfo",
	"pagetable kernel ", "slabinfo", "vmallocinfo", "--json", "expect ", "==", ">=", "<",
	"sysctl ", "vm.min_free_kbytes=", "vm.lowmem_reserve_ratio=", "tick ", "echo ", "\"",
	"\\", "\n", " ", "-> $p", "$p", "$q", "+", "*", "(", ")", "0x", "4K", "2M", "1G", "16p",
	"0", "1", "3", "10", "11", "18446744073709551615", "-1", "#", "kwrite ", "kread ",
	"alloc_percpu ", "free_percpu ", "set verbose on", "help", "mmap ", "spawn ", "fork ",
	"file create ", "file export ", "size=", "from=", "/tmp/x", "read ", "write ", "touch ",
	"munmap ", "mprotect ", "brk ", "exit ", "A ", "B ", "prot=r", "flags=shared",
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(8192);
	*len = fread(buf, 1, 8191, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	LLVMFuzzerInitialize(&argc, &argv);
	long n = argc > 1 ? strtol(argv[1], NULL, 0) : 500;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	uint64_t s = seed * 2654435761u + 7;
	char *seeds[64];
	size_t seed_len[64], nr_seeds = 0;
	for (int i = 3; i < argc && nr_seeds < 64; i++) {
		seeds[nr_seeds] = slurp(argv[i], &seed_len[nr_seeds]);
		if (seeds[nr_seeds])
			nr_seeds++;
	}
	char buf[4096];
	for (long i = 0; i < n; i++) {
		size_t len = 0;
		if (nr_seeds && rnd(&s) % 2) {
			/* Mutate a corpus file: cut, splice vocabulary, flip bytes. */
			size_t which = rnd(&s) % nr_seeds;
			len = seed_len[which] < sizeof(buf) - 1 ? seed_len[which] : sizeof(buf) - 1;
			memcpy(buf, seeds[which], len);
			for (int m = 0, nm = 1 + (int)(rnd(&s) % 8); m < nm && len; m++) {
				size_t at = rnd(&s) % len;
				switch (rnd(&s) % 3) {
				case 0:
					buf[at] = (char)(rnd(&s) & 0xff);
					break;
				case 1:
					len = at;
					break;
				default: {
					const char *w = vocab[rnd(&s) % (sizeof(vocab) / sizeof(vocab[0]))];
					size_t wl = strlen(w);
					if (len + wl < sizeof(buf) - 1) {
						memmove(buf + at + wl, buf + at, len - at);
						memcpy(buf + at, w, wl);
						len += wl;
					}
				}
				}
			}
		} else {
			/* A sentence of vocabulary words. */
			for (int w = 0, nw = 1 + (int)(rnd(&s) % 24); w < nw; w++) {
				const char *t = vocab[rnd(&s) % (sizeof(vocab) / sizeof(vocab[0]))];
				size_t tl = strlen(t);
				if (len + tl >= sizeof(buf) - 1)
					break;
				memcpy(buf + len, t, tl);
				len += tl;
			}
		}
		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	}
	for (size_t i = 0; i < nr_seeds; i++)
		free(seeds[i]);
	printf("fuzz_scenario_smoke: %ld inputs, seed %llu: no crash\n", n,
	       (unsigned long long)seed);
	printf("1 passed, 0 failed\n");
	return 0;
}
#endif
