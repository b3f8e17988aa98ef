import Factorization
import Foundation
import Sweeps

/// One task of a sweep with its bookkeeping and, when it is done, its result.
public struct SweepTaskContents: Sendable {
    /// The task's bookkeeping and parameters.
    public var task: StoredTask
    /// The stored result (intervals and predictions included; the trajectory only when asked for),
    /// `nil` when the task has none.
    public var result: SimulationResult?
}

/// How one sweep ran, from its tasks' bookkeeping.
public struct SweepRunFacts: Sendable, Equatable {
    /// When the sweep was first registered (Unix seconds).
    public var registered: Double
    /// The earliest start of any of its tasks (Unix seconds), `nil` when none started.
    public var firstStart: Double?
    /// The latest finish of any of its tasks (Unix seconds), `nil` when none finished.
    public var lastFinish: Double?
    /// How many distinct workers ran its tasks.
    public var workers: Int
}

/// Timing facts over a whole store.
public struct StoreTiming: Sendable {
    /// Tasks in the store.
    public var tasks: Int
    /// Tasks with a result.
    public var results: Int
    /// Compute seconds of all results (sum), and the smallest and largest per task; `nil` without results.
    public var computeSeconds: (total: Double, min: Double, max: Double)?
    /// The earliest start and the latest finish of finished tasks (Unix seconds), `nil` when none finished.
    public var span: (start: Double, end: Double)?
    /// Distinct workers that ran tasks.
    public var workers: Int
    /// Results per solver path that ran, by path name, in name order.
    public var paths: [(path: String, count: Int)]
}

extension SummaryStore {
    /// Every task of a sweep in sweep order, with its result: one query per table (tasks with
    /// results, intervals, and trajectories when asked for), however many tasks the sweep has.
    /// - Parameters:
    ///   - sweep: the sweep's name.
    ///   - trajectories: also load every done task's recorded trajectory (they dominate time and
    ///     memory; `trajectories(for:)` loads a few).
    /// - Returns: the tasks in the sweep's order.
    /// - Throws: `StoreError.unknownSweep`, `.corruptValue`, `.sqlite`.
    public func sweepContents(_ sweep: String, trajectories: Bool = false) throws(StoreError) -> [SweepTaskContents] {
        let sweepID = try self.sweepID(sweep)
        // The task's columns (`storedTask`), then the result's from `resultColumn` on.
        let resultColumn = 9 + SimulationConfig.parameters.count
        var out: [SweepTaskContents] = []
        var index: [String: Int] = [:]
        try database.forEachRow(
            """
            SELECT \(Self.storedTaskColumns),
                r.status, r.path, r.steps, r.final_loss, r.final_erank, r.seconds, r.best_step, r.best_error,
                r.best_inside, r.targets, r.observed_entries, r.unobserved_lines, r.ratio_targets
            FROM sweep_tasks m JOIN tasks t ON t.id = m.task_id LEFT JOIN results r ON r.task_id = t.id
            WHERE m.sweep_id = ? ORDER BY m.position
            """, [.integer(sweepID)]
        ) { (rows: Row) throws(StoreError) in
            let task = try Self.storedTask(rows)
            let result = task.state == .done ? try Self.resultHead(rows, at: resultColumn, key: task.key) : nil
            index[task.key.hex] = out.count
            out.append(SweepTaskContents(task: task, result: result))
        }

        try database.forEachRow(
            """
            SELECT t.key, i.measure, i.rank, i.target, i.measured, i.start, i."end", i.length, i.middle_error,
                i.predicted, i.predicted_start, i.predicted_end
            FROM sweep_tasks m JOIN tasks t ON t.id = m.task_id JOIN intervals i ON i.task_id = t.id
            WHERE m.sweep_id = ? AND t.status = 'done' ORDER BY m.position, i.measure, i.rank
            """, [.integer(sweepID)]
        ) { (intervals: Row) throws(StoreError) in
            guard let i = index[intervals.string(at: 0) ?? ""], out[i].result != nil else { return }
            Self.appendInterval(intervals, at: 1, to: &out[i].result!)
        }

        // A store opened read-only may predate the recovery table: then nothing was recorded.
        let recovery = try Schema.hasTable("recovery", database)
        if recovery {
            try database.forEachRow(
                """
                SELECT t.key, e.final_error, e.final_unobserved_error, e.final_clean_error, e.best_recovery_error,
                    e.best_recovery_step
                FROM sweep_tasks m JOIN tasks t ON t.id = m.task_id JOIN recovery e ON e.task_id = t.id
                WHERE m.sweep_id = ? AND t.status = 'done'
                """, [.integer(sweepID)]
            ) { (row: Row) throws(StoreError) in
                guard let i = index[row.string(at: 0) ?? ""], out[i].result != nil else { return }
                Self.applyRecovery(row, at: 1, to: &out[i].result!)
            }
        }

        if trajectories {
            try database.forEachRow(
                """
                SELECT t.key, \(Self.recoverySeriesSelect(recovery)) j.steps, j.loss, j.erank, j.erank_ratio,
                    j.clean_error, j.product_norm, j.unobserved_max
                FROM sweep_tasks m JOIN tasks t ON t.id = m.task_id JOIN trajectories j ON j.task_id = t.id
                \(recovery ? "LEFT JOIN recovery e ON e.task_id = t.id " : "")\
                WHERE m.sweep_id = ? AND t.status = 'done'
                """, [.integer(sweepID)]
            ) { (traj: Row) throws(StoreError) in
                let key = TaskKey(hex: traj.string(at: 0) ?? "")
                guard let i = index[key.hex], out[i].result != nil else { return }
                // The recovery series first, so the trajectory's own columns can grow at the end.
                var points = try Self.trajectory(traj, at: 1 + Self.recoverySeries.count, key: key)
                try Self.applyRecoverySeries(traj, at: 1, to: &points, key: key)
                out[i].result!.trajectory = points
            }
        }
        return out
    }

