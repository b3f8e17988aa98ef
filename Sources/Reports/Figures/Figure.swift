import Foundation

/// A chart with numeric x and y axes and layers drawn inside the plot area: lines, bands,
/// reference lines, shaded x intervals, scatter markers, the y = x diagonal. Renders to SVG.
///
/// A pure value: build it from data, call `svg()`. Elements carry CSS classes (`series`, `band`,
/// `reference`, `interval`, `point`, `diagonal`, `legend-entry`) so tests and stylesheets can find them.
public struct Figure: Sendable, Hashable {
    /// The heading drawn above the plot.
    public var title: String
    /// A second, smaller heading line (e.g. the parameters held fixed); `nil` or empty: none.
    public var subtitle: String?
    /// The horizontal axis.
    public var x: AxisSpec
    /// The vertical axis.
    public var y: AxisSpec
    /// What is drawn in the plot area, in order (later layers on top).
    public var layers: [Layer]
    /// Width of the SVG in pixels.
    public var width: Double
    /// Height of the SVG in pixels.
    public var height: Double
    /// Use one common domain for x and y (for scatter plots against y = x).
    public var equalAxes: Bool

    /// Creates a value from its members (see the properties).
    public init(
        title: String, subtitle: String? = nil, x: AxisSpec, y: AxisSpec, layers: [Layer] = [],
        width: Double = 720, height: Double = 420, equalAxes: Bool = false
    ) {
        self.title = title
        self.subtitle = subtitle
        self.x = x
        self.y = y
        self.layers = layers
        self.width = width
        self.height = height
        self.equalAxes = equalAxes
    }

    /// The resolved layout: plot rectangle and both scales.
    public struct Layout: Sendable, Hashable {
        /// The plot area in pixels: x, y, width, height.
        public var plot: (x: Double, y: Double, width: Double, height: Double) {
            (rect.x, rect.y, rect.width, rect.height)
        }
        var rect: Rect
        /// Maps x data values to pixels.
        public var xScale: Scale
        /// Maps y data values to pixels.
        public var yScale: Scale
        var legend: [LegendEntry]

        /// Whether both draw the same (compares the fields that affect drawing).
        public static func == (a: Layout, b: Layout) -> Bool {
            a.rect == b.rect && a.xScale == b.xScale && a.yScale == b.yScale && a.legend == b.legend
        }
        /// Hashes the fields that affect drawing.
        public func hash(into h: inout Hasher) {
            h.combine(rect)
            h.combine(xScale)
            h.combine(yScale)
        }
    }

    /// Computes the plot area and the scales (fitted to the data unless fixed by the axes).
    /// - Returns: the layout `svg()` draws with.
    public func layout() -> Layout {
        let legend = legendEntries()
        let top = (subtitle?.isEmpty == false) ? 50.0 : 36.0
        let legendWidth = Chrome.legendWidth(legend)
        let right = legend.isEmpty ? 24.0 : legendWidth + 28
        let plotHeight = max(height - top - 52, 60)
        let extents = layers.map { $0.extent(x: x.scale, y: y.scale) }
        var xd = resolve(x, values: extents.flatMap(\.xs))
        var yd = resolve(y, values: extents.flatMap(\.ys))
        if equalAxes && x.domain == nil && y.domain == nil && x.scale == y.scale {
            let common = min(xd.lowerBound, yd.lowerBound)...max(xd.upperBound, yd.upperBound)
            xd = common
            yd = common
        }
        // The y tick labels depend only on the domain and the plot height (as in `Chrome.axes`).
        let yProbe = Scale(kind: y.scale, domain: yd, range: (plotHeight, 0))
        let yLabels = TickFormat.labels(yProbe.ticks(target: max(2, Int(plotHeight / 55))), kind: y.scale)
        let left = Chrome.leftMargin(yLabels)
        let rect = Rect(x: left, y: top, width: max(width - left - right, 60), height: plotHeight)
        return Layout(
            rect: rect,
            xScale: Scale(kind: x.scale, domain: xd, range: (rect.x, rect.maxX)),
            yScale: Scale(kind: y.scale, domain: yd, range: (rect.maxY, rect.y)),
            legend: legend)
    }

