import Foundation

/// How an axis maps data values to positions.
public enum ScaleKind: String, Sendable, Hashable, Codable {
    /// Equal distances for equal differences.
    case linear
    /// Equal distances for equal ratios (base 10); non-positive values are not drawn.
    case log
}

/// A data-to-pixel mapping along one axis, with "nice" tick values.
public struct Scale: Sendable, Hashable {
    /// Linear or logarithmic.
    public var kind: ScaleKind
    /// The data interval shown (for `.log`, both ends are > 0).
    public var domain: ClosedRange<Double>
    /// The pixel interval it maps to (may be decreasing, as for a y axis).
    public var range: (Double, Double)

    /// Creates a scale; a degenerate domain is widened so that mapping stays defined.
    public init(kind: ScaleKind, domain: ClosedRange<Double>, range: (Double, Double)) {
        self.kind = kind
        self.range = range
        var lo = domain.lowerBound
        var hi = domain.upperBound
        if kind == .log {
            lo = max(lo, Double.leastNormalMagnitude)
            hi = max(hi, lo)
            if hi / lo < 1.000001 {
                lo /= 2
                hi *= 2
            }
        } else if hi - lo < 1e-12 * max(1, abs(lo)) {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        self.domain = lo...hi
    }

    public static func == (a: Scale, b: Scale) -> Bool {
        a.kind == b.kind && a.domain == b.domain && a.range == b.range
    }

    public func hash(into h: inout Hasher) {
        h.combine(kind)
        h.combine(domain.lowerBound)
        h.combine(domain.upperBound)
        h.combine(range.0)
        h.combine(range.1)
    }

    /// Whether `v` can be drawn on this scale (finite, and positive on a log scale).
    public func accepts(_ v: Double) -> Bool { v.isFinite && (kind == .linear || v > 0) }

    /// The pixel position of `v` (values outside the domain extrapolate; clip when drawing).
    public func position(_ v: Double) -> Double {
        let t: Double
        switch kind {
        case .linear:
            t = (v - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
        case .log:
            let l = log10(domain.lowerBound)
            let h = log10(domain.upperBound)
            t = (log10(max(v, Double.leastNormalMagnitude)) - l) / (h - l)
        }
        return range.0 + t * (range.1 - range.0)
    }

    /// Tick values inside the domain: multiples of 1, 2 or 5 × 10^k (linear, about `target` of
    /// them), or powers of ten (log; with 2× and 5× intermediates when the domain spans few decades).
    public func ticks(target: Int = 6) -> [Double] {
        switch kind {
        case .linear: return Self.linearTicks(domain, target: target)
        case .log: return Self.logTicks(domain)
        }
    }

    /// Widens `domain` outward to tick values (linear) or whole decades (log, when that costs
    /// at most one decade on each side), so axes start and end on a labelled tick.
    public static func nice(_ domain: ClosedRange<Double>, kind: ScaleKind, target: Int = 6) -> ClosedRange<Double> {
        switch kind {
        case .linear:
            let step = niceStep((domain.upperBound - domain.lowerBound) / Double(max(target, 1)))
            guard step > 0, step.isFinite else { return domain }
            // The 1e-9 slack keeps round-off (5.000000000000001) from adding a whole step.
            let lo = (domain.lowerBound / step + 1e-9).rounded(.down) * step
            let hi = (domain.upperBound / step - 1e-9).rounded(.up) * step
            return lo...max(hi, lo + step)
        case .log:
            guard domain.lowerBound > 0 else { return domain }
            // Round outward to 1, 2 or 5 × 10^k: whole decades would waste most of a decade of width.
            let lo = niceLogBound(domain.lowerBound, up: false)
            let hi = niceLogBound(domain.upperBound, up: true)
            return lo...max(hi, lo * 2)
        }
    }

    /// The nearest 1, 2 or 5 × 10^k at or beyond `v` (upwards or downwards).
    static func niceLogBound(_ v: Double, up: Bool) -> Double {
        let e = log10(v).rounded(.down)
        let base = pow(10, e)
        let f = v / base
        let candidates: [Double] = [1, 2, 5, 10]
        if up { return (candidates.first { $0 >= f * (1 - 1e-9) } ?? 10) * base }
        return (candidates.last { $0 <= f * (1 + 1e-9) } ?? 1) * base
    }

    /// The smallest 1, 2, 5 × 10^k that is ≥ `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let exponent = log10(raw).rounded(.down)
        let base = pow(10, exponent)
        let f = raw / base
        let m: Double = f <= 1.0000001 ? 1 : f <= 2.0000001 ? 2 : f <= 5.0000001 ? 5 : 10
        return m * base
    }

    static func linearTicks(_ d: ClosedRange<Double>, target: Int) -> [Double] {
        let step = niceStep((d.upperBound - d.lowerBound) / Double(max(target, 1)))
        let first = (d.lowerBound / step - 1e-9).rounded(.up)
        let last = (d.upperBound / step + 1e-9).rounded(.down)
        guard last >= first, last - first < 1000 else { return [] }
        return stride(from: first, through: last, by: 1).map { k in
            let v = k * step
            return abs(v) < step * 1e-9 ? 0 : v
        }
    }

    static func logTicks(_ d: ClosedRange<Double>) -> [Double] {
        let lo = log10(d.lowerBound)
        let hi = log10(d.upperBound)
        let first = Int((lo - 1e-9).rounded(.up))
        let last = Int((hi + 1e-9).rounded(.down))
        let decades = hi - lo
        var multipliers: [Double] = [1]
        if decades < 2.5 { multipliers = [1, 2, 5] }
        if decades < 0.7 { multipliers = [1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9] }
        var ticks: [Double] = []
        // Decades that span many orders of magnitude are thinned to every 2nd, 3rd, … power.
        let every = max(1, Int((Double(last - first + 1) / 9).rounded(.up)))
        for e in (first - 1)...(last + 1) {
            for m in multipliers {
                if m == 1 && (e - first) % every != 0 { continue }
                let v = m * pow(10, Double(e))
                if v >= d.lowerBound * (1 - 1e-9) && v <= d.upperBound * (1 + 1e-9) { ticks.append(v) }
            }
        }
        return ticks
    }
}

/// Tick-label formatting: short, exact enough to tell neighbouring ticks apart.
public enum TickFormat {
    /// Labels for a set of ticks on a scale of `kind`.
    public static func labels(_ ticks: [Double], kind: ScaleKind) -> [String] {
        switch kind {
        case .log:
            // One notation per axis: powers of ten throughout once any tick needs an exponent.
            let positive = ticks.filter { $0 > 0 }
            let wide = (positive.max() ?? 1) >= 1e5 || (positive.min() ?? 1) < 0.01
            return ticks.map { wide ? powerLabel($0) : logLabel($0) }
        case .linear:
            let step = ticks.count > 1 ? abs(ticks[1] - ticks[0]) : abs(ticks.first ?? 1)
            let largest = ticks.map(abs).max() ?? 0
            // One unit per axis: "0, 5k, 10k", never "5000, 10k".
            if largest >= 1e4 {
                let (div, suffix): (Double, String) =
                    largest >= 1e9 ? (1e9, "G") : largest >= 1e6 ? (1e6, "M") : (1e3, "k")
                return ticks.map { $0 == 0 ? "0" : plain($0 / div, step: step / div) + suffix }
            }
            if largest < 1e-3 { return ticks.map { $0 == 0 ? "0" : compactExponent($0) } }
            return ticks.map { plain($0, step: step) }
        }
    }

