// Q4_0, Q4_1, Q5_0, Q8_0, Q4_K and Q6_K GEMM / matvec on layouts repacked 16 rows at a time (see BoraKernelsC.h), AVX512-VNNI
// on 512-bit vectors (the idea of llama.cpp's load-time repacking; layout and kernels are Bora's own).
//
// Block b of a group of 16 rows is one record: its 16-bit fields, 16 values each, then the quants in chunks of
// 64 bytes, each holding 4 consecutive quant bytes of every row (row i at 4 i). A group streams in order.
// (Putting all of a group's scales before its quants, so that quant chunks align to cache lines, halved
// single-token decode speed: the separate scale and quant streams defeated the prefetchers.) A chunk is a vector whose
// 32-bit lane i is row i, so one `vpdpbusd` against 4 activation bytes broadcast to every lane adds those
// 4 products to each of the 16 rows. After a block's chunks, each lane holds its row's whole block sum, and
// one conversion and one FMA scale 16 rows at once: per token and block that is 8 `vpdpbusd` and about 5
// other instructions for 16 rows.
//
//   Q4_0: 16 d; 4 chunks of the 16 quant bytes (byte j: element j low nibble, j + 16 high nibble, stored
//         q + 8 as in the file); (q - 8) . x = q . x - 8 sum(x), the correction per token and block seeding
//         the sum.
//   Q5_0: 16 d, 16 low and 16 high 16-bit halves of qh; 4 chunks of the 16 quant bytes as Q4_0. Bit 4 of
//         each element comes from qh (k-masks from a byte test, then a masked add of 16), giving q + 16;
//         corrected by -16 sum(x) like Q4_0's -8.
//   Q4_1: 16 d, 16 m; 4 chunks as Q4_0. d_w d_x (q . x) + m_w s_x (Q8_1's s = d_x sum(x)).
//   Q8_0: 16 d; 8 chunks of the 32 quant bytes, each stored as unsigned q + 128 (`vpdpbusd` multiplies
//         unsigned by signed): (q + 128) . x - 128 sum(x), the correction seeding the sum.
//   Q4_K, Q6_K (x Q8_K): per 256-element super-block, scales per 32 or 16 elements applied by `vpmulld` to
//         each group's integer sum; see group_q4_K and group_q6_K.
//
// Integer sums are exact, so results differ from the scalar reference only in float rounding order.

#include "BoraKernelsC.h"
#include "common.h"

#if defined(__x86_64__)

/// Tokens per tile: each weight block is unpacked once for up to this many tokens.
#define X16_TILE 8

