import BoraKernels
import Testing

/// `Attention.attend` over F16 rows (an F16 KV cache) against the scalar reference, which converts the
/// same F16 values to Double: 1-5 heads, odd head sizes (16-lane chunks plus a scalar tail), rows below,
/// at and across the 32-key tile, split over three spans and cut in parts. Then the decoder's layout: a
/// rolling buffer laid out per KV head (rows `hd` apart) that wraps, followed by a chunk's own rows of all
/// KV heads (`kvDim` apart), for F16 and F32. Tolerance as for F32: 2e-5 (weights sum to 1, |v| <= 2).
@Suite struct AttentionF16Tests {
    @Test(arguments: [1, 2, 3, 4, 5], [64, 37, 20, 128])
    func f16RowsMatchReference(_ heads: Int, _ hd: Int) {
        for rows in [1, 6, 32, 33, 100] {
            let p = AttentionTests.Problem(heads: heads, hd: hd, rows: rows, seed: UInt64(31_000 + 1000 * heads + 10 * hd + rows))
            for (a, b) in [(rows, rows), (0, 0), (rows / 3, 2 * rows / 3), (1 % rows, rows)] {
                let ref = p.run(Float16.self, split: a, b, reference: true)
                for parts in [0, 1, 3] where parts <= rows {
                    let got = p.run(Float16.self, split: a, b, reference: false, parts: parts)
                    for i in 0..<got.count {
                        #expect(abs(got[i] - ref[i]) <= 2e-5, "heads \(heads) hd \(hd) rows \(rows) split \(a),\(b) parts \(parts) i \(i): \(got[i]) vs \(ref[i])")
                    }
                }
            }
        }
    }

    /// F16 rounding changes the result by about F16's precision, not more: the F16 reference against the
    /// F32 one on the same (unrounded) inputs.
    @Test func f16IsCloseToF32() {
        let p = AttentionTests.Problem(heads: 3, hd: 64, rows: 100, seed: 5)
        let f16 = p.run(Float16.self, split: 30, 60, reference: true), f32 = p.run(Float.self, split: 30, 60, reference: true)
        let worst = zip(f16, f32).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst > 0 && worst < 1e-2, "largest difference \(worst)")
    }

    /// A KV head's cached rows in a rolling buffer of `slots` rows `hd` apart, `cached` of them starting at
    /// slot `start` (wrapping to slot 0), then `own` rows `kvDim` apart (another KV head's rows between).
    func cacheLayout<E: AttentionElement>(_: E.Type, heads: Int, hd: Int, slots: Int, start: Int, cached: Int, own: Int) -> Float {
        var rng = SeededRandom(seed: UInt64(heads * 7919 + hd * 31 + slots * 7 + start + cached + own))
        let kvDim = 2 * hd + 3
        let q = (0..<heads * hd).map { _ in rng.float(-1...1) }
        /// Keys spread over ~±20 of score (the running max changes from tile to tile), values in [-2, 2].
        func rows(_ n: Int, keys: Bool) -> [E] {
            AttentionTests.Problem.rounded((0..<n).map { i in keys ? rng.float(-1...1) * (1 + Float(i % 23) / 6) : rng.float(-2...2) }, to: E.self)
        }
        let ck = rows(slots * hd, keys: true), cv = rows(slots * hd, keys: false)
        let ok = rows(max(1, own) * kvDim, keys: true), ov = rows(max(1, own) * kvDim, keys: false)
        var fast = [Float](repeating: .nan, count: heads * hd), ref = fast
        ck.withUnsafeBufferPointer { ckp in
            cv.withUnsafeBufferPointer { cvp in
                ok.withUnsafeBufferPointer { okp in
                    ov.withUnsafeBufferPointer { ovp in
                        let n1 = min(cached, slots - start)
                        let spans = (
                            Attention.Span(keys: ckp.baseAddress! + start * hd, values: cvp.baseAddress! + start * hd, count: n1, rowStride: hd),
                            Attention.Span(keys: ckp.baseAddress!, values: cvp.baseAddress!, count: cached - n1, rowStride: hd),
                            Attention.Span(keys: okp.baseAddress! + hd + 1, values: ovp.baseAddress! + hd + 1, count: own, rowStride: kvDim))
                        let scale = 1 / Float(hd).squareRoot()
                        q.withUnsafeBufferPointer { qp in
                            fast.withUnsafeMutableBufferPointer { fp in
                                Attention.attend(queries: qp.baseAddress!, heads: heads, headDim: hd, scale: scale, spans: spans, out: fp.baseAddress!)
                            }
                            ref.withUnsafeMutableBufferPointer { rp in
                                Attention.attendReference(queries: qp.baseAddress!, heads: heads, headDim: hd, scale: scale, spans: spans, out: rp.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        return zip(fast, ref).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test(arguments: [1, 3, 5], [64, 21])
    func wrappingCacheThenOwnRows(_ heads: Int, _ hd: Int) {
        for (slots, start, cached, own) in [(40, 0, 40, 0), (40, 25, 40, 7), (40, 39, 2, 1), (9, 4, 9, 33), (70, 50, 60, 5), (5, 0, 0, 3)] {
            let f16 = cacheLayout(Float16.self, heads: heads, hd: hd, slots: slots, start: start, cached: cached, own: own)
            let f32 = cacheLayout(Float.self, heads: heads, hd: hd, slots: slots, start: start, cached: cached, own: own)
            #expect(f16 <= 2e-5 && f32 <= 2e-5, "heads \(heads) hd \(hd) slots \(slots) start \(start) cached \(cached) own \(own): F16 \(f16), F32 \(f32)")
        }
    }
}
