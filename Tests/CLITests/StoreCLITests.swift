import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

/// `dmfsweep query` and `dmfsweep sweeps` end to end, on stores built here with known contents.
@Suite struct StoreCLITests {
    /// A store with one sweep "grid": depth 2…4 × seed 0…3; interval length of rank r = 10·depth + seed + r.
    static func makeStore(_ dir: TemporaryDirectory) throws -> String {
        let path = dir.path("cli.sqlite")
        let store = try SummaryStore(path: path, create: true)
        var tasks: [SweepTask] = []
        var done: [CompletedTask] = []
        for depth in 2...4 {
            for seed in 0..<4 {
                var config = SimulationConfig()
                config.depth = depth
                config.seed = UInt64(seed)
                let key = TaskKey(hex: String(repeating: "a", count: 60) + String(format: "%04x", tasks.count))
                tasks.append(SweepTask(key: key, config: config, canonicalJSON: "{}"))
                let intervals = (1...2).map { r in
                    IntervalStat(
                        rank: r, target: Double(r), start: 5, end: 5 + 10 * depth + seed + r,
                        length: 10 * depth + seed + r)
                }
                let result = SimulationResult(
                    status: seed == 3 ? .diverged : .finished, path: .spectral, steps: 100, finalLoss: Double(seed),
                    finalErank: 2, targets: [1, 2], intervals: intervals, predicted: [], trajectory: [],
                    seconds: 0.25)
                done.append(CompletedTask(key: key, result: result))
            }
        }
        try store.registerSweep(name: "grid", spec: "name: grid", tasks: tasks)
        try store.recordResults(Array(done.dropLast()))  // the last task stays pending
        return path
    }

    @Test func aggregateAsJSONMatchesTheKnownValues() throws {
        let dir = try TemporaryDirectory(prefix: "cli-query")
        let path = try Self.makeStore(dir)
        let out = try runProcess([
            "query", "--store", path, "--sweep", "grid", "--group-by", "depth", "--metric", "interval.length",
            "--rank", "2", "--where", "seed<=2", "--format", "json",
        ])
        #expect(out.status == 0, "\(out.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { ($0["depth"] as? NSNumber)?.intValue } == [2, 3, 4])
        for row in rows {
            let depth = Double((row["depth"] as? NSNumber)?.intValue ?? 0)
            // seeds 0, 1, 2 → lengths 10·depth + 2 + {0, 1, 2}: mean 10·depth + 3, std 1.
            #expect((row["count"] as? NSNumber)?.intValue == 3)
            #expect(abs(((row["mean"] as? NSNumber)?.doubleValue ?? 0) - (10 * depth + 3)) < 1e-12)
            #expect(abs(((row["std"] as? NSNumber)?.doubleValue ?? 0) - 1) < 1e-12)
            // t(0.975, 2) = 4.3027 from tables: half width 4.3027/√3.
            let high = (row["ci95_high"] as? NSNumber)?.doubleValue ?? 0
            #expect(abs(high - (10 * depth + 3) - 4.302653 / 3.0.squareRoot()) < 1e-5)
        }
    }

