import Factorization
import Foundation
import SummaryStore
import Sweeps
import TestSupport
import Testing

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
        let tableOut = try runProcess(["query", "--store", path, "--group-by", "seed", "--metric", "final_loss"])
        #expect(tableOut.status == 0 && tableOut.stdout.split(separator: "\n").count == 5)
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
        let writer = Process()
        writer.executableURL = TestPaths.productsDirectory.appendingPathComponent("dmfsweep-store-writer")
        writer.arguments = [path, "2000", "50"]
        let pipe = Pipe()
        writer.standardOutput = pipe
        writer.standardError = FileHandle.nullDevice
        try writer.run()
        defer {
            kill(writer.processIdentifier, SIGKILL)
            writer.waitUntilExit()
        }
        // Wait until the writer has committed something, so the store exists and is busy.
        var seen = ""
        while !seen.contains("committed") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        try #require(seen.contains("committed"))
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
}