    /// The recorded trajectories of some tasks, in one query per 500 keys.
    /// - Parameter keys: the tasks; keys without a trajectory are absent from the answer.
    /// - Returns: each task's recorded points, by key.
    /// - Throws: `StoreError.corruptValue`, `.sqlite`.
    public func trajectories(for keys: [TaskKey]) throws(StoreError) -> [TaskKey: [TrajectoryPoint]] {
        var out: [TaskKey: [TrajectoryPoint]] = [:]
        let unique = Array(Set(keys))
        let recovery = try Schema.hasTable("recovery", database)
        var start = 0
        while start < unique.count {
            let chunk = unique[start..<min(start + 500, unique.count)]
            start += chunk.count
            for stmt in try database.rows(
                """
                SELECT t.key, \(Self.recoverySeriesSelect(recovery)) j.steps, j.loss, j.erank, j.erank_ratio,
                    j.clean_error, j.product_norm, j.unobserved_max
                FROM tasks t JOIN trajectories j ON j.task_id = t.id
                \(recovery ? "LEFT JOIN recovery e ON e.task_id = t.id " : "")\
                WHERE t.key IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ", ")))
                """, chunk.map { .text($0.hex) })
            {
                let key = TaskKey(hex: stmt.string(at: 0) ?? "")
                var points = try Self.trajectory(stmt, at: 1 + Self.recoverySeries.count, key: key)
                try Self.applyRecoverySeries(stmt, at: 1, to: &points, key: key)
                out[key] = points
            }
        }
        return out
    }

    /// How one sweep ran: registration time, first start, last finish, distinct workers.
    /// - Throws: `StoreError.unknownSweep`, `.sqlite`.
    public func runFacts(sweep: String) throws(StoreError) -> SweepRunFacts {
        let sweepID = try self.sweepID(sweep)
        guard
            let stmt = try database.rows(
                """
                SELECT min(t.started), max(t.finished), count(DISTINCT t.worker),
                    (SELECT created FROM sweeps WHERE id = ?)
                FROM sweep_tasks m JOIN tasks t ON t.id = m.task_id WHERE m.sweep_id = ?
                """, [.integer(sweepID), .integer(sweepID)]
            ).first
        else { return SweepRunFacts(registered: 0, workers: 0) }
        return SweepRunFacts(
            registered: stmt.double(at: 3) ?? 0, firstStart: stmt.double(at: 0), lastFinish: stmt.double(at: 1),
            workers: stmt.int(at: 2) ?? 0)
    }