/// The 4 activation bytes at p in every 32-bit lane.
TGT INL __m512i x16_bcast(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

/// c[b] = factor * sum of the 32 quants of Q8_0 activation block b (the correction for weights stored with
/// an offset: Q4_0's +8, Q5_0's +16, Q8_0's +128).
TGT INL void x16_block_sums(const uint8_t *x, long nb, int32_t factor, int32_t *c) {
    const __m256i one = _mm256_set1_epi8(1), zero = _mm256_setzero_si256();
    for (long b = 0; b < nb; b++) {
        const __m256i s = _mm256_dpbusd_epi32(zero, one, _mm256_loadu_si256((const __m256i *)(x + b * 34 + 2)));
        __m128i a = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        a = _mm_add_epi32(a, _mm_shuffle_epi32(a, 0x4E));
        a = _mm_add_epi32(a, _mm_shuffle_epi32(a, 0xB1));
        c[b] = factor * _mm_cvtsi128_si32(a);
    }
}

/// The integer block sums of 16 rows against one token's 32 activation quants at q, for 4-bit weights
/// unpacked into lo[c] (elements 4c..4c+3) and hi[c] (elements 16+4c..16+4c+3), seeded with `seed`. Two
/// chains halve the latency of the dependent `vpdpbusd`s.
TGT INL __m512i x16_dot4(const __m512i lo[4], const __m512i hi[4], const uint8_t *q, __m512i seed) {
    __m512i s0 = seed, s1 = _mm512_setzero_si512();
    s0 = _mm512_dpbusd_epi32(s0, lo[0], x16_bcast(q));
    s1 = _mm512_dpbusd_epi32(s1, lo[1], x16_bcast(q + 4));
    s0 = _mm512_dpbusd_epi32(s0, lo[2], x16_bcast(q + 8));
    s1 = _mm512_dpbusd_epi32(s1, lo[3], x16_bcast(q + 12));
    s0 = _mm512_dpbusd_epi32(s0, hi[0], x16_bcast(q + 16));
    s1 = _mm512_dpbusd_epi32(s1, hi[1], x16_bcast(q + 20));
    s0 = _mm512_dpbusd_epi32(s0, hi[2], x16_bcast(q + 24));
    s1 = _mm512_dpbusd_epi32(s1, hi[3], x16_bcast(q + 28));
    return _mm512_add_epi32(s0, s1);
}

/// Unpacks the 4 chunks of 4-bit quants at q into lo / hi (see x16_dot4).
TGT INL void x16_unpack4(const uint8_t *q, __m512i lo[4], __m512i hi[4]) {
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    for (int c = 0; c < 4; c++) {
        const __m512i w = _mm512_loadu_si512(q + c * 64);
        lo[c] = _mm512_and_si512(w, low4);
        hi[c] = _mm512_and_si512(_mm512_srli_epi16(w, 4), low4);
    }
}

/// The fp16 value at p as a float in every lane.
TGT INL __m512 x16_scale(const uint8_t *p) {
    return _mm512_broadcastss_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(half_bits(p))));
}

/// Sets bit 4 (adds 16) of the 5-bit quants in v[0..3] (the 4 chunks of elements 0..15, or of 16..31, of 16
/// rows) whose high bit is set in the 16 rows' 16-bit halves of qh at qh16 (bit k: element k of the half).
/// Chunk c holds elements 4c..4c+3, so its bits are a nibble of byte c / 2: that byte is broadcast to the 4
/// bytes of its row's lane, and byte k tested against bit k of the nibble gives the 64-bit mask of the chunk.
TGT INL void x16_high_bits(const uint8_t *qh16, __m512i v[4]) {
    const __m512i h = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)qh16));
    const __m512i byte0 = _mm512_set4_epi32(0x0C0C0C0C, 0x08080808, 0x04040404, 0);
    const __m512i byte1 = _mm512_add_epi32(byte0, _mm512_set1_epi32(0x01010101));
    const __m512i b0 = _mm512_shuffle_epi8(h, byte0), b1 = _mm512_shuffle_epi8(h, byte1);
    const __m512i low_nibble = _mm512_set1_epi32(0x08040201), high_nibble = _mm512_set1_epi32((int)0x80402010u);
    const __m512i bit4 = _mm512_set1_epi8(0x10);
    v[0] = _mm512_mask_add_epi8(v[0], _mm512_test_epi8_mask(b0, low_nibble), v[0], bit4);
    v[1] = _mm512_mask_add_epi8(v[1], _mm512_test_epi8_mask(b0, high_nibble), v[1], bit4);
    v[2] = _mm512_mask_add_epi8(v[2], _mm512_test_epi8_mask(b1, low_nibble), v[2], bit4);
    v[3] = _mm512_mask_add_epi8(v[3], _mm512_test_epi8_mask(b1, high_nibble), v[3], bit4);
}

