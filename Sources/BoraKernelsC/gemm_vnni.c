// Quantized GEMM / matvec with AVX512-VNNI on 256-bit vectors (one 32-element block per ymm).
//
// Per (weight row r, activation row t, block b): one `vpdpbusd` gives 8 int32 partial sums of the block's
// 32 products, converted to float and accumulated with one FMA by d_w * d_x (ggml's block formula; the
// structure of ggml's AVX vec_dot and of llamafile's tinyBLAS_Q0_AVX). A tile of RM rows x RN tokens keeps
// RM * RN accumulators in registers, so each weight block is decoded once per RN tokens and each activation
// block loaded once per RM rows.
//
// `vpdpbusd` multiplies unsigned by signed bytes:
//   Q4_0: (q - 8) . x = dpbusd(q, x) - 8 sum(x)      the correction, per token and block, seeds the sum.
//   Q5_0: as Q4_0 with the fifth bits (qh bit j -> element j, expanded by a mask move) and 16.
//   Q4_1, Q5_1: d_w d_x (q . x) + m_w s_x            (m s summed in a float per row and token).
//   Q8_0: w . x = dpbusd(x + 128, w) - 128 sum(w)    the correction, per row and block, seeds the sum;
//         one row alone (row_dot) uses dpbusd(|w|, sign(x, w)), exact as activations lie in -127...127.
// Integer sums are exact (|sum| < 2^31), so results differ from the Swift kernels only in float rounding.

#include "BoraKernelsC.h"
#include "common.h"
#include "kquants.h"

#if defined(__x86_64__)

static int detect_vnni(void) {
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    if (a < 7) return 0;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28, f16c = 1u << 29;
    if ((c & (fma | osxsave | avx | f16c)) != (fma | osxsave | avx | f16c)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0xE6) != 0xE6) return 0;  // SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM state enabled by the OS
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    const unsigned avx2 = 1u << 5, f = 1u << 16, bw = 1u << 30, vl = 1u << 31, vnni = 1u << 11;
    return (b & (avx2 | f | bw | vl)) == (avx2 | f | bw | vl) && (c & vnni) != 0;
}

int bora_cpu_has_vnni(void) {
    static int cached = -1;
    if (cached < 0) cached = detect_vnni();
    return cached;
}

/// Block layout of weight format K: bytes, offset of the quants, of qh (Q5), the quant offset subtracted
/// (8 or 16; 0 for the formats with a min m at +2, HAS_MIN, whose activations are Q8_1).
#define WB_BYTES(K)                                                                                          \
    ((K) == BORA_Q8_0 ? 34 : (K) == BORA_Q4_0 ? 18 : (K) == BORA_Q4_1 ? 20 : (K) == BORA_Q5_0 ? 22          \
     : (K) == BORA_Q5_1 ? 24 : (K) == BORA_Q4_K ? 144 : 210)
#define WQS(K) ((K) == BORA_Q8_0 || (K) == BORA_Q4_0 ? 2 : (K) == BORA_Q4_1 ? 4 : (K) == BORA_Q5_0 ? 6 : 8)
#define WQH(K) ((K) == BORA_Q5_0 ? 2 : 4)
#define WOFF(K) ((K) == BORA_Q4_0 ? 8 : (K) == BORA_Q5_0 ? 16 : 0)
#define HAS_MIN(K) ((K) == BORA_Q4_1 || (K) == BORA_Q5_1)
#define IS_Q5(K) ((K) == BORA_Q5_0 || (K) == BORA_Q5_1)

