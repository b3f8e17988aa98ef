import Foundation
import Testing

@testable import Reports

@Suite struct HeatmapStatusTests {
    static let heatmap = HeatmapData(
        title: "mean interval length, r = 2", xLabel: "α", yLabel: "depth", xValues: ["0.01", "0.03", "0.1", "0.3"],
        yValues: ["2", "3", "4"],
        values: [[10, 20, 30, 40], [100, nil, 300, 400], [1000, 2000, 3000, 4000]],
        colorLabel: "steps", logColor: true)

    @Test func everyCellIsDrawnAndEmptyOnesAreMarked() throws {
        let xml = try ParsedXML(Self.heatmap.svg())
        #expect(xml.withClass("cell").count == 12)
        #expect(xml.withClass("empty").count == 1)
        #expect(xml.withClass("colorbar").count == 1)
        let texts = xml.elements("text").map(\.text)
        for label in ["0.01", "0.03", "0.1", "0.3", "depth", "α", "steps", "4000", "–"] {
            #expect(texts.contains(label), "missing text \(label)")
        }
    }

    @Test func colourScaleSpansTheValues() throws {
        let scale = try #require(Self.heatmap.colorScale)
        #expect(scale.kind == .log)
        #expect(scale.domain == 10...4000)
        // The smallest value gets the dark end of viridis, the largest the yellow end.
        #expect(Palette.viridis(scale.position(10)).hex == "#440154")
        #expect(Palette.viridis(scale.position(4000)).hex == "#fde725")
        // Log colour spans the positive values; a zero cell takes the darkest colour.
        var withZero = Self.heatmap
        withZero.values[0][0] = 0
        #expect(withZero.colorScale?.kind == .log && withZero.colorScale?.domain == 20...4000)
        #expect(Palette.viridis(withZero.colorScale!.position(0)).hex == "#440154")
        var nonPositive = Self.heatmap
        nonPositive.values = [[0, -1]]
        #expect(nonPositive.colorScale?.kind == .linear && nonPositive.colorScale?.domain == -1...0)
    }

    @Test func rowsRunBottomToTop() throws {
        let xml = try ParsedXML(Self.heatmap.svg())
        // The first row's first cell (value 10) lies below the last row's (value 1000).
        let cellRects = xml.elements("rect").filter {
            $0.attributes["fill"]?.hasPrefix("#") == true && $0.attributes["stroke"] == "#ffffff"
        }
        #expect(cellRects.count == 12)
        let first = Double(cellRects[0].attributes["y"]!)!
        let lastRowFirst = Double(cellRects[8].attributes["y"]!)!
        #expect(first > lastRowFirst)
    }

    @Test func viridisIsPerceptuallyOrdered() {
        // Luminance increases monotonically along viridis.
        let lum = stride(from: 0.0, through: 1.0, by: 0.05).map { Palette.viridis($0).luminance }
        for (a, b) in zip(lum, lum.dropFirst()) { #expect(b > a) }
    }

    static let status = StatusData(
        title: "status by η", xLabel: "η", categories: ["0.01", "0.05", "0.2"],
        statuses: ["finished", "converged", "diverged"], counts: [[5, 0, 0], [3, 0, 2], [0, 0, 5]])

    @Test func statusBarsStackFractions() throws {
        #expect(Self.status.fraction(category: 1, status: 2) == 0.4)
        #expect(Self.status.fraction(category: 2, status: 0) == 0)
        let xml = try ParsedXML(Self.status.svg())
        #expect(xml.withClass("bar").count == 3)
        #expect(xml.withClass("segment").count == 4)  // zero counts draw nothing
        #expect(xml.withClass("legend-entry").count == 3)
        let segments = xml.withClass("segment")
        let heights = segments.map { Double($0.attributes["height"]!)! }
        // In the middle bar the finished part (3 of 5) is 1.5× the diverged part (2 of 5).
        #expect(abs(heights[1] / heights[2] - 1.5) < 0.02)
        // Every full bar has the same total height.
        #expect(abs(heights[0] - (heights[1] + heights[2])) < 0.02)
        #expect(abs(heights[0] - heights[3]) < 0.02)
        #expect(xml.elements("text").map(\.text).contains("n=5"))
    }

    @Test func crowdedCategoryLabelsAreSlanted() throws {
        let many = (1...14).map { "seed-\($0)-long" }
        let crowded = StatusData(
            title: "t", xLabel: "x", categories: many, statuses: ["finished"],
            counts: many.map { _ in [1] })
        let ticks = try ParsedXML(crowded.svg()).withClass("tick").filter { $0.text.hasPrefix("seed") }
        #expect(ticks.count == 14 && ticks.allSatisfy { $0.attributes["transform"]?.hasPrefix("rotate(-30") == true })
        let few = try ParsedXML(Self.status.svg()).withClass("tick").filter { ["0.01", "0.05"].contains($0.text) }
        #expect(few.count == 2 && few.allSatisfy { $0.attributes["transform"] == nil })
    }

    @Test func longRowLabelsPushTheAxisLabelLeft() throws {
        var h = Self.heatmap
        h.yValues = ["identity", "orthogonal", "gaussian"]
        let xml = try ParsedXML(h.svg())
        let axisLabel = try #require(xml.withClass("axis-label").first { $0.text == "depth" })
        let labelX = Double(axisLabel.attributes["x"]!)!
        #expect(labelX > 0)
        for tick in xml.withClass("tick") where h.yValues.contains(tick.text) {
            let right = Double(tick.attributes["x"]!)!
            // Generous width estimate: the rotated label (half its 12.5 px line height) stays clear.
            #expect(labelX + 7 < right - Double(tick.text.count) * 6.6)  // DejaVu Sans ≈ 0.6 em at 11 px
        }
    }
}
