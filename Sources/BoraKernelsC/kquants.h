// K-quant tiles (Q4_K, Q6_K x Q8_K here; Q5_K, Q3_K, Q2_K with the decoders of gemm_kquants_lo.c), included
// by gemm_vnni.c and gemm_kquants_lo.c, whose drivers walk the tiles.
//
// Per 32-element group g of a super-block: `vpmaddubsw` (unsigned quants x signed activations) gives 16
// int16 pair sums, `vpdpwssd` multiplies them by the group's int16 scale(s) and adds to 8 int32 lanes;
// per super-block the lanes are converted and added with one FMA by d_w * d_x (ggml's
// `ggml_vec_dot_q4_K_q8_K` / `_q6_K_q8_K` structure). No saturation: |quant| <= 63, |activation| <= 127.
//   Q4_K: sum_g sc_g (q_g . x_g) * d d_x  -  sum_g m_g bsum_g * dmin d_x   (bsum_g: Q8_K's two bsums of g)
//   Q6_K: sum_k sc_k (q_k . x_k) * d d_x with q - 32, i.e. minus 32 sum_k sc_k bsum_k (16-element k).
#ifndef BORA_KERNELS_C_KQUANTS_H
#define BORA_KERNELS_C_KQUANTS_H

#include "common.h"

#if defined(__x86_64__)

#define IS_K(K) ((K) == BORA_Q4_K || (K) == BORA_Q6_K)

/// One super-block row's 8 groups of 32 quants (unsigned, 0...15 or 0...63) and their int16 scale vectors.
typedef struct {
    __m256i q[8], sc[8];
    __m256i mins;   // Q4_K: 16 int16 mins, m_g at lanes 2g, 2g+1; Q6_K: the 16 int8 scales as int16
    float d, dmin;
} KRow;

/// Q4_K / Q5_K's d, dmin, 8 scales and 8 mins (12 bytes at +4).
TGT INL void q4k_scales(const uint8_t *b, KRow *k) {
    // scales[12] at +4: bytes 0-3 scale 0-3 (low 6 bits), 4-7 min 0-3, 8-11 low nibble scale 4-7, high
    // nibble min 4-7; the top 2 bits of bytes 0-3 / 4-7 are the high bits of scale / min 4-7.
    uint32_t u[3];
    memcpy(u, b + 4, 12);
    const uint32_t sc_lo = u[0] & 0x3F3F3F3Fu, mn_lo = u[1] & 0x3F3F3F3Fu;
    const uint32_t sc_hi = (u[2] & 0x0F0F0F0Fu) | ((u[0] >> 6) & 0x03030303u) << 4;
    const uint32_t mn_hi = ((u[2] >> 4) & 0x0F0F0F0Fu) | ((u[1] >> 6) & 0x03030303u) << 4;
    for (int g = 0; g < 8; g++) {
        const uint32_t s = g < 4 ? sc_lo >> (8 * g) : sc_hi >> (8 * (g - 4));
        k->sc[g] = _mm256_set1_epi16((short)(s & 0xFF));
    }
    const __m128i m8 = _mm_set_epi32(0, 0, (int)mn_hi, (int)mn_lo);
    k->mins = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));
    k->d = _mm_cvtss_f32(halves4(b, 2, 2));
    k->dmin = _mm_cvtss_f32(_mm_shuffle_ps(halves4(b, 2, 2), halves4(b, 2, 2), 1));
}

TGT INL void decode_q4_K(const uint8_t *b, KRow *k) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    for (int c = 0; c < 4; c++) {
        const __m256i v = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * c));
        k->q[2 * c] = _mm256_and_si256(v, low4);
        k->q[2 * c + 1] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
    }
    q4k_scales(b, k);
}