/// One tile: rows w[0..<RM] (stride row_bytes), tokens x[0..<RN] (stride x_stride), nb blocks each.
/// RM <= 4, RN <= 4, both compile-time constants after inlining (the arrays become registers).
TGT INL void tile(const int K, const uint8_t *w, long row_bytes, long nb, const uint8_t *x, long x_stride,
                  float *y, long y_stride, const int RM, const int RN) {
    if (IS_K(K)) {
        if (K == BORA_Q4_K) ktile(decode_q4_K, WB_BYTES(K), 0, w, row_bytes, nb, x, x_stride, y, y_stride, RM, RN);
        else ktile(decode_q6_K, WB_BYTES(K), 5, w, row_bytes, nb, x, x_stride, y, y_stride, RM, RN);
        return;
    }
    const long wb_bytes = WB_BYTES(K), wq = WQS(K);
    const long xb_bytes = HAS_MIN(K) ? 36 : 34, xq = HAS_MIN(K) ? 4 : 2;
    const __m256i low4 = _mm256_set1_epi8(0x0F), off = _mm256_set1_epi8(WOFF(K)), bit4 = _mm256_set1_epi8(0x10);
    const __m256i bias = _mm256_set1_epi8((char)0x80), zero = _mm256_setzero_si256();
    __m256 acc[4][4];
    float macc[4][4];
    for (int r = 0; r < RM; r++)
        for (int t = 0; t < RN; t++) {
            acc[r][t] = _mm256_setzero_ps();
            macc[r][t] = 0;
        }
    for (long b = 0; b < nb; b++) {
        __m256i xv[4], xc[4];
        float dx[4], sx[4];
        _mm_storeu_ps(dx, halves4(x + b * xb_bytes, x_stride, RN));
        if (HAS_MIN(K)) _mm_storeu_ps(sx, halves4(x + b * xb_bytes + 2, x_stride, RN));
        for (int t = 0; t < RN; t++) {
            const uint8_t *xb = x + t * x_stride + b * xb_bytes;
            const __m256i v = _mm256_loadu_si256((const __m256i *)(xb + xq));
            xv[t] = K == BORA_Q8_0 ? _mm256_xor_si256(v, bias) : v;
            if (WOFF(K)) xc[t] = _mm256_sub_epi32(zero, _mm256_dpbusd_epi32(zero, off, v));
        }
        // Scale products d_w d_x for the tile, broadcast from memory in the FMAs (a load, not two ALU ops).
        float dws[4], mws[4], prod[4][4];
        _mm_storeu_ps(dws, halves4(w + b * wb_bytes, row_bytes, RM));
        if (HAS_MIN(K)) _mm_storeu_ps(mws, halves4(w + b * wb_bytes + 2, row_bytes, RM));
        const __m128 dx4 = _mm_loadu_ps(dx);
        for (int r = 0; r < RM; r++) _mm_storeu_ps(prod[r], _mm_mul_ps(_mm_set1_ps(dws[r]), dx4));
        for (int r = 0; r < RM; r++) {
            const uint8_t *wb = w + r * row_bytes + b * wb_bytes;
            __m256i wv, wc = zero;
            if (K == BORA_Q8_0) {
                wv = _mm256_loadu_si256((const __m256i *)(wb + 2));
                wc = _mm256_sub_epi32(zero, _mm256_dpbusd_epi32(zero, bias, wv));
            } else {
                const __m128i q = _mm_loadu_si128((const __m128i *)(wb + wq));
                wv = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), low4);
                if (IS_Q5(K)) {
                    uint32_t qh;
                    memcpy(&qh, wb + WQH(K), 4);
                    wv = _mm256_or_si256(wv, _mm256_and_si256(_mm256_movm_epi8((__mmask32)qh), bit4));
                }
            }
            const float mw = HAS_MIN(K) ? mws[r] : 0;
            for (int t = 0; t < RN; t++) {
                __m256i i;
                if (K == BORA_Q8_0) i = _mm256_dpbusd_epi32(wc, xv[t], wv);
                else if (WOFF(K)) i = _mm256_dpbusd_epi32(xc[t], wv, xv[t]);
                else i = _mm256_dpbusd_epi32(zero, wv, xv[t]);
                acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_broadcast_ss(&prod[r][t]), acc[r][t]);
                if (HAS_MIN(K)) macc[r][t] += mw * sx[t];
            }
        }
    }
    for (int r = 0; r < RM; r++)
        for (int t = 0; t < RN; t++) y[t * y_stride + r] = hsum8(acc[r][t]) + macc[r][t];
}

