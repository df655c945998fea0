/*
 * fuzz.h: what every harness shares. A harness defines LLVMFuzzerTestOneInput and, when it has
 * set-up to do once per process (before AFL++'s fork server starts), jg_fuzz_init; fuzz/driver.c
 * holds main: AFL++ persistent mode without arguments, replay of the named files otherwise.
 */
#ifndef JG_FUZZ_H
#define JG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* jg_fuzz_init: optional once-per-process set-up (a weak default does nothing). */
void jg_fuzz_init(void);

/* jg_fuzz_copy: n bytes of p in a heap block of exactly n bytes (ASan sees a read past it);
 * the caller frees it. Aborts when out of memory. */
uint8_t *jg_fuzz_copy(const uint8_t *p, size_t n);

/* CHECK: an invariant of the code under test; a failure is a crash the fuzzer keeps. */
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s\n", #c); abort(); } } while (0)

#endif
