import Factorization
import Foundation
import SummaryStore
import Sweeps
import TestSupport
import Testing

/// `dmfsweep export` end to end: tidy rows that match what was stored, constant memory, the
/// docs' pandas example.
@Suite struct ExportCLITests {
    /// A store of `tasks` tasks (depth 2 + i % 3, seed i), 2 ranks, `points`-point trajectories
    /// with step 10k, loss 1/(i + k + 1), erank 1 + k/100 (NaN at k = 1 for task 0); the
    /// last task failed, the one before never ran.
    static func makeStore(_ path: String, tasks count: Int, points: Int) throws {
        let store = try SummaryStore(path: path, create: true)
        var tasks: [SweepTask] = []
        for i in 0..<count {
            var config = SimulationConfig()
            config.depth = 2 + i % 3
            config.seed = UInt64(i)
            config.spectrum = [10, 5]
            let key = TaskKey(hex: String(repeating: "c", count: 56) + String(format: "%08x", i))
            tasks.append(SweepTask(key: key, config: config, canonicalJSON: "{\"i\":\(i)}"))
        }
        try store.registerSweep(name: "grid", spec: "name: grid", tasks: tasks)
        var batch: [CompletedTask] = []
        for i in 0..<(count - 2) {
            let intervals = (1...2).map { r in
                IntervalStat(rank: r, target: Double(r), start: i, end: i + 10 * r, length: 10 * r, middleError: 0.5)
            }
            let trajectory = (0..<points).map { (k: Int) -> TrajectoryPoint in
                let loss: Double = 1 / Double(i + k + 1)
                let erank: Double = i == 0 && k == 1 ? .nan : 1 + Double(k) / 100
                return TrajectoryPoint(step: 10 * k, loss: loss, erank: erank, erankRatio: 1.5)
            }
            var result = SimulationResult(
                status: i % 5 == 4 ? .diverged : .finished, path: .spectral, steps: 10 * (points - 1),
                finalLoss: Double(i), finalErank: 2, targets: [1, 2], intervals: intervals, predicted: [],
                trajectory: trajectory, seconds: 0.25)
            result.ratio = RankIntervals(
                targets: [1, 1.5],
                intervals: (1...2).map { r in
                    IntervalStat(
                        rank: r, target: 0.5 + 0.5 * Double(r), start: i + 1, end: i + 1 + 5 * r, length: 5 * r)
                })
            batch.append(CompletedTask(key: tasks[i].key, result: result))
            if batch.count == 1000 {
                try store.recordResults(batch)
                batch.removeAll()
            }
        }
        try store.recordResults(batch)
        try store.markFailed([TaskFailure(key: tasks[count - 1].key, error: "boom")])
    }

    private func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func everyTableIsTidyAndMatchesTheStore() throws {
        let dir = try TemporaryDirectory(prefix: "cli-export")
        let path = dir.path("e.sqlite")
        try Self.makeStore(path, tasks: 12, points: 4)
        let parameters = SimulationConfig.parameters.map(\.name)

        let results = try runProcess(["export", "--store", path, "--what", "results", "--out", "-"])
        #expect(results.status == 0, "\(results.stderr)")
        let lines = results.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines[0]
                == (["key"] + parameters + [
                    "status", "path_used", "steps_run", "final_loss", "final_erank", "seconds", "best_step",
                    "best_clean_error", "best_inside", "monotone_from", "rank_drops", "monotone_from_ratio",
                    "rank_drops_ratio", "observed_entries", "unobserved_lines", "final_error",
                    "final_unobserved_error", "final_clean_error", "best_error", "best_recovery_step",
                ]).joined(separator: ","))
        #expect(lines.count == 1 + 11)  // 10 results + the failed task; the pending one has no row
        #expect(lines[1].contains("\"10.0,5.0\""))  // the spectrum list is one quoted field
        #expect(lines.last!.hasSuffix(",failed,,,,,,,,,,,,,,,,,,,"))