    /// A value on a linear axis with spacing `step`: `0.25`, `15k`, `2.5M`, `3e-05`.
    public static func linearLabel(_ v: Double, step: Double) -> String {
        if v == 0 { return "0" }
        let mag = abs(v)
        if mag >= 1e4 {
            let (div, suffix): (Double, String) = mag >= 1e9 ? (1e9, "G") : mag >= 1e6 ? (1e6, "M") : (1e3, "k")
            return plain(v / div, step: step / div) + suffix
        }
        if mag < 1e-3 { return compactExponent(v) }
        return plain(v, step: step)
    }

    /// A value on a log axis: `0.01`, `1`, `100`, `10k`, `10⁶`, `10⁻⁵`, `2×10⁻⁵`.
    public static func logLabel(_ v: Double) -> String {
        guard v > 0, v.isFinite else { return "" }
        let e = Int(log10(v).rounded(.down))
        if e >= -2 && e <= 4 {
            if v >= 1e4 { return plain(v / 1e3, step: 1) + "k" }
            return plain(v, step: pow(10, Double(min(e, 0))) / 10)
        }
        return powerLabel(v)
    }

    /// A value as `10ⁿ` or `m×10ⁿ`.
    public static func powerLabel(_ v: Double) -> String {
        guard v > 0, v.isFinite else { return "" }
        var e = Int(log10(v).rounded(.down))
        var m = v / pow(10, Double(e))
        if m >= 9.99999 {
            m /= 10
            e += 1
        }
        let mantissa = (m - 1).magnitude < 1e-6 ? "" : plain(m, step: 0.1) + "×"
        return mantissa + "10" + superscript(e)
    }

    /// A number with as many decimals as `step` needs (no trailing zeros).
    static func plain(_ v: Double, step: Double) -> String {
        // The fewest decimals that write the step exactly (2.5 → 1, 0.02 → 2, 500 → 0).
        var decimals = 2
        if step > 0 && step.isFinite {
            decimals = 8
            for d in 0...8 {
                let scaled = step * pow(10, Double(d))
                if abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled) {
                    decimals = d
                    break
                }
            }
        }
        var s = String(format: "%.\(decimals)f", v)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    /// `3e-05` style with the mantissa trimmed: `3e-5`.
    static func compactExponent(_ v: Double) -> String {
        let e = Int(log10(abs(v)).rounded(.down))
        let m = v / pow(10, Double(e))
        return plain(m, step: 0.1) + "e" + String(e)
    }

    /// Unicode superscript digits for an exponent.
    static func superscript(_ e: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        var s = e < 0 ? "⁻" : ""
        for ch in String(abs(e)) { s.append(digits[Int(String(ch))!]) }
        return s
    }

    /// A compact number for tables and tooltips: whole numbers from 1000 on, else 4 significant
    /// digits; an exponent only below 0.001 or from 10¹⁵ on.
    public static func number(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "NaN" : (v > 0 ? "∞" : "−∞") }
        if v == 0 { return "0" }
        let mag = abs(v)
        if mag >= 1e15 || mag < 1e-3 { return String(format: "%.3g", v) }
        if mag >= 1000 || v == v.rounded() { return String(Int(v.rounded())) }
        var s = String(format: "%.4g", v)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// `mean ± std` with the standard deviation to two significant digits (whole numbers from 10
    /// on) and the mean to the same decimal place; just the mean when `std` is 0.
    public static func meanStd(_ mean: Double, _ std: Double) -> String {
        guard std > 0, std.isFinite, mean.isFinite else { return number(mean) }
        let decimals = min(max(0, 1 - Int(log10(std).rounded(.down))), 6)
        if abs(mean) >= 1e15 || (abs(mean) < 1e-3 && mean != 0) || std < 1e-6 {
            return number(mean) + " ± " + String(format: "%.2g", std)
        }
        return String(format: "%.\(decimals)f", mean) + " ± " + String(format: "%.\(decimals)f", std)
    }
}
