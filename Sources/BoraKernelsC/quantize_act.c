// Activation quantization to Q8_0 / Q8_1 blocks with AVX-512 (the Swift version, Activations.quantizeBlock32,
// is the reference: its narrowing of 16 int32 lanes to bytes compiled to one extract per lane, where
// `vpmovdb` does it in one instruction). Same arithmetic: d = amax / 127, q = roundf(x / d) (half away from
// zero) as x * (1 / d), d stored as fp16 (nearest even), Q8_1's s = fp16(float(sum q) * d). A block with a
// non-finite value takes the scalar path: NaN gives 0, out-of-range values saturate.

#include "BoraKernelsC.h"
#include "common.h"
#include <math.h>

#if defined(__x86_64__)

/// roundf per lane for |v| < 2^23: the truncation, plus the sign where the dropped fraction is at least 1/2
/// (v - trunc(v) is exact).
TGT INL __m512 round_half_away(__m512 v) {
    const __m512 t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m512 frac = _mm512_abs_ps(_mm512_sub_ps(v, t));
    const __mmask16 up = _mm512_cmp_ps_mask(frac, _mm512_set1_ps(0.5f), _CMP_GE_OQ);
    const __m512 one = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(_mm512_set1_ps(1.0f)),
        _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32((int)0x80000000))));
    return _mm512_mask_add_ps(t, up, t, one);
}

TGT INL void store_half(uint8_t *p, float v) {
    const uint16_t h = (uint16_t)_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(v), _MM_FROUND_TO_NEAREST_INT), 0);
    memcpy(p, &h, 2);
}

TGT static void quantize_blocks(const float *x, long blocks, uint8_t *dst, int with_sum) {
    const long bytes = with_sum ? 36 : 34;
    for (long b = 0; b < blocks; b++) {
        const float *xb = x + b * 32;
        uint8_t *out = dst + b * bytes, *qs = out + (with_sum ? 4 : 2);
        const __m512 v0 = _mm512_loadu_ps(xb), v1 = _mm512_loadu_ps(xb + 16);
        const __m512 a = _mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1));
        // Non-finite lanes: NaN in either half (unordered with itself), or an infinite magnitude.
        const __mmask16 bad = _mm512_cmp_ps_mask(v0, v0, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(v1, v1, _CMP_UNORD_Q)
            | _mm512_cmp_ps_mask(a, _mm512_set1_ps(INFINITY), _CMP_EQ_OQ);
        const float amax = _mm512_reduce_max_ps(a);
        const float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        int32_t sum = 0;
        if (!bad) {
            const __m512 s = _mm512_set1_ps(id);
            const __m512i q0 = _mm512_cvttps_epi32(round_half_away(_mm512_mul_ps(v0, s)));
            const __m512i q1 = _mm512_cvttps_epi32(round_half_away(_mm512_mul_ps(v1, s)));
            _mm_storeu_si128((__m128i *)qs, _mm512_cvtepi32_epi8(q0));
            _mm_storeu_si128((__m128i *)(qs + 16), _mm512_cvtepi32_epi8(q1));
            sum = _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
        } else {
            float m = 0.0f;  // the scalar path's amax: NaN lanes do not count, infinity does
            for (int j = 0; j < 32; j++) {
                const float av = fabsf(xb[j]);
                if (av > m) m = av;
            }
            const float ds = m / 127.0f, ids = ds != 0.0f ? 1.0f / ds : 0.0f;
            for (int j = 0; j < 32; j++) {
                const float v = roundf(xb[j] * ids);
                const int8_t q = isnan(v) ? 0 : (int8_t)(v < -128.0f ? -128.0f : v > 127.0f ? 127.0f : v);
                qs[j] = (uint8_t)q;
                sum += q;
            }
            store_half(out, ds);
            if (with_sum) store_half(out + 2, (float)sum * ds);
            continue;
        }
        store_half(out, d);
        if (with_sum) store_half(out + 2, (float)sum * d);
    }
}

void bora_quantize_q8(const float *x, long blocks, void *dst, int with_sum) {
    quantize_blocks(x, blocks, (uint8_t *)dst, with_sum);
}

#else

void bora_quantize_q8(const float *x, long blocks, void *dst, int with_sum) {
    (void)x; (void)blocks; (void)dst; (void)with_sum;
}

#endif