/// One Q4_0 group (five 0; per block: 16 fp16 d, 256 quant bytes) or Q5_0 group (five 1; per block: 16 fp16 d,
/// 16 uint16 low and 16 uint16 high halves of qh, 256 quant bytes) of 16 rows at g times RN <= X16_TILE Q8_0
/// tokens (their corrections, -8 or -16 sum(x), at corr + t * nb): out[t * out_stride + r].
TGT INL void group_q4_0_q5_0(const uint8_t *g, long nb, const uint8_t *x, long x_stride, const int32_t *corr,
                             float *out, long out_stride, const int RN, const int five) {
    __m512 acc[X16_TILE];
    for (int t = 0; t < RN; t++) acc[t] = _mm512_setzero_ps();
    for (long b = 0; b < nb; b++) {
        const uint8_t *rec = g + b * (five ? 352 : 288);
        __m512i lo[4], hi[4];
        x16_unpack4(rec + (five ? 96 : 32), lo, hi);
        if (five) {
            x16_high_bits(rec + 32, lo);
            x16_high_bits(rec + 64, hi);
        }
        const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)rec));
#pragma clang loop unroll(full)
        for (int t = 0; t < RN; t++) {
            const uint8_t *xb = x + t * x_stride + b * 34;
            const __m512i s = x16_dot4(lo, hi, xb + 2, _mm512_set1_epi32(corr[t * nb + b]));
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(d, x16_scale(xb)), acc[t]);
        }
    }
    for (int t = 0; t < RN; t++) _mm512_storeu_ps(out + t * out_stride, acc[t]);
}

/// One Q4_1 group of 16 rows at g (per block: 16 fp16 d, 16 fp16 m, 256 quant bytes)
/// times RN <= X16_TILE Q8_1 tokens at x (stride x_stride): out[t * out_stride + r].
TGT INL void group_q4_1(const uint8_t *g, long nb, const uint8_t *x, long x_stride, float *out,
                        long out_stride, const int RN) {
    __m512 acc[X16_TILE];
    for (int t = 0; t < RN; t++) acc[t] = _mm512_setzero_ps();
    for (long b = 0; b < nb; b++) {
        const uint8_t *rec = g + b * 320;
        __m512i lo[4], hi[4];
        x16_unpack4(rec + 64, lo, hi);
        const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)rec));
        const __m512 m = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(rec + 32)));
#pragma clang loop unroll(full)
        for (int t = 0; t < RN; t++) {
            const uint8_t *xb = x + t * x_stride + b * 36;
            const __m512i s = x16_dot4(lo, hi, xb + 4, _mm512_setzero_si512());
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(d, x16_scale(xb)), acc[t]);
            acc[t] = _mm512_fmadd_ps(m, x16_scale(xb + 2), acc[t]);
        }
    }
    for (int t = 0; t < RN; t++) _mm512_storeu_ps(out + t * out_stride, acc[t]);
}

/// One Q8_0 group of 16 rows at g (per block: 16 fp16 d, 512 unsigned quant bytes) times RN <= X16_TILE
/// Q8_0 tokens (their corrections, -128 sum(x), at corr + t * nb): out[t * out_stride + r].
TGT INL void group_q8_0(const uint8_t *g, long nb, const uint8_t *x, long x_stride, const int32_t *corr, float *out,
                        long out_stride, const int RN) {
    __m512 acc[X16_TILE];
    for (int t = 0; t < RN; t++) acc[t] = _mm512_setzero_ps();
    for (long b = 0; b < nb; b++) {
        const uint8_t *rec = g + b * 544, *qw = rec + 32;
        const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)rec));
#pragma clang loop unroll(full)
        for (int t = 0; t < RN; t++) {
            const uint8_t *xb = x + t * x_stride + b * 34, *q = xb + 2;
            __m512i s0 = _mm512_set1_epi32(corr[t * nb + b]), s1 = _mm512_setzero_si512();
#pragma clang loop unroll(full)
            for (int c = 0; c < 8; c += 2) {
                s0 = _mm512_dpbusd_epi32(s0, _mm512_loadu_si512(qw + c * 64), x16_bcast(q + c * 4));
                s1 = _mm512_dpbusd_epi32(s1, _mm512_loadu_si512(qw + c * 64 + 64), x16_bcast(q + c * 4 + 4));
            }
            const __m512i s = _mm512_add_epi32(s0, s1);
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(d, x16_scale(xb)), acc[t]);
        }
    }
    for (int t = 0; t < RN; t++) _mm512_storeu_ps(out + t * out_stride, acc[t]);
}

