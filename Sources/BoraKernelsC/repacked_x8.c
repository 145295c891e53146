// Q4_0, Q4_1 and Q8_0 GEMM / matvec on layouts repacked 8 rows at a time (see BoraKernelsC.h), AVX512-VNNI
// on 512-bit vectors (after llama.cpp's load-time repacking of Q4_0). Block b of 8 rows is contiguous,
// so one 64-byte load holds several rows' quants, and `vpdpbusd` against the activation block broadcast to
// every 128-bit lane gives each lane one row's partial sums. Per row, block and token that is a fraction of
// one instruction, where the plain-layout tiles (gemm_vnni.c) spend a `vpdpbusd`, a conversion and an FMA
// on 256 bits: small batches (continuous batching in the server) run at the speed of large ones.
//
//   Q4_0x8: one load = 4 rows x 16 quant bytes; (q - 8) . x = q . x - 8 sum(x), the correction per token and
//           block seeding the sum.
//   Q4_1x8: one load = 4 rows x 16 quant bytes (elements j low nibble, j + 16 high nibble); the activation
//           block (Q8_1) halves broadcast. d_w d_x (q . x) + m_w s_x, the min term in an 8-row vector.
//   Q8_0x8: one load = 4 rows x one half (16 bytes) of their blocks, stored as unsigned w + 128 (`vpdpbusd`
//           multiplies unsigned by signed): (w + 128) . x - 128 sum(x), the correction per token and block
//           seeding the sum.
//
// Integer sums are exact, so results differ from the scalar reference only in float rounding order.

#include "BoraKernelsC.h"
#include "common.h"
#include "x8.h"

#if defined(__x86_64__)

/// One Q4_0x8 group of 8 rows at g (per block: 8 fp16 d, 128 quant bytes) times RN <= 4 Q8_0 tokens (their
/// corrections, -8 sum(x), at corr + t * nb): out[t * 8 + r].
TGT INL void group_q4_0(const uint8_t *g, long nb, const uint8_t *x, long x_stride, const int32_t *corr, float *out,
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
        const uint8_t *rec = g + b * 144;  // 8 fp16 d, 128 quant bytes
        const __m512i w0 = _mm512_loadu_si512(rec + 16), w1 = _mm512_loadu_si512(rec + 80);
        const __m512i lo0 = _mm512_and_si512(w0, low4), hi0 = _mm512_and_si512(_mm512_srli_epi16(w0, 4), low4);
        const __m512i lo1 = _mm512_and_si512(w1, low4), hi1 = _mm512_and_si512(_mm512_srli_epi16(w1, 4), low4);
        const __m512 d8 = _mm512_castps256_ps512(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)rec)));
        const __m512 da = _mm512_permutexvar_ps(idx_a, d8), db = _mm512_permutexvar_ps(idx_b, d8);
        x8_block(lo0, hi0, lo1, hi1, da, db, x, x_stride, b, corr, nb, acc_a, acc_b, RN);
    }
    for (int t = 0; t < RN; t++)
        _mm256_storeu_ps(out + t * 8, _mm256_set_m128(x8_lane_sums(acc_b[t]), x8_lane_sums(acc_a[t])));
}

