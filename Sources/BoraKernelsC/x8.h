// The 8-row repacked kernels' shared pieces (repacked_x8.c): a 512-bit vector holds 4 rows of a
// block, one row per 128-bit lane, and each token's Q8_0 activation block is broadcast to every lane.
#ifndef BORA_KERNELS_C_X8_H
#define BORA_KERNELS_C_X8_H

#include "common.h"

#if defined(__x86_64__)

/// c[b] = factor * sum of the 32 quants of Q8_0 activation block b (the correction for weights stored with
/// an offset: Q4_0's -8, Q8_0's +128).
TGT INL void x8_block_sums(const uint8_t *x, long nb, int32_t factor, int32_t *c) {
    const __m256i one = _mm256_set1_epi8(1), zero = _mm256_setzero_si256();
    for (long b = 0; b < nb; b++) {
        const __m256i s = _mm256_dpbusd_epi32(zero, one, _mm256_loadu_si256((const __m256i *)(x + b * 34 + 2)));
        __m128i a = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        a = _mm_add_epi32(a, _mm_shuffle_epi32(a, 0x4E));
        a = _mm_add_epi32(a, _mm_shuffle_epi32(a, 0xB1));
        c[b] = factor * _mm_cvtsi128_si32(a);
    }
}

/// The 4 lane sums of v (4 lanes of 4 floats) as 4 floats.
TGT INL __m128 x8_lane_sums(__m512 v) {
    v = _mm512_add_ps(v, _mm512_permute_ps(v, 0x4E));
    v = _mm512_add_ps(v, _mm512_permute_ps(v, 0xB1));
    return _mm512_castps512_ps128(_mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                                          0, 0, 0), v));
}

/// Block b of 8 rows against RN <= 4 Q8_0 tokens (token t at x + t * x_stride, its block corrections at
/// corr + t * nb): rows 0-3 in lo0 / hi0 (unsigned quants of the block's first and last 16 elements, one row
/// per lane) with scales da, rows 4-7 in lo1 / hi1 with db; acc_a[t] / acc_b[t] += the scaled lane sums.
TGT INL void x8_block(__m512i lo0, __m512i hi0, __m512i lo1, __m512i hi1, __m512 da, __m512 db, const uint8_t *x,
                      long x_stride, long b, const int32_t *corr, long nb, __m512 *acc_a, __m512 *acc_b, const int RN) {
    for (int t = 0; t < RN; t++) {
        const uint8_t *xb = x + t * x_stride + b * 34;
        const __m512i xlo = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(xb + 2)));
        const __m512i xhi = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(xb + 18)));
        const __m512i seed = _mm512_maskz_set1_epi32(0x1111, corr[t * nb + b]);
        const __m512i ia = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(seed, lo0, xlo), hi0, xhi);
        const __m512i ib = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(seed, lo1, xlo), hi1, xhi);
        const __m512 dx = _mm512_broadcastss_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(half_bits(xb))));
        acc_a[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ia), _mm512_mul_ps(da, dx), acc_a[t]);
        acc_b[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ib), _mm512_mul_ps(db, dx), acc_b[t]);
    }
}

#endif
#endif
