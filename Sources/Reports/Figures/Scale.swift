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
    /// - Parameters:
    ///   - kind: linear or logarithmic.
    ///   - domain: the data interval (positive for a log scale).
    ///   - range: the pixel positions of the domain's ends.
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

    /// Whether both draw the same (compares the fields that affect drawing).
    public static func == (a: Scale, b: Scale) -> Bool {
        a.kind == b.kind && a.domain == b.domain && a.range == b.range
    }

    /// Hashes the fields that affect drawing.
    public func hash(into h: inout Hasher) {
        h.combine(kind)
        h.combine(domain.lowerBound)
        h.combine(domain.upperBound)
        h.combine(range.0)
        h.combine(range.1)
    }

    /// Whether `v` can be drawn on this scale (finite, and positive on a log scale).
    /// - Parameter v: a data value.
    /// - Returns: whether `position(v)` is meaningful.
    public func accepts(_ v: Double) -> Bool { v.isFinite && (kind == .linear || v > 0) }

    /// The pixel position of `v` (values outside the domain extrapolate; clip when drawing).
    /// - Parameter v: a data value accepted by `accepts`.
    /// - Returns: the pixel coordinate.
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
    /// - Parameter target: about how many ticks a linear scale gets.
    /// - Returns: the tick values, ascending.
    public func ticks(target: Int = 6) -> [Double] {
        switch kind {
        case .linear: return Self.linearTicks(domain, target: target)
        case .log: return Self.logTicks(domain)
        }
    }

    /// Widens `domain` outward to tick values (linear) or whole decades (log, when that costs
    /// at most one decade on each side), so axes start and end on a labelled tick.
    /// - Parameters:
    ///   - domain: the data interval.
    ///   - kind: linear or logarithmic.
    ///   - target: about how many ticks (linear).
    /// - Returns: the widened interval.
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
