import Foundation
import Testing

@testable import Reports

@Suite struct FigureTests {
    static let lambda = [10.0, 5, 2, 1, 0.5]

    /// The worked example, computed by the independent fixture recursion.
    static func workedExample() -> StaircaseData {
        let traj = Fixtures.trajectory(lambda: lambda, depth: 3, alpha: 0.05, eta: 0.02, steps: 3000, every: 10)
        let targets = Fixtures.targets(lambda)
        let intervals = targets.enumerated().compactMap { r, t in
            Fixtures.interval(traj, target: t, tol: 0.1).map {
                StaircaseData.Interval(rank: r + 1, start: Double($0.0), end: Double($0.1))
            }
        }
        return StaircaseData(
            title: "Staircase",
            series: [
                .init(
                    label: "depth 3", steps: traj.map { Double($0.step) },
                    mean: traj.map(\.erank), intervals: intervals)
            ],
            targets: targets)
    }

    @Test func staircaseDrawsOneSeriesAllTargetsAndEveryInterval() throws {
        let data = Self.workedExample()
        let expectedIntervals = data.series[0].intervals.count
        #expect(expectedIntervals >= 4)  // the staircase visits most targets
        let svg = data.figure().svg()
        let xml = try ParsedXML(svg)
        #expect(xml.root == "svg")
        #expect(xml.withClass("series").count == 1)
        #expect(xml.withClass("reference").count == 5)
        #expect(xml.withClass("interval").count == expectedIntervals)
        #expect(xml.withClass("band").isEmpty)
        #expect(xml.withClass("legend-entry").count == 2)  // target lines + the series
        let labels = xml.nodes.filter { $0.name == "text" }.map(\.text)
        #expect(labels.contains("t₂ = 1.89"))
        #expect(labels.contains("effective rank") && labels.contains("step"))
    }

    @Test func staircaseAxisRanges() {
        let data = Self.workedExample()
        // Recorded steps 10…3000 span more than two decades: log step axis, widened to 1-2-5 bounds.
        #expect(data.resolvedXScale == .log)
        let layout = data.figure().layout()
        #expect(layout.xScale.kind == .log)
        #expect(abs(layout.xScale.domain.lowerBound - 10) < 1e-9)
        #expect(abs(layout.xScale.domain.upperBound - 5000) < 1e-6)
        // erank starts at 5 (all factors α I) and never exceeds it; the y axis includes 0.
        #expect(layout.yScale.domain == 0...5)
        var linear = data
        linear.xScale = .linear
        #expect(linear.figure().layout().xScale.domain == 0...3000)
    }

    @Test func severalSeriesGetBandsAndTargetBars() throws {
        let s = { (label: String, shift: Double) in
            StaircaseData.Series(
                label: label, steps: [0, 10, 20, 30], mean: [5, 1 + shift, 1.9, 2.5], std: [0, 0.1, 0.2, 0.1],
                intervals: [.init(rank: 1, start: 10, end: 10), .init(rank: 2, start: 20, end: 30)])
        }
        let data = StaircaseData(title: "t", series: [s("a", 0), s("b", 0.1), s("c", 0.2)], targets: [1, 1.89, 2.52])
        let xml = try ParsedXML(data.figure().svg())
        #expect(xml.withClass("series").count == 3)
        #expect(xml.withClass("band").count == 3)
        #expect(xml.withClass("interval").count == 6)
        #expect(xml.withClass("legend-entry").count == 4)
        let layout = data.figure().layout()
        #expect(layout.xScale.kind == .linear)
        #expect(layout.xScale.domain == 0...30)
        // Band tops reach 2.6 → y axis to the next nice tick above, at most 3.
        #expect(layout.yScale.domain.upperBound >= 5 && layout.yScale.domain.lowerBound == 0)
    }

    @Test func nonFiniteValuesBreakLinesAndLogAxesDropNonPositive() throws {
        let line = LineSeries(
            label: "x", points: [Point(1, 1), Point(2, 2), Point(3, .nan), Point(4, 3), Point(5, 4)],
            color: Palette.series(0))
        let fig = Figure(title: "gaps", x: AxisSpec("x"), y: AxisSpec("y"), layers: [.line(line)])
        let xml = try ParsedXML(fig.svg())
        #expect(xml.elements("polyline").count == 2)

        let logFig = Figure(
            title: "log", x: AxisSpec("step", scale: .log), y: AxisSpec("loss", scale: .log),
            layers: [
                .line(
                    LineSeries(
                        label: nil, points: [Point(0, 1), Point(10, 1e-3), Point(100, 1e-9)],
                        color: Palette.series(0)))
            ])
        let polylines = try ParsedXML(logFig.svg()).elements("polyline")
        #expect(polylines.count == 1)
        #expect(polylines[0].attributes["points"]?.split(separator: " ").count == 2)
        let layout = logFig.layout()
        #expect(abs(layout.yScale.domain.lowerBound - 1e-9) < 1e-20)
        #expect(abs(layout.yScale.domain.upperBound - 1e-3) < 1e-15)
    }

