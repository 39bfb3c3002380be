// How close can a matmul inner loop come to the FMA roof on an x86 CPU when
// every multiply-add is a separate multiply and add? That is how Mesa's
// llvmpipe and lavapipe run WGSL's fma(): gallivm's NIR options lower ffma,
// and LLVM does not fuse the pair back. The `peak` probe measures the roof
// (a multiply and an add per cycle, in registers); this measures, on one core,
// the two ways a hand-written AVX2 microkernel can feed the same operations
// from memory, with perfect register allocation: a ceiling for any shader the
// JIT compiles, before texel fetches and execution masks.
//
//   gcc -O2 -mavx2 -ffp-contract=off scripts/mul_add_ceiling.c -o /tmp/ceiling && /tmp/ceiling
//
// Kernels (12 accumulators of 8 lanes: 2 rows × 6 columns, k = 0..255):
//   registers  acc = acc·a + b, all in registers: the roof.
//   broadcast  acc += a_row · broadcast(B[k][col]), B a scalar in memory: the
//              usual CPU GEMM microkernel, minus the fused multiply-add.
//   splat      the same with B stored pre-broadcast (8 copies), read as the
//              multiply's memory operand.

#include <immintrin.h>
#include <stdio.h>
#include <time.h>

enum { ROWS = 2, COLS = 6, K = 256, LANES = 8 };

static float a[K][ROWS][LANES] __attribute__((aligned(32)));
static float b_scalar[K][COLS];
static float b_splat[K][COLS][LANES] __attribute__((aligned(32)));
static float sink[ROWS][COLS][LANES];

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// One pass of the microkernel over k; splat selects where B comes from. Always
// inlined, so that each caller's constant `splat` compiles to its own loop.
static inline __attribute__((always_inline)) void microkernel(int splat) {
    __m256 acc[ROWS][COLS];
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++) acc[r][c] = _mm256_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m256 row[ROWS];
        for (int r = 0; r < ROWS; r++) row[r] = _mm256_load_ps(a[k][r]);
#pragma GCC unroll 16
        for (int c = 0; c < COLS; c++) {
            __m256 b = splat ? _mm256_load_ps(b_splat[k][c]) : _mm256_broadcast_ss(&b_scalar[k][c]);
            for (int r = 0; r < ROWS; r++) acc[r][c] = _mm256_add_ps(acc[r][c], _mm256_mul_ps(row[r], b));
        }
    }
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++)
            _mm256_storeu_ps(sink[r][c], _mm256_add_ps(acc[r][c], _mm256_loadu_ps(sink[r][c])));
}

// GFLOP/s of `passes` microkernel passes.
static inline __attribute__((always_inline)) double time_microkernel(int splat, long passes) {
    double start = now_s();
    for (long p = 0; p < passes; p++) microkernel(splat);
    return 2.0 * K * ROWS * COLS * LANES * passes / (now_s() - start) / 1e9;
}

// GFLOP/s of the roof: independent multiply-add chains in registers.
static double time_registers(long iterations) {
    __m256 acc[ROWS * COLS], scale = _mm256_set1_ps(0.999f), offset = _mm256_set1_ps(1e-6f);
    for (int i = 0; i < ROWS * COLS; i++) acc[i] = _mm256_set1_ps((float)i);
    double start = now_s();
    for (long n = 0; n < iterations; n++) {
#pragma GCC unroll 16
        for (int i = 0; i < ROWS * COLS; i++) acc[i] = _mm256_add_ps(_mm256_mul_ps(acc[i], scale), offset);
        __asm__ volatile("" : "+x"(scale)); // keeps the loop from being folded
    }
    double rate = 2.0 * ROWS * COLS * LANES * iterations / (now_s() - start) / 1e9;
    for (int i = 1; i < ROWS * COLS; i++) acc[0] = _mm256_add_ps(acc[0], acc[i]);
    _mm256_storeu_ps(sink[0][0], acc[0]);
    return rate;
}

int main(void) {
    for (int k = 0; k < K; k++) {
        for (int r = 0; r < ROWS; r++)
            for (int l = 0; l < LANES; l++) a[k][r][l] = 1e-3f * (k + r + l);
        for (int c = 0; c < COLS; c++) {
            b_scalar[k][c] = 1e-3f * (k - c);
            for (int l = 0; l < LANES; l++) b_splat[k][c][l] = b_scalar[k][c];
        }
    }
    double roof = time_registers(100000000);
    double broadcast = time_microkernel(0, 400000);
    double splat = time_microkernel(1, 400000);
    printf("one core, multiply and add apart (checksum %g):\n", sink[0][0][0]);
    printf("  registers  %6.1f GFLOP/s (the roof)\n", roof);
    printf("  broadcast  %6.1f GFLOP/s = %3.0f%% of the roof\n", broadcast, 100 * broadcast / roof);
    printf("  splat      %6.1f GFLOP/s = %3.0f%% of the roof\n", splat, 100 * splat / roof);
    return 0;
}
