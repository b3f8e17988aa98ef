import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

/// Both effective-rank measures in the store (README, "Definitions"): results of real runs keep
/// their entropy and ratio targets and intervals on both engines and are queried by measure; a
/// version-3 store (and the release-0.1 fixture) is upgraded with ratio intervals equal to those a
/// fresh run computes; a result whose ground truth cannot be recomputed keeps NULL and a reason.
@Suite struct MeasureStoreTests {
    /// Real runs: depths 2–4 × two scales, spectral and full paths, one with a rectangular target
    /// (its predictions are null).
    static let runs: [(SweepTask, SimulationResult)] = {
        var out: [(SweepTask, SimulationResult)] = []
        for (i, (depth, alpha)) in [(2, 0.05), (3, 0.05), (4, 0.3), (3, 0.2), (4, 0.5)].enumerated() {
            var config = SimulationConfig()
            config.n = 6
            config.spectrum = [10, 5, 2, 1]
            config.depth = depth
            config.alpha = alpha
            config.eta = 0.02
            config.steps = 3000
            config.recordEvery = 10
            config.seed = UInt64(i)
            if i == 4 {
                config.rows = 4
                config.symmetric = false
                config.initKind = .gaussian
            }
            let hex = String(repeating: "0", count: 48) + String(format: "%016llx", UInt64(i))
            let task = SweepTask(key: TaskKey(hex: hex), config: config, canonicalJSON: "{\"i\":\(i)}")
            out.append((task, try! Simulation.run(config)))
        }
        return out
    }()

    /// A store on `engine` holding the runs of `runs` as sweep "m".
    static func populated(_ engine: StoreEngine) throws -> (AnyObject, SummaryStore) {
        let (keep, store) = try Fixtures.store(engine: engine)
        try store.registerSweep(name: "m", spec: "name: m", tasks: runs.map(\.0))
        try store.recordResults(runs.map { CompletedTask(key: $0.0.key, result: $0.1, worker: "w") })
        return (keep, store)
    }

    /// The intervals of a measure without `middle_error` (an upgrade cannot recompute it).
    static func withoutMiddleErrors(_ m: RankIntervals?) -> RankIntervals? {
        guard var m else { return nil }
        for i in m.intervals.indices { m.intervals[i].middleError = nil }
        return m
    }

    @Test func everyRunHasBothMeasures() throws {
        for (task, result) in Self.runs {
            let ratio = try #require(result.ratio)
            let truth = try Simulation.groundTruth(task.config)
            // Independent of the code under test: Σ_{i≤r} σ_i / σ_1 of the sorted magnitudes.
            let sigma = truth.eigenvalues.map(abs).filter { $0 > 0 }.sorted(by: >)
            for r in 1...sigma.count {
                #expect(abs(ratio.targets[r - 1] - sigma.prefix(r).reduce(0, +) / sigma[0]) < 1e-14)
            }
            #expect(ratio.intervals.count == sigma.count && ratio.predicted == result.predicted)
        }
        // The rectangular, non-symmetric target: no prediction under either measure.
        #expect(Self.runs[4].1.ratio?.predicted.allSatisfy { $0.start == nil && $0.end == nil } == true)
        #expect(Self.runs[1].1.ratio?.intervals.contains { $0.start != nil } == true)
    }

    /// Results read back from either engine carry both measures exactly as recorded, and the
    /// aggregates of either measure equal a brute-force computation from the runs themselves.
    @Test(arguments: StoreEngine.allCases) func bothMeasuresRoundTripAndAggregate(engine: StoreEngine) throws {
        let (keep, store) = try Self.populated(engine)
        defer { withExtendedLifetime(keep) {} }
        let contents = try store.sweepContents("m")
        for ((task, result), item) in zip(Self.runs, contents) {
            let back = try #require(try store.result(for: task.key))
            for measure in EffectiveRankMeasure.allCases {
                #expect(back[measure] == result[measure], "\(measure)")
                #expect(item.result?[measure] == result[measure], "\(measure)")
            }
        }
        for measure in EffectiveRankMeasure.allCases {
            for field in ["length", "start", "target"] {
                let query = try AggregateQuery(
                    sweep: "m", groupBy: ["depth"], metrics: [Metric(parsing: "interval." + field)], rank: 2,
                    measure: measure)
                let table = try store.aggregate(query)
                for row in table.rows {
                    let depth = row.group[0].intValue
                    let values = Self.runs.filter { $0.0.config.depth == depth }.compactMap { run -> Double? in
                        let iv = run.1[measure]!.intervals[1]
                        switch field {
                        case "length": return Double(iv.length)
                        case "start": return iv.start.map(Double.init)
                        default: return iv.target
                        }
                    }
                    #expect(row.count == values.count, "\(measure) \(field) depth \(depth ?? -1)")
                    if !values.isEmpty {
                        let mean = values.reduce(0, +) / Double(values.count)
                        #expect(abs((row.mean ?? .nan) - mean) <= 1e-12 * max(1, abs(mean)))
                    }
                }
            }
        }
        // The two measures' answers differ (the targets do: 1.89 against 1.5 for r = 2).
        let target: (EffectiveRankMeasure) throws -> Double? = { m in
            try store.aggregate(
                AggregateQuery(metrics: [Metric(parsing: "interval.target")], rank: 2, measure: m)
            ).rows.first?.min
        }
        #expect(try target(.ratio) == 1.5)
        let entropyTarget = try #require(try target(.entropy))
        #expect(abs(entropyTarget - 1.8898815748423097) < 1e-12)
    }