/// c[t * nb * 4 + b * 4 + k] for Q8_K token t, super-block b: the 8 group sums (32 activations each, from
/// Q8_K's 16 bsums) packed as int16 pairs for `vpdpwssd` against Q4_K's mins (see group_q4_K): k = 0: groups
/// (0, 2), 1: (1, 3), 2: (4, 6), 3: (5, 7).
TGT INL void x16_group_sum_pairs(const uint8_t *x, long nb, int32_t *c) {
    for (long b = 0; b < nb; b++) {
        int16_t bs[16];
        memcpy(bs, x + b * 292 + 260, 32);
        int32_t s[8];
        for (int g = 0; g < 8; g++) s[g] = bs[2 * g] + bs[2 * g + 1];  // |s| <= 32 * 128: fits 16 bits
        for (int k = 0; k < 4; k++) {
            const int lo = (k >> 1) * 4 + (k & 1);
            c[b * 4 + k] = (int32_t)(((uint32_t)s[lo] & 0xFFFFu) | ((uint32_t)s[lo + 2] << 16));
        }
    }
}

/// One Q4_K group of 16 rows at g times RN <= X16_TILE Q8_K tokens (their group-sum pairs at pairs + t * nb *
/// 4): out[t * out_stride + r]. Per super-block record (2304 bytes): 16 fp16 d, 16 fp16 dmin, the three
/// 32-bit words of the 12 scale bytes (16 rows each), then 32 chunks of the 128 quant bytes.
///   scales: word 0 bytes = scales 0-3 (low 6 bits), word 1 = mins 0-3, word 2 low nibbles = low bits of
///   scales 4-7, high nibbles = of mins 4-7, with the top 2 bits of words 0 / 1 their high bits; so for 16
///   rows at once, one lane per row, a few vector ops give each lane its 8 scales and 8 mins as bytes.
///   quants: bytes 32c..32c+31 (chunks 8c..8c+7) hold groups 2c (low nibbles) and 2c+1 (high nibbles).
/// Per group pair c and token, 16 `vpdpbusd` give both groups' integer sums for 16 rows, and one `vpmulld`
/// each applies the group's scale; the mins enter once per super-block by 4 `vpdpwssd` against the token's
/// group sums. sum = d d_x sum_g sc_g (q_g . x_g) - dmin d_x sum_g m_g sum(x_g), all integer until the end.
TGT INL void group_q4_K(const uint8_t *g, long nb, const uint8_t *x, long x_stride, const int32_t *pairs,
                        float *out, long out_stride, const int RN) {
    __m512 acc[X16_TILE];
    for (int t = 0; t < RN; t++) acc[t] = _mm512_setzero_ps();
    const __m512i low4 = _mm512_set1_epi8(0x0F), low6 = _mm512_set1_epi8(0x3F), two = _mm512_set1_epi8(0x03);
    const __m512i byte = _mm512_set1_epi32(0xFF), even = _mm512_set1_epi32(0x00FF00FF);
    for (long b = 0; b < nb; b++) {
        const uint8_t *rec = g + b * 2304;
        const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)rec));
        const __m512 dmin = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(rec + 32)));
        const __m512i u0 = _mm512_loadu_si512(rec + 64), u1 = _mm512_loadu_si512(rec + 128);
        const __m512i u2 = _mm512_loadu_si512(rec + 192);
        const __m512i sc[2] = {
            _mm512_and_si512(u0, low6),
            _mm512_or_si512(_mm512_and_si512(u2, low4),
                            _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(u0, 6), two), 4))};
        const __m512i mn_lo = _mm512_and_si512(u1, low6);
        const __m512i mn_hi = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(u2, 4), low4),
                                              _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(u1, 6), two), 4));
        __m512i isum[X16_TILE];
        for (int t = 0; t < RN; t++) isum[t] = _mm512_setzero_si512();
