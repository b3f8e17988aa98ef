/// A polyline through points (non-drawable points break the line).
public struct LineSeries: Sendable, Hashable {
    /// Legend text; `nil`: not in the legend.
    public var label: String?
    /// The data points.
    public var points: [Point]
    /// Stroke or fill colour.
    public var color: RGB
    /// Stroke width in pixels.
    public var width: Double
    /// Drawn dashed instead of solid.
    public var dashed: Bool

    /// Creates a value from its members (see the properties).
    public init(label: String?, points: [Point], color: RGB, width: Double = 1.8, dashed: Bool = false) {
        self.label = label
        self.points = points
        self.color = color
        self.width = width
        self.dashed = dashed
    }
}

/// A shaded region between two curves over the same x values (e.g. mean ± std over seeds).
public struct Band: Sendable, Hashable {
    /// Legend text; `nil`: not in the legend.
    public var label: String?
    /// The x values, shared by both curves.
    public var x: [Double]
    /// The lower curve, one value per x.
    public var lower: [Double]
    /// The upper curve, one value per x.
    public var upper: [Double]
    /// Stroke or fill colour.
    public var color: RGB
    /// Fill opacity, 0…1.
    public var opacity: Double

    /// Creates a value from its members (see the properties).
    public init(label: String? = nil, x: [Double], lower: [Double], upper: [Double], color: RGB, opacity: Double = 0.2)
    {
        self.label = label
        self.x = x
        self.lower = lower
        self.upper = upper
        self.color = color
        self.opacity = opacity
    }
}

/// A horizontal reference line across the plot (e.g. the target `erank(Y_r)`).
public struct ReferenceLine: Sendable, Hashable {
    /// Where the line is, in data units.
    public var y: Double
    /// Short text drawn at the line's right end (e.g. "t₂ = 1.89").
    public var annotation: String?
    /// Legend entry (shared by several lines: give it to the first only).
    public var label: String?
    /// Stroke or fill colour.
    public var color: RGB
    /// Drawn dashed instead of solid.
    public var dashed: Bool

    /// Creates a value from its members (see the properties).
    public init(
        y: Double, annotation: String? = nil, label: String? = nil, color: RGB = RGB(0.45, 0.45, 0.45),
        dashed: Bool = true
    ) {
        self.y = y
        self.annotation = annotation
        self.label = label
        self.color = color
        self.dashed = dashed
    }
}

/// A shaded vertical strip over an x interval (e.g. a measured early-stopping interval).
public struct XSpan: Sendable, Hashable {
    /// Left end, in data units.
    public var from: Double
    /// Right end, in data units.
    public var to: Double
    /// Short text drawn at the top of the strip (e.g. "r=2").
    public var annotation: String?
    /// Legend text; `nil`: not in the legend.
    public var label: String?
    /// Stroke or fill colour.
    public var color: RGB
    /// Fill opacity, 0…1.
    public var opacity: Double
    /// When set, the strip covers only this y range (a bar around a target line) instead of the full height.
    public var yRange: ClosedRange<Double>?

    /// Creates a value from its members (see the properties).
    public init(
        from: Double, to: Double, annotation: String? = nil, label: String? = nil, color: RGB, opacity: Double = 0.12,
        yRange: ClosedRange<Double>? = nil
    ) {
        self.from = from
        self.to = to
        self.annotation = annotation
        self.label = label
        self.color = color
        self.opacity = opacity
        self.yRange = yRange
    }
}

/// Markers at points.
public struct ScatterSeries: Sendable, Hashable {
    /// Legend text; `nil`: not in the legend.
    public var label: String?
    /// The data points.
    public var points: [Point]
    /// Stroke or fill colour.
    public var color: RGB
    /// Marker radius in pixels.
    public var radius: Double
    /// Optional hover text per point (same count as `points`).
    public var tooltips: [String]?

    /// Creates a value from its members (see the properties).
    public init(label: String?, points: [Point], color: RGB, radius: Double = 3.5, tooltips: [String]? = nil) {
        self.label = label
        self.points = points
        self.color = color
        self.radius = radius
        self.tooltips = tooltips
    }
}

/// Something drawn inside a figure's plot area, in order (later layers on top).
public enum Layer: Sendable, Hashable {
    /// A shaded strip over an x interval.
    case xSpan(XSpan)
    /// A shaded region between two curves.
    case band(Band)
    /// A horizontal reference line.
    case reference(ReferenceLine)
    /// A polyline.
    case line(LineSeries)
    /// Markers at points.
    case scatter(ScatterSeries)
    /// The line y = x across the plot, labelled in the legend.
    case diagonal(label: String)

    /// The legend entry, if any.
    var legendLabel: String? {
        switch self {
        case .xSpan(let s): return s.label
        case .band(let b): return b.label
        case .reference(let r): return r.label
        case .line(let l): return l.label
        case .scatter(let s): return s.label
        case .diagonal(let label): return label
        }
    }

    /// The x and y values this layer needs visible on axes of the given kinds. Points that cannot
    /// be drawn (non-finite, or ≤ 0 on a log axis, in either coordinate) do not count.
    func extent(x xKind: ScaleKind, y yKind: ScaleKind) -> (xs: [Double], ys: [Double]) {
        func ok(_ v: Double, _ kind: ScaleKind) -> Bool { v.isFinite && (kind == .linear || v > 0) }
        func pairs(_ pts: [Point]) -> ([Double], [Double]) {
            let kept = pts.filter { ok($0.x, xKind) && ok($0.y, yKind) }
            return (kept.map(\.x), kept.map(\.y))
        }
        switch self {
        case .xSpan(let s): return ([s.from, s.to], s.yRange.map { [$0.lowerBound, $0.upperBound] } ?? [])
        case .band(let b):
            var xs: [Double] = []
            var ys: [Double] = []
            for i in 0..<min(b.x.count, b.lower.count, b.upper.count)
            where ok(b.x[i], xKind) && ok(b.lower[i], yKind) && ok(b.upper[i], yKind) {
                xs.append(b.x[i])
                ys += [b.lower[i], b.upper[i]]
            }
            return (xs, ys)
        case .reference(let r): return ([], [r.y])
        case .diagonal: return ([], [])
        case .line(let l): return pairs(l.points)
        case .scatter(let s): return pairs(s.points)
        }
    }
}