    /// The same results give the same query answers, cell for cell, on SQLite and PostgreSQL.
    @Test func bothEnginesAnswerAlike() throws {
        var answers: [StoreEngine: [[[DatabaseValue]]]] = [:]
        for engine in StoreEngine.allCases {
            let (keep, store) = try Self.populated(engine)
            defer { withExtendedLifetime(keep) {} }
            var tables: [[[DatabaseValue]]] = []
            for measure in EffectiveRankMeasure.allCases {
                let query = try AggregateQuery(
                    sweep: "m", groupBy: ["depth", "r"],
                    metrics: [Metric(parsing: "interval.length"), Metric(parsing: "predicted.start")],
                    statistics: [.count, .mean, Statistic(parsing: "median")], measure: measure)
                tables.append(try store.aggregate(query).cells)
            }
            var raw: [[DatabaseValue]] = []
            try store.raw(RawQuery(sweep: "m", measure: .ratio), header: { _ in }, row: { raw.append($0) })
            tables.append(raw)
            answers[engine] = tables
        }
        #expect(answers[.sqlite] == answers[.postgresql])
        #expect(answers[.sqlite]?[0] != answers[.sqlite]?[1])
    }

    /// A version-3 store (entropy rows only) upgraded on either engine: the ratio targets and
    /// intervals equal the runs' own (only `middle_error` is not recomputed), predictions are the
    /// entropy rows', and the entropy rows are unchanged.
    @Test(arguments: StoreEngine.allCases) func versionThreeIsUpgradedFromItsTrajectories(engine: StoreEngine) throws {
        let (keep, store) = try Self.populated(engine)
        defer { withExtendedLifetime(keep) {} }
        try Fixtures.downgradeToVersion3(store)
        let refused = #expect(throws: StoreError.self) { try SummaryStore(location: store.location, readOnly: true) }
        #expect(refused == .schemaVersion(path: store.path, found: 3, expected: SummaryStore.schemaVersion))
        let upgraded = try SummaryStore(location: store.location, migrate: true)
        #expect(upgraded.upgrades.contains("upgraded from schema version 3 to \(SummaryStore.schemaVersion)"))
        for (task, result) in Self.runs {
            let back = try #require(try upgraded.result(for: task.key))
            #expect(back[.entropy] == result[.entropy])
            #expect(back.ratio == Self.withoutMiddleErrors(result.ratio))
        }
        #expect(try upgraded.database.scalar("SELECT count(*) FROM results WHERE ratio_missing IS NOT NULL") == 0)
        // Opened again: nothing more to do.
        #expect(try SummaryStore(location: store.location, migrate: true).upgrades.isEmpty)
    }

