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
        #expect(r.stdout.contains("1 sweeps, 3 figures"))
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

    @Test func missingStoreIsAUsageError() throws {
        let dir = try TemporaryDirectory()
        let r = try runProcess(["report", "--store", dir.path("none.sqlite"), "--out", dir.path("r.html")])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("dmfsweep: error: "))
    }
}
