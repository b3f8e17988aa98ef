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
        let d = database.dialect
        let updateTask = """
            UPDATE tasks SET status = 'done', error = NULL, worker = coalesce(?, worker), host = coalesce(?, host),
                started = coalesce(?, started), finished = ?, attempts = \(d.greatest("attempts + ?", "1"))
            WHERE id = ?
            """
        let upsertResult = """
            INSERT INTO results (task_id, status, path, steps, final_loss, final_erank, seconds,
                best_step, best_error, best_inside, targets, recorded)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (task_id) DO UPDATE SET status = excluded.status, path = excluded.path,
                steps = excluded.steps, final_loss = excluded.final_loss, final_erank = excluded.final_erank,
                seconds = excluded.seconds, best_step = excluded.best_step, best_error = excluded.best_error,
                best_inside = excluded.best_inside, targets = excluded.targets, recorded = excluded.recorded
            """
        let insertInterval = """
            INSERT INTO intervals (task_id, rank, target, measured, start, "end", length, middle_error,
                predicted, predicted_start, predicted_end)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        let upsertTrajectory = """
            INSERT INTO trajectories (task_id, points, steps, loss, erank, erank_ratio, clean_error)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (task_id) DO UPDATE SET points = excluded.points, steps = excluded.steps,
                loss = excluded.loss, erank = excluded.erank, erank_ratio = excluded.erank_ratio,
                clean_error = excluded.clean_error
            """
        return try database.inTransaction { () throws(StoreError) -> RecordSummary in
            var summary = RecordSummary(recorded: 0, unknown: [])
            for item in batch {
                guard
                    let found = try database.rows(
                        "SELECT id, CASE WHEN status = 'done' THEN 1 ELSE 0 END FROM tasks WHERE key = ?",
                        [.text(item.key.hex)]
                    ).first, let id = found.int(at: 0)
                else {
                    summary.unknown.append(item.key)
                    continue
                }
                // Interval rows exist only for done tasks (results and state change together).
                let wasDone = found.int(at: 1) == 1
                let r = item.result
                try database.run(
                    updateTask,
                    [
                        DatabaseValue(item.worker), DatabaseValue(item.host),
                        DatabaseValue(item.start?.started.timeIntervalSince1970), .real(now),
                        .integer(item.start == nil ? 0 : 1), .integer(id),
                    ])
                try database.run(
                    upsertResult,
                    [
                        .integer(id), .text(r.status.rawValue), .text(r.path.rawValue), .integer(r.steps),
                        Self.finite(r.finalLoss), Self.finite(r.finalErank), .real(r.seconds),
                        DatabaseValue(r.bestStep), Self.finite(r.bestCleanError), DatabaseValue(r.bestInsideInterval),
                        .blob(PackedArray.pack(r.targets)), .real(now),
                    ])
                if wasDone { try database.run("DELETE FROM intervals WHERE task_id = ?", [.integer(id)]) }
                for row in Self.intervalRows(r) {
                    try database.run(insertInterval, [.integer(id)] + row)
                }
                let t = r.trajectory
                let hasClean = t.contains { $0.cleanError != nil }
                try database.run(
                    upsertTrajectory,
                    [
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
        guard
            let head = try database.rows(
                """
                SELECT r.task_id, r.status, r.path, r.steps, r.final_loss, r.final_erank, r.seconds, r.best_step,
                    r.best_error, r.best_inside, r.targets
                FROM tasks t JOIN results r ON r.task_id = t.id WHERE t.key = ?
                """, [.text(key.hex)]
            ).first, let id = head.int(at: 0), var result = try Self.resultHead(head, at: 1, key: key)
        else { return nil }
        for row in try database.rows(
            """
            SELECT rank, target, measured, start, "end", length, middle_error, predicted, predicted_start, predicted_end
            FROM intervals WHERE task_id = ? ORDER BY rank
            """, [.integer(id)])
        {
            Self.appendInterval(row, at: 0, to: &result)
        }
        if let row = try database.rows(
            "SELECT steps, loss, erank, erank_ratio, clean_error FROM trajectories WHERE task_id = ?", [.integer(id)]
        ).first {
            result.trajectory = try Self.trajectory(row, at: 0, key: key)
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
