import Factorization
import Foundation
import Sweeps
import TestSupport

@testable import SummaryStore

/// Hand-built tasks and results (the numerical core is not needed to test the store).
enum Fixtures {
    /// A task whose key is derived from `index` (any 64 hex digits will do for the store).
    static func task(_ index: Int, depth: Int = 3, alpha: Double = 0.05, seed: UInt64 = 0) -> SweepTask {
        var config = SimulationConfig()
        config.depth = depth
        config.alpha = alpha
        config.seed = seed
        config.spectrum = [10, 5, 2.5]
        config.stopLoss = index % 2 == 0 ? nil : 1e-12
        let hex = String(repeating: "0", count: 48) + String(format: "%016llx", UInt64(index))
        return SweepTask(key: TaskKey(hex: hex), config: config, canonicalJSON: "{\"i\":\(index)}")
    }

    /// A grid of tasks: depths × alphas × seeds, keys numbered from `base`.
    static func grid(depths: [Int], alphas: [Double], seeds: Int, base: Int = 0) -> [SweepTask] {
        var tasks: [SweepTask] = []
        for d in depths {
            for a in alphas {
                for s in 0..<seeds {
                    tasks.append(task(base + tasks.count, depth: d, alpha: a, seed: UInt64(s)))
                }
            }
        }
        return tasks
    }

    /// A result whose numbers are a deterministic function of `seed` (no two alike).
    static func result(seed: Int, ranks: Int = 3, status: RunStatus = .finished, noisy: Bool = false)
        -> SimulationResult
    {
        let s = Double(seed)
        let intervals = (1...ranks).map { r in
            r == ranks && seed % 3 == 0
                ? IntervalStat(rank: r, target: Double(r) * 0.9, start: nil, end: nil, length: 0)
                : IntervalStat(
                    rank: r, target: Double(r) * 0.9, start: 100 * r + seed, end: 100 * r + seed + 10 * (seed % 7 + 1),
                    length: 10 * (seed % 7 + 1), middleError: 0.01 * s + Double(r))
        }
        let predicted = (1...ranks).map { r in
            PredictedInterval(rank: r, start: 95.5 * Double(r) + s, end: r == ranks ? nil : 190.25 * Double(r) + s)
        }
        let trajectory = (0..<5).map { k in
            TrajectoryPoint(
                step: k * 10, loss: 1 / (s + Double(k) + 1), erank: 1 + Double(k) * 0.3,
                erankRatio: 1 + Double(k) * 0.25,
                cleanError: noisy ? 0.5 / Double(k + 1) : nil, productNorm: 0.25 * s + Double(k),
                unobservedMax: seed % 2 == 1 ? 0.125 * Double(k) : nil)
        }
        var result = SimulationResult(
            status: status, path: .spectral, steps: 40 + seed, finalLoss: 1e-3 * (s + 1), finalErank: 2 + 0.001 * s,
            targets: (1...ranks).map { Double($0) * 0.9 }, intervals: intervals, predicted: predicted,
            trajectory: trajectory, bestStep: noisy ? 20 : nil, bestCleanError: noisy ? 0.125 + s : nil,
            bestInsideInterval: noisy ? seed % 2 == 0 : nil, seconds: 0.5 + s / 1000)
        result.ratio = ratio(seed: seed, ranks: ranks)
        return result
    }

    /// A fresh store in a temporary directory (kept alive by the returned directory).
    static func store() throws -> (TemporaryDirectory, SummaryStore) {
        let dir = try TemporaryDirectory(prefix: "store-test")
        return (dir, try SummaryStore(path: dir.path("s.sqlite"), create: true))
    }

    /// A fresh store with `count` tasks (`task(i, seed: i)`) in sweep `s`, read as pending as a
    /// coordinator does before its first commit (so SQLite's store knows their ids: `knownTasks`).
    static func storeWithPendingTasks(_ count: Int) throws -> (TemporaryDirectory, SummaryStore, [SweepTask]) {
        let (dir, store) = try store()
        let tasks = (0..<count).map { task($0, seed: UInt64($0)) }
        try store.registerSweep(name: "s", spec: "", tasks: tasks)
        _ = try store.unfinishedTasks(sweep: "s")
        return (dir, store, tasks)
    }
}

extension Fixtures {
    /// The ratio measure's part of `result(seed:)`: targets, intervals and predictions that differ
    /// from the entropy ones (so a store that mixed them up would be caught).
    static func ratio(seed: Int, ranks: Int = 3) -> RankIntervals {
        let s = Double(seed)
        return RankIntervals(
            targets: (1...ranks).map { 1 + Double($0 - 1) * 0.4 },
            intervals: (1...ranks).map { r in
                r == 1 && seed % 4 == 0
                    ? IntervalStat(rank: r, target: 1, start: nil, end: nil, length: 0)
                    : IntervalStat(
                        rank: r, target: 1 + Double(r - 1) * 0.4, start: 120 * r + seed, end: 120 * r + seed + 7 * r,
                        length: 7 * r, middleError: 0.02 * s + Double(r))
            },
            predicted: (1...ranks).map { r in
                PredictedInterval(rank: r, start: 95.5 * Double(r) + s, end: r == ranks ? nil : 190.25 * Double(r) + s)
            })
    }

    /// Turns a current (version-4) store back into the shape a version-3 build wrote: `intervals`
    /// without `measure` (its entropy rows only), `results` without the ratio targets,
    /// `trajectories` without `product_norm` and `unobserved_max`, version 3.
    /// - Parameter store: a store on either engine.
    static func downgradeToVersion3(_ store: SummaryStore) throws {
        let db = store.database
        let old = """
            CREATE TABLE intervals_v3 (
                task_id INTEGER NOT NULL REFERENCES tasks (id), rank INTEGER NOT NULL, target REAL,
                measured INTEGER NOT NULL, start INTEGER, "end" INTEGER, length INTEGER, middle_error REAL,
                predicted INTEGER NOT NULL, predicted_start REAL, predicted_end REAL,
                PRIMARY KEY (task_id, rank)
            ) WITHOUT ROWID
            """
        try db.inTransaction { () throws(StoreError) in
            try db.run(Schema.ddl(old, for: db.dialect), [])
            try db.run(
                """
                INSERT INTO intervals_v3 SELECT task_id, rank, target, measured, start, "end", length, middle_error,
                    predicted, predicted_start, predicted_end FROM intervals WHERE measure = 'entropy'
                """, [])
            try db.run("DROP TABLE intervals", [])
            try db.run("ALTER TABLE intervals_v3 RENAME TO intervals", [])
            try db.run("ALTER TABLE results DROP COLUMN ratio_targets", [])
            try db.run("ALTER TABLE results DROP COLUMN ratio_missing", [])
            try db.run("ALTER TABLE trajectories DROP COLUMN product_norm", [])
            try db.run("ALTER TABLE trajectories DROP COLUMN unobserved_max", [])
            switch db.dialect.engine {
            case .sqlite: try db.run("PRAGMA user_version = 3", [])
            case .postgresql: try db.run("UPDATE meta SET value = '3' WHERE key = 'schema_version'", [])
            }
        }
    }
}