    @Test func longSeriesAreThinnedButKeepTheirExtremes() throws {
        // 100k points oscillating; every pixel column keeps its min and max.
        let pts = (0..<100_000).map { Point(Double($0), $0 == 54_321 ? 50 : Double($0 % 7)) }
        let fig = Figure(
            title: "long", x: AxisSpec("x"), y: AxisSpec("y"),
            layers: [.line(LineSeries(label: nil, points: pts, color: Palette.series(0)))])
        let layout = fig.layout()
        let polyline = try #require(try ParsedXML(fig.svg()).elements("polyline").first)
        let coords = polyline.attributes["points"]!.split(separator: " ").map {
            $0.split(separator: ",").map { Double($0)! }
        }
        #expect(coords.count <= 4 * (Int(layout.plot.width) + 2))
        let minPixel = coords.map { $0[1] }.min()!
        #expect(abs(minPixel - layout.yScale.position(50)) < 0.01)
    }

    /// A staircase of 4 runs × 100k recorded steps with ± std bands (11 MB before bands were
    /// thinned) stays under 300 KB, and every curve and band edge still reaches its extremes.
    @Test func longStaircaseWithBandsStaysLightAndKeepsEveryExtreme() throws {
        let count = 100_000
        let steps = (0..<count).map(Double.init)
        let series = (0..<4).map { i -> StaircaseData.Series in
            var mean = (0..<count).map { Double(i) + Double($0 % 5) * 0.1 }
            mean[1000 * i + 777] = Double(i) + 0.9
            mean[50_000 + i] = Double(i) - 0.4
            var std = [Double](repeating: 0.05, count: count)
            std[70_000 + 13 * i] = 0.7
            return StaircaseData.Series(label: "depth \(i + 2)", steps: steps, mean: mean, std: std)
        }
        let figure = StaircaseData(title: "long", series: series, targets: [1, 2], xScale: .linear).figure()
        let svg = figure.svg()
        #expect(svg.utf8.count < 300_000, "\(svg.utf8.count) bytes")
        let layout = figure.layout()
        let xml = try ParsedXML(svg)
        func coordinates(_ node: XMLNodeInfo) -> [[Double]] {
            (node.attributes["points"] ?? "").split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
        }
        let lines = xml.elements("polyline").map(coordinates)
        let bands = xml.withClass("band").map(coordinates)
        #expect(lines.count == 4 && bands.count == 4)
        for (line, points) in zip(series, lines) {
            #expect(points.count <= Figure.maxPointsPerColumn * (Int(layout.plot.width) + 2))
            for extreme in [line.mean.max()!, line.mean.min()!] {
                let y = layout.yScale.position(extreme)
                #expect(points.contains { abs($0[1] - y) < 0.01 }, "\(line.label): \(extreme) not drawn")
            }
        }
        for (line, points) in zip(series, bands) {
            let std = try #require(line.std)
            let top = zip(line.mean, std).map { $0 + $1 }.max()!
            let bottom = zip(line.mean, std).map { $0 - $1 }.min()!
            #expect(points.count <= 2 * Figure.maxPointsPerColumn * (Int(layout.plot.width) + 2))
            for extreme in [top, bottom] {
                let y = layout.yScale.position(extreme)
                #expect(points.contains { abs($0[1] - y) < 0.01 }, "\(line.label) band: \(extreme) not drawn")
            }
        }
    }

    @Test func predictedVsMeasuredSharesOneDomainAndDrawsTheDiagonal() throws {
        let data = PredictedVsMeasuredData(
            title: "switch-on",
            groups: [
                .init(label: "depth 3", points: [Point(100, 110), Point(1000, 900)]),
                .init(label: "depth 4", points: [Point(50, 60), Point(5000, 4000), Point(-1, 3)]),
            ])
        #expect(abs(data.groups[0].meanRelativeError! - 0.1) < 1e-12)
        #expect(abs(data.groups[1].meanRelativeError! - (0.2 + 0.2) / 2) < 1e-12)
        let fig = data.figure()
        let layout = fig.layout()
        #expect(layout.xScale.domain == layout.yScale.domain)
        #expect(abs(layout.xScale.domain.lowerBound - 50) < 1e-9 && abs(layout.xScale.domain.upperBound - 5000) < 1e-6)
        let xml = try ParsedXML(fig.svg())
        #expect(xml.withClass("point").count == 4)  // the non-positive prediction is not drawn on log axes
        #expect(xml.withClass("diagonal").count == 1)
        let legend = xml.nodes.filter { $0.name == "text" }.map(\.text)
        #expect(legend.contains("depth 3 · error 10%") && legend.contains("depth 4 · error 20%"))
    }

    @Test func textIsEscapedAndTheDocumentParses() throws {
        let nasty = "a<b & \"c\" 'd' >e\u{1}</svg><script>"
        let fig = Figure(
            title: nasty, subtitle: nasty, x: AxisSpec(nasty), y: AxisSpec("y"),
            layers: [.line(LineSeries(label: nasty, points: [Point(0, 0), Point(1, 1)], color: Palette.series(0)))])
        let svg = fig.svg()
        #expect(!svg.contains("<script>"))
        let xml = try ParsedXML(svg)
        #expect(xml.elements("script").isEmpty)
        let clean = "a<b & \"c\" 'd' >e</svg><script>"
        #expect(xml.withClass("title").first?.text == clean)
        #expect(xml.withClass("axis-label").map(\.text).contains(clean))
        #expect(xmlEscape("<&>\"'") == "&lt;&amp;&gt;&quot;&#39;")
    }

    @Test func emptyFiguresStillRender() throws {
        let fig = Figure(title: "nothing", x: AxisSpec("x", scale: .log), y: AxisSpec("y"))
        let xml = try ParsedXML(fig.svg())
        #expect(xml.root == "svg")
        #expect(xml.withClass("legend-entry").isEmpty)
        #expect(fig.layout().xScale.domain == 1...10)
    }
}
