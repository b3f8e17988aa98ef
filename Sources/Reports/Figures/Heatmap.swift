import Foundation

/// Values over a grid of two parameters (e.g. mean interval length over depth × α), drawn as
/// coloured cells with a viridis colour bar.
public struct HeatmapData: Sendable, Hashable, SVGRenderable {
    /// The heading drawn above the plot.
    public var title: String
    /// A second, smaller heading line (e.g. the parameters held fixed); `nil` or empty: none.
    public var subtitle: String?
    /// The x-axis label.
    public var xLabel: String
    /// The y-axis label.
    public var yLabel: String
    /// Column labels, left to right.
    public var xValues: [String]
    /// Row labels, bottom to top.
    public var yValues: [String]
    /// `values[row][column]`; `nil` for a cell without data.
    public var values: [[Double?]]
    /// What the colour means, e.g. "mean interval length (steps)".
    public var colorLabel: String
    /// Colour on a log scale (used only when every value is > 0).
    public var logColor: Bool
    /// Width of the SVG in pixels.
    public var width: Double
    /// Height of the SVG in pixels.
    public var height: Double

    /// Creates a value from its members (see the properties).
    public init(
        title: String, subtitle: String? = nil, xLabel: String, yLabel: String, xValues: [String], yValues: [String],
        values: [[Double?]], colorLabel: String, logColor: Bool = false, width: Double = 720, height: Double = 420
    ) {
        self.title = title
        self.subtitle = subtitle
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xValues = xValues
        self.yValues = yValues
        self.values = values
        self.colorLabel = colorLabel
        self.logColor = logColor
        self.width = width
        self.height = height
    }