/// One Q4_1x8 group of 8 rows at g (nb x 128 quant bytes, nb x 8 fp16 d, nb x 8 fp16 m) times RN <= 4
/// Q8_1 tokens at x (stride x_stride): out[t * 8 + r].
TGT INL void group_q4_1(const uint8_t *g, long nb, const uint8_t *x, long x_stride, float *out, const int RN) {
    const __m512i low4 = _mm512_set1_epi8(0x0F), zero = _mm512_setzero_si512();
    const __m512i idx_a = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    const __m512i idx_b = _mm512_add_epi32(idx_a, _mm512_set1_epi32(4));
    __m512 acc_a[4], acc_b[4];
    __m256 macc[4];
    for (int t = 0; t < RN; t++) {
        acc_a[t] = _mm512_setzero_ps();
        acc_b[t] = _mm512_setzero_ps();
        macc[t] = _mm256_setzero_ps();
    }
    for (long b = 0; b < nb; b++) {
        const uint8_t *rec = g + b * 160;  // 8 fp16 d, 8 fp16 m, 128 quant bytes
        const __m512i w0 = _mm512_loadu_si512(rec + 32), w1 = _mm512_loadu_si512(rec + 96);
        const __m512i lo0 = _mm512_and_si512(w0, low4), hi0 = _mm512_and_si512(_mm512_srli_epi16(w0, 4), low4);
        const __m512i lo1 = _mm512_and_si512(w1, low4), hi1 = _mm512_and_si512(_mm512_srli_epi16(w1, 4), low4);
        const __m256 d8 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)rec));
        const __m256 m8 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(rec + 16)));
        const __m512 da = _mm512_permutexvar_ps(idx_a, _mm512_castps256_ps512(d8));
        const __m512 db = _mm512_permutexvar_ps(idx_b, _mm512_castps256_ps512(d8));
        for (int t = 0; t < RN; t++) {
            const uint8_t *xb = x + t * x_stride + b * 36;
            const __m512i xlo = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(xb + 4)));
            const __m512i xhi = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(xb + 20)));
            const __m512i ia = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, lo0, xlo), hi0, xhi);
            const __m512i ib = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, lo1, xlo), hi1, xhi);
            const __m128 dsx = _mm_cvtph_ps(_mm_cvtsi32_si128((int)(half_bits(xb) | (uint32_t)half_bits(xb + 2) << 16)));
            const __m512 dx = _mm512_broadcastss_ps(dsx);
            acc_a[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ia), _mm512_mul_ps(da, dx), acc_a[t]);
            acc_b[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ib), _mm512_mul_ps(db, dx), acc_b[t]);
            macc[t] = _mm256_fmadd_ps(m8, _mm256_broadcastss_ps(_mm_movehdup_ps(dsx)), macc[t]);
        }
    }
    for (int t = 0; t < RN; t++) {
        const __m256 sums = _mm256_set_m128(x8_lane_sums(acc_b[t]), x8_lane_sums(acc_a[t]));
        _mm256_storeu_ps(out + t * 8, _mm256_add_ps(sums, macc[t]));
    }
}

/// One Q8_0x8 group of 8 rows at g (nb x 256 unsigned quant bytes, nb x 8 fp16 d) times RN <= 4 Q8_0
/// tokens (their corrections at corr + t * nb): out[t * 8 + r]. Block b's quants: rows 0-3 first halves,
/// rows 0-3 second halves, rows 4-7 first halves, rows 4-7 second halves (64 bytes each, a row per lane).
TGT INL void group_q8_0(const uint8_t *g, long nb, const uint8_t *x, long x_stride, const int32_t *corr, float *out,
                        const int RN) {
    const __m512i idx_a = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    const __m512i idx_b = _mm512_add_epi32(idx_a, _mm512_set1_epi32(4));
    __m512 acc_a[4], acc_b[4];
    for (int t = 0; t < RN; t++) {
        acc_a[t] = _mm512_setzero_ps();
        acc_b[t] = _mm512_setzero_ps();
    }
    for (long b = 0; b < nb; b++) {
        const uint8_t *rec = g + b * 272, *q = rec + 16;  // 8 fp16 d, 256 quant bytes
        const __m512i lo0 = _mm512_loadu_si512(q), hi0 = _mm512_loadu_si512(q + 64);
        const __m512i lo1 = _mm512_loadu_si512(q + 128), hi1 = _mm512_loadu_si512(q + 192);
        const __m256 d8 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)rec));
        const __m512 da = _mm512_permutexvar_ps(idx_a, _mm512_castps256_ps512(d8));
        const __m512 db = _mm512_permutexvar_ps(idx_b, _mm512_castps256_ps512(d8));
        x8_block(lo0, hi0, lo1, hi1, da, db, x, x_stride, b, corr, nb, acc_a, acc_b, RN);
    }
    for (int t = 0; t < RN; t++)
        _mm256_storeu_ps(out + t * 8, _mm256_set_m128(x8_lane_sums(acc_b[t]), x8_lane_sums(acc_a[t])));
}