        let jsonl = try runProcess([
            "export", "--store", path, "--what", "results", "--format", "jsonl", "--out", "-", "--where",
            "depth IN (2, 4) OR seed = 1",
        ])
        let objects = try jsonLines(jsonl.stdout)
        // Tasks 0…9 with a result and the failed task 11: depth 2 (i % 3 = 0) or 4 (i % 3 = 2), or seed 1.
        let chosen = (0..<12).filter { ($0 % 3 != 1 || $0 == 1) && $0 != 10 }
        #expect(objects.map { ($0["seed"] as? NSNumber)?.intValue } == chosen)
        for (object, i) in zip(objects, chosen) {
            if i == 11 {
                #expect(object["status"] as? String == "failed" && object["final_loss"] is NSNull)
                continue
            }
            #expect((object["final_loss"] as? NSNumber)?.doubleValue == Double(i))
            #expect(object["status"] as? String == (i % 5 == 4 ? "diverged" : "finished"))
            #expect((object["spectrum"] as? [NSNumber])?.map(\.doubleValue) == [10, 5])
            #expect(object["best_step"] is NSNull)
            // erank 1 + k/100 rises and erank_ratio is constant: monotone from step 0 under both measures.
            for column in ["monotone_from", "rank_drops", "monotone_from_ratio", "rank_drops_ratio"] {
                #expect((object[column] as? NSNumber)?.intValue == 0, "\(column)")
            }
        }