/// One row x one token (decode): the row's blocks in order, 4 accumulators. Tiles of several rows read
/// several rows' blocks in an interleaved order, which the hardware prefetchers followed worse when the
/// weights stream from memory (measured: Q8_0 decode 2x slower than the Swift row-at-a-time kernel).
TGT INL void row_dot(const int K, const uint8_t *w, long nb, const uint8_t *x, float *y) {
    const long wb_bytes = WB_BYTES(K), wq = WQS(K);
    const long xb_bytes = HAS_MIN(K) ? 36 : 34, xq = HAS_MIN(K) ? 4 : 2;
    const __m256i low4 = _mm256_set1_epi8(0x0F), off = _mm256_set1_epi8(WOFF(K)), bit4 = _mm256_set1_epi8(0x10);
    const __m256i zero = _mm256_setzero_si256();
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    float m = 0;
    for (long b0 = 0; b0 < nb; b0 += 4) {
        const int n = nb - b0 < 4 ? (int)(nb - b0) : 4;
        for (int k = 0; k < 4; k++) {
            if (k >= n) break;
            const uint8_t *wb = w + (b0 + k) * wb_bytes, *xb = x + (b0 + k) * xb_bytes;
            const __m128 s = _mm_cvtph_ps(_mm_setr_epi16((short)half_bits(wb), (short)half_bits(xb),
                                                         HAS_MIN(K) ? (short)half_bits(wb + 2) : 0,
                                                         HAS_MIN(K) ? (short)half_bits(xb + 2) : 0, 0, 0, 0, 0));
            const __m256i xv = _mm256_loadu_si256((const __m256i *)(xb + xq));
            __m256i i;
            if (K == BORA_Q8_0) {
                const __m256i wv = _mm256_loadu_si256((const __m256i *)(wb + 2));
                i = _mm256_dpbusd_epi32(zero, _mm256_abs_epi8(wv), _mm256_sign_epi8(xv, wv));
            } else {
                const __m128i q = _mm_loadu_si128((const __m128i *)(wb + wq));
                __m256i wv = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), low4);
                if (IS_Q5(K)) {
                    uint32_t qh;
                    memcpy(&qh, wb + WQH(K), 4);
                    wv = _mm256_or_si256(wv, _mm256_and_si256(_mm256_movm_epi8((__mmask32)qh), bit4));
                }
                const __m256i c = WOFF(K) ? _mm256_sub_epi32(zero, _mm256_dpbusd_epi32(zero, off, xv)) : zero;
                i = _mm256_dpbusd_epi32(c, wv, xv);
            }
            const float d = _mm_cvtss_f32(s) * _mm_cvtss_f32(_mm_movehdup_ps(s));
            acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_set1_ps(d), acc[k]);
            if (HAS_MIN(K)) {
                const __m128 hi = _mm_movehl_ps(s, s);
                m += _mm_cvtss_f32(hi) * _mm_cvtss_f32(_mm_movehdup_ps(hi));
            }
        }
    }
    *y = hsum8(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]))) + m;
}

#define TILE(RM, RN) tile(K, w, row_bytes, nb, x, x_stride, y, y_stride, RM, RN)

/// A tile of rm in 1...4 rows and rn in 1...4 tokens, with constant sizes.
TGT INL void tile_any(const int K, const uint8_t *w, long row_bytes, long nb, const uint8_t *x, long x_stride,
                      float *y, long y_stride, int rm, int rn) {
    switch (rm * 8 + rn) {
    case 4 * 8 + 4: TILE(4, 4); break;
    case 4 * 8 + 3: TILE(4, 3); break;
    case 4 * 8 + 2: TILE(4, 2); break;
    case 4 * 8 + 1: TILE(4, 1); break;
    case 3 * 8 + 4: TILE(3, 4); break;
    case 3 * 8 + 3: TILE(3, 3); break;
    case 3 * 8 + 2: TILE(3, 2); break;
    case 3 * 8 + 1: TILE(3, 1); break;
    case 2 * 8 + 4: TILE(2, 4); break;
    case 2 * 8 + 3: TILE(2, 3); break;
    case 2 * 8 + 2: TILE(2, 2); break;
    case 2 * 8 + 1: TILE(2, 1); break;
    case 1 * 8 + 4: TILE(1, 4); break;
    case 1 * 8 + 3: TILE(1, 3); break;
    case 1 * 8 + 2: TILE(1, 2); break;
    default: TILE(1, 1); break;
    }
}

