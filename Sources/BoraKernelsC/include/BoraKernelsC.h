// Integer-dot kernels that need an instruction Swift cannot emit: AVX512-VNNI `vpdpbusd`
// (Swift has no intrinsic for it, and its SIMD types do not lower to it). Each function carries its own `target` attribute,
// so this target builds without flags; callers check `bora_cpu_has_vnni()` at run time and otherwise use the
// Swift kernels (Sources/BoraKernels/Quant), which are the reference these are tested against.
#ifndef BORA_KERNELS_C_H
#define BORA_KERNELS_C_H

#include <stddef.h>

/// 1 if this CPU and OS support AVX2, FMA, F16C, AVX512F/BW/VL and AVX512-VNNI (ymm state enabled), else 0.
int bora_cpu_has_vnni(void);

/// Weight formats of `bora_gemm_q`: weight block x activation block.
enum {
    BORA_Q8_0 = 0,  ///< Q8_0 {fp16 d, int8 qs[32]} x Q8_0
    BORA_Q4_0 = 1,  ///< Q4_0 {fp16 d, uint8 qs[16]} x Q8_0
    BORA_Q4_1 = 2,  ///< Q4_1 {fp16 d, fp16 m, uint8 qs[16]} x Q8_1 {fp16 d, fp16 s, int8 qs[32]}
    BORA_Q5_0 = 3,  ///< Q5_0 {fp16 d, uint32 qh, uint8 qs[16]} x Q8_0
    BORA_Q5_1 = 4,  ///< Q5_1 {fp16 d, fp16 m, uint32 qh, uint8 qs[16]} x Q8_1
    BORA_Q4_K = 5,  ///< Q4_K (256-element super-blocks, 144 bytes) x Q8_K {f32 d, int8 qs[256], int16 bsums[16]}
    BORA_Q6_K = 6,  ///< Q6_K (210 bytes) x Q8_K
    BORA_Q5_K = 7,  ///< Q5_K (176 bytes) x Q8_K, by `bora_gemm_k_lo`
    BORA_Q3_K = 8,  ///< Q3_K (110 bytes) x Q8_K, by `bora_gemm_k_lo`
    BORA_Q2_K = 9,  ///< Q2_K (84 bytes) x Q8_K, by `bora_gemm_k_lo`
};

/// y[t * y_stride + (r - row_begin)] = dot(weight row r, activation row t) for row_begin <= r < row_end,
/// t < tokens. Weight row r starts at `w + r * nb * block_bytes`; activation row t (nb Q8_0, Q8_1 or Q8_K
/// blocks) at `x + t * x_stride`; nb counts blocks of the weight format (32 elements, 256 for the
/// K-quants). Only call when `bora_cpu_has_vnni()` returned 1.
void bora_gemm_q(int kind, const void *w, long nb, long row_begin, long row_end,
                 const void *x, long x_stride, long tokens, float *y, long y_stride);

/// Q4_0, Q4_1, Q5_0, Q8_0, Q4_K or Q6_K (`kind`) repacked 16 rows at a time (made once at load,
/// Sources/BoraKernels/Quant/RepackedRows.swift). Group g (rows 16g..<16g+16) starts at `w + g * 16 * nb * B`
/// (B: the plain block's bytes, 18, 20, 22, 34, 144 or 210) and holds one record of 16 * B bytes per block b, at
/// b * 16 * B, so that a group is read as one stream. A record holds the block's scale fields, 16 values each
/// (row 16g+i at i * width): 16-bit fp16 d, then for Q4_1 fp16 m, for Q5_0 the low then the high 16 bits of
/// qh, for Q4_K fp16 dmin and then the three 32-bit words of its 12 scale bytes, for Q6_K the four 32-bit words
/// of its 16 int8 scales; then its quant bytes in chunks of 64: byte j of row 16g+i at (j / 4) * 64 + i * 4 +
/// j % 4. Quant bytes are the file's (4 chunks; Q4_K 32), except Q8_0's, q + 128 as unsigned (8 chunks), and
/// Q6_K's 192, re-encoded (48 chunks; RepackedRows.encodeQ6K). The rows % 16 rows after the last group follow in the
/// plain format. Same contract as `bora_gemm_q(kind, ...)` otherwise; `rows` is the matrix's row count.
void bora_gemm_x16(int kind, const void *w, long nb, long rows, long row_begin, long row_end, const void *x,
                   long x_stride, long tokens, float *y, long y_stride);

/// Quantizes `blocks` blocks of 32 floats at x into Q8_0 blocks (with_sum 0: fp16 d, 32 int8) or Q8_1 blocks
/// (with_sum 1: fp16 d, fp16 s = d * sum(q), 32 int8) at dst, as Sources/BoraKernels/Quant/Activations.swift
/// does. Only call when `bora_cpu_has_vnni()` returned 1.
void bora_quantize_q8(const float *x, long blocks, void *dst, int with_sum);

/// `bora_gemm_q` for kind BORA_Q5_K, BORA_Q3_K or BORA_Q2_K (gemm_kquants_lo.c).
void bora_gemm_k_lo(int kind, const void *w, long nb, long row_begin, long row_end,
                    const void *x, long x_stride, long tokens, float *y, long y_stride);

/// Attention of a block of query vectors over one span of fp16 key and value rows (a prefill chunk over a
/// long cache: attention_block.c), an online softmax carried across calls. Query vector (t, h), t < tokens,
/// h < heads, is at `q + t * q_stride + h * hd`; its unnormalized output at `out + t * o_stride + h * hd`,
/// its running max and sum at m[t * heads + h], l[...] (start: out 0, m -INFINITY, l 0; after the last
/// span divide out by l: `bora_attn_finish`). Key/value row j (< count) is at `k + j * row_stride`,
/// `v + j * row_stride`, position first + j; token t sees positions pos[t] - window < p <= pos[t] (window
/// 0: all up to pos[t]). hd a multiple of 16. `scratch`: 64 * hd + 32 floats. Only call when
/// `bora_cpu_has_vnni()` returned 1.
void bora_attn_f16_block(const float *q, long q_stride, int tokens, int heads, int hd, const int *pos, int window,
                         float scale, const unsigned short *k, const unsigned short *v, long row_stride, int count,
                         int first, float *out, long o_stride, float *m, float *l, float *scratch);

/// out /= l for each query vector of `bora_attn_f16_block` (a vector that saw no key is left 0).
void bora_attn_finish(int tokens, int heads, int hd, float *out, long o_stride, const float *l);

#endif