#pragma clang loop unroll(full)
        for (int c = 0; c < 4; c++) {
            const __m512i s = _mm512_srli_epi32(sc[c >> 1], 16 * (c & 1));
            const __m512i sc_a = _mm512_and_si512(s, byte), sc_b = _mm512_and_si512(_mm512_srli_epi32(s, 8), byte);
            __m512i lo[8], hi[8];
            for (int m = 0; m < 8; m++) {
                const __m512i w = _mm512_loadu_si512(rec + 256 + c * 512 + m * 64);
                lo[m] = _mm512_and_si512(w, low4);
                hi[m] = _mm512_and_si512(_mm512_srli_epi16(w, 4), low4);
            }
#pragma clang loop unroll(full)
            for (int t = 0; t < RN; t++) {
                const uint8_t *q = x + t * x_stride + b * 292 + 4 + 64 * c;
                __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
                __m512i b0 = _mm512_setzero_si512(), b1 = _mm512_setzero_si512();
                for (int m = 0; m < 8; m += 2) {
                    a0 = _mm512_dpbusd_epi32(a0, lo[m], x16_bcast(q + 4 * m));
                    a1 = _mm512_dpbusd_epi32(a1, lo[m + 1], x16_bcast(q + 4 * m + 4));
                    b0 = _mm512_dpbusd_epi32(b0, hi[m], x16_bcast(q + 32 + 4 * m));
                    b1 = _mm512_dpbusd_epi32(b1, hi[m + 1], x16_bcast(q + 32 + 4 * m + 4));
                }
                isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(_mm512_add_epi32(a0, a1), sc_a));
                isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(_mm512_add_epi32(b0, b1), sc_b));
            }
        }
        const __m512i m02_lo = _mm512_and_si512(mn_lo, even), m13_lo = _mm512_srli_epi16(mn_lo, 8);
        const __m512i m02_hi = _mm512_and_si512(mn_hi, even), m13_hi = _mm512_srli_epi16(mn_hi, 8);
#pragma clang loop unroll(full)
        for (int t = 0; t < RN; t++) {
            const int32_t *p = pairs + (t * nb + b) * 4;
            __m512i msum = _mm512_dpwssd_epi32(_mm512_setzero_si512(), m02_lo, _mm512_set1_epi32(p[0]));
            msum = _mm512_dpwssd_epi32(msum, m13_lo, _mm512_set1_epi32(p[1]));
            msum = _mm512_dpwssd_epi32(msum, m02_hi, _mm512_set1_epi32(p[2]));
            msum = _mm512_dpwssd_epi32(msum, m13_hi, _mm512_set1_epi32(p[3]));
            float dx;
            memcpy(&dx, x + t * x_stride + b * 292, 4);
            const __m512 vdx = _mm512_set1_ps(dx);
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[t]), _mm512_mul_ps(d, vdx), acc[t]);
            acc[t] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(msum), _mm512_mul_ps(dmin, vdx), acc[t]);
        }
    }
    for (int t = 0; t < RN; t++) _mm512_storeu_ps(out + t * out_stride, acc[t]);
}

/// c[t * nb * 8 + b * 8 + k] for Q8_K token t, super-block b: its 16 bsums (16 activations each) packed as
/// int16 pairs for `vpdpwssd` against Q6_K's scales (see group_q6_K): k = 2w: bsums (4w, 4w + 2), 2w + 1:
/// (4w + 1, 4w + 3).
TGT INL void x16_bsum_pairs(const uint8_t *x, long nb, int32_t *c) {
    for (long b = 0; b < nb; b++) {
        uint16_t bs[16];
        memcpy(bs, x + b * 292 + 260, 32);
        for (int w = 0; w < 4; w++) {
            c[b * 8 + 2 * w] = (int32_t)((uint32_t)bs[4 * w] | (uint32_t)bs[4 * w + 2] << 16);
            c[b * 8 + 2 * w + 1] = (int32_t)((uint32_t)bs[4 * w + 1] | (uint32_t)bs[4 * w + 3] << 16);
        }
    }
}