    @Test func statusFractionTableAndRawCSV() throws {
        let dir = try TemporaryDirectory(prefix: "cli-query")
        let path = try Self.makeStore(dir)
        let table = try runProcess(["query", "--store", path, "--metric", "status.diverged", "--format", "csv"])
        #expect(table.status == 0)
        let line = table.stdout.split(separator: "\n").map(String.init)
        #expect(line.first == "count,mean,std,min,max,ci95_low,ci95_high")
        // 11 outcomes (the last task is pending), of which seeds 3 at depths 2 and 3 diverged.
        #expect(line.count == 2 && line[1].hasPrefix("11,\(2.0 / 11.0),"))
        let raw = try runProcess(["query", "--store", path, "--raw", "--rank", "1", "--where", "depth=4"])
        #expect(raw.status == 0, "\(raw.stderr)")
        let lines = raw.stdout.split(separator: "\n")
        #expect(lines.count == 1 + 3)
        #expect(lines[0].hasPrefix("key,problem,n,depth,") && lines[0].hasSuffix("r1_predicted_end"))
        let json = try runProcess(
            ["query", "--store", path, "--raw", "--rank", "1", "--where", "depth=4", "--format", "json"])
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(objects.count == 3)
        for object in objects {
            let spectrum = object["spectrum"] as? [Any] ?? []
            #expect(
                !spectrum.isEmpty && spectrum.allSatisfy { $0 is NSNumber }, "spectrum: \(object["spectrum"] ?? "-")")
        }
        let tableOut = try runProcess(["query", "--store", path, "--group-by", "seed", "--metric", "final_loss"])
        #expect(tableOut.status == 0 && tableOut.stdout.split(separator: "\n").count == 5)
    }

    /// Several metrics, percentiles, a pivot, a sort and a limit, end to end, against values known
    /// from `makeStore` (lengths 10·depth + seed + r; seed 3 of depth 4 is pending).
    @Test func pivotsPercentilesSortAndLimit() throws {
        let dir = try TemporaryDirectory(prefix: "cli-query")
        let path = try Self.makeStore(dir)
        let several = try runProcess([
            "query", "--store", path, "--group-by", "depth", "--metric", "interval.length,final_loss", "--rank", "1",
            "--stats", "count,median,p90", "--where", "seed IN (0, 1, 3) OR depth=2", "--format", "csv",
        ])
        #expect(several.status == 0, "\(several.stderr)")
        // depth 2: seeds 0…3 → lengths 21…24 (median 22.5, p90 23.7), losses 0…3 (1.5, 2.7);
        // depth 3: seeds 0, 1, 3 → 31, 32, 34 (32, 33.6), losses 0, 1, 3 (1, 2.6);
        // depth 4: seeds 0, 1 (3 is pending) → 41, 42 (41.5, 41.9), losses 0, 1 (0.5, 0.9).
        #expect(
            several.stdout.split(separator: "\n") == [
                "depth,interval.length.count,interval.length.median,interval.length.p90,final_loss.count,"
                    + "final_loss.median,final_loss.p90",
                "2,4,22.5,23.7,4,1.5,2.7", "3,3,32.0,33.6,3,1.0,2.6", "4,2,41.5,41.9,2,0.5,0.9",
            ])
        let pivot = try runProcess([
            "query", "--store", path, "--group-by", "seed", "--pivot", "depth", "--metric", "interval.length",
            "--rank", "2", "--stats", "max", "--sort", "depth=2:desc", "--limit", "3", "--format", "csv",
        ])
        #expect(pivot.status == 0, "\(pivot.stderr)")
        #expect(
            pivot.stdout.split(separator: "\n", omittingEmptySubsequences: false) == [
                "seed,depth=2,depth=3,depth=4", "3,25.0,35.0,", "2,24.0,34.0,44.0", "1,23.0,33.0,43.0", "",
            ])
    }

    @Test func sweepsListsProgress() throws {
        let dir = try TemporaryDirectory(prefix: "cli-sweeps")
        let path = try Self.makeStore(dir)
        let out = try runProcess(["sweeps", "--store", path, "--format", "csv"])
        #expect(out.status == 0)
        let lines = out.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[1].hasPrefix("grid,12,11,0,1,0,\(11.0 / 12.0),"))
        let table = try runProcess(["sweeps", "--store", path])
        #expect(table.stdout.contains("91.7%"))
    }

    @Test(arguments: [
        (
            ["--metric", "interval.lenght", "--rank", "1"],
            "unknown metric 'interval.lenght' (did you mean 'interval.length'?)"
        ),
        (["--metric", "interval.length"], "metric interval.length is per rank: give --rank R (or --group-by r)"),
        (
            ["--metric", "steps", "--group-by", "detph"],
            "--group-by: unknown parameter 'detph' (did you mean 'depth'?)"
        ),
        (["--metric", "steps", "--where", "depth>>3"], "--where 'depth>>3': unknown operator '>>'"),
        (["--metric", "steps", "--where", "depth>=x"], "--where: depth takes an integer, got 'x'"),
        (["--metric", "steps", "--sweep", "gird"], "no sweep named 'gird' in the store (did you mean 'grid'?)"),
        (["--metric", "steps", "--format", "xml"], "--format: expected one of table|csv|json, got 'xml'"),
        (["--raw", "--metric", "steps"], "--raw prints every metric for every task"),
        ([], "missing --metric M (or --raw)"),
        (["--metric", "steps", "--stats", "mean,p200"], "--stats: unknown statistic 'p200'"),
        (["--metric", "steps", "--stats", "mean", "--sort", "median"], "--sort: no output column 'median'"),
        (["--metric", "steps", "--pivot", "depth"], "--pivot shows one metric and one statistic"),
        (["--metric", "steps", "--limit", "0"], "--limit"),
        (["--metric", "steps", "--where", "depth IN (2,"], "--where 'depth IN (2,': missing ')' after IN ("),
        (
            ["--metric", "steps", "--stats", "max", "--pivot", "depth", "--sort", "depth=7"],
            "--sort: no output column 'depth=7'"
        ),
        (["--metric", "monotone", "--measure", "nuclear"], "--measure: expected one of entropy|ratio, got 'nuclear'"),
    ])
    func badQueriesExitTwoWithOneLine(extra: [String], message: String) throws {
        let dir = try TemporaryDirectory(prefix: "cli-bad")
        let path = try Self.makeStore(dir)
        let out = try runProcess(["query", "--store", path] + extra)
        #expect(out.status == 2)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.split(separator: "\n").count == 1)
        #expect(out.stderr.hasPrefix("dmfsweep: error: " + message), "\(out.stderr)")
    }

    /// Commands, flags and metrics share one "did you mean" (Sweeps' `Suggestion`): case-insensitive,
    /// so a word in the wrong case is still recognised.
    @Test func didYouMeanIsCaseInsensitiveEverywhere() throws {
        let command = try runProcess(["QUERY"])
        #expect(command.status == 2 && command.stderr.contains("unknown command 'QUERY' (did you mean 'query'?)"))
        let metric = try runProcess(["query", "--store", "/nonexistent.sqlite", "--metric", "FINAL_LOSS"])
        #expect(metric.status == 2 && metric.stderr.contains("(did you mean 'final_loss'?)"), "\(metric.stderr)")
    }

    @Test func missingStoreExitsTwoAndCreatesNothing() throws {
        let dir = try TemporaryDirectory(prefix: "cli-missing")
        let path = dir.path("absent.sqlite")
        for command in [["query", "--store", path, "--metric", "steps"], ["sweeps", "--store", path]] {
            let out = try runProcess(command)
            #expect(out.status == 2)
            #expect(
                out.stderr == "dmfsweep: error: no summary store at '\(path)' "
                    + "(create one with 'dmfsweep run SWEEP.yaml --inline --store \(path)')\n")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).isEmpty)
    }

    /// A directory, or a file in a missing directory, is a usage error naming the problem (SQLite
    /// alone says "disk I/O error" / "unable to open"), for every command that opens a store.
    @Test func storeThatIsADirectoryOrInAMissingDirectoryExitsTwo() throws {
        let dir = try TemporaryDirectory(prefix: "cli-store-dir")
        let sweep = dir.path("demo.yaml")
        try PlanRunCLITests.sweep.write(toFile: sweep, atomically: true, encoding: .utf8)
        let absent = dir.path("absent")
        let cases = [
            (dir.url.path, "'\(dir.url.path)' is not a dmfsweep summary store: it is a directory"),
            (
                absent + "/s.sqlite",
                "cannot use '\(absent)/s.sqlite' as a summary store: directory '\(absent)' does not exist"
            ),
        ]
        for (store, message) in cases {
            for command in [
                ["query", "--store", store, "--metric", "steps"], ["sweeps", "--store", store],
                ["status", "--store", store], ["plan", sweep, "--store", store],
                ["run", sweep, "--inline", "--store", store], ["run", sweep, "--workers", "1", "--store", store],
            ] {
                let out = try runProcess(command, timeout: 30)
                #expect(out.status == 2, "\(command): \(out.stderr)")
                #expect(out.stderr == "dmfsweep: error: \(message)\n", "\(command)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: absent))
    }

    @Test func otherSchemaVersionExitsOneNamingBothVersions() throws {
        let dir = try TemporaryDirectory(prefix: "cli-version")
        let path = try Self.makeStore(dir)
        try SummaryStore(path: path).connection.execute("PRAGMA user_version = 7")
        let out = try runProcess(["sweeps", "--store", path])
        #expect(out.status == 1)
        #expect(out.stderr.contains("schema version 7, this dmfsweep reads version \(SummaryStore.schemaVersion)"))
    }

    @Test func queriesWorkWhileAnotherProcessWrites() throws {
        let dir = try TemporaryDirectory(prefix: "cli-concurrent")
        let path = dir.path("busy.sqlite")
        let writer = try ChildProcess(
            [path, "2000", "50"],
            executable: TestPaths.productsDirectory.appendingPathComponent("dmfsweep-store-writer"))
        // Wait until the writer has committed something, so the store exists and is busy.
        try #require(writer.waitForOutput(timeout: 60) { $0.contains("committed") })
        var counts: [Int] = []
        for _ in 0..<4 {
            let out = try runProcess(
                [
                    "query", "--store", path, "--sweep", "crash", "--metric", "interval.length", "--rank", "1",
                    "--format", "csv",
                ])
            #expect(out.status == 0, "\(out.stderr)")
            let fields = out.stdout.split(separator: "\n").last?.split(separator: ",") ?? []
            counts.append(Int(fields.first ?? "") ?? -1)
        }
        // Every snapshot holds whole batches of 50 (or every task once a round is complete).
        #expect(counts.allSatisfy { $0 > 0 && ($0 % 50 == 0 || $0 == 2000) }, "\(counts)")
        #expect(counts == counts.sorted())
    }
}

/// `dmfsweep plan` and `dmfsweep run --inline` end to end.
@Suite struct PlanRunCLITests {
    static let sweep = """
        name: demo
        method: grid
        parameters:
          depth: {values: [2, 3, 4]}
          alpha: {values: [0.01, 0.1]}
          seed: {values: [0, 1, 2]}
          steps: {value: 400}
          record_every: {value: 20}
        """

    private func write(_ text: String, in dir: TemporaryDirectory, as name: String = "demo.yaml") throws -> String {
        let path = dir.path(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: [["run", "--inline"], ["plan"]])
    func invalidSweepIsReportedAndTouchesNoStore(command: [String]) throws {
        let dir = try TemporaryDirectory(prefix: "cli-invalid")
        let sweep = try write(Self.sweep.replacingOccurrences(of: "  seed:", with: "  sed:"), in: dir)
        let store = dir.path("never.sqlite")
        let out = try runProcess([command[0], sweep] + command.dropFirst() + ["--store", store])
        #expect(out.status == 2)
        #expect(out.stderr.hasPrefix("dmfsweep: error: \(sweep):6:3: unknown parameter 'sed'"), "\(out.stderr)")
        #expect(out.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: store))
    }

    @Test func planCountsWhatTheStoreHasWithoutWriting() throws {
        let dir = try TemporaryDirectory(prefix: "cli-plan")
        let sweep = try write(Self.sweep, in: dir)
        let tasks = try SweepFile.load(path: sweep).expand()
        #expect(tasks.count == 18)
        let storePath = dir.path("s.sqlite")
        do {
            let store = try SummaryStore(path: storePath, create: true)
            try store.registerSweep(name: "demo", spec: "", tasks: tasks)
            let result = SimulationResult(
                status: .finished, path: .spectral, steps: 400, finalLoss: 0, finalErank: 1, targets: [], intervals: [],
                predicted: [], trajectory: [], seconds: 0)
            try store.recordResults([0, 4, 5, 11, 17].map { CompletedTask(key: tasks[$0].key, result: result) })
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: storePath))
        let out = try runProcess(["plan", sweep, "--store", storePath, "--show", "3"])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "sweep demo (grid, \(sweep)): 18 task(s)")
        #expect(lines.contains("varying: depth, alpha, seed"))
        #expect(lines.contains("#  key           depth  alpha  seed"))
        #expect(lines.contains("1  \(tasks[0].key.short)  2      0.01   0"))
        #expect(lines.contains("… 15 more"))
        #expect(lines.contains("store \(storePath): 5 of 18 already done, 13 to run"))
        #expect(lines.last?.hasPrefix("cost: ") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: storePath)) == before)
        let missing = try runProcess(["plan", sweep, "--store", dir.path("absent.sqlite")])
        #expect(missing.stdout.contains("does not exist yet: all 18 to run"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("absent.sqlite")))
    }

    /// The full path's flop model: 3(N−1) products of 2n³ flops per step (not 4N), and --measure
    /// scales by the steps a probe actually ran.
    @Test func planCostCountsTheFullPathProductsAndMeasuresStepsRun() throws {
        let dir = try TemporaryDirectory(prefix: "cli-cost")
        let base = """
            name: cost
            method: grid
            parameters:
              path: {value: full}
              problem: {value: estimation}
              n: {value: 10}
              depth: {value: 3}
              record_every: {value: 1000}
            """
        let sweep = try write(base + "\n  steps: {value: 1000}\n", in: dir)
        let out = try runProcess(["plan", sweep])
        // 1000 steps × (3·2 products × 2·10³ flops + estimation gradient 2·10²) + 3 records × 10·10³.
        let perStep: Int = 6 * 2 * 1000 + 2 * 100
        let expected: Int = 1000 * perStep + 3 * 10 * 1000
        #expect(expected == 12_230_000)
        #expect(out.stdout.split(separator: "\n").last?.hasPrefix("cost: 1.2e+07 flops") == true, "\(out.stdout)")
        // A run that diverges at once: the calibration counts its few steps, not the 2000 planned.
        let diverging = try write(base + "\n  steps: {value: 5000}\n  eta: {value: 50}\n", in: dir, as: "boom.yaml")
        let measured = try runProcess(["plan", diverging, "--measure"])
        let line = try #require(measured.stdout.split(separator: "\n").last.map(String.init))
        let steps = line.components(separatedBy: ": ").last?.split(separator: " ").first.flatMap { Int($0) }
        #expect(line.contains("calibrated on task"), "\(line)")
        #expect(steps.map { $0 >= 1 && $0 < 100 } == true, "\(line)")
    }
}

