import Foundation

/// A rectangle in pixels.
struct Rect: Sendable, Hashable {
    var x: Double, y: Double, width: Double, height: Double
    var maxX: Double { x + width }
    var maxY: Double { y + height }
}

/// How a legend entry's swatch is drawn.
enum Swatch: Sendable, Hashable {
    case line(RGB, dashed: Bool)
    case area(RGB, opacity: Double)
    case marker(RGB)
}

/// A legend entry.
struct LegendEntry: Sendable, Hashable {
    var label: String
    var swatch: Swatch
}

/// Drawing of the parts every chart shares: title, axes with ticks and grid, legend.
enum Chrome {
    static let titleSize = 15.0
    static let tickSize = 11.0
    static let labelSize = 12.5

    /// Title (and optional subtitle) at the top left.
    static func title(_ b: inout SVGBuilder, _ title: String, subtitle: String?, x: Double) {
        b.text(
            "text",
            [
                ("class", "title"), ("x", svgNumber(x)), ("y", "20"), ("font-size", svgNumber(titleSize)),
                ("font-weight", "600"), ("fill", Palette.text),
            ], title)
        if let subtitle, !subtitle.isEmpty {
            b.text(
                "text",
                [
                    ("class", "subtitle"), ("x", svgNumber(x)), ("y", "36"), ("font-size", "11"),
                    ("fill", Palette.muted),
                ], subtitle)
        }
    }

    /// Width the legend column needs for `entries` (0 when empty).
    static func legendWidth(_ entries: [LegendEntry]) -> Double {
        guard let widest = entries.map({ estimatedTextWidth($0.label, fontSize: 11) }).max() else { return 0 }
        return min(widest, 220) + 34
    }

    /// The legend as a column starting at (`x`, `y`).
    /// At most `maxEntries` are drawn; the rest are summarised as "+ k more".
    static func legend(_ b: inout SVGBuilder, _ entries: [LegendEntry], x: Double, y: Double, maxEntries: Int = 16) {
        guard !entries.isEmpty else { return }
        b.open("g", [("class", "legend")])
        for (i, e) in entries.prefix(maxEntries).enumerated() {
            let cy = y + Double(i) * 18 + 6
            b.open("g", [("class", "legend-entry")])
            switch e.swatch {
            case .line(let c, let dashed):
                b.line(
                    x, cy, x + 20, cy,
                    [
                        ("stroke", c.hex), ("stroke-width", "2.2"),
                        ("stroke-dasharray", dashed ? "5 3" : nil),
                    ])
            case .area(let c, let opacity):
                b.rect(x, cy - 6, 20, 12, [("fill", c.hex), ("fill-opacity", svgNumber(max(opacity, 0.25)))])
            case .marker(let c):
                b.element("circle", [("cx", svgNumber(x + 10)), ("cy", svgNumber(cy)), ("r", "4"), ("fill", c.hex)])
            }
            b.text(
                "text",
                [
                    ("x", svgNumber(x + 26)), ("y", svgNumber(cy + 4)), ("font-size", "11"),
                    ("fill", Palette.text),
                ], truncate(e.label, width: 220, fontSize: 11))
            b.close("g")
        }
        if entries.count > maxEntries {
            b.text(
                "text",
                [
                    ("x", svgNumber(x)), ("y", svgNumber(y + Double(maxEntries) * 18 + 10)), ("font-size", "11"),
                    ("fill", Palette.muted),
                ], "+ \(entries.count - maxEntries) more")
        }
        b.close("g")
    }

    /// Grid lines, the axis frame, ticks, tick labels and axis labels for numeric x and y scales.
    static func axes(_ b: inout SVGBuilder, plot: Rect, x: Scale, y: Scale, xLabel: String, yLabel: String) {
        let xt = x.ticks(target: max(2, Int(plot.width / 90)))
        let yt = y.ticks(target: max(2, Int(plot.height / 55)))
        b.open("g", [("class", "grid"), ("stroke", Palette.grid), ("stroke-width", "1")])
        for t in xt {
            let px = x.position(t)
            b.line(px, plot.y, px, plot.maxY, [])
        }
        for t in yt {
            let py = y.position(t)
            b.line(plot.x, py, plot.maxX, py, [])
        }
        b.close("g")
        xAxis(
            &b, plot: plot, ticks: xt.map { (x.position($0), $0) }, labels: TickFormat.labels(xt, kind: x.kind),
            label: xLabel)
        yAxis(
            &b, plot: plot, ticks: yt.map { (y.position($0), $0) }, labels: TickFormat.labels(yt, kind: y.kind),
            label: yLabel)
    }

