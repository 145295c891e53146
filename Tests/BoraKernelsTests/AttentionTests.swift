import BoraKernels
import Testing

/// `Attention.attend` (online softmax over key tiles, up to 4 heads per pass) against the scalar reference:
/// head counts below, at and above the 4-head pass, head sizes with and without a 16-float tail, row counts
/// below, at and across the 32-key tile, split over three spans in every way (including empty ones), with
/// a row stride wider than the head (other KV heads interleaved). Scores spread over ~±20 so the running
/// max changes from tile to tile. Tolerance: 1e-5 of max |v| per output (weights sum to 1).
@Suite struct AttentionTests {
    struct Problem {
        let heads: Int, hd: Int, rows: Int, stride: Int
        let q: [Float], k: [Float], v: [Float]

        init(heads: Int, hd: Int, rows: Int, seed: UInt64) {
            var rng = SeededRandom(seed: seed)
            self.heads = heads
            self.hd = hd
            self.rows = rows
            let stride = hd * 3 + 5
            self.stride = stride
            q = (0..<heads * hd).map { _ in rng.float(-1...1) }
            // Keys growing in size along the rows: later tiles raise the max.
            k = (0..<rows * stride).map { i in rng.float(-1...1) * (1 + Float(i / stride % 40) / 8) }
            v = (0..<rows * stride).map { _ in rng.float(-2...2) }
        }

        /// `parts` > 0: the rows cut in that many slices (`Attention.slice`), each through `attendPart`, then
        /// `merge`d. Keys and values stored as `E` (rounded to it).
        func run<E: AttentionElement>(_: E.Type = Float.self, split a: Int, _ b: Int, reference: Bool, parts: Int = 0) -> [Float] {
            var out = [Float](repeating: .nan, count: heads * hd + 1)
            let k = Self.rounded(self.k, to: E.self), v = Self.rounded(self.v, to: E.self)
            q.withUnsafeBufferPointer { qp in
                k.withUnsafeBufferPointer { kp in
                    v.withUnsafeBufferPointer { vp in
                        out.withUnsafeMutableBufferPointer { op in
                            let k0 = kp.baseAddress! + 2, v0 = vp.baseAddress! + 1   // offset into the row
                            func span(_ lo: Int, _ hi: Int) -> Attention.Span<E> {
                                Attention.Span(keys: k0 + lo * stride, values: v0 + lo * stride, count: hi - lo, rowStride: stride)
                            }
                            let spans = (span(0, a), span(a, b), span(b, rows))
                            let scale = 2 / Float(hd).squareRoot()
                            if parts > 0 {
                                let partStride = heads * hd + 2 * heads + 3
                                var buffer = [Float](repeating: .nan, count: parts * partStride)
                                buffer.withUnsafeMutableBufferPointer { bp in
                                    for i in 0..<parts {
                                        let from = rows * i / parts, to = rows * (i + 1) / parts
                                        let part = bp.baseAddress! + i * partStride
                                        Attention.attendPart(queries: qp.baseAddress!, heads: heads, headDim: hd, scale: scale,
                                                             spans: Attention.slice(spans, from: from, count: to - from),
                                                             out: part, stats: part + heads * hd)
                                    }
                                    Attention.merge(UnsafePointer(bp.baseAddress!), count: parts, partStride: partStride, heads: heads,
                                                    headDim: hd, out: op.baseAddress!)
                                }
                            } else if reference {
                                Attention.attendReference(queries: qp.baseAddress!, heads: heads, headDim: hd, scale: scale,
                                                          spans: spans, out: op.baseAddress!)
                            } else {
                                Attention.attend(queries: qp.baseAddress!, heads: heads, headDim: hd, scale: scale,
                                                 spans: spans, out: op.baseAddress!)
                            }
                        }
                    }
                }
            }
            #expect(out[heads * hd].isNaN, "wrote past the heads")
            return Array(out.prefix(heads * hd))
        }

        static func rounded<E: AttentionElement>(_ x: [Float], to: E.Type) -> [E] {
            let out = UnsafeMutablePointer<E>.allocate(capacity: x.count)
            defer { out.deallocate() }
            x.withUnsafeBufferPointer { E.store($0.baseAddress!, into: out, count: x.count) }
            return Array(UnsafeBufferPointer(start: out, count: x.count))
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 8], [64, 20, 128])
    func matchesReference(_ heads: Int, _ hd: Int) {
        for rows in [1, 2, 6, 31, 32, 33, 100] {
            let p = Problem(heads: heads, hd: hd, rows: rows, seed: UInt64(1000 * heads + 10 * hd + rows))
            for (a, b) in [(rows, rows), (0, 0), (rows / 3, rows / 3), (rows / 3, 2 * rows / 3), (1 % rows, rows)] {
                let got = p.run(split: a, b, reference: false), ref = p.run(split: a, b, reference: true)
                for i in 0..<got.count {
                    #expect(abs(got[i] - ref[i]) <= 2e-5, "heads \(heads) hd \(hd) rows \(rows) split \(a),\(b) i \(i): \(got[i]) vs \(ref[i])")
                }
            }
        }
    }

    /// Keys cut in parts (`slice`, `attendPart`, `merge`: decoding with the keys split over the threads)
    /// against the reference, for every span split and 1-5 parts of at least one row each.
    @Test(arguments: [1, 3, 4, 6], [64, 20])
    func partsMergeToTheReference(_ heads: Int, _ hd: Int) {
        for rows in [5, 33, 100] {
            let p = Problem(heads: heads, hd: hd, rows: rows, seed: UInt64(7000 + 1000 * heads + 10 * hd + rows))
            for (a, b) in [(rows, rows), (0, 0), (rows / 3, 2 * rows / 3), (1, rows)] {
                let ref = p.run(split: a, b, reference: true)
                for parts in 1...5 {
                    let got = p.run(split: a, b, reference: false, parts: parts)
                    for i in 0..<got.count {
                        #expect(abs(got[i] - ref[i]) <= 2e-5, "heads \(heads) hd \(hd) rows \(rows) split \(a),\(b) parts \(parts) i \(i): \(got[i]) vs \(ref[i])")
                    }
                }
            }
        }
    }
}
