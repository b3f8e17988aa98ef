import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

/// Both effective-rank measures end to end (README, "Definitions"): `simulate`'s ratio targets and
/// intervals against numpy, and `query`, `plot`, `report` under `--measure`.
@Suite struct MeasureCLITests {
    /// Runs of `simulate` whose ratio measure numpy recomputes: spectral, full (Gaussian init),
    /// rectangular completion, noisy.
    static let simulateCases: [[String]] = [
        [
            "--n", "6", "--spectrum", "10,5,2,1", "--depth", "3", "--alpha", "0.05", "--eta", "0.02", "--steps",
            "3000", "--record-every", "10",
        ],
        [
            "--n", "5", "--spectrum", "4,2,1", "--depth", "4", "--init", "gaussian", "--alpha", "0.3", "--eta",
            "0.02", "--steps", "2000", "--record-every", "10", "--path", "full", "--seed", "3",
        ],
        [
            "--n", "5", "--rows", "4", "--symmetric", "false", "--problem", "completion", "--observed", "0.8",
            "--spectrum", "3,1", "--depth", "3", "--alpha", "0.3", "--eta", "0.05", "--steps", "2000",
            "--record-every", "10", "--seed", "2",
        ],
        [
            "--n", "6", "--spectrum", "5,2,1", "--noise", "0.05", "--depth", "3", "--alpha", "0.1", "--eta", "0.02",
            "--steps", "3000", "--record-every", "10", "--tolerance", "0.2",
        ],
    ]