    /// The x axis line at the bottom of `plot`, with ticks at pixel positions and their labels.
    /// Category labels wider than their slot are drawn slanted.
    static func xAxis(_ b: inout SVGBuilder, plot: Rect, ticks: [(Double, Double)], labels: [String], label: String) {
        b.open("g", [("class", "x-axis"), ("fill", Palette.text)])
        b.line(plot.x, plot.maxY, plot.maxX, plot.maxY, [("stroke", Palette.axis)])
        let slot = ticks.count > 1 ? abs(ticks[1].0 - ticks[0].0) : plot.width
        let widest = labels.map { estimatedTextWidth($0, fontSize: tickSize) }.max() ?? 0
        let slanted = widest > slot - 6
        for ((px, _), text) in zip(ticks, labels) {
            b.line(px, plot.maxY, px, plot.maxY + 5, [("stroke", Palette.axis)])
            if slanted {
                let y = plot.maxY + 14
                b.text(
                    "text",
                    [
                        ("class", "tick"), ("x", svgNumber(px)), ("y", svgNumber(y)), ("text-anchor", "end"),
                        ("font-size", svgNumber(tickSize - 1)),
                        ("transform", "rotate(-30 \(svgNumber(px)) \(svgNumber(y)))"),
                    ],
                    truncate(text, width: 60, fontSize: tickSize - 1))
            } else {
                b.text(
                    "text",
                    [
                        ("class", "tick"), ("x", svgNumber(px)), ("y", svgNumber(plot.maxY + 18)),
                        ("text-anchor", "middle"), ("font-size", svgNumber(tickSize)),
                    ], text)
            }
        }
        b.text(
            "text",
            [
                ("class", "axis-label"), ("x", svgNumber(plot.x + plot.width / 2)),
                ("y", svgNumber(plot.maxY + (slanted ? 48 : 38))), ("text-anchor", "middle"),
                ("font-size", svgNumber(labelSize)),
            ], label)
        b.close("g")
    }

    /// The y axis line at the left of `plot`, with ticks and a rotated label.
    static func yAxis(_ b: inout SVGBuilder, plot: Rect, ticks: [(Double, Double)], labels: [String], label: String) {
        b.open("g", [("class", "y-axis"), ("fill", Palette.text)])
        b.line(plot.x, plot.y, plot.x, plot.maxY, [("stroke", Palette.axis)])
        for ((py, _), text) in zip(ticks, labels) {
            b.line(plot.x - 5, py, plot.x, py, [("stroke", Palette.axis)])
            b.text(
                "text",
                [
                    ("class", "tick"), ("x", svgNumber(plot.x - 8)), ("y", svgNumber(py + 4)),
                    ("text-anchor", "end"), ("font-size", svgNumber(tickSize)),
                ], text)
        }
        // The rotated label sits just left of the widest tick label.
        let widest = labels.map { estimatedTextWidth($0, fontSize: tickSize) }.max() ?? 0
        let cx = plot.x - max(widest + 20, 40)
        let cy = plot.y + plot.height / 2
        b.text(
            "text",
            [
                ("class", "axis-label"), ("x", svgNumber(cx)), ("y", svgNumber(cy)),
                ("text-anchor", "middle"), ("font-size", svgNumber(labelSize)),
                ("transform", "rotate(-90 \(svgNumber(cx)) \(svgNumber(cy)))"),
            ], label)
        b.close("g")
    }

    /// The left margin that fits tick labels of the given texts plus a rotated axis label.
    static func leftMargin(_ labels: [String]) -> Double {
        max(76, (labels.map { estimatedTextWidth($0, fontSize: tickSize) }.max() ?? 0) + 40)
    }

    /// Shortens `text` with an ellipsis to fit `width` pixels.
    static func truncate(_ text: String, width: Double, fontSize: Double) -> String {
        guard estimatedTextWidth(text, fontSize: fontSize) > width else { return text }
        var s = text
        while !s.isEmpty && estimatedTextWidth(s + "…", fontSize: fontSize) > width { s.removeLast() }
        return s + "…"
    }

    /// A document-unique id fragment derived from text (FNV-1a), for clip paths of inline SVGs.
    static func stableID(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x100_0000_01b3
        }
        return "f" + String(h % 0xFFFF_FFFF, radix: 36)
    }
}