#define RN_SWITCH(CALL)                                                                                      \
    switch (rn) {                                                                                            \
    case 4: CALL(4); break;                                                                                  \
    case 3: CALL(3); break;                                                                                  \
    case 2: CALL(2); break;                                                                                  \
    default: CALL(1); break;                                                                                 \
    }

/// Rows [row_begin, row_end) of a repacked matrix of `rows` rows: tiles of 8 rows x up to 4 tokens over the
/// whole groups, `bora_gemm_q` on the plain rows after the last group.
TGT static void gemm_x8(int kind, const uint8_t *w, long nb, long rows, long row_begin, long row_end,
                        const uint8_t *x, long x_stride, long tokens, float *y, long y_stride) {
    const long plain_block = kind == BORA_Q4_0 ? 18 : kind == BORA_Q4_1 ? 20 : 34, group_bytes = 8 * nb * plain_block;
    const long groups = rows / 8, grouped_end = row_end < groups * 8 ? row_end : groups * 8;
    int32_t corr[kind == BORA_Q4_1 ? 1 : 4 * nb];
    float out[32];
    for (long t = 0; t < tokens && row_begin < grouped_end; t += 4) {
        const int rn = tokens - t < 4 ? (int)(tokens - t) : 4;
        if (kind != BORA_Q4_1)  // the weights' offset: Q4_0 quants are q + 8, Q8_0's stored as q + 128
            for (int k = 0; k < rn; k++)
                x8_block_sums(x + (t + k) * x_stride, nb, kind == BORA_Q4_0 ? -8 : -128, corr + k * nb);
        for (long g = row_begin / 8; g * 8 < grouped_end; g++) {
            const uint8_t *gp = w + g * group_bytes, *xt = x + t * x_stride;
#define Q40(N) group_q4_0(gp, nb, xt, x_stride, corr, out, N)
#define Q41(N) group_q4_1(gp, nb, xt, x_stride, out, N)
#define Q80(N) group_q8_0(gp, nb, xt, x_stride, corr, out, N)
            if (kind == BORA_Q4_0) {
                RN_SWITCH(Q40)
            } else if (kind == BORA_Q4_1) {
                RN_SWITCH(Q41)
            } else {
                RN_SWITCH(Q80)
            }
#undef Q40
#undef Q41
#undef Q80
            const long r0 = g * 8 > row_begin ? g * 8 : row_begin, r1 = g * 8 + 8 < grouped_end ? g * 8 + 8 : grouped_end;
            for (int k = 0; k < rn; k++)
                for (long r = r0; r < r1; r++) y[(t + k) * y_stride + (r - row_begin)] = out[k * 8 + (r - g * 8)];
        }
    }
    if (row_end > groups * 8) {
        const long first = row_begin > groups * 8 ? row_begin : groups * 8;
        bora_gemm_q(kind, w + groups * group_bytes, nb, first - groups * 8, row_end - groups * 8, x, x_stride,
                    tokens, y + (first - row_begin), y_stride);
    }
}

void bora_gemm_x8(int kind, const void *w, long nb, long rows, long row_begin, long row_end, const void *x,
                  long x_stride, long tokens, float *y, long y_stride) {
    if (row_begin >= row_end) return;
    if (nb <= 0) {
        for (long t = 0; t < tokens; t++)
            for (long r = row_begin; r < row_end; r++) y[t * y_stride + (r - row_begin)] = 0;
        return;
    }
    gemm_x8(kind, (const uint8_t *)w, nb, rows, row_begin, row_end, (const uint8_t *)x, x_stride, tokens, y, y_stride);
}

#else

void bora_gemm_x8(int kind, const void *w, long nb, long rows, long row_begin, long row_end, const void *x,
                  long x_stride, long tokens, float *y, long y_stride) {
    (void)kind; (void)w; (void)nb; (void)rows; (void)row_begin; (void)row_end;
    (void)x; (void)x_stride; (void)tokens; (void)y; (void)y_stride;
}

#endif
