// Attention of a block of query vectors (a prefill chunk's tokens x the query heads of one KV head) over
// fp16 key/value rows, 32 keys at a time. Each tile of keys is converted once and transposed (16 keys of one
// dimension per vector) for every query vector of the block, whose 32 scores then come out of 2 hd FMAs (one
// broadcast query element for two) with no horizontal sum; the tile's values, converted once into floats,
// feed each vector's weighted sum with one broadcast weight per key, four output chunks at a time. The
// softmax is online (running max m and sum l per vector), as in Sources/BoraKernels/Attention+Online.swift,
// the per-row kernel, which with Attention.attendReference stays the reference.

#include "BoraKernelsC.h"
#include "common.h"

#include <math.h>

#if defined(__x86_64__)

/// e^x for 16 lanes (x >= -87: lanes below are clamped there), |relative error| < 2e-7: x = n ln2 + r,
/// a degree-6 polynomial for e^r on |r| <= ln2/2, scaled by 2^n with `vscalefps`.
TGT INL __m512 exp16(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187045e-06f), r);
    __m512 p = _mm512_set1_ps(1.0f / 720);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

TGT void bora_attn_f16_block(const float *q, long q_stride, int tokens, int heads, int hd, const int *pos, int window,
                             float scale, const unsigned short *k, const unsigned short *v, long row_stride, int count,
                             int first, float *out, long o_stride, float *m, float *l, float *scratch) {
    // A tile is 32 keys: each broadcast query element feeds two FMAs (keys 0-15 and 16-31).
    float *kt = scratch;            // (hd, 32): dimension d of key i at d * 32 + i
    float *vt = scratch + 32 * hd;  // (32, hd): value row i
    float *w = scratch + 64 * hd;   // 32 weights
    const int chunks = hd / 16;
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i transpose = _mm512_mullo_epi32(iota, _mm512_set1_epi32(32));
    int last = pos[0], lowest = pos[0];
    for (int t = 1; t < tokens; t++) {
        last = pos[t] > last ? pos[t] : last;
        lowest = pos[t] < lowest ? pos[t] : lowest;
    }
    const int from = window > 0 ? lowest - window + 1 : 0;
    for (int j0 = 0; j0 < count; j0 += 32) {
        const int p0 = first + j0, n = count - j0 < 32 ? count - j0 : 32;
        if (p0 > last) break;
        if (p0 + n - 1 < from) continue;
        for (int i = 0; i < n; i++) {
            const unsigned short *kr = k + (long)(j0 + i) * row_stride, *vr = v + (long)(j0 + i) * row_stride;
            for (int c = 0; c < chunks; c++) {
                const __m512 kv = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(kr + 16 * c)));
                _mm512_i32scatter_ps(kt + 32 * 16 * c + i, transpose, kv, 4);
                _mm512_storeu_ps(vt + i * hd + 16 * c, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(vr + 16 * c))));
            }
        }
        for (int i = n; i < 32; i++) {
            for (int d = 0; d < hd; d++) kt[d * 32 + i] = 0;
        }
        const __m512i kpLo = _mm512_add_epi32(_mm512_set1_epi32(p0), iota);
        const __m512i kpHi = _mm512_add_epi32(kpLo, _mm512_set1_epi32(16));
        const __mmask16 inLo = (__mmask16)(n >= 16 ? 0xFFFF : (1u << n) - 1);
        const __mmask16 inHi = (__mmask16)(n >= 32 ? 0xFFFF : n > 16 ? (1u << (n - 16)) - 1 : 0);
        for (int t = 0; t < tokens; t++) {
            const int pt = pos[t], lo = window > 0 ? pt - window + 1 : 0;
            if (p0 > pt || p0 + n - 1 < lo) continue;
            const __m512i ptv = _mm512_set1_epi32(pt), lov = _mm512_set1_epi32(lo);
            __mmask16 vLo = inLo & _mm512_cmple_epi32_mask(kpLo, ptv), vHi = inHi & _mm512_cmple_epi32_mask(kpHi, ptv);
            if (window > 0) {
                vLo &= _mm512_cmpge_epi32_mask(kpLo, lov);
                vHi &= _mm512_cmpge_epi32_mask(kpHi, lov);
            }
            const int keys = vHi ? 32 : 16;  // the weights of keys past the last valid one are 0
            for (int h = 0; h < heads; h++) {
                const float *qv = q + t * q_stride + h * hd;
                float *o = out + t * o_stride + h * hd;
                const int at = t * heads + h;
                __m512 a0 = _mm512_setzero_ps(), a1 = a0, b0 = a0, b1 = a0;
                for (int d = 0; d < hd; d += 2) {
                    const __m512 q0 = _mm512_set1_ps(qv[d]), q1 = _mm512_set1_ps(qv[d + 1]);
                    a0 = _mm512_fmadd_ps(q0, _mm512_loadu_ps(kt + d * 32), a0);
                    b0 = _mm512_fmadd_ps(q0, _mm512_loadu_ps(kt + d * 32 + 16), b0);
                    a1 = _mm512_fmadd_ps(q1, _mm512_loadu_ps(kt + (d + 1) * 32), a1);
                    b1 = _mm512_fmadd_ps(q1, _mm512_loadu_ps(kt + (d + 1) * 32 + 16), b1);
                }
                const __m512 sc = _mm512_set1_ps(scale), ninf = _mm512_set1_ps(-INFINITY);
                const __m512 sLo = _mm512_mask_mov_ps(ninf, vLo, _mm512_mul_ps(_mm512_add_ps(a0, a1), sc));
                const __m512 sHi = _mm512_mask_mov_ps(ninf, vHi, _mm512_mul_ps(_mm512_add_ps(b0, b1), sc));
                const float mt = fmaxf(m[at], _mm512_reduce_max_ps(_mm512_max_ps(sLo, sHi)));
                const float c = m[at] == -INFINITY ? 0.0f : expf(m[at] - mt);
                const __m512 mv = _mm512_set1_ps(mt);
                const __m512 eLo = _mm512_maskz_mov_ps(vLo, exp16(_mm512_sub_ps(sLo, mv)));
                const __m512 eHi = _mm512_maskz_mov_ps(vHi, exp16(_mm512_sub_ps(sHi, mv)));
                l[at] = l[at] * c + _mm512_reduce_add_ps(_mm512_add_ps(eLo, eHi));
                m[at] = mt;
                _mm512_storeu_ps(w, eLo);
                _mm512_storeu_ps(w + 16, eHi);
                const __m512 cv = _mm512_set1_ps(c);
                const int nk = keys < n ? keys : n;
                // Four 16-float chunks of the output at a time, so that four FMA chains run side by side.
                int ch = 0;
                for (; ch + 4 <= chunks; ch += 4) {
                    float *oc = o + 16 * ch;
                    const float *vc = vt + 16 * ch;
                    __m512 o0 = _mm512_mul_ps(_mm512_loadu_ps(oc), cv), o1 = _mm512_mul_ps(_mm512_loadu_ps(oc + 16), cv);
                    __m512 o2 = _mm512_mul_ps(_mm512_loadu_ps(oc + 32), cv), o3 = _mm512_mul_ps(_mm512_loadu_ps(oc + 48), cv);
                    for (int i = 0; i < nk; i++) {
                        const __m512 wi = _mm512_set1_ps(w[i]);
                        const float *vr = vc + i * hd;
                        o0 = _mm512_fmadd_ps(wi, _mm512_loadu_ps(vr), o0);
                        o1 = _mm512_fmadd_ps(wi, _mm512_loadu_ps(vr + 16), o1);
                        o2 = _mm512_fmadd_ps(wi, _mm512_loadu_ps(vr + 32), o2);
                        o3 = _mm512_fmadd_ps(wi, _mm512_loadu_ps(vr + 48), o3);
                    }
                    _mm512_storeu_ps(oc, o0);
                    _mm512_storeu_ps(oc + 16, o1);
                    _mm512_storeu_ps(oc + 32, o2);
                    _mm512_storeu_ps(oc + 48, o3);
                }
                for (; ch < chunks; ch++) {
                    __m512 acc = _mm512_mul_ps(_mm512_loadu_ps(o + 16 * ch), cv);
                    for (int i = 0; i < nk; i++) {
                        acc = _mm512_fmadd_ps(_mm512_set1_ps(w[i]), _mm512_loadu_ps(vt + i * hd + 16 * ch), acc);
                    }
                    _mm512_storeu_ps(o + 16 * ch, acc);
                }
            }
        }
    }
}

