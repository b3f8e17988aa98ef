import Factorization
import Foundation
import TestSupport
import Testing

@testable import Reports

/// The recovery-error figures (`SweepFigures.trajectory`, `SweepFigures.finalErrors`): their data
/// against the store's own numbers read by SQL and summarised by numpy, and the SVG they draw.
@Suite struct RecoveryFigureTests {
    /// A small completion sweep: depths 2 and 3, two observed fractions, three seeds.
    static let sweep = """
        # Question: does depth recover the unobserved entries from fewer observations?
        name: recfig
        method: grid
        parameters:
          problem:      {value: completion}
          n:            {value: 6}
          spectrum:     {value: [10, 5]}
          depth:        {values: [2, 3]}
          observed:     {values: [0.5, 0.8]}
          alpha:        {value: 0.1}
          eta:          {value: 0.005}
          steps:        {value: 3000}
          record_every: {value: 10}
          seed:         {values: [1, 2, 3]}

        """

    /// Reads the store with Python's sqlite3 and numpy, independently of dmfsweep: per depth the
    /// median and 25th/75th percentiles (numpy's linear interpolation) over seeds of the `error`
    /// and `unobserved_error` series at each recorded step (observed held at its smallest value),
    /// and of `final_unobserved_error` per depth and observed fraction.
    static let reference = #"""
        import json, sqlite3, sys
        import numpy as np
        db = sqlite3.connect(sys.argv[1])
        rows = db.execute(
            "SELECT t.p_depth, t.p_observed, j.steps, e.error, e.unobserved_error, e.final_unobserved_error "
            "FROM tasks t JOIN results r ON r.task_id = t.id JOIN trajectories j ON j.task_id = t.id "
            "JOIN recovery e ON e.task_id = t.id WHERE r.status != 'diverged'").fetchall()
        held = min(r[1] for r in rows)
        out = {"held": held, "series": {}, "final": {}}
        for name, col in (("error", 3), ("unobserved_error", 4)):
            out["series"][name] = {}
            for depth in sorted({r[0] for r in rows}):
                runs = [r for r in rows if r[0] == depth and r[1] == held]
                steps = np.frombuffer(runs[0][2], dtype="<i8")
                ys = np.stack([np.frombuffer(r[col], dtype="<f8") for r in runs])
                out["series"][name][str(depth)] = {
                    "steps": steps.tolist(), "median": np.median(ys, axis=0).tolist(),
                    "p25": np.percentile(ys, 25, axis=0).tolist(), "p75": np.percentile(ys, 75, axis=0).tolist()}
        for depth in sorted({r[0] for r in rows}):
            out["final"][str(depth)] = {}
            for obs in sorted({r[1] for r in rows}):
                v = np.array([r[5] for r in rows if r[0] == depth and r[1] == obs])
                out["final"][str(depth)][repr(obs)] = [
                    float(np.median(v)), float(np.percentile(v, 25)), float(np.percentile(v, 75)), len(v)]
        print(json.dumps(out))
        """#

    struct Reference: Decodable {
        struct Curve: Decodable {
            var steps: [Int]
            var median: [Double]
            var p25: [Double]
            var p75: [Double]
        }
        var held: Double
        var series: [String: [String: Curve]]
        var final: [String: [String: [Double]]]
    }

    static func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }
    }

    /// Runs the sweep for real and returns the store and numpy's reference.
    static func runAndReference(_ dir: TemporaryDirectory) throws -> (store: String, reference: Reference) {
        let file = dir.path("recfig.yaml")
        try sweep.write(toFile: file, atomically: true, encoding: .utf8)
        let store = dir.path("store.sqlite")
        let run = try runProcess(["run", file, "--inline", "--quiet", "--store", store])
        try #require(run.status == 0, "\(run.stderr)")
        let script = dir.path("reference.py")
        try reference.write(toFile: script, atomically: true, encoding: .utf8)
        let python = try TestPaths.python()
        let ref = try runProcess([script, store], executable: python)
        try #require(ref.status == 0, "\(python.path): \(ref.stderr)")
        return (store, try JSONDecoder().decode(Reference.self, from: Data(ref.stdout.utf8)))
    }

    @Test func figuresMatchTheStoreAndNumpyAndDrawWhatTheyShow() throws {
        let dir = try TemporaryDirectory(prefix: "recovery-figures")
        let (store, reference) = try Self.runAndReference(dir)
        let s = try ReportLoader(path: store).sweep("recfig", trajectories: .all)
        #expect(reference.held == 0.5)

        for series in [TrajectorySeries.error, .unobservedError] {
            let data = try SweepFigures.trajectory(s, series: series)
            let want = try #require(reference.series[series.name])
            #expect(data.curves.map(\.label) == ["depth = 2 (3 seeds)", "depth = 3 (3 seeds)"])
            #expect(data.subtitle == "median over seeds, band: 25th–75th percentile; observed = 0.5")
            #expect(data.y.scale == .log)
            for (curve, depth) in zip(data.curves, ["2", "3"]) {
                let w = try #require(want[depth])
                #expect(curve.x == w.steps.map(Double.init))
                #expect(curve.x.count == 301)  // steps 0, 10, …, 3000
                #expect(Self.close(curve.center, w.median), "\(series) depth \(depth) median")
                #expect(Self.close(try #require(curve.lower), w.p25), "\(series) depth \(depth) p25")
                #expect(Self.close(try #require(curve.upper), w.p75), "\(series) depth \(depth) p75")
                #expect(curve.counts.allSatisfy { $0 == 3 })
            }
            // The SVG: one line and one band per depth, a log y axis whose domain holds every
            // median, the held parameter in the subtitle, and light enough to embed.
            let figure = data.figure()
            let svg = figure.svg()
            #expect(svg.utf8.count < 60_000, "\(svg.utf8.count) bytes")
            let xml = try ParsedXML(svg)
            #expect(xml.withClass("series").count == 2 && xml.withClass("band").count == 2)
            #expect(xml.withClass("subtitle").first?.text == data.subtitle)
            #expect(xml.elements("text").contains { $0.text == "depth = 3 (3 seeds)" })
            let layout = figure.layout()
            #expect(layout.yScale.kind == .log)
            let medians = data.curves.flatMap(\.center)
            #expect(layout.yScale.domain.contains(medians.min()!) && layout.yScale.domain.contains(medians.max()!))
        }

        let final = try SweepFigures.finalErrors(s, metric: .finalUnobservedError)
        #expect(final.title == "recfig: final_unobserved_error vs observed")
        #expect(final.x.label == "observed" && final.x.scale == .linear && final.y.scale == .log)
        #expect(final.curves.map(\.label) == ["depth = 2 (3 seeds)", "depth = 3 (3 seeds)"])
        for (curve, depth) in zip(final.curves, ["2", "3"]) {
            let w = try #require(reference.final[depth])
            #expect(curve.x == [0.5, 0.8])
            let columns = try [0.5, 0.8].map { try #require(w[String($0)]) }
            #expect(Self.close(curve.center, columns.map { $0[0] }))
            #expect(Self.close(try #require(curve.lower), columns.map { $0[1] }))
            #expect(Self.close(try #require(curve.upper), columns.map { $0[2] }))
            #expect(curve.counts == columns.map { Int($0[3]) })
        }
        let xml = try ParsedXML(final.figure().svg())
        #expect(xml.withClass("point").count == 4)  // 2 depths × 2 observed fractions
        #expect(xml.withClass("series").count == 2 && xml.withClass("band").count == 2)
        #expect(xml.withClass("subtitle").first?.text == "median over seeds, band: 25th–75th percentile")

        // The report draws the recovery figures of a completion sweep: error and unobserved error
        // against step, one panel per observed fraction grouped by depth, then both final errors.
        let section = ReportBuilder.section(try ReportLoader(path: store).sweep("recfig"))
        let titles = section.figures.compactMap { f -> String? in
            if case .curves(let d) = f.content { return d.title } else { return nil }
        }
        let error = "recfig: ‖W − Y_clean‖_F / ‖Y_clean‖_F vs step"
        let unobserved = "recfig: unobserved ‖P_Ωᶜ(W − Y)‖_F / ‖P_Ωᶜ Y‖_F vs step"
        #expect(
            titles == [
                error + ", observed = 0.5", error + ", observed = 0.8", unobserved + ", observed = 0.5",
                unobserved + ", observed = 0.8", "recfig: final_error vs observed",
                "recfig: final_unobserved_error vs observed",
            ])
        // Each panel is the single figure of its observed fraction, and its first is the one above.
        let panels = try SweepFigures.trajectories(s, series: .unobservedError)
        let single = try SweepFigures.trajectory(s, series: .unobservedError)
        #expect(panels[0].curves == single.curves && panels[1].curves != single.curves)
        // The trajectories the panels need are known before any is loaded (here every run's), and
        // the report's loader fetches them.
        let bare = try ReportLoader(path: store).sweep("recfig", trajectories: .none)
        #expect(SweepFigures.recoveryTaskKeys(bare) == Set(bare.tasks.map(\.key)))
        var half = bare
        half.tasks = bare.tasks.filter { $0.config.observed == 0.5 }
        #expect(SweepFigures.recoveryTaskKeys(half) == Set(half.tasks.map(\.key)) && half.tasks.count == 6)
        let loaded = try ReportLoader(path: store).sweep("recfig")
        #expect(loaded.tasks.allSatisfy { !$0.trajectory.isEmpty })
    }

    @Test func plotDrawsBothKindsAndRefusesWhatItCannot() throws {
        let dir = try TemporaryDirectory(prefix: "recovery-plot")
        let file = dir.path("recfig.yaml")
        try Self.sweep.replacingOccurrences(of: "[1, 2, 3]", with: "[1, 2]")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let store = dir.path("store.sqlite")
        let run = try runProcess(["run", file, "--inline", "--quiet", "--store", store])
        try #require(run.status == 0, "\(run.stderr)")

        let traj = try runProcess([
            "plot", "--store", store, "--kind", "recovery", "--series", "unobserved_error", "--group-by", "observed",
            "--out", "-",
        ])
        #expect(traj.status == 0, "\(traj.stderr)")
        let a = try ParsedXML(traj.stdout)
        #expect(a.withClass("title").first?.text == "recfig: unobserved ‖P_Ωᶜ(W − Y)‖_F / ‖P_Ωᶜ Y‖_F vs step")
        #expect(a.withClass("subtitle").first?.text == "median over seeds, band: 25th–75th percentile; depth = 2")
        #expect(a.withClass("series").count == 2)

        let out = dir.path("final.svg")
        let fin = try runProcess([
            "plot", "--store", store, "--kind", "final-error", "--metric", "best_error", "--x", "observed", "--out",
            out,
        ])
        #expect(fin.status == 0, "\(fin.stderr)")
        let b = try ParsedXML(try String(contentsOfFile: out, encoding: .utf8))
        #expect(b.withClass("title").first?.text == "recfig: best_error vs observed")
        #expect(b.withClass("point").count == 4)

        for (extra, message) in [
            (["--kind", "recovery", "--x", "alpha"], "--x is not used by --kind recovery"),
            (["--kind", "recovery", "--series", "eror"], "--series: expected one of error|unobserved_error|"),
            (["--kind", "final-error", "--x", "problem"], "parameter 'problem' takes only one value"),
            (["--kind", "final-error", "--x", "depth", "--group-by", "depth"], "are both 'depth'"),
            (["--kind", "staircase", "--metric", "final_error"], "--metric is not used by --kind staircase"),
        ] {
            let r = try runProcess(["plot", "--store", store, "--out", dir.path("x.svg")] + extra)
            #expect(r.status == 2, "\(extra): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(extra): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
        }
    }

    /// Hand-made runs: quartiles by numpy's rule (for 1, 2, 3, 4: 1.75, 2.5, 3.25), the x axis
    /// chosen among the numeric varied parameters, diverged runs left out.
    @Test func quartilesAndTheChoiceOfAxes() throws {
        func task(depth: Int, alpha: Double, seed: UInt64, error: Double, status: String = "finished") -> TaskRecord {
            var c = SimulationConfig()
            c.depth = depth
            c.alpha = alpha
            c.seed = seed
            var t = TaskRecord(key: "\(depth)-\(alpha)-\(seed)", config: c, status: status)
            t.finalError = error
            return t
        }
        var tasks: [TaskRecord] = []
        for depth in [2, 3] {
            for alpha in [0.001, 0.1, 1] {
                for seed in 0..<4 {
                    tasks.append(task(depth: depth, alpha: alpha, seed: UInt64(seed), error: Double(seed + 1) * alpha))
                }
            }
        }
        tasks.append(task(depth: 2, alpha: 0.1, seed: 9, error: 1e9, status: "diverged"))
        let d = try SweepFigures.finalErrors(SweepRecords(name: "h", tasks: tasks))
        #expect(d.x.label == "alpha" && d.x.scale == .log)
        #expect(d.curves.map(\.label) == ["depth = 2 (4 seeds)", "depth = 3 (4 seeds)"])
        #expect(Self.close(d.curves[0].center, [0.0025, 0.25, 2.5]))
        #expect(Self.close(try #require(d.curves[0].lower), [0.00175, 0.175, 1.75]))
        #expect(Self.close(try #require(d.curves[0].upper), [0.00325, 0.325, 3.25]))
        #expect(d.curves[0].counts == [4, 4, 4])
        #expect(d.subtitle == "median over seeds, band: 25th–75th percentile; diverged runs left out")
        #expect(throws: ReportError.self) {
            try SweepFigures.finalErrors(SweepRecords(name: "h", tasks: tasks), x: "init")
        }
        // Depth on the x axis when asked, one line per alpha.
        let byDepth = try SweepFigures.finalErrors(SweepRecords(name: "h", tasks: tasks), x: "depth", groupBy: "alpha")
        #expect(
            byDepth.curves.map(\.label) == ["alpha = 0.001 (4 seeds)", "alpha = 0.1 (4 seeds)", "alpha = 1 (4 seeds)"])
        #expect(byDepth.curves.allSatisfy { $0.x == [2, 3] })
    }

    /// Three noisy curves of 100k recorded steps on a log step axis, with bands: drawn with at most
    /// six points per pixel column per edge (the worst case: each column's first, last, and the
    /// extremes of three series), and every extreme still drawn.
    @Test func longCurvesAreThinnedPerPixelColumnKeepingEveryExtreme() throws {
        let count = 100_000
        let x = (1...count).map(Double.init)
        let curves = (0..<3).map { i -> CurveData.Curve in
            var center = x.map { 1 / (1 + 0.001 * $0) + 0.01 * Double(i) + 0.001 * sin($0) }
            center[40_000 + 7 * i] = 2.5 + Double(i)  // one spike each
            let lower = center.map { $0 * 0.8 }
            var upper = center.map { $0 * 1.25 }
            upper[90_000 + i] = 9 + Double(i)
            return CurveData.Curve(label: "c\(i)", x: x, center: center, lower: lower, upper: upper)
        }
        let data = CurveData(
            title: "long", curves: curves, x: AxisSpec("step", scale: .log), y: AxisSpec("error", scale: .log))
        let figure = data.figure()
        let svg = figure.svg()
        #expect(svg.utf8.count < 200_000, "\(svg.utf8.count) bytes")
        let layout = figure.layout()
        let xml = try ParsedXML(svg)
        func coordinates(_ node: XMLNodeInfo) -> [[Double]] {
            (node.attributes["points"] ?? "").split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
        }
        let lines = xml.elements("polyline").map(coordinates)
        let bands = xml.withClass("band").map(coordinates)
        #expect(lines.count == 3 && bands.count == 3)
        let columns = Int(layout.plot.width) + 2
        for (curve, (line, band)) in zip(curves, zip(lines, bands)) {
            #expect(line.count <= 6 * columns && band.count <= 12 * columns, "\(line.count), \(band.count)")
            for (points, values) in [(line, curve.center), (band, curve.lower!), (band, curve.upper!)] {
                for extreme in [values.max()!, values.min()!] {
                    let y = layout.yScale.position(extreme)
                    #expect(points.contains { abs($0[1] - y) < 0.01 }, "\(curve.label): \(extreme) not drawn")
                }
            }
        }
        // Thinning keeps the layout: the same axes as with every point.
        let full = Figure(title: "long", x: data.x, y: data.y, layers: data.layers(curves))
        #expect(full.layout() == layout)
        #expect(full.layers != figure.layers)
    }

    /// Smooth medians of 1,001 recorded steps (every 20th of 20,000) on a log step axis, below
    /// the density at which `Figure` thins a line: drawn at most twice per pixel column where they
    /// crowd, under half the size with every point.
    @Test func smoothCurvesAreDrawnAtTheResolutionOfTheirColumns() throws {
        let x = (0...1000).map { Double($0 * 20) }
        let curves = (0..<3).map { i -> CurveData.Curve in
            let center = x.map { 1 / (1 + 0.001 * Double(i + 1) * $0) }
            return CurveData.Curve(
                label: "depth \(i + 2)", x: x, center: center, lower: center.map { $0 * 0.8 },
                upper: center.map { $0 * 1.25 })
        }
        let data = CurveData(
            title: "smooth", curves: curves, x: AxisSpec("step", scale: .log), y: AxisSpec("error", scale: .log))
        let thinned = data.figure().svg()
        let every = Figure(title: "smooth", x: data.x, y: data.y, layers: data.layers(curves)).svg()
        #expect(thinned.utf8.count * 2 < every.utf8.count, "\(thinned.utf8.count) vs \(every.utf8.count) bytes")
        let lines = try ParsedXML(thinned).elements("polyline").map {
            ($0.attributes["points"] ?? "").split(separator: " ")
        }
        let width = data.figure().layout().plot.width
        #expect(lines.count == 3 && lines.allSatisfy { $0.count <= 2 * (Int(width) + 2) })
    }
}
