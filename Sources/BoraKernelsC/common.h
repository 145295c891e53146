// Shared by the kernel files of this target (not part of its public header).
#ifndef BORA_KERNELS_C_COMMON_H
#define BORA_KERNELS_C_COMMON_H

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

/// The instruction sets every kernel here may use; callers check `bora_cpu_has_vnni()` first.
#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define INL __attribute__((always_inline)) static inline

TGT INL uint16_t half_bits(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return h;
}

/// The fp16 values at p[0], p[stride], ... (n <= 4 of them; the rest 0) as 4 floats. Built in a fresh
/// register with one conversion: scalar `_cvtsh_ss` compiled to `vpinsrw $0, mem, %xmmN, %xmmM` merging
/// into whatever register was free, often an accumulator (a false dependency on the FMA chain).
TGT INL __m128 halves4(const uint8_t *p, long stride, const int n) {
    const short h0 = (short)half_bits(p);
    const short h1 = n > 1 ? (short)half_bits(p + stride) : 0;
    const short h2 = n > 2 ? (short)half_bits(p + 2 * stride) : 0;
    const short h3 = n > 3 ? (short)half_bits(p + 3 * stride) : 0;
    return _mm_cvtph_ps(_mm_setr_epi16(h0, h1, h2, h3, 0, 0, 0, 0));
}

TGT INL float hsum8(__m256 v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    a = _mm_add_ss(a, _mm_movehdup_ps(a));
    return _mm_cvtss_f32(a);
}

#endif
#endif
