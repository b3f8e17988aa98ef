import Foundation

/// Run outcomes per value of a parameter (e.g. η), drawn as stacked bars of status fractions.
public struct StatusData: Sendable, Hashable, SVGRenderable {
    /// The heading drawn above the plot.
    public var title: String
    /// A second, smaller heading line (e.g. the parameters held fixed); `nil` or empty: none.
    public var subtitle: String?
    /// The x-axis label.
    public var xLabel: String
    /// Bar labels, left to right (e.g. η values).
    public var categories: [String]
    /// Status names in stacking order, bottom first (e.g. finished, converged, diverged).
    public var statuses: [String]
    /// `counts[category][status]`.
    public var counts: [[Int]]
    /// Width of the SVG in pixels.
    public var width: Double
    /// Height of the SVG in pixels.
    public var height: Double

    /// Creates a value from its members (see the properties).
    public init(
        title: String, subtitle: String? = nil, xLabel: String, categories: [String], statuses: [String],
        counts: [[Int]], width: Double = 720, height: Double = 380
    ) {
        self.title = title
        self.subtitle = subtitle
        self.xLabel = xLabel
        self.categories = categories
        self.statuses = statuses
        self.counts = counts
        self.width = width
        self.height = height
    }

    /// Fraction of runs with status `s` in category `c` (0 for an empty category).
    /// - Parameters:
    ///   - c: the category index.
    ///   - s: the status index.
    /// - Returns: a fraction in 0…1.
    public func fraction(category c: Int, status s: Int) -> Double {
        let row = counts[c]
        let total = row.reduce(0, +)
        return total == 0 || s >= row.count ? 0 : Double(row[s]) / Double(total)
    }

    /// Renders the chart as a standalone SVG document.
    /// - Parameter id: a prefix for element ids, unique within an embedding HTML page.
    /// - Returns: the SVG markup.
    public func svg(id: String? = nil) -> String {
        let legend = statuses.enumerated().map {
            LegendEntry(label: $0.element, swatch: .area(Palette.status($0.element), opacity: 1))
        }
        let top = (subtitle?.isEmpty == false) ? 62.0 : 48.0  // room for the n= labels
        let right = Chrome.legendWidth(legend) + 28
        let plot = Rect(
            x: Chrome.leftMargin(["0.8"]), y: top, width: max(width - 76 - right, 60),
            height: max(height - top - 52, 60))
        let y = Scale(kind: .linear, domain: 0...1, range: (plot.maxY, plot.y))
        let n = max(categories.count, 1)
        let slot = plot.width / Double(n)
        let barWidth = min(slot * 0.7, 64)
        var b = SVGBuilder()
        b.append(raw: svgHeader(width: width, height: height, title: title))
        b.rect(0, 0, width, height, [("fill", "#ffffff")])
        Chrome.title(&b, title, subtitle: subtitle, x: plot.x)
        let yt = y.ticks(target: 5)
        b.open("g", [("class", "grid"), ("stroke", Palette.grid)])
        for t in yt { b.line(plot.x, y.position(t), plot.maxX, y.position(t), []) }
        b.close("g")
        b.open("g", [("class", "bars")])
        for (ci, name) in categories.enumerated() where ci < counts.count {
            let cx = plot.x + (Double(ci) + 0.5) * slot
            let total = counts[ci].reduce(0, +)
            b.open("g", [("class", "bar")])
            var acc = 0.0
            for (si, status) in statuses.enumerated() {
                let f = fraction(category: ci, status: si)
                guard f > 0 else { continue }
                let y0 = y.position(acc)
                let y1 = y.position(acc + f)
                b.open(
                    "rect",
                    [
                        ("class", "segment"), ("x", svgNumber(cx - barWidth / 2)), ("y", svgNumber(y1)),
                        ("width", svgNumber(barWidth)), ("height", svgNumber(y0 - y1)),
                        ("fill", Palette.status(status).hex),
                    ])
                b.tooltip("\(xLabel) = \(name): \(status) \(counts[ci][si]) of \(total)")
                b.close("rect")
                acc += f
            }
            b.text(
                "text",
                [
                    ("x", svgNumber(cx)), ("y", svgNumber(y.position(max(acc, 0)) - 4)),
                    ("text-anchor", "middle"), ("font-size", "10"), ("fill", Palette.muted),
                ], "n=\(total)")
            b.close("g")
        }
        b.close("g")
        let xTicks = categories.indices.map { (plot.x + (Double($0) + 0.5) * slot, Double($0)) }
        Chrome.xAxis(&b, plot: plot, ticks: xTicks, labels: categories, label: xLabel)
        Chrome.yAxis(
            &b, plot: plot, ticks: yt.map { (y.position($0), $0) },
            labels: TickFormat.labels(yt, kind: .linear), label: "fraction of runs")
        Chrome.legend(&b, legend, x: plot.maxX + 18, y: plot.y + 4)
        b.close("svg")
        return b.markup
    }
}
