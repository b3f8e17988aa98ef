import Foundation
import TestSupport
import Testing

@testable import Reports

/// `dmfsweep plot` and `dmfsweep report` run as the real binary against a real store.
@Suite struct ReportCLITests {
    @Test func reportWritesOneSelfContainedFile() throws {
        let dir = try TemporaryDirectory()
        let (store, _) = try ReportLoaderTests.makeStore(dir)
        let out = dir.path("report.html")
        let r = try runProcess(["report", "--store", store, "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1 sweep(s), 3 figures"))
        let xml = try ParsedXML(try String(contentsOfFile: out, encoding: .utf8))
        #expect(xml.elements("svg").count == 3)
        #expect(xml.withClass("sweep").count == 1)
    }

    @Test(arguments: ["staircase", "predicted-vs-measured", "status"])
    func plotWritesValidSVG(kind: String) throws {
        let dir = try TemporaryDirectory()
        let (store, _) = try ReportLoaderTests.makeStore(dir)
        let out = dir.path("\(kind).svg")
        let r = try runProcess(["plot", "--store", store, "--kind", kind, "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let xml = try ParsedXML(try String(contentsOfFile: out, encoding: .utf8))
        #expect(xml.root == "svg")
        switch kind {
        case "staircase": #expect(xml.withClass("series").count == 2)  // depth 3 and 4
        case "status": #expect(xml.withClass("bar").count == 2)
        default: #expect(xml.withClass("point").count > 0 && xml.withClass("diagonal").count == 1)
        }
    }

    @Test(arguments: [
        (["--kind", "heatmap"], "a heatmap needs two varied parameters"),
        (["--kind", "staircase", "--x", "dpeth"], "unknown parameter 'dpeth' (did you mean 'depth'?)"),
        (["--kind", "staircase", "--sweep", "nope"], "no sweep named 'nope'"),
        (["--kind", "bars"], "--kind: expected one of"),
        (["--kind", "status", "--x", "alpha"], "parameter 'alpha' takes only one value"),
    ])
    func plotErrorsAreOneLine(extra: [String], message: String) throws {
        let dir = try TemporaryDirectory()
        let (store, _) = try ReportLoaderTests.makeStore(dir)
        let r = try runProcess(["plot", "--store", store, "--out", dir.path("x.svg")] + extra)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.path("x.svg")))
    }

    @Test func plotToStdoutWithAnotherMeasure() throws {
        let dir = try TemporaryDirectory()
        let (store, _) = try ReportLoaderTests.makeStore(dir)
        let r = try runProcess(["plot", "--store", store, "--kind", "staircase", "--measure", "loss", "--out", "-"])
        #expect(r.status == 0, "\(r.stderr)")
        let xml = try ParsedXML(r.stdout)
        #expect(xml.withClass("title").first?.text == "loader-test: loss vs step")
        #expect(xml.withClass("reference").isEmpty)  // targets belong to the effective rank only
    }

    @Test func reportOfChosenSweepsWithATitle() throws {
        let dir = try TemporaryDirectory()
        let (store, _) = try ReportLoaderTests.makeStore(dir)
        let ok = try runProcess([
            "report", "--store", store, "--sweep", "loader-test", "--title", "A & B", "--out", "-",
        ])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try ParsedXML(ok.stdout).texts("h1") == ["A & B"])
        let bad = try runProcess(["report", "--store", store, "--sweep", "loader", "--out", "-"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("no sweep named 'loader' in the store; it has: loader-test"))
        #expect(bad.stdout.isEmpty)
    }

    @Test func missingStoreIsAUsageError() throws {
        let dir = try TemporaryDirectory()
        let r = try runProcess(["report", "--store", dir.path("none.sqlite"), "--out", dir.path("r.html")])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("dmfsweep: error: "))
    }
}

/// The whole pipeline with the real binary: `run --inline` a tiny sweep, then `report` and `plot`.
@Suite struct EndToEndTests {
    static let sweep = """
        # Question: does the tiny end-to-end sweep produce every figure?
        # Expected picture: staircases per noise level, a heatmap, agreement with theory, statuses.
        # Runtime: instant.
        name: e2e
        method: grid
        parameters:
          n:            {value: 6}
          spectrum:     {value: [10, 5, 2]}
          depth:        {values: [3, 4]}
          alpha:        {values: [0.1, 0.2]}
          noise:        {values: [0, 0.05]}
          eta:          {value: 0.005}
          steps:        {value: 6000}
          record_every: {value: 20}

        """

    @Test func runThenReportHoldsEveryFigureAndTable() throws {
        let dir = try TemporaryDirectory()
        let file = dir.path("e2e.yaml")
        try Self.sweep.write(toFile: file, atomically: true, encoding: .utf8)
        let store = dir.path("store.sqlite")
        let run = try runProcess(["run", file, "--inline", "--quiet", "--store", store])
        #expect(run.status == 0, "\(run.stderr)")

        let out = dir.path("report.html")
        let r = try runProcess(["report", "--store", store, "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let xml = try ParsedXML(try String(contentsOfFile: out, encoding: .utf8))
        // Varied: depth, noise, alpha. Staircases: one panel per noise level; the clean error only
        // where there is noise; the recovery error against step, one panel per noise level grouped
        // by depth, and at the end against alpha (the first numeric parameter preferred for the x
        // axis) with noise held at 0; heatmap depth × noise; predicted vs measured; statuses.
        let titles = xml.withClass("title").map(\.text)
        #expect(
            titles == [
                "e2e: effective rank vs step, noise = 0", "e2e: effective rank vs step, noise = 0.05",
                "e2e: ‖W − Y_clean‖_F vs step, noise = 0.05",
                "e2e: ‖W − Y_clean‖_F / ‖Y_clean‖_F vs step, noise = 0",
                "e2e: ‖W − Y_clean‖_F / ‖Y_clean‖_F vs step, noise = 0.05", "e2e: final_error vs alpha",
                "e2e: mean interval length, r = 2", "e2e: interval start, measured vs predicted", "e2e: run status",
            ])
        #expect(xml.elements("svg").count == 9)
        let captions = xml.elements("caption").map(\.text)
        #expect(captions.count == 5)
        #expect(captions.contains { $0.hasPrefix("Monotone after the initial drop") })
        #expect(captions.contains { $0.hasPrefix("Runs by depth, noise, alpha") })
        #expect(captions.contains { $0.hasPrefix("Early-stopping intervals by rank") })
        #expect(captions.contains { $0.hasPrefix("Switch-on") })
        #expect(captions.contains { $0.hasPrefix("Denoising by early stopping") })
        // Every run finished: 8 tasks in the status chart, 3 targets drawn on each staircase.
        #expect(xml.elements("text").contains { $0.text == "n=4" })
        #expect(xml.withClass("reference").count == 2 * 3)
        #expect(xml.texts("td").contains("8 (8 with results)"))

        let svg = dir.path("heat.svg")
        let p = try runProcess([
            "plot", "--store", store, "--kind", "heatmap", "--x", "alpha", "--y", "depth", "--rank", "1", "--out", svg,
        ])
        #expect(p.status == 0, "\(p.stderr)")
        let heat = try ParsedXML(try String(contentsOfFile: svg, encoding: .utf8))
        #expect(heat.withClass("cell").count == 4)
        #expect(heat.withClass("title").first?.text == "e2e: mean interval length, r = 1")
    }
}
