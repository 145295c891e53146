// The scale searches of the K-quant reference quantizers: ports of ggml-quants.c `make_qkx2_quants`
// (asymmetric, weighted squared error; `use_mad` = false as Q4_K/Q5_K call it) and `make_qx_quants`
// (symmetric, `rmse_type` = 1 and no importance weights, as Q6_K calls it). Float operations keep the C
// order (ggml-base is built without FMA contraction), so the results match bit for bit.

enum ScaleSearch {
    /// ggml's GROUP_MAX_EPS: groups whose largest magnitude is below this quantize to zero.
    static let groupMaxEps: Float = 1e-15

    /// Finds scale and min for `count` values with weights so that x ~ scale * L - min, L in 0...nmax.
    /// Writes L to `L`, the (non-negative) min to `min`, returns the scale. `laux` is `count` bytes of scratch.
    static func withMin(
        count n: Int, nmax: Int32, _ x: UnsafePointer<Float>, _ weights: UnsafePointer<Float>,
        _ L: UnsafeMutablePointer<UInt8>, min theMin: inout Float, _ laux: UnsafeMutablePointer<UInt8>,
        rmin: Float, rdelta: Float, nstep: Int
    ) -> Float {
        var lo = x[0]
        var hi = x[0]
        var sumW = weights[0]
        var sumX = sumW * x[0]
        for i in 1..<n {
            if x[i] < lo { lo = x[i] }
            if x[i] > hi { hi = x[i] }
            let w = weights[i]
            sumW += w
            sumX += w * x[i]
        }
        if lo > 0 { lo = 0 }
        if hi == lo {
            for i in 0..<n { L[i] = 0 }
            theMin = -lo
            return 0
        }
        let fmax = Float(nmax)
        var iscale = fmax / (hi - lo)
        var scale = 1 / iscale
        var bestError: Float = 0
        for i in 0..<n {
            let l = Quantize.nearestInt(iscale * (x[i] - lo))
            L[i] = UInt8(max(0, min(nmax, l)))
            let diff = scale * Float(L[i]) + lo - x[i]
            bestError += weights[i] * (diff * diff)
        }
        if nstep < 1 {
            theMin = -lo
            return scale
        }
        for step in 0...nstep {
            iscale = (rmin + rdelta * Float(step) + fmax) / (hi - lo)
            var sumL: Float = 0, sumL2: Float = 0, sumXL: Float = 0
            for i in 0..<n {
                let l = max(0, min(nmax, Quantize.nearestInt(iscale * (x[i] - lo))))
                laux[i] = UInt8(l)
                let w = weights[i]
                let fl = Float(l)
                sumL += w * fl
                sumL2 += w * fl * fl
                sumXL += w * fl * x[i]
            }
            let D = sumW * sumL2 - sumL * sumL
            if D > 0 {
                var thisScale = (sumW * sumXL - sumX * sumL) / D
                var thisMin = (sumL2 * sumX - sumL * sumXL) / D
                if thisMin > 0 {
                    thisMin = 0
                    thisScale = sumXL / sumL2
                }
                var curError: Float = 0
                for i in 0..<n {
                    let diff = thisScale * Float(laux[i]) + thisMin - x[i]
                    curError += weights[i] * (diff * diff)
                }
                if curError < bestError {
                    for i in 0..<n { L[i] = laux[i] }
                    bestError = curError
                    scale = thisScale
                    lo = thisMin
                }
            }
        }
        theMin = -lo
        return scale
    }

    /// Finds a signed scale for `count` values so that x ~ scale * (L - nmax), L in 0..<2*nmax, maximizing
    /// the x^2-weighted fit over 19 candidate scales. Writes L (offset by nmax), returns the scale.
    static func symmetric(count n: Int, nmax: Int32, _ x: UnsafePointer<Float>, _ L: UnsafeMutablePointer<Int8>) -> Float {
        var maxValue: Float = 0
        var amax: Float = 0
        for i in 0..<n where abs(x[i]) > amax {
            amax = abs(x[i])
            maxValue = x[i]
        }
        if amax < groupMaxEps {
            for i in 0..<n { L[i] = 0 }
            return 0
        }
        let fmax = Float(nmax)
        var iscale = -fmax / maxValue
        var sumLX: Float = 0
        var sumL2: Float = 0
        for i in 0..<n {
            let l = max(-nmax, min(nmax - 1, Quantize.nearestInt(iscale * x[i])))
            L[i] = Int8(l + nmax)
            let w = x[i] * x[i]
            let fl = Float(l)
            sumLX += w * x[i] * fl
            sumL2 += w * fl * fl
        }
        var scale: Float = sumL2 != 0 ? sumLX / sumL2 : 0
        var best = scale * sumLX
        for step in -9...9 where step != 0 {
            iscale = -(fmax + 0.1 * Float(step)) / maxValue
            sumLX = 0
            sumL2 = 0
            for i in 0..<n {
                let l = max(-nmax, min(nmax - 1, Quantize.nearestInt(iscale * x[i])))
                let w = x[i] * x[i]
                let fl = Float(l)
                sumLX += w * x[i] * fl
                sumL2 += w * fl * fl
            }
            if sumL2 > 0 && sumLX * sumLX > best * sumL2 {
                for i in 0..<n {
                    L[i] = Int8(nmax + max(-nmax, min(nmax - 1, Quantize.nearestInt(iscale * x[i]))))
                }
                scale = sumLX / sumL2
                best = scale * sumLX
            }
        }
        return scale
    }
}
