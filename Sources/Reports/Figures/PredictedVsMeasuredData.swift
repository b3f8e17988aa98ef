import Foundation

/// Measured against predicted steps (e.g. interval starts vs the theory's switch-on step), one
/// marker group per parameter value (e.g. depth), with the diagonal y = x.
public struct PredictedVsMeasuredData: Sendable, Hashable {
    /// Points of one group: x = predicted, y = measured.
    public struct Group: Sendable, Hashable {
        /// Legend text (e.g. "depth 3").
        public var label: String
        /// The data points.
        public var points: [Point]
        /// Hover text per point.
        public var tooltips: [String]?

        /// Creates a value from its members (see the properties).
        public init(label: String, points: [Point], tooltips: [String]? = nil) {
            self.label = label
            self.points = points
            self.tooltips = tooltips
        }

        /// Mean of `|measured − predicted| / predicted` over points with a positive prediction
        /// and a finite measurement (`nil` without such points).
        public var meanRelativeError: Double? {
            let errs = points.filter { $0.x > 0 && $0.x.isFinite && $0.y.isFinite }.map { abs($0.y - $0.x) / $0.x }
            return errs.isEmpty ? nil : errs.reduce(0, +) / Double(errs.count)
        }
    }

    /// The heading drawn above the plot.
    public var title: String
    /// A second, smaller heading line (e.g. the parameters held fixed); `nil` or empty: none.
    public var subtitle: String?
    /// The x-axis label.
    public var xLabel: String
    /// The y-axis label.
    public var yLabel: String
    /// One marker group per parameter value.
    public var groups: [Group]
    /// Both axes' scale (log by default: steps span orders of magnitude).
    public var scale: ScaleKind

    /// Creates a value from its members (see the properties).
    public init(
        title: String, subtitle: String? = nil, xLabel: String = "predicted switch-on step",
        yLabel: String = "measured interval start", groups: [Group], scale: ScaleKind = .log
    ) {
        self.title = title
        self.subtitle = subtitle
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.groups = groups
        self.scale = scale
    }

    /// The scatter figure with the diagonal, on equal axes.
    /// - Returns: the figure, ready for `svg()`.
    public func figure() -> Figure {
        var layers: [Layer] = [.diagonal(label: "measured = predicted")]
        for (i, g) in groups.enumerated() {
            var label = g.label
            if let e = g.meanRelativeError {
                label += String(format: e < 0.1 ? " · error %.1f%%" : " · error %.0f%%", 100 * e)
            }
            layers.append(
                .scatter(
                    ScatterSeries(
                        label: label, points: g.points, color: Palette.series(i),
                        tooltips: g.tooltips)))
        }
        return Figure(
            title: title, subtitle: subtitle, x: AxisSpec(xLabel, scale: scale), y: AxisSpec(yLabel, scale: scale),
            layers: layers, equalAxes: true)
    }
}
