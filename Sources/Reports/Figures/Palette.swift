import Foundation

/// An sRGB colour.
public struct RGB: Sendable, Hashable {
    /// Red, green and blue components, each 0…1.
    public var r: Double, g: Double, b: Double

    /// Components in 0…1.
    /// - Parameters:
    ///   - r: red.
    ///   - g: green.
    ///   - b: blue.
    public init(_ r: Double, _ g: Double, _ b: Double) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// From a `#rrggbb` literal (programmer error if malformed).
    /// - Parameter hex: e.g. `#0072b2`.
    public init(hex: String) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        let v = UInt32(digits, radix: 16) ?? 0
        self.init(Double((v >> 16) & 0xFF) / 255, Double((v >> 8) & 0xFF) / 255, Double(v & 0xFF) / 255)
    }

    /// `#rrggbb`.
    public var hex: String {
        func c(_ x: Double) -> Int { Int((min(max(x, 0), 1) * 255).rounded()) }
        return String(format: "#%02x%02x%02x", c(r), c(g), c(b))
    }

    /// Relative luminance (WCAG), to choose black or white text on top of this colour.
    public var luminance: Double {
        func lin(_ c: Double) -> Double { c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    }

    /// Linear interpolation towards `other`.
    func mix(_ other: RGB, _ t: Double) -> RGB {
        RGB(r + (other.r - r) * t, g + (other.g - g) * t, b + (other.b - b) * t)
    }
}

/// The colours figures use.
public enum Palette {
    /// Categorical series colours (Okabe–Ito, distinguishable with common colour-vision deficiencies).
    public static let categorical: [RGB] = [
        "#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#000000",
    ].map { RGB(hex: $0) }

    /// The i-th series colour (cycling).
    /// - Parameter i: the series index, ≥ 0.
    /// - Returns: a colour of the colour-blind-safe palette.
    public static func series(_ i: Int) -> RGB {
        categorical[((i % categorical.count) + categorical.count) % categorical.count]
    }

    /// Viridis (matplotlib), sampled at nine equally spaced points; perceptually uniform.
    static let viridisStops: [RGB] = [
        "#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725",
    ].map { RGB(hex: $0) }

    /// Viridis at `t` ∈ [0, 1] (clamped), interpolated between samples.
    /// - Parameter t: the position on the colour map.
    /// - Returns: the colour.
    public static func viridis(_ t: Double) -> RGB {
        let x = min(max(t.isFinite ? t : 0, 0), 1) * Double(viridisStops.count - 1)
        let i = min(Int(x), viridisStops.count - 2)
        return viridisStops[i].mix(viridisStops[i + 1], x - Double(i))
    }

    /// Colours of run statuses: finished (blue), converged (green), diverged (vermillion).
    /// - Parameter name: a run status.
    /// - Returns: its colour (grey for other statuses).
    public static func status(_ name: String) -> RGB {
        switch name {
        case "finished": return RGB(hex: "#0072b2")
        case "converged": return RGB(hex: "#009e73")
        case "diverged": return RGB(hex: "#d55e00")
        case "failed": return RGB(hex: "#7f7f7f")
        default: return RGB(hex: "#cc79a7")
        }
    }

    /// Axis, grid and text greys.
    static let axis = "#444444"
    static let grid = "#e6e6e6"
    static let text = "#222222"
    static let muted = "#666666"
}