    @Test func ratioTargetsAndIntervalsMatchNumpy() throws {
        let python = try InstanceCrossCheckTests.python()
        let check = try runProcess(["-c", "import numpy"], executable: python)
        try #require(check.status == 0, "\(python.path) cannot import numpy: \(check.stderr)")
        let tmp = try TemporaryDirectory(prefix: "ratio-numpy")
        var specs: [[String: Any]] = []
        var swift: [[String: Any]] = []
        for (i, flags) in Self.simulateCases.enumerated() {
            let dir = tmp.path("case\(i)")
            let out = try runProcess(["simulate", "--format", "json", "--save-instance", dir] + flags)
            try #require(out.status == 0, "\(flags): \(out.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
            let trajectory = try #require(object["trajectory"] as? [[String: Any]])
            swift.append(try #require(object["ratio"] as? [String: Any]))
            let tolerance = flags.firstIndex(of: "--tolerance").map { Double(flags[$0 + 1])! } ?? 0.1
            specs.append([
                "dir": dir, "tolerance": tolerance, "steps": trajectory.map { ($0["step"] as! NSNumber).intValue },
                "ratio": trajectory.map { ($0["erank_ratio"] as! NSNumber).doubleValue },
            ])
        }
        let casesFile = tmp.path("cases.json")
        try JSONSerialization.data(withJSONObject: specs).write(to: URL(fileURLWithPath: casesFile))
        let script = TestPaths.repositoryRoot.appendingPathComponent("Tests/Scripts/ratio_intervals.py").path
        let ref = try runProcess([script, casesFile], executable: python)
        try #require(ref.status == 0, "numpy reference failed: \(ref.stderr)")
        let numpy = try #require(try JSONSerialization.jsonObject(with: Data(ref.stdout.utf8)) as? [[String: Any]])
        #expect(numpy.count == swift.count)
        var nonEmpty = 0
        for (i, (mine, theirs)) in zip(swift, numpy).enumerated() {
            let a = try #require(mine["targets"] as? [NSNumber]).map(\.doubleValue)
            let b = try #require(theirs["targets"] as? [NSNumber]).map(\.doubleValue)
            #expect(a.count == b.count, "case \(i)")
            for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-10 * y, "case \(i): \(a) vs \(b)") }
            let ivA = try #require(mine["intervals"] as? [[String: Any]])
            let ivB = try #require(theirs["intervals"] as? [[String: Any]])
            #expect(ivA.count == ivB.count)
            for (p, q) in zip(ivA, ivB) {
                for field in ["rank", "start", "end", "length"] {
                    #expect(
                        (p[field] as? NSNumber)?.intValue == (q[field] as? NSNumber)?.intValue,
                        "case \(i) \(field): \(p) vs \(q)")
                }
                if p["start"] is NSNumber { nonEmpty += 1 }
            }
        }
        #expect(nonEmpty >= 6)
        // The table shows both measures' intervals.
        let table = try runProcess(["simulate", "--format", "table"] + Self.simulateCases[0])
        #expect(
            table.stdout.contains("intervals, entropy measure") && table.stdout.contains("intervals, ratio measure"))
    }

    /// A store of real runs (spectrum 10, 5, 2, 1: t₂ = 1.89 under entropy, 1.50 under ratio), three
    /// depths × two seeds, with trajectories.
    static func makeStore(_ dir: TemporaryDirectory) throws -> String {
        let path = dir.path("measure.sqlite")
        let store = try SummaryStore(path: path, create: true)
        var tasks: [SweepTask] = []
        var done: [CompletedTask] = []
        for depth in 2...4 {
            for seed in 0..<2 {
                var config = SimulationConfig()
                config.n = 6
                config.spectrum = [10, 5, 2, 1]
                config.depth = depth
                config.alpha = depth == 2 ? 0.05 : 0.1
                config.eta = 0.02
                config.steps = 3000
                config.recordEvery = 10
                config.initKind = seed == 0 ? .identity : .orthogonal
                config.seed = UInt64(seed)
                let key = TaskKey(hex: String(repeating: "b", count: 60) + String(format: "%04x", tasks.count))
                tasks.append(SweepTask(key: key, config: config, canonicalJSON: "{}"))
                done.append(CompletedTask(key: key, result: try Simulation.run(config)))
            }
        }
        try store.registerSweep(name: "m", spec: "name: m", tasks: tasks)
        try store.recordResults(done)
        return path
    }

    static func sqlite3(_ path: String, _ sql: String) throws -> [String] {
        try ReleaseFixtureTestsShell.sqlite3(path, sql)
    }

    /// `--measure ratio` changes interval metrics, the raw rows and their targets; the numbers are
    /// the store's ratio rows as the sqlite3 shell averages them.
    @Test func queryMeasureSelectsTheIntervals() throws {
        let dir = try TemporaryDirectory(prefix: "measure-query")
        let path = try Self.makeStore(dir)
        func query(_ extra: [String]) throws -> [String] {
            let out = try runProcess(
                [
                    "query", "--store", path, "--group-by", "depth", "--metric", "interval.start,interval.target",
                    "--stats", "mean", "--rank", "2", "--format", "csv",
                ] + extra)
            #expect(out.status == 0, "\(out.stderr)")
            return out.stdout.split(separator: "\n").map(String.init)
        }
        let entropy = try query([])
        #expect(try query(["--measure", "entropy"]) == entropy)
        let ratio = try query(["--measure", "ratio"])
        #expect(ratio != entropy)
        for (m, lines) in [("entropy", entropy), ("ratio", ratio)] {
            let expected = try Self.sqlite3(
                path,
                """
                SELECT t.p_depth, avg(i.start), avg(i.target) FROM intervals i JOIN tasks t ON t.id = i.task_id
                WHERE i.measure = '\(m)' AND i.rank = 2 GROUP BY t.p_depth ORDER BY t.p_depth
                """)
            #expect(lines.count == expected.count + 1, "\(m): \(lines)")
            for (line, row) in zip(lines.dropFirst(), expected) {
                // An empty field (no run found the interval) on both sides, else the same number.
                let a = line.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
                let b = row.split(separator: "|", omittingEmptySubsequences: false).map { Double($0) }
                #expect(a.count == 3 && b.count == 3, "\(line) / \(row)")
                for (x, y) in zip(a, b) {
                    #expect((x == nil) == (y == nil), "\(m): \(line) vs \(row)")
                    if let x, let y { #expect(abs(x - y) <= 1e-9 * max(1, abs(y)), "\(m): \(line) vs \(row)") }
                }
            }
        }
        #expect(ratio.dropFirst().allSatisfy { $0.hasSuffix(",1.5") })
        let raw = try runProcess(
            ["query", "--store", path, "--raw", "--rank", "2", "--measure", "ratio", "--format", "json"])
        #expect(raw.status == 0, "\(raw.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(raw.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 6 && rows.allSatisfy { ($0["r2_target"] as? NSNumber)?.doubleValue == 1.5 })
        // A result an upgrade could not give the ratio measure: ratio answers say they leave it out.
        _ = try Self.sqlite3(
            path,
            "UPDATE results SET ratio_targets = NULL, ratio_missing = 'test reason' WHERE task_id = 1; "
                + "DELETE FROM intervals WHERE task_id = 1 AND measure = 'ratio'; SELECT 1")
        let noted = try runProcess(
            ["query", "--store", path, "--metric", "interval.length", "--rank", "2", "--measure", "ratio"])
        #expect(noted.status == 0 && noted.stderr.contains("note: 1 result(s) have no ratio-measure intervals"))
        #expect(noted.stderr.contains("(test reason)"), "\(noted.stderr)")
        let quiet = try runProcess(["query", "--store", path, "--metric", "interval.length", "--rank", "2"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        let bad = try runProcess([
            "query", "--store", path, "--metric", "interval.length", "--rank", "2", "--measure", "nuclear",
        ])
        #expect(bad.status == 2 && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
    }

    /// `plot` and `report` draw the chosen measure's curves, targets and intervals; the first
    /// release's `--measure erank_ratio|loss` still work.
    @Test func plotAndReportDrawTheChosenMeasure() throws {
        let dir = try TemporaryDirectory(prefix: "measure-plot")
        let path = try Self.makeStore(dir)
        func plot(_ extra: [String]) throws -> String {
            let out = try runProcess(["plot", "--store", path, "--kind", "staircase", "--out", "-"] + extra)
            #expect(out.status == 0, "\(extra): \(out.stderr)")
            return out.stdout
        }
        let entropy = try plot([])
        let ratio = try plot(["--measure", "ratio"])
        #expect(entropy.contains("t₂ = 1.89") && !entropy.contains("t₂ = 1.50"))
        #expect(ratio.contains("t₂ = 1.50") && !ratio.contains("t₂ = 1.89"))
        #expect(try plot(["--measure", "erank_ratio"]) == ratio)
        #expect(try plot(["--measure", "erank"]) == entropy)
        let loss = try plot(["--quantity", "loss"])
        #expect(try plot(["--measure", "loss"]) == loss && !loss.contains("t₂ ="))
        let conflict = try runProcess(
            [
                "plot", "--store", path, "--kind", "staircase", "--out", "-", "--measure", "loss", "--quantity",
                "effective_rank",
            ])
        #expect(conflict.status == 2 && conflict.stderr.contains("--quantity"), "\(conflict.stderr)")
        // The heatmap's interval lengths follow the measure too.
        let heat = { (m: String) throws -> String in
            try runProcess(["plot", "--store", path, "--kind", "heatmap", "--out", "-", "--measure", m]).stdout
        }
        #expect(try heat("ratio") != heat("entropy"))

        let report = try runProcess(["report", "--store", path, "--out", "-", "--measure", "ratio"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("t₂ = 1.50") && report.stdout.contains("ratio effective rank"))
        let plain = try runProcess(["report", "--store", path, "--out", "-"])
        #expect(plain.stdout.contains("t₂ = 1.89") && !plain.stdout.contains("t₂ = 1.50"))
    }
}

/// The `sqlite3` shell as an independent reader.
enum ReleaseFixtureTestsShell {
    static func sqlite3(_ path: String, _ sql: String) throws -> [String] {
        let out = try runProcess([path, sql], executable: URL(fileURLWithPath: "/usr/bin/sqlite3"))
        try #require(out.status == 0, "sqlite3: \(out.stderr)")
        return out.stdout.split(separator: "\n").map(String.init)
    }
}