/// `dmfsweep run --inline` with the real numerical core.
@Suite struct InlineRunCLITests {
    /// 30 full-path tasks of about 0.1 s each (debug build): a signal after the first few commits
    /// arrives with over a second of work left.
    static let slowSweep = """
        name: slow
        method: grid
        parameters:
          path: {value: full}
          n: {value: 20}
          spectrum: {value: [10, 5, 2, 1]}
          steps: {value: 20000}
          record_every: {value: 50}
          depth: {values: [2, 3]}
          seed: {values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]}
        """

    private func write(_ text: String, in dir: TemporaryDirectory, as name: String) throws -> String {
        let path = dir.path(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func runsOnlyWhatIsMissing() throws {
        let dir = try TemporaryDirectory(prefix: "cli-inline")
        let sweep = try write(PlanRunCLITests.sweep, in: dir, as: "demo.yaml")
        let store = dir.path("s.sqlite")
        let first = try runProcess(["run", sweep, "--inline", "--store", store, "--batch", "5"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("sweep demo: 18 task(s), 18 new, 0 already done; running 18 inline"))
        #expect(first.stdout.contains("sweep demo: 18/18 done, 0 failed"))
        #expect(first.stdout.split(separator: "\n").filter { $0.hasPrefix("[") }.count == 4)  // 5+5+5+3
        let again = try runProcess(["run", sweep, "--inline", "--store", store])
        #expect(again.status == 0)
        #expect(again.stdout.contains("18 already done; running 0 inline"))
        // One more seed: only its 6 tasks run.
        let grown = try write(
            PlanRunCLITests.sweep.replacingOccurrences(of: "values: [0, 1, 2]}", with: "values: [0, 1, 2, 3]}"),
            in: dir,
            as: "grown.yaml")
        let third = try runProcess(["run", grown, "--inline", "--store", store])
        #expect(
            third.stdout.contains("sweep demo: 24 task(s), 6 new, 18 already done; running 6 inline"), "\(third.stdout)"
        )
        let s = try SummaryStore(path: store, readOnly: true)
        #expect(try s.statusCounts(sweep: "demo") == StatusCounts(done: 24))
        #expect(try s.integrityCheck() == ["ok"])
    }

    /// Another sweep under a stored sweep's name is refused (exit 2, store unchanged) unless
    /// --replace-sweep, which says what it dropped.
    @Test func anotherSweepUnderTheSameNameNeedsReplaceSweep() throws {
        let dir = try TemporaryDirectory(prefix: "cli-rename")
        let store = dir.path("s.sqlite")
        let first = try runProcess([
            "run", try write(PlanRunCLITests.sweep, in: dir, as: "demo.yaml"), "--inline", "--quiet", "--store", store,
        ])
        #expect(first.status == 0, "\(first.stderr)")
        let other = try write(
            PlanRunCLITests.sweep.replacingOccurrences(of: "depth: {values: [2, 3, 4]}", with: "depth: {values: [5]}"),
            in: dir, as: "other.yaml")
        let refusal =
            "dmfsweep: error: sweep 'demo' is already in the store with 18 task(s) "
            + "this sweep file does not have (it has 6)"
        for command in [["run", other, "--inline"], ["run", other, "--workers", "1"]] {
            let refused = try runProcess(command + ["--store", store], timeout: 60)
            #expect(refused.status == 2, "\(command) \(refused.stderr)")
            #expect(refused.stderr.hasPrefix(refusal), "\(refused.stderr)")
        }
        #expect(try SummaryStore(path: store).statusCounts(sweep: "demo") == StatusCounts(done: 18))
        let replaced = try runProcess(["run", other, "--inline", "--quiet", "--store", store, "--replace-sweep"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(replaced.stdout.contains("18 earlier task(s) are no longer part of it"))
        #expect(try SummaryStore(path: store).statusCounts(sweep: "demo") == StatusCounts(done: 6))
        #expect(try SummaryStore(path: store).statusCounts() == StatusCounts(done: 24))
    }

    /// Starts `dmfsweep run --inline` on the slow sweep (from a parent with default signal state,
    /// as a shell gives), waits for `lines` progress lines, sends `signal`, and returns how the
    /// child ended, its output and the number of results it reported committed.
    private func interrupted(
        _ dir: TemporaryDirectory, signal: Int32, lines: Int
    ) throws -> (end: ChildProcess.Termination?, stdout: String, stderr: String, committed: Int) {
        let sweep = try write(Self.slowSweep, in: dir, as: "slow.yaml")
        let child = try ChildProcess(["run", sweep, "--inline", "--store", dir.path("s.sqlite"), "--batch", "1"])
        _ = child.waitForOutput(timeout: 120) { $0.split(separator: "\n").filter { $0.hasPrefix("[") }.count >= lines }
        child.send(signal: signal)
        let end = child.wait(timeout: 120)
        let text = child.stdout
        let committed = text.split(separator: "\n").filter { $0.hasPrefix("[") && $0.contains("]") }.count
        return (end, text, child.stderr, committed)
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func stopSignalEndsAfterTheCurrentTaskAndResumes(signal: Int32) throws {
        let dir = try TemporaryDirectory(prefix: "cli-stop")
        let run = try interrupted(dir, signal: signal, lines: 3)
        #expect(run.end == .init(status: 128 + signal, signaled: false), "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.contains("stopping after the current task"))
        #expect(run.stdout.contains("interrupted; run the same command again to resume"))
        let store = try SummaryStore(path: dir.path("s.sqlite"))
        let done = try store.statusCounts(sweep: "slow").done
        // Everything reported is there, and the task running at the signal was finished and committed.
        #expect(done >= run.committed && done >= 3 && done < 30, "done \(done), reported \(run.committed)")
        let resume = try runProcess(["run", dir.path("slow.yaml"), "--inline", "--store", dir.path("s.sqlite")])
        #expect(resume.status == 0)
        #expect(resume.stdout.contains("\(done) already done; running \(30 - done) inline"), "\(resume.stdout)")
        #expect(try store.statusCounts(sweep: "slow") == StatusCounts(done: 30))
    }

    @Test func sigkillLosesNothingCommitted() throws {
        let dir = try TemporaryDirectory(prefix: "cli-sigkill")
        let run = try interrupted(dir, signal: SIGKILL, lines: 4)
        #expect(run.end == .init(status: SIGKILL, signaled: true))
        let store = try SummaryStore(path: dir.path("s.sqlite"))
        #expect(try store.integrityCheck() == ["ok"])
        let done = try store.statusCounts(sweep: "slow").done
        #expect(done >= run.committed && done >= 4)
        #expect(try store.connection.scalarInt("SELECT count(*) FROM results") == done)
        let resume = try runProcess(["run", dir.path("slow.yaml"), "--inline", "--store", dir.path("s.sqlite")])
        #expect(resume.status == 0)
        #expect(try store.statusCounts(sweep: "slow") == StatusCounts(done: 30))
    }
}
