import Foundation

/// Effective rank against step for several groups of runs (e.g. one per depth), with the targets
/// `erank(Y_r)` as horizontal lines and the early-stopping intervals shaded.
public struct StaircaseData: Sendable, Hashable {
    /// One curve: the mean over seeds at each recorded step, with an optional ± std band.
    public struct Series: Sendable, Hashable {
        /// Legend text (e.g. "depth 3").
        public var label: String
        /// The recorded steps (x values).
        public var steps: [Double]
        /// The mean over seeds at each step.
        public var mean: [Double]
        /// Standard deviation over seeds at each step (`nil`: a single run, no band).
        public var std: [Double]?
        /// Mean measured intervals of this group.
        public var intervals: [Interval]
        /// Points to mark on this curve (e.g. the mean best early-stopping step and its error).
        public var markers: [Point]

        /// Creates a value from its members (see the properties).
        public init(
            label: String, steps: [Double], mean: [Double], std: [Double]? = nil, intervals: [Interval] = [],
            markers: [Point] = []
        ) {
            self.label = label
            self.markers = markers
            self.steps = steps
            self.mean = mean
            self.std = std
            self.intervals = intervals
        }
    }

    /// An early-stopping interval for rank r: steps `start…end`.
    public struct Interval: Sendable, Hashable {
        /// The rank r whose target the interval belongs to.
        public var rank: Int
        /// First step of the interval.
        public var start: Double
        /// Last step of the interval.
        public var end: Double
        /// Creates a value from its members (see the properties).
        public init(rank: Int, start: Double, end: Double) {
            self.rank = rank
            self.start = start
            self.end = end
        }
    }

    /// The heading drawn above the plot.
    public var title: String
    /// A second, smaller heading line (e.g. the parameters held fixed); `nil` or empty: none.
    public var subtitle: String?
    /// One curve per group of runs.
    public var series: [Series]
    /// Targets `t_r = erank(Y_r)`, r = 1, 2, …
    public var targets: [Double]
    /// Step axis scale; `nil` chooses log when the recorded steps span more than two decades.
    public var xScale: ScaleKind?
    /// The y-axis label.
    public var yLabel: String
    /// The y-axis scale (log for losses and errors).
    public var yScale: ScaleKind

    /// Creates a value from its members (see the properties).
    public init(
        title: String, subtitle: String? = nil, series: [Series], targets: [Double], xScale: ScaleKind? = nil,
        yLabel: String = "effective rank", yScale: ScaleKind = .linear
    ) {
        self.yScale = yScale
        self.title = title
        self.subtitle = subtitle
        self.series = series
        self.targets = targets
        self.xScale = xScale
        self.yLabel = yLabel
    }

    /// The scale the step axis uses.
    public var resolvedXScale: ScaleKind {
        if let xScale { return xScale }
        let positive = series.flatMap(\.steps).filter { $0 > 0 && $0.isFinite }
        guard let lo = positive.min(), let hi = positive.max() else { return .linear }
        return hi / lo > 100 ? .log : .linear
    }

    /// The figure: bands first, then interval shading, target lines and the mean curves on top.
    ///
    /// With one series its intervals are full-height strips labelled `r=…`; with several, each
    /// interval is a short bar around its target line in the series colour, so groups stay apart.
    /// - Returns: the figure, ready for `svg()`.
    public func figure() -> Figure {
        var layers: [Layer] = []
        let single = series.count == 1
        for (i, s) in series.enumerated() {
            let color = Palette.series(i)
            for iv in s.intervals where iv.end >= iv.start {
                if single || targets.isEmpty {
                    layers.append(
                        .xSpan(
                            XSpan(
                                from: iv.start, to: iv.end, annotation: single ? "r=\(iv.rank)" : nil,
                                color: color, opacity: single ? 0.12 : 0.07)))
                } else if iv.rank >= 1 && iv.rank <= targets.count {
                    let t = targets[iv.rank - 1]
                    layers.append(
                        .xSpan(
                            XSpan(
                                from: iv.start, to: iv.end, color: color, opacity: 0.35,
                                yRange: (t - 0.06)...(t + 0.06))))
                }
            }
        }
        for (i, s) in series.enumerated() {
            guard let std = s.std, std.count == s.mean.count else { continue }
            layers.append(
                .band(
                    Band(
                        x: s.steps, lower: zip(s.mean, std).map { $0 - $1 }, upper: zip(s.mean, std).map { $0 + $1 },
                        color: Palette.series(i), opacity: 0.18)))
        }
        for (r, t) in targets.enumerated() {
            layers.append(
                .reference(
                    ReferenceLine(
                        y: t, annotation: "t\(TickFormat.subscriptDigits(r + 1)) = \(String(format: "%.2f", t))",
                        label: r == 0 ? "target erank(Yᵣ)" : nil)))
        }
        for (i, s) in series.enumerated() {
            let pts = zip(s.steps, s.mean).map { Point($0, $1) }
            layers.append(.line(LineSeries(label: s.label, points: pts, color: Palette.series(i))))
        }
        for (i, s) in series.enumerated() where !s.markers.isEmpty {
            layers.append(.scatter(ScatterSeries(label: nil, points: s.markers, color: Palette.series(i), radius: 5)))
        }
        let hasBand = series.contains { $0.std != nil }
        let note = hasBand ? "mean ± std over seeds" : ""
        let anyInterval = series.contains { !$0.intervals.isEmpty }
        let shading =
            !anyInterval
            ? ""
            : single || targets.isEmpty
                ? "shaded: measured intervals" : "bars on the targets: measured intervals"
        return Figure(
            title: title, subtitle: subtitle ?? [note, shading].filter { !$0.isEmpty }.joined(separator: "; "),
            x: AxisSpec("step", scale: resolvedXScale),
            y: AxisSpec(yLabel, scale: yScale, includeZero: yScale == .linear), layers: layers)
    }
}