TGT void bora_attn_finish(int tokens, int heads, int hd, float *out, long o_stride, const float *l) {
    for (int t = 0; t < tokens; t++) {
        for (int h = 0; h < heads; h++) {
            const float s = l[t * heads + h];
            if (!(s > 0)) continue;
            const __m512 inv = _mm512_set1_ps(1.0f / s);
            float *o = out + t * o_stride + h * hd;
            for (int c = 0; c < hd; c += 16) _mm512_storeu_ps(o + c, _mm512_mul_ps(_mm512_loadu_ps(o + c), inv));
        }
    }
}

#else

void bora_attn_f16_block(const float *q, long q_stride, int tokens, int heads, int hd, const int *pos, int window,
                         float scale, const unsigned short *k, const unsigned short *v, long row_stride, int count,
                         int first, float *out, long o_stride, float *m, float *l, float *scratch) {
    (void)q; (void)q_stride; (void)tokens; (void)heads; (void)hd; (void)pos; (void)window; (void)scale; (void)k;
    (void)v; (void)row_stride; (void)count; (void)first; (void)out; (void)o_stride; (void)m; (void)l; (void)scratch;
}

void bora_attn_finish(int tokens, int heads, int hd, float *out, long o_stride, const float *l) {
    (void)tokens; (void)heads; (void)hd; (void)out; (void)o_stride; (void)l;
}

#endif