TGT INL void decode_q6_K(const uint8_t *b, KRow *k) {
    const __m256i low4 = _mm256_set1_epi8(0x0F), three = _mm256_set1_epi8(3);
    for (int h = 0; h < 2; h++) {
        const __m256i l0 = _mm256_loadu_si256((const __m256i *)(b + 64 * h));
        const __m256i l1 = _mm256_loadu_si256((const __m256i *)(b + 64 * h + 32));
        const __m256i hb = _mm256_loadu_si256((const __m256i *)(b + 128 + 32 * h));
        const __m256i lows[4] = {_mm256_and_si256(l0, low4), _mm256_and_si256(l1, low4),
                                 _mm256_and_si256(_mm256_srli_epi16(l0, 4), low4),
                                 _mm256_and_si256(_mm256_srli_epi16(l1, 4), low4)};
        for (int q = 0; q < 4; q++) {
            const __m256i high = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * q), three), 4);
            k->q[4 * h + q] = _mm256_or_si256(lows[q], high);
        }
    }
    const int8_t *sc = (const int8_t *)(b + 192);
    for (int g = 0; g < 8; g++)
        k->sc[g] = _mm256_set_m128i(_mm_set1_epi16(sc[2 * g + 1]), _mm_set1_epi16(sc[2 * g]));
    k->mins = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc));
    k->d = _mm_cvtss_f32(halves4(b + 208, 2, 1));
    k->dmin = 0;
}

/// Decodes one super-block row of a K-quant format into a KRow.
typedef void (*KDecode)(const uint8_t *, KRow *);

/// A tile of RM rows x RN tokens over nb super-blocks of `wb_bytes` bytes (same contract as `tile` in
/// gemm_vnni.c), rows decoded by `decode` (a constant after inlining, as RM and RN). The mins enter one of
/// two ways: with `min_shift` > 0, the format's quant offset 2^min_shift times the scale-weighted bsums comes
/// off the integer sum (Q6_K 32, Q3_K 4); with 0, the mins times dmin d_x come off the float sum (Q4_K,
/// Q5_K, Q2_K).
TGT INL void ktile(KDecode decode, long wb_bytes, int min_shift, const uint8_t *w, long row_bytes, long nb,
                   const uint8_t *x, long x_stride, float *y, long y_stride, const int RM, const int RN) {
    __m256 acc[4][4];
    for (int r = 0; r < RM; r++)
        for (int t = 0; t < RN; t++) acc[r][t] = _mm256_setzero_ps();
    for (long b = 0; b < nb; b++) {
        float dx[4];
        for (int t = 0; t < RN; t++) memcpy(dx + t, x + t * x_stride + b * 292, 4);
        for (int r = 0; r < RM; r++) {
            KRow k;
            decode(w + r * row_bytes + b * wb_bytes, &k);
            for (int t = 0; t < RN; t++) {
                const uint8_t *xb = x + t * x_stride + b * 292;
                __m256i isum = _mm256_setzero_si256();
                for (int g = 0; g < 8; g++) {
                    const __m256i xv = _mm256_loadu_si256((const __m256i *)(xb + 4 + 32 * g));
                    isum = _mm256_dpwssd_epi32(isum, _mm256_maddubs_epi16(k.q[g], xv), k.sc[g]);
                }
                const __m256i bsums = _mm256_loadu_si256((const __m256i *)(xb + 260));
                const __m256i msum = _mm256_madd_epi16(k.mins, bsums);
                if (min_shift > 0) {
                    isum = _mm256_sub_epi32(isum, _mm256_sll_epi32(msum, _mm_cvtsi32_si128(min_shift)));
                    acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(k.d * dx[t]), acc[r][t]);
                } else {
                    acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(k.d * dx[t]), acc[r][t]);
                    acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(-k.dmin * dx[t]), acc[r][t]);
                }
            }
        }
    }
    for (int r = 0; r < RM; r++)
        for (int t = 0; t < RN; t++) y[t * y_stride + r] = hsum8(acc[r][t]);
}

#endif
#endif
