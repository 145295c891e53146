// f32 / f16 / bf16 weight rows times f32 activations: four SIMD16 accumulators with FMA, tree sum per row
// (the `f32.simd16x4.fma` pattern of the SIMD reference, which matched the AVX-512 C kernel).

extension Fast {
    static func matvecF32(_ w: UnsafeRawPointer, cols: Int, rows: Range<Int>, x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>) {
        matvecFloat(w, elementBytes: 4, cols: cols, rows: rows, x: x, y: y) { p, o in
            p.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
        } scalar: { p, o in
            p.loadUnaligned(fromByteOffset: o, as: Float.self)
        }
    }

    static func matvecF16(_ w: UnsafeRawPointer, cols: Int, rows: Range<Int>, x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>) {
        matvecFloat(w, elementBytes: 2, cols: cols, rows: rows, x: x, y: y) { p, o in
            toFloat(p.loadUnaligned(fromByteOffset: o, as: SIMD16<Float16>.self))
        } scalar: { p, o in
            loadHalf(p, o)
        }
    }

    static func matvecBF16(_ w: UnsafeRawPointer, cols: Int, rows: Range<Int>, x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>) {
        matvecFloat(w, elementBytes: 2, cols: cols, rows: rows, x: x, y: y) { p, o in
            bf16ToFloat(p.loadUnaligned(fromByteOffset: o, as: SIMD16<UInt16>.self))
        } scalar: { p, o in
            loadBF16(p, o)
        }
    }

    /// Shared loop; `load16(row, byteOffset)` gives 16 weights as floats, `scalar` one (for the tail).
    @inline(__always)
    static func matvecFloat(
        _ w: UnsafeRawPointer, elementBytes eb: Int, cols: Int, rows: Range<Int>,
        x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>,
        load16: (UnsafeRawPointer, Int) -> SIMD16<Float>, scalar: (UnsafeRawPointer, Int) -> Float
    ) {
        for r in rows {
            let row = w + r &* cols &* eb
            var a0 = SIMD16<Float>(), a1 = a0, a2 = a0, a3 = a0
            var j = 0
            while j &+ 64 <= cols {
                a0.addProduct(load16(row, j &* eb), x.loadUnaligned(fromByteOffset: j &* 4, as: SIMD16<Float>.self))
                a1.addProduct(load16(row, (j &+ 16) &* eb), x.loadUnaligned(fromByteOffset: (j &+ 16) &* 4, as: SIMD16<Float>.self))
                a2.addProduct(load16(row, (j &+ 32) &* eb), x.loadUnaligned(fromByteOffset: (j &+ 32) &* 4, as: SIMD16<Float>.self))
                a3.addProduct(load16(row, (j &+ 48) &* eb), x.loadUnaligned(fromByteOffset: (j &+ 48) &* 4, as: SIMD16<Float>.self))
                j &+= 64
            }
            while j &+ 16 <= cols {
                a0.addProduct(load16(row, j &* eb), x.loadUnaligned(fromByteOffset: j &* 4, as: SIMD16<Float>.self))
                j &+= 16
            }
            var tail: Float = 0
            while j < cols {
                tail += scalar(row, j &* eb) * x.loadUnaligned(fromByteOffset: j &* 4, as: Float.self)
                j &+= 1
            }
            y[r &- rows.lowerBound] = hsum((a0 + a1) + (a2 + a3)) + tail
        }
    }
}
