import Foundation

/// Tick-label formatting: short, exact enough to tell neighbouring ticks apart.
public enum TickFormat {
    /// Labels for a set of ticks on a scale of `kind`.
    /// - Parameters:
    ///   - ticks: the tick values, ascending.
    ///   - kind: the scale kind.
    /// - Returns: one label per tick.
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
    /// - Parameters:
    ///   - v: the value.
    ///   - step: the spacing of neighbouring ticks (sets the precision).
    /// - Returns: the label.
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
    /// - Parameter v: a positive value.
    /// - Returns: the label.
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
    /// - Parameter v: a positive value.
    /// - Returns: the label.
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
    /// - Parameter v: the value.
    /// - Returns: the text.
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
    /// - Parameters:
    ///   - mean: the mean.
    ///   - std: the standard deviation, ≥ 0.
    /// - Returns: the text.
    public static func meanStd(_ mean: Double, _ std: Double) -> String {
        guard std > 0, std.isFinite, mean.isFinite else { return number(mean) }
        let decimals = min(max(0, 1 - Int(log10(std).rounded(.down))), 6)
        if abs(mean) >= 1e15 || (abs(mean) < 1e-3 && mean != 0) || std < 1e-6 {
            return number(mean) + " ± " + String(format: "%.2g", std)
        }
        return String(format: "%.\(decimals)f", mean) + " ± " + String(format: "%.\(decimals)f", std)
    }
}

extension TickFormat {
    /// Unicode subscript digits (`12` → `₁₂`).
    /// - Parameter n: the number.
    /// - Returns: the digits as Unicode subscripts.
    public static func subscriptDigits(_ n: Int) -> String {
        let digits: [Character] = ["₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉"]
        return String(String(n).compactMap { $0.wholeNumberValue.map { digits[$0] } })
    }
}