/// One Q6_K group of 16 rows at g times RN <= X16_TILE Q8_K tokens (their bsum pairs at pairs + t * nb * 8):
/// out[t * out_stride + r]. Per super-block record (3360 bytes): 16 fp16 d, the four 32-bit words of the 16
/// int8 scales (16 rows each), then 48 chunks of 192 quant bytes re-encoded at load for a cheap unpack
/// (RepackedRows.swift): chunk 3m + k (k < 3) holds, per row, the 6-bit values of elements 64k + 4m .. + 3 in
/// bits 0-5 and, in bits 6-7, bits 2k, 2k + 1 of the values of elements 192 + 4m .. + 3. So 3 loads give
/// 4 vectors of 16 rows x 4 values with 3 masks and one merge of the top bits; scale s covers elements
/// 16s..16s + 15, as Q8_K's bsum s.
/// Per 16 elements and token: 4 `vpdpbusd` of the unsigned 6-bit quants, one `vpmulld` by the signed scale; the
/// -32 offset enters once per super-block as 32 sum_s sc_s bsum_s, by 8 `vpdpwssd`.
TGT INL void group_q6_K(const uint8_t *g, long nb, const uint8_t *x, long x_stride, const int32_t *pairs,
                        float *out, long out_stride, const int RN) {
    __m512 acc[X16_TILE];
    for (int t = 0; t < RN; t++) acc[t] = _mm512_setzero_ps();
    const __m512i low6 = _mm512_set1_epi8(0x3F), m01 = _mm512_set1_epi8(0x03), m23 = _mm512_set1_epi8(0x0C);
    const __m512i m45 = _mm512_set1_epi8(0x30);
    for (long b = 0; b < nb; b++) {
        const uint8_t *rec = g + b * 3360, *qs = rec + 288;
        const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)rec));
        __m512i isum[X16_TILE];
        for (int t = 0; t < RN; t++) isum[t] = _mm512_setzero_si512();
#pragma clang loop unroll(full)
        for (int j = 0; j < 4; j++) {
            // Scales j, 4 + j, 8 + j, 12 + j (of the 4 streams) as 16 signed lanes: byte j of words 0-3.
            __m512i sc[4];
            for (int k = 0; k < 4; k++)
                sc[k] = _mm512_srai_epi32(_mm512_slli_epi32(_mm512_loadu_si512(rec + 32 + k * 64), 24 - 8 * j), 24);
            __m512i v[4][4];  // [k][i]: elements 64k + 16j + 4i .. + 3
            for (int i = 0; i < 4; i++) {
                const uint8_t *c = qs + (3 * (4 * j + i)) * 64;
                const __m512i c0 = _mm512_loadu_si512(c), c1 = _mm512_loadu_si512(c + 64);
                const __m512i c2 = _mm512_loadu_si512(c + 128);
                v[0][i] = _mm512_and_si512(c0, low6);
                v[1][i] = _mm512_and_si512(c1, low6);
                v[2][i] = _mm512_and_si512(c2, low6);
                v[3][i] = _mm512_or_si512(
                    _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(c0, 6), m01), _mm512_and_si512(_mm512_srli_epi16(c1, 4), m23)),
                    _mm512_and_si512(_mm512_srli_epi16(c2, 2), m45));
            }