    /// The colour scale over the finite values' range (`nil` without any value). With `logColor`
    /// it is logarithmic over the positive values; cells ≤ 0 then take the darkest colour.
    public var colorScale: Scale? {
        let finite = values.flatMap { $0 }.compactMap { $0 }.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return nil }
        if logColor, let positiveLow = finite.filter({ $0 > 0 }).min() {
            return Scale(kind: .log, domain: positiveLow...hi, range: (0, 1))
        }
        return Scale(kind: .linear, domain: lo...hi, range: (0, 1))
    }

    /// Renders the chart as a standalone SVG document.
    /// - Parameter id: a prefix for element ids, unique within an embedding HTML page.
    /// - Returns: the SVG markup.
    public func svg(id: String? = nil) -> String {
        let top = (subtitle?.isEmpty == false) ? 50.0 : 36.0
        let barWidth = 16.0
        let barGap = 24.0
        let barLabels = 70.0
        let left = Chrome.leftMargin(yValues)
        let plot = Rect(
            x: left, y: top, width: max(width - left - barGap - barWidth - barLabels - 24, 60),
            height: max(height - top - 52, 60))
        let cols = max(xValues.count, 1)
        let rows = max(yValues.count, 1)
        let cw = plot.width / Double(cols)
        let ch = plot.height / Double(rows)
        let scale = colorScale
        var b = SVGBuilder()
        b.append(raw: svgHeader(width: width, height: height, title: title))
        b.rect(0, 0, width, height, [("fill", "#ffffff")])
        Chrome.title(&b, title, subtitle: subtitle, x: plot.x)
        b.open("g", [("class", "cells")])
        let showText = cw >= 34 && ch >= 16
        for (ri, row) in values.enumerated() where ri < yValues.count {
            for (ci, value) in row.enumerated() where ci < xValues.count {
                let x = plot.x + Double(ci) * cw
                let y = plot.maxY - Double(ri + 1) * ch
                let tip =
                    "\(xLabel) = \(xValues[ci]), \(yLabel) = \(yValues[ri]): "
                    + (value.map(TickFormat.number) ?? "no data")
                b.open("g", [("class", value == nil ? "cell empty" : "cell")])
                b.tooltip(tip)
                if let v = value, v.isFinite, let scale {
                    let color = Palette.viridis(scale.position(v))
                    b.rect(x, y, cw, ch, [("fill", color.hex), ("stroke", "#ffffff"), ("stroke-width", "1")])
                    if showText {
                        b.text(
                            "text",
                            [
                                ("x", svgNumber(x + cw / 2)), ("y", svgNumber(y + ch / 2 + 4)),
                                ("text-anchor", "middle"), ("font-size", "10.5"),
                                ("fill", color.luminance > 0.35 ? "#111111" : "#ffffff"),
                            ],
                            TickFormat.number(v))
                    }
                } else {
                    b.rect(x, y, cw, ch, [("fill", "#f0f0f0"), ("stroke", "#ffffff"), ("stroke-width", "1")])
                    if showText {
                        b.text(
                            "text",
                            [
                                ("x", svgNumber(x + cw / 2)), ("y", svgNumber(y + ch / 2 + 4)),
                                ("text-anchor", "middle"), ("font-size", "10.5"), ("fill", "#999999"),
                            ], "–")
                    }
                }
                b.close("g")
            }
        }
        b.close("g")
        let xTicks = xValues.indices.map { (plot.x + (Double($0) + 0.5) * cw, Double($0)) }
        let yTicks = yValues.indices.map { (plot.maxY - (Double($0) + 0.5) * ch, Double($0)) }
        Chrome.xAxis(&b, plot: plot, ticks: xTicks, labels: xValues, label: xLabel)
        Chrome.yAxis(&b, plot: plot, ticks: yTicks, labels: yValues, label: yLabel)
        if let scale {
            let gradient = (id ?? Chrome.stableID(title + (subtitle ?? ""))) + "-viridis"
            colorBar(
                &b, scale: scale, x: plot.maxX + barGap, y: plot.y, width: barWidth, height: plot.height, id: gradient)
        }
        b.close("svg")
        return b.markup
    }

    /// A vertical bar filled with a viridis gradient (bottom: low), ticked on the right.
    private func colorBar(
        _ b: inout SVGBuilder, scale: Scale, x: Double, y: Double, width: Double, height: Double, id: String
    ) {
        b.open("g", [("class", "colorbar")])
        b.open("defs")
        b.open("linearGradient", [("id", id), ("x1", "0"), ("y1", "1"), ("x2", "0"), ("y2", "0")])
        for i in 0...16 {
            let t = Double(i) / 16
            b.element("stop", [("offset", svgNumber(t)), ("stop-color", Palette.viridis(t).hex)])
        }
        b.close("linearGradient")
        b.close("defs")
        b.rect(x, y, width, height, [("fill", "url(#\(id))"), ("stroke", Palette.axis), ("stroke-width", "0.8")])
        let bar = Scale(kind: scale.kind, domain: scale.domain, range: (y + height, y))
        var ticks = bar.ticks(target: 5)
        if ticks.count < 2 { ticks = [scale.domain.lowerBound, scale.domain.upperBound] }
        for (t, label) in zip(ticks, TickFormat.labels(ticks, kind: scale.kind)) {
            let py = bar.position(t)
            b.line(x + width, py, x + width + 4, py, [("stroke", Palette.axis)])
            b.text(
                "text",
                [
                    ("x", svgNumber(x + width + 7)), ("y", svgNumber(py + 4)), ("font-size", "10.5"),
                    ("fill", Palette.text),
                ], label)
        }
        let cx = x + width + 58
        let cy = y + height / 2
        b.text(
            "text",
            [
                ("class", "axis-label"), ("x", svgNumber(cx)), ("y", svgNumber(cy)),
                ("text-anchor", "middle"), ("font-size", "11.5"), ("fill", Palette.text),
                ("transform", "rotate(90 \(svgNumber(cx)) \(svgNumber(cy)))"),
            ], colorLabel)
        b.close("g")
    }
}
