// Q5_K, Q3_K and Q2_K x Q8_K GEMM / matvec with AVX512-VNNI-era instructions on 256-bit vectors: these
// formats' row decoders for the K-quant tile of kquants.h (`ktile`: one super-block row decoded into 8
// groups of 32 unsigned quants and their int16 scale vectors, `vpmaddubsw` then `vpdpwssd` per group, one
// FMA per super-block), each format's offset folded into a correction from the activation bsums (16-element
// sums):
//   Q5_K: sum_g sc_g (q_g . x_g) d d_x  -  sum_g m_g bsum_g dmin d_x      q in 0...31 (as Q4_K plus qh bit)
//   Q3_K: sum_k sc_k ((u_k - 4) . x_k) d d_x = (sum_k sc_k (u_k . x_k) - 4 sum_k sc_k bsum_k) d d_x
//         u = low 2 bits | hmask bit << 2 in 0...7, sc_k = 6-bit scale - 32 (16 sub-blocks of 16)
//   Q2_K: sum_k sc_k (q_k . x_k) d d_x  -  sum_k m_k bsum_k dmin d_x      q in 0...3, 4-bit sc_k and m_k
// Layouts as Sources/BoraKernels/Quant/Reference+KQuants.swift (ggml-common.h). No saturation: pair sums
// are at most 2 * 31 * 128 in `vpmaddubsw`, and |scale| <= 63. Integer sums are exact, so the results
// differ from the scalar reference (`Quant.matvecReference`) only in float rounding.

#include "BoraKernelsC.h"
#include "common.h"
#include "kquants.h"

#if defined(__x86_64__)

#define LO_BYTES(K) ((K) == BORA_Q5_K ? 176 : (K) == BORA_Q3_K ? 110 : 84)

/// Per-group int16 scale vectors from 16 int8 sub-block scales (lanes 0-7: sub-block 2g, 8-15: 2g+1),
/// and the same 16 scales widened to int16 in `mins` (for the bsum correction).
TGT INL void scales16(const __m128i s8, KRow *k) {
    const __m256i s16 = _mm256_cvtepi8_epi16(s8);
    for (int g = 0; g < 8; g++) {
        const __m256i idx = _mm256_set_epi16(2 * g + 1, 2 * g + 1, 2 * g + 1, 2 * g + 1, 2 * g + 1, 2 * g + 1,
                                             2 * g + 1, 2 * g + 1, 2 * g, 2 * g, 2 * g, 2 * g, 2 * g, 2 * g,
                                             2 * g, 2 * g);
        k->sc[g] = _mm256_permutexvar_epi16(idx, s16);
    }
    k->mins = s16;
}

/// Q5_K {d, dmin, scales[12], qh[32] @16, qs[128] @48}: Q4_K's nibbles plus bit g of qh[l] as bit 4.
TGT INL void decode_q5_K(const uint8_t *b, KRow *k) {
    const __m256i low4 = _mm256_set1_epi8(0x0F), bit4 = _mm256_set1_epi8(0x10);
    const __m256i qh = _mm256_loadu_si256((const __m256i *)(b + 16));
    for (int c = 0; c < 4; c++) {
        const __m256i v = _mm256_loadu_si256((const __m256i *)(b + 48 + 32 * c));
        // Bit 2c / 2c+1 of each qh byte moved to bit 4 (16-bit shifts: bits crossing bytes are masked off).
        const __m256i h0 = 2 * c <= 4 ? _mm256_slli_epi16(qh, 4 - 2 * c) : _mm256_srli_epi16(qh, 2 * c - 4);
        const __m256i h1 = 2 * c + 1 <= 4 ? _mm256_slli_epi16(qh, 3 - 2 * c) : _mm256_srli_epi16(qh, 2 * c - 3);
        k->q[2 * c] = _mm256_or_si256(_mm256_and_si256(v, low4), _mm256_and_si256(h0, bit4));
        k->q[2 * c + 1] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), low4), _mm256_and_si256(h1, bit4));
    }
    q4k_scales(b, k);
}

/// Q3_K {hmask[32], qs[64] @32, scales[12] @96, d @108}: group g (elements 32g...) takes bits 2(g%4) of
/// qs[32 (g/4) + l] and bit g of hmask[l].
TGT INL void decode_q3_K(const uint8_t *b, KRow *k) {
    const __m256i three = _mm256_set1_epi8(3), four = _mm256_set1_epi8(4);
    const __m256i hm = _mm256_loadu_si256((const __m256i *)b);
    for (int h = 0; h < 2; h++) {
        const __m256i qs = _mm256_loadu_si256((const __m256i *)(b + 32 + 32 * h));
        for (int j = 0; j < 4; j++) {
            const int g = 4 * h + j;
            const __m256i low = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * j), three);
            const __m256i hb = g <= 2 ? _mm256_slli_epi16(hm, 2 - g) : _mm256_srli_epi16(hm, g - 2);
            k->q[g] = _mm256_or_si256(low, _mm256_and_si256(hb, four));
        }
    }
    // 16 six-bit scales: low nibbles in bytes 0-7 (sub-blocks 0-7 low, 8-15 high nibble), top 2 bits in
    // bytes 8-11 (sub-block s: bits 2 (s / 4) of byte 8 + s % 4).
    uint32_t a[3], s[4];
    memcpy(a, b + 96, 12);
    const uint32_t m2 = 0x03030303u, m4 = 0x0F0F0F0Fu;
    s[0] = (a[0] & m4) | ((a[2] & m2) << 4);
    s[1] = (a[1] & m4) | (((a[2] >> 2) & m2) << 4);
    s[2] = ((a[0] >> 4) & m4) | (((a[2] >> 4) & m2) << 4);
    s[3] = ((a[1] >> 4) & m4) | (((a[2] >> 6) & m2) << 4);
    __m128i s8;
    memcpy(&s8, s, 16);
    scales16(_mm_sub_epi8(s8, _mm_set1_epi8(32)), k);
    k->d = _mm_cvtss_f32(halves4(b + 108, 2, 1));
    k->dmin = 0;
}