#pragma clang loop unroll(full)
            for (int t = 0; t < RN; t++) {
                const uint8_t *q = x + t * x_stride + b * 292 + 4 + 16 * j;
#pragma clang loop unroll(full)
                for (int k = 0; k < 4; k++) {
                    __m512i s0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v[k][0], x16_bcast(q + 64 * k));
                    __m512i s1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v[k][1], x16_bcast(q + 64 * k + 4));
                    s0 = _mm512_dpbusd_epi32(s0, v[k][2], x16_bcast(q + 64 * k + 8));
                    s1 = _mm512_dpbusd_epi32(s1, v[k][3], x16_bcast(q + 64 * k + 12));
                    isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(_mm512_add_epi32(s0, s1), sc[k]));
                }
            }
        }
#pragma clang loop unroll(full)
        for (int t = 0; t < RN; t++) {
            const int32_t *p = pairs + (t * nb + b) * 8;
            __m512i msum = _mm512_setzero_si512();
            for (int w = 0; w < 4; w++) {
                const __m512i word = _mm512_loadu_si512(rec + 32 + w * 64);
                const __m512i s02 = _mm512_srai_epi16(_mm512_slli_epi16(word, 8), 8), s13 = _mm512_srai_epi16(word, 8);
                msum = _mm512_dpwssd_epi32(msum, s02, _mm512_set1_epi32(p[2 * w]));
                msum = _mm512_dpwssd_epi32(msum, s13, _mm512_set1_epi32(p[2 * w + 1]));
            }
            float dx;
            memcpy(&dx, x + t * x_stride + b * 292, 4);
            const __m512i total = _mm512_sub_epi32(isum[t], _mm512_slli_epi32(msum, 5));
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(total), _mm512_mul_ps(d, _mm512_set1_ps(dx)), acc[t]);
        }
    }
    for (int t = 0; t < RN; t++) _mm512_storeu_ps(out + t * out_stride, acc[t]);
}

#define RN_SWITCH(CALL)                                                                                      \
    switch (rn) {                                                                                            \
    case 8: CALL(8); break;                                                                                  \
    case 7: CALL(7); break;                                                                                  \
    case 6: CALL(6); break;                                                                                  \
    case 5: CALL(5); break;                                                                                  \
    case 4: CALL(4); break;                                                                                  \
    case 3: CALL(3); break;                                                                                  \
    case 2: CALL(2); break;                                                                                  \
    default: CALL(1); break;                                                                                 \
    }