    /// Timing facts over the whole store (for a report's metadata).
    /// - Throws: `StoreError.sqlite`.
    public func timing() throws(StoreError) -> StoreTiming {
        var timing = StoreTiming(tasks: 0, results: 0, workers: 0, paths: [])
        if let counts = try database.rows(
            """
            SELECT (SELECT count(*) FROM tasks), (SELECT count(*) FROM results),
                (SELECT count(DISTINCT worker) FROM tasks WHERE worker IS NOT NULL),
                (SELECT min(started) FROM tasks WHERE finished IS NOT NULL),
                (SELECT max(finished) FROM tasks WHERE finished IS NOT NULL)
            """
        ).first {
            timing.tasks = counts.int(at: 0) ?? 0
            timing.results = counts.int(at: 1) ?? 0
            timing.workers = counts.int(at: 2) ?? 0
            if let a = counts.double(at: 3), let b = counts.double(at: 4) { timing.span = (a, b) }
        }
        if let seconds = try database.rows("SELECT sum(seconds), min(seconds), max(seconds) FROM results").first,
            let total = seconds.double(at: 0), let lo = seconds.double(at: 1),
            let hi = seconds.double(at: 2)
        {
            timing.computeSeconds = (total, lo, hi)
        }
        for paths in try database.rows("SELECT path, count(*) FROM results GROUP BY path ORDER BY path") {
            timing.paths.append((paths.string(at: 0) ?? "?", paths.int(at: 1) ?? 0))
        }
        return timing
    }
}

extension SummaryStore {
    /// Decodes the `results` columns `status, path, steps, final_loss, final_erank, seconds,
    /// best_step, best_error, best_inside, targets, observed_entries, unobserved_lines,
    /// ratio_targets` starting at column `offset` (no intervals, no trajectory); `nil` when the row
    /// has no result (a NULL status).
    static func resultHead(_ s: Row, at offset: Int, key: TaskKey) throws(StoreError) -> SimulationResult? {
        if s.isNull(at: offset) { return nil }
        guard let status = RunStatus(rawValue: s.string(at: offset) ?? ""),
            let path = SolverPath(rawValue: s.string(at: offset + 1) ?? "")
        else {
            throw StoreError.corruptValue(table: "results", column: "status", detail: "task \(key.short)")
        }
        var result = SimulationResult(
            status: status, path: path, steps: s.int(at: offset + 2) ?? 0, finalLoss: s.double(at: offset + 3) ?? .nan,
            finalErank: s.double(at: offset + 4) ?? .nan,
            targets: PackedArray.doubles(s.data(at: offset + 9) ?? Data()) ?? [], intervals: [], predicted: [],
            trajectory: [], bestStep: s.int(at: offset + 6), bestCleanError: s.double(at: offset + 7),
            bestInsideInterval: s.int(at: offset + 8).map { $0 != 0 }, seconds: s.double(at: offset + 5) ?? 0)
        result.observedEntries = s.int(at: offset + 10)
        result.unobservedLines = s.int(at: offset + 11)
        // NULL: an upgraded store could not recompute them (`MeasureUpgrade`, `results.ratio_missing`).
        result.ratio = s.data(at: offset + 12).map { RankIntervals(targets: PackedArray.doubles($0) ?? []) }
        return result
    }

    /// Adds one `intervals` row (`measure, rank, target, measured, start, end, length, middle_error,
    /// predicted, predicted_start, predicted_end` from column `offset`) to the result's intervals
    /// of that measure; rows of an unknown measure are skipped.
    static func appendInterval(_ s: Row, at offset: Int, to result: inout SimulationResult) {
        guard let measure = EffectiveRankMeasure(rawValue: s.string(at: offset) ?? "") else { return }
        let o = offset + 1
        var m = result[measure] ?? RankIntervals()
        let rank = s.int(at: o) ?? 0
        if s.int(at: o + 2) == 1 {
            m.intervals.append(
                IntervalStat(
                    rank: rank, target: s.double(at: o + 1) ?? .nan, start: s.int(at: o + 3),
                    end: s.int(at: o + 4), length: s.int(at: o + 5) ?? 0, middleError: s.double(at: o + 6)))
        }
        if s.int(at: o + 7) == 1 {
            m.predicted.append(PredictedInterval(rank: rank, start: s.double(at: o + 8), end: s.double(at: o + 9)))
        }
        result[measure] = m
    }

