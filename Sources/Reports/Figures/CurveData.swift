import Foundation

/// Curves of a summary over runs against a numeric x (a step, or a parameter's values), one per
/// group of runs (e.g. one per depth), each with an optional band (e.g. the 25th–75th percentile
/// over seeds) and markers at its points.
public struct CurveData: Sendable, Hashable {
    /// One curve: its centre line (e.g. the median over seeds) and its band.
    public struct Curve: Sendable, Hashable {
        /// Legend text (e.g. "depth = 3 (5 seeds)").
        public var label: String
        /// The x values, ascending.
        public var x: [Double]
        /// The centre value at each x.
        public var center: [Double]
        /// The band's lower edge at each x (`nil`: no band, e.g. one run per x).
        public var lower: [Double]?
        /// The band's upper edge at each x.
        public var upper: [Double]?
        /// Runs summarised at each x.
        public var counts: [Int]

        /// Creates a value from its members (see the properties).
        public init(
            label: String, x: [Double], center: [Double], lower: [Double]? = nil, upper: [Double]? = nil,
            counts: [Int] = []
        ) {
            self.label = label
            self.x = x
            self.center = center
            self.lower = lower
            self.upper = upper
            self.counts = counts
        }
    }

    /// The heading drawn above the plot.
    public var title: String
    /// A second, smaller heading line (the statistic, the parameters held fixed).
    public var subtitle: String?
    /// One curve per group of runs.
    public var curves: [Curve]
    /// The x axis (label and scale).
    public var x: AxisSpec
    /// The y axis (label and scale).
    public var y: AxisSpec
    /// Whether each x value gets a marker (a parameter's few values), not only the line (steps).
    public var markers: Bool

    /// Creates a value from its members (see the properties).
    public init(
        title: String, subtitle: String? = nil, curves: [Curve], x: AxisSpec, y: AxisSpec, markers: Bool = false
    ) {
        self.title = title
        self.subtitle = subtitle
        self.curves = curves
        self.x = x
        self.y = y
        self.markers = markers
    }

    /// The figure: bands first, then the centre lines (and markers) on top, one colour per curve.
    /// Long curves are thinned when drawn (`Figure`), keeping each pixel column's extremes.
    /// - Returns: the figure, ready for `svg()`.
    public func figure() -> Figure {
        // Laid out once with every point to find the pixel columns, then drawn from the thinned
        // curves: the extremes of every line and band edge are kept, so the layout is the same.
        let full = Figure(title: title, subtitle: subtitle, x: x, y: y, layers: layers(curves))
        let xs = full.layout().xScale
        var figure = full
        figure.layers = layers(curves.map { Self.thinned($0, xs: xs) })
        return figure
    }

    /// A curve with, per whole pixel column of `xs`, only its first and last point and those
    /// holding the lowest and highest centre, band bottom and band top: what can be seen at the
    /// resolution drawn (a median over thousands of recorded steps is mostly smooth).
    static func thinned(_ c: Curve, xs: Scale) -> Curve {
        guard c.x.count > 2 else { return c }
        var keep: [Int] = []
        var start = 0
        func column(_ i: Int) -> Double? { xs.accepts(c.x[i]) ? xs.position(c.x[i]).rounded(.down) : nil }
        while start < c.x.count {
            var end = start + 1
            let col = column(start)
            while end < c.x.count, col != nil, column(end) == col { end += 1 }
            let range = start..<end
            var picks: Set<Int> = [start, end - 1]
            for values in [c.center, c.lower, c.upper].compactMap({ $0 }) where values.count == c.x.count {
                if let lo = range.min(by: { values[$0] < values[$1] }) { picks.insert(lo) }
                if let hi = range.max(by: { values[$0] < values[$1] }) { picks.insert(hi) }
            }
            keep += picks.sorted()
            start = end
        }
        guard keep.count < c.x.count else { return c }
        return Curve(
            label: c.label, x: keep.map { c.x[$0] }, center: keep.map { c.center[$0] },
            lower: c.lower.map { v in keep.map { v[$0] } }, upper: c.upper.map { v in keep.map { v[$0] } },
            counts: c.counts.count == c.x.count ? keep.map { c.counts[$0] } : c.counts)
    }

    /// Bands first, then the centre lines (and markers) on top, one colour per curve.
    func layers(_ curves: [Curve]) -> [Layer] {
        var layers: [Layer] = []
        for (i, c) in curves.enumerated() {
            guard let lower = c.lower, let upper = c.upper, lower.count == c.x.count, upper.count == c.x.count
            else { continue }
            layers.append(.band(Band(x: c.x, lower: lower, upper: upper, color: Palette.series(i), opacity: 0.18)))
        }
        for (i, c) in curves.enumerated() {
            let points = zip(c.x, c.center).map { Point($0, $1) }
            layers.append(.line(LineSeries(label: c.label, points: points, color: Palette.series(i))))
            if markers {
                layers.append(.scatter(ScatterSeries(label: nil, points: points, color: Palette.series(i), radius: 3)))
            }
        }
        return layers
    }
}