/// Rows [row_begin, row_end) of a repacked matrix of `rows` rows: tiles of 16 rows x up to X16_TILE tokens over the
/// whole groups, `bora_gemm_q` on the plain rows after the last group.
TGT static void gemm_x16(int kind, const uint8_t *w, long nb, long rows, long row_begin, long row_end,
                         const uint8_t *x, long x_stride, long tokens, float *y, long y_stride) {
    const long plain_block = kind == BORA_Q4_0 ? 18 : kind == BORA_Q4_1 ? 20 : kind == BORA_Q5_0 ? 22
                           : kind == BORA_Q4_K ? 144 : kind == BORA_Q6_K ? 210 : 34;
    const long group_bytes = 16 * nb * plain_block;
    const long groups = rows / 16, grouped_end = row_end < groups * 16 ? row_end : groups * 16;
    int32_t corr[kind == BORA_Q4_1 ? 1 : kind == BORA_Q4_K ? X16_TILE * nb * 4 : kind == BORA_Q6_K ? X16_TILE * nb * 8 : X16_TILE * nb];
    float out[16 * X16_TILE];
    for (long t = 0; t < tokens && row_begin < grouped_end; t += X16_TILE) {
        const int rn = tokens - t < X16_TILE ? (int)(tokens - t) : X16_TILE;
        // The weights' offset: Q4_0 quants are q + 8, Q5_0's q + 16, Q8_0's stored as q + 128.
        const int32_t offset = kind == BORA_Q4_0 ? 8 : kind == BORA_Q5_0 ? 16 : 128;
        if (kind == BORA_Q4_K)
            for (int k = 0; k < rn; k++) x16_group_sum_pairs(x + (t + k) * x_stride, nb, corr + k * nb * 4);
        else if (kind == BORA_Q6_K)
            for (int k = 0; k < rn; k++) x16_bsum_pairs(x + (t + k) * x_stride, nb, corr + k * nb * 8);
        else if (kind != BORA_Q4_1)
            for (int k = 0; k < rn; k++) x16_block_sums(x + (t + k) * x_stride, nb, -offset, corr + k * nb);
        for (long g = row_begin / 16; g * 16 < grouped_end; g++) {
            const uint8_t *gp = w + g * group_bytes, *xt = x + t * x_stride;
            // A group wholly inside the range writes straight into y; one cut by the range goes through `out`.
            const long r0 = g * 16 > row_begin ? g * 16 : row_begin;
            const long r1 = g * 16 + 16 < grouped_end ? g * 16 + 16 : grouped_end;
            const int whole = r0 == g * 16 && r1 == g * 16 + 16;
            float *dst = whole ? y + t * y_stride + (g * 16 - row_begin) : out;
            const long dst_stride = whole ? y_stride : 16;
#define Q40(N) group_q4_0_q5_0(gp, nb, xt, x_stride, corr, dst, dst_stride, N, 0)
#define Q50(N) group_q4_0_q5_0(gp, nb, xt, x_stride, corr, dst, dst_stride, N, 1)
#define Q41(N) group_q4_1(gp, nb, xt, x_stride, dst, dst_stride, N)
#define Q80(N) group_q8_0(gp, nb, xt, x_stride, corr, dst, dst_stride, N)
#define Q4K(N) group_q4_K(gp, nb, xt, x_stride, corr, dst, dst_stride, N)
#define Q6K(N) group_q6_K(gp, nb, xt, x_stride, corr, dst, dst_stride, N)
            if (kind == BORA_Q4_0) {
                RN_SWITCH(Q40)
            } else if (kind == BORA_Q5_0) {
                RN_SWITCH(Q50)
            } else if (kind == BORA_Q4_1) {
                RN_SWITCH(Q41)
            } else if (kind == BORA_Q4_K) {
                RN_SWITCH(Q4K)
            } else if (kind == BORA_Q6_K) {
                RN_SWITCH(Q6K)
            } else {
                RN_SWITCH(Q80)
            }
#undef Q40
#undef Q50
#undef Q41
#undef Q80
#undef Q4K
#undef Q6K
            if (!whole)
                for (int k = 0; k < rn; k++)
                    for (long r = r0; r < r1; r++) y[(t + k) * y_stride + (r - row_begin)] = out[k * 16 + (r - g * 16)];
        }
    }
    if (row_end > groups * 16) {
        const long first = row_begin > groups * 16 ? row_begin : groups * 16;
        bora_gemm_q(kind, w + groups * group_bytes, nb, first - groups * 16, row_end - groups * 16, x, x_stride,
                    tokens, y + (first - row_begin), y_stride);
    }
}

void bora_gemm_x16(int kind, const void *w, long nb, long rows, long row_begin, long row_end, const void *x,
                   long x_stride, long tokens, float *y, long y_stride) {
    if (row_begin >= row_end) return;
    if (nb <= 0) {
        for (long t = 0; t < tokens; t++)
            for (long r = row_begin; r < row_end; r++) y[t * y_stride + (r - row_begin)] = 0;
        return;
    }
    gemm_x16(kind, (const uint8_t *)w, nb, rows, row_begin, row_end, (const uint8_t *)x, x_stride, tokens, y, y_stride);
}

#else

void bora_gemm_x16(int kind, const void *w, long nb, long rows, long row_begin, long row_end, const void *x,
                   long x_stride, long tokens, float *y, long y_stride) {
    (void)kind; (void)w; (void)nb; (void)rows; (void)row_begin; (void)row_end;
    (void)x; (void)x_stride; (void)tokens; (void)y; (void)y_stride;
}

#endif