    /// Decodes the `trajectories` columns `steps, loss, erank, erank_ratio, clean_error,
    /// product_norm, unobserved_max` from column `offset` (the optional per-point columns are NULL
    /// when no point has a value; NaN marks a missing value).
    static func trajectory(_ s: Row, at offset: Int, key: TaskKey) throws(StoreError) -> [TrajectoryPoint] {
        let steps = PackedArray.ints(s.data(at: offset) ?? Data()) ?? []
        let loss = PackedArray.doubles(s.data(at: offset + 1) ?? Data()) ?? []
        let erank = PackedArray.doubles(s.data(at: offset + 2) ?? Data()) ?? []
        let ratio = PackedArray.doubles(s.data(at: offset + 3) ?? Data()) ?? []
        let clean = s.data(at: offset + 4).flatMap(PackedArray.doubles)
        let norm = s.data(at: offset + 5).flatMap(PackedArray.doubles)
        let largest = s.data(at: offset + 6).flatMap(PackedArray.doubles)
        guard loss.count == steps.count, erank.count == steps.count, ratio.count == steps.count,
            [clean, norm, largest].allSatisfy({ $0 == nil || $0?.count == steps.count })
        else {
            throw StoreError.corruptValue(table: "trajectories", column: "steps", detail: "task \(key.short)")
        }
        func value(_ column: [Double]?, _ i: Int) -> Double? { column.flatMap { $0[i].isNaN ? nil : $0[i] } }
        return steps.indices.map { i in
            TrajectoryPoint(
                step: steps[i], loss: loss[i], erank: erank[i], erankRatio: ratio[i], cleanError: value(clean, i),
                productNorm: value(norm, i), unobservedMax: value(largest, i))
        }
    }

    /// The per-point series of the `recovery` table, in column order, with the trajectory field
    /// each fills: the one list the readers iterate (a new recorded series is one entry here and
    /// one column in `Schema.recoveryTable`).
    static let recoverySeries: [(column: String, field: WritableKeyPath<TrajectoryPoint, Double?> & Sendable)] = [
        ("error", \.error), ("unobserved_error", \.unobservedError),
    ]

    /// `e.error, e.unobserved_error,` (every `recoverySeries` column over alias `e`, each followed
    /// by a comma), or as many NULLs for a store without the recovery table.
    static func recoverySeriesSelect(_ hasRecovery: Bool) -> String {
        recoverySeries.map { (hasRecovery ? "e." + $0.column : "NULL") + "," }.joined(separator: " ")
    }

    /// Fills the recovery series of `points` from the `recoverySeries` columns starting at
    /// `offset` (a NULL column: no point has a value; NaN: this point has none).
    /// - Throws: `StoreError.corruptValue` when a series has another length than the trajectory.
    static func applyRecoverySeries(
        _ s: Row, at offset: Int, to points: inout [TrajectoryPoint], key: TaskKey
    ) throws(StoreError) {
        for (k, series) in recoverySeries.enumerated() {
            guard let values = s.data(at: offset + k).flatMap(PackedArray.doubles) else { continue }
            guard values.count == points.count else {
                throw StoreError.corruptValue(table: "recovery", column: series.column, detail: "task \(key.short)")
            }
            for i in points.indices { points[i][keyPath: series.field] = values[i].isNaN ? nil : values[i] }
        }
    }

    /// Sets a result's final and best recovery errors from the `recovery` columns `final_error,
    /// final_unobserved_error, final_clean_error, best_recovery_error, best_recovery_step` at `offset`.
    static func applyRecovery(_ s: Row, at offset: Int, to result: inout SimulationResult) {
        result.finalError = s.double(at: offset)
        result.finalUnobservedError = s.double(at: offset + 1)
        result.finalCleanError = s.double(at: offset + 2)
        result.bestRecoveryError = s.double(at: offset + 3)
        result.bestRecoveryStep = s.int(at: offset + 4)
    }
}
