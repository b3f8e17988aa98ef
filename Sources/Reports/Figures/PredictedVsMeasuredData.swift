import Foundation

/// Measured against predicted steps (e.g. interval starts vs the theory's switch-on step), one
/// marker group per parameter value (e.g. depth), with the diagonal y = x.
public struct PredictedVsMeasuredData: Sendable, Hashable {
    /// Points of one group: x = predicted, y = measured.
    public struct Group: Sendable, Hashable {
        public var label: String
        public var points: [Point]
        /// Hover text per point.
        public var tooltips: [String]?

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

    public var title: String
    public var subtitle: String?
    public var xLabel: String
    public var yLabel: String
    public var groups: [Group]
    /// Both axes' scale (log by default: steps span orders of magnitude).
    public var scale: ScaleKind

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
