import Factorization
import Foundation
import Sweeps

extension SummaryStore {
    /// Records finished tasks in one transaction: result, one interval row per rank, trajectory,
    /// and the task's state `done` with when, who and where. A result whose start was not recorded
    /// (`CompletedTask.start`) counts that attempt; attempts are at least 1 for a done task.
    ///
    /// Idempotent by key: recording a task again replaces its rows, never duplicates them. The
    /// batch is committed as a whole before this returns (acknowledge to workers only afterwards);
    /// a reader sees all of it or none of it.
    /// - Parameter batch: finished tasks; keys the store does not know are skipped and reported.
    /// - Returns: how many were written and which keys are unknown.
    /// - Throws: `StoreError.sqlite` (nothing of the batch is written then).
    @discardableResult
    public func recordResults(_ batch: [CompletedTask]) throws(StoreError) -> RecordSummary {
        let now = Self.now
        return try connection.transaction { () throws(StoreError) -> RecordSummary in
            let findTask = try connection.cached("SELECT id, status = 'done' FROM tasks WHERE key = ?")
            let updateTask = try connection.cached(
                """
                UPDATE tasks SET status = 'done', error = NULL, worker = coalesce(?, worker), host = coalesce(?, host),
                    started = coalesce(?, started), finished = ?, attempts = max(attempts + ?, 1)
                WHERE id = ?
                """)
            let upsertResult = try connection.cached(
                """
                INSERT OR REPLACE INTO results (task_id, status, path, steps, final_loss, final_erank, seconds,
                    best_step, best_error, best_inside, targets, recorded)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let clearIntervals = try connection.cached("DELETE FROM intervals WHERE task_id = ?")
            let insertInterval = try connection.cached(
                """
                INSERT INTO intervals (task_id, rank, target, measured, start, "end", length, middle_error,
                    predicted, predicted_start, predicted_end)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let upsertTrajectory = try connection.cached(
                """
                INSERT OR REPLACE INTO trajectories (task_id, points, steps, loss, erank, erank_ratio, clean_error)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            var summary = RecordSummary(recorded: 0, unknown: [])
            for item in batch {
                let found = try findTask.first([.text(item.key.hex)]) { row in (row.int(at: 0), row.int(at: 1) == 1) }
                guard let found, let id = found.0 else {
                    summary.unknown.append(item.key)
                    continue
                }
                // Interval rows exist only for done tasks (results and state change together).
                let wasDone = found.1
                let r = item.result
                try updateTask.execute([
                    DatabaseValue(item.worker), DatabaseValue(item.host),
                    DatabaseValue(item.start?.started.timeIntervalSince1970), .real(now),
                    .integer(item.start == nil ? 0 : 1), .integer(id),
                ])
                try upsertResult.execute([
                    .integer(id), .text(r.status.rawValue), .text(r.path.rawValue), .integer(r.steps),
                    Self.finite(r.finalLoss), Self.finite(r.finalErank), .real(r.seconds), DatabaseValue(r.bestStep),
                    Self.finite(r.bestCleanError), DatabaseValue(r.bestInsideInterval),
                    .blob(PackedArray.pack(r.targets)), .real(now),
                ])
                if wasDone { try clearIntervals.execute([.integer(id)]) }
                for row in Self.intervalRows(r) {
                    try insertInterval.execute([.integer(id)] + row)
                }
                let t = r.trajectory
                let hasClean = t.contains { $0.cleanError != nil }
                try upsertTrajectory.execute([
                    .integer(id), .integer(t.count), .blob(PackedArray.pack(t.map(\.step))),
                    .blob(PackedArray.pack(t.map(\.loss))), .blob(PackedArray.pack(t.map(\.erank))),
                    .blob(PackedArray.pack(t.map(\.erankRatio))),
                    hasClean ? .blob(PackedArray.pack(t.map { $0.cleanError ?? .nan })) : .null,
                ])
                summary.recorded += 1
            }
            return summary
        }
    }

    /// The stored result of a task, rebuilt from its rows, or `nil` when it has none.
    /// - Throws: `StoreError.corruptValue`, `.sqlite`.
    public func result(for key: TaskKey) throws(StoreError) -> SimulationResult? {
        let head = try connection.cached(
            """
            SELECT r.task_id, r.status, r.path, r.steps, r.final_loss, r.final_erank, r.seconds, r.best_step,
                r.best_error, r.best_inside, r.targets
            FROM tasks t JOIN results r ON r.task_id = t.id WHERE t.key = ?
            """)
        try head.bind([.text(key.hex)])
        defer { head.reset() }  // read one row: reset, or the connection keeps a read transaction
        guard try head.step(), let id = head.int(at: 0) else { return nil }
        guard let status = RunStatus(rawValue: head.string(at: 1) ?? ""),
            let path = SolverPath(rawValue: head.string(at: 2) ?? "")
        else {
            throw StoreError.corruptValue(table: "results", column: "status", detail: "task \(key.short)")
        }
        var result = SimulationResult(
            status: status, path: path, steps: head.int(at: 3) ?? 0, finalLoss: head.double(at: 4) ?? .nan,
            finalErank: head.double(at: 5) ?? .nan, targets: PackedArray.doubles(head.data(at: 10) ?? Data()) ?? [],
            intervals: [], predicted: [], trajectory: [], bestStep: head.int(at: 7), bestCleanError: head.double(at: 8),
            bestInsideInterval: head.int(at: 9).map { $0 != 0 }, seconds: head.double(at: 6) ?? 0)

        let rows = try connection.cached(
            """
            SELECT rank, target, measured, start, "end", length, middle_error, predicted, predicted_start, predicted_end
            FROM intervals WHERE task_id = ? ORDER BY rank
            """)
        try rows.bind([.integer(id)])
        while try rows.step() {
            let rank = rows.int(at: 0) ?? 0
            if rows.int(at: 2) == 1 {
                result.intervals.append(
                    IntervalStat(
                        rank: rank, target: rows.double(at: 1) ?? .nan, start: rows.int(at: 3), end: rows.int(at: 4),
                        length: rows.int(at: 5) ?? 0, middleError: rows.double(at: 6)))
            }
            if rows.int(at: 7) == 1 {
                result.predicted.append(
                    PredictedInterval(rank: rank, start: rows.double(at: 8), end: rows.double(at: 9)))
            }
        }

        let traj = try connection.cached(
            "SELECT steps, loss, erank, erank_ratio, clean_error FROM trajectories WHERE task_id = ?")
        try traj.bind([.integer(id)])
        defer { traj.reset() }
        if try traj.step() {
            let steps = PackedArray.ints(traj.data(at: 0) ?? Data()) ?? []
            let loss = PackedArray.doubles(traj.data(at: 1) ?? Data()) ?? []
            let erank = PackedArray.doubles(traj.data(at: 2) ?? Data()) ?? []
            let ratio = PackedArray.doubles(traj.data(at: 3) ?? Data()) ?? []
            let clean = traj.data(at: 4).flatMap(PackedArray.doubles)
            guard loss.count == steps.count, erank.count == steps.count, ratio.count == steps.count,
                clean == nil || clean?.count == steps.count
            else {
                throw StoreError.corruptValue(table: "trajectories", column: "steps", detail: "task \(key.short)")
            }
            result.trajectory = steps.indices.map { i in
                TrajectoryPoint(
                    step: steps[i], loss: loss[i], erank: erank[i], erankRatio: ratio[i],
                    cleanError: clean.flatMap { $0[i].isNaN ? nil : $0[i] })
            }
        }
        return result
    }

    /// One row per rank that has a measured or a predicted interval (values after `task_id`).
    static func intervalRows(_ r: SimulationResult) -> [[DatabaseValue]] {
        let measured = Dictionary(r.intervals.map { ($0.rank, $0) }, uniquingKeysWith: { a, _ in a })
        let predicted = Dictionary(r.predicted.map { ($0.rank, $0) }, uniquingKeysWith: { a, _ in a })
        let ranks = Set(measured.keys).union(predicted.keys).sorted()
        return ranks.map { rank in
            let m = measured[rank]
            let p = predicted[rank]
            let target = m?.target ?? (rank >= 1 && rank <= r.targets.count ? r.targets[rank - 1] : nil)
            return [
                .integer(rank), finite(target), DatabaseValue(m != nil), DatabaseValue(m?.start),
                DatabaseValue(m?.end), DatabaseValue(m?.length), finite(m?.middleError), DatabaseValue(p != nil),
                finite(p?.start), finite(p?.end),
            ]
        }
    }

    /// A real, or NULL when it is missing or not finite (SQLite stores NaN as NULL anyway).
    static func finite(_ v: Double?) -> DatabaseValue {
        guard let v, v.isFinite else { return .null }
        return .real(v)
    }
}
