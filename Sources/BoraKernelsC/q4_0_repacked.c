// Q4_0 GEMM / matvec on the repacked "Q4_0x8" layout (see BoraKernelsC.h), AVX512-VNNI on 512-bit vectors.
//
// One 64-byte load holds block b of 4 rows, one row per 128-bit lane: its 16 quant bytes (elements j in the
// low nibble, j + 16 in the high one). `vpdpbusd` against the activation block's first and last 16 bytes,
// each broadcast to the 4 lanes, gives 4 int32 partial sums per row. The -8 of Q4_0 is folded into a seed:
// (q - 8) . x = q . x - 8 sum(x), and -8 sum(x) per token and block is computed once per call, then set in
// the first dword of each lane (one masked broadcast) as the start of the integer sum. The 8 rows' fp16
// scales are contiguous, so one conversion gives all 8 and a permute spreads them to the lanes. Scales and
// quants alternate in chunks of 4 blocks (64 bytes of scales, 512 of quants), so that a group, and the
// matrix, is read as one sequential stream: with the scales in a separate array after each group's quants,
// 1B Q4_0 decode on one thread ran at ~0.7x the plain layout's speed.
//
// A group of 8 rows x up to 4 tokens decodes each weight block once (two loads, four nibble masks) for all
// tokens. Groups are read in memory order, one stream, which the hardware prefetchers follow (an interleaved tile of plain rows did not, see row_dot in gemm_vnni.c). Rows past the
// last whole group keep the plain Q4_0 layout and run `bora_gemm_q`.
//
// Integer sums are exact, so results differ from the scalar reference only in float rounding order.

#include "BoraKernelsC.h"
#include "common.h"
#include "x8.h"

#if defined(__x86_64__)

/// One group of 8 rows at g (chunks of 4 blocks: 4 x 8 fp16 scales, then 4 x 128 quant bytes) times RN <= 4 tokens (token t at
/// x + t * x_stride, its corrections at corr + t * nb): out[t * 8 + r].
TGT INL void group(const uint8_t *g, long nb, const uint8_t *x, long x_stride, const int32_t *corr, float *out,
                   const int RN) {
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const __m512i idx_a = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    const __m512i idx_b = _mm512_add_epi32(idx_a, _mm512_set1_epi32(4));
    __m512 acc_a[4], acc_b[4];
    for (int t = 0; t < RN; t++) {
        acc_a[t] = _mm512_setzero_ps();
        acc_b[t] = _mm512_setzero_ps();
    }
    for (long b = 0; b < nb; b++) {
        const long c = b / 4, k = nb - 4 * c < 4 ? nb - 4 * c : 4;  // chunk of k blocks: k scales, k quants
        const uint8_t *chunk = g + c * 576, *q = chunk + k * 16 + (b % 4) * 128;
        const __m512i w0 = _mm512_loadu_si512(q), w1 = _mm512_loadu_si512(q + 64);
        const __m512i lo0 = _mm512_and_si512(w0, low4), hi0 = _mm512_and_si512(_mm512_srli_epi16(w0, 4), low4);
        const __m512i lo1 = _mm512_and_si512(w1, low4), hi1 = _mm512_and_si512(_mm512_srli_epi16(w1, 4), low4);
        const __m512 d8 = _mm512_castps256_ps512(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(chunk + (b % 4) * 16))));
        const __m512 da = _mm512_permutexvar_ps(idx_a, d8), db = _mm512_permutexvar_ps(idx_b, d8);
        x8_block(lo0, hi0, lo1, hi1, da, db, x, x_stride, b, corr, nb, acc_a, acc_b, RN);
    }
    for (int t = 0; t < RN; t++) {
        _mm_storeu_ps(out + t * 8, x8_lane_sums(acc_a[t]));
        _mm_storeu_ps(out + t * 8 + 4, x8_lane_sums(acc_b[t]));
    }
}

/// `group` with a constant token count.
TGT INL void group_any(const uint8_t *g, long nb, const uint8_t *x, long x_stride, const int32_t *corr,
                       float *out, int rn) {
    switch (rn) {
    case 4: group(g, nb, x, x_stride, corr, out, 4); break;
    case 3: group(g, nb, x, x_stride, corr, out, 3); break;
    case 2: group(g, nb, x, x_stride, corr, out, 2); break;
    default: group(g, nb, x, x_stride, corr, out, 1); break;
    }
}

TGT static void gemm_q4_0x8(const uint8_t *w, long nb, long rows, long row_begin, long row_end,
                            const uint8_t *x, long x_stride, long tokens, float *y, long y_stride) {
    const long groups = rows / 8, group_bytes = nb * 144, grouped_end = row_end < groups * 8 ? row_end : groups * 8;
    int32_t corr[4 * nb + 1];
    float out[32];
    for (long t = 0; t < tokens && row_begin < grouped_end; t += 4) {
        const int rn = tokens - t < 4 ? (int)(tokens - t) : 4;
        for (int k = 0; k < rn; k++) x8_block_sums(x + (t + k) * x_stride, nb, -8, corr + k * nb);
        for (long g = row_begin / 8; g * 8 < grouped_end; g++) {
            group_any(w + g * group_bytes, nb, x + t * x_stride, x_stride, corr, out, rn);
            const long r0 = g * 8 > row_begin ? g * 8 : row_begin, r1 = g * 8 + 8 < grouped_end ? g * 8 + 8 : grouped_end;
            for (int k = 0; k < rn; k++)
                for (long r = r0; r < r1; r++) y[(t + k) * y_stride + (r - row_begin)] = out[k * 8 + (r - g * 8)];
        }
    }
    if (row_end > groups * 8) {
        const long first = row_begin > groups * 8 ? row_begin : groups * 8;
        bora_gemm_q(BORA_Q4_0, w + groups * group_bytes, nb, first - groups * 8, row_end - groups * 8, x, x_stride,
                    tokens, y + (first - row_begin), y_stride);
    }
}

void bora_gemm_q4_0x8(const void *w, long nb, long rows, long row_begin, long row_end, const void *x,
                      long x_stride, long tokens, float *y, long y_stride) {
    if (row_begin >= row_end) return;
    if (nb <= 0) {  // empty rows: dot products 0, as bora_gemm_q gives
        for (long t = 0; t < tokens; t++)
            for (long r = row_begin; r < row_end; r++) y[t * y_stride + (r - row_begin)] = 0;
        return;
    }
    gemm_q4_0x8((const uint8_t *)w, nb, rows, row_begin, row_end, (const uint8_t *)x, x_stride, tokens, y, y_stride);
}

#else

void bora_gemm_q4_0x8(const void *w, long nb, long rows, long row_begin, long row_end, const void *x,
                      long x_stride, long tokens, float *y, long y_stride) {
    (void)w; (void)nb; (void)rows; (void)row_begin; (void)row_end;
    (void)x; (void)x_stride; (void)tokens; (void)y; (void)y_stride;
}

#endif