        let intervals = try jsonLines(
            try runProcess(["export", "--store", path, "--what", "intervals", "--format", "jsonl", "--out", "-"])
                .stdout)
        // Per task: the entropy rows (r = 1, 2), then the ratio rows, told apart by `measure`.
        #expect(intervals.count == 10 * 2 * 2)
        for (n, object) in intervals.enumerated() {
            let i = n / 4
            let ratio = n % 4 >= 2
            let r = n % 2 + 1
            #expect((object["measure"] as? String) == (ratio ? "ratio" : "entropy"))
            #expect((object["r"] as? NSNumber)?.intValue == r && (object["seed"] as? NSNumber)?.intValue == i)
            #expect(
                (object["start"] as? NSNumber)?.intValue == (ratio ? i + 1 : i)
                    && (object["length"] as? NSNumber)?.intValue == (ratio ? 5 : 10) * r)
        }

        // --measure keeps one measure's rows: the same rows as the full export's of that measure.
        for measure in ["entropy", "ratio"] {
            let one = try runProcess([
                "export", "--store", path, "--what", "intervals", "--measure", measure, "--format", "jsonl", "--out",
                "-",
            ])
            #expect(one.status == 0, "\(one.stderr)")
            let rows = try jsonLines(one.stdout)
            #expect(rows.count == 10 * 2)
            #expect(
                rows.map { $0 as NSDictionary }
                    == intervals.filter { $0["measure"] as? String == measure }.map { $0 as NSDictionary })
        }

        let out = dir.path("traj.jsonl")
        let trajectories = try runProcess([
            "export", "--store", path, "--what", "trajectories", "--format", "jsonl", "--out", out, "--sweep", "grid",
        ])
        #expect(trajectories.status == 0 && trajectories.stdout.isEmpty, "\(trajectories.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + ".partial"))
        let points = try jsonLines(try String(contentsOfFile: out, encoding: .utf8))
        #expect(points.count == 10 * 4)
        for (n, object) in points.enumerated() {
            let (i, k) = (n / 4, n % 4)
            #expect((object["seed"] as? NSNumber)?.intValue == i && (object["step"] as? NSNumber)?.intValue == 10 * k)
            // Foundation's JSON reader on Linux may be off in the last bit; the text is shortest round-trip.
            let loss = (object["loss"] as? NSNumber)?.doubleValue ?? 0
            #expect(abs(loss - 1 / Double(i + k + 1)) <= 1e-15 * loss)
            if i == 0 && k == 1 {
                #expect(object["erank"] is NSNull)  // NaN is missing, not a number
            } else {
                #expect((object["erank"] as? NSNumber)?.doubleValue == 1 + Double(k) / 100)
            }
            #expect(object["clean_error"] is NSNull)
        }
    }

    @Test(arguments: [
        (["--what", "results"], "missing --out"),
        (["--out", "-"], "missing --what results|intervals|trajectories"),
        (["--what", "steps", "--out", "-"], "--what: expected one of results|intervals|trajectories, got 'steps'"),
        (["--what", "results", "--out", "-", "--format", "json"], "--format: expected one of csv|jsonl"),
        (["--what", "results", "--out", "-", "--where", "depth IN (2"], "--where 'depth IN (2': missing ')'"),
        (["--what", "results", "--out", "-", "--sweep", "gird"], "no sweep named 'gird'"),
        (["--what", "results", "--out", "/nonexistent/dir/x.csv"], "--out /nonexistent/dir/x.csv: cannot create"),
        (["--what", "results", "--out", "-", "--measure", "ratio"], "--measure applies to --what intervals"),
        (["--what", "intervals", "--out", "-", "--measure", "erank"], "--measure: expected one of entropy|ratio"),
    ])
    func badExportsExitTwoWithOneLine(extra: [String], message: String) throws {
        let dir = try TemporaryDirectory(prefix: "cli-export-bad")
        let path = dir.path("e.sqlite")
        try Self.makeStore(path, tasks: 4, points: 2)
        let out = try runProcess(["export", "--store", path] + extra)
        #expect(out.status == 2)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.split(separator: "\n").count == 1)
        #expect(out.stderr.hasPrefix("dmfsweep: error: " + message), "\(out.stderr)")
    }

    /// Peak memory (max RSS, `/usr/bin/time -f %M`) of exporting every trajectory point of a
    /// 100-task store and of a 10,000-task store (600,000 rows, about 100 MB of CSV): the large
    /// export may use at most 16 MB more than the small one, though it writes 100 times as much.
    @Test func exportMemoryDoesNotGrowWithTheStore() throws {
        let dir = try TemporaryDirectory(prefix: "cli-export-memory")
        func peakKB(_ store: String) throws -> (Int, Int) {
            let command =
                "/usr/bin/time -f %M -o \(dir.path("rss")) \(TestPaths.dmfsweep.path) export --store \(store) "
                + "--what trajectories --out - | wc -c"
            let out = try runProcess(["-c", command], executable: URL(fileURLWithPath: "/bin/sh"), timeout: 600)
            #expect(out.status == 0, "\(out.stderr)")
            let rss = try String(contentsOfFile: dir.path("rss"), encoding: .utf8)
            return (
                Int(rss.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1,
                Int(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            )
        }
        try Self.makeStore(dir.path("small.sqlite"), tasks: 100, points: 60)
        try Self.makeStore(dir.path("large.sqlite"), tasks: 10_000, points: 60)
        let (small, smallBytes) = try peakKB(dir.path("small.sqlite"))
        let (large, largeBytes) = try peakKB(dir.path("large.sqlite"))
        #expect(small > 0 && large > 0)
        #expect(largeBytes > 90 * smallBytes, "output bytes \(smallBytes) vs \(largeBytes)")
        #expect(large - small < 16 * 1024, "max RSS \(small) kB for 100 tasks, \(large) kB for 10,000")
    }

    /// Every export's column names are unique (pandas would rename a repeated one to `name.1`): the
    /// interval's target is `t_r`, since `target` is a parameter.
    @Test(arguments: ExportQuery.Table.allCases) func columnNamesAreUnique(table: ExportQuery.Table) {
        let columns = ExportQuery(table: table).columns
        #expect(Set(columns).count == columns.count, "\(columns)")
    }

    /// pandas reads every table with the right types and no post-processing: numbers as float64 or
    /// int64 (NaN where missing), words and the spectrum list as text, one row per task, rank or step.
    @Test func pandasReadsEveryTableWithNumericColumns() throws {
        let python = try TestPaths.benchmarkPython()
        let dir = try TemporaryDirectory(prefix: "cli-export-pandas")
        let path = dir.path("e.sqlite")
        try Self.makeStore(path, tasks: 12, points: 4)
        for what in ["results", "intervals", "trajectories"] {
            let out = try runProcess(["export", "--store", path, "--what", what, "--out", dir.path(what + ".csv")])
            try #require(out.status == 0, "\(out.stderr)")
        }
        let script = """
            import sys, pandas as pd
            d = sys.argv[1]
            r = pd.read_csv(d + "/results.csv")
            i = pd.read_csv(d + "/intervals.csv")
            t = pd.read_csv(d + "/trajectories.csv")
            assert len(r) == 11 and len(i) == 40 and len(t) == 40, (len(r), len(i), len(t))
            for c in ["final_loss", "seconds", "steps_run", "rank_drops", "alpha", "depth"]:
                assert pd.api.types.is_numeric_dtype(r[c]), (c, r[c].dtype)
            assert r["spectrum"].tolist()[0] == "10.0,5.0" and r["status"].iloc[-1] == "failed"
            assert r["final_loss"].isna().sum() == 1 and r["final_loss"].iloc[3] == 3.0
            assert pd.api.types.is_integer_dtype(i["length"]) and i["r"].tolist()[:4] == [1, 2, 1, 2]
            assert i["measure"].tolist()[:4] == ["entropy", "entropy", "ratio", "ratio"], i["measure"].tolist()[:4]
            assert i[i.measure == "ratio"]["t_r"].tolist()[:2] == [1.0, 1.5], i[["measure", "r", "t_r"]][:4]
            assert pd.api.types.is_float_dtype(t["erank"]) and t["erank"].isna().sum() == 1
            assert t.groupby("seed")["step"].max().eq(30).all()
            print("ok")
            """
        let check = try runProcess(
            ["-c", script, dir.path("")], executable: URL(fileURLWithPath: python), timeout: 300)
        #expect(check.status == 0 && check.stdout == "ok\n", "\(check.stdout)\(check.stderr)")
    }

    /// docs/export.md's example, exactly: run the staircase sweep, export its trajectories, load
    /// them in pandas and plot with matplotlib (the benchmark venv, Benchmarks/python-env.sh). The
    /// printed points and last steps must match the store's own counts.
    @Test func docsExampleRunsInPandas() throws {
        let root = TestPaths.repositoryRoot
        let doc = try String(contentsOf: root.appendingPathComponent("docs/export.md"), encoding: .utf8)
        let script = try String(contentsOf: root.appendingPathComponent("docs/examples/staircase.py"), encoding: .utf8)
        #expect(
            doc.contains("```python\n" + script + "```"), "docs/export.md shows docs/examples/staircase.py verbatim")
        let python = try TestPaths.benchmarkPython()

        let dir = try TemporaryDirectory(prefix: "docs-export")
        let store = dir.path("staircase.sqlite")
        let run = try runProcess([
            "run", root.appendingPathComponent("sweeps/staircase.yaml").path, "--inline", "--store", store,
        ])
        try #require(run.status == 0, "\(run.stderr)")
        let csv = dir.path("trajectories.csv")
        let export = try runProcess(["export", "--store", store, "--what", "trajectories", "--out", csv])
        try #require(export.status == 0, "\(export.stderr)")
        let png = dir.path("staircase.png")
        let plot = try runProcess(
            [root.appendingPathComponent("docs/examples/staircase.py").path, csv, png],
            executable: URL(fileURLWithPath: python), timeout: 300)
        try #require(plot.status == 0, "\(plot.stderr)")
        let header = try Data(contentsOf: URL(fileURLWithPath: png)).prefix(8)
        #expect(header == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))

        // Per depth: points (from the store's trajectories) and last step (the result's steps run).
        let results = try jsonLines(
            try runProcess(["export", "--store", store, "--what", "results", "--format", "jsonl", "--out", "-"]).stdout
        )
        let points = try jsonLines(
            try runProcess(["export", "--store", store, "--what", "trajectories", "--format", "jsonl", "--out", "-"])
                .stdout)
        let printed = plot.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(printed.map { $0[0] } == ["2", "3", "4", "5"])
        for line in printed {
            let depth = Int(line[0])!
            let count = points.filter { ($0["depth"] as? NSNumber)?.intValue == depth }.count
            let steps = results.first { ($0["depth"] as? NSNumber)?.intValue == depth }?["steps_run"] as? NSNumber
            #expect(Int(line[1]) == count && Int(line[2]) == steps?.intValue, "\(line)")
            // The staircase starts at t_1 ≈ 1 (the rank-one plateau) for depths ≥ 3.
            if depth >= 3 { #expect(abs(Double(line[3])! - 1) < 0.1, "\(line)") }
        }
    }
}