/// Q2_K {scales[16] (scale | min << 4), qs[64] @16, d @80, dmin @82}: group g takes bits 2(g%4) of
/// qs[32 (g/4) + l].
TGT INL void decode_q2_K(const uint8_t *b, KRow *k) {
    const __m256i three = _mm256_set1_epi8(3);
    for (int h = 0; h < 2; h++) {
        const __m256i qs = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * h));
        for (int j = 0; j < 4; j++) k->q[4 * h + j] = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * j), three);
    }
    const __m128i sm = _mm_loadu_si128((const __m128i *)b), low4 = _mm_set1_epi8(0x0F);
    scales16(_mm_and_si128(sm, low4), k);
    k->mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sm, 4), low4));
    const __m128 dd = halves4(b + 80, 2, 2);
    k->d = _mm_cvtss_f32(dd);
    k->dmin = _mm_cvtss_f32(_mm_movehdup_ps(dd));
}

#define LOTILE(RM, RN)                                                                                       \
    ktile(K == BORA_Q5_K ? decode_q5_K : K == BORA_Q3_K ? decode_q3_K : decode_q2_K, LO_BYTES(K),          \
          K == BORA_Q3_K ? 2 : 0, w, row_bytes, nb, x, x_stride, y, y_stride, RM, RN)

/// Tiles of 4 rows x 4 tokens, the edges with constant smaller sizes; one token one row at a time (as the
/// other K-quants: rows in order suit the prefetchers when weights stream from memory).
TGT INL void lo_gemm(const int K, const void *wv, long nb, long row_begin, long row_end, const void *xv,
                     long x_stride, long tokens, float *y0, long y_stride) {
    const long row_bytes = nb * LO_BYTES(K);
    for (long t0 = 0; t0 < tokens; t0 += 4) {
        const int rn = tokens - t0 < 4 ? (int)(tokens - t0) : 4;
        const int step = rn == 1 ? 1 : 4;
        for (long r = row_begin; r < row_end;) {
            const int rm = row_end - r < step ? (int)(row_end - r) : step;
            const uint8_t *w = (const uint8_t *)wv + r * row_bytes, *x = (const uint8_t *)xv + t0 * x_stride;
            float *y = y0 + t0 * y_stride + (r - row_begin);
            switch (rm * 8 + rn) {
            case 4 * 8 + 4: LOTILE(4, 4); break;
            case 4 * 8 + 3: LOTILE(4, 3); break;
            case 4 * 8 + 2: LOTILE(4, 2); break;
            case 3 * 8 + 4: LOTILE(3, 4); break;
            case 3 * 8 + 3: LOTILE(3, 3); break;
            case 3 * 8 + 2: LOTILE(3, 2); break;
            case 2 * 8 + 4: LOTILE(2, 4); break;
            case 2 * 8 + 3: LOTILE(2, 3); break;
            case 2 * 8 + 2: LOTILE(2, 2); break;
            case 1 * 8 + 4: LOTILE(1, 4); break;
            case 1 * 8 + 3: LOTILE(1, 3); break;
            case 1 * 8 + 2: LOTILE(1, 2); break;
            default: LOTILE(1, 1); break;
            }
            r += rm;
        }
    }
}

TGT static void gemm_q5_K(const void *w, long nb, long r0, long r1, const void *x, long xs, long n, float *y,
                          long ys) {
    lo_gemm(BORA_Q5_K, w, nb, r0, r1, x, xs, n, y, ys);
}

TGT static void gemm_q3_K(const void *w, long nb, long r0, long r1, const void *x, long xs, long n, float *y,
                          long ys) {
    lo_gemm(BORA_Q3_K, w, nb, r0, r1, x, xs, n, y, ys);
}

TGT static void gemm_q2_K(const void *w, long nb, long r0, long r1, const void *x, long xs, long n, float *y,
                          long ys) {
    lo_gemm(BORA_Q2_K, w, nb, r0, r1, x, xs, n, y, ys);
}

void bora_gemm_k_lo(int kind, const void *w, long nb, long row_begin, long row_end,
                    const void *x, long x_stride, long tokens, float *y, long y_stride) {
    switch (kind) {
    case BORA_Q5_K: gemm_q5_K(w, nb, row_begin, row_end, x, x_stride, tokens, y, y_stride); break;
    case BORA_Q3_K: gemm_q3_K(w, nb, row_begin, row_end, x, x_stride, tokens, y, y_stride); break;
    default: gemm_q2_K(w, nb, row_begin, row_end, x, x_stride, tokens, y, y_stride); break;
    }
}

#else

void bora_gemm_k_lo(int kind, const void *w, long nb, long row_begin, long row_end,
                    const void *x, long x_stride, long tokens, float *y, long y_stride) {
    (void)kind; (void)w; (void)nb; (void)row_begin; (void)row_end;
    (void)x; (void)x_stride; (void)tokens; (void)y; (void)y_stride;
}

#endif