    /// A result whose stored entropy targets this build's ground truth does not reproduce keeps
    /// NULL ratio targets and no ratio rows, with the reason in `ratio_missing`; the others are upgraded.
    @Test(arguments: StoreEngine.allCases) func anIrreproducibleTruthLeavesTheRatioMeasureNull(engine: StoreEngine)
        throws
    {
        let (keep, store) = try Self.populated(engine)
        defer { withExtendedLifetime(keep) {} }
        try Fixtures.downgradeToVersion3(store)
        let tampered = Self.runs[1].0.key
        try store.database.run(
            "UPDATE results SET targets = ? WHERE task_id = (SELECT id FROM tasks WHERE key = ?)",
            [.blob(PackedArray.pack([1, 1.9, 2.5, 3])), .text(tampered.hex)])
        let upgraded = try SummaryStore(location: store.location, migrate: true)
        #expect(try upgraded.result(for: tampered)?.ratio == nil)
        let reason = try upgraded.database.scalar(
            "SELECT r.ratio_missing FROM results r JOIN tasks t ON t.id = r.task_id WHERE t.key = ?",
            [.text(tampered.hex)])?.stringValue
        #expect(reason?.contains("another ground truth") == true)
        #expect(
            try upgraded.database.scalar(
                "SELECT count(*) FROM intervals i JOIN tasks t ON t.id = i.task_id WHERE t.key = ? AND measure = 'ratio'",
                [.text(tampered.hex)])?.intValue == 0)
        #expect(try upgraded.result(for: Self.runs[0].0.key)?.ratio == Self.withoutMiddleErrors(Self.runs[0].1.ratio))
    }

    /// An upgrade larger than one chunk of `MeasureUpgrade`: every result gets its ratio rows, by
    /// hand: spectrum 10, 5, 2.5 gives t = 1, 1.5, 1.75, and the fixture trajectories' ratio
    /// 1, 1.25, 1.5, 1.75, 2 at steps 0…40 meet them (tolerance 0.1) at steps 0, 20 and 30 only.
    @Test(arguments: StoreEngine.allCases) func upgradeLargerThanAChunk(engine: StoreEngine) throws {
        let (keep, store) = try Fixtures.store(engine: engine)
        defer { withExtendedLifetime(keep) {} }
        let count = MeasureUpgrade.chunkSize * 2 + 37
        let tasks = (0..<count).map { Fixtures.task($0, seed: UInt64($0)) }
        try store.registerSweep(name: "big", spec: "name: big", tasks: tasks)
        let entropyTargets = try Simulation.groundTruth(tasks[0].config).targets
        try store.recordResults(
            tasks.enumerated().map { i, task in
                var result = Fixtures.result(seed: i)
                result.targets = entropyTargets
                for r in result.intervals.indices { result.intervals[r].target = entropyTargets[r] }
                return CompletedTask(key: task.key, result: result)
            })
        try Fixtures.downgradeToVersion3(store)
        let upgraded = try SummaryStore(location: store.location, migrate: true)
        let rows = try upgraded.database.rows(
            """
            SELECT rank, target, start, "end", length, count(*) FROM intervals WHERE measure = 'ratio'
            GROUP BY rank, target, start, "end", length ORDER BY rank
            """)
        let expected: [[DatabaseValue]] = [
            [.integer(1), .real(1), .integer(0), .integer(0), .integer(0), .integer(count)],
            [.integer(2), .real(1.5), .integer(20), .integer(20), .integer(0), .integer(count)],
            [.integer(3), .real(1.75), .integer(30), .integer(30), .integer(0), .integer(count)],
        ]
        #expect(rows.map(\.values) == expected)
        #expect(
            try upgraded.database.scalar("SELECT count(*) FROM results WHERE ratio_targets IS NULL")?.intValue == 0)
    }

    /// The release-0.1 fixture, upgraded: every result's ratio intervals equal those a fresh run of
    /// the same task computes today (re-run from the stored parameters).
    @Test func releaseFixtureGetsTheRatioIntervalsOfAFreshRun() throws {
        let (dir, path) = try ReleaseFixtureTests.upgraded()
        defer { withExtendedLifetime(dir) {} }
        let store = try SummaryStore(path: path, readOnly: true)
        var compared = 0
        for sweep in try store.sweeps().map(\.name) {
            for item in try store.sweepContents(sweep) {
                guard let stored = item.result else { continue }
                let fresh = try Simulation.run(item.task.config)
                #expect(stored.targets == fresh.targets)
                let ratio = try #require(stored.ratio, "task \(item.task.key.short)")
                let expected = try #require(fresh.ratio)
                #expect(ratio.targets == expected.targets)
                #expect(ratio.intervals.count == expected.intervals.count)
                for (a, b) in zip(ratio.intervals, expected.intervals) {
                    #expect(a.rank == b.rank && a.target == b.target, "task \(item.task.key.short) r \(a.rank)")
                    #expect(a.start == b.start && a.end == b.end && a.length == b.length, "r \(a.rank)")
                    #expect(a.middleError == nil)
                }
                #expect(ratio.predicted == stored.predicted)
                compared += 1
            }
        }
        #expect(compared == 12)
    }
}