    private func resolve(_ axis: AxisSpec, values: [Double]) -> ClosedRange<Double> {
        if let d = axis.domain { return d }
        let usable = values.filter { $0.isFinite && (axis.scale == .linear || $0 > 0) }
        guard var lo = usable.min(), var hi = usable.max() else {
            return axis.scale == .log ? 1...10 : 0...1
        }
        if axis.scale == .linear && axis.includeZero {
            lo = min(lo, 0)
            hi = max(hi, 0)
        }
        if axis.scale == .linear && hi - lo < 1e-12 * max(1, abs(lo)) {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        return Scale.nice(lo...hi, kind: axis.scale)
    }

    private func legendEntries() -> [LegendEntry] {
        layers.compactMap { layer in
            guard let label = layer.legendLabel, !label.isEmpty else { return nil }
            switch layer {
            case .line(let l): return LegendEntry(label: label, swatch: .line(l.color, dashed: l.dashed))
            case .band(let s): return LegendEntry(label: label, swatch: .area(s.color, opacity: s.opacity))
            case .xSpan(let s): return LegendEntry(label: label, swatch: .area(s.color, opacity: s.opacity))
            case .reference(let r): return LegendEntry(label: label, swatch: .line(r.color, dashed: r.dashed))
            case .scatter(let s): return LegendEntry(label: label, swatch: .marker(s.color))
            case .diagonal: return LegendEntry(label: label, swatch: .line(RGB(0.5, 0.5, 0.5), dashed: true))
            }
        }
    }

    /// The figure as a standalone SVG document (also valid inline in HTML).
    /// - Parameter id: a prefix unique within the embedding document (for the clip path).
    /// - Returns: the SVG markup.
    public func svg(id: String? = nil) -> String {
        let lay = layout()
        let r = lay.rect
        let xs = lay.xScale
        let ys = lay.yScale
        let clip = (id ?? Chrome.stableID(title + (subtitle ?? ""))) + "-clip"
        var b = SVGBuilder()
        b.append(raw: svgHeader(width: width, height: height, title: title))
        b.rect(0, 0, width, height, [("fill", "#ffffff")])
        b.open("defs")
        b.open("clipPath", [("id", clip)])
        b.rect(r.x, r.y, r.width, r.height, [])
        b.close("clipPath")
        b.close("defs")
        Chrome.title(&b, title, subtitle: subtitle, x: r.x)
        Chrome.axes(&b, plot: r, x: xs, y: ys, xLabel: x.label, yLabel: y.label)
        b.open("g", [("class", "plot"), ("clip-path", "url(#\(clip))")])
        for layer in layers { draw(layer, into: &b, rect: r, xs: xs, ys: ys) }
        b.close("g")
        Chrome.legend(&b, lay.legend, x: r.maxX + 18, y: r.y + 4)
        b.close("svg")
        return b.markup
    }

    private func draw(_ layer: Layer, into b: inout SVGBuilder, rect r: Rect, xs: Scale, ys: Scale) {
        switch layer {
        case .xSpan(let s):
            guard xs.accepts(s.from), xs.accepts(s.to) else { return }
            let a = xs.position(s.from)
            let c = xs.position(s.to)
            // A zero-length interval stays visible as a hairline.
            let w = max(abs(c - a), 1.5)
            var top = r.y
            var height = r.height
            if let yr = s.yRange, ys.accepts(yr.lowerBound), ys.accepts(yr.upperBound) {
                top = ys.position(yr.upperBound)
                height = ys.position(yr.lowerBound) - top
            }
            b.open("g", [("class", "interval")])
            b.rect(min(a, c), top, w, height, [("fill", s.color.hex), ("fill-opacity", svgNumber(s.opacity))])
            if let text = s.annotation {
                b.text(
                    "text",
                    [
                        ("x", svgNumber(min(a, c) + 3)), ("y", svgNumber(top + 12)), ("font-size", "10"),
                        ("fill", Palette.muted),
                    ], text)
            }
            b.close("g")
        case .band(let band):
            var upper: [(Double, Double)] = []
            var lower: [(Double, Double)] = []
            for i in 0..<min(band.x.count, band.lower.count, band.upper.count)
            where xs.accepts(band.x[i]) && ys.accepts(band.lower[i]) && ys.accepts(band.upper[i]) {
                upper.append((xs.position(band.x[i]), ys.position(band.upper[i])))
                lower.append((xs.position(band.x[i]), ys.position(band.lower[i])))
            }
            guard upper.count >= 2 else { return }
            // Thinned like lines: the upper edge keeps each pixel column's maximum, the lower its
            // minimum, so the band's envelope is unchanged at the resolution it is drawn.
            let maxPoints = Self.maxPointsPerColumn * Int(r.width)
            if upper.count > maxPoints {
                upper = Self.thin(upper)
                lower = Self.thin(lower)
            }
            b.element(
                "polygon",
                [
                    ("class", "band"), ("points", SVGBuilder.points(upper + lower.reversed())),
                    ("fill", band.color.hex), ("fill-opacity", svgNumber(band.opacity)),
                    ("stroke", "none"),
                ])
        case .reference(let ref):
            guard ys.accepts(ref.y) else { return }
            let py = ys.position(ref.y)
            b.open("g", [("class", "reference")])
            b.line(
                r.x, py, r.maxX, py,
                [
                    ("stroke", ref.color.hex), ("stroke-width", "1.1"),
                    ("stroke-dasharray", ref.dashed ? "6 4" : nil),
                ])
            if let text = ref.annotation {
                b.text(
                    "text",
                    [
                        ("x", svgNumber(r.maxX - 4)), ("y", svgNumber(py - 4)), ("text-anchor", "end"),
                        ("font-size", "10"), ("fill", Palette.muted),
                    ], text)
            }
            b.close("g")
        case .line(let l):
            let segments = Self.segments(
                l.points, xs: xs, ys: ys, maxPoints: Self.maxPointsPerColumn * Int(r.width))
            b.open(
                "g",
                [
                    ("class", "series"), ("fill", "none"), ("stroke", l.color.hex),
                    ("stroke-width", svgNumber(l.width)), ("stroke-linejoin", "round"),
                    ("stroke-dasharray", l.dashed ? "6 4" : nil),
                ])
            if let label = l.label { b.tooltip(label) }
            for seg in segments where seg.count >= 2 {
                b.element("polyline", [("points", SVGBuilder.points(seg))])
            }
            b.close("g")
        case .scatter(let s):
            b.open(
                "g",
                [
                    ("class", "scatter"), ("fill", s.color.hex), ("fill-opacity", "0.8"),
                    ("stroke", "#ffffff"), ("stroke-width", "0.6"),
                ])
            for (i, p) in s.points.enumerated() where xs.accepts(p.x) && ys.accepts(p.y) {
                let attrs = [
                    ("class", "point"), ("cx", svgNumber(xs.position(p.x))),
                    ("cy", svgNumber(ys.position(p.y))), ("r", svgNumber(s.radius)),
                ]
                if let tips = s.tooltips, i < tips.count {
                    b.open("circle", attrs)
                    b.tooltip(tips[i])
                    b.close("circle")
                } else {
                    b.element("circle", attrs)
                }
            }
            b.close("g")
        case .diagonal:
            // y = x over the overlap of both domains.
            let lo = max(xs.domain.lowerBound, ys.domain.lowerBound)
            let hi = min(xs.domain.upperBound, ys.domain.upperBound)
            guard hi > lo else { return }
            b.line(
                xs.position(lo), ys.position(lo), xs.position(hi), ys.position(hi),
                [
                    ("class", "diagonal"), ("stroke", "#888888"), ("stroke-width", "1.2"),
                    ("stroke-dasharray", "6 4"),
                ])
        }
    }

    /// At most this many points per pixel column of the plot are drawn for a line or a band edge
    /// (first, minimum, maximum, last): a few thousand per series whatever the trajectory length.
    static let maxPointsPerColumn = 4

    /// Pixel polylines of drawable points, split where a point cannot be drawn. Long series are
    /// thinned per pixel column keeping first, minimum, maximum and last, so steps stay sharp.
    static func segments(_ points: [Point], xs: Scale, ys: Scale, maxPoints: Int) -> [[(Double, Double)]] {
        var out: [[(Double, Double)]] = []
        var current: [(Double, Double)] = []
        for p in points {
            if xs.accepts(p.x) && ys.accepts(p.y) {
                current.append((xs.position(p.x), ys.position(p.y)))
            } else if !current.isEmpty {
                out.append(current)
                current = []
            }
        }
        if !current.isEmpty { out.append(current) }
        return out.map { $0.count > maxPoints ? thin($0) : $0 }
    }

    /// Min/max-preserving decimation of a pixel polyline whose x never decreases: per pixel column,
    /// the first, lowest, highest and last point, in their order.
    static func thin(_ pts: [(Double, Double)]) -> [(Double, Double)] {
        var out: [(Double, Double)] = []
        var i = 0
        while i < pts.count {
            let column = pts[i].0.rounded(.down)
            var j = i
            var lo = i
            var hi = i
            while j < pts.count && pts[j].0.rounded(.down) == column {
                if pts[j].1 < pts[lo].1 { lo = j }
                if pts[j].1 > pts[hi].1 { hi = j }
                j += 1
            }
            for k in Set([i, lo, hi, j - 1]).sorted() { out.append(pts[k]) }
            i = j
        }
        return out
    }
}