/// Tokens in tiles of 4 (outer: the tile's activations stay in L1), rows in tiles of 4; a single token
/// (decode, or the last of a prompt) one row at a time.
TGT INL void gemm(const int K, const void *wv, long nb, long row_begin, long row_end, const void *xv,
                  long x_stride, long tokens, float *y, long y_stride) {
    const long row_bytes = nb * WB_BYTES(K);
    const uint8_t *w0 = (const uint8_t *)wv, *x0 = (const uint8_t *)xv;
    for (long t = 0; t < tokens; t += 4) {
        const int rn = tokens - t < 4 ? (int)(tokens - t) : 4;
        if (rn == 1 && !IS_K(K)) {
            for (long r = row_begin; r < row_end; r++)
                row_dot(K, w0 + r * row_bytes, nb, x0 + t * x_stride, y + t * y_stride + (r - row_begin));
            continue;
        }
        const int step = rn == 1 ? 1 : 4;  // one K-quant row at a time for one token, as row_dot
        for (long r = row_begin; r < row_end;) {
            const int rm = row_end - r < step ? (int)(row_end - r) : step;
            tile_any(K, w0 + r * row_bytes, row_bytes, nb, x0 + t * x_stride, x_stride,
                     y + t * y_stride + (r - row_begin), y_stride, rm, rn);
            r += rm;
        }
    }
}

#define GEMM_FN(NAME, K)                                                                                     \
    TGT static void NAME(const void *w, long nb, long r0, long r1, const void *x, long xs, long n, float *y,  \
                         long ys) {                                                                          \
        gemm(K, w, nb, r0, r1, x, xs, n, y, ys);                                                             \
    }
GEMM_FN(gemm_q8_0, BORA_Q8_0)
GEMM_FN(gemm_q4_0, BORA_Q4_0)
GEMM_FN(gemm_q4_1, BORA_Q4_1)
GEMM_FN(gemm_q5_0, BORA_Q5_0)
GEMM_FN(gemm_q5_1, BORA_Q5_1)
GEMM_FN(gemm_q4_K, BORA_Q4_K)
GEMM_FN(gemm_q6_K, BORA_Q6_K)

void bora_gemm_q(int kind, const void *w, long nb, long row_begin, long row_end,
                 const void *x, long x_stride, long tokens, float *y, long y_stride) {
    switch (kind) {
    case BORA_Q8_0: gemm_q8_0(w, nb, row_begin, row_end, x, x_stride, tokens, y, y_stride); break;
    case BORA_Q4_0: gemm_q4_0(w, nb, row_begin, row_end, x, x_stride, tokens, y, y_stride); break;
    case BORA_Q4_1: gemm_q4_1(w, nb, row_begin, row_end, x, x_stride, tokens, y, y_stride); break;
    case BORA_Q5_0: gemm_q5_0(w, nb, row_begin, row_end, x, x_stride, tokens, y, y_stride); break;
    case BORA_Q5_1: gemm_q5_1(w, nb, row_begin, row_end, x, x_stride, tokens, y, y_stride); break;
    case BORA_Q4_K: gemm_q4_K(w, nb, row_begin, row_end, x, x_stride, tokens, y, y_stride); break;
    default: gemm_q6_K(w, nb, row_begin, row_end, x, x_stride, tokens, y, y_stride); break;
    }
}

#else

int bora_cpu_has_vnni(void) { return 0; }

void bora_gemm_q(int kind, const void *w, long nb, long row_begin, long row_end,
                 const void *x, long x_stride, long tokens, float *y, long y_stride) {
    (void)kind; (void)w; (void)nb; (void)row_begin; (void)row_end;
    (void)x; (void)x_stride; (void)tokens; (void)y; (void)y_stride;
}

#endif
